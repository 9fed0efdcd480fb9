"""Raw reading: a CSV folder, an .xlsx workbook or DataFrames to header + cells with their row
numbers, within the input limits.

- separator ``;``, tab or ``,``, decided from the header row (the one that splits it into
  known column names; quotes respected: :func:`detect_separator`);
- UTF-8 with or without BOM, UTF-16 as Excel's "Unicode-tekst", or Windows-1252;
- rows are numbered as a spreadsheet numbers them (header = row 1); completely empty rows are
  skipped, no other row is ever dropped.
"""

from __future__ import annotations

import csv
import difflib
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mkba.base.errors import CaseError, Problem
from mkba.case.schema import (
    TABLES,
    normalise_header,
)
from mkba.case.template import TEMPLATE_SHEET

__all__ = ["RawTable", "read_folder", "read_xlsx", "read_frames", "is_blank", "detect_separator",
           "MAX_FILE_BYTES",
           "MAX_XLSX_UNPACKED_BYTES", "MAX_CELL_CHARS", "MAX_ROWS"]


@dataclass
class RawTable:
    """One table as read: its header and its rows of cells with their spreadsheet row numbers
    (or, for a large CSV read by columns, the columns).

    Parameters
    ----------
    name : str
        The table (``taken``, ``kosten``, ...).
    file : str
        The file or sheet name shown in messages.
    header : list of str
        The header cells as written.
    rows : list of (int, list)
        The data rows: their row number as a spreadsheet shows it, and their cells.
    sep : str, default ","
        The CSV separator (``;`` for a workbook or DataFrames).
    header_row : int, default 1
        The row number of the header.
    _columns : list, optional
        Internal: the cells by column (filled on first use, or by the column reader).
    _numbers : list of int, optional
        Internal: the row numbers of a table read by columns (then ``rows`` is empty).

    Examples
    --------
    >>> t = RawTable("taken", "taken.csv", ["taak_id", "naam"], [(2, ["T1", "Buurthuis"])])
    >>> t.numbers, t.column(1)
    ([2], ['Buurthuis'])
    """

    name: str
    file: str
    header: list[str]
    rows: list[tuple[int, list]]  # (row number, cells)
    sep: str = ","
    header_row: int = 1
    _columns: list | None = None
    #: row numbers of a table read by columns (then ``rows`` is empty)
    _numbers: list[int] | None = None

    @property
    def numbers(self) -> list[int]:
        """The row number (as a spreadsheet shows it) of every data row."""
        return self._numbers if self._numbers is not None else [n for n, _ in self.rows]

    def column(self, position: int) -> list:
        """The cells of one column ("" where a row is short), transposed once per table."""
        if self._columns is None:
            cells = [c for _, c in self.rows]
            lengths = set(map(len, cells))
            width = max([len(self.header), *lengths])
            padded = cells if lengths == {width} else [
                c if len(c) == width else [*c, *[""] * (width - len(c))] for c in cells]
            self._columns = [list(col) for col in zip(*padded, strict=True)] if padded \
                else [[] for _ in range(width)]
        return self._columns[position]


#: Input limits (a case is a spreadsheet, not a database): bigger files, longer cells or more
#: rows are refused with a message instead of exhausting memory. 32.767 characters is also
#: the most an Excel cell holds; 1.000.000 rows stays below the 1.048.576 of an Excel sheet and
#: above the 300.000 cost rows of the 1.000-task benchmark case (benchmarks/bench_evaluate.py).
MAX_FILE_BYTES = 100_000_000
MAX_XLSX_UNPACKED_BYTES = 500_000_000
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_000_000


