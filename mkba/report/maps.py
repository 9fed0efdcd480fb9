"""Wijk and buurt boundaries: fetch them from PDOK, read GeoJSON, draw locator maps and choropleths.

Source: the CBS "Wijk- en buurtkaart" as published by PDOK as an OGC API Features service,
``https://api.pdok.nl/cbs/wijken-en-buurten-<jaar>/ogc/v1/collections/<wijken|buurten>/items``
(listed on pdok.nl, "(OGC) API's — CBS Wijken en Buurten"), filtered on ``gemeentecode`` and
asked for in RD New (``crs=http://www.opengis.net/def/crs/EPSG/0/28992``), pages followed via
the ``next`` link. We store the result as GeoJSON with a ``crs`` member (EPSG:28992) and a
provenance member ``mkba`` (source, licence, query, time).

Why no geopandas: a locator map and a choropleth only need to read polygons and fill them.
Boundaries come in RD New, a metric projection, so no reprojection is needed; plain JSON plus
matplotlib (already a dependency) draws them. geopandas would add shapely, pyproj and pyogrio
(tens of MB of wheels with GDAL/PROJ) to every install and about a second of imports to
whatever imports it. Nothing here is imported by a batch worker unless a map is drawn.

A file without a ``crs`` member (like ``data/cbs/geo``'s Amsterdam file) is read as RD New when
its coordinates lie in the RD New area and as longitude/latitude (CRS84) when they are degrees;
anything else is refused with a Dutch message.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from mkba.base.assumptions import DATA_DIR, SMALL_NUMBER_THRESHOLD
from mkba.base.errors import CaseError, Problem

__all__ = ["Boundaries", "read_boundaries", "fetch_map", "find_map", "plot_locator",
           "plot_choropleth", "locator_section", "choropleth", "PDOK_URL", "PDOK_YEARS"]

PDOK_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1/collections/{coll}/items"
#: Years for which pdok.nl documents a "CBS Wijken en Buurten <jaar>" OGC API.
PDOK_YEARS = (2023, 2024, 2025)
RD_NEW = "EPSG:28992"
CRS84 = "OGC:CRS84"
_RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
_CODE = re.compile(r"^(GM\d{4}|WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$")
_CODE_KEYS = ("region_code", "wijkcode", "buurtcode", "statcode", "cbsCode", "code")
_NAME_KEYS = ("region_name", "wijknaam", "buurtnaam", "statnaam", "naam", "name")
#: PDOK lists CBS's services under CC BY 4.0 (seen for CBS postcode4 on PDOK; not checked for
#: wijken-en-buurten itself). CBS's own conditions for the Wijk- en Buurtkaart (Toelichting
#: Wijk- en Buurtkaart 2020–2022, ch. 7): source always; on a map "Kadaster / Centraal Bureau
#: voor de Statistiek, <jaar>".
LICENCE = "CC BY 4.0 (PDOK, CBS-diensten)"
ATTRIBUTION = "Kadaster / Centraal Bureau voor de Statistiek, {year}"
SHIPPED_GEO = DATA_DIR / "cbs" / "geo"


@dataclass
class Boundaries:
    """Polygons per region code. ``rings[code]`` is a list of polygons, each a list of rings
    (the first the outline, the others holes), each a list of (x, y)."""

    rings: dict[str, list] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    crs: str = RD_NEW
    crs_inferred: bool = False
    source: str = ""
    path: str = ""

    def codes(self) -> list[str]:
        return sorted(self.rings)


def _crs_of(member) -> str | None:
    if not isinstance(member, dict):
        return None
    name = str((member.get("properties") or {}).get("name", ""))
    if "CRS84" in name.upper():
        return CRS84
    m = re.search(r"EPSG:{1,2}(?:[\d.]*:)?(\d+)$", name)
    return f"EPSG:{m.group(1)}" if m else None


def _infer_crs(xs, ys, name: str) -> str:
    if not xs:
        raise CaseError([Problem(name, None, None, "geen coördinaten in het bestand")])
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if -7000 <= x0 and x1 <= 300000 and 289000 <= y0 and y1 <= 629000:
        return RD_NEW
    if -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90:
        return CRS84
    raise CaseError([Problem(name, None, None,
                             "onbekend coördinatenstelsel: geen 'crs' in het bestand en de "
                             f"coördinaten ({x0:.0f}–{x1:.0f}, {y0:.0f}–{y1:.0f}) passen niet "
                             "bij RD New (EPSG:28992) of lengte-/breedtegraden")])


def read_boundaries(path) -> Boundaries:
    """Read a GeoJSON FeatureCollection of wijken or buurten.

    The region code is taken from the first property of ``region_code``, ``wijkcode``,
    ``buurtcode``, ``statcode``, ``cbsCode`` or ``code`` that holds a CBS code.

    Examples
    --------
    >>> name = "amsterdam_wijken_2022plus_partial20_dataamsterdam_api.geojson"
    >>> b = read_boundaries(SHIPPED_GEO / name)
    >>> b.crs, b.crs_inferred, len(b.rings), "WK0363AA" in b.rings
    ('EPSG:28992', True, 20, True)
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise CaseError([Problem(path.name, None, None, f"geen leesbaar GeoJSON ({err})")]) \
            from err
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise CaseError([Problem(path.name, None, None, "geen GeoJSON FeatureCollection")])
    out = Boundaries(path=str(path))
    meta = data.get("mkba") or {}
    out.source = str(meta.get("bron", ""))
    xs, ys, problems = [], [], []
    for i, feat in enumerate(data.get("features") or [], start=1):
        props = feat.get("properties") or {}
        code = next((str(props[k]).strip() for k in _CODE_KEYS
                     if k in props and _CODE.match(str(props[k]).strip())), None)
        geom = feat.get("geometry") or {}
        if code is None:
            problems.append(Problem(path.name, None, f"features[{i}]",
                                    "geen CBS-code (wijkcode/buurtcode/cbsCode) gevonden"))
            continue
        if geom.get("type") == "Polygon":
            polys = [geom["coordinates"]]
        elif geom.get("type") == "MultiPolygon":
            polys = geom["coordinates"]
        else:
            problems.append(Problem(path.name, None, f"features[{i}]",
                                    f"{code}: geometrie '{geom.get('type')}' is geen vlak"))
            continue
        clean = []
        for poly in polys:
            rings = [[(float(p[0]), float(p[1])) for p in ring] for ring in poly]
            for ring in rings:
                xs += [p[0] for p in ring]
                ys += [p[1] for p in ring]
            clean.append(rings)
        out.rings.setdefault(code, []).extend(clean)
        name = next((str(props[k]) for k in _NAME_KEYS if props.get(k)), None)
        if name:
            out.names[code] = name
    if problems:
        raise CaseError(problems)
    crs = _crs_of(data.get("crs"))
    if crs is None:
        out.crs, out.crs_inferred = _infer_crs(xs, ys, path.name), True
    else:
        out.crs = crs
    if out.crs not in (RD_NEW, CRS84):
        raise CaseError([Problem(path.name, None, "crs",
                                 f"{out.crs} wordt niet ondersteund (RD New of CRS84)")])
    return out


