"""Maps: reading GeoJSON (with and without a crs member), fetching boundaries from PDOK on
recorded responses, the locator map, the choropleth in the batch index and the notebook."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import httpx
import matplotlib as mpl
import pytest

import mkba.sources.http as H
from mkba.base.errors import CaseError, FetchError
from mkba.report import maps
from mkba.sources.pdok import fetch_map
from tests.cbs_recorded import GM, REC, Server

AMS = maps.SHIPPED_GEO / "amsterdam_wijken_2022plus_partial20_dataamsterdam_api.geojson"


@pytest.fixture
def server(monkeypatch, tmp_path):
    srv = Server()
    monkeypatch.setattr(H, "DEFAULT_TRANSPORT", srv.transport())
    monkeypatch.setattr(H, "SLEEP", lambda s: None)
    monkeypatch.setenv("MKBA_CBS_DIR", str(tmp_path / "opgehaald"))
    return srv


def write_geojson(path, coords, crs=None, props=None):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props or {"wijkcode": "WK011401"},
         "geometry": {"type": "Polygon", "coordinates": [coords]}}]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- reading


def test_real_amsterdam_file_without_crs_is_read_as_rd_new():
    raw = json.loads(AMS.read_text(encoding="utf-8"))
    assert "crs" not in raw
    b = maps.read_boundaries(AMS)
    assert (b.crs, b.crs_inferred) == ("EPSG:28992", True)
    codes = [f["properties"]["cbsCode"] for f in raw["features"]]
    assert b.codes() == sorted(codes) and len(codes) == 20
    first = raw["features"][0]
    ring = first["geometry"]["coordinates"][0]
    assert b.rings[first["properties"]["cbsCode"]][0][0][:3] == [tuple(p) for p in ring[:3]]


def test_crs_member_inference_and_refusal(tmp_path):
    square_ll = [[6.8, 52.7], [6.9, 52.7], [6.9, 52.8], [6.8, 52.8], [6.8, 52.7]]
    assert maps.read_boundaries(write_geojson(tmp_path / "a.geojson", square_ll)).crs == "OGC:CRS84"
    square_rd = [[250000, 530000], [252000, 530000], [252000, 532000], [250000, 530000]]
    b = maps.read_boundaries(write_geojson(tmp_path / "b.geojson", square_rd,
                                           crs="urn:ogc:def:crs:EPSG::28992"))
    assert (b.crs, b.crs_inferred) == ("EPSG:28992", False)
    with pytest.raises(CaseError, match="onbekend coördinatenstelsel"):
        maps.read_boundaries(write_geojson(tmp_path / "c.geojson",
                                           [[5e6, 5e6], [5e6 + 1, 5e6], [5e6, 5e6 + 1], [5e6, 5e6]]))
    with pytest.raises(CaseError, match=r"d.geojson::features\[1\]: geen CBS-code"):
        maps.read_boundaries(write_geojson(tmp_path / "d.geojson", square_rd,
                                           props={"naam": "zonder code"}))
    with pytest.raises(CaseError, match="EPSG:3857 wordt niet ondersteund"):
        maps.read_boundaries(write_geojson(tmp_path / "e.geojson", square_rd,
                                           crs="urn:ogc:def:crs:EPSG::3857"))


# ----------------------------------------------------------------------------- fetching


def test_fetch_map_from_pdok(server, tmp_path):
    path = fetch_map(GM, years=[2019, 2024])
    assert path.name == f"kaart_{GM}_wijk_2024.geojson"
    first = server.seen[0]
    assert first.url.path == "/cbs/wijken-en-buurten-2024/ogc/v1/collections/wijken/items"
    assert first.url.params["gemeentecode"] == GM
    assert first.url.params["crs"] == "http://www.opengis.net/def/crs/EPSG/0/28992"
    assert all(r.extensions["timeout"]["read"] == H.TIMEOUT for r in server.seen)
    assert len(server.seen) == 2  # two pages, via the 'next' link
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::28992"
    assert doc["mkba"]["licentie"].startswith("CC BY 4.0") and "PDOK" in doc["mkba"]["bron"]
    assert doc["mkba"]["bronvermelding"] == "Kadaster / Centraal Bureau voor de Statistiek, 2024"
    recorded = [f["properties"]["wijkcode"] for page in ("page1", "page2") for f in
                json.loads((REC / "pdok" / f"wijken_2024_{page}.json").read_text())["features"]]
    b = maps.read_boundaries(path)
    assert b.codes() == sorted(recorded) and not b.crs_inferred
    # a second call keeps the file, refresh fetches again
    n = len(server.seen)
    fetch_map(GM, years=[2024])
    assert len(server.seen) == n
    fetch_map(GM, years=[2024], refresh=True)
    assert len(server.seen) == n + 2


def test_fetch_map_faults(server, tmp_path):
    with pytest.raises(FetchError, match="bestaat niet"):
        fetch_map(GM, years=[2023])  # no recording for 2023: the server says 404
    with pytest.raises(CaseError, match="PDOK heeft wijk- en buurtkaarten"):
        fetch_map(GM, years=[2019])
    server.faults[("pdok", "wijken")] = [httpx.Response(200, json={"type": "FeatureCollection",
                                                                   "features": [], "links": []})]
    with pytest.raises(FetchError, match="geen wijken voor GM0114"):
        fetch_map(GM, years=[2024])
    server.faults[("pdok", "wijken")] = [httpx.Response(200, json={"type": "FeatureCollection"})]
    with pytest.raises(FetchError, match="mist 'features'"):
        fetch_map(GM, years=[2024])
    assert not list((tmp_path / "opgehaald").glob("*")) if (tmp_path / "opgehaald").exists() else True


# ----------------------------------------------------------------------------- drawing


def test_choropleth_colours_follow_the_values():
    b = maps.read_boundaries(AMS)
    codes = b.codes()
    values = {codes[0]: 10.0, codes[1]: 30.0, codes[2]: 20.0}  # the rest: no figure
    ax = maps.plot_choropleth(b, values, "test")
    by_code = dict(zip(b.rings, ax.patches, strict=True))
    blues = mpl.colormaps["Blues"]
    # by hand: the lowest value gets the start of the colour map, the highest its end
    assert tuple(by_code[codes[0]].get_facecolor()) == pytest.approx(blues(0.0))
    assert tuple(by_code[codes[1]].get_facecolor()) == pytest.approx(blues(1.0))
    assert tuple(by_code[codes[2]].get_facecolor()) == pytest.approx(blues(0.5))
    assert by_code[codes[3]].get_hatch() == "///"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["geen cijfer"]


def test_locator_highlights_one_wijk():
    b = maps.read_boundaries(AMS)
    ax = maps.plot_locator(b, "WK0363AA")
    colours = {c: p.get_facecolor() for c, p in zip(b.rings, ax.patches, strict=True)}
    assert len({colours[c] for c in colours if c != "WK0363AA"}) == 1
    assert colours["WK0363AA"] != colours[next(c for c in colours if c != "WK0363AA")]


def test_index_values_npv_per_inhabitant_by_hand():
    records = [
        {"wijk_code": "WK036301", "inhabitants": 1000.0, "tasks": [
            {"task_id": "T1", "variant": "a", "npv": 5000.0},
            {"task_id": "T1", "variant": "b", "npv": 99.0},
            {"task_id": "T2", "variant": "project", "npv": -1000.0}]},
        {"wijk_code": "WK036302", "inhabitants": None, "tasks": [
            {"task_id": "T3", "variant": "project", "npv": 10.0}]},
        {"wijk_code": "WK036303", "inhabitants": 500.0, "tasks": []},
    ]
    values, label, is_npv = maps.index_map_values(records)
    assert is_npv and label.startswith("NCW per inwoner")
    assert values["WK036301"] == pytest.approx((5000.0 - 1000.0) / 1000.0)  # first variant of T1
    assert values["WK036302"] != values["WK036302"]  # unknown inhabitants: missing, not 0
    assert "WK036303" not in values
    values, label, is_npv = maps.index_map_values([dict(records[2])])
    assert (values, label, is_npv) == ({"WK036303": 500.0}, "Inwoners", False)


def test_batch_index_shows_a_choropleth(tmp_path):
    from mkba.run.batch import BatchResult, _write_outputs

    raw = json.loads(AMS.read_text(encoding="utf-8"))
    codes = [f["properties"]["cbsCode"] for f in raw["features"]][:3]
    records = [{"wijk_code": c, "name": c, "inhabitants": 1000.0 * (i + 1), "year": 2024,
                "tasks": [], "status": "gelukt", "html": f"{c}.html", "error": ""}
               for i, c in enumerate(codes)]
    result = BatchResult(records, tmp_path, 1.0, 1, "lokaal")
    _write_outputs(result, None, {})
    html = result.index.read_text(encoding="utf-8")
    assert "<figure>" in html and "data:image/svg+xml;base64" in html
    assert ".geojson" not in html  # the map's source, never its file name
    # Amsterdam's pre-2022 codes: the 2019 map that holds them, not the 2022+ one
    result = BatchResult([dict(records[0], wijk_code="WK036330")], tmp_path, 1.0, 1, "lokaal")
    _write_outputs(result, None, {})
    assert "<figure>" in result.index.read_text(encoding="utf-8")
    # codes that are on no map of the gemeente: no map
    result = BatchResult([dict(records[0], wijk_code="WK0363ZZ")], tmp_path, 1.0, 1, "lokaal")
    _write_outputs(result, None, {})
    assert "<figure>" not in result.index.read_text(encoding="utf-8")
    # an interrupted batch writes its index without maps (the next run draws them)
    _write_outputs(tmp_path, records, None, {}, 1.0, 1, "lokaal", "onderbroken")
    assert "<figure>" not in (tmp_path / "index.html").read_text(encoding="utf-8")
    # without a boundary file for the gemeente: no map, the rest as before
    records = [dict(records[0], wijk_code="WK034401")]
    result = BatchResult(records, tmp_path, 1.0, 1, "lokaal")
    _write_outputs(result, None, {})
    assert "<figure>" not in result.index.read_text(encoding="utf-8")


def test_choropleth_for_fetched_gemeente(server, tmp_path):
    from mkba.run.cli import main

    assert main(["cbs", "ophalen", "--gemeente", GM, "--jaren", "2024", "--kaart"]) == 0
    ax = maps.choropleth(GM, "AantalInwoners").axes[0]
    assert "Aantal inwoners (2024)" in ax.get_title()
    n = sum(len(json.loads((REC / "pdok" / f"wijken_2024_{p}.json").read_text())["features"])
            for p in ("page1", "page2"))
    assert len(ax.patches) == n
    assert "Geen kaart voor GM0344" in maps.choropleth("GM0344")


@pytest.mark.slow
def test_verkenning_notebook_draws_the_choropleth(tmp_path):
    import papermill as pm

    from mkba.base.assumptions import NOTEBOOK_DIR

    out = pm.execute_notebook(str(NOTEBOOK_DIR / "verkenning.ipynb"), str(tmp_path / "v.ipynb"),
                              parameters={"gemeente_code": "GM0363", "case_path": ""},
                              cwd=str(NOTEBOOK_DIR), progress_bar=False)
    cell = next(c for c in out.cells if "choropleth(" in c.source)
    assert any("image/png" in o.get("data", {}) for o in cell.outputs)


# ------------------------------------------------- issue 22: real buurt maps and coordinates

REAL = REC / "real"
DELFZIJL_BUURTEN = REAL / "cartomap_rd_buurt_2019_GM0010_wijk01-06.geojson"
DELFZIJL_WIJKEN = REAL / "cartomap_rd_wijk_2019_GM0010_wijk01-06.geojson"
APPINGEDAM_RD = REAL / "cartomap_rd_buurt_2019_GM0003.geojson"
APPINGEDAM_LONLAT = REAL / "cartomap_wgs84_buurt_2019_GM0003.geojson"


def real_features(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def pdok_shaped(path: Path, niveau: str, gemeentenaam: str) -> dict:
    """The real features of ``path`` (CBS boundaries via cartomap/nl) with the properties as the
    PDOK wijken-en-buurten service names them. Constructed: the property *layout*; the codes,
    names and geometry are the real ones; ``wijkcode`` of a buurt is its code's first six
    positions (CBS's coding rule); water and indelingswijziging are unknown (null)."""
    features = []
    for f in real_features(path):
        code, name = f["properties"]["statcode"], f["properties"]["statnaam"]
        props = {"buurtcode": code, "buurtnaam": name} if niveau == "buurt" else \
            {"wijkcode": code, "wijknaam": name}
        props.update({"wijkcode": "WK" + code[2:8], "gemeentecode": "GM" + code[2:6],
                      "gemeentenaam": gemeentenaam, "indelingswijziging_wijken_en_buurten": None,
                      "water": None})
        features.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
    return {"type": "FeatureCollection", "features": features}


def test_a_real_buurt_map_is_keyed_by_buurt_not_by_wijk(tmp_path):
    """Item 1: 28 real buurten of Delfzijl (6 wijken) stay 28 buurten, each with its own name and
    geometry; before, they collapsed onto their 6 wijk codes, named after the last buurt read."""
    real = real_features(DELFZIJL_BUURTEN)
    path = tmp_path / "buurten.geojson"
    path.write_text(json.dumps(pdok_shaped(DELFZIJL_BUURTEN, "buurt", "Delfzijl")),
                    encoding="utf-8")
    b = maps.read_boundaries(path)
    assert b.codes() == sorted(f["properties"]["statcode"] for f in real) and len(real) == 28
    assert b.level() == "buurt"
    for f in real:
        code = f["properties"]["statcode"]
        assert b.names[code] == f["properties"]["statnaam"]
        assert b.rings[code] == [[[tuple(p) for p in ring] for ring in f["geometry"]["coordinates"]]]
    # the same buurten as cartomap/nl has them (statcode) and the real wijken of the same file
    assert maps.read_boundaries(DELFZIJL_BUURTEN).codes() == b.codes()
    w = maps.read_boundaries(DELFZIJL_WIJKEN)
    assert w.level() == "wijk" and w.codes() == [f"WK00100{i}" for i in range(1, 7)]
    wijk_file = tmp_path / "wijken.geojson"
    wijk_file.write_text(json.dumps(pdok_shaped(DELFZIJL_WIJKEN, "wijk", "Delfzijl")),
                         encoding="utf-8")
    assert maps.read_boundaries(wijk_file).codes() == w.codes()
    assert maps.read_boundaries(wijk_file).names["WK001003"] == "Farmsum"


def test_a_buurt_choropleth_colours_every_buurt(tmp_path):
    path = tmp_path / "buurten.geojson"
    path.write_text(json.dumps(pdok_shaped(DELFZIJL_BUURTEN, "buurt", "Delfzijl")),
                    encoding="utf-8")
    b = maps.read_boundaries(path)
    ax = maps.plot_choropleth(b, {c: float(i) for i, c in enumerate(b.codes())}, "buurten")
    assert len(ax.patches) == 28
    assert not [p for p in ax.patches if p.get_hatch()]  # nothing grey: every buurt has its value


def test_a_code_property_that_is_no_code_is_an_error_not_a_fallback(tmp_path):
    doc = pdok_shaped(DELFZIJL_BUURTEN, "buurt", "Delfzijl")
    doc["features"][3]["properties"]["buurtcode"] = "BU0010<script>"
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CaseError, match=r"features\[4\]: buurtcode 'BU0010<script>' is geen "
                                        "CBS-code"):
        maps.read_boundaries(path)


