"""Counterfactual estimates on synthetic panels with a known effect, and on real CBS data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mkba import read_case
from mkba.counterfactual import (
    _did_means,
    _twfe,
    estimate_effect,
    indicator_panel,
    select_comparisons,
)

from .conftest import MINIMAL, write_case

warnings.filterwarnings("ignore", category=RuntimeWarning)


def synthetic(seed, n=40, years=range(2010, 2020), effect=0.0, start=2015, prefix="WK0001",
              treated=("00",), noise=1.0):
    """Unit and year effects plus noise; ``effect`` added to the treated units from ``start``."""
    rng = np.random.default_rng(seed)
    years = list(years)
    values = (rng.normal(50, 5, (n, 1)) + rng.normal(0, 1, (1, len(years))).cumsum(axis=1)
              + rng.normal(0, noise, (n, len(years))))
    width = 10 - len(prefix) - 2
    panel = pd.DataFrame(values, columns=years,
                         index=[f"{prefix}{i:0{width + 2}d}"[:10] for i in range(n)])
    for t in treated:
        code = panel.index[int(t)]
        panel.loc[code, [y for y in years if y >= start]] += effect
    return panel


class TestBuildingBlocks:
    def test_twfe_equals_difference_of_means(self):
        panel = synthetic(3)
        units = list(panel.index)
        treated, controls = units[:2], units[2:12]
        pre, post = list(range(2010, 2015)), list(range(2015, 2020))
        twfe = _twfe(panel, treated, controls, pre, post, cluster=False)
        t, c = panel.loc[treated], panel.loc[controls]
        by_hand = ((t[post].values.mean() - t[pre].values.mean())
                   - (c[post].values.mean() - c[pre].values.mean()))
        assert twfe == pytest.approx(by_hand, abs=1e-9)
        assert _did_means(panel, treated, controls, pre, post) == pytest.approx(by_hand)

    def test_comparisons_are_nearest_on_pre_period(self):
        panel = pd.DataFrame({2018: [10.0, 10.5, 30.0, 11.0, np.nan],
                              2019: [11.0, 11.4, 31.0, 12.5, 12.0],
                              2020: [12.0, 12.0, 32.0, 13.0, 13.0]},
                             index=["WK000100", "WK000101", "WK000102", "WK000103", "WK000104"])
        chosen = select_comparisons(panel, "WK000100", [2018, 2019], [2018, 2019, 2020],
                                    ["WK000101", "WK000102", "WK000103", "WK000104"], 2)
        assert chosen == ["WK000101", "WK000103"]  # WK000104 lacks 2018; WK000102 is far


class TestSingleTreated:
    def test_recovers_known_effect(self):
        est = estimate_effect(synthetic(11, effect=5.0), {"WK00010000": 2015}, indicator="y")
        assert est.estimate == pytest.approx(5.0, abs=1.5)
        assert est.ci_low < 5.0 < est.ci_high
        assert est.p_value < 0.05
        assert "placebo" in est.interval_method
        assert est.n_years_pre == 5 and est.n_years_post == 5
        assert len(est.comparison_wijken) == 10

    def test_coverage_and_false_positive_rate(self):
        """Over replications: the interval covers the truth ~95 %, and without an effect
        p ≤ 0.05 happens ~5 % of the time."""
        cover, reject, reps = 0, 0, 80
        for seed in range(reps):
            effect = 3.0 if seed % 2 else 0.0
            est = estimate_effect(synthetic(seed, n=60, effect=effect), {"WK00010000": 2015},
                                  n_placebo=59)
            cover += est.ci_low <= effect <= est.ci_high
            if effect == 0.0:
                reject += est.p_value <= 0.05
        assert cover / reps >= 0.85
        assert reject / (reps / 2) <= 0.15

    def test_same_seed_same_numbers(self):
        panel = synthetic(5, n=120, effect=2.0)
        a = estimate_effect(panel, {"WK00010000": 2015}, seed=7, n_placebo=50)
        b = estimate_effect(panel, {"WK00010000": 2015}, seed=7, n_placebo=50)
        assert a.to_dict() == b.to_dict()

    def test_units_with_a_task_are_never_comparisons(self):
        panel = synthetic(2)
        excluded = list(panel.index[1:15])
        est = estimate_effect(panel, {"WK00010000": 2015}, exclude=excluded)
        assert not set(est.comparison_wijken) & set(excluded)

    def test_pretrend_detects_diverging_trend(self):
        panel = synthetic(4, n=60)
        panel.loc["WK00010000"] += np.arange(10) * 3.0  # diverges before and after the start
        est = estimate_effect(panel, {"WK00010000": 2015})
        assert est.pretrend_p_value is not None and est.pretrend_p_value < 0.05
        clean = estimate_effect(synthetic(4, n=60, effect=4.0), {"WK00010000": 2015})
        assert clean.pretrend_p_value > 0.05

    def test_interrupted_time_series(self):
        est = estimate_effect(synthetic(8, effect=6.0, noise=0.3), {"WK00010000": 2015})
        assert est.its is not None
        assert est.its["ci_low"] < 6.0 < est.its["ci_high"] or abs(est.its["estimate"] - 6) < 2

    def test_placebo_summary(self):
        est = estimate_effect(synthetic(9), {"WK00010000": 2015})
        assert est.placebo["n"] == 39
        assert abs(est.placebo["mean"]) < 1.0

    def test_buurt_level(self):
        panel = synthetic(12, prefix="BU0001", effect=4.0)
        assert panel.index[0].startswith("BU") and len(panel.index[0]) == 10
        est = estimate_effect(panel, {panel.index[0]: 2015})
        assert all(c.startswith("BU") for c in est.comparison_wijken)
        assert est.estimate == pytest.approx(4.0, abs=2.5)  # sd of the estimate ≈ 0.7

    def test_many_treated_use_clustered_errors(self):
        panel = synthetic(13, n=80, effect=2.0, treated=[str(i) for i in range(12)])
        treated = {panel.index[i]: 2015 for i in range(12)}
        est = estimate_effect(panel, treated)
        assert "geclusterde standaardfouten" in est.interval_method
        assert est.estimate == pytest.approx(2.0, abs=1.0)
        assert est.ci_low < est.estimate < est.ci_high


class TestStaggered:
    def _panel(self, seed, n_never):
        """Six treated wijken in two cohorts (2012, 2016) whose effect grows 3 a year after
        the start, and ``n_never`` wijken without a task."""
        rng = np.random.default_rng(seed)
        years = list(range(2008, 2020))
        n = 6 + n_never
        panel = pd.DataFrame(rng.normal(50, 5, (n, 1))
                             + rng.normal(0, 1, (1, len(years))).cumsum(axis=1)
                             + rng.normal(0, 0.3, (n, len(years))), columns=years,
                             index=[f"WK0002{i:04d}" for i in range(n)])
        treated, truth = {}, []
        for i in range(6):
            unit, start = panel.index[i], 2012 if i < 3 else 2016
            treated[unit] = start
            post = [y for y in years if y >= start]
            panel.loc[unit, post] += [3.0 * (y - start + 1) for y in post]
            truth.append(np.mean([3.0 * (y - start + 1) for y in post]))
        return panel, treated, float(np.mean(truth))

    def test_plain_twfe_is_biased_ours_is_not(self):
        """Few never-treated wijken: plain TWFE compares late with early-treated wijken."""
        panel, treated, truth = self._panel(21, n_never=6)
        assert truth == pytest.approx(10.5)  # mean over wijken of 3 × (1 + … + k) / k
        est = estimate_effect(panel, treated, n_placebo=60)
        assert est.estimate == pytest.approx(truth, abs=0.5)
        assert abs(est.twfe_naive - truth) > 1.5
        assert len(est.per_wijk) == 6
        assert {p["start_year"] for p in est.per_wijk} == {2012, 2016}
        assert "Callaway" in est.method

    def test_interval_with_enough_untreated(self):
        panel, treated, truth = self._panel(21, n_never=54)
        est = estimate_effect(panel, treated, n_placebo=60)
        assert est.estimate == pytest.approx(truth, abs=0.7)
        assert est.ci_low < est.estimate < est.ci_high
        assert "placebo" in est.interval_method
        assert est.pretrend_p_value is not None


class TestRefusals:
    def test_no_year_before_start(self):
        est = estimate_effect(synthetic(1), {"WK00010000": 2010})
        assert est.estimate is None and "vóór het startjaar" in est.warnings[0]

    def test_no_year_after_start(self):
        est = estimate_effect(synthetic(1), {"WK00010000": 2025})
        assert est.estimate is None and "nog niet te meten" in est.warnings[0]

    def test_too_few_comparisons(self):
        panel = synthetic(1, n=3)
        est = estimate_effect(panel, {panel.index[0]: 2015})
        assert est.estimate is None and "te weinig vergelijkingswijken" in est.warnings[0]

    def test_all_missing(self):
        panel = synthetic(1)
        panel.loc["WK00010000"] = np.nan
        est = estimate_effect(panel, {"WK00010000": 2015})
        assert est.estimate is None and "ontbreken" in est.warnings[0]

    def test_unknown_wijk(self):
        est = estimate_effect(synthetic(1), {"WK99999999": 2015})
        assert est.estimate is None and "geen cijfers" in est.warnings[0]

    def test_refusal_json_has_nulls(self):
        d = estimate_effect(synthetic(1), {"WK00010000": 2010}).to_dict()
        for key in ("estimate", "ci_low", "ci_high", "p_value", "pretrend_p_value",
                    "comparison_wijken", "placebo", "n_years_pre", "n_years_post", "method",
                    "warnings"):
            assert key in d
        assert d["estimate"] is None and d["warnings"]


class TestData:
    def test_real_cbs_panel(self):
        panel = indicator_panel("PersonenPerSoortUitkeringBijstand")
        assert panel.loc["WK036330", 2019] == 680.0  # CBS 84583NED
        est = estimate_effect(panel, {"WK036330": 2018},
                              exclude=["WK036339", "WK036360", "WK036394"], indicator="bijstand")
        assert est.estimate is not None
        assert est.n_years_pre == 1 and est.n_years_post == 1
        assert not {"WK036339", "WK036360", "WK036394"} & set(est.comparison_wijken)
        assert any("pre-trendtoets niet mogelijk" in w for w in est.warnings)

    def test_metingen_panel_for_40_wijken(self, tmp_path):
        rng = np.random.default_rng(0)
        rows = [["wijk_code", "indicator", "jaar", "waarde"]]
        for i in range(40):
            level = rng.normal(100, 10)
            for y in range(2014, 2024):
                value = level + (y - 2014) + rng.normal(0, 1) + (8 if i == 0 and y >= 2019 else 0)
                rows.append([f"WK0599{i:02d}", "deelname", str(y), f"{value:.2f}".replace(".", ",")])
        case = read_case(write_case(tmp_path / "c", **{**MINIMAL, "metingen": rows}))
        panel = indicator_panel("deelname", case=case)
        assert panel.shape == (40, 10)
        est = estimate_effect(panel, {"WK059900": 2019})
        assert est.estimate == pytest.approx(8.0, abs=2.5)  # sd of the estimate ≈ 0.7

    def test_unknown_indicator(self):
        from mkba import CaseError

        with pytest.raises(CaseError, match="niet gevonden"):
            indicator_panel("BestaatNiet")


class TestCaseIntegration:
    def test_effect_command_json(self, example_case, capsys):
        from mkba.cli import main

        assert main(["effect", str(example_case), "--wijk", "WK036330", "--indicator",
                     "PersonenPerSoortUitkeringBijstand", "--format", "json",
                     "--placebos", "50"]) == 0
        import json

        d = json.loads(capsys.readouterr().out)
        for key in ("estimate", "ci_low", "ci_high", "p_value", "method", "comparison_wijken",
                    "pretrend_p_value", "placebo", "n_years_pre", "n_years_post", "warnings"):
            assert key in d
        assert d["treated"] == [{"wijk": "WK036330", "start_year": 2018}]  # startjaar of T1
        # other wijken with a task are not comparisons
        assert not {"WK036339", "WK036360", "WK036394"} & set(d["comparison_wijken"])

    def test_effect_command_staggered_table(self, example_case, capsys):
        from mkba.cli import main

        assert main(["effect", str(example_case), "--indicator", "AantalInwoners",
                     "--placebos", "40"]) == 0
        out = capsys.readouterr().out
        assert "Per wijk:" in out and "gespreide start" in out

    def test_effect_refusal_is_plain_dutch(self, example_case, capsys):
        from mkba.cli import main

        assert main(["effect", str(example_case), "--wijk", "WK036330", "--indicator",
                     "bezoekers_buurthuis"]) == 0
        out = capsys.readouterr().out
        assert "Geschat effect            –" in out
        assert "te weinig vergelijkingswijken" in out

    def test_wijk_without_task_needs_start_year(self, example_case, capsys):
        from mkba.cli import main

        assert main(["effect", str(example_case), "--wijk", "WK036301", "--indicator",
                     "AantalInwoners"]) == 2
        assert "--start-year" in capsys.readouterr().err

    def test_quantity_from_estimate(self, tmp_path):
        """An effect line with an indicator and no quantity takes the estimate (improvement
        direction from the target) and its interval."""
        from mkba import evaluate
        from mkba.counterfactual import effect_for_case, quantities_from_estimates

        taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
                 ["T1", "Buurtbedrijf", "WK036360", "2018", "2021"]]
        effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                     "waarde_per_eenheid", "indicator"],
                    ["T1", "Minder bijstand", "gemeente", "2019", "2021", "", "100",
                     "PersonenPerSoortUitkeringBijstand"]]
        doelen = [["taak_id", "indicator", "basisjaar", "streefjaar", "streefwaarde", "richting"],
                  ["T1", "PersonenPerSoortUitkeringBijstand", "2017", "2021", "800", "lager"]]
        case = read_case(write_case(tmp_path / "c", **{**MINIMAL, "taken": taken,
                                                       "effecten": effecten, "doelen": doelen}))
        filled, used = quantities_from_estimates(case, n_placebo=50)
        est = effect_for_case(case, "PersonenPerSoortUitkeringBijstand", wijk="WK036360",
                              start_year=2018, n_placebo=50)
        row = filled.effecten.iloc[0]
        assert row["hoeveelheid"] == pytest.approx(-est.estimate)
        assert row["hoeveelheid_laag"] == pytest.approx(-est.ci_high)
        assert row["hoeveelheid_hoog"] == pytest.approx(-est.ci_low)
        res = evaluate(filled, price_year=2024, discount_rate=0.0).result("T1")
        assert res.pv_benefits == pytest.approx(-est.estimate * 100 * 3)
        assert len(used) == 1

    def test_quantity_refusal_names_the_line(self, tmp_path):
        from mkba import CaseError
        from mkba.counterfactual import quantities_from_estimates

        effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                     "waarde_per_eenheid", "indicator", "richting"],
                    ["T1", "Meer bezoek", "bewoners", "2019", "2021", "", "10", "bezoekers",
                     "hoger"]]
        metingen = [["wijk_code", "indicator", "jaar", "waarde"],
                    ["WK036330", "bezoekers", "2018", "100"]]
        case = read_case(write_case(tmp_path / "c", **{**MINIMAL, "effecten": effecten,
                                                       "metingen": metingen}))
        with pytest.raises(CaseError, match="effecten.csv:2:hoeveelheid: geen schatting"):
            quantities_from_estimates(case)