# ---------------------------------------------------------------------------------- fetch


def _map_year(years) -> int:
    if not years:
        return 2024
    fitting = [y for y in PDOK_YEARS if y <= max(years)]
    if not fitting:
        raise CaseError(f"--kaart: PDOK heeft wijk- en buurtkaarten voor "
                        f"{', '.join(map(str, PDOK_YEARS))}; kies jaren tot en met een daarvan")
    return max(fitting)


def fetch_map(gemeente_code: str, *, niveau: str = "wijk", out_dir=None, years=None,
              refresh: bool = False, http=None) -> Path:
    """Fetch the wijk (or buurt) boundaries of one gemeente from PDOK into ``out_dir``.

    Written atomically as ``kaart_<GM>_<niveau>_<jaar>.geojson`` with its CRS (RD New) and
    provenance; an existing file is kept unless ``refresh``.
    """
    from mkba.base.files import write_atomically
    from mkba.evidence.cbs_fetch import FetchError, Http, fetched_dir

    out = Path(out_dir) if out_dir is not None else fetched_dir()
    year = _map_year(years)
    path = out / f"kaart_{gemeente_code}_{niveau}_{year}.geojson"
    if path.exists() and not refresh:
        return path
    coll = "buurten" if niveau == "buurt" else "wijken"
    url = PDOK_URL.format(year=year, coll=coll)
    params = {"f": "json", "gemeentecode": gemeente_code, "limit": 1000, "crs": _RD_URI}
    own = http is None
    http = http or Http()
    features, page, query = [], url, params
    first_query = str(http.client.build_request("GET", url, params=params).url)
    try:
        while page:
            data = http.get_json(page, query, what=f"PDOK {coll} {year} van {gemeente_code}")
            if not isinstance(data.get("features"), list):
                raise FetchError(f"onvolledige download van PDOK ({coll} {year}): het antwoord "
                                 "mist 'features'; er is niets geschreven")
            features += data["features"]
            page = next((ln.get("href") for ln in data.get("links") or []
                         if ln.get("rel") == "next"), None)
            query = None
    finally:
        if own:
            http.close()
    key = "buurtcode" if niveau == "buurt" else "wijkcode"
    kept = []
    for f in features:
        props = f.get("properties") or {}
        code = str(props.get(key) or props.get("statcode") or "").strip()
        if not _CODE.match(code) or code[2:6] != gemeente_code[2:]:
            continue
        kept.append({"type": "Feature", "geometry": f.get("geometry"),
                     "properties": {"region_code": code,
                                    "region_name": props.get(f"{niveau}naam")
                                    or props.get("statnaam"),
                                    "gemeente_code": gemeente_code}})
    if not kept:
        raise FetchError(f"PDOK gaf geen {coll} voor {gemeente_code} ({year}); niets geschreven")
    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
           "mkba": {"bron": f"CBS Wijk- en buurtkaart {year} via PDOK", "licentie": LICENCE,
                    "bronvermelding": ATTRIBUTION.format(year=year),
                    "url": first_query,
                    "opgehaald": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
           "features": kept}
    write_atomically(path, lambda p: p.write_text(json.dumps(doc, ensure_ascii=False),
                                               encoding="utf-8"))
    return path


