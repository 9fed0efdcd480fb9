"""Process evaluation (issue 14): criteria, partners, enquete and the buurtbudget.

Every expected figure below is worked out by hand in the test (the Wilson and Newcombe
intervals from their textbook formulas with ``math``), never copied from the package's output.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mkba import CaseError, evaluate, read_case
from mkba.evidence.process import (
    buurtbudget_balance,
    buurtbudget_summary,
    coalition,
    criteria_status,
    process_block,
    survey_results,
)
from mkba.run.cli import main

from .conftest import EXAMPLE, MINIMAL, write_case

Z = 1.959963984540054  # the 97.5 % point of the standard normal


def wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson score interval, written out (Wilson 1927; Newcombe 1998 eq. 3)."""
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


def newcombe(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float]:
    """Newcombe's hybrid score interval for p1 − p0 (Newcombe 1998, method 10)."""
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson(x1, n1)
    l0, u0 = wilson(x0, n0)
    d = p1 - p0
    return (d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2))


TAKEN = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
         ["T1", "Buurthuis", "WK036330", "2019", "2024"]]
ENQ_HEADER = ["taak_id", "jaar", "groep", "vraag", "antwoord", "aantal"]


def _case(tmp_path, **tables):
    return read_case(write_case(tmp_path / "c", taken=TAKEN, **tables))


def _rows(*specs):
    """Survey rows from (jaar, groep, vraag, {antwoord: aantal})."""
    out = [ENQ_HEADER]
    for year, group, question, counts in specs:
        out += [["T1", str(year), group, question, a, str(n)] for a, n in counts.items()]
    return out


# --------------------------------------------------------------------------------------
# survey


class TestSurvey:
    def test_mean_share_and_wilson_interval_by_hand(self, tmp_path):
        # answers 1..5 given 3, 7, 18, 44, 26 times
        case = _case(tmp_path, enquete=_rows(
            (2023, "bewoners", "tevreden", {"1": 3, "2": 7, "3": 18, "4": 44, "5": 26})))
        r = survey_results(case).iloc[0]
        n = 3 + 7 + 18 + 44 + 26                       # 98 respondents
        mean = (1 * 3 + 2 * 7 + 3 * 18 + 4 * 44 + 5 * 26) / n  # 377 / 98 = 3.847
        positive = 44 + 26                             # answers 4 and 5
        assert n == 98 and r["n"] == 98
        assert r["mean"] == pytest.approx(377 / 98) == pytest.approx(mean)
        assert r["share_positive"] == pytest.approx(positive / n) == pytest.approx(70 / 98)
        assert r["share_negative"] == pytest.approx(10 / 98)  # answers 1 and 2
        assert r["share_neutral"] == pytest.approx(18 / 98)
        low, high = wilson(positive, n)
        # p = 0.7143, z²/n = 0.0392: centre 0.7064, half 0.0881
        assert (low, high) == (pytest.approx(0.6181, abs=1e-4), pytest.approx(0.7943, abs=1e-4))
        assert r["ci_low"] == pytest.approx(low, abs=1e-12)
        assert r["ci_high"] == pytest.approx(high, abs=1e-12)

    def test_yes_no_question_has_a_share_but_no_mean(self, tmp_path):
        case = _case(tmp_path, enquete=_rows(
            (2021, "vrijwilligers", "gesteund", {"ja": 12, "nee": 7})))
        r = survey_results(case).iloc[0]
        assert r["scale"] == "ja/nee" and math.isnan(r["mean"])
        assert r["share_positive"] == pytest.approx(12 / 19)
        assert (r["ci_low"], r["ci_high"]) == tuple(pytest.approx(v) for v in wilson(12, 19))

    def test_change_since_previous_year_with_newcombe_interval(self, tmp_path):
        case = _case(tmp_path, enquete=_rows(
            (2019, "bewoners", "park", {"1": 9, "2": 17, "3": 25, "4": 21, "5": 6}),
            (2023, "bewoners", "park", {"1": 5, "2": 10, "3": 22, "4": 32, "5": 14})))
        s = survey_results(case).set_index("jaar")
        # 2019: 27 of 78 positive; 2023: 46 of 83
        assert s.loc[2019, "n"] == 78 and s.loc[2023, "n"] == 83
        assert math.isnan(s.loc[2019, "change"])
        assert s.loc[2023, "previous_year"] == 2019
        assert s.loc[2023, "change"] == pytest.approx(46 / 83 - 27 / 78)
        low, high = newcombe(46, 83, 27, 78)
        assert s.loc[2023, "change_low"] == pytest.approx(low, abs=1e-9)
        assert s.loc[2023, "change_high"] == pytest.approx(high, abs=1e-9)
        assert 0 < low < 46 / 83 - 27 / 78 < high  # a clear rise in this example

    def test_groups_under_ten_are_suppressed_at_the_boundary(self, tmp_path):
        case = _case(tmp_path, enquete=_rows(
            (2021, "partners", "samenwerking", {"4": 5, "5": 4}),       # 9: suppressed
            (2023, "partners", "samenwerking", {"3": 1, "4": 5, "5": 4}),  # 10: shown
            (2023, "bewoners", "samenwerking", {"4": 0, "5": 0})))      # 0 respondents
        s = survey_results(case).set_index(["groep", "jaar"])
        small = s.loc[("partners", 2021)]
        assert bool(small["suppressed"])
        for col in ("n", "mean", "share_positive", "ci_low", "ci_high"):
            assert math.isnan(small[col]), col
        ten = s.loc[("partners", 2023)]
        assert not ten["suppressed"] and ten["n"] == 10
        assert ten["share_positive"] == pytest.approx(9 / 10)
        # no change against a suppressed year
        assert math.isnan(ten["change"])
        assert bool(s.loc[("bewoners", 2023), "suppressed"])

    def test_json_block_says_less_than_ten_and_has_no_nan(self, tmp_path):
        case = _case(tmp_path, enquete=_rows(
            (2021, "partners", "samenwerking", {"4": 5, "5": 4}),
            (2023, "bewoners", "samenwerking", {"4": 30, "2": 10})))
        block = process_block(case, "T1")
        text = json.dumps(block, allow_nan=False)  # strict JSON
        survey = {(s["group"], s["year"]): s for s in json.loads(text)["survey"]}
        assert survey[("partners", 2021)]["n"] is None
        assert survey[("partners", 2021)]["n_label"] == "< 10"
        assert survey[("partners", 2021)]["share_positive"] is None
        assert survey[("bewoners", 2023)]["n"] == 40
        assert survey[("bewoners", 2023)]["share_positive"] == pytest.approx(0.75)
        assert "Newcombe" in block["change_method"]

    def test_threshold_is_the_packages_small_number_threshold(self):
        from mkba.base.assumptions import ASSUMPTIONS
        from mkba.evidence.indicators import SMALL_NUMBER_THRESHOLD

        assert SMALL_NUMBER_THRESHOLD == ASSUMPTIONS["small_number_threshold"].value == 10