def data_aspect(b) -> float:
    ax = maps.plot_locator(b, b.codes()[0])
    lim = ax.dataLim
    return lim.width / lim.height


def test_a_lon_lat_answer_is_not_labelled_rd_new(server, tmp_path):
    """Item 2: PDOK answers in longitude/latitude (Content-Crs CRS84): the file says CRS84 and
    the map has the proportions of the same buurten in RD New (real Appingedam, both
    projections from cartomap/nl); labelled RD New it was 1,6 times too wide."""
    page = {"type": "FeatureCollection", "links": [],
            "features": pdok_shaped(APPINGEDAM_LONLAT, "buurt", "Appingedam")["features"]}
    server.faults[("pdok", "buurten")] = [httpx.Response(200, json=page, headers={
        "Content-Crs": "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"})]
    path = fetch_map("GM0003", niveau="buurt", years=[2024])
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["crs"]["properties"]["name"] == "urn:ogc:def:crs:OGC:1.3:CRS84"
    lonlat = maps.read_boundaries(path)
    assert lonlat.crs == "OGC:CRS84" and len(lonlat.codes()) == 6
    rd = maps.read_boundaries(APPINGEDAM_RD)
    assert data_aspect(lonlat) == pytest.approx(data_aspect(rd), rel=0.05)
    # drawn without the cos(latitude) correction it would be this much wider:
    assert 1 / math.cos(math.radians(53.32)) == pytest.approx(1.67, abs=0.01)