def find_map(gemeente_code: str, niveau: str = "wijk", code: str | None = None) -> Path | None:
    """The newest boundary file for the gemeente: fetched (``kaart_<GM>_<niveau>_<jaar>``),
    else a shipped file in ``data/cbs/geo`` that holds codes of that gemeente.

    With ``code``, the newest such file that holds that region: a gemeente's maps of different
    years carry different codes (Amsterdam renumbered its wijken in 2022), and a map without
    the wijk is no map of it.

    Examples
    --------
    >>> find_map("GM0363", code="WK036339").name
    'amsterdam_wijken_2019_cbs_gegeneraliseerd.geojson'
    >>> find_map("GM0363", code="WK0363AA").name
    'amsterdam_wijken_2022plus_partial20_dataamsterdam_api.geojson'
    >>> find_map("GM0363", code="WK036399") is None
    True
    """
    from mkba.evidence.cbs_fetch import fetched_dir

    folder = fetched_dir()
    files = sorted(folder.glob(f"kaart_{gemeente_code}_{niveau}_*.geojson"),
                   reverse=True) if folder.is_dir() else []
    prefix = ("WK" if niveau == "wijk" else "BU") + gemeente_code[2:]
    shipped = [f for f in (sorted(SHIPPED_GEO.glob("*.geojson"), reverse=True)
                           if SHIPPED_GEO.is_dir() else [])
               if prefix in f.read_text(encoding="utf-8")[:200000]]
    for f in files + shipped:
        if code is None or f'"{code}"' in f.read_text(encoding="utf-8"):
            return f
    return None


# ---------------------------------------------------------------------------------- draw


def _path(polys, scale_x: float):
    from matplotlib.path import Path as MPath

    verts, codes = [], []
    for rings in polys:
        for ring in rings:
            if len(ring) < 3:
                continue
            verts += [(x * scale_x, y) for x, y in ring] + [(ring[0][0] * scale_x, ring[0][1])]
            codes += [MPath.MOVETO] + [MPath.LINETO] * (len(ring) - 1) + [MPath.CLOSEPOLY]
    return MPath(verts, codes)


def _scale_x(b: Boundaries) -> float:
    if b.crs != CRS84:
        return 1.0
    import math

    ys = [y for polys in b.rings.values() for rings in polys for ring in rings for _, y in ring]
    return math.cos(math.radians(sum(ys) / len(ys)))


def _map_axes(ax, size=(4.5, 4.5)):
    from mkba.figures.plots import axes_for

    ax = axes_for(ax, figsize=size)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def plot_locator(b: Boundaries, code: str, ax=None):
    """A small map: all regions of the file in grey, ``code`` in the wijk colour."""
    from matplotlib.patches import PathPatch

    from mkba.figures.plots import COLORS

    ax = _map_axes(ax)
    sx = _scale_x(b)
    for c, polys in b.rings.items():
        mine = c == code
        ax.add_patch(PathPatch(_path(polys, sx), facecolor=COLORS["wijk"] if mine else "#d9dee3",
                               edgecolor="white", linewidth=0.6, zorder=2 if mine else 1))
    ax.autoscale_view()
    ax.set_title(f"Ligging van {b.names.get(code, code)}")
    return ax


