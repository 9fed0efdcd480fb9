"""Wijk and buurt boundaries: read a GeoJSON file (fetched from PDOK, shipped, or a gemeente's
own wijkindeling given with ``--kaart BESTAND.geojson``) into polygons per CBS code.

**Which code.** A feature of the CBS wijk- en buurtkaart carries several codes: a buurt has its
``buurtcode``, its ``wijkcode`` and its ``gemeentecode``. The feature is keyed by its *most
specific* valid code — buurt before wijk before gemeente — whatever order the properties have;
so a buurt map stays a buurt map. Property names read: ``region_code``, ``buurtcode``,
``wijkcode``, ``gemeentecode``, ``statcode`` (CBS gebiedsindelingen), ``BU_CODE``/``WK_CODE``/
``GM_CODE`` (the shapefiles), ``cbsCode`` and ``code``. A code property that holds something
that is not a CBS code (:mod:`mkba.base.regions`) is an error, not a reason to fall back to a
coarser code.

**Which coordinates.** RD New (EPSG:28992, metres) or longitude/latitude (OGC:CRS84, or
EPSG:4326 in GeoJSON's lon/lat order). The ``crs`` member, when present, must agree with the
coordinates (RD New lies within x −7 000…300 000, y 289 000…629 000; the Netherlands within
longitude 2,5…7,5 and latitude 50,5…55,9); without one the coordinates decide. Anything else —
another CRS, swapped longitude and latitude, Web Mercator metres — is refused with a Dutch
message, because a lon/lat map labelled RD New is drawn 1,6 times too wide.

Why no geopandas: a locator map and a choropleth only need polygons; see
:mod:`mkba.report.maps`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from mkba.base.assumptions import DATA_DIR, fetched_dir
from mkba.base.errors import CaseError, Problem
from mkba.base.regions import region_level

__all__ = ["Boundaries", "read_boundaries", "find_map", "coordinate_crs", "RD_NEW", "CRS84",
           "LICENCE", "ATTRIBUTION", "SHIPPED_GEO", "MAX_GEOJSON_MB", "CODE_KEYS"]

RD_NEW = "EPSG:28992"
CRS84 = "OGC:CRS84"
#: PDOK lists CBS's services under CC BY 4.0 (seen for CBS postcode4 on PDOK; not checked for
#: wijken-en-buurten itself). CBS's own conditions for the Wijk- en Buurtkaart (Toelichting
#: Wijk- en Buurtkaart 2020–2022, ch. 7): source always; on a map "Kadaster / Centraal Bureau
#: voor de Statistiek, <jaar>".
LICENCE = "CC BY 4.0 (PDOK, CBS-diensten)"
ATTRIBUTION = "Kadaster / Centraal Bureau voor de Statistiek, {year}"
SHIPPED_GEO = DATA_DIR / "cbs" / "geo"
#: Largest GeoJSON file read (MB); a gemeente's buurten with full detail are a few MB.
MAX_GEOJSON_MB = 64
#: Properties that must hold a CBS code when present (checked), then ones used only when they do.
CODE_KEYS = ("region_code", "buurtcode", "wijkcode", "gemeentecode", "statcode", "BU_CODE",
             "WK_CODE", "GM_CODE", "bu_code", "wk_code", "gm_code")
_LOOSE_CODE_KEYS = ("cbsCode", "code", "CODE")
_NAME_KEYS = {"buurt": ("buurtnaam", "BU_NAAM", "bu_naam"),
              "wijk": ("wijknaam", "WK_NAAM", "wk_naam"),
              "gemeente": ("gemeentenaam", "GM_NAAM", "gm_naam")}
_GENERIC_NAMES = ("region_name", "statnaam", "naam", "Naam", "name", "NAAM")
_RANK = {"gemeente": 1, "wijk": 2, "buurt": 3}
#: Where coordinates of the Netherlands can lie.
_RD_BOX = (-7000.0, 300000.0, 289000.0, 629000.0)
_DEG_BOX = (2.5, 7.5, 50.5, 55.9)


@dataclass
class Boundaries:
    """Polygons per region code. ``rings[code]`` is a list of polygons, each a list of rings
    (the first the outline, the others holes), each a list of (x, y).

    Parameters
    ----------
    rings : dict of str to list, optional
        Polygons per region code.
    names : dict of str to str, optional
        Region code to name.
    crs : str, default "EPSG:28992"
        The coordinate reference system.
    crs_inferred : bool, default False
        The CRS was inferred from the coordinates (the file did not say).
    source : str, optional
        Where the map comes from.
    path : str, optional
        The file it was read from.

    Examples
    --------
    >>> b = Boundaries(rings={"WK011401": [[[(0, 0), (1, 0), (1, 1)]]]}, names={})
    >>> b.codes(), b.level()
    (['WK011401'], 'wijk')
    """

    rings: dict[str, list] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    crs: str = RD_NEW
    crs_inferred: bool = False
    source: str = ""
    path: str = ""

    def codes(self) -> list[str]:
        return sorted(self.rings)

    def level(self) -> str | None:
        """``"buurt"``, ``"wijk"`` or ``"gemeente"`` when every region is of that level."""
        levels = {region_level(c) for c in self.rings}
        return levels.pop() if len(levels) == 1 else None

    def subset(self, gemeente_code: str) -> Boundaries:
        """Only the regions of one gemeente (a map of the whole country drawn for one wijk)."""
        keep = {c: r for c, r in self.rings.items() if c[2:6] == gemeente_code[2:6]}
        return Boundaries(keep, {c: n for c, n in self.names.items() if c in keep}, self.crs,
                          self.crs_inferred, self.source, self.path)


def coordinate_crs(xs, ys) -> str | None:
    """:data:`RD_NEW` or :data:`CRS84` when all coordinates lie where that system puts the
    Netherlands, else ``None``.

    Parameters
    ----------
    xs, ys : sequence of float
        The coordinates.

    Returns
    -------
    str or None
        The CRS, or None.

    Examples
    --------
    >>> coordinate_crs([121536.0, 125000.0], [488898.0, 490000.0])
    'EPSG:28992'
    >>> coordinate_crs([6.85, 6.88], [53.29, 53.35]), coordinate_crs([53.3], [6.8])
    ('OGC:CRS84', None)
    """
    if not xs:
        return None
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    for crs, (bx0, bx1, by0, by1) in ((RD_NEW, _RD_BOX), (CRS84, _DEG_BOX)):
        if bx0 <= x0 and x1 <= bx1 and by0 <= y0 and y1 <= by1:
            return crs
    return None


def _declared_crs(member) -> str | None:
    if member is None:
        return None
    if not isinstance(member, dict):
        return "?"
    name = str((member.get("properties") or {}).get("name", ""))
    if "CRS84" in name.upper():
        return CRS84
    m = re.search(r"EPSG:{1,2}(?:[\d.]*:)?(\d+)$", name) or re.search(r"/EPSG/\d+/(\d+)$", name)
    if not m:
        return f"'{name[:60]}'"
    return CRS84 if m.group(1) == "4326" else f"EPSG:{m.group(1)}"


def _crs_problem(name: str, declared: str | None, xs, ys) -> tuple[str, str | None]:
    """(crs, problem) for the declared CRS and the coordinates."""
    found = coordinate_crs(xs, ys)
    box = (f"{min(xs):.6g}–{max(xs):.6g}, {min(ys):.6g}–{max(ys):.6g}") if xs else "geen"
    if declared is None:
        if found is None:
            swapped = coordinate_crs(ys, xs) == CRS84
            why = (" (lengte- en breedtegraad lijken verwisseld)" if swapped else
                   " (misschien Web Mercator, EPSG:3857?)" if xs and max(xs) > 1e6 else "")
            return RD_NEW, (f"onbekend coördinatenstelsel: geen 'crs' in het bestand en de "
                            f"coördinaten ({box}) passen niet bij RD New (EPSG:28992) of "
                            f"lengte-/breedtegraden in Nederland{why}")
        return found, None
    if declared not in (RD_NEW, CRS84):
        return declared, f"coördinatenstelsel {declared} wordt niet ondersteund (RD New of CRS84)"
    if found != declared:
        return declared, (f"het bestand zegt {declared}, maar de coördinaten ({box}) passen daar "
                          "niet bij; de kaart zou vertekend of op de verkeerde plek staan")
    return declared, None


def _feature_code(props: dict) -> tuple[str | None, str | None]:
    """(most specific valid code, problem)."""
    best, problem = None, None
    for key in CODE_KEYS:
        value = props.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        code = str(value).strip()
        level = region_level(code)
        if level is None:
            problem = f"{key} {code[:40]!r} is geen CBS-code"
            continue
        if best is None or _RANK[level] > _RANK[region_level(best)]:
            best = code
    if best is None and problem is None:
        for key in _LOOSE_CODE_KEYS:
            code = str(props.get(key) or "").strip()
            if region_level(code):
                best = code
                break
    return best, problem


def _feature_name(props: dict, code: str) -> str | None:
    keys = (*_NAME_KEYS[region_level(code)], *_GENERIC_NAMES)
    value = next((props[k] for k in keys if isinstance(props.get(k), str) and props[k].strip()),
                 None)
    return value.strip()[:200] if value else None


def _rings(geom: dict) -> list | None:
    kind = geom.get("type")
    coords = geom.get("coordinates")
    polys = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else None
    if not isinstance(polys, list):
        return None
    out = []
    for poly in polys:
        if not isinstance(poly, list):
            return None
        rings = []
        for ring in poly:
            if not isinstance(ring, list):
                return None
            points = []
            for p in ring:
                if (not isinstance(p, list) or len(p) < 2
                        or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                   and math.isfinite(v) for v in p[:2])):
                    return None
                points.append((float(p[0]), float(p[1])))
            rings.append(points)
        out.append(rings)
    return out


def _reject_constant(name: str):
    raise ValueError(f"{name} is geen getal")


def read_boundaries(path) -> Boundaries:
    """Read a GeoJSON FeatureCollection of wijken or buurten (see the module docstring for
    which code and which coordinates).

    Every problem is reported with the file and the feature (``features[3]``); nothing is
    skipped silently.

    Parameters
    ----------
    path : str or pathlib.Path
        The GeoJSON file.

    Returns
    -------
    Boundaries
        The polygons per region code.

    Examples
    --------
    >>> name = "amsterdam_wijken_2022plus_partial20_dataamsterdam_api.geojson"
    >>> b = read_boundaries(SHIPPED_GEO / name)
    >>> b.crs, b.crs_inferred, len(b.rings), "WK0363AA" in b.rings
    ('EPSG:28992', True, 20, True)
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_GEOJSON_MB * 2**20:
            raise CaseError([Problem(path.name, None, None,
                                     f"het bestand is {size / 2**20:.0f} MB; mkba leest "
                                     f"kaarten tot {MAX_GEOJSON_MB} MB (knip de gemeente eruit)")])
        data = json.loads(path.read_bytes(), parse_constant=_reject_constant)
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as err:
        why = (f"fout bij teken {err.pos}" if isinstance(err, json.JSONDecodeError)
               else "niet te openen" if isinstance(err, OSError) else "geen geldige JSON")
        raise CaseError([Problem(path.name, None, None,
                                 f"geen leesbaar GeoJSON ({why})")]) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise CaseError([Problem(path.name, None, None, "geen GeoJSON FeatureCollection")])
    out = Boundaries(path=str(path))
    meta = data.get("mkba") if isinstance(data.get("mkba"), dict) else {}
    out.source = str(meta.get("bron", ""))[:300]
    xs: list[float] = []
    ys: list[float] = []
    problems = []
    features = data.get("features")
    if not isinstance(features, list):
        raise CaseError([Problem(path.name, None, "features", "geen lijst met vlakken")])
    for i, feat in enumerate(features, start=1):
        where = f"features[{i}]"
        feat = feat if isinstance(feat, dict) else {}
        props = feat.get("properties") if isinstance(feat.get("properties"), dict) else {}
        code, problem = _feature_code(props)
        if problem or code is None:
            problems.append(Problem(path.name, None, where, problem or
                                    "geen CBS-code (buurtcode/wijkcode/statcode/cbsCode) gevonden"))
            continue
        geom = feat.get("geometry") if isinstance(feat.get("geometry"), dict) else {}
        polys = _rings(geom)
        if polys is None:
            problems.append(Problem(path.name, None, where,
                                    f"{code}: geometrie '{str(geom.get('type'))[:20]}' is geen "
                                    "vlak met getallen"))
            continue
        for rings in polys:
            for ring in rings:
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
        out.rings.setdefault(code, []).extend(polys)
        name = _feature_name(props, code)
        if name and code not in out.names:
            out.names[code] = name
    if problems:
        raise CaseError(problems)
    if not out.rings:
        raise CaseError([Problem(path.name, None, None, "geen vlakken in het bestand")])
    declared = _declared_crs(data.get("crs"))
    out.crs, problem = _crs_problem(path.name, declared, xs, ys)
    out.crs_inferred = declared is None
    if problem:
        raise CaseError([Problem(path.name, None, "crs", problem)])
    return out


