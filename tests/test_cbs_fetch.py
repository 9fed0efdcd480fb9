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
import mkba.evidence.cbs_boundaries as bd
import mkba.evidence.cbs_harmonise as hz
import mkba.sources.http as H
import mkba.sources.kwb as K
from mkba.base.errors import CaseError, FetchError
from mkba.evidence.cbs_tables import CATALOGUE
from mkba.run.cli import main
from tests.cbs_recorded import GM, Server, load, recorded_rows

YEARS = [2019, 2021, 2024]
TABLES = {2019: "84583NED", 2021: "85039NED", 2024: "85984NED"}


@pytest.fixture
def server(monkeypatch, tmp_path):
    """Recorded server as the default transport, no real waiting, fetched dir = tmp."""
    srv = Server()
    monkeypatch.setattr(H, "DEFAULT_TRANSPORT", srv.transport())
    waits: list[float] = []
    monkeypatch.setattr(H, "SLEEP", waits.append)
    srv.waits = waits
    monkeypatch.setenv("MKBA_CBS_DIR", str(tmp_path / "opgehaald"))
    return srv


def fetch(**kw):
    return K.fetch_kwb(GM, kw.pop("years", YEARS), **kw)


def row_of(table: str, code: str) -> dict:
    return next(r for r in recorded_rows(table) if r["WijkenEnBuurten"].strip() == code)


# ----------------------------------------------------------------------------- harmonise


@pytest.mark.slow
def test_fetch_writes_one_long_file_per_year_with_provenance(server, tmp_path):
    res = fetch()
    out = tmp_path / "opgehaald"
    assert sorted(p.name for p in res.written if p.name.startswith("kwb_")) == [
        f"kwb_{GM}_wijk_{y}_{TABLES[y]}.csv.gz" for y in YEARS]
    # and the flags alone of 2020, between 2019 and 2021 (2022 and 2023 are not recorded)
    assert f"indeling_{GM}_wijk_2020_84799NED.csv.gz" in [p.name for p in res.written]
    df = cbs.read_fetched(out)
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
    df = cbs.read_fetched(tmp_path / "opgehaald")
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
    df = cbs.read_fetched(tmp_path / "opgehaald")
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
    long = hz.harmonise([one], props, {}, year=2024, table_id="85984NED")
    assert np.isnan(long.loc[long["indicator"] == "AantalInwoners", "value"].iloc[0])


def test_two_topics_with_one_stem_are_never_merged():
    props = load("85984NED", "DataProperties")["value"]
    stems = hz.topic_stems(props)
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
    assert hz.topic_stems(flat)["Appartement_54"][0] == "Appartement_54"


@pytest.mark.slow
def test_server_side_filter_paging_and_a_timeout_on_every_request(server):
    fetch()
    data_requests = [r for r in server.seen if r.url.path.endswith("/TypedDataSet")]
    firsts = [r for r in data_requests if "$skip" not in r.url.params
              and "$select" not in r.url.params]  # ($select: the flags alone of 2020)
    assert len(firsts) == 3
    for r in firsts:
        assert r.url.params["$filter"] == (
            "startswith(WijkenEnBuurten,'GM0114') or startswith(WijkenEnBuurten,'WK0114')")
    # 2024 comes in two pages (odata.nextLink), and both are in the file
    assert any("$skip" in r.url.params for r in data_requests)
    for r in server.seen:
        t = r.extensions["timeout"]
        assert t["read"] == H.TIMEOUT and t["connect"] == H.CONNECT_TIMEOUT