def plot_choropleth(b: Boundaries, values: dict, label: str, ax=None, *, diverging=False,
                    euro=False):
    """Fill every region with the colour of its value; regions without a value are hatched
    grey ("geen cijfer")."""
    import matplotlib as mpl
    from matplotlib.patches import Patch, PathPatch

    from mkba.base.formatting import fmt_eur, fmt_number

    ax = _map_axes(ax, size=(6.5, 5.5))
    sx = _scale_x(b)
    shown = [float(v) for c, v in values.items() if c in b.rings and v is not None
             and v == v]
    if shown:
        lo, hi = min(shown), max(shown)
        if diverging:
            m = max(abs(lo), abs(hi)) or 1.0
            norm, cmap = mpl.colors.Normalize(-m, m), mpl.colormaps["RdBu"]
        else:
            norm = mpl.colors.Normalize(lo, hi if hi > lo else lo + 1)
            cmap = mpl.colormaps["Blues"]
    for c, polys in b.rings.items():
        v = values.get(c)
        if v is None or v != v:
            patch = PathPatch(_path(polys, sx), facecolor="#eeeeee", edgecolor="white",
                              hatch="///", linewidth=0.5)
        else:
            patch = PathPatch(_path(polys, sx), facecolor=cmap(norm(float(v))),
                              edgecolor="white", linewidth=0.5)
        ax.add_patch(patch)
    ax.autoscale_view()
    ax.set_title(label)
    if shown:
        sm = mpl.cm.ScalarMappable(norm=norm, cmap=cmap)
        bar = ax.figure.colorbar(sm, ax=ax, shrink=0.7)
        fmt = (lambda x, _p: fmt_eur(x)) if euro else (lambda x, _p: fmt_number(x))
        bar.ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(fmt))
    if any(values.get(c) is None or values.get(c) != values.get(c) for c in b.rings):
        ax.legend(handles=[Patch(facecolor="#eeeeee", hatch="///", label="geen cijfer")],
                  loc="lower left", fontsize=8)
    return ax


def _source_line(b: Boundaries) -> str:
    if b.source:
        m = re.search(r"(\d{4})", b.source)
        credit = ATTRIBUTION.format(year=m.group(1)) + "; " if m else ""
        return f"Kaart: {credit}{b.source} ({LICENCE})."
    return f"Kaart: {Path(b.path).name} (zie data/cbs/README.md)."


def locator_section(report):
    """The wijk report's locator map (:mod:`mkba.report.sections.location`, which chooses the
    map that holds the wijk and says in one plain sentence when there is none)."""
    return report.section_map()


def boundary_notes(code: str) -> list[str]:
    """Dutch notes when CBS flags a change of this area's code or boundary (fetched data):
    its figures before that year are not simply comparable with those after."""
    from mkba.evidence.cbs_fetch import read_fetched

    fetched = read_fetched(gemeente_code="GM" + code[2:6])
    if fetched.empty or "indelingswijziging" not in fetched:
        return []
    mine = fetched[(fetched["region_code"] == code)].drop_duplicates("year")
    out = []
    for rec in mine.sort_values("year").itertuples(index=False):
        flag = str(rec.indelingswijziging).strip()
        if flag == "3":
            out.append(f"het CBS meldt dat de grenzen van {code} in {rec.year} veranderden "
                       "(code 3); cijfers van eerdere jaren zijn niet zonder meer vergelijkbaar.")
        elif flag == "2":
            out.append(f"het CBS meldt dat de code van {code} in {rec.year} veranderde (code 2); "
                       "eerdere cijfers staan onder een andere code.")
    return out


def _npv_per_inhabitant(case, kwb, codes, year=None) -> dict:
    """NCW per inwoner per wijk with tasks: the sum over its tasks of the NCW of the task's
    first variant, divided by the inhabitants (latest year with a figure). Missing stays
    missing."""
    from mkba.engine.cba import evaluate

    ev = evaluate(case)
    first = ev.totals.drop_duplicates("task_id")
    per_wijk = first.groupby("wijk_code")["npv"].sum() if "wijk_code" in first else None
    if per_wijk is None:
        wijk_of = case.taken.set_index("taak_id")["wijk_code"]
        per_wijk = first.assign(wijk_code=first["task_id"].map(wijk_of)).groupby(
            "wijk_code")["npv"].sum()
    inh = kwb[(kwb["indicator"] == "AantalInwoners") & kwb["value"].notna()]
    if year is not None:
        inh = inh[inh["year"] == year]
    inh = inh.sort_values("year").drop_duplicates("region_code", keep="last").set_index(
        "region_code")["value"]
    out = {}
    for code in codes:
        if code in per_wijk.index:
            p = inh.get(code)
            out[code] = float(per_wijk[code]) / p if p and p >= 10 else float("nan")
    return out


