"""Maps: reading GeoJSON (with and without a crs member), fetching boundaries from PDOK on
recorded responses, the locator map, the choropleth in the batch index and the notebook."""

from __future__ import annotations

import json

import httpx
import matplotlib as mpl
import pytest

import mkba.evidence.cbs_fetch as cf
from mkba.base.errors import CaseError
from mkba.report import maps
from tests.cbs_recorded import GM, REC, Server

AMS = maps.SHIPPED_GEO / "amsterdam_wijken_2022plus_partial20_dataamsterdam_api.geojson"


@pytest.fixture
def server(monkeypatch, tmp_path):
    srv = Server()
    monkeypatch.setattr(cf, "DEFAULT_TRANSPORT", srv.transport())
    monkeypatch.setattr(cf, "SLEEP", lambda s: None)
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
    path = maps.fetch_map(GM, years=[2019, 2024])
    assert path.name == f"kaart_{GM}_wijk_2024.geojson"
    first = server.seen[0]
    assert first.url.path == "/cbs/wijken-en-buurten-2024/ogc/v1/collections/wijken/items"
    assert first.url.params["gemeentecode"] == GM
    assert first.url.params["crs"] == "http://www.opengis.net/def/crs/EPSG/0/28992"
    assert all(r.extensions["timeout"]["read"] == cf.TIMEOUT for r in server.seen)
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
    maps.fetch_map(GM, years=[2024])
    assert len(server.seen) == n
    maps.fetch_map(GM, years=[2024], refresh=True)
    assert len(server.seen) == n + 2


def test_fetch_map_faults(server, tmp_path):
    with pytest.raises(cf.FetchError, match="bestaat niet"):
        maps.fetch_map(GM, years=[2023])  # no recording for 2023: the server says 404
    with pytest.raises(CaseError, match="PDOK heeft wijk- en buurtkaarten"):
        maps.fetch_map(GM, years=[2019])
    server.faults[("pdok", "wijken")] = [httpx.Response(200, json={"type": "FeatureCollection",
                                                                   "features": [], "links": []})]
    with pytest.raises(cf.FetchError, match="geen wijken voor GM0114"):
        maps.fetch_map(GM, years=[2024])
    server.faults[("pdok", "wijken")] = [httpx.Response(200, json={"type": "FeatureCollection"})]
    with pytest.raises(cf.FetchError, match="mist 'features'"):
        maps.fetch_map(GM, years=[2024])
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
    assert "<h2>Kaart GM0363</h2>" in html and "data:image/png;base64" in html
    # codes that are not on the map (Amsterdam's pre-2022 codes against its 2022+ map): no map
    result = BatchResult([dict(records[0], wijk_code="WK036330")], tmp_path, 1.0, 1, "lokaal")
    _write_outputs(result, None, {})
    assert "<h2>Kaart" not in result.index.read_text(encoding="utf-8")
    # without a boundary file for the gemeente: no map, the rest as before
    records = [dict(records[0], wijk_code="WK034401")]
    result = BatchResult(records, tmp_path, 1.0, 1, "lokaal")
    _write_outputs(result, None, {})
    assert "<h2>Kaart" not in result.index.read_text(encoding="utf-8")


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
