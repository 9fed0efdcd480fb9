"""Read a case (a folder of CSV files or one .xlsx workbook) and write the empty template.

What Dutch municipal exports look like, and what the reader accepts:

- separator ``;`` or ``,`` (or tab), decided from the header line;
- UTF-8 with or without BOM, or Windows-1252 as Excel writes it;
- numbers as ``1234.5``, ``1234,5``, ``1.234,50``, ``1,234.50``, ``€ 1.234``; percentages as
  ``25%`` or ``0,25``. A lone ``1.234`` is read as one thousand two hundred thirty-four in a
  file whose numbers use a decimal comma (the Dutch default, and the default for ``;`` files),
  and as 1.234 in a file whose numbers use a decimal point;
- ``ja``/``nee`` (also j/n, waar/onwaar, 1/0, yes/no); empty cells are missing, never 0.

Every problem is collected (not just the first) and raised together as :class:`CaseError`;
rows are numbered as a spreadsheet numbers them (header = row 1). Completely empty rows are
skipped; no other row is ever dropped.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from .assumptions import MAX_AMOUNT
from .errors import CaseError, Problem
from .prices import cpi_series
from .schema import (
    DEFAULT_VARIANT,
    REQUIRED_TABLES,
    TABLES,
    ColumnSpec,
    check_case,
    check_rows,
    normalise_header,
    pandera_schema,
)

__all__ = ["Case", "read_case", "write_template", "parse_number"]

_TRUE = {"ja", "j", "yes", "y", "waar", "true", "1", "x"}
_FALSE = {"nee", "n", "no", "onwaar", "false", "0"}
_THOUSANDS_DOT = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_THOUSANDS_COMMA = re.compile(r"[+-]?\d{1,3}(,\d{3})+")
_NUMBERISH = re.compile(r"[+-]?(\d[\d.,]*|[.,]\d+)")
_COMMA_DECIMAL = re.compile(r"[+-]?\d{1,3}(\.\d{3})*,\d+%?|[+-]?\d+,\d+%?")
_POINT_DECIMAL = re.compile(r"[+-]?\d+\.\d+%?")
_TEMPLATE_SHEET = "toelichting"


@dataclass(frozen=True)
class Case:
    """A validated case: one typed DataFrame per input table.

    Every table has the columns of :data:`mkba.schema.TABLES` (absent optional columns are
    all-missing) and ``_row``, the row number in its source file. ``files`` maps each table
    to the name shown in messages; ``warnings`` lists what was accepted but deserves a look.
    """

    tables: Mapping[str, pd.DataFrame]
    source: str
    files: Mapping[str, str]
    warnings: tuple[Problem, ...] = field(default=())

    def _table(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise AttributeError(f"de casus heeft geen tabel '{name}'") from None

    @property
    def taken(self) -> pd.DataFrame:
        """Table ``taken``: one row per transferred task."""
        return self._table("taken")

    @property
    def kosten(self) -> pd.DataFrame:
        """Table ``kosten``: cost lines per year."""
        return self._table("kosten")

    @property
    def effecten(self) -> pd.DataFrame:
        """Table ``effecten``: effect lines."""
        return self._table("effecten")

    @property
    def kengetallen(self) -> pd.DataFrame:
        """Table ``kengetallen``: unit values (shadow prices) with source."""
        return self._table("kengetallen")

    @property
    def financiering(self) -> pd.DataFrame:
        """Table ``financiering``: who paid how much."""
        return self._table("financiering")

    @property
    def metingen(self) -> pd.DataFrame:
        """Table ``metingen``: own measurements per wijk and year."""
        return self._table("metingen")

    @property
    def doelen(self) -> pd.DataFrame:
        """Table ``doelen``: targets per task and indicator."""
        return self._table("doelen")

    @property
    def bandbreedtes(self) -> pd.DataFrame:
        """Table ``bandbreedtes``: ranges of inputs."""
        return self._table("bandbreedtes")

    @property
    def correlaties(self) -> pd.DataFrame:
        """Table ``correlaties``: correlations between ranged inputs."""
        return self._table("correlaties")

    @property
    def criteria(self) -> pd.DataFrame:
        """Table ``criteria``: success criteria agreed beforehand."""
        return self._table("criteria")

    @property
    def partners(self) -> pd.DataFrame:
        """Table ``partners``: the coalition, per partner and period."""
        return self._table("partners")

    @property
    def enquete(self) -> pd.DataFrame:
        """Table ``enquete``: survey answers, counted."""
        return self._table("enquete")

    @property
    def enquete_turflijst(self) -> pd.DataFrame:
        """Table ``enquete_turflijst``: the survey as a tally sheet."""
        return self._table("enquete_turflijst")


    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {len(v)}" for k, v in self.tables.items() if len(v))
        return f"<Case {self.source}: {counts}>"

    def with_table(self, name: str, df: pd.DataFrame) -> Case:
        """A copy of the case with one (already typed) table replaced."""
        tables = dict(self.tables)
        tables[name] = df
        return Case(tables, self.source, self.files, self.warnings)

    def task_variants(self) -> pd.DataFrame:
        """Every (taak_id, variant) pair to evaluate.

        A task whose kosten and effecten lines name no variant has one variant, ``project``.
        A line with an empty variant belongs to every variant of its task.
        """
        named = pd.concat(
            [self.kosten[["taak_id", "variant"]], self.effecten[["taak_id", "variant"]]]
        ).dropna()
        pairs = named.drop_duplicates().sort_values(["taak_id", "variant"])
        without = self.taken.loc[~self.taken["taak_id"].isin(pairs["taak_id"]), ["taak_id"]]
        without = without.assign(variant=DEFAULT_VARIANT)
        out = pd.concat([pairs, without], ignore_index=True)
        order = {t: i for i, t in enumerate(self.taken["taak_id"])}
        return out.sort_values(["taak_id", "variant"], key=lambda s: s.map(order)
                               if s.name == "taak_id" else s).reset_index(drop=True)


# --------------------------------------------------------------------------------------
# numbers


def parse_number(text, decimal: str = ",") -> float:
    """Parse one number as Dutch and international exports write it.

    Parameters
    ----------
    text : str or number
        The cell. Numbers pass through unchanged.
    decimal : {",", "."}
        The file's decimal separator; only decides a lone group such as ``1.234``.

    Returns
    -------
    float
        A trailing ``%`` divides by 100.

    Raises
    ------
    ValueError
        When the cell is not a number.

    Examples
    --------
    >>> parse_number("1.234,50")
    1234.5
    >>> parse_number("1,234.50")
    1234.5
    >>> parse_number("25%")
    0.25
    >>> parse_number("0,25")
    0.25
    >>> parse_number("1.234"), parse_number("1.234", decimal=".")
    (1234.0, 1.234)
    >>> parse_number("€ −2.500")
    -2500.0
    """
    if isinstance(text, bool):
        raise ValueError(text)
    if isinstance(text, int | float | np.number):
        return float(text)
    s = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    s = s.replace("−", "-").replace("–", "-")
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if not _NUMBERISH.fullmatch(s):
        raise ValueError(text)
    has_comma, has_dot = "," in s, "." in s
    if has_comma and has_dot:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif has_comma:
        if _THOUSANDS_COMMA.fullmatch(s) and (decimal == "." or s.count(",") > 1):
            s = s.replace(",", "")
        elif s.count(",") > 1:
            raise ValueError(text)
        else:
            s = s.replace(",", ".")
    elif has_dot and s.count(".") > 1:
        if not _THOUSANDS_DOT.fullmatch(s):
            raise ValueError(text)
        s = s.replace(".", "")
    elif has_dot and decimal == "," and _THOUSANDS_DOT.fullmatch(s):
        s = s.replace(".", "")
    value = float(s)
    return value / 100 if percent else value


def _detect_decimal(cells: list[str], sep: str) -> str:
    """The decimal separator of a file, from its number cells (see module docstring)."""
    if any(_COMMA_DECIMAL.fullmatch(c) for c in cells):
        return ","
    if any(_POINT_DECIMAL.fullmatch(c) and not _THOUSANDS_DOT.fullmatch(c) for c in cells):
        return "."
    return "," if sep == ";" else "."


# --------------------------------------------------------------------------------------
# raw reading: header + rows with their row numbers


@dataclass
class _RawTable:
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
#: the most an Excel cell holds.
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


def _blank(cells) -> bool:
    for c in cells:  # a loop that stops at the first filled cell (most rows: the first)
        if c is not None and (c.strip() if isinstance(c, str) else str(c).strip()):
            return False
    return True


def _read_csv_columns(text: str, sep: str, path: Path, table: str) -> _RawTable | None:
    """The same table as the cell-by-cell reader, read by pandas' C parser; None when the
    text is not plain (quotes, rows wider than the first row, no rows): then the cell-by-cell
    reader decides (and reports). Without quotes every line is one row, so the row number is
    the line number."""
    if '"' in text or not text.strip():
        return None
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, na_filter=False,
                         skip_blank_lines=False, quoting=csv.QUOTE_NONE, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return None
    lines = text.splitlines()
    if len(lines) != len(df) and not (len(lines) == len(df) + 1 and not lines[-1].strip()):
        return None  # line ends pandas counts differently: let the other reader decide
    df = df.fillna("")
    columns = [df[c].to_numpy(dtype=object) for c in df.columns]
    empty_first = (df[df.columns[0]].str.strip() == "").to_numpy(dtype=bool)
    keep = np.flatnonzero(~empty_first)
    maybe = np.flatnonzero(empty_first)
    if len(maybe):  # rows whose first cell is empty: blank only if every cell is
        filled = [i for i in maybe if not _blank([c[i] for c in columns])]
        keep = np.sort(np.concatenate([keep, np.asarray(filled, dtype=np.int64)]))
    if not len(keep):
        return None
    if lines[keep[0]].count(sep) + 1 != len(columns):
        return None  # rows wider than the header: the other reader reports them
    header = [str(c[keep[0]]) for c in columns]
    data = keep[1:]
    return _RawTable(table, path.name, header, [], sep, int(keep[0]) + 1,
                     [c[data] for c in columns], (data + 1).tolist())


def _read_csv(path: Path, table: str) -> _RawTable:
    if not path.is_file():
        raise CaseError([Problem(path.name, None, None, "is geen gewoon bestand (een map?)")])
    _check_size(path)
    text = _decode(path.read_bytes(), path.name)
    first = next((line for line in text.splitlines() if line.strip()), "")
    sep = max([";", ",", "\t"], key=first.count)
    # a file near the limits (a line longer than a cell may be, more lines than rows allowed)
    # goes to the cell-by-cell reader, which reports the row and cell
    near_limits = (text.count("\n") > MAX_ROWS
                   or max(map(len, text.splitlines()), default=0) > MAX_CELL_CHARS)
    fast = None if near_limits else _read_csv_columns(text, sep, path, table)
    return fast if fast is not None else _read_csv_cells(text, sep, path, table)


def _read_csv_cells(text: str, sep: str, path: Path, table: str) -> _RawTable:
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
        if not (cells and cells[0].strip()) and _blank(cells):
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
    return _RawTable(table, path.name, header or [], rows, sep, header_row)


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
    import zipfile

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


def _read_xlsx(path: Path) -> tuple[dict[str, _RawTable], list[Problem]]:
    import openpyxl

    formulas = _xlsx_precheck(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        message = f"kan werkmap niet openen ({type(exc).__name__}: {exc})"
        raise CaseError([Problem(path.name, None, None, message)]) from exc
    tables: dict[str, _RawTable] = {}
    warnings: list[Problem] = []
    problems: list[Problem] = []
    try:
        sheet_files = _sheet_files(wb)
        for sheet in wb.worksheets:
            name = normalise_header(sheet.title)
            label = f"{path.name}[{sheet.title}]"
            if name == _TEMPLATE_SHEET:
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
                if _blank(cells):
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
            tables[name] = _RawTable(name, label, header or [], rows, ";", header_row)
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


def _read_folder(path: Path) -> tuple[dict[str, _RawTable], list[Problem]]:
    tables: dict[str, _RawTable] = {}
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


def _read_frames(frames: Mapping[str, pd.DataFrame]) -> dict[str, _RawTable]:
    tables = {}
    for name, df in frames.items():
        name = normalise_header(name)
        rows = [
            (i + 2, [_cell_to_text(None if pd.isna(v) else v) for v in rec])
            for i, rec in enumerate(df.itertuples(index=False, name=None))
        ]
        rows = [(n, cells) for n, cells in rows if not _blank(cells)]
        tables[name] = _RawTable(name, name, [str(c) for c in df.columns], rows, ",")
    return tables


# --------------------------------------------------------------------------------------
# from raw cells to typed columns


def _map_header(raw: _RawTable, spec) -> tuple[dict[str, int], list[Problem], list[Problem]]:
    """Column positions of the known columns; problems for missing, doubled or unknown ones."""
    problems, warnings = [], []
    known = spec.column_names
    positions: dict[str, int] = {}
    unknown = []
    for i, header in enumerate(raw.header):
        name = normalise_header(header)
        if not name:
            continue
        if name in positions:
            problems.append(Problem(raw.file, raw.header_row, header, "kolom komt twee keer voor"))
        elif name in known:
            positions[name] = i
        else:
            unknown.append((header, name))
    for column in spec.columns:
        if column.required and column.name not in positions:
            close = _suggest(column.name, unknown)
            hint = f" (bedoelt u '{close}'?)" if close else ""
            problems.append(Problem(raw.file, raw.header_row, column.name,
                                    f"verplichte kolom ontbreekt{hint}"))
    for header, name in unknown:
        missing_optional = [c for c in known if c not in positions]
        close = difflib.get_close_matches(name, missing_optional, n=1, cutoff=0.8)
        if close:
            problems.append(Problem(raw.file, raw.header_row, header,
                                    f"onbekende kolom; bedoelt u '{close[0]}'?"))
        else:
            warnings.append(Problem(raw.file, raw.header_row, header,
                                    "onbekende kolom, genegeerd"))
    return positions, problems, warnings


def _suggest(name: str, unknown: list[tuple[str, str]]) -> str | None:
    """The unknown header (as written) that most likely means ``name``."""
    normalised = [n for _, n in unknown]
    close = difflib.get_close_matches(name, normalised, n=1, cutoff=0.6)
    if not close:
        close = [n for n in normalised if name in n or (len(n) > 2 and n in name)][:1]
    return unknown[normalised.index(close[0])][0] if close else None


def _cells(raw: _RawTable, position: int | None) -> list:
    if position is None:
        return [""] * len(raw.numbers)
    return raw.column(position)


def _as_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_column(values: list, spec: ColumnSpec, decimal: str, rows: list[int], file: str):
    """Typed values of one column and the problems of its cells.

    Every distinct cell value is parsed once (a column of 300.000 cells holds a few thousand
    distinct values); the result is spread back over the rows with numpy.
    """
    problems = []
    codes, uniques = _factorize(values)
    blank_u = np.array([isinstance(v, str) and v.strip() == "" for v in uniques], dtype=bool)
    blank = blank_u[codes] if len(codes) else np.zeros(0, dtype=bool)
    if spec.required and blank.any():
        problems += [Problem(file, rows[i], spec.name, "verplichte waarde ontbreekt")
                     for i in np.flatnonzero(blank)]
    if spec.kind in ("text", "choice"):
        text_u = [None if b else _as_text(v) for v, b in zip(uniques, blank_u, strict=True)]
        if spec.kind == "choice":
            text_u = [None if v is None else _normalise_choice(v) for v in text_u]
        out = np.array(text_u, dtype=object)[codes] if len(codes) else []
        return pd.Series(out, dtype="str"), problems  # None stays missing
    if spec.kind == "bool":
        out = []
        for r, v, b in zip(rows, values, blank, strict=True):
            text = "" if b else _as_text(v).casefold()
            if b or text in _FALSE:
                out.append(False)
            elif text in _TRUE:
                out.append(True)
            else:
                out.append(False)
                problems.append(Problem(file, r, spec.name, f"'{v}' is geen ja of nee"))
        return pd.Series(out, dtype=bool), problems
    word = {"year": "jaartal", "int": "geheel getal"}.get(spec.kind, "getal")
    number_u = np.full(len(uniques), np.nan)
    message_u: dict[int, str] = {}
    for j, (v, b) in enumerate(zip(uniques, blank_u, strict=True)):
        if b:
            continue
        try:
            number = parse_number(v, decimal)
        except ValueError:
            number = None
        if number is None or not np.isfinite(number):
            message_u[j] = f"'{v}' is geen {word}"
        elif abs(number) > MAX_AMOUNT:
            text = _as_text(v)
            shown = text if len(text) <= 24 else f"{text[:20]}… ({len(text)} tekens)"
            message_u[j] = f"'{shown}' is te groot (meer dan 1.000.000.000.000)"
        elif spec.kind in ("year", "int") and not float(number).is_integer():
            message_u[j] = f"'{v}' is geen {word}"
        elif spec.kind == "fraction" and not (isinstance(v, str) and v.strip().endswith("%")) \
                and number > 1 and number <= 100:
            message_u[j] = f"'{v}' is geen fractie tussen 0 en 1; bedoelt u {v}%?"
        else:
            number_u[j] = number
    parsed = number_u[codes] if len(codes) else np.zeros(0)
    if message_u:
        bad = np.isin(codes, list(message_u))
        problems += [Problem(file, rows[i], spec.name, message_u[codes[i]])
                     for i in np.flatnonzero(bad)]
    if spec.kind in ("year", "int"):
        return pd.Series(parsed).astype("Int64"), problems
    return pd.Series(parsed, dtype="float64"), problems


def _factorize(values: list) -> tuple[np.ndarray, list]:
    """Codes into the distinct values (by type and value, so 1 and "1" stay apart)."""
    if isinstance(values, np.ndarray) or pd.api.types.infer_dtype(values, skipna=False) \
            == "string":  # a CSV column (text only): factorised in C
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        return codes.astype(np.int64, copy=False), list(uniques)
    index: dict = {}
    codes = np.fromiter((index.setdefault((type(v), v), len(index)) for v in values),
                        dtype=np.int64, count=len(values))
    return codes, [v for _, v in index]


def _normalise_choice(value: str) -> str:
    text = value.strip().casefold().replace("−", "-").replace("–", "-").replace("—", "--")
    return re.sub(r"\s+", "_", text)


def _number_cells(raw: _RawTable, spec, positions) -> list[str]:
    numeric = [c.name for c in spec.columns if c.kind in ("number", "fraction")]
    cells: dict[str, None] = {}  # the distinct cells decide as well as all of them
    for name in numeric:
        if name in positions:
            cells.update(dict.fromkeys(v.strip() for v in dict.fromkeys(
                _cells(raw, positions[name])) if isinstance(v, str)))
    return list(cells)


def _parse_table(raw: _RawTable) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    spec = TABLES[raw.name]
    positions, problems, warnings = _map_header(raw, spec)
    rows = raw.numbers
    width = len(raw.header)
    for n, cells in raw.rows:
        extra = [c for c in cells[width:] if not _blank([c])]
        if extra:
            problems.append(Problem(raw.file, n, None,
                                    f"meer cellen ({len(cells)}) dan kolommen ({width})"))
    decimal = _detect_decimal(_number_cells(raw, spec, positions), raw.sep)
    columns = {}
    for column in spec.columns:
        if column.name in positions or not column.required:
            values = _cells(raw, positions.get(column.name))
            columns[column.name], cell_problems = _parse_column(
                values, column, decimal, rows, raw.file)
            problems += cell_problems
    df = pd.DataFrame(columns)
    df.index = pd.Index(rows, name="_row")
    df.insert(0, "_row", rows)
    return df, problems, warnings


def _schema_problems(table: str, df: pd.DataFrame, file: str) -> list[Problem]:
    try:
        pandera_schema(table).validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        problems = []
        for rec in cases.itertuples(index=False):
            if pd.isna(rec.index):
                continue
            message = str(rec.check)
            if message == "field_uniqueness":
                message = f"'{rec.failure_case}' komt meer dan één keer voor"
            else:
                message = f"'{_as_text(rec.failure_case)}': {message}"
            problems.append(Problem(file, int(rec.index), str(rec.column), message))
        return problems
    return []


def _empty_table(name: str) -> pd.DataFrame:
    return _parse_table(_RawTable(name, name, TABLES[name].column_names, []))[0]


def read_case(source) -> Case:
    """Read and validate a case.

    Parameters
    ----------
    source : str, Path or mapping
        A folder with ``taken.csv``, ``kosten.csv``, ... ; an ``.xlsx`` workbook with one sheet
        per table; or a mapping of table name to DataFrame (cells as a user would type them).

    Returns
    -------
    Case

    Raises
    ------
    CaseError
        With every problem found, each as ``file:row:column: message``.

    Examples
    --------
    >>> from mkba.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> list(case.taken.columns[:3])
    ['_row', 'taak_id', 'naam']
    """
    warnings: list[Problem] = []
    if isinstance(source, Mapping):
        raw_tables, label = _read_frames(source), "(tabellen)"
    else:
        path = Path(source)
        label = str(path)
        if path.is_dir():
            raw_tables, warnings = _read_folder(path)
        elif path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file():
            raw_tables, warnings = _read_xlsx(path)
        elif not path.exists():
            raise CaseError([Problem(str(path), None, None, "bestand of map bestaat niet")])
        else:
            raise CaseError([Problem(str(path), None, None,
                                     "verwacht een map met CSV-bestanden of een .xlsx-werkmap")])
    problems: list[Problem] = []
    for name in REQUIRED_TABLES:
        if name not in raw_tables:
            problems.append(Problem(f"{name}.csv" if not label.endswith(".xlsx") else
                                    f"{Path(label).name}[{name}]", None, None,
                                    "verplichte tabel ontbreekt"))
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    for name in TABLES:
        if name in raw_tables:
            raw = raw_tables[name]
            files[name] = raw.file
            df, table_problems, table_warnings = _parse_table(raw)
            problems += table_problems
            warnings += table_warnings
            if not table_problems:
                problems += _schema_problems(name, df, raw.file)
        else:
            df = _empty_table(name)
        tables[name] = df
    if not problems:
        for name, df in tables.items():
            problems += check_rows(name, df, files)
        cpi = cpi_series()
        problems += check_case(tables, files, range(int(cpi.index.min()), int(cpi.index.max()) + 1))
        if tables["taken"].empty and "taken" in files:
            problems.append(Problem(files["taken"], None, None, "geen enkele taak"))
    if problems:
        raise CaseError(_sorted(problems))
    warnings += _case_warnings(tables, files)
    return Case(tables, label, files, tuple(warnings))


def _sorted(problems: list[Problem]) -> list[Problem]:
    order = {name: i for i, name in enumerate(TABLES)}
    return sorted(problems, key=lambda p: (order.get(p.file.split(".")[0], 99), p.file,
                                           p.row or 0))


def _case_warnings(tables, files) -> list[Problem]:
    warnings = []
    k = tables["kosten"]
    for row in k.loc[k["bedrag"] < 0, "_row"]:
        warnings.append(Problem(files["kosten"], int(row), "bedrag",
                                "negatieve kosten; hoort dit niet als effect (besparing)?"))
    e = tables["effecten"]
    for row in e.loc[e["pm"] & e["pm_score"].isna(), "_row"]:
        warnings.append(Problem(files["effecten"], int(row), "pm_score",
                                "PM-post zonder pm_score"))
    from .financing import unmatched_financing

    warnings += unmatched_financing(tables, files)
    return warnings


# --------------------------------------------------------------------------------------
# template

#: How to copy a paper survey into the ``enquete`` sheet (shown on the explanation sheet).
PAPER_SURVEY_HELP = (
    ("Procesevaluatie: criteria, partners en enquete (optioneel)",),
    ("criteria: de succescriteria die de partners vooraf afspraken (economisch, "
     "maatschappelijk, draagvlak, spin_off, proces), elk met een indicator uit metingen, CBS "
     "of een enquêtevraag ('vraag' voor alle groepen samen, 'vraag/groep' voor één groep).",),
    ("partners: wie doet mee in welke rol, van jaar_van tot en met jaar_tot (leeg: doet nog "
     "mee).",),
    ("Een papieren enquête overnemen in het tabblad enquete:",),
    ("1. Geef elke vraag een korte naam (bijv. tevreden_buurthuis) en houd die elk jaar gelijk.",),
    ("2. Leg de formulieren per groep (bewoners, gebruikers, vrijwilligers, partners) op een "
     "stapel.",),
    ("3. Turf per vraag hoe vaak elk antwoord is aangekruist: 1 t/m 5 (1 = zeer ontevreden of "
     "zeer mee oneens, 5 = zeer tevreden of zeer mee eens) of ja/nee. Niet ingevuld telt niet "
     "mee.",),
    ("4. Zet elk antwoord met zijn aantal op een eigen regel, bijvoorbeeld:",),
    ("taak_id", "jaar", "groep", "vraag", "antwoord", "aantal"),
    ("T1", 2023, "bewoners", "tevreden_buurthuis", "4", 44),
    ("T1", 2023, "bewoners", "tevreden_buurthuis", "5", 26),
    ("T1", 2023, "vrijwilligers", "gesteund_door_gemeente", "ja", 15),
    ("Of sneller: het tabblad enquete_turflijst, één regel per taak, jaar, groep en vraag, "
     "met in de kolommen 1 t/m 5 (of ja en nee) hoe vaak elk antwoord is aangekruist.",),
    ("taak_id", "jaar", "groep", "vraag", "1", "2", "3", "4", "5", "ja", "nee"),
    ("T1", 2023, "bewoners", "tevreden_buurthuis", 3, 7, 18, 44, 26),
    ("5. Antwoorden 4, 5 en ja tellen als positief. Een groep met minder dan 10 respondenten "
     "wordt niet getoond (privacy).",),
    ("Buurtbudget: een regel in financiering met soort buurtbudget; bedrag = wat de wijk dat "
     "jaar ontving, besteed = wat zij eruit uitgaf. Gespaard = ontvangen min besteed, opgeteld "
     "over de jaren.",),
)


def _template_process_help(info) -> None:
    from openpyxl.styles import Font

    info.append([])
    for i, line in enumerate(PAPER_SURVEY_HELP):
        info.append(list(line))
        if i == 0:
            info.cell(row=info.max_row, column=1).font = Font(bold=True)

_KIND_NL = {
    "text": "tekst",
    "year": "jaartal",
    "int": "geheel getal",
    "number": "getal",
    "fraction": "fractie 0–1 (of %)",
    "bool": "ja/nee",
    "choice": "keuze",
}


def describe_tables() -> pd.DataFrame:
    """Every input column with its meaning, in Dutch (the template's explanation sheet).

    Examples
    --------
    >>> describe_tables().columns.tolist()
    ['tabel', 'kolom', 'verplicht', 'type', 'eenheid', 'toegestane waarden', 'uitleg']
    """
    rows = []
    for table in TABLES.values():
        for c in table.columns:
            rows.append({
                "tabel": table.name,
                "kolom": c.name,
                "verplicht": "ja" if c.required else "nee",
                "type": _KIND_NL[c.kind],
                "eenheid": c.unit,
                "toegestane waarden": ", ".join(c.allowed),
                "uitleg": c.description,
            })
    return pd.DataFrame(rows)


def write_template(path) -> Path:
    """Write the empty input workbook: an explanation sheet and one sheet per table.

    Choice columns get a drop-down list; header cells carry their explanation as a comment.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> out = write_template(Path(tempfile.mkdtemp()) / "casus.xlsx")
    >>> openpyxl.load_workbook(out).sheetnames[:3]
    ['toelichting', 'taken', 'kosten']
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    wb = Workbook()
    info = wb.active
    info.title = _TEMPLATE_SHEET
    intro = [
        "Invulblad voor een casus van mkba (maatschappelijke kosten-batenanalyse).",
        "Eén tabblad per tabel; laat de kopregel staan. Verplichte kolommen staan hieronder.",
        "Getallen mogen met decimale komma (1.234,50); percentages als 25% of 0,25.",
        "Lege cellen zijn 'onbekend', niet 0 — behalve deadweight, attributie, verdringing en "
        "afname: leeg telt als 0.",
        "Controleer de casus met: mkba validate casus.xlsx",
        "",
    ]
    for line in intro:
        info.append([line])
    info.append(list(describe_tables().columns))
    for cell in info[info.max_row]:
        cell.font = Font(bold=True)
    for rec in describe_tables().itertuples(index=False):
        info.append(list(rec))
    for letter, width in zip("ABCDEFG", (14, 20, 10, 18, 8, 40, 90), strict=True):
        info.column_dimensions[letter].width = width
    _template_process_help(info)
    for table in TABLES.values():
        ws = wb.create_sheet(table.name)
        ws.append(table.column_names)
        ws.freeze_panes = "A2"
        for i, column in enumerate(table.columns, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font = Font(bold=column.required)
            cell.comment = Comment(column.description, "mkba")
            ws.column_dimensions[get_column_letter(i)].width = max(12, len(column.name) + 4)
            if column.allowed:
                dv = DataValidation(type="list", formula1='"' + ",".join(column.allowed) + '"',
                                    allow_blank=True)
                dv.error = "Kies een van: " + ", ".join(column.allowed)
                ws.add_data_validation(dv)
                letter = get_column_letter(i)
                dv.add(f"{letter}2:{letter}5000")
    from .render import atomic_write

    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(path, buf.getvalue())  # never half a workbook
    return path
