"""Read a case (a folder of CSV files or one .xlsx workbook): raw cells → typed columns →
table schemas → cross-table checks → :class:`~mkba.case.tables.Case`.

Every problem is collected (not just the first) and raised together as :class:`CaseError`,
naming file, row and column.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from mkba.base.assumptions import MAX_AMOUNT
from mkba.base.errors import CaseError, Problem
from mkba.base.prices import cpi_series
from mkba.case.crosscheck import check_case
from mkba.case.financing import unmatched_financing
from mkba.case.numbers import (
    FALSE_WORDS,
    TRUE_WORDS,
    AmbiguousNumber,
    decimal_evidence,
    parse_number,
)
from mkba.case.ranges import range_notes, ranged_inputs
from mkba.case.raw import RawTable, is_blank, read_folder, read_frames, read_xlsx
from mkba.case.rows import check_rows
from mkba.case.schema import REQUIRED_TABLES, TABLES, ColumnSpec, normalise_header
from mkba.case.tables import Case
from mkba.case.values import pandera_schema, values_valid

__all__ = ["read_case"]


def _map_header(raw: RawTable, spec) -> tuple[dict[str, int], list[Problem], list[Problem]]:
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


def _cells(raw: RawTable, position: int | None) -> list | np.ndarray:
    if position is None:  # an absent column: every cell blank
        return np.full(len(raw.numbers), "", dtype=object)
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
        if not len(codes):
            return pd.Series([], dtype="str"), problems
        # the distinct values become text once and are spread by position (converting the
        # 300.000 spread cells took 20 ms per column)
        return pd.Series(pd.array(text_u, dtype="str").take(codes)), problems  # None: missing
    if spec.kind == "bool":
        out = []
        for r, v, b in zip(rows, values, blank, strict=True):
            text = "" if b else _as_text(v).casefold()
            if b or text in FALSE_WORDS:
                out.append(False)
            elif text in TRUE_WORDS:
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
        except AmbiguousNumber:
            message_u[j] = _ambiguous_message(v)
            continue
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


def _ambiguous_message(value) -> str:
    """Why a lone group such as 120.000 is refused in a file that does not say which decimal
    separator it uses."""
    text = _as_text(value)
    comma = parse_number(text, ",")
    point = parse_number(text, ".")
    return (f"'{text}' is dubbelzinnig: met een decimale komma is het {_plain(comma)}, met "
            f"een decimale punt {_plain(point)}, en het bestand zegt niet welke het gebruikt "
            "(geen ander getal met decimalen, en een tab of komma als scheidingsteken); "
            "schrijf het getal zonder scheidingsteken voor duizendtallen, of sla het bestand "
            "op als CSV (puntkomma) of als .xlsx")


def _plain(number: float) -> str:
    return f"{number:.3f}".rstrip("0").rstrip(".").replace(".", ",") \
        if not float(number).is_integer() else str(int(number))


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


def _number_cells(raw: RawTable, spec, positions) -> list[str]:
    numeric = [c.name for c in spec.columns if c.kind in ("number", "fraction")]
    cells: dict[str, None] = {}  # the distinct cells decide as well as all of them
    for name in numeric:
        if name in positions:
            cells.update(dict.fromkeys(v.strip() for v in dict.fromkeys(
                _cells(raw, positions[name])) if isinstance(v, str)))
    return list(cells)


def _header_positions(raw: RawTable) -> dict[str, int]:
    """Known column → position, without the header's problems (see :func:`_map_header`)."""
    out: dict[str, int] = {}
    known = set(TABLES[raw.name].column_names)
    for i, header in enumerate(raw.header):
        name = normalise_header(str(header))
        if name in known and name not in out:
            out[name] = i
    return out


def _decimals(raw_tables: dict[str, RawTable]) -> tuple[dict, list[Problem]]:
    """The decimal separator of every table: its own evidence, else the evidence of the other
    files of the case (Excel exports every file of a case with the same settings), else
    ``","`` for a ``;`` file (Dutch Excel) and ``None`` (undecided: a lone group is refused)
    otherwise (:mod:`mkba.case.numbers`). A file with both kinds of decimals is refused."""
    own, problems = {}, []
    for name, raw in raw_tables.items():
        if name not in TABLES:
            continue
        positions = _header_positions(raw)
        cells = _number_cells(raw, TABLES[name], positions)
        decimal, comma, point = decimal_evidence(cells)
        own[name] = decimal
        if decimal == "conflict":
            problems.append(_conflict(raw, positions, comma, point))
    found = {d for d in own.values() if d in (",", ".")}
    case_wide = found.pop() if len(found) == 1 else None
    out = {}
    for name, decimal in own.items():
        if decimal in (",", "."):
            out[name] = decimal
        elif case_wide is not None:
            out[name] = case_wide
        else:
            out[name] = "," if raw_tables[name].sep == ";" else None
    return out, problems