def find_map(gemeente_code: str, niveau: str = "wijk", map_file=None,
             code: str | None = None) -> Path | None:
    """The boundary file to draw: ``map_file`` when given (``--kaart BESTAND.geojson``), else
    the newest fetched one (``kaart_<GM>_<niveau>_<jaar>.geojson``), else a shipped file in
    ``data/cbs/geo`` that holds codes of that gemeente.

    With ``code``, the newest such file that holds that region: a gemeente's maps of different
    years carry different codes (Amsterdam renumbered its wijken in 2022), and a map without
    the wijk is no map of it.

    Parameters
    ----------
    gemeente_code : str
        The gemeente.
    niveau : str, default "wijk"
        ``wijk`` or ``buurt``.
    map_file : str or pathlib.Path, optional
        A file the user named.
    code : str, optional
        A region the map must hold.

    Returns
    -------
    pathlib.Path or None
        The file, or None when there is none.

    Examples
    --------
    >>> find_map("GM0363", map_file="eigen_wijken.geojson").name
    'eigen_wijken.geojson'
    >>> find_map("GM0363", code="WK036339").name
    'amsterdam_wijken_2019_cbs_gegeneraliseerd.geojson'
    >>> find_map("GM0363", code="WK0363AA").name
    'amsterdam_wijken_2022plus_partial20_dataamsterdam_api.geojson'
    """
    if map_file:
        return Path(map_file)
    folder = fetched_dir()
    fetched = sorted(folder.glob(f"kaart_{gemeente_code}_{niveau}_*.geojson"),
                     reverse=True) if folder.is_dir() else []
    prefix = ("WK" if niveau == "wijk" else "BU") + gemeente_code[2:]
    # shipped maps newest first (by name: amsterdam_wijken_2022plus before …_2019)
    shipped = [f for f in (sorted(SHIPPED_GEO.glob("*.geojson"), reverse=True)
                           if SHIPPED_GEO.is_dir() else [])
               if prefix in f.read_text(encoding="utf-8")[:200000]]
    if code is None:
        return (fetched + shipped or [None])[0]
    for f in fetched + shipped:
        if f'"{code}"' in f.read_text(encoding="utf-8"):
            return f
    return None
