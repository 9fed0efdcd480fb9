"""The README documents the input format that the schema defines."""

from __future__ import annotations

from pathlib import Path

from mkba.case.schema import TABLES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_lists_every_column():
    for table in TABLES.values():
        assert f"#### {table.name}" in README
        section = README.split(f"#### {table.name}", 1)[1].split("####", 1)[0]
        for column in table.columns:
            shown = f"**{column.name}**" if column.required else column.name
            assert f"| {shown} |" in section, (table.name, column.name)


def test_readme_names_the_two_setup_commands():
    assert "make demo" in README and "make test" in README


def _code_map() -> set[str]:
    """The paths in the README's code map (the block under "Opbouw van de code"), with the
    modules of an indented sub-package listing joined to their folder."""
    block = README.split("## Opbouw van de code", 1)[1].split("```", 2)[1]
    paths, folder = set(), None
    for line in block.splitlines():
        if not line.strip():
            continue
        word = line.split()[0]
        if line.startswith(" "):
            if word.endswith(".py") and folder:
                paths.add(folder + word)
            continue
        folder = word if word.endswith("/") else None
        paths.add(word)
    return paths


def test_code_map_names_every_module_and_only_existing_files():
    root = Path(__file__).resolve().parents[1]
    listed = _code_map()
    missing_files = sorted(p for p in listed if not (root / p).exists())
    assert missing_files == []
    modules = {str(p.relative_to(root)) for p in (root / "mkba").rglob("*.py")
               if p.name != "__init__.py" or p.parent == root / "mkba"}
    covered = {m for m in modules if m in listed or any(
        m.startswith(p) for p in listed if p.endswith("/") and not any(
            q.startswith(p) and q != p for q in listed))}
    assert sorted(modules - covered) == []