# --------------------------------------------------------------------------------------
# coalition

PARTNERS = [["taak_id", "partner", "rol", "jaar_van", "jaar_tot", "inbreng"],
            ["T1", "Gemeente", "opdrachtgever", "2019", "", ""],
            ["T1", "Stichting", "uitvoerder", "2019", "", ""],
            ["T1", "Fonds", "financier", "2019", "2019", ""],
            ["T1", "Welzijn", "facilitator", "2019", "2021", ""],
            ["T1", "Welzijn", "partner", "2022", "", ""],   # changes role: not a leaver
            ["T1", "Bibliotheek", "partner", "2021", "2022", ""]]


class TestCoalition:
    def test_counts_by_hand(self, tmp_path):
        c = coalition(_case(tmp_path, partners=PARTNERS), "T1").set_index("jaar")
        # task runs 2019–2024; empty jaar_tot = active to 2024
        assert list(c.index) == [2019, 2020, 2021, 2022, 2023, 2024]
        # 2019: Gemeente, Stichting, Fonds, Welzijn                  -> 4, all new
        # 2020: Fonds left after 2019                                 -> 3, 1 left
        # 2021: + Bibliotheek                                         -> 4, 1 new
        # 2022: Welzijn now partner (same partner, not new/left)      -> 4
        # 2023: Bibliotheek left after 2022                           -> 3, 1 left
        assert list(c["actief"]) == [4, 3, 4, 4, 3, 3]
        assert list(c["nieuw"]) == [4, 0, 1, 0, 0, 0]
        assert list(c["vertrokken"]) == [0, 1, 0, 0, 1, 0]
        assert list(c["facilitator"]) == [1, 1, 1, 0, 0, 0]
        assert list(c["partner"]) == [0, 0, 1, 2, 1, 1]
        assert list(c["financier"]) == [1, 0, 0, 0, 0, 0]
        assert c.loc[2020, "vertrokken_namen"] == ["Fonds"]
        assert c.loc[2021, "nieuw_namen"] == ["Bibliotheek"]

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(st.integers(0, 5), st.integers(2015, 2024),
                              st.one_of(st.none(), st.integers(0, 6))), min_size=1,
                    max_size=8))
    def test_active_is_previous_plus_new_minus_left(self, spec):
        """Against a brute-force count, for random (non-overlapping per partner) periods."""
        import pandas as pd

        rows, last_end = [], {}
        for who, start, length in spec:
            name = f"P{who}"
            if name in last_end and (last_end[name] is None or start <= last_end[name]):
                continue  # keep one partner's periods apart, as validation demands
            end = None if length is None else start + length
            last_end[name] = end
            rows.append({"taak_id": "T1", "partner": name, "rol": "partner",
                         "jaar_van": start, "jaar_tot": end})
        partners = pd.DataFrame(rows).astype({"jaar_tot": "Float64"})
        taken = pd.DataFrame({"taak_id": ["T1"], "eindjaar": [2024]})

        class Case:
            pass

        case = Case()
        case.partners, case.taken = partners, taken
        c = coalition(case, "T1")
        # years: first jaar_van to the task's eindjaar (2024), or a later jaar_van
        last = max(2024, max(p["jaar_van"] for p in rows))
        assert list(c["jaar"]) == list(range(min(p["jaar_van"] for p in rows), last + 1))
        previous = 0
        for r in c.itertuples(index=False):
            active = {p["partner"] for p in rows
                      if p["jaar_van"] <= r.jaar <= (last if p["jaar_tot"] is None
                                                     else p["jaar_tot"])}
            assert r.actief == len(active)
            assert r.actief == previous + r.nieuw - r.vertrokken
            previous = r.actief


