"""``mkba cbs ophalen --kaart``: the wijk or buurt boundaries of one gemeente from PDOK.

Source: the CBS "Wijk- en buurtkaart" as PDOK publishes it, an OGC API Features service
``<MKBA_PDOK_URL>/cbs/wijken-en-buurten-<jaar>/ogc/v1/collections/<wijken|buurten>/items``
(listed on pdok.nl, "(OGC) API's — CBS Wijken en Buurten"), filtered on ``gemeentecode`` and
asked for in RD New (``crs=http://www.opengis.net/def/crs/EPSG/0/28992``), pages followed via
the ``next`` link (within the PDOK host only, :mod:`mkba.sources.http`).

Checks before anything is written: the answer's ``Content-Crs`` header and the coordinates must
agree (RD New, or longitude/latitude, which is then stored as CRS84 and drawn as such — never
labelled RD New); every feature has a valid code of the level asked for, in the gemeente asked
for; a feature without one stops the download. The result is GeoJSON with a ``crs`` member and
a provenance member ``mkba`` (source, licence, query, time), written atomically.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from mkba.base.assumptions import fetched_dir
from mkba.base.errors import CaseError, FetchError
from mkba.base.files import atomic_write
from mkba.base.regions import region_level, region_problem
from mkba.evidence.geo import ATTRIBUTION, CRS84, LICENCE, RD_NEW, coordinate_crs
from mkba.sources.http import Deadline, Http, checked_base, pdok_url

__all__ = ["fetch_map", "PDOK_PATH", "PDOK_YEARS", "PAGE_SIZE", "crs_of_header"]

PDOK_PATH = "/cbs/wijken-en-buurten-{year}/ogc/v1/collections/{coll}/items"
#: Years for which pdok.nl documents a "CBS Wijken en Buurten <jaar>" OGC API.
PDOK_YEARS = (2023, 2024, 2025)
#: Features per page (a page of buurten with their statistics stays well under the size cap).
PAGE_SIZE = 100
_RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
_CRS_NAME = {RD_NEW: "urn:ogc:def:crs:EPSG::28992", CRS84: "urn:ogc:def:crs:OGC:1.3:CRS84"}


def crs_of_header(value: str | None) -> str | None:
    """The CRS a ``Content-Crs`` header names (``None`` when absent).

    Parameters
    ----------
    value : str or None
        The header's value.

    Returns
    -------
    str or None
        ``AUTHORITY:CODE``, or None.

    Examples
    --------
    >>> crs_of_header("<http://www.opengis.net/def/crs/EPSG/0/28992>")
    'EPSG:28992'
    >>> crs_of_header("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"), crs_of_header(None)
    ('OGC:CRS84', None)
    >>> crs_of_header("<http://www.opengis.net/def/crs/EPSG/0/3857>")
    'EPSG:3857'
    """
    if not value:
        return None
    uri = value.strip().strip("<>").rstrip("/")
    if uri.upper().endswith("CRS84"):
        return CRS84
    tail = uri.rsplit("/", 1)[-1]
    return f"EPSG:{tail}" if tail.isdigit() else uri[:80]


def _map_year(years) -> int:
    if not years:
        return 2024
    fitting = [y for y in PDOK_YEARS if y <= max(years)]
    if not fitting:
        raise CaseError(f"--kaart: PDOK heeft wijk- en buurtkaarten voor "
                        f"{', '.join(map(str, PDOK_YEARS))}; kies jaren tot en met een daarvan")
    return max(fitting)


def _coordinates(features: list) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []

    def walk(node):
        if isinstance(node, list) and len(node) >= 2 and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in node[:2]):
            xs.append(float(node[0]))
            ys.append(float(node[1]))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for f in features:
        geom = f.get("geometry") if isinstance(f, dict) else None
        if isinstance(geom, dict):
            walk(geom.get("coordinates"))
    return xs, ys


def _kept(features: list, gemeente_code: str, niveau: str, what: str) -> list[dict]:
    key = "buurtcode" if niveau == "buurt" else "wijkcode"
    kept = []
    for i, f in enumerate(features, start=1):
        props = f.get("properties") if isinstance(f, dict) else None
        props = props if isinstance(props, dict) else {}
        raw = props.get(key) or props.get("statcode")
        code = raw.strip() if isinstance(raw, str) else raw
        problem = region_problem(code, gemeente_code, (niveau,))
        if problem:
            raise FetchError(f"{what}: vlak {i}: {problem}; er is niets geschreven")
        geom = f.get("geometry")
        if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
            raise FetchError(f"{what}: {code} heeft geen vlak als geometrie; er is niets "
                             "geschreven")
        name = props.get(f"{niveau}naam") or props.get("statnaam")
        kept.append({"type": "Feature", "geometry": geom,
                     "properties": {"region_code": code,
                                    "region_name": name.strip()[:200]
                                    if isinstance(name, str) else None,
                                    "gemeente_code": gemeente_code}})
    return kept


def fetch_map(gemeente_code: str, *, niveau: str = "wijk", out_dir=None, years=None,
              refresh: bool = False, http: Http | None = None, base: str | None = None) -> Path:
    """Fetch the wijk (or buurt) boundaries of one gemeente from PDOK into ``out_dir``.

    Written atomically as ``kaart_<GM>_<niveau>_<jaar>.geojson`` with its CRS and provenance;
    an existing file is kept unless ``refresh``.

    Parameters
    ----------
    gemeente_code : str
        ``GM`` + 4 digits.
    niveau : {"wijk", "buurt"}
    out_dir : path, optional
        Default :func:`mkba.base.assumptions.fetched_dir`.
    years : list of int, optional
        The map is of the latest PDOK year not after the last of these (default 2024).
    refresh : bool
        Fetch again when the file exists.
    http : Http, optional
        The client (tests pass one with a recorded transport).
    base : str, optional
        PDOK's base URL; default ``MKBA_PDOK_URL`` or :data:`mkba.sources.http.PDOK_URL`.

    Returns
    -------
    Path
        The GeoJSON file.

    Examples
    --------
    >>> fetch_map("GM0114", niveau="straat")
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: invoer: --niveau: 'straat' moet wijk of buurt zijn
    """
    if niveau not in ("wijk", "buurt"):
        raise CaseError(f"--niveau: '{str(niveau)[:20]}' moet wijk of buurt zijn")
    if region_level(gemeente_code) != "gemeente":
        raise CaseError(f"--gemeente: '{str(gemeente_code)[:20]}' is geen CBS-gemeentecode")
    out = Path(out_dir) if out_dir is not None else fetched_dir()
    year = _map_year(years)
    path = out / f"kaart_{gemeente_code}_{niveau}_{year}.geojson"
    if path.exists() and not refresh:
        return path
    coll = "buurten" if niveau == "buurt" else "wijken"
    base = pdok_url() if base is None else checked_base(base, "base")
    url = base + PDOK_PATH.format(year=year, coll=coll)
    params = {"f": "json", "gemeentecode": gemeente_code, "limit": PAGE_SIZE, "crs": _RD_URI}
    what = f"PDOK {coll} {year} van {gemeente_code}"
    own = http is None
    http = http or Http()
    http.allow(base)
    headers: list[str | None] = []

    def next_link(data: dict) -> str | None:
        headers.append(http.last_headers.get("content-crs"))
        links = data.get("links") if isinstance(data.get("links"), list) else []
        return next((ln.get("href") for ln in links
                     if isinstance(ln, dict) and ln.get("rel") == "next"), None)

    try:
        first_query = http.url_of(url, params)
        features = http.get_all(url, params, what=what, items="features", next_link=next_link,
                                deadline=Deadline(what=what))
    finally:
        if own:
            http.close()
    kept = _kept(features, gemeente_code, niveau, what)
    if not kept:
        raise FetchError(f"PDOK gaf geen {coll} voor {gemeente_code} ({year}); niets geschreven")
    crs = _checked_crs(headers, *_coordinates(kept), what)
    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": _CRS_NAME[crs]}},
           "mkba": {"bron": f"CBS Wijk- en buurtkaart {year} via PDOK", "licentie": LICENCE,
                    "bronvermelding": ATTRIBUTION.format(year=year), "url": first_query,
                    "opgehaald": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
           "features": kept}
    atomic_write(path, json.dumps(doc, ensure_ascii=False))
    return path


def _checked_crs(headers: list[str | None], xs: list[float], ys: list[float], what: str) -> str:
    """The CRS of the answer: the ``Content-Crs`` of every page and the coordinates agree."""
    declared = {crs_of_header(h) for h in headers}
    found = coordinate_crs(xs, ys)
    if len(declared) > 1:
        raise FetchError(f"{what}: de pagina's noemen verschillende coördinatenstelsels "
                         f"({', '.join(sorted(str(d) for d in declared))}); er is niets "
                         "geschreven")
    said = declared.pop() if declared else None
    if said not in (None, RD_NEW, CRS84):
        raise FetchError(f"{what}: PDOK antwoordde in {said}, niet in RD New (EPSG:28992) of "
                         "lengte-/breedtegraden; er is niets geschreven")
    if found is None:
        raise FetchError(f"{what}: de coördinaten liggen niet in Nederland in RD New of in "
                         "lengte-/breedtegraden; er is niets geschreven")
    if said is not None and said != found:
        raise FetchError(f"{what}: PDOK zegt {said} (Content-Crs), maar de coördinaten zijn "
                         f"{'lengte-/breedtegraden' if found == CRS84 else 'RD New'}; er is "
                         "niets geschreven")
    return found
