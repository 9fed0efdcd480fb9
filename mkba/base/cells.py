"""Text cells that a spreadsheet would run as a formula, made inert (CSV/formula injection).

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula, also in a CSV file (``=cmd|' /C calc'!A0`` starts a program on some
systems); a leading tab or carriage return can hide such a start.

- **CSV** has no cell types: every CSV mkba writes (:func:`write_csv`) passes its text cells
  through :func:`neutralise`, which puts an apostrophe in front (OWASP, "CSV Injection"); the
  spreadsheet then shows the text instead of running it. Numbers are left alone: ``-5`` as a
  number is a number, not a formula.
- **xlsx** cells have a type. openpyxl stores a string that starts with ``=`` as a *formula*;
  :func:`neutralise_workbook` makes every such cell text again before mkba saves a workbook, so
  no text cell is ever a formula, and the text stays exactly as written (no apostrophe to
  confuse the person filling in the template).

``tests/test_formula_injection.py`` checks that no module writes CSV or xlsx any other way.

:func:`restore` undoes :func:`neutralise` exactly (``restore(neutralise(x)) == x`` for every
string), so a file mkba wrote and reads back gives the original text.

Only the standard library is imported at module level: the template writer (openpyxl) uses this
module without pandas, whose import costs ≈ 0,4 s (docs/benchmarks.md, measured.md); pandas is
imported in the functions that take a DataFrame, whose callers have loaded it already.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkba.base.files import write_atomically

__all__ = ["FORMULA_START", "neutralise", "restore", "neutralise_frame", "restore_frame",
           "write_csv", "neutralise_workbook"]

#: First characters that make a spreadsheet read a cell as a formula (or hide one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTE = re.compile(r"^'*[=+\-@\t\r]")
_QUOTED = re.compile(r"^'+[=+\-@\t\r]")


def neutralise(value):
    """Put an apostrophe before a text that a spreadsheet would run as a formula.

    Parameters
    ----------
    value : object
        Anything; only ``str`` values are changed.

    Returns
    -------
    object
        ``"'" + value`` when ``value`` is a string that starts (after any apostrophes) with
        ``=``, ``+``, ``-``, ``@``, a tab or a carriage return; otherwise ``value`` itself.

    Examples
    --------
    >>> neutralise("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> neutralise("Wijk 08 Emmen"), neutralise(-5), neutralise("-5")
    ('Wijk 08 Emmen', -5, "'-5")
    """
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def restore(value):
    """Undo :func:`neutralise` (for files mkba wrote and reads back).

    Parameters
    ----------
    value : object
        A cell value; only strings are changed.

    Returns
    -------
    object
        ``value`` without the quote :func:`neutralise` put before it.

    Examples
    --------
    >>> restore("'=1+1"), restore("'gewoon"), restore("''=x")
    ('=1+1', "'gewoon", "'=x")
    >>> all(restore(neutralise(s)) == s for s in ["=a", "'=a", "''@b", "-", "x", "'"])
    True
    """
    if isinstance(value, str) and _QUOTED.match(value):
        return value[1:]
    return value


def _text_columns(frame):
    import pandas as pd  # ≈ 0,4 s; the caller has a DataFrame, so pandas is loaded already

    return [c for c in frame.columns
            if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])]


def neutralise_frame(frame):
    """A copy of ``frame`` with :func:`neutralise` applied to every text cell (and to text
    column names).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write.

    Returns
    -------
    pandas.DataFrame
        A copy; ``frame`` is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> neutralise_frame(pd.DataFrame({"naam": ["=1+1", "Noord"], "n": [-1, 2]})).to_dict("list")
    {'naam': ["'=1+1", 'Noord'], 'n': [-1, 2]}
    """
    out = frame.copy()
    for col in _text_columns(out):
        out[col] = out[col].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def restore_frame(frame):
    """A copy of ``frame`` with :func:`restore` applied to every text cell.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table read back from a file mkba wrote.

    Returns
    -------
    pandas.DataFrame
        A copy; ``frame`` is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> restore_frame(pd.DataFrame({"naam": ["'=1+1", "Noord"]})).to_dict("list")
    {'naam': ['=1+1', 'Noord']}
    """
    out = frame.copy()
    for col in _text_columns(out):
        out[col] = out[col].map(restore)
    return out


def write_csv(frame, path, **kwargs) -> None:
    """Write ``frame`` as CSV with every text cell neutralised, atomically (a reader never
    sees half a file). ``kwargs`` go to :meth:`pandas.DataFrame.to_csv`; lines end in CRLF
    (RFC 4180), so that a text with a carriage return in it is quoted, not split.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write.
    path : str or pathlib.Path
        The CSV file to write (replaced as a whole).
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_csv` (``index``, ``sep``, ...).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> write_csv(pd.DataFrame({"naam": ["@SUM(A1)"]}), p, index=False)
    >>> p.read_bytes()
    b"naam\\r\\n'@SUM(A1)\\r\\n"
    """
    kwargs.setdefault("lineterminator", "\r\n")
    safe = neutralise_frame(frame)
    write_atomically(Path(path), lambda tmp: safe.to_csv(tmp, **kwargs))


def neutralise_workbook(workbook) -> int:
    """Store every text cell of an openpyxl ``workbook`` as text, never as a formula (openpyxl
    turns a string that starts with ``=`` into one). Returns how many cells were changed.

    Parameters
    ----------
    workbook : openpyxl.Workbook
        The workbook, changed in place.

    Returns
    -------
    int
        How many cells were changed.

    Examples
    --------
    >>> from openpyxl import Workbook
    >>> wb = Workbook()
    >>> wb.active["A1"] = "=cmd|' /C calc'!A0"
    >>> wb.active["A1"].data_type, neutralise_workbook(wb), wb.active["A1"].data_type
    ('f', 1, 's')
    >>> wb.active["A1"].value
    "=cmd|' /C calc'!A0"
    """
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "s":
                    cell.data_type = "s"
                    changed += 1
    return changed