def test_content_crs_and_coordinates_must_agree(server, tmp_path):
    lonlat = pdok_shaped(APPINGEDAM_LONLAT, "buurt", "Appingedam")["features"]
    rd = pdok_shaped(APPINGEDAM_RD, "buurt", "Appingedam")["features"]
    rd_header = {"Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/28992>"}
    cases = [(lonlat, rd_header, "PDOK zegt EPSG:28992 \\(Content-Crs\\), maar de coördinaten "
                                 "zijn lengte-/breedtegraden"),
             (rd, {"Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/3857>"},
              "PDOK antwoordde in EPSG:3857")]
    for features, headers, message in cases:
        server.faults[("pdok", "buurten")] = [httpx.Response(200, headers=headers, json={
            "type": "FeatureCollection", "features": features, "links": []})]
        with pytest.raises(FetchError, match=message):
            fetch_map("GM0003", niveau="buurt", years=[2024], refresh=True)
    # no header: the coordinates decide
    server.faults[("pdok", "buurten")] = [httpx.Response(200, json={
        "type": "FeatureCollection", "features": rd, "links": []})]
    path = fetch_map("GM0003", niveau="buurt", years=[2024], refresh=True)
    assert maps.read_boundaries(path).crs == "EPSG:28992"


def test_pdok_features_outside_the_gemeente_or_without_a_code_are_refused(server, tmp_path):
    rd = pdok_shaped(APPINGEDAM_RD, "buurt", "Appingedam")["features"]
    header = {"Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/28992>"}
    for bad, message in [("BU03630000", "ligt niet in GM0003"),
                         ("BU0003/../../etc", "is geen CBS-code")]:
        features = [dict(f, properties=dict(f["properties"])) for f in rd]
        features[2]["properties"]["buurtcode"] = bad
        server.faults[("pdok", "buurten")] = [httpx.Response(200, headers=header, json={
            "type": "FeatureCollection", "features": features, "links": []})]
        with pytest.raises(FetchError, match=message):
            fetch_map("GM0003", niveau="buurt", years=[2024], refresh=True)
    assert not list((tmp_path / "opgehaald").glob("kaart_*"))


