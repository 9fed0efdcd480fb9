"""The MKBA engine against hand calculations, identities and a naive reference implementation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from mkba import CaseError, evaluate, irr, npv, payback_year, read_case

from .conftest import write_case

# CBS 83131NED, CPI 2015=100, annual averages (data/cbs/cpi_83131NED_yearly_2015eq100.csv)
CPI_2017, CPI_2018, CPI_2019 = 101.70, 103.44, 106.16
# CBS 83131NED year-on-year CPI changes 2019→2020 … 2023→2024 (data/kengetallen/...)
CPI_CHANGES_2020_2024 = (1.3, 2.7, 10.0, 3.8, 3.3)
CPI_2020 = CPI_2019 * 1.013

HAND = {
    "taken": [
        ["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
        ["H1", "Handcase", "WK036330", "2019", "2022"],
    ],
    "kosten": [
        ["taak_id", "jaar", "actor", "post", "soort", "bedrag", "hoeveelheid", "kengetal",
         "prijsjaar"],
        ["H1", "2019", "gemeente", "Investering", "investering", "2.000", "", "", "2019"],
        ["H1", "2020", "bewoners", "Exploitatie", "exploitatie", "200", "", "", "2017"],
        ["H1", "2021", "vrijwilligers", "Uren", "vrijwilligersinzet", "", "10", "K1", ""],
        ["H1", "2023", "gemeente", "Na de periode", "exploitatie", "999", "", "", ""],
    ],
    "effecten": [
        ["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid", "kengetal",
         "waarde_per_eenheid", "prijsjaar", "deadweight", "attributie", "verdringing",
         "afname", "overdracht_van", "pm", "pm_score"],
        ["H1", "Effect", "gemeente", "2019", "2022", "5", "", "300", "", "10%", "0,2", "", "20%",
         "", "nee", ""],
        ["H1", "Uitkering", "gemeente", "2020", "2021", "1", "", "100", "", "", "", "", "", "bewoners",
         "", ""],
        ["H1", "Cohesie", "bewoners", "2019", "2022", "", "", "", "", "", "", "", "", "", "ja", "++"],
    ],
    "kengetallen": [
        ["code", "omschrijving", "waarde", "eenheid", "prijsjaar", "bron"],
        ["K1", "Uurwaarde", "20", "uur", "2018", "test"],
    ],
}


@pytest.fixture
def hand_case(tmp_path):
    return read_case(write_case(tmp_path / "hand", HAND))


class TestHandCalculation:
    """A four-year case computed step by step (price year 2019, r = 3 %, base year 2019)."""

    r = 0.03

    # Costs per year, indexed to 2019 with CPI[2019] / CPI[prijsjaar]:
    costs = {
        2019: 2000.0,                              # own amount, prijsjaar 2019
        2020: 200.0 * CPI_2019 / CPI_2017,         # own amount, prijsjaar 2017
        2021: 10 * 20.0 * CPI_2019 / CPI_2018,     # 10 hours × kengetal K1 (prijsjaar 2018)
        2022: 0.0,                                 # the 2023 line lies outside 2019–2022
    }
    # Effect: 5 × 300 × (1 − 0.1) × (1 − 0.2) × (1 − 0) × (1 − 0.2)^(t − 2019)
    benefits = {t: 5 * 300 * 0.9 * 0.8 * 0.8 ** (t - 2019) for t in range(2019, 2023)}
    # Transfer of 100 a year in 2020 and 2021 from bewoners to gemeente; its prijsjaar is
    # empty, so the amount is in prices of its own first year 2020 (issue 19, item 5):
    # 100 × CPI[2019] / CPI[2020] in prices of 2019.
    transfer = {2020: 100.0 * CPI_2019 / CPI_2020, 2021: 100.0 * CPI_2019 / CPI_2020}

    def df(self, t):
        return (1 + self.r) ** -(t - 2019)

    def test_present_values(self, hand_case):
        res = evaluate(hand_case, discount_rate=self.r, price_year=2019).result("H1")
        pv_costs = sum(c * self.df(t) for t, c in self.costs.items())
        pv_benefits = sum(b * self.df(t) for t, b in self.benefits.items())
        assert res.pv_costs == pytest.approx(pv_costs, rel=1e-12)
        assert res.pv_benefits == pytest.approx(pv_benefits, rel=1e-12)
        assert res.npv == pytest.approx(pv_benefits - pv_costs, rel=1e-12)
        assert res.bc_ratio == pytest.approx(pv_benefits / pv_costs, rel=1e-12)

    def test_literal_values(self, hand_case):
        """The same figures as literals, rounded by hand to the cent."""
        res = evaluate(hand_case, discount_rate=self.r, price_year=2019).result("H1")
        # costs: 2000 + 208.7709/1.03 + 205.2591/1.0609 = 2000 + 202.6902 + 193.4763
        assert res.pv_costs == pytest.approx(2396.17, abs=0.01)
        # benefits: 1080 + 864/1.03 + 691.2/1.0609 + 552.96/1.092727
        assert res.pv_benefits == pytest.approx(1080 + 838.83 + 651.52 + 506.04, abs=0.02)

    def test_irr_and_payback(self, hand_case):
        res = evaluate(hand_case, discount_rate=self.r, price_year=2019).result("H1")
        net = [self.benefits[t] - self.costs[t] for t in range(2019, 2023)]
        assert net[0] < 0 < net[1]  # one sign change: a unique IRR

        def f(rate):
            return sum(v / (1 + rate) ** i for i, v in enumerate(net))

        assert res.irr == pytest.approx(brentq(f, -0.9, 10), abs=1e-9)
        cumulative = np.cumsum([v * self.df(2019 + i) for i, v in enumerate(net)])
        assert cumulative[1] < 0 <= cumulative[2]
        assert res.payback_year == 2021

    def test_actors(self, hand_case):
        res = evaluate(hand_case, discount_rate=self.r, price_year=2019).result("H1")
        actors = res.by_actor().set_index("actor")
        gemeente_benefits = (sum(b * self.df(t) for t, b in self.benefits.items())
                             + sum(v * self.df(t) for t, v in self.transfer.items()))
        assert actors.loc["gemeente", "pv_costs"] == pytest.approx(2000.0)
        assert actors.loc["gemeente", "pv_benefits"] == pytest.approx(gemeente_benefits)
        assert actors.loc["bewoners", "pv_costs"] == pytest.approx(self.costs[2020] * self.df(2020))
        assert actors.loc["bewoners", "pv_benefits"] == pytest.approx(
            -sum(v * self.df(t) for t, v in self.transfer.items()))
        assert actors.loc["vrijwilligers", "npv"] == pytest.approx(-self.costs[2021] * self.df(2021))
        assert actors["npv"].sum() == pytest.approx(res.npv, abs=1e-9)
        assert res.municipality["npv"] == pytest.approx(gemeente_benefits - 2000.0)

    def test_pm_and_warnings(self, hand_case):
        res = evaluate(hand_case, discount_rate=self.r, price_year=2019).result("H1")
        pm = res.pm()
        assert pm[["effect", "actor", "pm_score"]].values.tolist() == [["Cohesie", "bewoners", "++"]]
        assert any("kosten.csv:5: jaar 2023 valt buiten de analyseperiode 2019–2022" in w
                   for w in res.warnings)

    def test_yearly_table(self, hand_case):
        y = evaluate(hand_case, discount_rate=self.r, price_year=2019).result("H1").yearly()
        assert y["year"].tolist() == [2019, 2020, 2021, 2022]
        assert y["costs"].tolist() == pytest.approx([self.costs[t] for t in range(2019, 2023)])
        assert y["benefits"].tolist() == pytest.approx([self.benefits[t] for t in range(2019, 2023)])
        assert y["transfers"].tolist() == pytest.approx([0, 98.7167, 98.7167, 0], abs=1e-4)

    def test_default_price_year_is_2024(self, hand_case):
        """Default P is the last CPI year; CPI 2024 = CPI 2019 × the published changes."""
        cpi_2024 = CPI_2019 * math.prod(1 + p / 100 for p in CPI_CHANGES_2020_2024)
        ev = evaluate(hand_case, discount_rate=self.r)
        res = ev.result("H1")
        assert ev.parameters["price_year"] == 2024
        pv_costs = (2000 * cpi_2024 / CPI_2019 + 200 * cpi_2024 / CPI_2017 * self.df(2020)
                    + 200 * cpi_2024 / CPI_2018 * self.df(2021))
        assert res.pv_costs == pytest.approx(pv_costs, rel=1e-12)

    def test_base_year_and_horizon(self, hand_case):
        res = evaluate(hand_case, discount_rate=self.r, price_year=2019, base_year=2024,
                       horizon=2).result("H1")
        assert (res.start_year, res.end_year, res.base_year) == (2019, 2020, 2024)
        pv_costs = sum(self.costs[t] * (1 + self.r) ** -(t - 2024) for t in (2019, 2020))
        assert res.pv_costs == pytest.approx(pv_costs)
        assert any("valt deels buiten" in w for w in res.warnings)


class TestTextbookFunctions:
    def test_npv_reference(self):
        # −100 + 60/1.1 + 60/1.21 = 4.1322…
        assert npv(0.1, [-100, 60, 60]) == pytest.approx(-100 + 60 / 1.1 + 60 / 1.21)

    def test_irr_reference_values(self):
        # numpy-financial's documented examples (Gitman, Principles of Managerial Finance)
        assert irr([-100, 39, 59, 55, 20]) == pytest.approx(0.28095, abs=1e-5)
        assert irr([-100, 0, 0, 74]) == pytest.approx(-0.0955, abs=1e-4)

    def test_irr_identity(self):
        flows = [-500, 120, 180, 200, 150]
        assert npv(irr(flows), flows) == pytest.approx(0, abs=1e-8)

    def test_irr_none_without_sign_change(self):
        assert irr([100, 50]) is None
        assert irr([-100, -50]) is None
        assert irr([0, 0]) is None

    def test_payback(self):
        assert payback_year([2020, 2021, 2022], [0, -10, 10]) == 2022
        assert payback_year([2020, 2021], [5, -1]) == 2020
        assert payback_year([2020, 2021], [0, 0]) is None


def _eval(tmp_path, name="c", **tables):
    return evaluate(read_case(write_case(tmp_path / name, **tables)), discount_rate=0.05,
                    price_year=2019)


class TestEdgeCases:
    def test_one_year(self, tmp_path):
        taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
                 ["T1", "Eén jaar", "WK036330", "2019", "2019"]]
        res = _eval(tmp_path, taken=taken).result("T1")
        # cost 1000 in 2019; effect 10 × 50 × 0.9 in 2019 only (2020–2022 outside the period)
        assert res.pv_costs == pytest.approx(1000)
        assert res.pv_benefits == pytest.approx(450)
        assert res.yearly()["year"].tolist() == [2019]

    def test_no_benefits(self, tmp_path):
        res = _eval(tmp_path, effecten=[["taak_id", "effect", "actor", "jaar_van", "jaar_tot"]]
                    ).result("T1")
        assert res.pv_benefits == 0
        assert res.bc_ratio == 0
        assert res.irr is None and res.payback_year is None
        assert res.npv == pytest.approx(-1000)

    def test_only_pm_effects(self, tmp_path):
        effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "pm", "pm_score"],
                    ["T1", "Trots", "bewoners", "2019", "2022", "ja", "+"],
                    ["T1", "Overlast", "bewoners", "2019", "2022", "ja", "-"]]
        res = _eval(tmp_path, effecten=effecten).result("T1")
        assert res.pv_benefits == 0
        assert res.pm()["pm_score"].tolist() == ["+", "-"]
        assert "PM-posten" in res.summary().index

    def test_negative_effect_lowers_benefits(self, tmp_path):
        effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                     "waarde_per_eenheid"],
                    ["T1", "Overlast", "omwonenden", "2019", "2019", "-2", "100"]]
        res = _eval(tmp_path, effecten=effecten).result("T1")
        assert res.pv_benefits == pytest.approx(-200)
        assert res.by_actor().set_index("actor").loc["omwonenden", "npv"] == pytest.approx(-200)

    def test_no_costs_gives_no_ratio(self, tmp_path):
        kosten = [["taak_id", "jaar", "actor", "post", "bedrag"]]
        res = _eval(tmp_path, kosten=kosten).result("T1")
        assert res.bc_ratio is None
        assert res.to_dict()["bc_ratio"] is None

    def test_missing_financing_gives_no_leverage(self, tmp_path):
        res = _eval(tmp_path).result("T1")
        assert res.financing["leverage"] is None and res.financing["total"] == 0

    def test_leverage(self, tmp_path):
        financiering = [["taak_id", "jaar", "bron", "soort", "bedrag"],
                        ["T1", "2019", "Gemeente", "subsidie", "1.000"],
                        ["T1", "2019", "fonds", "gift", "1.500"],
                        ["T1", "2020", "bewoners", "crowdfunding", "500"],
                        ["T1", "2020", "bank", "garantstelling", "9.999"]]
        fin = _eval(tmp_path, financiering=financiering).result("T1").financing
        # (1500 + 500) / 1000; a guarantee is not money brought in
        assert fin["leverage"] == pytest.approx(2.0)
        assert fin["by_kind"]["gift"] == 1500

    def test_unknown_task(self, tmp_path):
        case = read_case(write_case(tmp_path / "c"))
        with pytest.raises(CaseError, match="onbekende taak 'T9'"):
            evaluate(case, task="T9")

    def test_bad_parameters(self, tmp_path):
        case = read_case(write_case(tmp_path / "c"))
        with pytest.raises(CaseError, match="prijsjaar 1990 valt buiten de CPI-reeks"):
            evaluate(case, price_year=1990)
        with pytest.raises(CaseError, match="horizon"):
            evaluate(case, horizon=0)
        with pytest.raises(CaseError, match="discontovoet"):
            evaluate(case, discount_rate=2.25)


class TestVariants:
    def test_shared_lines_go_to_every_variant(self, tmp_path):
        kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "variant"],
                  ["T1", "2019", "gemeente", "Gedeeld", "100", ""],
                  ["T1", "2019", "gemeente", "Alleen A", "10", "A"],
                  ["T1", "2019", "gemeente", "Alleen B", "20", "B"]]
        ev = _eval(tmp_path, kosten=kosten)
        assert ev.summary()["variant"].tolist() == ["A", "B"]
        assert ev.result("T1", "A").pv_costs == pytest.approx(110)
        assert ev.result("T1", "B").pv_costs == pytest.approx(120)
        with pytest.raises(CaseError, match="varianten"):
            ev.result("T1")

    def test_task_without_lines_is_evaluated(self, tmp_path):
        taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
                 ["T1", "Buurthuis", "WK036330", "2019", "2022"],
                 ["T2", "Leeg", "WK036331", "2019", "2022"]]
        ev = _eval(tmp_path, taken=taken)
        assert ev.result("T2").variant == "project"
        assert ev.result("T2").npv == 0


class TestExample:
    def test_example_evaluates(self, example_case):
        ev = evaluate(read_case(example_case))
        assert len(ev.summary()) == 5  # T2 has two variants
        for r in ev.results():
            assert r.by_actor()["npv"].sum() == pytest.approx(r.npv, abs=1e-6)
        d = ev.to_dict()
        assert set(d) == {"parameters", "tasks", "total", "warnings"}
        fields = {"task_id", "variant", "pv_costs", "pv_benefits", "npv", "bc_ratio", "irr",
                  "payback_year", "by_actor", "pm", "financing", "warnings"}
        assert fields <= set(d["tasks"][0])

    def test_repr(self, example_case):
        r = evaluate(read_case(example_case)).result("T2", "maatschappelijk_aanbesteden")
        assert repr(r).startswith("<MkbaResult T2 maatschappelijk_aanbesteden: NCW € ")
        assert "<table" in r._repr_html_()


# --------------------------------------------------------------------------------------
# property tests: the vectorised engine equals a naive loop over lines and years

_line = st.fixed_dictionaries({
    "start": st.integers(2015, 2024),
    "length": st.integers(1, 8),
    "qty": st.integers(-50, 200),
    "value": st.integers(1, 500),
    "dw": st.sampled_from([0, 0.1, 0.25, 0.5]),
    "drop": st.sampled_from([0, 0.1, 0.3]),
    "actor": st.sampled_from(["gemeente", "bewoners", "fonds"]),
    "transfer_from": st.sampled_from(["", "", "rijk"]),
})
_cost = st.fixed_dictionaries({
    "year": st.integers(2015, 2026),
    "amount": st.integers(0, 5000),
    "actor": st.sampled_from(["gemeente", "bewoners"]),
})


def _random_case(lines, costs, start=2017, end=2023):
    taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
             ["P1", "Eigenschap", "BU03630000", str(start), str(end)]]
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag"]] + [
        ["P1", str(c["year"]), c["actor"], f"post {i}", str(c["amount"])]
        for i, c in enumerate(costs)]
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                 "waarde_per_eenheid", "deadweight", "afname", "overdracht_van"]] + [
        ["P1", f"effect {i}", e["actor"], str(e["start"]), str(e["start"] + e["length"] - 1),
         str(e["qty"]), str(e["value"]), str(e["dw"]).replace(".", ","),
         str(e["drop"]).replace(".", ","), e["transfer_from"]]
        for i, e in enumerate(lines)]
    return {"taken": taken, "kosten": kosten, "effecten": effecten}


def _to_2024(year: int) -> float:
    """CPI factor to prices of 2024 for an amount with an empty prijsjaar: it is in prices of
    its own year (capped at 2024, the last CPI year), issue 19 item 5."""
    from mkba.base.prices import cpi_series

    cpi = cpi_series()
    return float(cpi[2024] / cpi[min(year, 2024)])


def _naive(lines, costs, rate, start=2017, end=2023, base=2017):
    """Reference: loop over every line and every year, exactly as the semantics read."""
    pv_c = sum(c["amount"] * _to_2024(c["year"]) * (1 + rate) ** -(c["year"] - base)
               for c in costs if start <= c["year"] <= end)
    pv_b = 0.0
    actors: dict[str, float] = {}
    for c in costs:
        if start <= c["year"] <= end:
            actors[c["actor"]] = actors.get(c["actor"], 0) - c["amount"] * _to_2024(
                c["year"]) * (1 + rate) ** -(c["year"] - base)
    for e in lines:
        for t in range(e["start"], e["start"] + e["length"]):
            if not start <= t <= end:
                continue
            v = (e["qty"] * e["value"] * _to_2024(e["start"]) * (1 - e["dw"])
                 * (1 - e["drop"]) ** (t - e["start"]))
            pv = v * (1 + rate) ** -(t - base)
            actors[e["actor"]] = actors.get(e["actor"], 0) + pv
            if e["transfer_from"]:
                actors[e["transfer_from"]] = actors.get(e["transfer_from"], 0) - pv
            else:
                pv_b += pv
    return pv_c, pv_b, actors


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_line, max_size=6), costs=st.lists(_cost, max_size=6),
       rate=st.sampled_from([0.0, 0.0225, 0.04]))
@pytest.mark.slow
def test_engine_equals_naive_loop(tmp_path_factory, lines, costs, rate):
    folder = write_case(tmp_path_factory.mktemp("prop"), _random_case(lines, costs))
    res = evaluate(read_case(folder), discount_rate=rate, price_year=2024).result("P1")
    pv_c, pv_b, actors = _naive(lines, costs, rate)
    assert res.pv_costs == pytest.approx(pv_c, abs=1e-6)
    assert res.pv_benefits == pytest.approx(pv_b, abs=1e-6)
    got = res.by_actor().set_index("actor")["npv"]
    for actor, value in actors.items():
        assert got.get(actor, 0.0) == pytest.approx(value, abs=1e-6)
    # identity: actors' balances sum to the societal npv (transfers net to zero)
    assert got.sum() == pytest.approx(res.npv, abs=1e-6)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_line, min_size=1, max_size=5), costs=st.lists(_cost, min_size=1,
                                                                      max_size=5),
       k=st.sampled_from([2, 3, 10]), shift=st.integers(-3, 5))
@pytest.mark.slow
def test_scaling_and_base_year(tmp_path_factory, lines, costs, k, shift):
    base = tmp_path_factory.mktemp("scale")
    r1 = evaluate(read_case(write_case(base / "a", _random_case(lines, costs))),
                  discount_rate=0.03, price_year=2024)
    scaled_lines = [{**e, "value": e["value"] * k} for e in lines]
    scaled_costs = [{**c, "amount": c["amount"] * k} for c in costs]
    r2 = evaluate(read_case(write_case(base / "b", _random_case(scaled_lines, scaled_costs))),
                  discount_rate=0.03, price_year=2024)
    assert r2.result("P1").npv == pytest.approx(k * r1.result("P1").npv, abs=1e-6)
    # moving the base year B → B + s multiplies every present value by 1.03 ** s
    r3 = evaluate(read_case(base / "a"), discount_rate=0.03, price_year=2024,
                  base_year=2017 + shift)
    assert r3.result("P1").npv == pytest.approx(r1.result("P1").npv * 1.03 ** shift, abs=1e-6)


def test_zero_rate_is_plain_sum(tmp_path):
    case = read_case(write_case(tmp_path / "h", HAND))
    res = evaluate(case, discount_rate=0.0, price_year=2019).result("H1")
    costs = 2000 + 200 * CPI_2019 / CPI_2017 + 200 * CPI_2019 / CPI_2018
    benefits = sum(5 * 300 * 0.9 * 0.8 * 0.8 ** i for i in range(4))
    assert res.npv == pytest.approx(benefits - costs)


@pytest.mark.slow
def test_transfers_do_not_change_societal_npv(tmp_path):
    base = read_case(write_case(tmp_path / "a", HAND))
    without = {**HAND, "effecten": [r for r in HAND["effecten"] if r[1] != "Uitkering"]}
    other = read_case(write_case(tmp_path / "b", without))
    a = evaluate(base, price_year=2019).result("H1")
    b = evaluate(other, price_year=2019).result("H1")
    assert a.npv == pytest.approx(b.npv)
    assert not a.by_actor().equals(b.by_actor())


def test_cashflows_are_tidy(hand_case):
    flows = evaluate(hand_case, price_year=2019).cashflows
    assert {"task_id", "variant", "year", "actor", "kind", "amount", "pv"} <= set(flows.columns)
    assert set(flows["kind"]) == {"kosten", "baten", "overdracht"}
    transfers = flows[flows["kind"] == "overdracht"]
    assert transfers.groupby("year")["amount"].sum().abs().max() == 0
    # the transfer of 100 a year, prijsjaar empty = its own first year 2020, in prices of
    # 2019: 100 / 1,013 = 98,7167 for the receiving actor, minus that for the paying one
    v = 100 / 1.013
    got = sorted(zip(transfers["year"], transfers["actor"].astype(str), transfers["amount"],
                     strict=True))
    assert [(y, a) for y, a, _ in got] == [(2020, "bewoners"), (2020, "gemeente"),
                                           (2021, "bewoners"), (2021, "gemeente")]
    assert [x for _, _, x in got] == pytest.approx([-v, v, -v, v], rel=1e-12)
    # every line-year is discounted to the base year 2019 at 2,25 %
    expected_pv = flows["amount"] * 1.0225 ** -(flows["year"] - 2019)
    assert np.allclose(flows["pv"], expected_pv, rtol=1e-12)
