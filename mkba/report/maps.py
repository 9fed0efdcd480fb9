"""Locator maps and choropleths of wijken and buurten (the drawing; reading is
:mod:`mkba.evidence.geo`, fetching from PDOK :mod:`mkba.sources.pdok`).

Why no geopandas: a locator map and a choropleth only need to read polygons and fill them.
Boundaries come in RD New, a metric projection, so no reprojection is needed; plain JSON plus
matplotlib (already a dependency) draws them. geopandas would add shapely, pyproj and pyogrio
(tens of MB of wheels with GDAL/PROJ) to every install and about a second of imports to
whatever imports it. Nothing here is imported by a batch worker unless a map is drawn. A
longitude/latitude file (CRS84) is drawn with its x-axis scaled by cos(latitude), so it has the
right proportions without a projection library.

Every map carries its source and licence (CBS: "Kadaster / Centraal Bureau voor de Statistiek,
<jaar>"), wrapped to the width of the map, under it; the colour bar stands beside the map and
never covers that line.

Imports inside functions, measured (``python -c``, after pandas; load ≈ 5 on 2 cores):
matplotlib and :mod:`mkba.figures.plots` 0,7 s, :mod:`mkba.engine.cba` 0,55 s. The batch imports
this module for its index page even when no map file exists, and then draws nothing: those two
are imported only where a map is drawn or an NCW is needed.
"""

from __future__ import annotations

import math
import re
import textwrap
from pathlib import Path

import pandas as pd

from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD
from mkba.base.formatting import fmt_eur, fmt_number
from mkba.base.html import figure_html
from mkba.engine.cba import evaluate
from mkba.evidence.cbs import indicator_labels, load_kwb, read_fetched
from mkba.evidence.cbs_boundaries import read_flags
from mkba.evidence.geo import (
    ATTRIBUTION,
    CRS84,
    LICENCE,
    RD_NEW,
    SHIPPED_GEO,
    Boundaries,
    find_map,
    read_boundaries,
)

__all__ = ["Boundaries", "read_boundaries", "find_map", "plot_locator", "plot_choropleth",
           "choropleth", "source_line", "reader_source", "gemeente_map",
           "index_map_values", "RD_NEW", "CRS84", "SHIPPED_GEO"]

#: Font size (points) of the source line under a map.
SOURCE_FONTSIZE = 7


def _path(polys, scale_x: float):
    # matplotlib: ≈ 0,1 s at import, only when a map is drawn
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
    ys = [y for polys in b.rings.values() for rings in polys for ring in rings for _, y in ring]
    return math.cos(math.radians(sum(ys) / len(ys)))


def _map_axes(ax, size=(4.5, 4.5)):
    # matplotlib via figures: ≈ 0,45 s at import, only when a map is drawn
    from mkba.figures.plots import axes_for

    ax = axes_for(ax, figsize=size, constrained=False)  # the maps place their own parts
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def plot_locator(b: Boundaries, code: str, ax=None):
    """A small map: all regions of the file in grey, ``code`` in the wijk colour.

    Parameters
    ----------
    b : Boundaries
        The map.
    code : str
        The region to mark.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> b = Boundaries(rings={"WK011401": [[[(0, 0), (1, 0), (1, 1)]]],
    ...                       "WK011402": [[[(1, 0), (2, 0), (2, 1)]]]})
    >>> ax = plot_locator(b, "WK011401", ax=Figure().add_subplot())
    >>> len(ax.patches) + len(ax.collections) >= 1
    True
    """
    # matplotlib (≈ 0,45 s at import with the figures): only when drawn
    from matplotlib.patches import PathPatch

    from mkba.figures.plots import COLORS  # the figures: ≈ 0,3 s more, only when drawn

    ax = _map_axes(ax)
    sx = _scale_x(b)
    for c, polys in b.rings.items():
        mine = c == code
        ax.add_patch(PathPatch(_path(polys, sx), facecolor=COLORS["wijk"] if mine else "#d9dee3",
                               edgecolor="white", linewidth=0.6, zorder=2 if mine else 1))
    ax.autoscale_view()
    ax.set_title(f"Ligging van {b.names.get(code, code)}")
    return ax