def _decode(raw: bytes, file: str = "") -> str:
    """Text of a CSV file: UTF-16 (Excel's "Unicode-tekst", with its BOM), UTF-8 with or without
    BOM, or Windows-1252; a binary file is refused."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise CaseError([Problem(file, None, None, "kan het bestand niet lezen als UTF-16 "
                                     "(Unicode-tekst): het is beschadigd")]) from exc
    if b"\x00" in raw[:65536]:
        raise CaseError([Problem(file, None, None,
                                 "dit is geen tekstbestand (CSV); sla het op als CSV (UTF-8, "
                                 "puntkomma's) of gebruik een .xlsx-werkmap")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise CaseError([Problem(file, None, None,
                                 "onbekende tekencodering (verwacht UTF-8, UTF-16 of "
                                 "Windows-1252); sla het bestand op als CSV UTF-8")]) from exc


def _check_size(path: Path, limit: int | None = None) -> None:
    limit = MAX_FILE_BYTES if limit is None else limit
    size = path.stat().st_size
    if size > limit:
        raise CaseError([Problem(path.name, None, None,
                                 f"bestand is te groot ({size / 1e6:.0f} MB; de grens is "
                                 f"{limit / 1e6:.0f} MB)")])


def _check_cells(file: str, row: int, cells) -> list[Problem]:
    return [Problem(file, row, None, f"cel {i + 1} is te lang ({len(c):,} tekens; de grens is "
                    f"{MAX_CELL_CHARS:,})".replace(",", "."))
            for i, c in enumerate(cells) if isinstance(c, str) and len(c) > MAX_CELL_CHARS]


def is_blank(cells) -> bool:
    """Whether every cell of a row is empty or white space (such rows are skipped).

    Parameters
    ----------
    cells : iterable
        The cells of one row.

    Returns
    -------
    bool
        Whether the row is empty.

    Examples
    --------
    >>> is_blank(["", "  ", None]), is_blank(["", "T1"])
    (True, False)
    """
    for c in cells:  # a loop that stops at the first filled cell (most rows: the first)
        if c is not None and (c.strip() if isinstance(c, str) else str(c).strip()):
            return False
    return True


def _read_csv_columns(text: str, sep: str, path: Path, table: str,
                      lines: list[str] | None = None) -> RawTable | None:
    """The same table as the cell-by-cell reader, read by pandas' C parser; None when the
    text is not plain (quotes, rows wider than the first row, no rows): then the cell-by-cell
    reader decides (and reports). Without quotes every line is one row, so the row number is
    the line number. ``lines`` is ``text.splitlines()`` when the caller has it already."""
    if '"' in text or not text.strip():
        return None
    try:
        # UTF-8 bytes, not the text: the C parser reads them without re-encoding every chunk
        # (0,12 s instead of 0,17 s for the 300.000-row benchmark file; the same cells)
        df = pd.read_csv(io.BytesIO(text.encode("utf-8")), sep=sep, header=None, dtype=object,
                         na_filter=False, skip_blank_lines=False, quoting=csv.QUOTE_NONE,
                         engine="c", encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    lines = text.splitlines() if lines is None else lines
    if len(lines) != len(df) and not (len(lines) == len(df) + 1 and not lines[-1].strip()):
        return None  # line ends pandas counts differently: let the other reader decide
    # cells missing from a short row are NaN: "" as the csv module gives (only the columns
    # that have any: a fillna of the whole 300.000-row table took 45 ms)
    columns = [(df[c].fillna("") if df[c].hasnans else df[c]).to_numpy(dtype=object)
               for c in df.columns]
    # "".strip() == "" exactly when the cell is empty or all white space (str.isspace); the
    # pandas .str.strip() here took 0,1 s for 300.000 rows
    empty_first = np.fromiter((not c or c.isspace() for c in columns[0]), dtype=bool,
                              count=len(columns[0]))
    keep = np.flatnonzero(~empty_first)
    maybe = np.flatnonzero(empty_first)
    if len(maybe):  # rows whose first cell is empty: blank only if every cell is
        filled = [i for i in maybe if not is_blank([c[i] for c in columns])]
        keep = np.sort(np.concatenate([keep, np.asarray(filled, dtype=np.int64)]))
    if not len(keep):
        return None
    if lines[keep[0]].count(sep) + 1 != len(columns):
        return None  # rows wider than the header: the other reader reports them
    header = [str(c[keep[0]]) for c in columns]
    data = keep[1:]
    return RawTable(table, path.name, header, [], sep, int(keep[0]) + 1,
                     [c[data] for c in columns], (data + 1).tolist())


def detect_separator(header: str, table: str | None = None) -> str:
    r"""The separator of a CSV file from its header row: ``;``, tab or ``,``, whichever splits
    the header (quotes respected) into the most known column names of ``table``; when no
    candidate finds a known name, the one that occurs most often.

    Parameters
    ----------
    header : str
        The header line of the file.
    table : str, optional
        The table the file holds (its known column names decide); None for any.

    Returns
    -------
    str
        ``";"``, ``"\t"`` or ``","``.

    Examples
    --------
    >>> detect_separator('"taak_id","post","bedrag"', "kosten")
    ','
    >>> detect_separator("taak_id\tjaar\tpost, omschrijving", "kosten")
    '\t'
    >>> detect_separator("taak_id;naam;wijk_code", "taken")
    ';'
    """
    known = set(TABLES[table].column_names) if table in TABLES else set()
    best, score = None, (-1, -1)
    for sep in (";", "\t", ","):
        try:
            cells = next(csv.reader([header], delimiter=sep))
        except (csv.Error, StopIteration):
            continue
        found = sum(normalise_header(c) in known for c in cells)
        if (found, len(cells)) > score and found > 0:
            best, score = sep, (found, len(cells))
    return best or max([";", ",", "\t"], key=header.count)


def _read_csv(path: Path, table: str) -> RawTable:
    if not path.is_file():
        raise CaseError([Problem(path.name, None, None, "is geen gewoon bestand (een map?)")])
    _check_size(path)
    text = _decode(path.read_bytes(), path.name)
    lines = text.splitlines()  # once: 25 ms per split of the 300.000-row benchmark file
    first = next((line for line in lines if line.strip()), "")
    sep = detect_separator(first, table)
    # a file near the limits (a line longer than a cell may be, more lines than rows allowed)
    # goes to the cell-by-cell reader, which reports the row and cell
    near_limits = (text.count("\n") > MAX_ROWS
                   or max(map(len, lines), default=0) > MAX_CELL_CHARS)
    fast = None if near_limits else _read_csv_columns(text, sep, path, table, lines)
    return fast if fast is not None else _read_csv_cells(text, sep, path, table)


def _read_csv_cells(text: str, sep: str, path: Path, table: str) -> RawTable:
    """The table cell by cell with the csv module (any CSV: quotes, ragged rows)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header: list[str] | None = None
    header_row = 1
    rows: list[tuple[int, list]] = []
    problems: list[Problem] = []
    # spreadsheet rows: one per record, so a quoted cell with a line break stays one row
    row_number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(path.name, row_number + 1, None,
                                    f"regel niet te lezen als CSV ({exc}); is een cel langer "
                                    f"dan {MAX_CELL_CHARS:,} tekens?".replace(",", ".")))
            break
        row_number += 1
        if not (cells and cells[0].strip()) and is_blank(cells):
            continue
        problems += _check_cells(path.name, row_number, cells)
        if header is None:
            header, header_row = cells, row_number
        else:
            rows.append((row_number, cells))
        if len(rows) > MAX_ROWS:
            problems.append(Problem(path.name, None, None, f"meer dan {MAX_ROWS:,} regels; "
                                    "splits de casus".replace(",", ".")))
            break
    if problems:
        raise CaseError(problems[:50])
    return RawTable(table, path.name, header or [], rows, sep, header_row)


