"""The documentation: a short README as front door, the site under docs/ that `make docs` builds,
and pages made from the code (the column reference, the API) so that they cannot drift."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mkba.case.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _hooks():
    spec = importlib.util.spec_from_file_location("mkba_docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nav_pages() -> set[str]:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    pages: set[str] = set()

    def walk(node):
        if isinstance(node, str):
            pages.add(node)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)

    walk(config["nav"])
    return pages


def test_readme_is_a_front_door():
    """≤ 300 lines (issue 23), and it points at the pages that hold the rest."""
    assert len(README.splitlines()) <= 300
    for link in re.findall(r"\]\((docs/[\w/.-]+\.md)\)", README):
        assert (ROOT / link).is_file(), link


def test_the_two_setup_commands_are_the_first_code_block_and_install_everything():
    """A fresh machine needs exactly `make demo` and `make test`: they are the first code block of
    the README, both Makefile targets depend on the install stamp (so they create the venv and
    install the pinned dependencies), and CI's entry point calls `make test`."""
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test"):
        rule = re.search(rf"^{target}:([^#\n]*)", makefile, flags=re.M)
        assert rule and "$(STAMP)" in rule.group(1), target
    stamp_rule = re.search(r"^\$\(STAMP\):.*\n((?:\t.*\n)+)", makefile, flags=re.M).group(1)
    assert "requirements.lock" in stamp_rule and "-e ." in stamp_rule
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^(?:[A-Z_]+=\S+ )*make test$", ci, flags=re.M)  # an env setting may lead


def test_every_input_table_has_its_generated_column_reference():
    page = (DOCS / "casus.md").read_text(encoding="utf-8")
    marked = re.findall(r"<!-- kolommen: (\w+) -->", page)
    assert sorted(marked) == sorted(TABLES)
    hooks = _hooks()
    for table in TABLES.values():
        generated = hooks.column_table(table.name)
        for column in table.columns:
            shown = f"**{column.name}**" if column.required else column.name
            assert f"| {shown} | {'ja' if column.required else 'nee'} |" in generated, (
                table.name, column.name)
    with pytest.raises(KeyError):
        hooks.column_table("bestaat_niet")


def test_every_page_is_in_the_navigation_and_every_layer_has_an_api_page():
    from tests.test_layers import LAYERS

    nav = _nav_pages()
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert sorted(pages - nav) == []
    assert sorted(nav - pages) == []
    for layer in LAYERS:
        page = DOCS / "api" / f"{layer}.md"
        assert f"<!-- api: {layer} -->" in page.read_text(encoding="utf-8"), layer
    blocks = _hooks().api_blocks("engine")
    assert "::: mkba.engine.flows" in blocks


def _code_map() -> set[str]:
    """The paths in the code map (the block under "Opbouw van de code" in docs/code.md), with the
    modules of an indented sub-package listing joined to their folder."""
    text = (DOCS / "code.md").read_text(encoding="utf-8")
    block = text.split("```", 2)[1]
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
    listed = _code_map()
    missing_files = sorted(p for p in listed if not (ROOT / p).exists())
    assert missing_files == []
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "mkba").rglob("*.py")
               if p.name != "__init__.py" or p.parent == ROOT / "mkba"}
    covered = {m for m in modules if m in listed or any(
        m.startswith(p) for p in listed if p.endswith("/") and not any(
            q.startswith(p) and q != p for q in listed))}
    assert sorted(modules - covered) == []


@pytest.mark.slow
def test_make_docs_builds_without_warnings(tmp_path):
    """`make docs` in CI: MkDocs in strict mode (a warning — a broken link, a docstring that
    does not parse, a page outside the navigation — fails the build)."""
    mkdocs = Path(sys.executable).with_name("mkdocs")
    assert mkdocs.exists() or shutil.which("mkdocs")
    result = subprocess.run(
        [str(mkdocs if mkdocs.exists() else "mkdocs"), "build", "--strict", "--quiet",
         "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-3000:]
    casus = (tmp_path / "site" / "casus.html").read_text(encoding="utf-8")
    assert "<code>kolommen" not in casus and "taak_id" in casus
    assert "mkba.engine.cba" in (tmp_path / "site" / "api" / "engine.html").read_text(
        encoding="utf-8")


def test_every_measured_slow_test_still_exists():
    """tests/slow_tests.txt names tests by node id: a renamed test would silently come back
    into `make test-fast` (or a typo would mark nothing). Checked for the files this run
    collected."""
    from .conftest import COLLECTED, SLOW_TESTS, _names

    files = {n.split("::")[0] for n in COLLECTED}
    missing = sorted(listed for listed in SLOW_TESTS if listed.split("::")[0] in files
                     and not any(_names(n, listed) for n in COLLECTED))
    assert missing == [], missing