def _conflict(raw: RawTable, positions: dict, comma: str, point: str) -> Problem:
    """A file whose numbers use both a decimal comma and a decimal point: where the first
    number with a point is."""
    rows = raw.numbers
    for name, pos in positions.items():
        if TABLES[raw.name].column(name).kind not in ("number", "fraction"):
            continue
        for i, cell in enumerate(raw.column(pos)):
            if isinstance(cell, str) and cell.strip() == point.strip():
                return Problem(raw.file, rows[i], name,
                               f"'{point}' heeft een decimale punt, maar andere getallen in "
                               f"dit bestand een decimale komma (bijv. '{comma}'); een getal "
                               "kan zo twee dingen betekenen: gebruik in het hele bestand één "
                               "notatie")
    return Problem(raw.file, None, None, f"getallen met een decimale komma ('{comma}') én "
                   f"met een decimale punt ('{point}'); gebruik één notatie")


def _parse_table(raw: RawTable, decimal: str | None = ",") -> tuple[
        pd.DataFrame, list[Problem], list[Problem]]:
    spec = TABLES[raw.name]
    positions, problems, warnings = _map_header(raw, spec)
    rows = raw.numbers
    width = len(raw.header)
    for n, cells in raw.rows:
        extra = [c for c in cells[width:] if not is_blank([c])]
        if extra:
            problems.append(Problem(raw.file, n, None,
                                    f"meer cellen ({len(cells)}) dan kolommen ({width})"))
    columns = {}
    for column in spec.columns:
        if column.name in positions:
            columns[column.name], cell_problems = _parse_column(
                _cells(raw, positions[column.name]), column, decimal, rows, raw.file)
            problems += cell_problems
        elif not column.required:  # absent: every cell is blank; parse one and repeat it
            # (parsing 300.000 blank cells took 8 ms per absent column)
            one, _ = _parse_column(_cells(raw, None)[:1], column, decimal, rows[:1], raw.file)
            columns[column.name] = one.take(np.zeros(len(rows), dtype=np.int64)) \
                .reset_index(drop=True) if len(rows) else one.iloc[:0]
    df = pd.DataFrame(columns)
    # an int64 array, not the list (65 ms for 300.000 rows); an empty list stays a list so
    # that an empty table keeps the dtypes it had
    numbers = np.asarray(rows, dtype=np.int64) if len(rows) else rows
    df.index = pd.Index(numbers, name="_row")
    df.insert(0, "_row", numbers)
    return df, problems, warnings


def _schema_problems(table: str, df: pd.DataFrame, file: str) -> list[Problem]:
    if values_valid(table, df):  # every rule holds: pandera would report nothing
        return []
    # pandera only for a table that may break a rule (importing it took 0,22 s of a whole
    # `mkba evaluate`; see mkba.case.values)
    import pandera.pandas as pa

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
    return _parse_table(RawTable(name, name, TABLES[name].column_names, []))[0]


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
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> list(case.taken.columns[:3])
    ['_row', 'taak_id', 'naam']
    """
    warnings: list[Problem] = []
    if isinstance(source, Mapping):
        raw_tables, label = read_frames(source), "(tabellen)"
    else:
        path = Path(source)
        label = str(path)
        if path.is_dir():
            raw_tables, warnings = read_folder(path)
        elif path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file():
            raw_tables, warnings = read_xlsx(path)
        elif not path.exists():
            raise CaseError([Problem(str(path), None, None, "bestand of map bestaat niet")])
        else:
            raise CaseError([Problem(str(path), None, None,
                                     "verwacht een map met CSV-bestanden of een .xlsx-werkmap")])
    decimals, problems = _decimals(raw_tables)
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
            df, table_problems, table_warnings = _parse_table(raw, decimals.get(name, ","))
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
    m = tables["metingen"]
    no_unit = m[m["eenheid"].isna()].drop_duplicates("indicator")
    for row, indicator in no_unit[["_row", "indicator"]].itertuples(index=False):
        warnings.append(Problem(files.get("metingen", "metingen.csv"), int(row), "eenheid",
                                f"indicator '{indicator}' heeft geen eenheid: geef die op "
                                "(bijv. 'bezoekers per jaar', '%' of 'aantal deelnemers'); "
                                "zonder eenheid staat bij elk getal 'eenheid onbekend'"))

    warnings += unmatched_financing(tables, files)
    warnings += range_notes(tables, files, ranged_inputs(tables, files))
    return warnings
