"""Fetch CBS "Kerncijfers wijken en buurten" for one gemeente from the CBS open data API.

``mkba cbs ophalen --gemeente GM0114`` calls :func:`fetch_kwb`: per year it looks up the KWB
table id in :data:`CATALOGUE`, asks the CBS OData feed for the table's ``DataProperties``
(keys, Dutch titles, units), the rows of the gemeente (filtered on the server) and the names of
its wijken and buurten, and writes one tidy long CSV per year to :func:`fetched_dir` (default
``data/cbs_opgehaald``, or ``MKBA_CBS_DIR``). :func:`mkba.evidence.cbs.load_kwb` reads that
folder next to the shipped ``data/cbs``.

Client. A small HTTP client (httpx) on the endpoints the official ``cbsodata`` package uses
(``https://opendata.cbs.nl/ODataFeed/odata/<table>/<part>?$format=json``, pages followed via
``odata.nextLink``), not ``cbsodata`` itself: ``cbsodata`` (1.3.5) sets no timeout, does not
retry, downloads every metadata table of a table, and ``get_data`` replaces the region codes
by their names — we need codes, a timeout on every request, retries with backoff and Dutch
messages. httpx is already installed with JupyterLab, and its ``MockTransport`` lets the tests
replay recorded responses at the transport level.

Keys are renumbered every year (``AantalInwoners_5``; ``GemiddeldInkomenPerInwoner_72`` in 2019
is ``_83`` in 2024): every key is harmonised to its *stem* (the key without ``_NN``), with the
Dutch title and unit from the table's own DataProperties. A stem that occurs twice in one
table (``Appartement`` for kWh and for m³) is qualified with its topic group, never silently
merged.

Faults (no network, timeout, HTTP error, unknown table id, incomplete download) raise
:class:`FetchError` with a Dutch message; the CLI exits with 2. A year's file is written only
when all of its pages arrived, through a temporary file and a rename.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from mkba.base.errors import CaseError, Problem
from mkba.base.files import write_atomically
from mkba.evidence.cbs import COLUMNS, cbs_numbers, gemeente_codes, key_stem, region_types

__all__ = ["CATALOGUE", "KwbTable", "FetchError", "FetchResult", "fetch_kwb", "fetched_dir",
           "read_fetched", "harmonise", "boundary_changes", "read_boundary_mapping",
           "apply_boundary_mapping", "parse_years", "ODATA_BASE"]

#: The bulk OData feed that ``cbsodata`` uses (pages of at most 10 000 rows, ``odata.nextLink``).
ODATA_BASE = "https://opendata.cbs.nl/ODataFeed/odata"
#: Seconds: connect, and every read; per request.
TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0
#: Attempts per request for transient faults (timeout, connection, HTTP 429/5xx).
ATTEMPTS = 4
#: Backoff before attempt 2, 3, 4: BACKOFF × 2^(attempt − 2) seconds.
BACKOFF = 1.0
RETRY_STATUS = {429, 500, 502, 503, 504}
#: Transport and sleep used when none is given (tests replace them: recorded responses).
DEFAULT_TRANSPORT = None
SLEEP = time.sleep
QUALITY = "cbs_api"


from mkba.evidence.cbs_tables import CATALOGUE, KwbTable, fetched_dir  # noqa: E402, F401  (light)

_TABLE_ID = re.compile(r"^\d{5}[A-Z]{3}$")
_GEMEENTE = re.compile(r"^GM\d{4}$")
#: Topics that describe the region, not a figure.
_META_STEMS = {"ID", "WijkenEnBuurten", "Gemeentenaam", "SoortRegio", "Codering",
               "IndelingswijzigingWijkenEnBuurten", "IndelingswijzigingGemeenteWijkBuurt",
               "MeestVoorkomendePostcode", "Dekkingspercentage"}
_INDELING = ("IndelingswijzigingWijkenEnBuurten", "IndelingswijzigingGemeenteWijkBuurt")
#: Columns of a fetched file: the long format of :mod:`mkba.evidence.cbs` plus provenance.
FETCHED_COLUMNS = [*COLUMNS, "label", "original_key", "cbs_table", "indelingswijziging",
                   "downloaded_at", "query"]


class FetchError(CaseError):
    """Fetching from CBS or PDOK failed; the message says what and what to do (Dutch)."""

    def __init__(self, message: str):
        super().__init__([Problem("cbs ophalen", None, None, message)])


@dataclass
class FetchResult:
    """What one :func:`fetch_kwb` call did."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def parse_years(text: str) -> list[int]:
    """``"2019-2024"`` or ``"2019,2021,2024"`` → list of years.

    Examples
    --------
    >>> parse_years("2019-2021,2024")
    [2019, 2020, 2021, 2024]
    """
    years: set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise CaseError(f"--jaren: '{part}' is geen jaar of reeks (bijv. 2019-2024)")
        a, b = int(m.group(1)), int(m.group(2) or m.group(1))
        if b < a:
            raise CaseError(f"--jaren: {a}-{b} loopt achteruit")
        years.update(range(a, b + 1))
    return sorted(years)