def test_a_crs_member_that_disagrees_with_the_coordinates_is_refused(tmp_path):
    doc = json.loads(APPINGEDAM_LONLAT.read_text(encoding="utf-8"))
    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}
    (tmp_path / "a.geojson").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CaseError, match="zegt EPSG:28992, maar de coördinaten"):
        maps.read_boundaries(tmp_path / "a.geojson")
    # latitude and longitude swapped
    swapped = json.loads(APPINGEDAM_LONLAT.read_text(encoding="utf-8"))

    def swap(node):
        return [node[1], node[0]] if isinstance(node[0], int | float) else [swap(n) for n in node]

    for f in swapped["features"]:
        f["geometry"]["coordinates"] = swap(f["geometry"]["coordinates"])
    (tmp_path / "b.geojson").write_text(json.dumps(swapped), encoding="utf-8")
    with pytest.raises(CaseError, match="lengte- en breedtegraad lijken verwisseld"):
        maps.read_boundaries(tmp_path / "b.geojson")


# ------------------------------------------------------------ the colour bar and the licence


def overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_colour_bar_leaves_the_attribution_free_and_nothing_is_clipped(tmp_path):
    """Done-when of issue 22: the source line (with the licence) is not covered by the colour
    bar and lies inside the figure. Saved to tmp for looking at (see docs/cbs.md)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = maps.choropleth("GM0363", "AantalInwoners")
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    source = next(t for ax in fig.axes for t in ax.texts if t.get_text().startswith("Kaart:"))
    text = source.get_window_extent(renderer)
    assert "CC BY 4.0" in source.get_text() or "data/cbs/README.md" in source.get_text()
    bar = next(ax for ax in fig.axes if ax is not source.axes)
    assert not overlaps(text, bar.get_window_extent(renderer))
    assert fig.bbox.contains(text.x0, text.y0) and fig.bbox.contains(text.x1, text.y1)
    # nothing at all sticks out of the figure (title, colour-bar labels, the source line)
    tight = fig.get_tightbbox(renderer)
    w, h = fig.get_size_inches()
    assert tight.x0 >= 0 and tight.y0 >= 0 and tight.x1 <= w and tight.y1 <= h, tight
    fig.savefig(os.environ.get("MKBA_MAP_PNG", tmp_path / "choropleth.png"), dpi=100)


# ----------------------------------------------------- item 6: --kaart BESTAND.geojson


def test_own_map_file_is_drawn_for_the_wijk(tmp_path):
    """A gemeente's own wijkindeling (here the real Delfzijl wijken) instead of a fetched map;
    readers see the map and its credit, never the file's name (issue 21)."""
    from types import SimpleNamespace

    from mkba.report.sections import location

    def report(code):
        return SimpleNamespace(wijk_code=code, parameters={"map_file": str(DELFZIJL_WIJKEN)})

    html = location.render(report("WK001003"))._repr_html_()
    assert "<img" in html and "Kaart:" in html and ".geojson" not in html
    missing = location.render(report("WK001009"))._repr_html_()
    assert "<img" not in missing and ".geojson" not in missing
    assert "Voor deze wijk is (nog) geen kaart beschikbaar." in missing


