"""Issue 22, item 9: no text cell of a CSV or xlsx file that mkba writes can run as a formula
(``=cmd|' /C calc'!A0``), and mkba reads its own files back unchanged (mkba.base.cells)."""

from __future__ import annotations

import ast
import csv
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mkba.base.cells import FORMULA_START, neutralise, restore, restore_frame, write_csv

PACKAGE = Path(__file__).resolve().parents[1] / "mkba"
#: Ways to write a CSV or a workbook; only mkba/base/cells.py may use the CSV ones, and a module
#: that makes a Workbook must make its text cells text (neutralise_workbook).
CSV_WRITERS = ("to_csv", "to_excel", "writer", "DictWriter", "ExcelWriter", "writerow",
               "writerows")


def _calls(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) \
                else ""
            out.append((node.lineno, name))
    return out


def _writers(path: Path, root: Path = PACKAGE) -> list[str]:
    found = []
    text = path.read_text(encoding="utf-8")
    for line, name in _calls(path):
        if name in CSV_WRITERS and not (name == "writer" and "csv" not in text):
            found.append(f"{path.relative_to(root)}:{line}: {name}(")
        if name == "Workbook" and "neutralise_workbook(" not in text:
            found.append(f"{path.relative_to(root)}:{line}: Workbook( without "
                         "neutralise_workbook")
    return found


def test_every_csv_and_xlsx_writer_goes_through_the_helpers():
    found = [w for p in sorted(PACKAGE.rglob("*.py")) if p.name != "cells.py"
             or p.parent.name != "base" for w in _writers(p)]
    assert found == []


def test_the_writer_check_can_fail(tmp_path):
    bad = tmp_path / "leak.py"
    bad.write_text("import csv\ndef f(df, p):\n    df.to_csv(p)\n    csv.writer(p)\n"
                   "from openpyxl import Workbook\nWorkbook()\n", encoding="utf-8")
    assert len(_writers(bad, tmp_path)) == 3


@given(st.text())
def test_restore_undoes_neutralise(text):
    assert restore(neutralise(text)) == text


@given(st.text())
def test_a_neutralised_text_never_starts_like_a_formula(text):
    assert neutralise(text)[:1] not in FORMULA_START


@given(st.lists(st.tuples(st.text(max_size=20), st.floats(allow_nan=False, width=32)),
                min_size=1, max_size=20))
def test_write_csv_makes_text_safe_and_leaves_numbers(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("csv") / "a.csv"
    frame = pd.DataFrame(rows, columns=["naam", "waarde"])
    write_csv(frame, path, index=False)
    with open(path, newline="", encoding="utf-8") as f:
        cells = list(csv.reader(f))[1:]
    assert all(r[0][:1] not in FORMULA_START for r in cells)
    back = pd.read_csv(path, keep_default_na=False, dtype={"naam": str})
    assert restore_frame(back)["naam"].tolist() == frame["naam"].tolist()
    assert back["waarde"].astype(float).tolist() == pytest.approx(frame["waarde"].tolist())


def test_template_text_cells_are_never_formulas(tmp_path, monkeypatch):
    """openpyxl stores a string starting with '=' as a formula; the template stores text."""
    import openpyxl

    import mkba.case.template as template

    hostile = "=HYPERLINK(\"http://voorbeeld\",\"klik\")"
    real = template.describe_tables

    def described():
        frame = real()
        frame.loc[0, "uitleg"] = hostile
        return frame

    monkeypatch.setattr(template, "describe_tables", described)
    path = template.write_template(tmp_path / "casus.xlsx")
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any(re.search(r"<f>|<f ", s) for s in sheets)  # no formula anywhere
    wb = openpyxl.load_workbook(path)
    cells = [c for row in wb["toelichting"].iter_rows() for c in row if c.value == hostile]
    assert cells and all(c.data_type == "s" for c in cells)
