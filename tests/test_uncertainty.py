"""Uncertainty: sensitivity and switching values by hand, Monte Carlo against analytic values,
identities, scenarios, invalid ranges."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.optimize import brentq

from mkba import CaseError, evaluate, read_case
from mkba.run.cli import main
from mkba.uncertainty import (
    Model,
    Scenario,
    apply_scenario,
    compare_variants,
    discount_rate_sensitivity,
    load_scenario,
    monte_carlo,
    sensitivity,
    triangular_ppf,
)

from .conftest import EXAMPLE, write_case

R = 0.03
# One task 2020–2023, base year 2020, price year 2024 (all amounts already in 2024 prices):
# cost 1,000 in 2020; effect 10 hours × kengetal 'uur' (value 60, 2024) × (1 − deadweight 0.1)
# in 2020–2023 with drop-off 0.2.
SMALL = {
    "taken": [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
              ["S1", "Klein", "WK036330", "2020", "2023"]],
    "kosten": [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"],
               ["S1", "2020", "gemeente", "Start", "1000", "2024"]],
    "effecten": [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                  "kengetal", "deadweight", "afname"],
                 ["S1", "Uren", "bewoners", "2020", "2023", "10", "uur", "0,1", "0,2"]],
    "kengetallen": [["code", "omschrijving", "waarde", "eenheid", "prijsjaar", "bron", "laag",
                     "hoog"],
                    ["uur", "Uurwaarde", "60", "uur", "2024", "test", "40", "70"]],
    "bandbreedtes": [["parameter", "laag", "hoog", "verdeling"],
                     ["S1/Uren/deadweight", "0", "0,5", "driehoek"],
                     ["S1/Uren/afname", "0", "0,6", "driehoek"],
                     ["discontovoet", "0", "0,9", "uniform"]],
}


def by_hand(value=60.0, dw=0.1, drop=0.2, r=R):
    return -1000 + sum(10 * value * (1 - dw) * (1 - drop) ** k * (1 + r) ** -k for k in range(4))


@pytest.fixture
def small(tmp_path):
    return read_case(write_case(tmp_path / "s", SMALL))


class TestModel:
    @pytest.mark.slow
    def test_model_equals_evaluate_on_example(self):
        case = read_case(EXAMPLE)
        for params in ({}, {"discount_rate": 0.04, "price_year": 2020},
                       {"base_year": 2015, "horizon": 5},
                       {"volunteer_valuation": "nul"},
                       {"volunteer_valuation": "gederfd_loon", "wage_code": "productiviteit_uur"},
                       {"volunteer_valuation": "marktwaarde",
                        "market_value_code": "bijles_student_uur"},
                       {"peiljaar": 2021, "volunteer_benefit_code": "vervangingskosten_uur"}):
            ev = evaluate(case, **params)
            for r in ev.results():
                m = Model(case, r.task_id, r.variant, **params)
                assert m.deterministic() == pytest.approx(r.npv, rel=1e-12, abs=1e-6)

    def test_small_case_by_hand(self, small):
        assert Model(small, "S1", discount_rate=R).deterministic() == pytest.approx(by_hand())


class TestSensitivity:
    def test_tornado_by_hand(self, small):
        s = sensitivity(small, "S1", discount_rate=R).set_index("name")
        assert s.loc["uur", "npv_low"] == pytest.approx(by_hand(value=40))
        assert s.loc["uur", "npv_high"] == pytest.approx(by_hand(value=70))
        assert s.loc["S1/Uren/deadweight", "npv_high"] == pytest.approx(by_hand(dw=0.5))
        assert s.loc["S1/Uren/afname", "npv_high"] == pytest.approx(by_hand(drop=0.6))
        assert s.attrs["npv"] == pytest.approx(by_hand())

    def test_switching_values_by_hand(self, small):
        s = sensitivity(small, "S1", discount_rate=R).set_index("name")
        a = sum(10 * 0.9 * 0.8 ** k * 1.03 ** -k for k in range(4))
        assert s.loc["uur", "switching_value"] == pytest.approx(1000 / a)  # value with NPV = 0
        dw = 1 - 1000 / sum(10 * 60 * 0.8 ** k * 1.03 ** -k for k in range(4))
        assert s.loc["S1/Uren/deadweight", "switching_value"] == pytest.approx(dw)
        assert s.loc["S1/Uren/deadweight", "switching_in_range"] == (0 <= dw <= 0.5)
        drop = brentq(lambda d: by_hand(drop=d), 0, 1)
        assert s.loc["S1/Uren/afname", "switching_value"] == pytest.approx(drop, abs=1e-8)
        # the discount rate at which NPV = 0 is the internal rate of return
        irr = brentq(lambda r: by_hand(r=r), -0.5, 5)
        assert s.loc["discontovoet", "switching_value"] == pytest.approx(irr, abs=1e-8)

    def test_no_switching_value_outside_the_domain(self, tmp_path):
        """Where the linear rule gives a value the input cannot take, there is none (NaN)."""
        # uurwaarde 10: even without deadweight the benefits stay below the cost of 1.000,
        # so NPV = 0 would need a negative deadweight
        tables = {**SMALL, "kengetallen": [SMALL["kengetallen"][0],
                                           ["uur", "Uurwaarde", "10", "uur", "2024", "test", "5",
                                            "70"]]}
        s = sensitivity(read_case(write_case(tmp_path / "a", tables)), "S1",
                        discount_rate=R).set_index("name")
        assert 1 - 1000 / (by_hand(value=10, dw=0) + 1000) < 0
        assert np.isnan(s.loc["S1/Uren/deadweight", "switching_value"])
        assert not s.loc["S1/Uren/deadweight", "switching_in_range"]
        a = sum(10 * 0.9 * 0.8 ** k * 1.03 ** -k for k in range(4))
        assert s.loc["uur", "switching_value"] == pytest.approx(1000 / a)  # inside: given
        # a fixed benefit of 3.000 in 2020: NPV > 0 even at uurwaarde 0, so NPV = 0 would
        # need a negative price
        effecten = [SMALL["effecten"][0] + ["waarde_per_eenheid"],
                    SMALL["effecten"][1] + [""],
                    ["S1", "Subsidie", "bewoners", "2020", "2020", "1", "", "", "", "3000"]]
        s = sensitivity(read_case(write_case(tmp_path / "b", {**SMALL, "effecten": effecten})),
                        "S1", discount_rate=R).set_index("name")
        assert -2000 / a < 0
        assert np.isnan(s.loc["uur", "switching_value"])
        assert s.loc["S1/Uren/deadweight", "npv_low"] > 0  # and the NPV is indeed positive

    def test_discount_rate_variants(self, small):
        d = discount_rate_sensitivity(small, "S1", health_convention=True).set_index("rate_costs")
        assert d.loc[0.0225, "npv"] == pytest.approx(by_hand(r=0.0225))
        assert d.loc[-0.01, "npv"] == pytest.approx(by_hand(r=-0.01))  # risk-free, WD 2020
        # KEA convention: costs at 4 %, effects at 1.5 % (the cost falls in the base year)
        health = -1000 + sum(10 * 60 * 0.9 * 0.8 ** k * 1.015 ** -k for k in range(4))
        assert d.loc[0.04, "npv"] == pytest.approx(health)


class TestMonteCarlo:
    def test_zero_width_equals_deterministic(self, tmp_path):
        tables = {**SMALL, "bandbreedtes": [["parameter", "laag", "hoog"],
                                            ["S1/Uren/deadweight", "0,1", "0,1"]]}
        tables["kengetallen"] = [r[:] for r in SMALL["kengetallen"]]
        tables["kengetallen"][1][6:8] = ["60", "60"]
        case = read_case(write_case(tmp_path / "z", tables))
        mc = monte_carlo(case, "S1", draws=1000, seed=1, discount_rate=R)
        det = evaluate(case, discount_rate=R).result("S1").npv
        assert np.all(mc.npv == mc.npv[0])
        assert mc.npv[0] == pytest.approx(det, rel=1e-13)

    def test_linear_case_matches_analytic_values(self, tmp_path):
        """NPV is linear in a uniform kengetal: mean and percentiles are known exactly."""
        tables = {k: v for k, v in SMALL.items() if k != "bandbreedtes"}
        tables["bandbreedtes"] = [["parameter", "laag", "hoog", "verdeling"],
                                  ["uur", "40", "80", "uniform"]]
        case = read_case(write_case(tmp_path / "l", tables))
        mc = monte_carlo(case, "S1", draws=200_000, seed=7, discount_rate=R)
        a = (by_hand(value=80) - by_hand(value=40)) / 40  # slope per euro
        b = by_hand(value=0)
        sd = a * 40 / np.sqrt(12)
        assert mc.npv.mean() == pytest.approx(b + a * 60, abs=4 * sd / np.sqrt(200_000))
        for q in (5, 50, 95):
            assert mc.percentile(q) == pytest.approx(b + a * (40 + 40 * q / 100), abs=0.01 * a * 40)
        assert mc.p_npv_positive == pytest.approx(np.clip((80 - (-b / a)) / 40, 0, 1), abs=0.01)

    def test_triangular_mean(self, tmp_path):
        tables = {k: v for k, v in SMALL.items() if k != "bandbreedtes"}
        case = read_case(write_case(tmp_path / "t", tables))  # kengetal range 40–60–70
        mc = monte_carlo(case, "S1", draws=200_000, seed=3, discount_rate=R)
        a = (by_hand(value=70) - by_hand(value=40)) / 30
        assert mc.npv.mean() == pytest.approx(by_hand(value=0) + a * (40 + 60 + 70) / 3,
                                              rel=2e-3)

    def test_same_seed_same_numbers(self, small):
        a = monte_carlo(small, "S1", draws=3000, seed=11)
        b = monte_carlo(small, "S1", draws=3000, seed=11)
        c = monte_carlo(small, "S1", draws=3000, seed=12)
        assert np.array_equal(a.npv, b.npv) and a.to_dict() == b.to_dict()
        assert not np.array_equal(a.npv, c.npv)

    def test_actors_sum_to_npv_per_draw(self):
        mc = monte_carlo(read_case(EXAMPLE), "T4", draws=2000, seed=5)
        assert np.allclose(mc.actor_npv.sum(axis=1).to_numpy(), mc.npv)

    @pytest.mark.parametrize("driver", ["uur", "S1/Uren/deadweight"])
    def test_importance_ranks_the_driver(self, tmp_path, driver):
        """One input with a wide range, the others nearly fixed: it ranks first and carries
        almost all of the variance (share = ρ² / Σρ²)."""
        wide = driver == "uur"
        tables = {**SMALL, "kengetallen": [SMALL["kengetallen"][0],
                                           ["uur", "Uurwaarde", "60", "uur", "2024", "test",
                                            "40" if wide else "59,9", "70" if wide else "60,1"]],
                  "bandbreedtes": [["parameter", "laag", "hoog", "verdeling"],
                                   ["S1/Uren/deadweight", "0,1", "0,11" if wide else "0,9",
                                    "driehoek"],
                                   ["S1/Uren/afname", "0,2", "0,201", "driehoek"],
                                   ["discontovoet", "0,03", "0,0301", "uniform"]]}
        case = read_case(write_case(tmp_path / "i", tables))
        mc = monte_carlo(case, "S1", draws=20_000, seed=2, discount_rate=R)
        assert mc.importance.iloc[0]["name"] == driver
        assert mc.importance.iloc[0]["share"] > 0.95
        assert mc.importance["share"].sum() == pytest.approx(1.0)

    def test_correlation_is_honoured(self, tmp_path):
        tables = {**SMALL, "correlaties": [["parameter_a", "parameter_b", "rho"],
                                           ["uur", "S1/Uren/deadweight", "0,8"]]}
        case = read_case(write_case(tmp_path / "c", tables))
        from scipy.stats import spearmanr

        from mkba.uncertainty import draw_inputs, uncertain_inputs

        values = draw_inputs(uncertain_inputs(case), 20_000, 1, case.correlaties)
        rho = spearmanr(values["uur"], values["S1/Uren/deadweight"])[0]
        # Gaussian copula: rank correlation = (6 / π) arcsin(ρ / 2) for normal correlation ρ
        assert rho == pytest.approx(6 / np.pi * np.arcsin(0.8 / 2), abs=0.02)

    def test_triangular_ppf_matches_scipy(self):
        from scipy.stats import triang

        u = np.random.default_rng(0).random(5000)
        assert np.allclose(triangular_ppf(u, 2, 5, 11), triang.ppf(u, 3 / 9, loc=2, scale=9))


class TestInvalidRanges:
    def test_low_above_high_names_the_line(self, tmp_path, capsys):
        tables = {**SMALL, "bandbreedtes": [["parameter", "laag", "hoog"],
                                            ["S1/Uren/deadweight", "0,5", "0,1"]]}
        assert main(["validate", str(write_case(tmp_path / "x", tables))]) == 2
        assert "bandbreedtes.csv:2:laag: laag is groter dan hoog" in capsys.readouterr().err

    def test_fraction_outside_0_1(self, tmp_path, capsys):
        tables = {**SMALL, "bandbreedtes": [["parameter", "laag", "hoog"],
                                            ["S1/Uren/afname", "0", "1,5"]]}
        assert main(["validate", str(write_case(tmp_path / "x", tables))]) == 2
        assert "bandbreedtes.csv:2:laag: een fractie moet tussen 0 en 1 liggen" in \
            capsys.readouterr().err

    def test_unknown_parameter(self, tmp_path, capsys):
        tables = {**SMALL, "bandbreedtes": [["parameter", "laag", "hoog"],
                                            ["S1/Bestaat niet/deadweight", "0", "0,5"],
                                            ["S1/Uren/gewicht", "0", "0,5"]]}
        assert main(["validate", str(write_case(tmp_path / "x", tables))]) == 2
        err = capsys.readouterr().err
        assert "bandbreedtes.csv:2:parameter: taak S1 heeft geen effect 'Bestaat niet'" in err
        assert "bandbreedtes.csv:3:parameter: 'S1/Uren/gewicht': onbekend veld 'gewicht'" in err

    def test_negative_draws_of_a_price(self, tmp_path):
        tables = {**SMALL, "bandbreedtes": [["parameter", "laag", "hoog", "verdeling"],
                                            ["uur", "1", "119", "normaal"]]}
        case = read_case(write_case(tmp_path / "x", tables))
        with pytest.raises(CaseError, match=r"bandbreedtes.csv:2:parameter: 'uur' kan niet "
                                            r"negatief zijn"):
            monte_carlo(case, "S1", draws=5000, seed=0)

    def test_kengetal_low_above_high(self, tmp_path, capsys):
        tables = {**SMALL}
        tables["kengetallen"] = [r[:] for r in SMALL["kengetallen"]]
        tables["kengetallen"][1][6:8] = ["70", "40"]
        assert main(["validate", str(write_case(tmp_path / "x", tables))]) == 2
        assert "kengetallen.csv:2:laag: laag is groter dan hoog" in capsys.readouterr().err

    def test_inconsistent_correlations(self, tmp_path):
        tables = {**SMALL, "correlaties": [["parameter_a", "parameter_b", "rho"],
                                           ["uur", "S1/Uren/deadweight", "0,9"],
                                           ["uur", "S1/Uren/afname", "0,9"],
                                           ["S1/Uren/deadweight", "S1/Uren/afname", "-0,9"]]}
        case = read_case(write_case(tmp_path / "x", tables))
        with pytest.raises(CaseError, match="niet positief definiet"):
            monte_carlo(case, "S1", draws=100)


class TestSettings:
    def test_volunteer_valuation_methods(self):
        case = read_case(EXAMPLE)
        base = evaluate(case).result("T3")
        zero = evaluate(case, volunteer_valuation="nul").result("T3")
        # gederfd loon needs a net wage with its source; the example has none (issue 19, item
        # 11), so a wage kengetal is named explicitly here
        with pytest.raises(CaseError, match="kengetal 'nettoloon_uur' ontbreekt"):
            evaluate(case, volunteer_valuation="gederfd_loon")
        wage = evaluate(case, volunteer_valuation="gederfd_loon",
                        wage_code="productiviteit_uur").result("T3")
        vol = lambda r: r.by_actor().set_index("actor").loc["vrijwilligers", "pv_costs"]  # noqa: E731
        assert vol(zero) == 0
        assert vol(wage) == pytest.approx(vol(base) * 39.88 / 18.80)  # both kengetallen 2022
        assert wage.parameters["volunteer_valuation"] == "gederfd_loon"
        # the market price of the service is its own method, with its own kengetal
        market = evaluate(case, volunteer_valuation="marktwaarde",
                          market_value_code="bijles_student_uur").result("T3")
        assert vol(market) == pytest.approx(vol(base) * 15.00 / 18.80)
        with pytest.raises(CaseError, match="kengetal 'marktprijs_uur' ontbreekt"):
            evaluate(case, volunteer_valuation="marktwaarde")

    def test_optimism_bias(self, tmp_path):
        taken = [SMALL["taken"][0] + ["optimisme_kosten", "optimisme_baten"],
                 SMALL["taken"][1] + ["20%", "0,25"]]
        case = read_case(write_case(tmp_path / "o", {**SMALL, "taken": taken}))
        res = evaluate(case, discount_rate=R, peiljaar=2020).result("S1")  # all forecast
        assert res.pv_costs == pytest.approx(1000 * 1.2)
        assert res.pv_benefits == pytest.approx((by_hand() + 1000) * 0.75)


class TestScenario:
    def test_round_trip_and_apply(self, tmp_path, small):
        sc = Scenario("sessie", {"uur": 50.0, "S1/Uren/deadweight": 0.3, "discontovoet": 0.04},
                      {"volunteer_valuation": "vervangingskosten"})
        path = sc.save(tmp_path / "scenario.json")
        back = load_scenario(path)
        assert back.values == sc.values and back.name == "sessie"
        case, params = apply_scenario(small, back)
        res = evaluate(case, **params).result("S1")
        assert res.npv == pytest.approx(by_hand(value=50, dw=0.3, r=0.04))

    def test_cli_uses_scenario(self, tmp_path, capsys):
        folder = write_case(tmp_path / "s", SMALL)
        Scenario("laag", {"uur": 45.0}, {"discount_rate": R}).save(tmp_path / "sc.json")
        assert main(["evaluate", str(folder), "--scenario", str(tmp_path / "sc.json"),
                     "--format", "json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["parameters"]["scenario"] == "laag"
        assert data["tasks"][0]["npv"] == pytest.approx(by_hand(value=45))

    def test_bad_scenario_file(self, tmp_path, small):
        bad = tmp_path / "bad.json"
        bad.write_text('{"naam": "x", "waarden": {"uur": "veel"}, "parameters": {"x": 1}}')
        with pytest.raises(CaseError) as err:
            load_scenario(bad)
        assert "'uur': 'veel' is geen getal" in str(err.value)
        assert "onbekende parameter 'x'" in str(err.value)
        with pytest.raises(CaseError, match="onbekend kengetal 'zz'"):
            apply_scenario(small, Scenario("y", {"zz": 1.0}, {}))


class TestVariantsAndCli:
    def test_compare_variants(self):
        case = read_case(EXAMPLE)
        cv = compare_variants(case, "T2", draws=2000, seed=1)
        ev = evaluate(case)
        diff = cv["differences"].iloc[0]
        assert diff["difference"] == pytest.approx(
            ev.result("T2", diff["variant"]).npv - ev.result("T2", diff["compared_with"]).npv)
        assert diff["p5"] <= diff["p95"] and 0 <= diff["p_better"] <= 1
        assert set(cv["actors"].columns) == {"bewoners", "gemeente"}

    def test_compare_variants_uses_common_random_numbers(self, tmp_path):
        """Both variants share a cost of 10 hours × a ranged uurwaarde; variant b adds a fixed
        100. With the same draws for both the difference is exactly −100 in every draw; with
        independent draws it would spread by ≈ 10 × (70 − 40) / √6."""
        tables = {
            "taken": SMALL["taken"],
            "kosten": [["taak_id", "jaar", "actor", "post", "bedrag", "hoeveelheid", "kengetal",
                        "prijsjaar", "variant"],
                       ["S1", "2020", "gemeente", "Uren", "", "10", "uur", "", ""],
                       ["S1", "2020", "gemeente", "Basis", "0", "", "", "2024", "a"],
                       ["S1", "2020", "gemeente", "Extra", "100", "", "", "2024", "b"]],
            "effecten": [SMALL["effecten"][0]],
            "kengetallen": SMALL["kengetallen"],
        }
        case = read_case(write_case(tmp_path / "v", tables))
        cv = compare_variants(case, "S1", draws=4000, seed=3, price_year=2024)
        diff = cv["differences"].set_index("variant").loc["b"]
        assert diff["compared_with"] == "a" and diff["difference"] == pytest.approx(-100)
        assert diff["p5"] == pytest.approx(-100, abs=1e-9)
        assert diff["p95"] == pytest.approx(-100, abs=1e-9)
        assert diff["p_better"] == 0.0
        table = cv["table"].set_index("variant")
        assert table.loc["a", "npv_p95"] - table.loc["a", "npv_p5"] > 100  # each is uncertain

    @pytest.mark.slow
    def test_evaluate_json_monte_carlo_and_sensitivity(self, capsys):
        args = ["evaluate", str(EXAMPLE), "--task", "T2", "--monte-carlo", "2000", "--seed", "4",
                "--format", "json"]
        assert main(args) == 0
        first = json.loads(capsys.readouterr().out)
        assert main(args) == 0
        second = json.loads(capsys.readouterr().out)
        assert first == second  # same seed, same numbers
        entry = first["tasks"][1]
        assert set(entry["monte_carlo"]) >= {"draws", "seed", "p_npv_positive", "npv_p5",
                                             "npv_p50", "npv_p95"}
        assert entry["monte_carlo"]["draws"] == 2000 and entry["monte_carlo"]["seed"] == 4
        sens = entry["sensitivity"]
        assert {"name", "low", "high", "npv_low", "npv_high", "switching_value"} <= set(sens[0])
        names = {s["name"] for s in sens}
        assert "T2/Minder vernielingen in het park/hoeveelheid" in names