# ---------------------------------------------------------------------------------- HTTP


class Http:
    """GET JSON with a timeout on every request and retries with exponential backoff.

    Parameters
    ----------
    transport : httpx.BaseTransport, optional
        For tests: ``httpx.MockTransport`` replaying recorded responses.
    sleep : callable
        Waits between attempts (tests pass a recorder instead of :func:`time.sleep`).
    """

    def __init__(self, transport=None, *, timeout: float = TIMEOUT,
                 connect_timeout: float = CONNECT_TIMEOUT, attempts: int = ATTEMPTS,
                 backoff: float | None = None, sleep: Callable[[float], None] | None = None):
        import httpx

        transport = transport if transport is not None else DEFAULT_TRANSPORT
        backoff = BACKOFF if backoff is None else backoff
        sleep = SLEEP if sleep is None else sleep
        self._httpx = httpx
        self.timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self.client = httpx.Client(transport=transport, timeout=self.timeout,
                                   headers={"User-Agent": "mkba (cbs ophalen)",
                                            "Accept": "application/json"},
                                   follow_redirects=True)
        self.attempts, self.backoff, self.sleep = attempts, backoff, sleep
        self.requests: list[str] = []

    def close(self) -> None:
        self.client.close()

    def get_json(self, url: str, params: dict | None = None, *, what: str = "") -> dict:
        httpx = self._httpx
        host = urlsplit(url).netloc
        last = ""
        for attempt in range(1, self.attempts + 1):
            if attempt > 1:
                self.sleep(self.backoff * 2 ** (attempt - 2))
            try:
                response = self.client.get(url, params=params, timeout=self.timeout)
                self.requests.append(str(response.request.url))
            except httpx.TimeoutException:
                last = (f"{host} antwoordde niet binnen {self.timeout.read:g} seconden "
                        f"({what or url})")
                continue
            except httpx.ConnectError as err:
                last = (f"geen verbinding met {host} ({err}). Controleer de internetverbinding "
                        "(en een eventuele proxy in HTTPS_PROXY)")
                continue
            except (httpx.RemoteProtocolError, httpx.ReadError) as err:
                last = f"onvolledige download van {what or url}: de verbinding brak af ({err})"
                continue
            except httpx.HTTPError as err:
                raise FetchError(f"{what or url}: {err}") from err
            if response.status_code in RETRY_STATUS:
                last = f"{host} gaf HTTP-fout {response.status_code} bij {what or url}"
                continue
            if response.status_code >= 400:
                raise FetchError(self._http_message(response, what or url))
            try:
                data = response.json()
            except (ValueError, UnicodeDecodeError) as err:
                raise FetchError(f"onvolledige of kapotte download van {what or url}: geen "
                                 f"geldige JSON ({err}); er is niets geschreven") from err
            if not isinstance(data, dict):
                raise FetchError(f"onverwacht antwoord van {host} bij {what or url}: geen "
                                 "JSON-object; er is niets geschreven")
            return data
        raise FetchError(f"{last}; {self.attempts} pogingen gedaan, niets geschreven")

    @staticmethod
    def _http_message(response, what: str) -> str:
        status = response.status_code
        host = response.request.url.host
        if status == 404:
            return (f"{what}: bestaat niet bij {host} (HTTP 404). Controleer de tabelcode of "
                    "het jaar")
        return f"{host} gaf HTTP-fout {status} bij {what}; er is niets geschreven"

    def get_all(self, url: str, params: dict, *, what: str) -> list[dict]:
        """Every record of an OData collection, following ``odata.nextLink`` pages."""
        records: list[dict] = []
        page: str | None = url
        query: dict | None = params
        while page is not None:
            data = self.get_json(page, query, what=what)
            if not isinstance(data.get("value"), list):
                raise FetchError(f"onvolledige download van {what}: het antwoord mist 'value'; "
                                 "er is niets geschreven")
            records.extend(data["value"])
            page, query = data.get("odata.nextLink"), None
        return records


