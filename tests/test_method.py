"""Issue 9: MKBA method corrections, each against numbers computed by hand in the test, plus
the "one engine" property: the vectorised Model equals evaluate() on the scenario case."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from mkba import CaseError, evaluate, read_case
from mkba.run.cli import main
from mkba.uncertainty import (
    Model,
    Scenario,
    apply_scenario,
    discount_rate_sensitivity,
    monte_carlo,
    uncertain_inputs,
)

from .conftest import EXAMPLE, MINIMAL, write_case

# CBS 83131NED: CPI 2018 (published index) and the year-on-year changes 2019→2020 … 2023→2024
CPI_2018, CPI_2019 = 103.44, 106.16
CPI_2024 = CPI_2019 * math.prod(1 + c / 100 for c in (1.3, 2.7, 10.0, 3.8, 3.3))

TASK = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar", "optimisme_kosten",
         "optimisme_baten"],
        ["D1", "Nadeel", "WK036330", "2020", "2022", "20%", "20%"]]
COSTS = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"],
         ["D1", "2020", "gemeente", "Terugbetaling", "-1000", "2024"],
         ["D1", "2021", "gemeente", "Beheer", "500", "2024"]]
DISBENEFIT = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
               "waarde_per_eenheid", "prijsjaar"],
              ["D1", "Overlast", "bewoners", "2020", "2020", "-100", "1.000", "2024"]]


@pytest.fixture
def disbenefit_case(tmp_path):
    return read_case(write_case(tmp_path / "d", {"taken": TASK, "kosten": COSTS,
                                                 "effecten": DISBENEFIT}))


class TestOptimismBias:
    """1. A disbenefit gets worse under optimism correction; only forecast years."""

    def test_disbenefit_and_negative_cost_get_worse(self, disbenefit_case):
        r = 0.03
        res = evaluate(disbenefit_case, discount_rate=r, price_year=2024,
                       peiljaar=2020).result("D1")
        # −100 × 1.000 × (1 + 0,20): the disbenefit grows by the optimism fraction
        assert res.pv_benefits == pytest.approx(-120_000.0)
        # a negative cost shrinks (× 0,8), a positive cost grows (× 1,2), the latter in 2021
        assert res.pv_costs == pytest.approx(-1000 * 0.8 + 500 * 1.2 / 1.03)
        model = Model(disbenefit_case, "D1", discount_rate=r, price_year=2024, peiljaar=2020)
        assert model.deterministic() == pytest.approx(res.npv)

    def test_realised_years_get_no_correction(self, disbenefit_case):
        r = 0.03
        res = evaluate(disbenefit_case, discount_rate=r, price_year=2024,
                       peiljaar=2021).result("D1")
        d = res.to_dict()
        # 2020 is realised: −100.000 and −1.000 as booked; 2021 is forecast: 500 × 1,2
        assert d["pv_benefits_realised"] == pytest.approx(-100_000.0)
        assert d["pv_benefits_forecast"] == pytest.approx(0.0)
        assert d["pv_costs_realised"] == pytest.approx(-1000.0)
        assert d["pv_costs_forecast"] == pytest.approx(600 / 1.03)
        assert res.pv_costs == pytest.approx(-1000 + 600 / 1.03)
        assert res.parameters["peiljaar"] == 2021
        model = Model(disbenefit_case, "D1", discount_rate=r, price_year=2024, peiljaar=2021)
        assert model.deterministic() == pytest.approx(res.npv)


@pytest.mark.slow
class TestOneEngine:
    """Model.npv(values) equals evaluate(apply_scenario(case, values)).npv for random draws."""

    @pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
    def test_model_equals_evaluate_on_scenario_case(self, seed):
        """Every path of the engine: drawn discount rate, optimism (drawn, and fixed on lines
        nothing else is drawn for), drawn drop-off (closed-form geometric sums, also over the
        forecast years only), quantities that change sign under optimism, transfers (T1,
        T4), the residual value of an investment (T3), the volunteers' own benefit. Seeds
        3–5 draw a random half of the inputs, so lines are split between the per-draw
        matrices and the one weight vector of the lines nothing acts on."""
        case = read_case(EXAMPLE)
        rng = np.random.default_rng(seed)
        params = {"peiljaar": 2022, "volunteer_benefit_code": "bijles_student_uur",
                  "price_year": 2023}
        ev = evaluate(case, **params)
        e = case.effecten
        for task, variant in zip(ev.totals["task_id"], ev.totals["variant"], strict=True):
            inputs = {i.name: (i.low, i.high) for i in uncertain_inputs(case, task=task)}
            inputs["discontovoet"] = (0.0, 0.06)
            inputs[f"{task}/optimisme_kosten"] = (0.0, 0.3)
            inputs[f"{task}/optimisme_baten"] = (0.0, 0.3)
            inputs["vervangingskosten_uur"] = (10.0, 30.0)
            inputs["T2/Inzet bewoners in het park/factor"] = (0.5, 1.5)
            inputs["T3/Inrichting en eerste boekencollectie/factor"] = (0.5, 1.5)  # residual
            for effect in e.loc[(e["taak_id"] == task) & ~e["pm"], "effect"].unique():
                inputs[f"{task}/{effect}/afname"] = (0.0, 0.5)
                inputs[f"{task}/{effect}/hoeveelheid"] = (-20.0, 40.0)
            if seed > 2:
                inputs = {k: v for k, v in inputs.items() if rng.random() < 0.5}
            draws = {k: rng.uniform(lo, hi, 3) for k, (lo, hi) in inputs.items()}
            model = Model(case, task, variant, **params)
            got = model.npv(draws)
            for i in range(3):
                values = {k: float(v[i]) for k, v in draws.items()}
                scenario_case, extra = apply_scenario(case, Scenario("p", values, {}))
                want = evaluate(scenario_case, task=task, **params, **extra).result(
                    task, variant).npv
                assert got[i] == pytest.approx(want, rel=1e-9, abs=1e-6), (task, variant, i)


    @pytest.mark.parametrize("drawn", [(), ("discontovoet",), ("D1/Overlast/hoeveelheid",),
                                       ("discontovoet", "D1/Overlast/afname")])
    def test_fixed_optimism_of_lines_nothing_acts_on(self, disbenefit_case, drawn):
        """Lines with the task's 20 % optimism and no drawn input are summed into one weight
        vector (optimism in forecast years only): the same NPV as evaluate()."""
        rng = np.random.default_rng(3)
        ranges = {"discontovoet": (-0.01, 0.05), "D1/Overlast/hoeveelheid": (-150.0, 50.0),
                  "D1/Overlast/afname": (0.0, 0.4)}
        draws = {k: rng.uniform(*ranges[k], 4) for k in drawn}
        for peiljaar in (2020, 2021, 2023):
            params = {"peiljaar": peiljaar, "price_year": 2024, "discount_rate": 0.03}
            got = Model(disbenefit_case, "D1", **params).npv(draws, 4)
            for i in range(4):
                values = {k: float(v[i]) for k, v in draws.items()}
                case, extra = apply_scenario(disbenefit_case, Scenario("p", values, {}))
                want = evaluate(case, **{**params, **extra}).result("D1").npv
                assert got[i] == pytest.approx(want, rel=1e-9, abs=1e-6), (drawn, peiljaar, i)


    def test_edge_draws_of_drop_off_and_rate(self):
        """The closed form of a drawn drop-off at its edges: afname 0 at discount rate 0
        (q = 1: the sum is the number of years), afname 1 (only the first year counts; a
        log of 0 is avoided), negative rates: the same NPV as evaluate()."""
        case = read_case(EXAMPLE)
        params = {"peiljaar": 2022}
        names = [f"T1/{e}/afname" for e in ("Minder bijstand door doorstroom van vrijwilligers "
                                            "naar werk", "Productie van doorgestroomde "
                                            "vrijwilligers")]
        draws = {names[0]: np.array([0.0, 1.0, 0.0, 1.0]),
                 names[1]: np.array([0.0, 0.0, 1.0, 1.0]),
                 "discontovoet": np.array([0.0, 0.0, -0.01, 0.04]),
                 "T1/optimisme_baten": np.array([0.1, 0.0, 0.2, 0.3])}
        got = Model(case, "T1", **params).npv(draws)
        for i in range(4):
            values = {k: float(v[i]) for k, v in draws.items()}
            scenario_case, extra = apply_scenario(case, Scenario("p", values, {}))
            want = evaluate(scenario_case, task="T1", **params, **extra).result("T1").npv
            assert got[i] == pytest.approx(want, rel=1e-9, abs=1e-6), i


class TestEstimatedQuantities:
    """2. The sign comes from the indicator; deadweight on an estimate is refused."""

    def test_same_indicator_same_sign_with_or_without_target(self, tmp_path):
        from mkba.evidence.treatment import effect_for_case, quantities_from_estimates

        taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
                 ["T1", "Met doel", "WK036360", "2018", "2021"],
                 ["T4", "Zonder doel", "WK036330", "2018", "2021"]]
        effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                     "waarde_per_eenheid", "indicator", "richting"],
                    ["T1", "Minder bijstand", "gemeente", "2019", "2021", "", "100",
                     "PersonenPerSoortUitkeringBijstand", ""],
                    ["T4", "Minder bijstand", "gemeente", "2019", "2021", "", "100",
                     "PersonenPerSoortUitkeringBijstand", ""],
                    ["T4", "Omgekeerd gelezen", "gemeente", "2019", "2021", "", "100",
                     "PersonenPerSoortUitkeringBijstand", "hoger"]]
        doelen = [["taak_id", "indicator", "basisjaar", "streefjaar", "streefwaarde",
                   "richting"],
                  ["T1", "PersonenPerSoortUitkeringBijstand", "2017", "2021", "800", "lager"]]
        # CBS has only 2017 before 2018 for these wijken, and an estimate needs two pre-years
        # (issue 10): the case measures the indicator itself in 41 wijken, 2014–2021
        rng = np.random.default_rng(3)
        metingen = [["wijk_code", "indicator", "jaar", "waarde"]] + [
            [code, "PersonenPerSoortUitkeringBijstand", str(y),
             f"{level + (y - 2014) + rng.normal(0, 1):.2f}".replace(".", ",")]
            for code, level in zip([f"WK0363{i:02d}" for i in range(40)] + ["WK036360"],
                                   rng.normal(300, 30, 41), strict=True)
            for y in range(2014, 2022)]
        case = read_case(write_case(tmp_path / "c", **{**MINIMAL, "taken": taken,
                                                       "effecten": effecten,
                                                       "doelen": doelen,
                                                       "metingen": metingen}))
        filled, _ = quantities_from_estimates(case, n_placebo=50)
        q = filled.effecten["hoeveelheid"].to_numpy()
        est1 = effect_for_case(case, "PersonenPerSoortUitkeringBijstand", wijk="WK036360",
                               start_year=2018, n_placebo=50).estimate
        est4 = effect_for_case(case, "PersonenPerSoortUitkeringBijstand", wijk="WK036330",
                               start_year=2018, n_placebo=50).estimate
        # fewer people on bijstand is an improvement: quantity = −estimate, for both tasks
        assert q[0] == pytest.approx(-est1)
        assert q[1] == pytest.approx(-est4)
        # an explicit richting on the line wins
        assert q[2] == pytest.approx(est4)

    def test_deadweight_on_an_estimate_is_an_input_error(self, tmp_path, capsys):
        effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                     "waarde_per_eenheid", "indicator", "deadweight"],
                    ["T1", "Minder bijstand", "gemeente", "2019", "2021", "", "100",
                     "PersonenPerSoortUitkeringBijstand", "50%"]]
        folder = write_case(tmp_path / "c", **{**MINIMAL, "effecten": effecten})
        with pytest.raises(CaseError, match="effecten.csv:2:deadweight: een geschatte"):
            read_case(folder)
        assert main(["validate", str(folder)]) == 2
        assert "effecten.csv:2:deadweight" in capsys.readouterr().err

    def test_unknown_direction_needs_richting(self, tmp_path):
        effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                     "waarde_per_eenheid", "indicator"],
                    ["T1", "Meer bezoek", "bewoners", "2019", "2021", "", "10", "bezoekers"]]
        with pytest.raises(CaseError, match="effecten.csv:2:richting: geef richting op"):
            read_case(write_case(tmp_path / "c", **{**MINIMAL, "effecten": effecten}))


def shift_case(tmp_path):
    """A pure cost shift: 110.000 a year of cost against 110.000 a year avoided, 2020–2029."""
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"]] + [
        ["S1", str(y), "bewoners", "Beheer", "110.000", "2024"] for y in range(2020, 2030)]
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                 "waarde_per_eenheid", "prijsjaar"],
                ["S1", "Vermeden beheer", "gemeente", "2020", "2029", "1", "110.000", "2024"]]
    taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
             ["S1", "Verschuiving", "WK036330", "2020", "2029"]]
    return read_case(write_case(tmp_path / "shift", {"taken": taken, "kosten": kosten,
                                                     "effecten": effecten}))


class TestDiscountRateVariants:
    """3. Only the variants the guidance names, with sources; KEA convention on request."""

    def test_cost_shift_is_zero_under_every_default_variant(self, tmp_path):
        d = discount_rate_sensitivity(shift_case(tmp_path), "S1")
        assert list(d["rate_costs"]) == [0.0225, -0.01]  # standard and risk-free (WD 2020)
        assert (d["rate_costs"] == d["rate_benefits"]).all()
        assert np.allclose(d["npv"], 0.0, atol=1e-6)
        assert d["source"].str.contains("Werkgroep discontovoet 2020").all()
        assert not d["variant"].str.contains("gezondheid|KEA|kosteneffectiviteit").any()

    def test_health_convention_only_on_request_and_labelled(self, tmp_path):
        d = discount_rate_sensitivity(shift_case(tmp_path), "S1", health_convention=True)
        kea = d[d["kind"] == "KEA-conventie"].iloc[0]
        assert "geen MKBA" in kea["variant"]
        # costs at 4 %, effects at 1,5 %: Σ 110.000 × (1,015^−k − 1,04^−k), k = 0 … 9
        by_hand = sum(110_000 * (1.015 ** -k - 1.04 ** -k) for k in range(10))
        assert kea["npv"] == pytest.approx(by_hand)


def financing_case(tmp_path, rows, extra_effects=()):
    fin = [["taak_id", "jaar", "bron", "soort", "bedrag"]] + rows
    effecten = [MINIMAL["effecten"][0] + ["overdracht_van"]] + [
        row + [""] for row in MINIMAL["effecten"][1:]] + list(extra_effects)
    return read_case(write_case(tmp_path / "f", **{**MINIMAL, "financiering": fin,
                                                   "effecten": effecten}))


class TestLeverage:
    """4. Guarantees count on neither side; loans and own revenue apart."""

    def test_guarantee_against_gift_gives_no_leverage(self, tmp_path):
        case = financing_case(tmp_path, [["T1", "2019", "gemeente", "garantstelling", "60.000"],
                                         ["T1", "2019", "Fonds", "gift", "60.000"]])
        fin = evaluate(case).result("T1").financing
        assert fin["leverage"] is None
        assert "garantstelling" in fin["leverage_reason"]
        assert fin["guarantees"] == 60_000

    def test_parts(self, tmp_path):
        case = financing_case(tmp_path, [
            ["T1", "2019", "gemeente", "subsidie", "100.000"],
            ["T1", "2019", "gemeente", "garantstelling", "10.000"],
            ["T1", "2019", "Fonds", "gift", "30.000"],
            ["T1", "2019", "woningcorporatie", "sponsoring", "20.000"],
            ["T1", "2019", "bedrijf", "in_natura", "5.000"],
            ["T1", "2019", "bank", "lening", "50.000"],
            ["T1", "2019", "klanten", "eigen_inkomsten", "40.000"]])
        fin = evaluate(case).result("T1").financing
        # contributions of others (30 + 20 + 5) per contributed municipal euro (100)
        assert fin["leverage"] == pytest.approx(55 / 100)
        assert (fin["municipal"], fin["others"]) == (100_000, 55_000)
        assert (fin["loans"], fin["own_revenue"], fin["guarantees"]) == (50_000, 40_000, 10_000)


class TestFinancingCounterpart:
    """5. A contribution with no counterpart in kosten/effecten is named in every output."""

    def test_unbooked_subsidy_warns_naming_the_row(self, tmp_path, capsys):
        case = financing_case(tmp_path, [["T1", "2019", "bank", "lening", "5.000"],
                                         ["T1", "2020", "gemeente", "subsidie", "2.000"]])
        text = " ".join(str(w) for w in case.warnings)
        assert "financiering.csv:3:bedrag: bijdrage van 'gemeente'" in text
        assert "lening" not in text  # a loan is not a contribution
        ev = evaluate(case)
        assert any("financiering.csv:3" in w for w in ev.to_dict()["warnings"])
        assert main(["validate", str(tmp_path / "f")]) == 0
        assert "financiering.csv:3:bedrag" in capsys.readouterr().out

    def test_booked_as_transfer_is_fine(self, tmp_path):
        transfer = ["T1", "Subsidie", "bewoners", "2020", "2020", "1", "2.000", "", "gemeente"]
        case = financing_case(tmp_path, [["T1", "2020", "gemeente", "subsidie", "2.000"]],
                              [transfer])
        assert not [w for w in case.warnings if "financiering" in str(w)]

    def test_example_subsidy_lowers_the_municipal_balance(self):
        case = read_case(EXAMPLE)
        assert not [w for w in case.warnings if "financiering" in str(w)]
        e = case.effecten
        without = case.with_table(
            "effecten", e[e["effect"] != "Exploitatiesubsidie van de gemeente"])
        with_ = evaluate(case).result("T1").municipality["npv"]
        before = evaluate(without).result("T1").municipality["npv"]
        # 30.000 a year (prijsjaar 2018) in euros of 2024, 2018–2027, discounted to 2018
        pv = sum(30_000 * CPI_2024 / CPI_2018 * 1.0225 ** -(t - 2018) for t in range(2018, 2028))
        assert before - with_ == pytest.approx(pv)
        assert evaluate(case).result("T1").npv == pytest.approx(evaluate(without).result(
            "T1").npv)  # a transfer: society's NPV does not change


VOL = {
    "taken": [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
              ["V1", "Vrijwilligers", "WK036330", "2020", "2021"]],
    "kosten": [["taak_id", "jaar", "actor", "post", "soort", "hoeveelheid", "kengetal"],
               ["V1", "2020", "vrijwilligers", "Inzet", "vrijwilligersinzet", "100", "vk"],
               ["V1", "2021", "vrijwilligers", "Inzet", "vrijwilligersinzet", "100", "vk"]],
    "effecten": [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                  "waarde_per_eenheid", "prijsjaar"],
                 ["V1", "Dienst", "bewoners", "2020", "2021", "1", "5.000", "2024"]],
    "kengetallen": [["code", "omschrijving", "waarde", "eenheid", "prijsjaar", "bron", "laag",
                     "hoog"],
                    ["vk", "Vervangingskosten", "20", "uur", "2024", "test", "10", "30"],
                    ["marktprijs_uur", "Marktprijs", "30", "uur", "2024", "test", "", ""],
                    ["nettoloon_uur", "Nettoloon", "40", "uur", "2024", "test", "", ""],
                    ["eigen", "Waarde voor de vrijwilliger", "5", "uur", "2024", "test", "",
                     ""]],
}


class TestVolunteerTime:
    """6. Methods side by side with the switching value; no draws across methods."""

    def test_methods_side_by_side_and_switching_value(self, tmp_path):
        case = read_case(write_case(tmp_path / "v", VOL))
        r = 0.03
        res = evaluate(case, discount_rate=r, price_year=2024).result("V1")
        hours = 100 + 100 / 1.03             # discounted hours
        benefits = 5000 + 5000 / 1.03
        want = {"vervangingskosten": benefits - 20 * hours, "marktwaarde": benefits - 30 * hours,
                "gederfd_loon": benefits - 40 * hours, "nul": benefits}
        got = {m["method"]: m["npv"] for m in res.volunteer["methods"]}
        assert got == pytest.approx(want)
        assert res.volunteer["switching_value_per_hour"] == pytest.approx(benefits / hours)
        for method in want:
            assert evaluate(case, discount_rate=r, price_year=2024,
                            volunteer_valuation=method).result("V1").npv == pytest.approx(
                want[method])
        table = res.volunteer_table()
        assert list(table["waardering vrijwilligersuur"]) == [
            "vervangingskosten", "marktwaarde", "gederfd nettoloon", "nul"]

    def test_volunteers_own_benefit(self, tmp_path):
        case = read_case(write_case(tmp_path / "v", VOL))
        res = evaluate(case, discount_rate=0.03, price_year=2024,
                       volunteer_benefit_code="eigen").result("V1")
        vol = res.by_actor().set_index("actor").loc["vrijwilligers"]
        assert vol["pv_benefits"] == pytest.approx(100 * 5 * (1 + 1 / 1.03))
        assert vol["pv_costs"] == pytest.approx(100 * 20 * (1 + 1 / 1.03))

    def test_monte_carlo_does_not_draw_the_hour_value(self, tmp_path):
        case = read_case(write_case(tmp_path / "v", VOL))
        mc = monte_carlo(case, "V1", draws=500, seed=1, discount_rate=0.03, price_year=2024)
        assert mc.fixed == ("vk",)
        assert "vk" not in set(mc.importance["name"])
        assert np.ptp(mc.npv) == 0  # nothing else is uncertain here
        assert "PM-posten" in mc.to_dict()["note"]


class TestIrr:
    """7. No IRR without a real investment phase."""

    def flows_case(self, tmp_path, costs, benefits):
        kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"]] + [
            ["I1", str(2020 + i), "gemeente", f"Kost {i}", str(c), "2024"]
            for i, c in enumerate(costs) if c]
        effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                     "waarde_per_eenheid", "prijsjaar"]] + [
            ["I1", f"Baat {i}", "bewoners", str(2020 + i), str(2020 + i), "1", str(b), "2024"]
            for i, b in enumerate(benefits) if b]
        taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
                 ["I1", "IRR", "WK036330", "2020", "2022"]]
        return read_case(write_case(tmp_path / "i", {"taken": taken, "kosten": kosten,
                                                     "effecten": effecten}))

    def test_tiny_outlay_gives_no_irr(self, tmp_path, capsys):
        case = self.flows_case(tmp_path, [10, 0, 0], [0, 1000, 1000])
        res = evaluate(case, price_year=2024).result("I1")
        # 10 is under 10 % of the later 1.000 a year: the "IRR" would be about 10.000 %
        assert res.irr is None and res.payback_year is None
        assert res.irr_note.startswith("geen echte investeringsfase")
        assert res.summary().loc["Interne rentevoet", "Waarde"].startswith("n.v.t.")
        assert main(["evaluate", str(tmp_path / "i"), "--format", "json"]) == 0
        entry = json.loads(capsys.readouterr().out)["tasks"][0]
        assert entry["irr"] is None and entry["irr_note"].startswith("geen echte")

    def test_real_investment_keeps_its_irr(self, tmp_path):
        res = evaluate(self.flows_case(tmp_path, [1000, 0, 0], [0, 600, 600]),
                       price_year=2024).result("I1")
        # −1000 + 600 y + 600 y² = 0 with y = 1 / (1 + irr)
        y = (-600 + math.sqrt(600 ** 2 + 4 * 600 * 1000)) / (2 * 600)
        assert res.irr == pytest.approx(1 / y - 1)
        assert res.irr_note is None


    def test_irr_above_100_percent_is_not_shown(self, tmp_path):
        # outlay 200 is 29 % of the later 700 a year (a real investment phase), yet
        # −200 + 700 y + 700 y² = 0 gives y = (−700 + √(700² + 4·700·200)) / 1400 = 0,2319,
        # irr = 1/y − 1 ≈ 3,31: 331 % a year says nothing to a resident
        y = (-700 + math.sqrt(700 ** 2 + 4 * 700 * 200)) / (2 * 700)
        assert 1 / y - 1 > 3.3
        res = evaluate(self.flows_case(tmp_path, [200, 0, 0], [0, 700, 700]),
                       price_year=2024).result("I1")
        assert res.irr is None and res.irr_capped
        assert res.irr_note.startswith("de interne rentevoet is meer dan 100 %")
        assert "331 %" in res.irr_note
        # issue 19, item 10: the reader sees "meer dan 100 % per jaar", not "n.v.t.", and the
        # payback year stays: −200 in 2020, +700 / 1,0225 = 684,6 in 2021 → paid back in 2021
        assert res.irr_text == "meer dan 100 % per jaar"
        assert res.summary().loc["Interne rentevoet", "Waarde"].startswith(
            "meer dan 100 % per jaar")
        assert res.payback_year == 2021
        assert res.summary().loc["Terugverdienjaar", "Waarde"] == "2021"
        entry = res.to_dict()
        assert entry["payback_year"] == 2021 and entry["irr"] is None
        assert entry["irr_above_cap"] is True

    def test_irr_just_under_100_percent_is_shown(self, tmp_path):
        # −1000 + 1300 y + 1300 y² = 0: y = (−1300 + √(1300² + 4·1300·1000)) / 2600 = 0,5096
        y = (-1300 + math.sqrt(1300 ** 2 + 4 * 1300 * 1000)) / (2 * 1300)
        res = evaluate(self.flows_case(tmp_path, [1000, 0, 0], [0, 1300, 1300]),
                       price_year=2024).result("I1")
        assert res.irr_note is None
        assert res.irr == pytest.approx(1 / y - 1) and res.irr < 1


class TestPmBreakEven:
    """9. What the PM posts would have to be worth."""

    def test_example_t1_sentence(self):
        res = evaluate(read_case(EXAMPLE)).result("T1")
        pm = res.pm_break_even
        assert pm["amount"] == pytest.approx(-res.npv)
        assert pm["text"].startswith("de PM-posten moeten samen minstens € ")
        assert res.to_dict()["pm_break_even"]["amount"] == pytest.approx(-res.npv)

    def test_positive_npv_with_negative_pm(self, tmp_path):
        effecten = MINIMAL["effecten"] + [["T1", "Overlast", "bewoners", "2019", "2022", "", "",
                                           ""]]
        effecten = [row + (["pm", "pm_score"] if i == 0 else
                           (["ja", "-"] if row[1] == "Overlast" else ["nee", ""]))
                    for i, row in enumerate(effecten)]
        case = read_case(write_case(tmp_path / "p", **{**MINIMAL, "effecten": effecten}))
        res = evaluate(case, discount_rate=0.0, price_year=2024).result("T1")
        # 10 × 50 × 0,9 × 4 years − 1.000, both in prices of 2019 (the cost's prijsjaar; the
        # effect's empty prijsjaar is its own year jaar_van = 2019) → 2024 CPI
        npv = (10 * 50 * 0.9 * 4 - 1000) * CPI_2024 / CPI_2019
        assert res.npv == pytest.approx(npv)
        assert res.pm_break_even["direction"] == "negatief"
        assert res.pm_break_even["amount"] == pytest.approx(npv)


class TestTotals:
    """10. No total across base years or across alternative variants."""

    def test_totals_need_one_variant_and_one_base_year(self):
        case = read_case(EXAMPLE)
        ev = evaluate(case)
        with pytest.raises(CaseError, match="T2 heeft varianten"):
            ev.total()
        with pytest.raises(CaseError, match="verschillende basisjaren \\(2018, 2019\\)"):
            ev.total({"T2": "maatschappelijk_aanbesteden"})
        assert "NCW totaal" not in repr(ev)
        common = evaluate(case, base_year=2018)
        t = common.total({"T2": "klassiek_aanbesteden"})
        parts = [common.result("T1").npv, common.result("T2", "klassiek_aanbesteden").npv,
                 common.result("T3").npv, common.result("T4").npv]
        assert t["npv"] == pytest.approx(sum(parts))
        assert t["base_year"] == 2018
        assert t["tasks"] == {"T1": "project", "T2": "klassiek_aanbesteden", "T3": "project",
                              "T4": "project"}
        with pytest.raises(CaseError, match="T2 heeft geen variant 'bestaat_niet'"):
            common.total({"T2": "bestaat_niet"})


def test_example_outputs_show_the_new_figures(capsys):
    """The CLI's table and JSON carry the split, the method table, the leverage parts and the
    PM break-even."""
    assert main(["evaluate", str(EXAMPLE), "--task", "T1", "--peiljaar", "2024"]) == 0
    out = capsys.readouterr().out
    for text in ("gerealiseerd", "prognose", "Waardering vrijwilligersuur", "omslagwaarde",
                 "de PM-posten moeten samen minstens € ", "(contante waarde, dat is € ",
                 "per jaar over 2018–2027)", "leningen"):
        assert text in out, text
    assert main(["evaluate", str(EXAMPLE), "--task", "T1", "--format", "json"]) == 0
    entry = json.loads(capsys.readouterr().out)["tasks"][0]
    assert {"pv_costs_realised", "pv_costs_forecast", "pv_benefits_realised",
            "pv_benefits_forecast", "volunteer", "pm_break_even", "irr_note"} <= set(entry)
    assert {"loans", "own_revenue", "guarantees", "leverage_reason"} <= set(entry["financing"])
    assert pd.notna(entry["volunteer"]["switching_value_per_hour"])


class TestHorizonAndResidualValue:
    """8. Effects may run past eindjaar up to the horizon; investments keep a residual value."""

    def case(self, tmp_path, horizonjaar=""):
        taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar", "horizonjaar"],
                 ["H1", "Horizon", "WK036330", "2020", "2021", horizonjaar]]
        kosten = [["taak_id", "jaar", "actor", "post", "soort", "bedrag", "prijsjaar",
                   "levensduur"],
                  ["H1", "2020", "gemeente", "Speeltuin", "investering", "1.000", "2024", "10"],
                  ["H1", "2021", "gemeente", "Beheer", "exploitatie", "100", "2024", ""]]
        effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                     "waarde_per_eenheid", "prijsjaar"],
                    ["H1", "Speelplezier", "bewoners", "2020", "2024", "1", "200", "2024"]]
        return read_case(write_case(tmp_path / "h", {"taken": taken, "kosten": kosten,
                                                     "effecten": effecten}))

    def test_horizon_column_and_residual_value(self, tmp_path):
        r = 0.03
        res = evaluate(self.case(tmp_path, "2024"), discount_rate=r,
                       price_year=2024).result("H1")
        # effect 200 a year 2020–2024 (past eindjaar 2021); residual at the end of 2024 of an
        # investment of 1.000 in 2020 with a life of 10 years: 5 years used → 500 left
        residual = 1000 * (1 - 5 / 10) * 1.03 ** -4
        benefits = sum(200 * 1.03 ** -k for k in range(5)) + residual
        costs = 1000 + 100 / 1.03
        assert res.pv_benefits == pytest.approx(benefits)
        assert res.pv_costs == pytest.approx(costs)
        assert res.to_dict()["pv_residual"] == pytest.approx(residual)
        steps = res.waterfall().set_index("step")["amount"]
        assert steps["baten: Restwaarde: Speeltuin"] == pytest.approx(residual)
        model = Model(self.case(tmp_path, "2024"), "H1", discount_rate=r, price_year=2024)
        assert model.deterministic() == pytest.approx(res.npv)

    def test_horizon_option_and_default(self, tmp_path):
        case = self.case(tmp_path)
        # without a horizon the analysis stops at eindjaar 2021: 2 of 10 years used → 800 left
        res = evaluate(case, discount_rate=0.0, price_year=2024).result("H1")
        assert res.pv_benefits == pytest.approx(2 * 200 + 800)
        assert any("deels buiten" in w for w in res.warnings)
        # --horizon 3: up to 2022, 3 years used → 700 left
        res = evaluate(case, discount_rate=0.0, price_year=2024, horizon=3).result("H1")
        assert res.pv_benefits == pytest.approx(3 * 200 + 700)

    def test_levensduur_only_on_investments(self, tmp_path):
        kosten = [["taak_id", "jaar", "actor", "post", "soort", "bedrag", "levensduur"],
                  ["T1", "2019", "gemeente", "Beheer", "exploitatie", "100", "5"]]
        with pytest.raises(CaseError, match="kosten.csv:2:levensduur: levensduur hoort alleen"):
            read_case(write_case(tmp_path / "l", **{**MINIMAL, "kosten": kosten}))


def test_optimism_always_lowers_the_contribution():
    """Property: for any line, the corrected contribution to the NPV is c − o × |c| (c = +value
    for a benefit, −value for a cost), i.e. the correction never improves the verdict; a
    transfer (kind 2) is a contract and is never corrected (issue 19, item 6)."""
    from hypothesis import given
    from hypothesis import strategies as st

    from mkba.engine.flows import optimism_factor

    @given(st.floats(-1e6, 1e6), st.sampled_from([0, 1, 2]), st.floats(0, 1))
    def check(value, kind, o):
        contribution = -value if kind == 0 else value
        corrected = contribution * optimism_factor(kind, value, o, True)
        expected = contribution if kind == 2 else contribution - o * abs(contribution)
        assert corrected == pytest.approx(expected, abs=1e-6)
        # realised years are never corrected
        assert optimism_factor(kind, value, o, False) == 1.0

    check()


def test_example_monte_carlo_is_not_driven_by_the_volunteer_method(capsys):
    case = read_case(EXAMPLE)
    mc = monte_carlo(case, "T1", draws=2000, seed=1)
    assert "vervangingskosten_uur" not in set(mc.importance["name"])
    # marktwaarde needs the market price of the service, which the example does not have
    assert main(["evaluate", str(EXAMPLE), "--task", "T1", "--volunteer-valuation",
                 "marktwaarde"]) == 2
    assert "kengetal 'marktprijs_uur' ontbreekt" in capsys.readouterr().err


def test_flow_kinds_are_one_enum():
    """The kind of a cash flow is a FlowKind everywhere: the categorical's codes are the enum's
    values and its labels the enum's Dutch labels; a transfer is + for one actor and − for
    the other, costs are the cost lines (example: T1 has transfers, T3 a residual value)."""
    from mkba.engine.flows import KINDS, FlowKind

    assert [int(k) for k in FlowKind] == [0, 1, 2] and KINDS == ("kosten", "baten", "overdracht")
    f = evaluate(read_case(EXAMPLE)).cashflows
    assert list(f["kind"].cat.categories) == [k.label for k in FlowKind]
    codes = f["kind"].cat.codes.to_numpy()
    # no code compares a kind with a bare 0, 1 or 2 (the enum is the one home of the codes)
    import ast
    from pathlib import Path

    bare = []
    for path in (Path(__file__).resolve().parents[1] / "mkba").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any("kind" in ast.unparse(s) for s in sides) and any(
                        isinstance(s, ast.Constant) and s.value in (0, 1, 2)
                        and not isinstance(s.value, bool) for s in sides):
                    bare.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    assert bare == []
    transfers = f[codes == FlowKind.TRANSFER]
    assert len(transfers) > 0
    assert transfers.groupby(["task_id", "variant", "year", "item"])["amount"].sum().abs().max() < 1e-9
    assert (f.loc[codes == FlowKind.COST, "item"].isin(read_case(EXAMPLE).kosten["post"])).all()