def test_own_map_file_in_the_batch_index():
    records = [{"wijk_code": f"WK00100{i}", "inhabitants": 100.0 * i, "tasks": []}
               for i in range(1, 4)]
    img, caption = maps.gemeente_map("GM0010", records, "Delfzijl", map_file=DELFZIJL_WIJKEN)
    assert "data:image/svg+xml;base64" in img
    assert caption == "Kaart: de eigen wijkindeling van de gemeente. Cijfers: CBS en " \
        "de casus."  # never the file's name
    assert maps.gemeente_map("GM0010", records) is None  # no map for Delfzijl otherwise


def test_kaart_option_reads_the_file_with_the_same_checks_before_any_work(tmp_path, capsys):
    from mkba.base.assumptions import DATA_DIR
    from mkba.run.cli import main

    doc = pdok_shaped(DELFZIJL_BUURTEN, "buurt", "Delfzijl")
    doc["features"][0]["properties"]["buurtcode"] = "BU0010 0101"
    bad = tmp_path / "eigen.geojson"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "rapport"
    code = main(["report", str(DATA_DIR / "voorbeeld"), "--wijk", "WK036330", "--out", str(out),
                 "--kaart", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "eigen.geojson::features[1]: buurtcode 'BU0010 0101' is geen CBS-code" in err
    assert not out.exists()
    assert main(["batch", str(DATA_DIR / "voorbeeld"), "--out", str(out), "--kaart",
                 str(tmp_path / "weg.geojson")]) == 2
    assert "--kaart" in capsys.readouterr().err and not out.exists()


@pytest.mark.slow
def test_report_with_own_map_file(tmp_path):
    """`mkba report … --kaart` end to end: the rendered report draws the user's map."""
    from mkba.base.assumptions import DATA_DIR
    from mkba.run.cli import main

    own = tmp_path / "wijkindeling.geojson"  # constructed: a square around WK036330's area
    own.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"wijkcode": c, "wijknaam": n}, "geometry": {
            "type": "Polygon", "coordinates": [[[x, 487000], [x + 1000, 487000],
                                                [x + 1000, 488000], [x, 487000]]]}}
        for c, n, x in [("WK036330", "Eigen wijk 30", 121000), ("WK036331", "Eigen wijk 31", 122000)]]}),
        encoding="utf-8")
    out = tmp_path / "rapport"
    assert main(["report", str(DATA_DIR / "voorbeeld"), "--wijk", "WK036330", "--out", str(out),
                 "--kaart", str(own)]) == 0
    html = (out / "WK036330.html").read_text(encoding="utf-8")
    # the user's map is drawn (its names in the figure's text alternative) and credited,
    # without the file's name (issue 21: no file names in what readers see)
    assert 'alt="Figuur: Ligging van Eigen wijk 30"' in html
    assert "Kaart: de eigen wijkindeling van de gemeente." in html
    assert "wijkindeling.geojson" not in html