def _source_text(ax, text: str) -> None:
    """The source line under the map, wrapped to the map's width (never under the colour bar,
    never past the figure's edge)."""
    fig = ax.figure
    width_in = ax.get_position().width * fig.get_figwidth()
    chars = max(30, int(width_in * 72 / (SOURCE_FONTSIZE * 0.56)))
    ax.text(0, -0.02, textwrap.fill(text, chars), transform=ax.transAxes,
            fontsize=SOURCE_FONTSIZE, va="top", ha="left", gid="mkba-source")


def plot_choropleth(b: Boundaries, values: dict, label: str, ax=None, *, diverging=False,
                    euro=False, source: str | None = None):
    """Fill every region with the colour of its value; regions without a value are hatched
    grey ("geen cijfer"). ``source`` (default :func:`source_line`) is written under the map.

    Parameters
    ----------
    b : Boundaries
        The regions (:func:`mkba.evidence.geo.read_boundaries`).
    values : dict
        Region code → value; missing or NaN is drawn as "geen cijfer".
    label : str
        Title.
    ax : matplotlib Axes, optional
    diverging : bool
        Colours around 0 (red–blue), for a net present value.
    euro : bool
        Colour-bar ticks as euros.
    source : str, optional
        The source line; default the map's source and licence.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> b = Boundaries(rings={"WK011401": [[[(0, 0), (1000, 0), (1000, 1000)]]],
    ...                       "WK011402": [[[(0, 0), (0, 1000), (1000, 1000)]]]})
    >>> from mkba.figures.plots import detached
    >>> with detached():
    ...     ax = plot_choropleth(b, {"WK011401": 5.0}, "Inwoners")
    >>> ax.get_title(), len(ax.patches)
    ('Inwoners', 2)
    """
    import matplotlib as mpl  # matplotlib: ≈ 0,15 s at import, only when a map is drawn
    from matplotlib.patches import Patch, PathPatch

    made = ax is None
    ax = _map_axes(ax, size=(6.5, 6.0))
    if made:
        ax.figure.subplots_adjust(left=0.02, right=0.86, top=0.92, bottom=0.12)
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
        bar = ax.figure.colorbar(sm, ax=ax, shrink=0.7, fraction=0.05, pad=0.02)
        fmt = (lambda x, _p: fmt_eur(x)) if euro else (lambda x, _p: fmt_number(x))
        bar.ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(fmt))
    if any(values.get(c) is None or values.get(c) != values.get(c) for c in b.rings):
        ax.legend(handles=[Patch(facecolor="#eeeeee", hatch="///", label="geen cijfer")],
                  loc="lower left", fontsize=8)
    _source_text(ax, source if source is not None else source_line(b))
    return ax


def source_line(b: Boundaries) -> str:
    """Where the map comes from, with CBS's required credit and the licence.

    Parameters
    ----------
    b : Boundaries
        The map.

    Returns
    -------
    str
        The Dutch text.

    Examples
    --------
    >>> source_line(Boundaries(source="CBS Wijk- en buurtkaart 2024 via PDOK"))
    'Kaart: Kadaster / Centraal Bureau voor de Statistiek, 2024; CBS Wijk- en buurtkaart 2024
    via PDOK (CC BY 4.0 (PDOK, CBS-diensten)).'
    """
    if b.source:
        m = re.search(r"(\d{4})", b.source)
        credit = ATTRIBUTION.format(year=m.group(1)) + "; " if m else ""
        return f"Kaart: {credit}{b.source} ({LICENCE})."
    # never the map file's name: the words readers see in the report and the index; the
    # analyst's notebook points to the provenance of the shipped maps
    if Path(b.path).parent == SHIPPED_GEO:
        return "Kaart: meegeleverde wijkgrenzen (bron en licentie: data/cbs/README.md)."
    return "Kaart: de eigen wijkindeling van de gemeente."