def choropleth(gemeente_code: str, indicator: str | None = None, *, case=None, kwb=None,
               year: int | None = None, niveau: str = "wijk",
               threshold: int = SMALL_NUMBER_THRESHOLD):
    """A choropleth of the gemeente's wijken: ``indicator`` from the CBS figures, or by
    default NCW per inwoner where the case has tasks, else inhabitants.

    Returns the matplotlib Figure (drawn detached from pyplot, so a notebook shows it once),
    or a Dutch sentence when there is no map for the gemeente.
    """
    from mkba.figures.plots import detached

    with detached():
        return _choropleth(gemeente_code, indicator, case=case, kwb=kwb, year=year,
                           niveau=niveau, threshold=threshold)


def _choropleth(gemeente_code, indicator, *, case, kwb, year, niveau, threshold):
    from mkba.evidence.cbs import indicator_labels, load_kwb

    path = find_map(gemeente_code, niveau)
    if path is None:
        return (f"Geen kaart voor {gemeente_code}: haal de grenzen op met mkba cbs ophalen "
                f"--gemeente {gemeente_code} --kaart")
    b = read_boundaries(path)
    kwb = load_kwb() if kwb is None else kwb
    codes = b.codes()
    if indicator is None and case is not None and case.taken["wijk_code"].isin(codes).any():
        values = _npv_per_inhabitant(case, kwb, codes, year)
        ax = plot_choropleth(b, values, "NCW per inwoner (wijken met een taak)",
                             diverging=True, euro=True)
    else:
        indicator = indicator or "AantalInwoners"
        sub = kwb[(kwb["indicator"] == indicator) & kwb["region_code"].isin(codes)]
        sub = sub[sub["value"].notna()]
        if year is None and len(sub):
            year = int(sub["year"].max())
        sub = sub[sub["year"] == year]
        unit = sub["unit"].dropna().iloc[0] if sub["unit"].notna().any() else ""
        vals = sub.set_index("region_code")["value"]
        if unit == "aantal":  # small numbers are never shown
            vals = vals.where(vals >= threshold)
        label = f"{indicator_labels().get(indicator, indicator)} ({year})"
        ax = plot_choropleth(b, vals.to_dict(), label)
    ax.text(0, -0.04, _source_line(b) + " Cijfers: CBS.", transform=ax.transAxes,
            fontsize=7, va="top")
    return ax.figure


def index_map_values(records: list[dict]) -> tuple[dict, str, bool]:
    """Per wijk the value the batch index colours: NCW per inwoner where the batch has tasks
    (the sum over the wijk's tasks of each task's first variant, divided by its inhabitants),
    else the inhabitants. Returns (values, label, is_npv)."""
    has_tasks = any(r.get("tasks") for r in records)
    values = {}
    for r in records:
        inh = r.get("inhabitants")
        if has_tasks:
            if not r.get("tasks"):
                continue
            first: dict[str, float] = {}
            for t in r["tasks"]:
                first.setdefault(t["task_id"], t["npv"])
            values[r["wijk_code"]] = (sum(first.values()) / inh if inh else float("nan"))
        else:
            values[r["wijk_code"]] = float(inh) if inh is not None else float("nan")
    label = "NCW per inwoner (wijken met een taak)" if has_tasks else "Inwoners"
    return values, label, has_tasks


def index_map_html(records: list[dict]) -> str:
    """A choropleth per gemeente for the batch index, when a boundary file exists for it
    (fetched with ``--kaart`` or shipped); empty otherwise. matplotlib is imported only then."""
    values, label, is_npv = index_map_values(records)
    by_gemeente: dict[str, dict] = {}
    for code, v in values.items():
        by_gemeente.setdefault("GM" + code[2:6], {})[code] = v
    parts = []
    for gemeente, vals in sorted(by_gemeente.items()):
        niveau = "buurt" if next(iter(vals)).startswith("BU") else "wijk"
        path = find_map(gemeente, niveau)
        if path is None:
            continue
        from mkba.base.html import esc, figure_html
        from mkba.figures.plots import detached

        b = read_boundaries(path)
        if not set(vals) & set(b.rings):  # e.g. old codes against a newer map: no map at all
            continue
        with detached():
            ax = plot_choropleth(b, vals, f"{label} — {gemeente}", diverging=is_npv,
                                 euro=is_npv)
            img = figure_html(ax)
        parts.append(f"<h2>Kaart {esc(gemeente)}</h2>{img}<p>{esc(_source_line(b))} "
                     "Cijfers: CBS en de casus.</p>")
    return "\n".join(parts)