# ----------------------------------------------------------------------------- the 2019 map

AMS_2019 = maps.SHIPPED_GEO / "amsterdam_wijken_2019_cbs_gegeneraliseerd.geojson"


def test_2019_map_is_whole_and_matches_the_cbs_names():
    """The 99 wijken of Amsterdam with their 2019 codes (data/cbs/README.md): closed rings,
    borders shared exactly (a mistyped coordinate would leave an unshared edge inside the
    city), one closed outline per part of the city, and every name as CBS has it."""
    import csv
    from collections import Counter

    raw = json.loads(AMS_2019.read_text(encoding="utf-8"))
    edges, names = Counter(), {}
    for f in raw["features"]:
        names[f["properties"]["region_code"]] = f["properties"]["region_name"]
        for ring in f["geometry"]["coordinates"]:
            assert ring[0] == ring[-1]
            for a, b in zip(ring, ring[1:], strict=False):
                edges[tuple(sorted((tuple(a), tuple(b))))] += 1
    assert len(names) == 99 and sorted(names)[0] == "WK036300" and sorted(names)[-1] == "WK036398"
    assert set(edges.values()) == {1, 2}
    # the unshared edges are outlines: every corner on them has exactly two of them
    corners = Counter(p for e, n in edges.items() if n == 1 for p in e)
    assert set(corners.values()) == {2}
    from mkba.base.assumptions import DATA_DIR

    with open(DATA_DIR / "cbs" / "kwb_2019_84583NED_amsterdam.csv", encoding="utf-8") as f:
        cbs = {r["Codering_3"].strip(): r["RegioNaam_fromStatLineLabels"].strip()
               for r in csv.DictReader(f) if r["Codering_3"].strip().startswith("WK")}
    assert names == cbs
    b = maps.read_boundaries(AMS_2019)
    assert b.crs == "EPSG:28992" and not b.crs_inferred and "CBS" in b.source


