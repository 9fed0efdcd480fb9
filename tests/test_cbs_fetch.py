"""`mkba cbs ophalen`: the CBS client on recorded responses (HTTP transport level), harmonising,
incremental fetch, faults, boundary changes, and the whole path to a profile and an effect.

Expected values are read straight from the recorded JSON (tests/data/cbs_api), never from the
package's output. Emmen (GM0114) is the gemeente outside Amsterdam and Utrecht; see the README
of the recordings for which of its figures are real and which are synthetic.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

import mkba.evidence.cbs as cbs
import mkba.evidence.cbs_fetch as cf
from mkba.base.errors import CaseError
from mkba.run.cli import main
from tests.cbs_recorded import GM, Server, load, recorded_rows

YEARS = [2019, 2021, 2024]
TABLES = {2019: "84583NED", 2021: "85039NED", 2024: "85984NED"}


@pytest.fixture
def server(monkeypatch, tmp_path):
    """Recorded server as the default transport, no real waiting, fetched dir = tmp."""
    srv = Server()
    monkeypatch.setattr(cf, "DEFAULT_TRANSPORT", srv.transport())
    waits: list[float] = []
    monkeypatch.setattr(cf, "SLEEP", waits.append)
    srv.waits = waits
    monkeypatch.setenv("MKBA_CBS_DIR", str(tmp_path / "opgehaald"))
    return srv


def fetch(**kw):
    return cf.fetch_kwb(GM, kw.pop("years", YEARS), **kw)


def row_of(table: str, code: str) -> dict:
    return next(r for r in recorded_rows(table) if r["WijkenEnBuurten"].strip() == code)


# ----------------------------------------------------------------------------- harmonise


@pytest.mark.slow
def test_fetch_writes_one_long_file_per_year_with_provenance(server, tmp_path):
    res = fetch()
    out = tmp_path / "opgehaald"
    assert sorted(p.name for p in res.written) == [
        f"kwb_{GM}_wijk_{y}_{TABLES[y]}.csv.gz" for y in YEARS]
    df = cf.read_fetched(out)
    assert set(df["cbs_table"]) == set(TABLES.values())
    assert (df["quality"] == "cbs_api").all()
    assert df["downloaded_at"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()
    # the query in the file is the one sent, with the server-side filter on the gemeente
    q = df.loc[df["year"] == 2024, "query"].iloc[0]
    assert "85984NED/TypedDataSet" in q and "startswith" in q and "WK0114" in q
    # every region is in the gemeente and codes are trimmed (CBS pads them to 10)
    assert set(df["gemeente_code"]) == {GM}
    assert df["region_code"].str.len().isin([6, 8]).all()


@pytest.mark.slow
def test_keys_are_harmonised_to_stems_with_cbs_labels_and_units(server, tmp_path):
    fetch()
    df = cf.read_fetched(tmp_path / "opgehaald")
    # 2019 key GemiddeldeWoningwaarde_35 and 2024 key GemiddeldeWOZWaardeVanWoningen_39 are one stem
    woz = df[(df["indicator"] == "GemiddeldeWOZWaardeVanWoningen") & (df["region_code"] == "WK011403")]
    assert dict(zip(woz["year"], woz["original_key"], strict=True)) == {
        2019: "GemiddeldeWoningwaarde_35", 2024: "GemiddeldeWOZWaardeVanWoningen_39"}
    # values are the recorded cells
    assert woz.set_index("year").loc[2019, "value"] == row_of("84583NED", "WK011403")["GemiddeldeWoningwaarde_35"]
    assert woz.set_index("year").loc[2024, "value"] == row_of("85984NED", "WK011403")["GemiddeldeWOZWaardeVanWoningen_39"]
    # renumbered: HuishoudensTotaal is _28 in 2019/2021 and _29 in 2024
    hh = df[(df["indicator"] == "HuishoudensTotaal") & (df["region_code"] == "WK011401")]
    assert dict(zip(hh["year"], hh["original_key"], strict=True)) == {
        2019: "HuishoudensTotaal_28", 2021: "HuishoudensTotaal_28", 2024: "HuishoudensTotaal_29"}
    # Dutch title and unit from the table's own DataProperties
    props = {p["Key"]: p for p in load("85984NED", "DataProperties")["value"]}
    inh = df[(df["indicator"] == "AantalInwoners") & (df["year"] == 2024)].iloc[0]
    assert (inh["label"], inh["unit"]) == (props["AantalInwoners_5"]["Title"],
                                           props["AantalInwoners_5"]["Unit"])
    assert df.loc[df["indicator"] == "GemiddeldeWOZWaardeVanWoningen", "unit"].eq("x 1 000 euro").all()
    # region names from the WijkenEnBuurten dimension
    names = {d["Key"].strip(): d["Title"] for d in load("85984NED", "WijkenEnBuurten")["value"]}
    got = df[df["year"] == 2024].drop_duplicates("region_code").set_index("region_code")["region_name"]
    assert got.to_dict() == {k: names[k] for k in got.index}


@pytest.mark.slow
def test_missing_stays_missing_never_zero(server, tmp_path):
    fetch(years=[2024])
    df = cf.read_fetched(tmp_path / "opgehaald")
    rec = row_of("85984NED", "WK011401")
    nulls = [k for k, v in rec.items() if v is None and re.search(r"_\d+$", k)
             and not k.startswith(("Indeling", "Gemeentenaam"))]
    assert nulls, "the recording has missing cells"
    sub = df[(df["region_code"] == "WK011401")].set_index("original_key")["value"]
    assert sub.loc[[k for k in nulls if k in sub.index]].isna().all()
    assert (sub.loc[[k for k in nulls if k in sub.index]] != 0).all()
    # a '.' cell (how CBS writes "missing" in its CSV exports) is missing too
    props = load("85984NED", "DataProperties")["value"]
    one = dict(rec, AantalInwoners_5=".")
    long = cf.harmonise([one], props, {}, year=2024, table_id="85984NED")
    assert np.isnan(long.loc[long["indicator"] == "AantalInwoners", "value"].iloc[0])


def test_two_topics_with_one_stem_are_never_merged():
    props = load("85984NED", "DataProperties")["value"]
    stems = cf.topic_stems(props)
    # electricity (kWh) and gas (m³) per apartment share the stem "Appartement" in 2024
    elec, gas = stems["Appartement_54"], stems["Appartement_62"]
    by_id = {p["ID"]: p for p in props}
    parent = {p["Key"]: by_id[p["ParentID"]]["Title"] for p in props
              if p.get("Key") in ("Appartement_54", "Appartement_62")}
    assert elec[0] != gas[0]
    assert (elec[2], gas[2]) == ("kWh", "m³")
    assert parent["Appartement_54"].strip() in elec[1] and parent["Appartement_62"].strip() in gas[1]
    # without the group in DataProperties the full key is kept (no silent merge either)
    flat = [dict(p, ParentID=None) for p in props]
    assert cf.topic_stems(flat)["Appartement_54"][0] == "Appartement_54"


@pytest.mark.slow
def test_server_side_filter_paging_and_a_timeout_on_every_request(server):
    fetch()
    data_requests = [r for r in server.seen if r.url.path.endswith("/TypedDataSet")]
    firsts = [r for r in data_requests if "$skip" not in r.url.params]
    assert len(firsts) == 3
    for r in firsts:
        assert r.url.params["$filter"] == (
            "startswith(WijkenEnBuurten,'GM0114') or startswith(WijkenEnBuurten,'WK0114')")
    # 2024 comes in two pages (odata.nextLink), and both are in the file
    assert any("$skip" in r.url.params for r in data_requests)
    for r in server.seen:
        t = r.extensions["timeout"]
        assert t["read"] == cf.TIMEOUT and t["connect"] == cf.CONNECT_TIMEOUT


@pytest.mark.slow
def test_all_pages_arrive(server, tmp_path):
    fetch(years=[2024])
    df = cf.read_fetched(tmp_path / "opgehaald")
    expected = {r["WijkenEnBuurten"].strip() for r in recorded_rows("85984NED")}
    assert set(df["region_code"]) == expected
    assert len(load("85984NED", "TypedDataSet")["value"]) < len(expected)  # really two pages


@pytest.mark.slow
def test_buurt_level_asks_for_buurten_too(server):
    fetch(years=[2024], niveau="buurt")
    first = next(r for r in server.seen if r.url.path.endswith("/TypedDataSet"))
    assert "startswith(WijkenEnBuurten,'BU0114')" in first.url.params["$filter"]


# --------------------------------------------------------------------------- incremental


@pytest.mark.slow
def test_second_run_fetches_only_what_is_missing_and_vernieuw_refetches(server, tmp_path):
    fetch(years=[2019, 2024])
    n = len(server.seen)
    res = fetch(years=[2019, 2021, 2024])
    assert [p.name for p in res.written] == [f"kwb_{GM}_wijk_2021_85039NED.csv.gz"]
    assert len(res.skipped) == 2
    assert all("/85039NED/" in str(r.url) for r in server.seen[n:])
    n = len(server.seen)
    res = fetch(years=[2024], refresh=True)
    assert len(res.written) == 1 and not res.skipped
    assert len(server.seen) > n


# ----------------------------------------------------------------------------- faults


def assert_nothing_written(folder: Path):
    files = [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []
    assert files == []


def test_no_network_retries_with_backoff_then_dutch_message(monkeypatch, tmp_path):
    calls = []

    def refuse(request):
        calls.append(request)
        raise httpx.ConnectError("Name or service not known", request=request)

    waits = []
    monkeypatch.setattr(cf, "SLEEP", waits.append)
    http = cf.Http(httpx.MockTransport(refuse))
    with pytest.raises(cf.FetchError) as err:
        cf.fetch_kwb(GM, [2024], out_dir=tmp_path / "o", http=http)
    msg = str(err.value)
    assert "geen verbinding met opendata.cbs.nl" in msg and "niets geschreven" in msg
    assert len(calls) == cf.ATTEMPTS
    assert waits == [cf.BACKOFF * 2 ** i for i in range(cf.ATTEMPTS - 1)]  # 1, 2, 4 s
    assert_nothing_written(tmp_path / "o")


def test_timeout_is_reported_in_dutch(monkeypatch, tmp_path):
    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    monkeypatch.setattr(cf, "SLEEP", lambda s: None)
    with pytest.raises(cf.FetchError, match="antwoordde niet binnen 30 seconden"):
        cf.fetch_kwb(GM, [2024], out_dir=tmp_path / "o", http=cf.Http(httpx.MockTransport(slow)))
    assert_nothing_written(tmp_path / "o")


@pytest.mark.slow
def test_transient_http_errors_are_retried(server, tmp_path):
    server.faults[("85984NED", "DataProperties")] = [httpx.Response(503), httpx.Response(502)]
    res = fetch(years=[2024])
    assert len(res.written) == 1
    assert server.waits == [cf.BACKOFF, cf.BACKOFF * 2]


def test_persistent_server_error_and_client_error(server, tmp_path):
    server.faults[("85984NED", "DataProperties")] = [httpx.Response(500)] * cf.ATTEMPTS
    with pytest.raises(cf.FetchError, match="HTTP-fout 500"):
        fetch(years=[2024])
    server.faults[("85984NED", "DataProperties")] = [httpx.Response(400)]
    n = len(server.seen)
    with pytest.raises(cf.FetchError, match="HTTP-fout 400"):
        fetch(years=[2024])
    assert len(server.seen) == n + 1  # a 400 is not retried
    assert_nothing_written(tmp_path / "opgehaald")


def test_unknown_table_id(server, tmp_path):
    with pytest.raises(cf.FetchError, match=r"99999NED.*bestaat niet.*HTTP 404"):
        fetch(years=[2025], tables={2025: "99999NED"})
    with pytest.raises(CaseError, match="geen CBS-tabelcode"):
        fetch(years=[2025], tables={2025: "85984"})
    assert_nothing_written(tmp_path / "opgehaald")


@pytest.mark.slow
def test_partial_download_writes_nothing_for_that_year(server, tmp_path):
    # page 2 of 2024 breaks off mid-body: invalid JSON
    good = json.dumps(load("85984NED", "TypedDataSet_page2"))
    server.faults[("85984NED", "TypedDataSet")] = [
        httpx.Response(200, json=load("85984NED", "TypedDataSet")),
        httpx.Response(200, content=good[: len(good) // 2].encode(),
                       headers={"content-type": "application/json"})]
    with pytest.raises(cf.FetchError, match="onvolledige"):
        fetch(years=[2019, 2024])
    out = tmp_path / "opgehaald"
    names = sorted(p.name for p in out.rglob("*") if p.is_file())
    # 2019 is complete and kept; nothing of 2024, no temporary files
    assert names == ["DataProperties_84583NED.json", f"kwb_{GM}_wijk_2019_84583NED.csv.gz"]
    # a connection that breaks off is retried, and then reported
    server.faults[("85984NED", "TypedDataSet")] = [
        httpx.RemoteProtocolError("peer closed connection without sending complete message body")
    ] * cf.ATTEMPTS
    with pytest.raises(cf.FetchError, match="onvolledige download"):
        fetch(years=[2024])
    assert not list(out.glob("*2024*"))


def test_answer_without_value_is_an_incomplete_download(server):
    server.faults[("85984NED", "DataProperties")] = [httpx.Response(200, json={"odata.metadata": "x"})]
    with pytest.raises(cf.FetchError, match="mist 'value'"):
        fetch(years=[2024])


@pytest.mark.slow
def test_rows_outside_the_gemeente_are_refused(monkeypatch, tmp_path):
    srv = Server(ignore_filter=True)  # a server that ignores the filter

    def also_amsterdam(request):
        resp = srv.handle(request)
        if request.url.path.endswith("/TypedDataSet") and "$skip" not in request.url.params:
            data = json.loads(resp.content)
            data["value"].append(dict(data["value"][1], WijkenEnBuurten="WK036300  "))
            return httpx.Response(200, json=data)
        return resp

    with pytest.raises(cf.FetchError, match="buiten GM0114"):
        cf.fetch_kwb(GM, [2024], out_dir=tmp_path / "o",
                     http=cf.Http(httpx.MockTransport(also_amsterdam)))
    assert not list((tmp_path / "o").glob("kwb_*"))


def test_cli_faults_exit_2_with_dutch_message(monkeypatch, tmp_path, capsys):
    def refuse(request):
        raise httpx.ConnectError("no route", request=request)

    monkeypatch.setattr(cf, "DEFAULT_TRANSPORT", httpx.MockTransport(refuse))
    monkeypatch.setattr(cf, "SLEEP", lambda s: None)
    code = main(["cbs", "ophalen", "--gemeente", GM, "--jaren", "2024", "--map",
                 str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert "geen verbinding met opendata.cbs.nl" in err and "Traceback" not in err
    assert_nothing_written(tmp_path / "o")
    assert main(["cbs", "ophalen", "--gemeente", "0114"]) == 2
    assert "geen CBS-gemeentecode" in capsys.readouterr().err
    assert main(["cbs", "ophalen", "--gemeente", GM, "--jaren", "2019-20x"]) == 2
    assert main(["cbs", "ophalen", "--gemeente", GM, "--jaren", "2030"]) == 2
    assert "geen KWB-tabel" in capsys.readouterr().err


def test_years_and_catalogue():
    assert cf.parse_years("2019-2021,2024") == [2019, 2020, 2021, 2024]
    with pytest.raises(CaseError):
        cf.parse_years("2024-2019")
    # the ids that data/cbs documents are in the catalogue, each with its source
    shipped = {2015: "83220NED", 2017: "83765NED", 2019: "84583NED", 2020: "84799NED",
               2021: "85039NED", 2023: "85618NED", 2024: "85984NED"}
    assert {y: cf.CATALOGUE[y].table_id for y in shipped} == shipped
    assert all(t.source for t in cf.CATALOGUE.values())
    assert all(re.fullmatch(r"\d{5}NED", t.table_id) for t in cf.CATALOGUE.values())
    assert cbs.TABLE_YEARS.items() <= {t.table_id: y for y, t in cf.CATALOGUE.items()}.items()


# ------------------------------------------------------------------- boundary changes


@pytest.mark.slow
def test_boundary_changes_in_the_fetched_series(server):
    res = fetch()
    text = " ".join(res.warnings)
    # WK011411 and WK011412 (2019, 2021) are gone in 2024, WK011413 is new and CBS flags it 3
    assert "2021 → 2024" in text and "WK011411" in text and "WK011413" in text
    ch = cf.boundary_changes(cf.read_fetched(), GM)
    got = {(r.region_code, r.change) for r in ch.itertuples()}
    assert {("WK011411", "verdwenen"), ("WK011412", "verdwenen"), ("WK011413", "nieuw"),
            ("WK011413", "grens gewijzigd")} <= got
    assert {c for c, k in got if k == "verdwenen"} == {"WK011411", "WK011412"}


def test_amsterdam_renumbering_is_detected_in_the_shipped_data():
    ch = cf.boundary_changes(cbs.load_kwb(), "GM0363")
    gone = set(ch.loc[ch["change"] == "verdwenen", "region_code"])
    new = set(ch.loc[ch["change"] == "nieuw", "region_code"])
    assert len(gone) == 99 and all(re.fullmatch(r"WK0363\d\d", c) for c in gone)
    assert "WK0363AA" in new and not gone & new


def write_mapping(path: Path, rows, sep=";"):
    path.write_text("\n".join(sep.join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_mapping_table_is_checked_with_file_row_and_column(tmp_path):
    p = write_mapping(tmp_path / "m.csv", [["oud_code", "nieuw_code", "gewicht"],
                                           ["WK011411", "WK011413", "0,5"],
                                           ["WK011412", "XX", "1"],
                                           ["WK011414", "WK011413", "1,5"]])
    with pytest.raises(CaseError) as err:
        cf.read_boundary_mapping(p)
    msgs = [str(x) for x in err.value.problems]
    assert "m.csv:3:nieuw_code: 'XX' is geen wijk- of buurtcode (WK…/BU…)" in msgs
    assert "m.csv:4:gewicht: 1,5 ligt niet tussen 0 en 1" in msgs
    assert "m.csv:2:gewicht: de gewichten van WK011411 tellen op tot 0.5, niet tot 1" in msgs
    with pytest.raises(CaseError, match="kolom ontbreekt"):
        cf.read_boundary_mapping(write_mapping(tmp_path / "n.csv", [["oud", "nieuw"]]))


@pytest.mark.slow
def test_mapping_carries_old_series_onto_the_new_code(server, tmp_path, capsys):
    m = write_mapping(tmp_path / "omzet.csv", [["oud_code", "nieuw_code", "gewicht"],
                                                ["WK011411", "WK011413", "1"],
                                                ["WK011412", "WK011413", "1"]])
    assert main(["cbs", "ophalen", "--gemeente", GM, "--jaren", "2019,2021,2024",
                 "--indeling", str(m)]) == 0
    kwb = cbs.load_kwb()
    new = kwb[kwb["region_code"] == "WK011413"].set_index(["year", "indicator"])["value"]
    for year, table in [(2019, "84583NED"), (2021, "85039NED")]:
        a, b = row_of(table, "WK011411"), row_of(table, "WK011412")
        key = next(k for k in a if k.startswith("AantalInwoners_"))
        # a count: the sum of the old areas
        assert new[(year, "AantalInwoners")] == a[key] + b[key]
        # an average: weighted by inhabitants
        size = next(k for k in a if k.startswith("GemiddeldeHuishoudensgrootte_"))
        expect = (a[size] * a[key] + b[size] * b[key]) / (a[key] + b[key])
        assert new[(year, "GemiddeldeHuishoudensgrootte")] == pytest.approx(expect)
    # the real 2024 figure of the new code is kept, not overwritten
    assert new[(2024, "AantalInwoners")] == row_of("85984NED", "WK011413")["AantalInwoners_5"]
    # an old value that is missing makes the converted value missing (no partial sum)
    kw = pd.DataFrame([
        {"region_code": "WK011411", "year": 2019, "indicator": "Mannen", "value": 10.0, "unit": "aantal"},
        {"region_code": "WK011412", "year": 2019, "indicator": "Mannen", "value": np.nan, "unit": "aantal"}])
    out = cf.apply_boundary_mapping(kw, cf.read_boundary_mapping(m))
    assert out["value"].isna().all()


# -------------------------------------------------------------- command → profile → effect


def write_emmen_case(folder: Path) -> Path:
    """A case in Emmen: one task in WK011408 from 2022, a target on one-person households."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = {
        "taken": [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
                  ["T1", "Huiskamer van de wijk", "WK011408", "2022", "2026"]],
        "kosten": [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"],
                   ["T1", "2022", "gemeente", "Subsidie", "20000", "2024"]],
        "effecten": [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                      "waarde_per_eenheid"],
                     ["T1", "Minder eenzaamheid", "bewoners", "2022", "2026", "10", "500"]],
        "doelen": [["taak_id", "indicator", "basisjaar", "streefjaar", "streefwaarde", "richting"],
                   ["T1", "Eenpersoonshuishoudens", "2021", "2026", "1000", "lager"]],
    }
    for name, rows in tables.items():
        (folder / f"{name}.csv").write_text("\n".join(";".join(r) for r in rows) + "\n",
                                            encoding="utf-8")
    return folder


