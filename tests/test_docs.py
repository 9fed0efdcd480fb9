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