# ---------------------------------------------------------------------------------- fetch


def region_filter(key: str, gemeente_code: str, niveau: str) -> str:
    """OData ``$filter`` for the gemeente and its wijken (and buurten).

    Examples
    --------
    >>> region_filter("WijkenEnBuurten", "GM0114", "wijk")
    "startswith(WijkenEnBuurten,'GM0114') or startswith(WijkenEnBuurten,'WK0114')"
    """
    digits = gemeente_code[2:]
    prefixes = ["GM", "WK"] + (["BU"] if niveau == "buurt" else [])
    return " or ".join(f"startswith({key},'{p}{digits}')" for p in prefixes)


def _table_parts(http: Http, table_id: str, gemeente_code: str, niveau: str,
                 base: str) -> tuple[list[dict], list[dict], dict[str, str], str]:
    root = f"{base}/{table_id}"
    props = http.get_all(f"{root}/DataProperties", {"$format": "json"},
                         what=f"tabel {table_id} (DataProperties)")
    geo = [p for p in props if p.get("Type") in ("GeoDetail", "GeoDimension")]
    if not geo:
        raise FetchError(f"tabel {table_id} heeft geen dimensie met wijken en buurten; is het "
                         "wel een tabel 'Kerncijfers wijken en buurten'?")
    key = geo[0]["Key"]
    params = {"$format": "json", "$filter": region_filter(key, gemeente_code, niveau)}
    rows = http.get_all(f"{root}/TypedDataSet", params,
                        what=f"tabel {table_id} (cijfers van {gemeente_code})")
    query = str(http.client.build_request("GET", f"{root}/TypedDataSet", params=params).url)
    dim = http.get_all(f"{root}/{key}", {"$format": "json",
                                          "$filter": region_filter("Key", gemeente_code, niveau)},
                       what=f"tabel {table_id} (namen van de regio's)")
    names = {str(d.get("Key", "")).strip(): str(d.get("Title", "")).strip() for d in dim}
    return props, rows, names, query


def _slug(text: str) -> str:
    words = re.findall(r"[0-9A-Za-zÀ-ÿ]+", str(text))
    return "".join(w[:1].upper() + w[1:] for w in words)