def boundary_notes(code: str) -> list[str]:
    """Dutch notes when CBS flags a change of this area's code or boundary (fetched data,
    including the flags of years fetched only for them): its figures before that year are not
    simply comparable with those after. A flag compares with the previous calendar year."""
    gemeente = "GM" + code[2:6]
    marks = [f[f["region_code"] == code][["year", "indelingswijziging"]]
             for f in (read_fetched(gemeente_code=gemeente), read_flags(gemeente_code=gemeente))
             if len(f) and "indelingswijziging" in f]
    if not marks:
        return []
    mine = pd.concat(marks).dropna().drop_duplicates("year").sort_values("year")
    out = []
    for rec in mine.itertuples(index=False):
        flag, year = str(rec.indelingswijziging).strip(), int(rec.year)
        if flag == "3":
            out.append(f"het CBS meldt dat de grenzen van {code} tussen {year - 1} en {year} "
                       "veranderden (code 3); cijfers van eerdere jaren zijn niet zonder meer "
                       "vergelijkbaar.")
        elif flag == "2":
            out.append(f"het CBS meldt dat de code van {code} tussen {year - 1} en {year} "
                       "veranderde (code 2); eerdere cijfers staan onder een andere code.")
    return out


def _npv_per_inhabitant(case, kwb, codes, year=None) -> dict:
    """NCW per inwoner per wijk with tasks: the sum over its tasks of the NCW of the task's
    first variant, divided by the inhabitants (latest year with a figure). Missing stays
    missing."""

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
               threshold: int = SMALL_NUMBER_THRESHOLD, map_file=None):
    """A choropleth of the gemeente's wijken: ``indicator`` from the CBS figures, or by
    default NCW per inwoner where the case has tasks, else inhabitants.

    Returns the matplotlib Figure (drawn detached from pyplot, so a notebook shows it once),
    or a Dutch sentence when there is no map for the gemeente.

    Parameters
    ----------
    gemeente_code : str
        The gemeente.
    indicator : str, optional
        The CBS indicator; by default NCW per inwoner or inhabitants.
    case : Case, optional
        The case whose tasks give the NCW per inwoner.
    kwb : pandas.DataFrame, optional
        The long CBS table; by default :func:`mkba.evidence.cbs.load_kwb`.
    year : int, optional
        The year of the figures; by default the latest.
    niveau : str, default "wijk"
        ``wijk`` or ``buurt``.
    threshold : int, default SMALL_NUMBER_THRESHOLD
        Small-number threshold.
    map_file : str or pathlib.Path, optional
        A boundary file of the user's own.

    Returns
    -------
    matplotlib.figure.Figure or str
        The map, or why there is none.

    Examples
    --------
    >>> fig = choropleth("GM0363", "AantalInwoners")
    >>> type(fig).__name__
    'Figure'
    >>> choropleth("GM9999").startswith("Geen kaart voor GM9999")
    True
    """
    # matplotlib via figures: ≈ 0,4 s at import, only when a map is drawn
    from mkba.figures.plots import detached

    with detached():
        return _choropleth(gemeente_code, indicator, case=case, kwb=kwb, year=year,
                           niveau=niveau, threshold=threshold, map_file=map_file)


def _choropleth(gemeente_code, indicator, *, case, kwb, year, niveau, threshold, map_file):
    path = find_map(gemeente_code, niveau, map_file)
    if path is None:
        return (f"Geen kaart voor {gemeente_code}: haal de grenzen op met mkba cbs ophalen "
                f"--gemeente {gemeente_code} --kaart")
    b = read_boundaries(path).subset(gemeente_code)
    kwb = load_kwb() if kwb is None else kwb
    codes = b.codes()
    if indicator is None and case is not None and case.taken["wijk_code"].isin(codes).any():
        values = _npv_per_inhabitant(case, kwb, codes, year)
        ax = plot_choropleth(b, values, "NCW per inwoner (wijken met een taak)",
                             diverging=True, euro=True,
                             source=source_line(b) + " Cijfers: CBS en de casus.")
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
        ax = plot_choropleth(b, vals.to_dict(), label, source=source_line(b) + " Cijfers: CBS.")
    return ax.figure