@pytest.mark.slow
def test_command_to_load_kwb_to_profile_trends_and_effect(server, tmp_path, capsys):
    code = main(["cbs", "ophalen", "--gemeente", GM, "--jaren", "2019,2021,2024"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "Bron: CBS" in out.out
    kwb = cbs.load_kwb()
    mine = kwb[kwb["gemeente_code"] == GM]
    assert sorted(mine["year"].unique()) == YEARS
    # the fetched figures win over the shipped 8-variable file for 2024
    inh = mine[(mine["region_code"] == "WK011408") & (mine["indicator"] == "AantalInwoners")]
    assert inh.set_index("year")["quality"].to_dict() == {y: "cbs_api" for y in YEARS}
    assert cbs.region_names(kwb)["WK011408"] == "Wijk 08 Emmen (illustratief)"

    from mkba.evidence.indicators import indicator_series, wijk_profile

    p = wijk_profile("WK011408", kwb=kwb)
    assert p.year == 2024
    t = p.table.set_index("indicator")
    rec = row_of("85984NED", "WK011408")
    # one-person households as a share of all households, computed by hand from the recording
    share = rec["Eenpersoonshuishoudens_30"] / rec["HuishoudensTotaal_29"]
    assert t.at["Eenpersoonshuishoudens", "measure"] == pytest.approx(100 * share)
    assert len(t) >= 15  # a full profile, not the 8 variables of the shipped file
    s = indicator_series("WK011408", "Eenpersoonshuishoudens", kwb=kwb)
    assert list(s.index) == YEARS

    def pct(year):
        r = row_of(TABLES[year], "WK011408")
        single = next(v for k, v in r.items() if k.startswith("Eenpersoonshuishoudens_"))
        total = next(v for k, v in r.items() if k.startswith("HuishoudensTotaal_"))
        return 100 * single / total

    assert s["wijk"].tolist() == pytest.approx([pct(y) for y in YEARS])

    import mkba
    from mkba.evidence.panel import indicator_panel
    from mkba.evidence.treatment import effect_for_case

    case = mkba.read_case(write_emmen_case(tmp_path / "casus"))
    est = effect_for_case(case, "Eenpersoonshuishoudens", kwb=kwb, n_placebo=49)
    assert est.estimate is not None, est.warnings
    assert (est.n_years_pre, est.n_years_post) == (2, 1)
    # independent: difference in differences of means over the chosen comparison wijken
    panel = indicator_panel("Eenpersoonshuishoudens", kwb=kwb)
    comps = list(est.comparison_wijken)
    pre, post = [2019, 2021], [2024]
    treated = panel.loc["WK011408"]
    did = (treated[post].mean() - treated[pre].mean()) - (
        panel.loc[comps, post].mean(axis=1).mean() - panel.loc[comps, pre].mean(axis=1).mean())
    assert est.estimate == pytest.approx(did, rel=1e-9)
    assert len(comps) >= 5


@pytest.mark.slow
def test_wijk_report_outside_amsterdam_and_utrecht(server, tmp_path):
    assert main(["cbs", "ophalen", "--gemeente", GM, "--jaren", "2019,2021,2024",
                 "--kaart"]) == 0
    from mkba.report.reports import wijk_report

    r = wijk_report("WK011408", str(write_emmen_case(tmp_path / "casus")), draws=0)
    assert r.name == "Wijk 08 Emmen (illustratief)"
    assert r.profile is not None and r.profile.year == 2024
    trends = r.section_trends()._repr_html_()
    assert "<img" in trends
    assert "nog geen reeks" not in trends
    assert r.effects and r.effects[0].estimate is not None
    assert "Geschat effect" in r.section_effects()._repr_html_()
    from mkba.report.maps import locator_section

    html = locator_section(r)._repr_html_()
    assert "<img" in html and "PDOK" in html and "CC BY 4.0" in html
    assert "Kadaster / Centraal Bureau voor de Statistiek, 2024" in html


@pytest.mark.slow
def test_html_report_for_emmen_has_profile_trends_effect_and_map(server, tmp_path):
    """The rendered report (papermill, its own kernel) reads the fetched folder too."""
    assert main(["cbs", "ophalen", "--gemeente", GM, "--jaren", "2019,2021,2024",
                 "--kaart"]) == 0
    from mkba.report.render import render_report

    case = write_emmen_case(tmp_path / "casus")
    out = render_report("WK011408", tmp_path / "rapport", str(case))
    html = out.html.read_text(encoding="utf-8")
    assert "Wijk 08 Emmen (illustratief)" in html
    assert "CBS Wijk- en buurtkaart 2024 via PDOK" in html
    assert "Geschat effect" in html
    assert "nog geen reeks over meerdere jaren" not in html
    assert html.count("data:image/png") >= 4


@pytest.mark.slow
def test_boundary_note_for_a_changed_wijk(server):
    fetch()
    from mkba.report.maps import boundary_notes

    notes = boundary_notes("WK011413")
    assert len(notes) == 1 and "2024" in notes[0] and "code 3" in notes[0]
    assert boundary_notes("WK011408") == []


def test_cbs_help_is_dutch(capsys):
    with pytest.raises(SystemExit) as done:
        main(["cbs", "ophalen", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "Voorbeelden:" in text and "Bron: CBS" in text and "85984NED" in text
    assert main(["cbs"]) == 2


def test_cbs_grenzen_command_on_the_shipped_amsterdam_data(capsys):
    assert main(["cbs", "grenzen", "--gemeente", "GM0363"]) == 0
    out = capsys.readouterr().out
    assert "jaren in de cijfers: 2017, 2019, 2020, 2021, 2023, 2024" in out
    assert "indeling veranderd 2021 → 2023" in out
    assert "verdwenen: WK036300" in out and "en 89 meer" in out  # 99 codes, 10 shown
    assert main(["cbs", "grenzen", "--gemeente", "0363"]) == 2