# --------------------------------------------------------------------------------------
# criteria

METINGEN = [["wijk_code", "indicator", "jaar", "waarde", "n", "bron", "taak_id"],
            ["WK036330", "initiatieven", "2020", "3", "", "", "T1"],
            ["WK036330", "initiatieven", "2022", "6", "", "", "T1"],
            ["WK036330", "initiatieven", "2024", "4", "", "", "T1"],
            ["WK036330", "klachten", "2023", "12", "", "", "T1"]]
CRITERIA = [["taak_id", "soort", "omschrijving", "indicator", "streefwaarde", "richting",
             "peiljaar"],
            ["T1", "spin_off", "5 initiatieven", "initiatieven", "5", "", "2023"],
            ["T1", "spin_off", "5 initiatieven, nu", "initiatieven", "5", "", ""],
            ["T1", "proces", "hooguit 12 klachten", "klachten", "12", "lager", ""],
            ["T1", "draagvlak", "70% tevreden", "tevreden", "70%", "", ""],
            ["T1", "draagvlak", "vrijwilligers 80% tevreden", "tevreden/vrijwilligers", "0,8",
             "", ""],
            ["T1", "proces", "partners positief", "samenwerking/partners", "0,75", "", ""]]


class TestCriteria:
    def test_latest_value_and_met_by_hand(self, tmp_path):
        case = _case(tmp_path, metingen=METINGEN, criteria=CRITERIA, enquete=_rows(
            (2023, "bewoners", "tevreden", {"5": 50, "4": 20, "2": 30}),
            (2023, "vrijwilligers", "tevreden", {"4": 16, "3": 4}),
            (2023, "partners", "samenwerking", {"4": 6})))
        c = criteria_status(case).set_index("omschrijving")
        # peiljaar 2023: the 2022 measurement (6) counts, not 2024's 4
        assert (c.loc["5 initiatieven", "year"], c.loc["5 initiatieven", "value"]) == (2022, 6)
        assert c.loc["5 initiatieven", "met"] is True
        # no peiljaar: the latest measurement, 4 < 5
        assert c.loc["5 initiatieven, nu", "value"] == 4
        assert c.loc["5 initiatieven, nu", "met"] is False
        # richting lager: 12 ≤ 12 counts as met
        assert c.loc["hooguit 12 klachten", "met"] is True
        # survey over all groups: (50 + 20) + 16 positive of 100 + 20 respondents; the
        # partners answered another question, which is not pooled in
        row = c.loc["70% tevreden"]
        assert row["source"] == "enquete" and row["n"] == 120
        assert row["value"] == pytest.approx(86 / 120)
        assert row["met"] is True  # 0.717 ≥ 0.70
        # one group: 16 of 20 = 0.8 ≥ 0.8
        assert c.loc["vrijwilligers 80% tevreden", "value"] == pytest.approx(0.8)
        assert c.loc["vrijwilligers 80% tevreden", "met"] is True
        # 6 partners: suppressed, so unknown — never a number
        p = c.loc["partners positief"]
        assert bool(p["suppressed"]) and math.isnan(p["value"]) and p["met"] is None

    def test_cbs_indicator_and_unknown_indicator(self, tmp_path):
        import csv

        from mkba.base.assumptions import DATA_DIR

        case = _case(tmp_path, criteria=[
            CRITERIA[0],
            ["T1", "maatschappelijk", "bijstand", "PersonenPerSoortUitkeringBijstand", "650",
             "lager", "2021"],
            ["T1", "economisch", "onbekend", "bestaat_niet", "1", "", ""]])
        c = criteria_status(case).set_index("omschrijving")
        # the CBS file itself: the latest value up to 2021 for WK036330
        with open(DATA_DIR / "cbs" / "kwb_core_long.csv", encoding="utf-8") as f:
            rows = [(int(r["year"]), float(r["value"])) for r in csv.DictReader(f)
                    if r["region_code"] == "WK036330" and r["value"]
                    and r["indicator"] == "PersonenPerSoortUitkeringBijstand"
                    and int(r["year"]) <= 2021]
        year, value = max(rows)
        b = c.loc["bijstand"]
        assert b["source"] == "CBS" and (b["year"], b["value"]) == (year, value)
        assert b["met"] is (value <= 650)
        u = c.loc["onbekend"]
        assert u["source"] == "geen" and u["met"] is None and math.isnan(u["value"])
        assert u["note"] == "geen meting"

    def test_counts_by_kind_and_page_one_sentence(self, tmp_path):
        from mkba.evidence.process import criteria_counts, criteria_sentence

        case = _case(tmp_path, metingen=METINGEN, criteria=CRITERIA, enquete=_rows(
            (2023, "bewoners", "tevreden", {"5": 50, "4": 20, "2": 30}),
            (2023, "vrijwilligers", "tevreden", {"4": 16, "3": 4}),
            (2023, "partners", "samenwerking", {"4": 6})))
        c = criteria_status(case)
        counts = criteria_counts(c)
        assert counts["spin_off"] == {"total": 2, "met": 1, "not_met": 1, "unknown": 0}
        assert counts["draagvlak"] == {"total": 2, "met": 2, "not_met": 0, "unknown": 0}
        assert counts["proces"] == {"total": 2, "met": 1, "not_met": 0, "unknown": 1}
        assert "economisch" not in counts
        assert criteria_sentence(c) == (
            "Succescriteria gehaald: draagvlak 2 van 2, spin-off 1 van 2, "
            "proces 1 van 2 (1 nog niet te beoordelen).")