def topic_stems(props: list[dict]) -> dict[str, tuple[str, str, str]]:
    """Key → (stem, Dutch label, unit) for every figure (numeric topic) of a table.

    A stem that occurs more than once in the table is qualified with the titles of its topic
    groups, nearest first, as many as it takes to tell them apart
    (``Appartement__GemiddeldeElektriciteitslevering_NaarWoningtype``); when the table does
    not say its groups, the full key is kept: different figures are never merged.
    """
    by_id = {p.get("ID"): p for p in props}
    topics = [p for p in props if p.get("Type") == "Topic"
              and str(p.get("Datatype", "")).lower() != "string"
              and key_stem(p["Key"]) not in _META_STEMS]

    def groups(p) -> list[str]:
        out, seen = [], set()
        parent = by_id.get(p.get("ParentID"))
        while parent is not None and parent.get("ID") not in seen:
            seen.add(parent.get("ID"))
            if parent.get("Title"):
                out.append(str(parent["Title"]).strip())
            parent = by_id.get(parent.get("ParentID"))
        return out

    same: dict[str, list[dict]] = {}
    for p in topics:
        same.setdefault(key_stem(p["Key"]), []).append(p)
    out = {}
    for stem, group in same.items():
        names = {p["Key"]: (stem, "") for p in group}
        if len(group) > 1:
            chains = {p["Key"]: groups(p) for p in group}
            depth = max(len(c) for c in chains.values())
            names = {p["Key"]: (p["Key"], "") for p in group}
            for k in range(1, depth + 1):
                tried = {key: tuple(reversed(c[:k])) for key, c in chains.items()}
                if len(set(tried.values())) == len(group) and all(tried.values()):
                    names = {key: (f"{stem}__{'_'.join(_slug(t) for t in titles)}",
                                   ", ".join(titles)) for key, titles in tried.items()}
                    break
        for p in group:
            qualified, where = names[p["Key"]]
            label = str(p.get("Title") or stem).replace("\u00a0", " ").strip()
            if where:
                label = f"{label} ({where})"
            unit = p.get("Unit")
            out[p["Key"]] = (qualified, label, unit.strip() if isinstance(unit, str) else None)
    return out


def harmonise(rows: list[dict], props: list[dict], names: dict[str, str], *, year: int,
              table_id: str, query: str = "", downloaded_at: str = "") -> pd.DataFrame:
    """TypedDataSet rows + DataProperties → the tidy long table (:data:`FETCHED_COLUMNS`).

    ``null`` and ``"."`` are missing (NaN), never 0.
    """
    geo_key = next((p["Key"] for p in props if p.get("Type") in ("GeoDetail", "GeoDimension")),
                   "WijkenEnBuurten")
    stems = topic_stems(props)
    if not rows:
        return pd.DataFrame(columns=FETCHED_COLUMNS)
    wide = pd.DataFrame(rows)
    if geo_key not in wide:
        raise FetchError(f"tabel {table_id}: de rijen missen de kolom {geo_key}")
    codes = wide[geo_key].astype(str).str.strip()
    indeling_col = next((k for k in wide.columns if key_stem(k) in _INDELING), None)
    indeling = (wide[indeling_col].astype(str).str.strip().where(wide[indeling_col].notna())
                if indeling_col else pd.Series(pd.NA, index=wide.index))
    indeling = indeling.where(~indeling.isin([".", "", "None", "nan"]))
    parts = []
    for key, (stem, label, unit) in stems.items():
        if key not in wide:
            continue
        parts.append(pd.DataFrame({
            "region_code": codes, "indicator": stem, "value": cbs_numbers(wide[key]),
            "unit": unit, "label": label, "original_key": key,
            "indelingswijziging": indeling}))
    long = pd.concat(parts, ignore_index=True)
    long["region_type"] = region_types(long["region_code"])
    long["gemeente_code"] = gemeente_codes(long["region_code"])
    long["region_name"] = long["region_code"].map(names)
    long["year"] = int(year)
    long["quality"] = QUALITY
    long["cbs_table"] = table_id
    long["downloaded_at"] = downloaded_at
    long["query"] = query
    long["source_file"] = f"CBS {table_id} (API)"
    return long[FETCHED_COLUMNS]