@pytest.mark.slow
def test_all_pages_arrive(server, tmp_path):
    fetch(years=[2024])
    df = cbs.read_fetched(tmp_path / "opgehaald")
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
    # the figures asked for again: only 2021 (flags alone of the years between may be asked)
    full = [r for r in server.seen[n:] if r.url.path.endswith("/TypedDataSet")
            and "$select" not in r.url.params]
    assert full and all("/85039NED/" in str(r.url) for r in full)
    n = len(server.seen)
    res = fetch(years=[2024], refresh=True)
    assert len([p for p in res.written if p.name.startswith("kwb_")]) == 1 and not res.skipped
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
    monkeypatch.setattr(H, "SLEEP", waits.append)
    http = H.Http(httpx.MockTransport(refuse))
    with pytest.raises(FetchError) as err:
        K.fetch_kwb(GM, [2024], out_dir=tmp_path / "o", http=http)
    msg = str(err.value)
    assert "geen verbinding met opendata.cbs.nl" in msg and "niets geschreven" in msg
    assert len(calls) == H.ATTEMPTS
    assert waits == [H.BACKOFF * 2 ** i for i in range(H.ATTEMPTS - 1)]  # 1, 2, 4 s
    assert_nothing_written(tmp_path / "o")


def test_timeout_is_reported_in_dutch(monkeypatch, tmp_path):
    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    monkeypatch.setattr(H, "SLEEP", lambda s: None)
    with pytest.raises(FetchError, match="antwoordde niet binnen 30 seconden"):
        K.fetch_kwb(GM, [2024], out_dir=tmp_path / "o", http=H.Http(httpx.MockTransport(slow)))
    assert_nothing_written(tmp_path / "o")


@pytest.mark.slow
def test_transient_http_errors_are_retried(server, tmp_path):
    server.faults[("85984NED", "DataProperties")] = [httpx.Response(503), httpx.Response(502)]
    res = fetch(years=[2024])
    assert len(res.written) == 1
    assert server.waits == [H.BACKOFF, H.BACKOFF * 2]


def test_persistent_server_error_and_client_error(server, tmp_path):
    server.faults[("85984NED", "DataProperties")] = [httpx.Response(500)] * H.ATTEMPTS
    with pytest.raises(FetchError, match="HTTP-fout 500"):
        fetch(years=[2024])
    server.faults[("85984NED", "DataProperties")] = [httpx.Response(400)]
    n = len(server.seen)
    with pytest.raises(FetchError, match="HTTP-fout 400"):
        fetch(years=[2024])
    assert len(server.seen) == n + 1  # a 400 is not retried
    assert_nothing_written(tmp_path / "opgehaald")


def test_unknown_table_id(server, tmp_path):
    with pytest.raises(FetchError, match=r"99999NED.*bestaat niet.*HTTP 404"):
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
    with pytest.raises(FetchError, match="onvolledige"):
        fetch(years=[2019, 2024])
    out = tmp_path / "opgehaald"
    names = sorted(p.name for p in out.rglob("*") if p.is_file())
    # 2019 is complete and kept; nothing of 2024, no temporary files
    assert names == ["DataProperties_84583NED.json", f"kwb_{GM}_wijk_2019_84583NED.csv.gz"]
    # a connection that breaks off is retried, and then reported
    server.faults[("85984NED", "TypedDataSet")] = [
        httpx.RemoteProtocolError("peer closed connection without sending complete message body")
    ] * H.ATTEMPTS
    with pytest.raises(FetchError, match="onvolledige download"):
        fetch(years=[2024])
    assert not list(out.glob("*2024*"))


def test_answer_without_value_is_an_incomplete_download(server):
    server.faults[("85984NED", "DataProperties")] = [httpx.Response(200, json={"odata.metadata": "x"})]
    with pytest.raises(FetchError, match="mist 'value'"):
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

    with pytest.raises(FetchError, match="ligt niet in GM0114"):
        K.fetch_kwb(GM, [2024], out_dir=tmp_path / "o",
                     http=H.Http(httpx.MockTransport(also_amsterdam)))
    assert not list((tmp_path / "o").glob("kwb_*"))


