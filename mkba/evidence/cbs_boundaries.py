"""Boundary changes in the CBS series of a gemeente, and carrying old figures onto new codes.

A wijk or buurt code can appear, vanish, or keep its code while its boundary moves. Two
sources tell: the codes present in consecutive fetched years, and CBS's own flag per region
and year (``IndelingswijzigingWijkenEnBuurten``: 1 unchanged, 2 code changed, 3 boundary
changed), which compares a year with the *previous calendar year*. A flag in year *Y* is dated
*Y − 1 → Y*, whatever years were fetched; when a year between two fetched years is missing,
``mkba cbs ophalen`` fetches just that year's flags (``indeling_*.csv.gz``, read by
:func:`read_flags`) or warns that the change was not checked.

Series of different codes are never joined by themselves: a user gives a mapping table
(:func:`read_boundary_mapping`), and :func:`apply_boundary_mapping` makes the figures of the new
codes for the years before the change.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from mkba.base.assumptions import fetched_dir
from mkba.base.cells import restore_frame, write_csv
from mkba.base.errors import CaseError, Problem
from mkba.base.regions import region_problem
from mkba.evidence.cbs import (
    COLUMNS,
    FETCHED_COLUMNS,
    gemeente_codes,
    is_count,
    load_kwb,
    read_fetched,
    region_types,
)

__all__ = ["boundary_changes", "describe_changes", "read_boundary_mapping",
           "apply_boundary_mapping", "apply_fetch_mapping", "read_flags", "FLAG_COLUMNS",
           "flags_file_name"]

#: Columns of a flags-only file (a year between fetched years).
FLAG_COLUMNS = ["region_code", "region_type", "gemeente_code", "year", "indelingswijziging",
                "cbs_table", "downloaded_at", "query"]


def flags_file_name(gemeente_code: str, niveau: str, year: int, table_id: str) -> str:
    """File name of a year's flags only.

    Parameters
    ----------
    gemeente_code : str
        The gemeente.
    niveau : str
        ``wijk`` or ``buurt``.
    year : int
        The year of the table.
    table_id : str
        The CBS table.

    Returns
    -------
    str
        The file name.

    Examples
    --------
    >>> flags_file_name("GM0114", "wijk", 2020, "84799NED")
    'indeling_GM0114_wijk_2020_84799NED.csv.gz'
    """
    return f"indeling_{gemeente_code}_{niveau}_{year}_{table_id}.csv.gz"


def read_flags(folder=None, gemeente_code: str | None = None) -> pd.DataFrame:
    """The flags-only files in ``folder`` (default :func:`mkba.base.assumptions.fetched_dir`).

    Parameters
    ----------
    folder : str or pathlib.Path, optional
        The folder; by default :func:`mkba.base.assumptions.fetched_dir`.
    gemeente_code : str, optional
        Only the files of this gemeente.

    Returns
    -------
    pandas.DataFrame
        One row per region and year (:data:`FLAG_COLUMNS`).

    Examples
    --------
    >>> import tempfile
    >>> read_flags(tempfile.mkdtemp()).columns.tolist() == FLAG_COLUMNS
    True
    """
    folder = Path(folder) if folder is not None else fetched_dir()
    pattern = f"indeling_{gemeente_code}_*.csv*" if gemeente_code else "indeling_*.csv*"
    files = sorted(folder.glob(pattern)) if folder.is_dir() else []
    if not files:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    parts = [pd.read_csv(f, dtype={"region_code": str, "indelingswijziging": str,
                                   "gemeente_code": str}) for f in files]
    return restore_frame(pd.concat(parts, ignore_index=True))


def boundary_changes(kwb: pd.DataFrame, gemeente_code: str, region_type: str = "Wijk",
                     flags: pd.DataFrame | None = None) -> pd.DataFrame:
    """Codes that appear or vanish between consecutive years, and CBS's own change flags.

    Returns one row per change: ``year_from``, ``year_to``, ``region_code``, ``change``
    (``verdwenen``, ``nieuw``, ``code gewijzigd`` (CBS 2) or ``grens gewijzigd`` (CBS 3)). A
    CBS flag in year *Y* compares with the previous calendar year: it is dated *Y − 1 → Y*.
    ``flags`` adds the flags of years that were not fetched in full (:func:`read_flags`).

    Parameters
    ----------
    kwb : pandas.DataFrame
        The long table (:func:`mkba.evidence.cbs.load_kwb`).
    gemeente_code : str
        The gemeente.
    region_type : str, default "Wijk"
        ``Wijk`` or ``Buurt``.
    flags : pandas.DataFrame, optional
        CBS's flags of years not fetched in full (:func:`read_flags`).

    Returns
    -------
    pandas.DataFrame
        One row per change.

    Examples
    --------
    >>> ch = boundary_changes(load_kwb(), "GM0363")   # Amsterdam renumbered in 2022
    >>> ch.groupby(["year_from", "year_to", "change"]).size().to_dict()
    {(2021, 2023, 'nieuw'): 110, (2021, 2023, 'verdwenen'): 99}
    >>> kwb = pd.DataFrame({"gemeente_code": "GM0114", "region_type": "Wijk",
    ...     "region_code": "WK011401", "year": [2019, 2021], "indelingswijziging": ["1", "3"]})
    >>> boundary_changes(kwb, "GM0114").values.tolist()   # flag 3 in 2021: 2020 → 2021
    [[2020, 2021, 'WK011401', 'grens gewijzigd']]
    """
    sub = kwb[(kwb["gemeente_code"] == gemeente_code) & (kwb["region_type"] == region_type)]
    codes = {int(y): set(g["region_code"]) for y, g in sub.groupby("year")}
    rows = []
    years = sorted(codes)
    for a, b in zip(years, years[1:], strict=False):
        for code in sorted(codes[a] - codes[b]):
            rows.append((a, b, code, "verdwenen"))
        for code in sorted(codes[b] - codes[a]):
            rows.append((a, b, code, "nieuw"))
    marks = [sub[["region_code", "year", "indelingswijziging"]]] \
        if "indelingswijziging" in sub else []
    if flags is not None and len(flags):
        f = flags[(flags["gemeente_code"] == gemeente_code)
                  & (flags["region_type"] == region_type)]
        marks.append(f[["region_code", "year", "indelingswijziging"]])
    if marks:
        every = pd.concat(marks, ignore_index=True).dropna(subset=["indelingswijziging"])
        every = every.drop_duplicates(["region_code", "year"])
        for rec in every.sort_values(["year", "region_code"]).itertuples(index=False):
            flag = str(rec.indelingswijziging).strip()
            if flag in ("2", "3"):
                rows.append((int(rec.year) - 1, int(rec.year), rec.region_code,
                             "code gewijzigd" if flag == "2" else "grens gewijzigd"))
    return pd.DataFrame(rows, columns=["year_from", "year_to", "region_code", "change"])


def describe_changes(changes: pd.DataFrame, limit: int = 5) -> list[str]:
    """Dutch warnings for :func:`boundary_changes`.

    Parameters
    ----------
    changes : pandas.DataFrame
        The changes (:func:`boundary_changes`).
    limit : int, default 5
        Codes named per kind; the rest are counted.

    Returns
    -------
    list of str
        One warning per pair of years.

    Examples
    --------
    >>> describe_changes(boundary_changes(load_kwb(), "GM0363"), limit=2)[0][:60]
    'indeling veranderd 2021 → 2023 (nieuw: WK0363AA, WK0363AB en'
    """
    out = []
    for (a, b), g in changes.groupby(["year_from", "year_to"], dropna=False):
        parts = []
        for kind, h in g.groupby("change"):
            codes = list(h["region_code"])
            more = f" en {len(codes) - limit} meer" if len(codes) > limit else ""
            parts.append(f"{kind}: {', '.join(codes[:limit])}{more}")
        span = f"{int(a)} → {int(b)}" if pd.notna(a) else f"{int(b)}"
        out.append(f"indeling veranderd {span} ({'; '.join(parts)}). Reeksen van verschillende "
                   "codes worden nooit vanzelf gekoppeld; geef een omzettabel op met "
                   "mkba cbs ophalen --gemeente ... --indeling BESTAND "
                   "(oud_code;nieuw_code;gewicht) als u ze wilt doortrekken")
    return out


def read_boundary_mapping(path) -> pd.DataFrame:
    r"""Read a user's mapping table ``oud_code;nieuw_code;gewicht`` (CSV, ``;`` or ``,``).

    ``gewicht`` is the share of the old area that goes to the new one (0 < w ≤ 1; decimal
    comma allowed); the weights of one old code add up to 1. Every problem is reported with
    file, row and column.

    Parameters
    ----------
    path : str or pathlib.Path
        The CSV file.

    Returns
    -------
    pandas.DataFrame
        ``oud_code``, ``nieuw_code``, ``gewicht``.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "omzet.csv"
    >>> _ = path.write_text("oud_code;nieuw_code;gewicht\nWK036302;WK0363AA;0,5\n"
    ...                     "WK036302;WK0363AB;0,5\n")
    >>> read_boundary_mapping(path)["gewicht"].tolist()
    [0.5, 0.5]
    """
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise CaseError([Problem(name, None, None, f"kan het bestand niet lezen ({err})")]) \
            from err
    sep = ";" if text.count(";") >= text.count(",") else ","
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise CaseError([Problem(name, None, None, "het bestand is leeg")])
    header = [h.strip().lower() for h in lines[0].split(sep)]
    need = ["oud_code", "nieuw_code", "gewicht"]
    missing = [c for c in need if c not in header]
    if missing:
        raise CaseError([Problem(name, 1, c, "kolom ontbreekt") for c in missing])
    problems, rows = [], []
    for i, line in enumerate(lines[1:], start=2):
        cells = [c.strip() for c in line.split(sep)]
        rec = dict(zip(header, cells, strict=False))
        for col in ("oud_code", "nieuw_code"):
            if region_problem(rec.get(col, ""), levels=("wijk", "buurt")):
                problems.append(Problem(name, i, col, f"{rec.get(col, '')[:40]!r} is geen wijk- "
                                                      "of buurtcode (WK…/BU…)"))
        raw = rec.get("gewicht", "")
        try:
            w = float(raw.replace(",", "."))
        except ValueError:
            problems.append(Problem(name, i, "gewicht", f"'{raw}' is geen getal"))
            continue
        if not 0 < w <= 1:
            problems.append(Problem(name, i, "gewicht", f"{raw} ligt niet tussen 0 en 1"))
            continue
        rows.append((rec.get("oud_code", ""), rec.get("nieuw_code", ""), w, i))
    table = pd.DataFrame(rows, columns=["oud_code", "nieuw_code", "gewicht", "row"])
    for old, g in table.groupby("oud_code"):
        if abs(g["gewicht"].sum() - 1) > 1e-6:
            problems.append(Problem(name, int(g["row"].iloc[0]), "gewicht",
                                    f"de gewichten van {old} tellen op tot "
                                    f"{g['gewicht'].sum():.4g}, niet tot 1"))
    if problems:
        raise CaseError(problems)
    return table.drop(columns="row")


def apply_boundary_mapping(kwb: pd.DataFrame, mapping: pd.DataFrame,
                           source: str = "omzettabel") -> pd.DataFrame:
    """Figures of the new codes for the years before the change, from the old codes.

    For a year in which a new code has no figure of its own, its value is made from the old
    codes that map onto it: counts (unit ``aantal``) are ``Σ gewicht × waarde``; every other
    figure (percentages, averages, rates) is the mean of the old values weighted by
    ``gewicht × inwoners`` of the old area. When any old value (or, for a weighted mean, its
    inhabitants) is missing, the result is missing — never a partial sum.

    Returns only the new rows (quality ``omgezet_indeling``); concatenate them with ``kwb``.

    Parameters
    ----------
    kwb : pandas.DataFrame
        The long table of the gemeente's figures.
    mapping : pandas.DataFrame
        ``oud_code``, ``nieuw_code``, ``gewicht`` (:func:`read_boundary_mapping`).
    source : str, default "omzettabel"
        The mapping's name, recorded as the rows' source.

    Returns
    -------
    pandas.DataFrame
        The new rows.

    Examples
    --------
    >>> kwb = pd.DataFrame({"region_code": ["WK036301", "WK036302"], "region_type": "Wijk",
    ...                     "gemeente_code": "GM0363", "region_name": ["a", "b"], "year": 2020,
    ...                     "indicator": "AantalInwoners", "value": [100.0, 50.0],
    ...                     "unit": "aantal", "quality": "cbs", "source_file": "x"})
    >>> mapping = pd.DataFrame({"oud_code": ["WK036301", "WK036302", "WK036302"],
    ...                         "nieuw_code": ["WK0363AA", "WK0363AA", "WK0363AB"],
    ...                         "gewicht": [1.0, 0.5, 0.5]})
    >>> new = apply_boundary_mapping(kwb, mapping)
    >>> dict(zip(new["region_code"], new["value"]))  # 100 + 0,5 × 50 and 0,5 × 50
    {'WK0363AA': 125.0, 'WK0363AB': 25.0}
    """
    old_codes = set(mapping["oud_code"])
    sub = kwb[kwb["region_code"].isin(old_codes)]
    if sub.empty:
        return pd.DataFrame(columns=COLUMNS)
    have = set(zip(kwb["region_code"], kwb["year"], kwb["indicator"], strict=True))
    inh = sub[sub["indicator"] == "AantalInwoners"].set_index(["region_code", "year"])["value"]
    rows = []
    values = sub.set_index(["region_code", "year", "indicator"])["value"]
    units = sub.drop_duplicates("indicator").set_index("indicator")["unit"]
    for new, g in mapping.groupby("nieuw_code"):
        for (year, indicator), _ in sub.groupby(["year", "indicator"]):
            if (new, year, indicator) in have:
                continue
            unit = units.get(indicator)
            count = is_count(unit, indicator)
            total, weight, ok = 0.0, 0.0, True
            for rec in g.itertuples(index=False):
                v = values.get((rec.oud_code, year, indicator))
                if v is None or pd.isna(v):
                    ok = False
                    break
                if count:
                    total += rec.gewicht * v
                else:
                    p = inh.get((rec.oud_code, year))
                    if p is None or pd.isna(p):
                        ok = False
                        break
                    total += rec.gewicht * p * v
                    weight += rec.gewicht * p
            if ok and not count:
                ok = weight > 0
                total = total / weight if ok else total
            rows.append({"region_code": new, "year": int(year), "indicator": indicator,
                         "value": total if ok else float("nan"), "unit": unit})
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=COLUMNS)
    out["region_type"] = region_types(out["region_code"])
    out["gemeente_code"] = gemeente_codes(out["region_code"])
    out["region_name"] = None
    out["quality"] = "omgezet_indeling"
    out["source_file"] = f"omgezet met {source}"
    return out[COLUMNS]


def apply_fetch_mapping(gemeente_code: str, mapping_path, out_dir=None) -> Path:
    r"""Apply a user's mapping table to the gemeente's figures (fetched and shipped) and write
    the converted series to ``kwb_<GM>_omgezet.csv`` in ``out_dir`` (atomically).

    Parameters
    ----------
    gemeente_code : str
        The gemeente (``GM0363``); every code of the mapping must lie in it.
    mapping_path : str or pathlib.Path
        The mapping table (:func:`read_boundary_mapping`).
    out_dir : str or pathlib.Path, optional
        Where to write; by default :func:`mkba.base.assumptions.fetched_dir`.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> _ = (out / "omzet.csv").write_text("oud_code;nieuw_code;gewicht\nWK036301;WK0363AA;1\n")
    >>> apply_fetch_mapping("GM0363", out / "omzet.csv", out).name
    'kwb_GM0363_omgezet.csv.gz'
    """
    out = Path(out_dir) if out_dir is not None else fetched_dir()
    mapping = read_boundary_mapping(mapping_path)
    wrong = sorted({c for c in [*mapping["oud_code"], *mapping["nieuw_code"]]
                    if c[2:6] != gemeente_code[2:]})
    if wrong:
        raise CaseError([Problem(Path(mapping_path).name, None, None,
                                 f"codes buiten {gemeente_code}: {', '.join(wrong[:5])}")])
    target = out / f"kwb_{gemeente_code}_omgezet.csv.gz"
    fetched = read_fetched(out, gemeente_code)
    fetched = fetched[fetched["quality"] != "omgezet_indeling"]
    kwb = pd.concat([fetched[COLUMNS], load_kwb()], ignore_index=True).drop_duplicates(
        ["region_code", "year", "indicator"], keep="first")
    kwb = kwb[kwb["gemeente_code"] == gemeente_code]
    rows = apply_boundary_mapping(kwb, mapping, source=Path(mapping_path).name)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = rows.assign(label=None, original_key=None, cbs_table=None, indelingswijziging=None,
                       downloaded_at=stamp, query=f"omzettabel {Path(mapping_path).name}")
    write_csv(rows[FETCHED_COLUMNS], target, index=False, compression="gzip")
    return target