# --------------------------------------------------------------------------------------
# buurtbudget

FIN_HEADER = ["taak_id", "jaar", "bron", "soort", "bedrag", "besteed"]


class TestBuurtbudget:
    def test_balance_by_hand(self, tmp_path):
        case = _case(tmp_path, financiering=[
            FIN_HEADER,
            ["T1", "2019", "gemeente", "buurtbudget", "10.000", "4.200"],
            ["T1", "2020", "gemeente", "buurtbudget", "10.000", "0"],
            ["T1", "2021", "gemeente", "buurtbudget", "10.000", "17.500"],
            ["T1", "2021", "gemeente", "subsidie", "5.000", ""]])
        b = buurtbudget_balance(case).set_index("jaar")
        # saved: 10.000 − 4.200 = 5.800; + 10.000 = 15.800; + 10.000 − 17.500 = 8.300
        assert list(b["gespaard"]) == [5800, 15800, 8300]
        assert list(b["ontvangen"]) == [10000] * 3 and list(b["besteed"]) == [4200, 0, 17500]
        assert buurtbudget_summary(case, "WK036330") == {
            "year": 2021, "saved": 8300, "received": 30000, "spent": 21700}

    def test_unknown_spending_stays_unknown(self, tmp_path):
        case = _case(tmp_path, financiering=[
            FIN_HEADER,
            ["T1", "2019", "gemeente", "buurtbudget", "10.000", "4.000"],
            ["T1", "2020", "gemeente", "buurtbudget", "10.000", ""],
            ["T1", "2021", "gemeente", "buurtbudget", "10.000", "1.000"]])
        b = buurtbudget_balance(case)
        assert b["gespaard"].iloc[0] == 6000
        assert b["gespaard"].iloc[1:].isna().all()  # never 0, never a guess
        assert buurtbudget_summary(case, "WK036330")["saved"] is None

    def test_leverage_counts_buurtbudget_as_municipal_money(self, tmp_path):
        case = _case(tmp_path, financiering=[
            FIN_HEADER,
            ["T1", "2019", "gemeente", "subsidie", "1.000", ""],
            ["T1", "2019", "wijkraad", "buurtbudget", "3.000", "500"],
            ["T1", "2019", "fonds", "gift", "2.000", ""]])
        fin = evaluate(case).result("T1").financing
        # municipal = 1.000 + 3.000 (a buurtbudget is the municipality's money, whatever bron
        # says); others = 2.000; leverage = 2.000 / 4.000
        assert fin["municipal"] == 4000 and fin["others"] == 2000
        assert fin["leverage"] == pytest.approx(0.5)

    def test_overspending_is_a_row_problem(self, tmp_path):
        folder = write_case(tmp_path / "c", taken=TAKEN, financiering=[
            FIN_HEADER,
            ["T1", "2019", "gemeente", "buurtbudget", "1.000", "800"],
            ["T1", "2020", "gemeente", "buurtbudget", "1.000", "1.500"]])
        with pytest.raises(CaseError) as err:
            read_case(folder)
        # 1.000 − 800 + 1.000 − 1.500 = −300 in 2020 (row 3)
        assert [str(p) for p in err.value.problems] == [
            "financiering.csv:3:besteed: wijk WK036330 besteedt in 2020 meer buurtbudget dan "
            "er ontvangen en gespaard was (tekort € 300)"]