def test_cli_faults_exit_2_with_dutch_message(monkeypatch, tmp_path, capsys):
    def refuse(request):
        raise httpx.ConnectError("no route", request=request)

    monkeypatch.setattr(H, "DEFAULT_TRANSPORT", httpx.MockTransport(refuse))
    monkeypatch.setattr(H, "SLEEP", lambda s: None)
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
    assert K.parse_years("2019-2021,2024") == [2019, 2020, 2021, 2024]
    with pytest.raises(CaseError):
        K.parse_years("2024-2019")
    # the ids that data/cbs documents are in the catalogue, each with its source
    shipped = {2015: "83220NED", 2017: "83765NED", 2019: "84583NED", 2020: "84799NED",
               2021: "85039NED", 2023: "85618NED", 2024: "85984NED"}
    assert {y: CATALOGUE[y].table_id for y in shipped} == shipped
    assert all(t.source for t in CATALOGUE.values())
    assert all(re.fullmatch(r"\d{5}NED", t.table_id) for t in CATALOGUE.values())
    assert cbs.TABLE_YEARS.items() <= {t.table_id: y for y, t in CATALOGUE.items()}.items()


# ------------------------------------------------------------------- boundary changes


@pytest.mark.slow
def test_boundary_changes_in_the_fetched_series(server):
    res = fetch()
    text = " ".join(res.warnings)
    # WK011411 and WK011412 (2019, 2021) are gone in 2024, WK011413 is new and CBS flags it 3
    assert "2021 → 2024" in text and "WK011411" in text and "WK011413" in text
    ch = bd.boundary_changes(cbs.read_fetched(), GM)
    got = {(r.region_code, r.change) for r in ch.itertuples()}
    assert {("WK011411", "verdwenen"), ("WK011412", "verdwenen"), ("WK011413", "nieuw"),
            ("WK011413", "grens gewijzigd")} <= got
    assert {c for c, k in got if k == "verdwenen"} == {"WK011411", "WK011412"}


def test_amsterdam_renumbering_is_detected_in_the_shipped_data():
    ch = bd.boundary_changes(cbs.load_kwb(), "GM0363")
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
        bd.read_boundary_mapping(p)
    msgs = [str(x) for x in err.value.problems]
    assert "m.csv:3:nieuw_code: 'XX' is geen wijk- of buurtcode (WK…/BU…)" in msgs
    assert "m.csv:4:gewicht: 1,5 ligt niet tussen 0 en 1" in msgs
    assert "m.csv:2:gewicht: de gewichten van WK011411 tellen op tot 0.5, niet tot 1" in msgs
    with pytest.raises(CaseError, match="kolom ontbreekt"):
        bd.read_boundary_mapping(write_mapping(tmp_path / "n.csv", [["oud", "nieuw"]]))


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
    out = bd.apply_boundary_mapping(kw, bd.read_boundary_mapping(m))
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
    html = r.section_map()._repr_html_()
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
    assert html.count("data:image/svg+xml") >= 4  # figures are embedded SVG


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


# ------------------------------------------------------------ issue 22: the answer checked


def with_rows(server, extra: dict | None = None, change=None, table: str = "85984NED"):
    """Let the recorded server add ``extra`` fields to a copy of WK011401's row, or change the
    rows with ``change(rows)``, in the first TypedDataSet page."""
    data = load(table, "TypedDataSet")
    rows = data["value"]
    if extra is not None:
        rows.append(dict(rows[1], **extra))
    if change is not None:
        change(rows)
    server.faults[(table, "TypedDataSet")] = [httpx.Response(200, json=data)]


@pytest.mark.parametrize("code, message", [
    ("WK0114<script>", "is geen CBS-code"),
    ("WK0114/../../../etc", "is geen CBS-code"),
    ("wk011401", "is geen CBS-code"),
    ("BU01140101", "is een buurtcode; verwacht: gemeente of wijk"),
    ("WK036301", "ligt niet in GM0114"),
])
def test_region_codes_are_checked_in_full(server, tmp_path, code, message):
    """Item 9: before, only characters 2–6 were compared with the gemeente."""
    with_rows(server, {"WijkenEnBuurten": code.ljust(10)})
    with pytest.raises(FetchError, match=message):
        fetch(years=[2024])
    assert not (tmp_path / "opgehaald").exists() or not list((tmp_path / "opgehaald").rglob("kwb_*"))