def _file_name(gemeente_code: str, niveau: str, year: int, table_id: str) -> str:
    return f"kwb_{gemeente_code}_{niveau}_{year}_{table_id}.csv.gz"


def fetch_kwb(gemeente_code: str, years: Iterable[int] | None = None, *, niveau: str = "wijk",
              out_dir=None, refresh: bool = False, tables: dict[int, str] | None = None,
              http: Http | None = None, base: str = ODATA_BASE,
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
        Default :func:`fetched_dir`.
    refresh : bool
        Fetch again even when the year's file exists (``--vernieuw``).
    tables : dict, optional
        Extra or replacement table ids per year (``{2025: "86165NED"}``).
    http : Http, optional
        The client (tests pass one with a recorded transport).

    Returns
    -------
    FetchResult
        Files written and skipped, and warnings (years without the gemeente, boundary
        changes).
    """
    if not _GEMEENTE.match(str(gemeente_code)):
        raise CaseError(f"--gemeente: '{gemeente_code}' is geen CBS-gemeentecode (GM + 4 "
                        "cijfers, bijv. GM0114)")
    if niveau not in ("wijk", "buurt"):
        raise CaseError(f"--niveau: '{niveau}' moet wijk of buurt zijn")
    catalogue = {y: t.table_id for y, t in CATALOGUE.items()}
    for y, t in (tables or {}).items():
        if not _TABLE_ID.match(str(t)):
            raise CaseError(f"--tabel: '{t}' is geen CBS-tabelcode (5 cijfers + 3 letters, "
                            "bijv. 85984NED)")
        catalogue[int(y)] = str(t)
    years = sorted(set(years) if years is not None else set(catalogue))
    unknown = [y for y in years if y not in catalogue]
    if unknown and not [y for y in years if y in catalogue]:
        raise CaseError(f"--jaren: voor {', '.join(map(str, unknown))} kent mkba geen "
                        f"KWB-tabel (wel voor {min(catalogue)}–{max(catalogue)}); geef er een "
                        "op met --tabel JAAR=CODE")
    out = Path(out_dir) if out_dir is not None else fetched_dir()
    result = FetchResult()
    for y in unknown:
        result.warnings.append(f"{y}: geen KWB-tabel bekend; overgeslagen (geef er een op met "
                               "--tabel JAAR=CODE)")
    own = http is None
    http = http or Http()
    say = progress or (lambda _m: None)
    try:
        for year in [y for y in years if y in catalogue]:
            table_id = catalogue[year]
            path = out / _file_name(gemeente_code, niveau, year, table_id)
            if path.exists() and not refresh:
                result.skipped.append(path)
                continue
            say(f"{year}: tabel {table_id} ophalen …")
            stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            props, rows, names, query = _table_parts(http, table_id, gemeente_code, niveau,
                                                     base)
            if not rows:
                result.warnings.append(f"{year}: tabel {table_id} heeft geen cijfers voor "
                                       f"{gemeente_code} (bestond de gemeente toen nog niet, "
                                       "of onder een andere code?); niets geschreven")
                continue
            long = harmonise(rows, props, names, year=year, table_id=table_id, query=query,
                             downloaded_at=stamp)
            bad = sorted(set(long["region_code"]) - {c for c in long["region_code"]
                                                      if c[2:6] == gemeente_code[2:]})
            if bad:
                raise FetchError(f"tabel {table_id}: het CBS gaf regio's buiten "
                                 f"{gemeente_code} terug ({', '.join(bad[:3])}); niets "
                                 "geschreven")
            write_atomically(out / "meta" / f"DataProperties_{table_id}.json",
                          lambda p, props=props: p.write_text(
                              json.dumps(props, ensure_ascii=False, indent=1),
                              encoding="utf-8"))
            write_atomically(path, lambda p, long=long: long.to_csv(p, index=False,
                                                                 compression="gzip"))
            result.written.append(path)
    finally:
        if own:
            http.close()
    fetched = read_fetched(out, gemeente_code)
    if len(fetched):
        changes = boundary_changes(fetched, gemeente_code, "Buurt" if niveau == "buurt"
                                   else "Wijk")
        result.warnings += describe_changes(changes)
    return result


def read_fetched(folder=None, gemeente_code: str | None = None) -> pd.DataFrame:
    """Every fetched file in ``folder`` (default :func:`fetched_dir`), one long table."""
    folder = Path(folder) if folder is not None else fetched_dir()
    pattern = f"kwb_{gemeente_code}_*.csv*" if gemeente_code else "kwb_*.csv*"
    files = sorted(folder.glob(pattern)) if folder.is_dir() else []
    if not files:
        return pd.DataFrame(columns=FETCHED_COLUMNS)
    types = {"region_code": str, "indelingswijziging": str, "region_name": str,
             "gemeente_code": str}
    parts = [pd.read_csv(f, compression="gzip" if f.suffix == ".gz" else None, dtype=types)
             for f in files]
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------------ boundary changes


def boundary_changes(kwb: pd.DataFrame, gemeente_code: str,
                     region_type: str = "Wijk") -> pd.DataFrame:
    """Codes that appear or vanish between consecutive years, and CBS's own change flags.

    Returns one row per change: ``year_from``, ``year_to``, ``region_code``, ``change``
    (``verdwenen``, ``nieuw``, ``code gewijzigd`` (CBS 2) or ``grens gewijzigd`` (CBS 3)).

    Examples
    --------
    >>> from mkba.evidence.cbs import load_kwb
    >>> ch = boundary_changes(load_kwb(), "GM0363")   # Amsterdam renumbered in 2022
    >>> ch.groupby(["year_from", "year_to", "change"]).size().to_dict()
    {(2021, 2023, 'nieuw'): 110, (2021, 2023, 'verdwenen'): 99}
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
    if "indelingswijziging" in sub:
        flags = sub.dropna(subset=["indelingswijziging"]).drop_duplicates(
            ["region_code", "year"])
        for rec in flags.itertuples(index=False):
            flag = str(rec.indelingswijziging).strip()
            if flag in ("2", "3"):
                earlier = [y for y in years if y < rec.year]
                rows.append((earlier[-1] if earlier else None, int(rec.year), rec.region_code,
                             "code gewijzigd" if flag == "2" else "grens gewijzigd"))
    return pd.DataFrame(rows, columns=["year_from", "year_to", "region_code", "change"])


def describe_changes(changes: pd.DataFrame, limit: int = 5) -> list[str]:
    """Dutch warnings for :func:`boundary_changes`."""
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
    """Read a user's mapping table ``oud_code;nieuw_code;gewicht`` (CSV, ``;`` or ``,``).

    ``gewicht`` is the share of the old area that goes to the new one (0 < w ≤ 1; decimal
    comma allowed); the weights of one old code add up to 1. Every problem is reported with
    file, row and column.
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
    code = re.compile(r"^(WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$")
    for i, line in enumerate(lines[1:], start=2):
        cells = [c.strip() for c in line.split(sep)]
        rec = dict(zip(header, cells, strict=False))
        for col in ("oud_code", "nieuw_code"):
            if not code.match(rec.get(col, "")):
                problems.append(Problem(name, i, col, f"'{rec.get(col, '')}' is geen wijk- of "
                                                      "buurtcode (WK…/BU…)"))
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
    """
    from mkba.evidence.indicators import is_count

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
    """Apply a user's mapping table to the gemeente's figures (fetched and shipped) and write
    the converted series to ``kwb_<GM>_omgezet.csv`` in ``out_dir`` (atomically)."""
    from mkba.evidence.cbs import load_kwb

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
    write_atomically(target, lambda p: rows[FETCHED_COLUMNS].to_csv(p, index=False,
                                                                 compression="gzip"))
    return target