@pytest.mark.parametrize("code", ["WK036330", "WK036339", "WK036394", "WK036360"])
def test_every_wijk_of_the_example_has_a_map(code, monkeypatch, tmp_path):
    """The example uses 2019 codes: the map that holds the code is chosen, not the newer
    map of the same gemeente (which has other codes)."""
    monkeypatch.setenv("MKBA_CBS_DIR", str(tmp_path / "leeg"))
    assert maps.find_map("GM0363", code=code) == AMS_2019
    assert maps.find_map("GM0363", code="WK0363AA") == AMS


def test_locator_section_shows_the_map_or_one_plain_sentence(monkeypatch, tmp_path):
    from mkba.report.reports import wijk_report

    monkeypatch.setenv("MKBA_CBS_DIR", str(tmp_path / "leeg"))
    html = wijk_report("WK036339", None, effects=False).section_map()._repr_html_()
    assert html.count("<img") == 1 and "Kadaster / Centraal Bureau voor de Statistiek, 2019" in html
    # a wijk of a gemeente without any map: one sentence, no file name, no command
    html = wijk_report("WK034401", None, effects=False).section_map()._repr_html_()
    assert "<img" not in html
    assert "Voor deze wijk is (nog) geen kaart beschikbaar." in html
    assert ".geojson" not in html and "mkba" not in html and "--kaart" not in html


def test_one_wording_for_a_map_without_a_source_and_never_its_file_name():
    """The notebook's choropleth (source_line), the index (reader_source) and the report
    (map_credit) credit the gemeente's own map alike, without the file's name (found by the
    second reader of issue 23: the choropleth printed 'Kaart: wijken.geojson (eigen bestand)')."""
    from mkba.report.sections.location import map_credit

    own = maps.Boundaries(path="/home/a/wijken.geojson")
    assert maps.source_line(own) == maps.reader_source(own) == map_credit(own, own=True)
    assert "geojson" not in maps.source_line(own)