@pytest.mark.parametrize("value, message", [
    (1e308, "ligt buiten ±10\\^12"),
    (-2e12, "ligt buiten ±10\\^12"),
    ("=cmd|' /C calc'!A0", "is geen getal"),
    (True, "is geen getal"),
])
def test_values_are_numbers_within_ten_to_the_twelfth(server, tmp_path, value, message):
    with_rows(server, {"WijkenEnBuurten": "WK011499  ", "AantalInwoners_5": value})
    with pytest.raises(FetchError, match=message):
        fetch(years=[2024])
    assert not list((tmp_path / "opgehaald").glob("kwb_*")) if (tmp_path / "opgehaald").exists() else True


def test_nan_and_infinity_in_the_json_are_refused(server):
    body = json.dumps(load("85984NED", "TypedDataSet")).replace("null", "NaN", 1)
    server.faults[("85984NED", "TypedDataSet")] = [httpx.Response(200, content=body.encode())]
    with pytest.raises(FetchError, match="geen geldige JSON"):
        fetch(years=[2024])


def gz_cells(path: Path) -> list[list[str]]:
    import csv
    import gzip
    import io

    return list(csv.reader(io.StringIO(gzip.decompress(path.read_bytes()).decode("utf-8"))))


def test_text_from_cbs_cannot_become_a_formula_in_the_csv(server, tmp_path):
    """Item 9: a region name like ``=cmd|' /C calc'!A0`` is written as text (leading
    apostrophe), and read back by mkba as it was."""
    names = load("85984NED", "WijkenEnBuurten")
    hostile = {"WK011401": "=cmd|' /C calc'!A0", "WK011402": "+1+1", "WK011403": "@SUM(A1)",
               "WK011404": "-2+3", "WK011405": "\t=1"}
    for d in names["value"]:
        d["Title"] = hostile.get(d["Key"].strip(), d["Title"])
    server.faults[("85984NED", "WijkenEnBuurten")] = [httpx.Response(200, json=names)]
    path = fetch(years=[2024]).written[0]
    rows = gz_cells(path)
    header = rows[0]
    text_columns = [header.index(c) for c in ("region_name", "label", "unit", "query",
                                              "region_code", "indicator", "source_file")]
    cells = [r[i] for r in rows[1:] for i in text_columns]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=cmd|' /C calc'!A0" in cells
    back = cbs.read_fetched(tmp_path / "opgehaald")
    got = back.drop_duplicates("region_code").set_index("region_code")["region_name"]
    assert {k: got[k] for k in hostile} == {k: v.strip() for k, v in hostile.items()}


# ---------------------------------------------------------------- item 5: region names


def test_names_fall_back_to_the_whole_dimension_when_the_filter_is_refused(server, tmp_path):
    server.faults[("85984NED", "WijkenEnBuurten")] = [httpx.Response(400, text="Bad filter")]
    res = fetch(years=[2024])
    assert len(res.written) == 1
    asked = [r for r in server.seen if r.url.path.endswith("/WijkenEnBuurten")]
    assert "$filter" in asked[0].url.params and "$filter" not in asked[1].url.params
    names = {d["Key"].strip(): d["Title"] for d in load("85984NED", "WijkenEnBuurten")["value"]}
    df = cbs.read_fetched(tmp_path / "opgehaald")
    assert df.loc[df["region_code"] == "WK011408", "region_name"].iloc[0] == names["WK011408"]


def test_a_year_is_never_lost_over_names(server, tmp_path):
    server.faults[("85984NED", "WijkenEnBuurten")] = [httpx.Response(400), httpx.Response(404)]
    res = fetch(years=[2024])
    assert len(res.written) == 1
    assert any("namen van de wijken konden niet worden opgehaald" in w for w in res.warnings)
    df = cbs.read_fetched(tmp_path / "opgehaald")
    assert df["region_name"].isna().all() and df["value"].notna().any()


# ------------------------------------------------ item 3: flags against the previous year