# --------------------------------------------------------------------------------------
# validation: file:row:column, in Dutch, exit 2


@pytest.mark.parametrize("table, rows, expected", [
    ("criteria", [CRITERIA[0], ["T1", "financieel", "x", "i", "1", "", ""]],
     "criteria.csv:2:soort: 'financieel': toegestaan: economisch, maatschappelijk, draagvlak, "
     "spin_off, proces"),
    ("criteria", [CRITERIA[0], ["T1", "proces", "x", "i", "veel", "", ""]],
     "criteria.csv:2:streefwaarde: 'veel' is geen getal"),
    ("criteria", [CRITERIA[0], ["T9", "proces", "x", "i", "1", "", ""]],
     "criteria.csv:2:taak_id: onbekende taak_id 'T9' (bekend: T1)"),
    ("partners", [PARTNERS[0], ["T1", "Fonds", "sponsor", "2019", "", ""]],
     "partners.csv:2:rol: 'sponsor': toegestaan: opdrachtgever, facilitator, partner, "
     "uitvoerder, financier"),
    ("partners", [PARTNERS[0], ["T1", "Fonds", "financier", "2020", "2019", ""]],
     "partners.csv:2:jaar_tot: jaar_tot ligt vóór jaar_van"),
    ("partners", [PARTNERS[0], ["T1", "Fonds", "financier", "2019", "2021", ""],
                  ["T1", "Fonds", "partner", "2021", "", ""]],
     "partners.csv:3:jaar_van: 'Fonds' doet in 2021 al mee volgens een andere regel "
     "(periodes van één partner mogen niet overlappen)"),
    ("enquete", [ENQ_HEADER, ["T1", "2023", "bewoners", "tevreden", "6", "3"]],
     "enquete.csv:2:antwoord: '6': toegestaan: 1, 2, 3, 4, 5, ja, nee"),
    ("enquete", [ENQ_HEADER, ["T1", "2023", "bewoners", "tevreden", "4", "-3"]],
     "enquete.csv:2:aantal: '-3': mag niet kleiner zijn dan 0"),
    ("enquete", [ENQ_HEADER, ["T1", "2023", "bewoners", "tevreden", "4", "2,5"]],
     "enquete.csv:2:aantal: '2,5' is geen geheel getal"),
    ("enquete", [ENQ_HEADER, ["T1", "2023", "bewoners", "tevreden", "4", "3"],
                 ["T1", "2023", "bewoners", "tevreden", "4", "5"]],
     "enquete.csv:3:antwoord: dit antwoord staat al op een eerdere regel (zelfde taak_id, "
     "jaar, groep en vraag)"),
    ("enquete", [ENQ_HEADER, ["T1", "2023", "bewoners", "tevreden", "4", "3"],
                 ["T1", "2023", "bewoners", "tevreden", "ja", "5"]],
     "enquete.csv:3:antwoord: vraag 'tevreden' heeft al antwoorden 1–5 op een eerdere regel; "
     "één vraag is óf 1–5 óf ja/nee"),
    ("enquete", [ENQ_HEADER, ["T1", "2023", "bewoners", "tevreden", "4", ""]],
     "enquete.csv:2:aantal: verplichte waarde ontbreekt"),
    ("financiering", [FIN_HEADER, ["T1", "2019", "fonds", "gift", "1.000", "200"]],
     "financiering.csv:2:besteed: besteed hoort alleen bij soort buurtbudget"),
])
def test_bad_rows_name_file_row_and_column(tmp_path, capsys, table, rows, expected):
    folder = write_case(tmp_path / "c", taken=TAKEN, **{table: rows})
    with pytest.raises(CaseError) as err:
        read_case(folder)
    assert expected in [str(p) for p in err.value.problems]
    assert main(["validate", str(folder)]) == 2
    assert expected in capsys.readouterr().err