def index_map_values(records: list[dict]) -> tuple[dict, str, bool]:
    """Per wijk the value the batch index colours: NCW per inwoner where the batch has tasks
    (the sum over the wijk's tasks of each task's first variant, divided by its inhabitants),
    else the inhabitants. Returns (values, label, is_npv).

    Parameters
    ----------
    records : list of dict
        One record per wijk of the batch index (``wijk_code``, ``inhabitants``, ``tasks``).

    Returns
    -------
    values : dict of str to float
        Value per wijk.
    label : str
        What the value is, in Dutch.
    is_npv : bool
        Whether it is NCW per inwoner.

    Examples
    --------
    >>> records = [{"wijk_code": "WK036330", "inhabitants": 9100,
    ...             "tasks": [{"task_id": "T1", "npv": -91000.0}]},
    ...            {"wijk_code": "WK036331", "inhabitants": 5000, "tasks": []}]
    >>> index_map_values(records)
    ({'WK036330': -10.0}, 'NCW per inwoner (wijken met een taak)', True)
    """
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


def reader_source(b: Boundaries) -> str:
    """The source of a map as residents read it: CBS's credit and the licence, or what kind
    of file it is — never a file name (the index shows it under every gemeente's map).

    Parameters
    ----------
    b : Boundaries
        The map.

    Returns
    -------
    str
        The Dutch text.

    Examples
    --------
    >>> reader_source(Boundaries(path=str(SHIPPED_GEO / "x.geojson")))
    'Kaart: meegeleverde wijkgrenzen (open data).'
    >>> reader_source(Boundaries(path="/home/a/wijken.geojson"))
    'Kaart: de eigen wijkindeling van de gemeente.'
    """
    if b.source:
        return source_line(b)
    if Path(b.path).parent == SHIPPED_GEO:
        return "Kaart: meegeleverde wijkgrenzen (open data)."
    return "Kaart: de eigen wijkindeling van de gemeente."


def gemeente_map(gemeente: str, records: list[dict], name: str = "",
                 map_file=None) -> tuple[str, str] | None:
    """The batch index's choropleth of one gemeente, when a boundary file holds its wijken
    (``map_file`` from ``--kaart``, fetched with ``mkba cbs ophalen --kaart``, or shipped);
    None otherwise. matplotlib is imported only then.

    Parameters
    ----------
    gemeente : str
        The gemeente code (``GM0363``).
    records : list of dict
        The batch records of the gemeente's wijken (:func:`index_map_values`).
    name : str
        The gemeente's name for the title (default: the code).
    map_file : str or Path, optional
        The user's own boundary file (``--kaart BESTAND.geojson``).

    Returns
    -------
    tuple of str or None
        (HTML of the image, caption with the sources — never a file name).

    Examples
    --------
    >>> gemeente_map("GM0344", [{"wijk_code": "WK034401", "inhabitants": 10.0}]) is None
    True
    """
    values, label, is_npv = index_map_values(records)
    if not values:
        return None
    niveau = "buurt" if next(iter(values)).startswith("BU") else "wijk"
    # the newest map that holds these wijken (Amsterdam's 2019 and 2022+ codes differ)
    path = find_map(gemeente, niveau, map_file, code=min(values))
    if path is None:
        return None
    b = read_boundaries(path).subset(gemeente)
    if not set(values) & set(b.rings):  # e.g. old codes against a newer map: no map at all
        return None
    from mkba.figures.plots import detached  # matplotlib: only when a map is drawn

    caption = f"{reader_source(b)} Cijfers: CBS en de casus."
    with detached():  # the source goes under the image, in a readable size (the caption)
        ax = plot_choropleth(b, values, f"{label} — {name or gemeente}", diverging=is_npv,
                             euro=is_npv, source="")
        img = figure_html(ax)
    return img, caption
