"""MkDocs hooks: pages that are generated from the code, so that they cannot drift.

- ``<!-- kolommen: TABEL -->`` in a page becomes the column table of input table ``TABEL``,
  made from :func:`mkba.case.template.describe_tables` (the same source as the ``toelichting``
  sheet of ``mkba template`` and the checks of ``mkba validate``).
- ``<!-- api: LAAG -->`` becomes one mkdocstrings block per module of ``mkba/LAAG/`` (found
  when the site is built, so a new or split module is in the reference without editing a page).
- ``<!-- opties -->`` becomes the table of every option of ``mkba`` with its Dutch and English
  name (:func:`mkba.run.cli.option_table`, made from the parser that ``--help`` shows).
- ``<!-- bestand: PAD -->`` becomes the contents of ``PAD`` (relative to the project root),
  so that ``CHANGELOG.md`` lives at the root where people look for it and in the site.

``tests/test_docs.py`` checks that every input table has its marker and that every column
appears in the generated page.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_COLUMNS = re.compile(r"<!-- kolommen: (\w+) -->")
_API = re.compile(r"<!-- api: (\w+) -->")
_FILE = re.compile(r"<!-- bestand: ([\w./-]+) -->")
_OPTIONS = "<!-- opties -->"


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def column_table(table: str) -> str:
    """The Markdown column table of one input table (required columns in bold)."""
    from mkba.case.schema import TABLES
    from mkba.case.template import describe_tables

    if table not in TABLES:
        raise KeyError(f"onbekende tabel in <!-- kolommen: {table} -->")
    rows = describe_tables()
    rows = rows[rows["tabel"] == table]
    lines = [TABLES[table].description, "",
             "| kolom | verplicht | type | eenheid | toegestane waarden | uitleg |",
             "|---|---|---|---|---|---|"]
    for r in rows.to_dict("records"):
        name = f"**{r['kolom']}**" if r["verplicht"] == "ja" else r["kolom"]
        lines.append("| " + " | ".join(_cell(v) for v in (
            name, r["verplicht"], r["type"], r["eenheid"], r["toegestane waarden"],
            r["uitleg"])) + " |")
    return "\n".join(lines)


def api_blocks(layer: str) -> str:
    """One ``::: mkba.LAYER.module`` block per module of the layer and of its sub-packages
    (``mkba.report.sections``, ``mkba.run.commands``), in file order."""
    folder = ROOT / "mkba" / layer
    if not folder.is_dir():
        raise KeyError(f"onbekende laag in <!-- api: {layer} -->")
    modules = sorted(".".join(p.relative_to(folder).with_suffix("").parts)
                     for p in folder.rglob("*.py") if p.stem != "__init__")
    return "\n\n".join(f"::: mkba.{layer}.{m}" for m in modules)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 (MkDocs API)
    markdown = _COLUMNS.sub(lambda m: column_table(m.group(1)), markdown)
    markdown = _API.sub(lambda m: api_blocks(m.group(1)), markdown)
    if _OPTIONS in markdown:
        from mkba.run.cli import option_table

        markdown = markdown.replace(_OPTIONS, option_table())
    return _FILE.sub(lambda m: (ROOT / m.group(1)).read_text(encoding="utf-8"), markdown)