def test_valid_rows_are_never_dropped(tmp_path):
    case = _case(tmp_path, partners=PARTNERS, enquete=_rows(
        (2023, "bewoners", "tevreden", {"1": 0, "4": 3})))
    assert len(case.partners) == len(PARTNERS) - 1
    assert len(case.enquete) == 2  # an answer given 0 times is kept (and counts as 0)


# --------------------------------------------------------------------------------------
# the example case and the outputs


def test_example_case_has_an_illustrative_process_part():
    case = read_case(EXAMPLE)
    assert len(case.criteria) and len(case.partners) and len(case.enquete)
    assert set(case.criteria["soort"]) >= {"economisch", "maatschappelijk", "draagvlak",
                                           "spin_off"}
    assert case.criteria["omschrijving"].str.contains("illustratief").all()
    assert case.partners["inbreng"].str.contains("illustratief").all()
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    assert "enquete.csv" in readme and "illustratief" in readme.lower()


def test_evaluate_json_has_a_process_block(capsys):
    assert main(["evaluate", str(EXAMPLE), "--task", "T1", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out,
                     parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
    block = out["tasks"][0]["process"]
    assert set(block) >= {"criteria", "criteria_by_kind", "coalition", "survey",
                          "change_method", "threshold"}
    survey = {(s["question"], s["group"], s["year"]): s for s in block["survey"]}
    # data/voorbeeld/enquete.csv, bewoners 2023: 3, 7, 18, 44, 26 answers 1..5
    bew = survey[("tevreden_buurthuis", "bewoners", 2023)]
    assert bew["n"] == 98 and bew["share_positive"] == pytest.approx(70 / 98)
    assert (bew["ci_low"], bew["ci_high"]) == tuple(pytest.approx(v) for v in wilson(70, 98))
    # 2021: 4, 9, 21, 38, 19 -> 57 of 91 positive
    assert bew["change"] == pytest.approx(70 / 98 - 57 / 91)
    assert (bew["change_low"], bew["change_high"]) == tuple(
        pytest.approx(v) for v in newcombe(70, 98, 57, 91))
    # 6 partners answered: suppressed
    assert survey[("samenwerking_goed", "partners", 2023)]["n_label"] == "< 10"
    coal = {c["year"]: c for c in block["coalition"]}
    # data/voorbeeld/partners.csv: Fonds only in 2018, Welzijnsorganisatie 2018–2020,
    # Buurtteam from 2020, Bibliotheek from 2022
    assert [coal[y]["active"] for y in (2018, 2019, 2020, 2021, 2022)] == [5, 4, 5, 4, 5]
    # per role (input values of partners.rol) under by_role; they add up to the active ones
    assert all(sum(c["by_role"].values()) == c["active"] for c in block["coalition"])
    assert out["buurtbudget"] == []  # T1's wijk has no buurtbudget


def test_evaluate_json_lists_the_buurtbudget_of_the_wijk(capsys):
    assert main(["evaluate", str(EXAMPLE), "--task", "T2", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    budget = out["buurtbudget"]
    # data/voorbeeld/financiering.csv: 10.000 a year 2019–2024, spent 4.200, 0, 17.500,
    # 6.800, 12.300, 9.100
    spent = [4200, 0, 17500, 6800, 12300, 9100]
    saved, balance = [], 0
    for s in spent:
        balance += 10000 - s
        saved.append(balance)
    assert [b["saved"] for b in budget] == saved == [5800, 15800, 8300, 11500, 9200, 10100]
    assert {b["wijk_code"] for b in budget} == {"WK036339"}


@pytest.fixture(scope="module")
def kolenkit(tmp_path_factory):
    from mkba.report.render import render_report

    out = tmp_path_factory.mktemp("kolenkit")
    render_report("WK036339", out, str(EXAMPLE))
    return out


@pytest.mark.slow
def test_report_shows_the_process_section_and_page_one(kolenkit):
    # the page puts a no-break space after €; compare with plain spaces
    page = (kolenkit / "WK036339.html").read_text(encoding="utf-8").replace("\u00a0", " ")
    assert "Hoe gaat het samenwerken?" in page
    # data/voorbeeld/criteria.csv for T2: vernielingen 21 > 20 (not met), bewoners 46/83 =
    # 55 % < 60 % (not met), 27 ≥ 25 deelnemers (met)
    assert ("Succescriteria gehaald: maatschappelijk 0 van 1, draagvlak 0 van 1, "
            "spin-off 1 van 1.") in page
    assert page.index("Succescriteria gehaald") < page.index("Hoe gaat het samenwerken?")
    assert "Buurtbudget" in page and "€ 10.100" in page
    # the task by its name, not its id
    assert "De coalitie van <bdi>Groenonderhoud De Kolenkit door bewoners</bdi>" in page
    assert "De coalitie van T2" not in page and "Hoe tevreden zijn de betrokkenen?" in page


@pytest.mark.slow
def test_report_headline_carries_the_buurtbudget_for_the_index(kolenkit):
    import nbformat

    from mkba.report.render import notebook_headline

    head = notebook_headline(nbformat.read(kolenkit / "WK036339.ipynb", as_version=4))
    assert head["buurtbudget"] == {"year": 2024, "saved": 10100, "received": 60000,
                                   "spent": 4200 + 0 + 17500 + 6800 + 12300 + 9100}


@pytest.mark.slow
def test_index_shows_the_buurtbudget(tmp_path):
    from mkba.run.batch import batch

    test_notebook = Path(__file__).parent / "data" / "notebooks" / "testrapport.ipynb"
    out = tmp_path / "b"
    batch(str(EXAMPLE), out, workers=1, wijken=["WK036339"], notebook=test_notebook,
          progress=False)
    index = (out / "index.html").read_text(encoding="utf-8").replace("\u00a0", " ")
    assert "buurtbudget: gespaard" in index
    assert "€ 10.100 (2024; ontvangen € 60.000, besteed € 49.900)" in index


def test_session_notebook_shows_process_next_to_the_npv():
    from mkba.report.sections.process import process_overview

    case = read_case(EXAMPLE)
    html = process_overview(case, "T1", evaluate(case).result("T1"))._repr_html_()
    assert "NCW" in html and "Succescriteria" in html
    assert "71 % positief" in html  # vrijwilligers 2023: 15 of 21
    assert "&lt; 10 respondenten" in html
    source = (Path(__file__).parents[1] / "notebooks" / "evaluatiesessie.py").read_text()
    assert "process_overview(sessie.case, task, sessie.result())" in source


def test_template_has_the_process_sheets_and_paper_survey_help(tmp_path):
    import openpyxl

    assert main(["template", str(tmp_path / "t.xlsx")]) == 0
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    for name in ("criteria", "partners", "enquete"):
        assert name in wb.sheetnames
    assert [c.value for c in wb["enquete"][1]] == ENQ_HEADER
    help_text = " ".join(str(c.value) for row in wb["toelichting"].iter_rows() for c in row
                         if c.value is not None)
    assert "papieren enquête" in help_text and "Turf per vraag" in help_text


def test_minimal_case_without_process_tables_still_works(tmp_path):
    case = read_case(write_case(tmp_path / "c", tables=MINIMAL))
    block = process_block(case, "T1")
    assert block["criteria"] == [] and block["survey"] == [] and block["coalition"] == []
    assert buurtbudget_balance(case).empty


# --------------------------------------------------------------------------------------
# the tally sheet for paper surveys (enquete_turflijst)

TALLY_HEADER = ["taak_id", "jaar", "groep", "vraag", "1", "2", "3", "4", "5", "ja", "nee"]


class TestTallySheet:
    def test_a_tally_row_counts_as_the_tidy_rows(self, tmp_path):
        tally = _case(tmp_path / "a", enquete_turflijst=[
            TALLY_HEADER,
            ["T1", "2024", "bezoekers", "prettig", "", "2", "5", "14", "9", "", ""],
            ["T1", "2024", "vrijwilligers", "weer", "", "", "", "", "", "11", "2"]])
        tidy = _case(tmp_path / "b", enquete=_rows(
            (2024, "bezoekers", "prettig", {"2": 2, "3": 5, "4": 14, "5": 9}),
            (2024, "vrijwilligers", "weer", {"ja": 11, "nee": 2})))
        a, b = survey_results(tally), survey_results(tidy)
        assert a.equals(b)
        r = a.set_index("vraag").loc["prettig"]
        # n = 2 + 5 + 14 + 9 = 30; mean = (2·2 + 3·5 + 4·14 + 5·9) / 30 = 120 / 30
        assert r["n"] == 30 and r["mean"] == pytest.approx(4.0)
        assert r["share_positive"] == pytest.approx(23 / 30)
        assert (r["ci_low"], r["ci_high"]) == tuple(pytest.approx(v) for v in wilson(23, 30))

    @pytest.mark.parametrize("tables, expected", [
        ({"enquete_turflijst": [TALLY_HEADER,
                                ["T1", "2024", "b", "q", "", "1,5", "", "", "", "", ""]]},
         "enquete_turflijst.csv:2:2: '1,5' is geen geheel getal"),
        ({"enquete_turflijst": [TALLY_HEADER,
                                ["T1", "2024", "b", "q", "", "3", "", "", "", "4", ""]]},
         "enquete_turflijst.csv:2:ja: vraag 'q' heeft al antwoorden 1–5 op een eerdere regel; "
         "één vraag is óf 1–5 óf ja/nee"),
        ({"enquete": _rows((2024, "b", "q", {"4": 3})),
          "enquete_turflijst": [TALLY_HEADER,
                                ["T1", "2024", "b", "q", "", "", "", "5", "", "", ""]]},
         "enquete_turflijst.csv:2:4: dit antwoord staat al in het blad enquete (zelfde "
         "taak_id, jaar, groep en vraag)"),
        ({"enquete_turflijst": [TALLY_HEADER,
                                ["T1", "2024", "b", "q", "", "", "", "5", "", "", ""],
                                ["T1", "2024", "b", "q", "", "", "", "2", "", "", ""]]},
         "enquete_turflijst.csv:3:4: dit antwoord staat al op een eerdere regel (zelfde "
         "taak_id, jaar, groep en vraag)"),
    ])
    def test_bad_tally_rows(self, tmp_path, tables, expected):
        folder = write_case(tmp_path / "c", taken=TAKEN, **tables)
        with pytest.raises(CaseError) as err:
            read_case(folder)
        assert expected in [str(p) for p in err.value.problems]

    def test_example_leeskamer_tally(self):
        s = survey_results(read_case(EXAMPLE), "T3").set_index(["vraag", "jaar"])
        # data/voorbeeld/enquete_turflijst.csv: 2022 1, 3, 6, 11, 4; 2024 0, 2, 5, 14, 9
        assert s.loc[("prettig_in_leeskamer", 2022), "n"] == 25
        assert s.loc[("prettig_in_leeskamer", 2024), "change"] == pytest.approx(
            23 / 30 - 15 / 25)

    def test_template_has_the_tally_sheet(self, tmp_path):
        import openpyxl

        assert main(["template", str(tmp_path / "t.xlsx")]) == 0
        wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
        assert [c.value for c in wb["enquete_turflijst"][1]] == TALLY_HEADER


@pytest.mark.slow
def test_tasks_without_process_rows_get_their_own_block(capsys):
    """The JSON builds the empty block once for all tasks without process rows (speed); every
    task's block must still equal process_block computed for that task alone."""
    from mkba.evidence.process import process_block

    case = read_case(EXAMPLE)
    assert main(["evaluate", str(EXAMPLE), "--format", "json"]) == 0
    tasks = json.loads(capsys.readouterr().out)["tasks"]
    with_rows = set(case.criteria["taak_id"]) | set(case.partners["taak_id"])
    without = {e["task_id"] for e in tasks} - with_rows - set(case.enquete["taak_id"])
    assert without  # the example has a task without process rows (T4)
    for entry in tasks:
        expected = json.loads(json.dumps(process_block(case, entry["task_id"]), default=str))
        assert entry["process"] == expected, entry["task_id"]


def test_survey_figure_names_the_chosen_threshold(example_case):
    """A suppressed group's label states the threshold in force (it said "n < 10" always)."""
    from matplotlib.figure import Figure

    from mkba.case.read import read_case
    from mkba.evidence.process import survey_results
    from mkba.figures.plots import plot_survey

    survey = survey_results(read_case(example_case), threshold=10_000)
    assert len(survey) and survey["suppressed"].all()  # every group has fewer respondents
    ax = plot_survey(survey, ax=Figure().add_subplot(), threshold=10_000)
    labels = " ".join(t.get_text() for t in ax.get_yticklabels()).replace("\n", " ")
    assert "n < 10000: niet getoond" in labels
    assert "n < 10:" not in labels