def _cell_to_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int | float):
        return value
    return str(value)


def _xlsx_precheck(path: Path) -> dict[str, bool]:
    """Refuse what is no workbook or unpacks to too much; which sheet files hold formulas."""

    _check_size(path)
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            unpacked = sum(i.file_size for i in infos)
            if unpacked > MAX_XLSX_UNPACKED_BYTES:
                raise CaseError([Problem(path.name, None, None,
                                         f"werkmap is uitgepakt te groot ({unpacked / 1e6:.0f} "
                                         f"MB; de grens is {MAX_XLSX_UNPACKED_BYTES / 1e6:.0f} "
                                         "MB)")])
            formulas = {}
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with z.open(info) as f:
                        data = f.read()
                    formulas[info.filename] = b"<f>" in data or b"<f " in data
            return formulas
    except zipfile.BadZipFile as exc:
        raise CaseError([Problem(path.name, None, None,
                                 "geen geldige .xlsx-werkmap (beschadigd, of een ander "
                                 "bestandstype met de naam .xlsx)")]) from exc


def read_xlsx(path: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """The raw tables of an .xlsx workbook (one sheet per table), within the input limits.

    Parameters
    ----------
    path : pathlib.Path
        The workbook.

    Returns
    -------
    tables : dict of str to RawTable
        The tables found, by sheet name.
    warnings : list of Problem
        What was accepted but deserves a look.

    Examples
    --------
    >>> import tempfile
    >>> from mkba.case.template import write_template
    >>> book = write_template(Path(tempfile.mkdtemp()) / "casus.xlsx")
    >>> tables, warnings = read_xlsx(book)
    >>> tables["taken"].header[:3], tables["taken"].rows
    (['taak_id', 'naam', 'wijk_code'], [])
    """
    import openpyxl  # openpyxl: ≈ 0,1 s at import, only for an .xlsx case

    formulas = _xlsx_precheck(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        message = f"kan werkmap niet openen ({type(exc).__name__}: {exc})"
        raise CaseError([Problem(path.name, None, None, message)]) from exc
    tables: dict[str, RawTable] = {}
    warnings: list[Problem] = []
    problems: list[Problem] = []
    try:
        sheet_files = _sheet_files(wb)
        for sheet in wb.worksheets:
            name = normalise_header(sheet.title)
            label = f"{path.name}[{sheet.title}]"
            if name == TEMPLATE_SHEET:
                continue
            if name not in TABLES:
                warnings.append(Problem(label, None, None,
                                        "onbekend tabblad, overgeslagen (verwacht: "
                                        + ", ".join(TABLES) + ")"))
                continue
            if name in tables:
                problems.append(Problem(label, None, None,
                                        f"tweede tabblad voor tabel {name} (naast "
                                        f"'{tables[name].file}'); laat er één over"))
                continue
            if getattr(sheet, "sheet_state", "visible") != "visible":
                warnings.append(Problem(label, None, None, "tabblad is verborgen, maar wordt "
                                        "wel gelezen"))
            if sheet.title != sheet.title.strip():
                warnings.append(Problem(label, None, None,
                                        "de naam van het tabblad heeft spaties aan het begin "
                                        "of eind"))
            if formulas.get(sheet_files.get(sheet.title, ""), False):
                warnings.append(Problem(label, None, None,
                                        "tabblad bevat formules; mkba gebruikt de waarde die "
                                        "Excel het laatst opsloeg (open en bewaar de werkmap in "
                                        "Excel als die niet klopt)"))
            header, header_row, rows = None, 1, []
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if is_blank(cells):
                    continue
                cells = [_cell_to_text(c) for c in cells]
                problems += _check_cells(label, number, cells)
                if header is None:
                    header, header_row = [str(c) for c in cells], number
                else:
                    rows.append((number, cells))
                if len(rows) > MAX_ROWS:
                    problems.append(Problem(label, None, None, f"meer dan {MAX_ROWS:,} regels; "
                                            "splits de casus".replace(",", ".")))
                    break
            tables[name] = RawTable(name, label, header or [], rows, ";", header_row)
    except CaseError:
        raise
    except Exception as exc:  # broken XML inside a readable zip
        raise CaseError([Problem(path.name, None, None,
                                 f"werkmap is beschadigd ({type(exc).__name__}: {exc})")]) \
            from exc
    finally:
        wb.close()
    if problems:
        raise CaseError(problems[:50])
    return tables, warnings


def _sheet_files(wb) -> dict[str, str]:
    """Sheet title → its XML file in the workbook (to find which sheets hold formulas)."""
    out = {}
    for sheet in wb.worksheets:
        part = getattr(sheet, "_worksheet_path", None) or getattr(sheet, "path", None)
        if part:
            out[sheet.title] = str(part).lstrip("/")
    return out


def read_folder(path: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """The raw tables of a folder of CSV files (one file per table), with warnings.

    Parameters
    ----------
    path : pathlib.Path
        The case folder.

    Returns
    -------
    tables : dict of str to RawTable
        The tables found, by name.
    warnings : list of Problem
        What was accepted but deserves a look.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> tables, warnings = read_folder(DATA_DIR / "voorbeeld")
    >>> tables["taken"].file, tables["taken"].header[:2], warnings
    ('taken.csv', ['taak_id', 'naam'], [])
    """
    tables: dict[str, RawTable] = {}
    warnings: list[Problem] = []
    for file in sorted(path.iterdir()):
        if file.suffix.lower() != ".csv":
            continue
        if not file.is_file():
            raise CaseError([Problem(file.name, None, None,
                                     "is een map of apparaat, geen CSV-bestand")])
        name = normalise_header(file.stem)
        if name in TABLES:
            tables[name] = _read_csv(file, name)
        else:
            close = difflib.get_close_matches(name, list(TABLES), n=1)
            hint = f"; bedoelt u {close[0]}.csv?" if close else ""
            warnings.append(Problem(file.name, None, None,
                                    f"onbekend bestand, overgeslagen{hint}"))
    return tables, warnings


def read_frames(frames: Mapping[str, pd.DataFrame]) -> dict[str, RawTable]:
    """DataFrames (one per table, as :func:`mkba.read_case` accepts them) as raw tables.

    Parameters
    ----------
    frames : mapping of str to pandas.DataFrame
        One DataFrame per table, by table name.

    Returns
    -------
    dict of str to RawTable
        The tables, by name (row numbers count from 2, as in a spreadsheet).

    Examples
    --------
    >>> import pandas as pd
    >>> raw = read_frames({"taken": pd.DataFrame({"taak_id": ["T1"], "naam": ["Buurthuis"]})})
    >>> raw["taken"].header, raw["taken"].numbers
    (['taak_id', 'naam'], [2])
    """
    tables = {}
    for name, df in frames.items():
        name = normalise_header(name)
        rows = [
            (i + 2, [_cell_to_text(None if pd.isna(v) else v) for v in rec])
            for i, rec in enumerate(df.itertuples(index=False, name=None))
        ]
        rows = [(n, cells) for n, cells in rows if not is_blank(cells)]
        # text cells are read as a Dutch user types them (decimal comma, like a ';' file),
        # unless the table's own numbers say otherwise; numbers stay numbers
        tables[name] = RawTable(name, name, [str(c) for c in df.columns], rows, ";")
    return tables