def test_a_flag_in_a_year_between_fetched_years_is_fetched(server, tmp_path):
    """Item 3: WK011411 changed its boundary in 2020 (flag 3 in the constructed 2020 table).
    With only 2019 and 2021 fetched, the 2020 flags are fetched on their own."""
    res = fetch(years=[2019, 2021])
    names = sorted(p.name for p in res.written)
    assert f"indeling_{GM}_wijk_2020_84799NED.csv.gz" in names
    text = " ".join(res.warnings)
    assert "indeling veranderd 2019 → 2020 (grens gewijzigd: WK011411)" in text
    asked = [r for r in server.seen if "/84799NED/TypedDataSet" in str(r.url)]
    assert asked and asked[0].url.params["$select"] == (
        "WijkenEnBuurten,IndelingswijzigingWijkenEnBuurten_4")


def test_a_flag_is_dated_against_the_previous_calendar_year():
    kwb = pd.DataFrame({"gemeente_code": GM, "region_type": "Wijk", "region_code": "WK011401",
                        "year": [2019, 2021], "indelingswijziging": ["1", "3"]})
    ch = bd.boundary_changes(kwb, GM)
    assert ch[["year_from", "year_to"]].values.tolist() == [[2020, 2021]]  # not 2019 → 2021
    assert bd.describe_changes(ch)[0].startswith("indeling veranderd 2020 → 2021")


def test_years_without_a_table_are_warned_about_plainly(server, tmp_path):
    res = fetch(years=[2024, 2030], tables={2030: "85984NED"})
    text = " ".join(res.warnings)
    assert "2025: de indelingswijziging van tabel 86165NED kon niet worden opgehaald" in text
    for year in range(2026, 2030):
        assert f"{year}: geen KWB-tabel bekend, dus niet nagegaan" in text


# ------------------------------------------------------------- item 4: 2025 and the CPI


def test_2025_is_in_the_catalogue_with_its_source():
    assert CATALOGUE[2025].table_id == "86165NED"
    assert "86165NED" in CATALOGUE[2025].source and "test-online" in CATALOGUE[2025].source


def test_the_cpi_is_refreshed_from_83131ned(server, tmp_path, capsys):
    from mkba.base.prices import cpi_series, derived_cpi_years, index_factor

    shipped = cpi_series()
    assert int(shipped.index.max()) == 2024
    with pytest.raises(CaseError, match="geen CPI voor 2025"):
        index_factor([2025], 2025)
    assert main(["cbs", "cpi"]) == 0
    assert "CPI 1996–2025" in capsys.readouterr().out
    rows = [r for r in load("83131NED", "TypedDataSet")["value"]
            if r["Perioden"].endswith("JJ00") and r["Bestedingscategorieen"].startswith("T001112")]
    expected = {int(r["Perioden"][:4]): r["CPI_1"] for r in rows}
    cpi = cpi_series()
    assert cpi.to_dict() == expected  # published values replace the derived ones
    assert derived_cpi_years() == ()
    # a case with 2025 amounts in 2025 prices: factor to 2024 prices by hand
    assert index_factor([2025], 2024)[0] == pytest.approx(expected[2024] / expected[2025])
    asked = next(r for r in server.seen if "/83131NED/TypedDataSet" in str(r.url))
    assert asked.url.params["$filter"] == ("startswith(Bestedingscategorieen,'T001112') and "
                                           "substringof('JJ',Perioden)")


@pytest.mark.parametrize("change, message", [
    (lambda rows: rows.pop(10), "de reeks mist 2006"),
    (lambda rows: rows[19].update(CPI_1=101.5), "niet 2015 = 100"),
    (lambda rows: rows[3].update(CPI_1=1e308), "is geen prijsindex"),
])
def test_a_cpi_that_is_not_a_cpi_is_refused(server, tmp_path, change, message):
    from mkba.sources.cpi import fetch_cpi

    with_rows(server, change=change, table="83131NED")
    with pytest.raises(FetchError, match=message):
        fetch_cpi(tmp_path / "o")
    assert not (tmp_path / "o").exists()
