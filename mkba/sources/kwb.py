"""``mkba cbs ophalen``: CBS "Kerncijfers wijken en buurten" of one gemeente, per year.

:func:`fetch_kwb` looks up each year's table id in :data:`mkba.evidence.cbs_tables.CATALOGUE`,
fetches the table's DataProperties, the gemeente's rows and the region names
(:mod:`mkba.sources.odata`, one deadline per table), harmonises them
(:mod:`mkba.evidence.cbs_harmonise`) and writes one tidy long CSV per year to
:func:`mkba.base.assumptions.fetched_dir` (default ``data/cbs_opgehaald``, or ``MKBA_CBS_DIR``),
which :func:`mkba.evidence.cbs.load_kwb` reads next to the shipped ``data/cbs``.

A year's file is written only when all of its pages arrived and passed the checks, through a
temporary file and a rename, with every text cell neutralised against formula injection
(:mod:`mkba.base.cells`). Faults raise :class:`mkba.base.errors.FetchError` (Dutch); the CLI
exits with 2.

CBS's indeling flag of a year compares with the previous calendar year. When a year between the
first and last fetched year is missing, its flags alone are fetched (so a boundary change in
that year is not missed), or — when no table is known for it — a warning says that the change
was not checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from mkba.base.assumptions import fetched_dir
from mkba.base.cells import write_csv
from mkba.base.errors import CaseError, FetchError
from mkba.base.files import atomic_write
from mkba.base.regions import region_level
from mkba.evidence.cbs import read_fetched, region_types
from mkba.evidence.cbs_boundaries import (
    FLAG_COLUMNS,
    boundary_changes,
    describe_changes,
    flags_file_name,
    read_flags,
)
from mkba.evidence.cbs_harmonise import harmonise
from mkba.evidence.cbs_tables import CATALOGUE
from mkba.sources.http import Deadline, Http, RefusedAnswer, cbs_url, checked_base
from mkba.sources.odata import table_flags, table_parts

__all__ = ["fetch_kwb", "FetchResult", "parse_years", "file_name"]

_TABLE_ID = re.compile(r"^\d{5}[A-Z]{3}$")


@dataclass
class FetchResult:
    """What one :func:`fetch_kwb` call did.

    Parameters
    ----------
    written : list of pathlib.Path, optional
        The files written.
    skipped : list of pathlib.Path, optional
        The files already there and left alone.
    warnings : list of str, optional
        Dutch warnings (a year without names, ...).

    Examples
    --------
    >>> r = FetchResult()
    >>> r.written.append(Path("kwb_GM0114_wijk_2024_85984NED.csv.gz"))
    >>> len(r.written), r.skipped, r.warnings
    (1, [], [])
    """

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_years(text: str) -> list[int]:
    """``"2019-2024"`` or ``"2019,2021,2024"`` → list of years.

    Parameters
    ----------
    text : str
        Years and ranges, separated by commas.

    Returns
    -------
    list of int
        The years, ascending, once each.

    Examples
    --------
    >>> parse_years("2019-2021,2024")
    [2019, 2020, 2021, 2024]
    """
    years: set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise CaseError(f"--jaren: '{part[:20]}' is geen jaar of reeks (bijv. 2019-2024)")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if b < a:
            raise CaseError(f"--jaren: {a}-{b} loopt achteruit")
        years.update(range(a, b + 1))
    return sorted(years)


def file_name(gemeente_code: str, niveau: str, year: int, table_id: str) -> str:
    """The file of one fetched year.

    Parameters
    ----------
    gemeente_code : str
        The gemeente (``GM0114``).
    niveau : str
        ``wijk`` or ``buurt``.
    year : int
        The year of the table.
    table_id : str
        The CBS table (``85984NED``).

    Returns
    -------
    str
        The file name.

    Examples
    --------
    >>> file_name("GM0114", "wijk", 2024, "85984NED")
    'kwb_GM0114_wijk_2024_85984NED.csv.gz'
    """
    return f"kwb_{gemeente_code}_{niveau}_{year}_{table_id}.csv.gz"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _catalogue(tables: dict | None) -> dict[int, str]:
    catalogue = {y: t.table_id for y, t in CATALOGUE.items()}
    for y, t in (tables or {}).items():
        if not _TABLE_ID.match(str(t)):
            raise CaseError(f"--tabel: '{str(t)[:20]}' is geen CBS-tabelcode (5 cijfers + 3 "
                            "letters, bijv. 85984NED)")
        catalogue[int(y)] = str(t)
    return catalogue


def _fetch_year(http: Http, out: Path, base: str, gemeente_code: str, niveau: str, year: int,
                table_id: str, result: FetchResult) -> None:
    path = out / file_name(gemeente_code, niveau, year, table_id)
    deadline = Deadline(what=f"tabel {table_id} ({year})")
    stamp = _stamp()
    parts = table_parts(http, table_id, gemeente_code, niveau, base=base, deadline=deadline)
    result.warnings += parts.warnings
    if not parts.rows:
        result.warnings.append(f"{year}: tabel {table_id} heeft geen cijfers voor "
                               f"{gemeente_code} (bestond de gemeente toen nog niet, of onder "
                               "een andere code?); niets geschreven")
        return
    long = harmonise(parts.rows, parts.props, parts.names, year=year, table_id=table_id,
                     query=parts.query, downloaded_at=stamp)
    atomic_write(out / "meta" / f"DataProperties_{table_id}.json",
                 json.dumps(parts.props, ensure_ascii=False, indent=1))
    write_csv(long, path, index=False, compression="gzip")
    result.written.append(path)


def _fetch_flags(http: Http, out: Path, base: str, gemeente_code: str, niveau: str,
                 year: int, table_id: str, result: FetchResult) -> None:
    deadline = Deadline(what=f"tabel {table_id} ({year}, indelingswijziging)")
    stamp = _stamp()
    flags, query = table_flags(http, table_id, gemeente_code, niveau, base=base,
                               deadline=deadline)
    codes = pd.Series([c for c, _ in flags], dtype=str)
    frame = pd.DataFrame({"region_code": codes, "region_type": region_types(codes),
                          "gemeente_code": gemeente_code, "year": year,
                          "indelingswijziging": [f for _, f in flags], "cbs_table": table_id,
                          "downloaded_at": stamp, "query": query})
    path = out / flags_file_name(gemeente_code, niveau, year, table_id)
    write_csv(frame[FLAG_COLUMNS], path, index=False, compression="gzip")
    result.written.append(path)


def _gap_years(out: Path, gemeente_code: str, niveau: str, catalogue: dict[int, str],
               refresh: bool, result: FetchResult) -> list[tuple[int, str]]:
    """Years between the first and last fetched year with neither figures nor flags."""
    pattern = re.compile(rf"^(kwb|indeling)_{gemeente_code}_{niveau}_(\d{{4}})_")
    have: dict[str, set[int]] = {"kwb": set(), "indeling": set()}
    for f in out.glob(f"*_{gemeente_code}_{niveau}_*.csv*") if out.is_dir() else []:
        m = pattern.match(f.name)
        if m:
            have[m.group(1)].add(int(m.group(2)))
    if len(have["kwb"]) < 2:
        return []
    todo = []
    for year in range(min(have["kwb"]) + 1, max(have["kwb"])):
        if year in have["kwb"] or (year in have["indeling"] and not refresh):
            continue
        if year in catalogue:
            todo.append((year, catalogue[year]))
        else:
            result.warnings.append(
                f"{year}: geen KWB-tabel bekend, dus niet nagegaan of wijken in {year} (ten "
                f"opzichte van {year - 1}) van grens of code veranderden; geef de tabel op met "
                f"--tabel {year}=CODE")
    return todo


def fetch_kwb(gemeente_code: str, years: Iterable[int] | None = None, *, niveau: str = "wijk",
              out_dir=None, refresh: bool = False, tables: dict[int, str] | None = None,
              http: Http | None = None, base: str | None = None,
              progress: Callable[[str], None] | None = None) -> FetchResult:
    """Fetch the KWB figures of one gemeente for the given years into ``out_dir``.

    Parameters
    ----------
    gemeente_code : str
        ``GM`` + 4 digits, e.g. ``GM0114`` (Emmen).
    years : iterable of int, optional
        Default: every year of :data:`CATALOGUE` (plus ``tables``).
    niveau : {"wijk", "buurt"}
        ``wijk``: gemeente + wijken; ``buurt``: also the buurten.
    out_dir : path, optional
        Default :func:`mkba.base.assumptions.fetched_dir`.
    refresh : bool
        Fetch again even when the year's file exists (``--vernieuw``).
    tables : dict, optional
        Extra or replacement table ids per year (``{2013: "82339NED"}``).
    http : Http, optional
        The client (tests pass one with a recorded transport).
    base : str, optional
        Base URL of the OData feed; default ``MKBA_CBS_URL`` or :data:`mkba.sources.http.CBS_URL`.
    progress : callable, optional
        Called with a Dutch line per year.

    Returns
    -------
    FetchResult
        Files written and skipped, and warnings (years without the gemeente, names that could
        not be fetched, boundary changes).

    Examples
    --------
    >>> fetch_kwb("GM114")
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: invoer: --gemeente: 'GM114' is geen CBS-gemeentecode (GM + 4
    cijfers, bijv. GM0114)
    """
    if region_level(gemeente_code) != "gemeente":
        raise CaseError(f"--gemeente: '{str(gemeente_code)[:20]}' is geen CBS-gemeentecode (GM + "
                        "4 cijfers, bijv. GM0114)")
    if niveau not in ("wijk", "buurt"):
        raise CaseError(f"--niveau: '{str(niveau)[:20]}' moet wijk of buurt zijn")
    catalogue = _catalogue(tables)
    years = sorted(set(years) if years is not None else set(catalogue))
    unknown = [y for y in years if y not in catalogue]
    if unknown and not [y for y in years if y in catalogue]:
        raise CaseError(f"--jaren: voor {', '.join(map(str, unknown))} kent mkba geen "
                        f"KWB-tabel (wel voor {min(catalogue)}–{max(catalogue)}); geef er een "
                        "op met --tabel JAAR=CODE")
    base = cbs_url() if base is None else checked_base(base, "base")
    out = Path(out_dir) if out_dir is not None else fetched_dir()
    result = FetchResult()
    for y in unknown:
        result.warnings.append(f"{y}: geen KWB-tabel bekend; overgeslagen (geef er een op met "
                               "--tabel JAAR=CODE)")
    own = http is None
    http = http or Http()
    http.allow(base)
    say = progress or (lambda _m: None)
    try:
        for year in [y for y in years if y in catalogue]:
            table_id = catalogue[year]
            path = out / file_name(gemeente_code, niveau, year, table_id)
            if path.exists() and not refresh:
                result.skipped.append(path)
                continue
            say(f"{year}: tabel {table_id} ophalen …")
            _fetch_year(http, out, base, gemeente_code, niveau, year, table_id, result)
        for year, table_id in _gap_years(out, gemeente_code, niveau, catalogue, refresh, result):
            say(f"{year}: alleen de indelingswijziging van tabel {table_id} ophalen …")
            try:
                _fetch_flags(http, out, base, gemeente_code, niveau, year, table_id, result)
            except RefusedAnswer:
                raise
            except FetchError as err:  # the years asked for are complete: warn, never fail
                result.warnings.append(
                    f"{year}: de indelingswijziging van tabel {table_id} kon niet worden "
                    f"opgehaald ({err.problems[0].message}); dus niet nagegaan of wijken tussen "
                    f"{year - 1} en {year} van grens of code veranderden")
    finally:
        if own:
            http.close()
    fetched = read_fetched(out, gemeente_code)
    if len(fetched):
        changes = boundary_changes(fetched, gemeente_code, "Buurt" if niveau == "buurt"
                                   else "Wijk", flags=read_flags(out, gemeente_code))
        result.warnings += describe_changes(changes)
    return result

