"""Counterfactual estimates on synthetic panels with a known effect, and on real CBS data."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mkba import read_case
from mkba.evidence.calibration import placebo_study, study_rates, synthetic_panel
from mkba.evidence.counterfactual import estimate_effect
from mkba.evidence.inference import minimum_detectable_effect as _mde
from mkba.evidence.inference import rank_test
from mkba.evidence.matching import _did_means, _twfe, select_comparisons
from mkba.evidence.panel import indicator_panel

from .conftest import EXAMPLE, MINIMAL, write_case

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


def ar1_panel(seed, n=40, years=10, rho=0.7, effect=0.0, treated=1, start=2016,
              staggered=False):
    """Wijk levels and trends, common year shocks and AR(1) noise (ρ = 0.7); ``effect`` added
    to the treated wijken from their start. Returns (panel, {wijk: start})
    (:func:`mkba.evidence.calibration.synthetic_panel`)."""
    return synthetic_panel(seed, n=n, years=years, rho=rho, effect=effect, treated=treated,
                           start=start, staggered=staggered)


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

    def test_single_wijk_estimate_equals_statsmodels_twfe(self):
        """The numpy estimator against an independent route: TWFE regression (statsmodels) on
        the wijk and the comparison wijken it chose; base period = mean of all pre-years."""
        panel = synthetic(14, effect=3.0)
        est = estimate_effect(panel, {"WK00010000": 2015})
        twfe = _twfe(panel, ["WK00010000"], list(est.comparison_wijken),
                     list(range(2010, 2015)), list(range(2015, 2020)))
        assert est.estimate == pytest.approx(twfe, abs=1e-9)

    def test_comparisons_on_level_and_trend_by_hand(self):
        """Target WK000100: 10 → 11, level 10,5, trend +1. Candidates (level, trend):
        101 (10,95, 0,9), 102 (30,5, 1,0), 103 (12,5, 3,0), 104 (10,5, −1,0).
        Spread over the candidates (population sd): levels sd_l, trends sd_s, written out
        below; distance² = ((Δlevel)/sd_l)² + ((Δtrend)/sd_s)²."""
        panel = pd.DataFrame({2018: [10.0, 10.5, 30.0, 11.0, 11.5],
                              2019: [11.0, 11.4, 31.0, 14.0, 9.5]},
                             index=["WK000100", "WK000101", "WK000102", "WK000103", "WK000104"])
        levels = np.array([10.95, 30.5, 12.5, 10.5])
        trends = np.array([0.9, 1.0, 3.0, -2.0])
        sd_l = np.sqrt(((levels - levels.mean()) ** 2).mean())
        sd_s = np.sqrt(((trends - trends.mean()) ** 2).mean())
        d2 = ((levels - 10.5) / sd_l) ** 2 + ((trends - 1.0) / sd_s) ** 2
        expected = [["WK000101", "WK000102", "WK000103", "WK000104"][i]
                    for i in np.argsort(d2)[:2]]
        chosen = select_comparisons(panel, "WK000100", [2018, 2019], [2018, 2019],
                                    ["WK000101", "WK000102", "WK000103", "WK000104"], 2)
        assert chosen == expected == ["WK000101", "WK000103"]
        # WK000104 has the treated level exactly but the opposite trend: not chosen
        assert "WK000104" not in chosen

    def test_comparisons_need_every_used_year(self):
        panel = pd.DataFrame({2018: [10.0, 10.5, 30.0, 11.0, np.nan],
                              2019: [11.0, 11.4, 31.0, 12.5, 12.0],
                              2020: [12.0, 12.0, 32.0, 13.0, 13.0]},
                             index=["WK000100", "WK000101", "WK000102", "WK000103", "WK000104"])
        chosen = select_comparisons(panel, "WK000100", [2018, 2019], [2018, 2019, 2020],
                                    ["WK000101", "WK000102", "WK000103", "WK000104"], 3)
        assert "WK000104" not in chosen and len(chosen) == 3


@pytest.mark.slow
class TestRankTest:
    def test_by_hand(self):
        b = np.arange(1.0, 40.0)  # 39 placebos, |b| = 1 … 39
        # β = 38,5: placebos with |b| ≥ 38,5: only 39 → p = (1 + 1) / 40 = 0,05
        # r = ⌊0,05 × 40⌋ = 2 → a_2 = 38 → interval 38,5 ± 38
        assert rank_test(38.5, b) == pytest.approx((0.05, 0.5, 76.5, 38.0))
        assert rank_test(-38.5, b)[0] == pytest.approx(0.05)  # symmetric
        assert rank_test(39.5, b)[0] == pytest.approx(1 / 40)
        assert rank_test(1.0, b)[0] == pytest.approx(40 / 40)
        # 18 placebos: r = ⌊0,05 × 19⌋ = 0 → no interval, p at least 1/19
        p, low, high, _ = rank_test(100.0, b[:18])
        assert p == pytest.approx(1 / 19) and low is None and high is None

    @given(st.lists(st.floats(-50, 50, allow_nan=False), min_size=19, max_size=260),
           st.floats(-80, 80, allow_nan=False))
    @settings(max_examples=200, deadline=None)
    def test_p_and_interval_are_one_test(self, placebos, beta):
        """p ≤ 0,05 exactly when the interval excludes 0, and the interval is the set of δ
        whose p(δ) = (1 + #{|b| ≥ |β − δ|}) / (B + 1) exceeds 0,05 (checked on a grid)."""
        b = np.array(placebos)
        p, low, high, _ = rank_test(beta, b)
        assert (p <= 0.05) == (not low <= 0 <= high)
        for delta in np.linspace(beta - 120, beta + 120, 61):
            p_delta = (1 + np.sum(np.abs(b) >= abs(beta - delta))) / (len(b) + 1)
            if abs(abs(beta - delta) - (high - beta)) > 1e-9:  # off the boundary
                assert (p_delta > 0.05) == (low <= delta <= high)

    def test_mde_matches_textbook_formula_for_normal_noise(self):
        """Placebo errors N(0, 1): a two-sided 5 % test finds δ with 80 % power from
        δ = 1,96 + 0,84 = 2,80 (normal approximation)."""
        b = np.random.default_rng(0).normal(0, 1, 4000)
        crit = rank_test(0.0, b)[3]
        assert crit == pytest.approx(1.96, abs=0.08)
        assert _mde(b, crit) == pytest.approx(2.80, abs=0.12)


@pytest.mark.slow
class TestInferenceHonesty:
    """The issue's acceptance tests: false positives of every printed p-value ≤ 10 % (≈ 5 %)
    and coverage of a known effect ≈ 95 %, on a synthetic AR(1) panel and real CBS data."""

    def test_single_wijk_ar1_panel(self):
        reps, effect = 80, 2.0
        fp = {"did": 0, "pretrend": 0, "its": 0}
        miss = {"did": 0, "its": 0}
        for seed in range(reps):
            panel, starts = ar1_panel(seed)
            est = estimate_effect(panel, starts, seed=seed)
            fp["did"] += est.p_value <= 0.05
            fp["pretrend"] += est.pretrend_p_value <= 0.05
            fp["its"] += est.its["p_value"] <= 0.05
            assert (est.p_value <= 0.05) == (not est.ci_low <= 0 <= est.ci_high)
            panel, starts = ar1_panel(seed, effect=effect)
            est = estimate_effect(panel, starts, seed=seed)
            miss["did"] += not est.ci_low <= effect <= est.ci_high
            miss["its"] += not est.its["ci_low"] <= effect <= est.its["ci_high"]
        for key, count in fp.items():
            assert count / reps <= 0.10, (key, count)
        for key, count in miss.items():
            assert count / reps <= 0.10, (key, count)

    def test_its_has_a_control_group(self):
        """A shock in every wijk from the start year is no effect of the task (issue 10 (b))."""
        panel, starts = ar1_panel(5)
        panel.loc[:, 2016:] += 4.5
        est = estimate_effect(panel, starts)
        assert est.its["ci_low"] <= 0 <= est.its["ci_high"]
        assert abs(est.its["estimate"]) < 2.0

    def test_many_treated_sharing_comparisons(self):
        """12 treated wijken among 60, comparisons shared: coverage and false positives."""
        reps, effect = 40, 2.0
        fp = miss = 0
        shared = False
        for seed in range(reps):
            panel, starts = ar1_panel(seed, n=60, treated=12)
            est = estimate_effect(panel, starts, seed=seed, n_placebo=39)
            fp += est.p_value <= 0.05
            panel, starts = ar1_panel(seed, n=60, treated=12, effect=effect)
            est = estimate_effect(panel, starts, seed=seed, n_placebo=39)
            miss += not est.ci_low <= effect <= est.ci_high
            used = [c for p in est.per_wijk for c in p["comparison_wijken"]]
            shared |= len(used) > len(set(used))
        assert shared
        assert fp / reps <= 0.10 and miss / reps <= 0.10, (fp, miss)

    def test_staggered_many_treated(self):
        reps, effect = 30, 2.0
        fp = miss = 0
        for seed in range(reps):
            panel, starts = ar1_panel(seed, n=60, treated=12, staggered=True)
            est = estimate_effect(panel, starts, seed=seed, n_placebo=39)
            fp += est.p_value <= 0.05
            panel, starts = ar1_panel(seed, n=60, treated=12, staggered=True, effect=effect)
            est = estimate_effect(panel, starts, seed=seed, n_placebo=39)
            miss += not est.ci_low <= effect <= est.ci_high
        assert fp / reps <= 0.10 and miss / reps <= 0.10, (fp, miss)

    @pytest.mark.parametrize("gemeente,level,start,indicator", [
        ("0363", "WK", 2020, "k_65JaarOfOuder"),
        ("0363", "WK", 2020, "Koopwoningen"),
        ("0363", "WK", 2021, "Eenpersoonshuishoudens"),
        ("0344", "BU", 2023, "k_0Tot15Jaar"),
    ])
    def test_real_cbs_every_region_pretended_treated(self, gemeente, level, start, indicator):
        """Every Amsterdam wijk / Utrecht buurt in turn 'treated' with no true effect: the
        printed p-values reject ≤ 10 % of the time (the design has 2 pre-years)."""
        panel = indicator_panel(indicator)
        panel = panel[(panel.index.str[:2] == level) & (panel.index.str[2:6] == gemeente)]
        study = placebo_study(panel, start, n_placebo=39)
        rates = study_rates(study)
        assert rates["n"] >= 90
        assert rates["p_value"][0] <= 0.10
        assert rates["pretrend_p_value"][0] <= 0.10
        assert (study["evidence_level"] == "indicatief").all()  # 2 pre-years

    def test_real_cbs_coverage_of_a_known_effect(self):
        panel = indicator_panel("k_65JaarOfOuder")
        panel = panel[(panel.index.str[:2] == "WK") & (panel.index.str[2:6] == "0363")]
        study = placebo_study(panel, 2020, n_placebo=39, effect=5.0)
        assert study_rates(study)["interval_excludes_truth"][0] <= 0.10


class TestMinimumEvidence:
    def test_one_pre_year_gives_no_estimate(self):
        est = estimate_effect(synthetic(1), {"WK00010000": 2011})
        assert est.estimate is None and est.evidence_level == "geen"
        assert "minstens 2 jaren vóór de start" in est.warnings[0]

    def test_two_pre_years_is_indicative(self):
        est = estimate_effect(synthetic(1), {"WK00010000": 2012})
        assert est.estimate is not None and est.n_years_pre == 2
        assert est.evidence_level == "indicatief"
        assert any("maar 2 jaar" in r for r in est.evidence_reasons)
        assert est.pretrend_p_value is not None  # shown when possible

    def test_five_clean_pre_years_is_strong(self):
        est = estimate_effect(synthetic(11, effect=5.0), {"WK00010000": 2015})
        assert est.evidence_level == "sterk" and est.evidence_reasons == ()

    def test_mde_from_the_placebo_spread(self):
        est = estimate_effect(synthetic(9, n=80), {"WK00010000": 2015})
        assert est.mde is not None and est.mde > 0
        # noise-aware: the wijk's own standard error times the studentized placebos' (1,96 +
        # 0,84 for normal noise; t with 8 degrees of freedom here: 2,31 + 0,89 ≈ 3,2)
        se = est.noise["standard_error"]
        assert 2.5 * se < est.mde < 4.0 * se

    def test_outside_comparison_range_warns(self):
        panel = synthetic(2, n=60)
        panel.loc["WK00010000"] += 40.0  # far above every other wijk
        est = estimate_effect(panel, {"WK00010000": 2015})
        assert est.balance["inside_range"] is False
        assert est.evidence_level == "indicatief"
        assert any("buiten het bereik" in w for w in est.warnings)

    def test_balance_by_hand(self):
        panel = synthetic(6)
        est = estimate_effect(panel, {"WK00010000": 2015})
        pre = list(range(2010, 2015))
        comps = panel.loc[list(est.comparison_wijken), pre]
        assert est.balance["treated_level"] == pytest.approx(panel.loc["WK00010000", pre].mean())
        assert est.balance["comparison_level"] == pytest.approx(comps.to_numpy().mean())
        t = np.array(pre) - np.mean(pre)
        slope = np.polyfit(t, panel.loc["WK00010000", pre].to_numpy(), 1)[0]
        assert est.balance["treated_trend"] == pytest.approx(slope)


class TestSingleTreated:
    def test_recovers_known_effect(self):
        est = estimate_effect(synthetic(11, effect=5.0), {"WK00010000": 2015}, indicator="y")
        assert est.estimate == pytest.approx(5.0, abs=1.5)
        assert est.ci_low < 5.0 < est.ci_high
        assert est.p_value < 0.05
        assert "rangtoets" in est.interval_method
        assert "elk van de 39 kandidaat-wijken" in est.interval_method
        assert est.n_years_pre == 5 and est.n_years_post == 5
        assert len(est.comparison_wijken) == 10

    def test_same_seed_same_numbers(self):
        panel = synthetic(5, n=120, effect=2.0)
        a = estimate_effect(panel, {"WK00010000": 2015}, seed=7, n_placebo=50)
        b = estimate_effect(panel, {"WK00010000": 2015}, seed=7, n_placebo=50)
        assert a.to_dict() == b.to_dict()
        assert "50 verschillende trekkingen van telkens 1 wijk" in a.interval_method

    def test_units_with_a_task_are_never_comparisons(self):
        panel = synthetic(2)
        excluded = list(panel.index[1:15])
        est = estimate_effect(panel, {"WK00010000": 2015}, exclude=excluded)
        assert not set(est.comparison_wijken) & set(excluded)
        assert est.placebo["candidates"] == 40 - 15

    def test_pretrend_detects_diverging_trend(self):
        panel = synthetic(4, n=60)
        panel.loc["WK00010000"] += np.arange(10) * 3.0  # diverges before and after the start
        est = estimate_effect(panel, {"WK00010000": 2015})
        assert est.pretrend_p_value is not None and est.pretrend_p_value < 0.05
        assert est.evidence_level == "indicatief"
        clean = estimate_effect(synthetic(4, n=60, effect=4.0), {"WK00010000": 2015})
        assert clean.pretrend_p_value > 0.05

    def test_interrupted_time_series(self):
        est = estimate_effect(synthetic(8, effect=6.0, noise=0.3), {"WK00010000": 2015})
        assert est.its is not None
        assert est.its["ci_low"] < 6.0 < est.its["ci_high"]
        assert (est.its["p_value"] <= 0.05) == (not est.its["ci_low"] <= 0 <= est.its["ci_high"])

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

    def test_many_treated_one_estimator_and_rank_test(self):
        panel = synthetic(13, n=80, effect=2.0, treated=[str(i) for i in range(12)])
        treated = {panel.index[i]: 2015 for i in range(12)}
        est = estimate_effect(panel, treated)
        assert "rangtoets" in est.interval_method and "telkens 12 wijken" in est.interval_method
        by_hand = np.mean([p["estimate"] for p in est.per_wijk])
        assert est.estimate == pytest.approx(by_hand)
        # each per-wijk estimate is the 2×2 difference of means with its own comparisons
        first = est.per_wijk[0]
        pre, post = list(range(2010, 2015)), list(range(2015, 2020))
        assert first["estimate"] == pytest.approx(
            _did_means(panel, [first["wijk"]], first["comparison_wijken"], pre, post))
        assert est.estimate == pytest.approx(2.0, abs=1.0)
        assert est.ci_low < est.estimate < est.ci_high

    def test_one_base_period_for_wijk_and_staggered_runs(self):
        """Issue 10 (d): the same wijk gets the same estimate alone and inside a staggered run
        (same comparisons: the mean of all pre-years is the base everywhere)."""
        panel = synthetic(15, n=60)
        alone = estimate_effect(panel, {"WK00010000": 2015}, exclude=["WK00010001"])
        both = estimate_effect(panel, {"WK00010000": 2015, "WK00010001": 2017})
        mine = next(p for p in both.per_wijk if p["wijk"] == "WK00010000")
        assert mine["comparison_wijken"] == list(alone.comparison_wijken)
        assert mine["estimate"] == pytest.approx(alone.estimate, abs=1e-12)


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
        # issue 20: say what the estimator is (base = mean of all pre-years), not a name
        assert "gemiddelde van al zijn jaren vóór de start" in est.method
        assert "Callaway" not in est.method

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
    def test_real_cbs_panel_in_the_profile_unit(self):
        """Counts of persons per 1.000 inwoners (as the wijk profile): 680 persons with
        bijstand of 9.250 inwoners in WK036330 in 2019 (CBS 84583NED) → 73,51."""
        panel = indicator_panel("PersonenPerSoortUitkeringBijstand")
        assert panel.loc["WK036330", 2019] == pytest.approx(680 / 9250 * 1000)
        assert panel.attrs == {"unit": "per 1.000 inwoners", "label": "Personen met bijstand"}
        raw = indicator_panel("PersonenPerSoortUitkeringBijstand", measure="waarde")
        assert raw.loc["WK036330", 2019] == 680.0 and raw.attrs["unit"] == "aantal"

    def test_household_counts_as_share_of_households(self):
        from mkba.evidence.cbs import load_kwb

        kwb = load_kwb()
        one = kwb[(kwb["region_code"] == "WK036330") & (kwb["year"] == 2019)]
        value = one.set_index("indicator")["value"]
        panel = indicator_panel("Eenpersoonshuishoudens", kwb=kwb)
        assert panel.loc["WK036330", 2019] == pytest.approx(
            100 * value["Eenpersoonshuishoudens"] / value["HuishoudensTotaal"])
        assert panel.attrs["unit"] == "% van de huishoudens"

    def test_one_pre_year_on_real_data_gives_no_estimate(self):
        """The example's old −47,0 with 1 year before and 1 after is no longer shown."""
        panel = indicator_panel("PersonenPerSoortUitkeringBijstand")
        est = estimate_effect(panel, {"WK036330": 2018},
                              exclude=["WK036339", "WK036360", "WK036394"], indicator="bijstand")
        assert est.estimate is None and est.evidence_level == "geen"
        assert est.n_years_pre == 1
        assert "minstens 2 jaren" in est.warnings[0]
        assert est.unit == "per 1.000 inwoners" and est.label == "Personen met bijstand"

    def test_real_cbs_estimate_has_units_labels_and_balance(self):
        panel = indicator_panel("k_65JaarOfOuder")
        est = estimate_effect(panel, {"WK036330": 2020}, exclude=["WK036339"],
                              indicator="k_65JaarOfOuder")
        assert est.estimate is not None and est.n_years_pre == 2 and est.n_years_post == 2
        assert est.evidence_level == "indicatief"
        assert est.unit == "per 1.000 inwoners" and est.label == "Inwoners van 65 jaar of ouder"
        d = est.to_dict()
        for key in ("unit", "label", "evidence_level", "mde", "balance"):
            assert d[key] is not None
        assert "per 1.000 inwoners" in est.summary().loc["Geschat effect", "Waarde"]
        assert est.plain_text("Transvaalbuurt").startswith(
            "Inwoners van 65 jaar of ouder: in Transvaalbuurt na de start ongeveer ")

    def test_metingen_panel_for_40_wijken(self, tmp_path):
        rng = np.random.default_rng(0)
        rows = [["wijk_code", "indicator", "jaar", "waarde", "omschrijving", "eenheid"]]
        for i in range(40):
            level = rng.normal(100, 10)
            for y in range(2014, 2024):
                value = level + (y - 2014) + rng.normal(0, 1) + (8 if i == 0 and y >= 2019 else 0)
                rows.append([f"WK0599{i:02d}", "deelname", str(y), f"{value:.2f}".replace(".", ","),
                             "Deelnemers aan activiteiten", "deelnemers per jaar"])
        case = read_case(write_case(tmp_path / "c", **{**MINIMAL, "metingen": rows}))
        panel = indicator_panel("deelname", case=case)
        assert panel.shape == (40, 10)
        assert panel.attrs == {"unit": "deelnemers per jaar",
                               "label": "Deelnemers aan activiteiten"}
        est = estimate_effect(panel, {"WK059900": 2019})
        assert est.estimate == pytest.approx(8.0, abs=2.5)  # sd of the estimate ≈ 0.7
        assert est.label == "Deelnemers aan activiteiten"
        assert "deelnemers per jaar" in est.summary().loc["Geschat effect", "Waarde"]

    def test_label_without_omschrijving_is_readable(self):
        from mkba.evidence.panel import indicator_label

        assert indicator_label("bezoekers_buurthuis") == "Bezoekers buurthuis"
        assert indicator_label("Koopwoningen") == "Koopwoningen"  # CBS title

    def test_unknown_indicator(self):
        from mkba import CaseError

        with pytest.raises(CaseError, match="niet gevonden"):
            indicator_panel("BestaatNiet")


def _case_from_2020(tmp_path, effecten=None, doelen=None):
    """Two Amsterdam wijken with a task from 2020 and 2021 (CBS has 2017, 2019, 2020, 2021)."""
    taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
             ["T1", "Buurthuis", "WK036330", "2020", "2022"],
             ["T2", "Groen", "WK036339", "2021", "2022"]]
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "hoeveelheid", "kengetal",
               "prijsjaar"],
              ["T1", "2020", "gemeente", "Verbouwing", "1.000", "", "", "2020"],
              ["T2", "2021", "gemeente", "Plantsoen", "1.000", "", "", "2021"]]
    tables = {**MINIMAL, "taken": taken, "kosten": kosten}
    if effecten:
        tables["effecten"] = effecten
    if doelen:
        tables["doelen"] = doelen
    return write_case(tmp_path / "c", **tables)


class TestCaseIntegration:
    def test_effect_command_json(self, tmp_path, capsys):
        from mkba.run.cli import main

        case = _case_from_2020(tmp_path)
        assert main(["effect", str(case), "--wijk", "WK036330", "--indicator",
                     "k_65JaarOfOuder", "--format", "json", "--placebos", "50"]) == 0
        import json

        d = json.loads(capsys.readouterr().out)
        for key in ("estimate", "ci_low", "ci_high", "p_value", "method", "comparison_wijken",
                    "pretrend_p_value", "placebo", "n_years_pre", "n_years_post", "warnings",
                    "unit", "label", "evidence_level", "mde", "balance"):
            assert key in d
        assert d["treated"] == [{"wijk": "WK036330", "start_year": 2020}]  # startjaar of T1
        assert d["unit"] == "per 1.000 inwoners" and d["evidence_level"] == "indicatief"
        assert d["estimate"] is not None and len(d["comparison_wijken"]) == 10
        assert all(isinstance(n, str) for n in d["comparison_names"])
        assert {"treated_level", "comparison_level", "inside_range"} <= set(d["balance"])
        # the other wijk with a task is not a comparison
        assert "WK036339" not in d["comparison_wijken"]

    def test_effect_command_staggered_table(self, tmp_path, capsys):
        from mkba.run.cli import main

        case = _case_from_2020(tmp_path)
        assert main(["effect", str(case), "--indicator", "k_65JaarOfOuder",
                     "--placebos", "40"]) == 0
        out = capsys.readouterr().out
        assert "Per wijk:" in out and "gespreide start" in out
        assert "Transvaalbuurt (WK036330) (vanaf 2020)" in out
        assert out.startswith("Inwoners van 65 jaar of ouder: in de wijken met een taak")

    def test_effect_refusal_is_plain_dutch(self, example_case, capsys):
        from mkba.run.cli import main

        assert main(["effect", str(example_case), "--wijk", "WK036330", "--indicator",
                     "bezoekers_buurthuis"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("Bezoekers van het buurthuis: over het effect in Transvaalbuurt "
                              "(WK036330) kunnen we nog niets zeggen")
        assert re.search(r"Geschat effect +–", out)
        assert "minstens 2 jaren vóór de start" in out

    def test_wijk_without_task_needs_start_year(self, example_case, capsys):
        from mkba.run.cli import main

        assert main(["effect", str(example_case), "--wijk", "WK036301", "--indicator",
                     "AantalInwoners"]) == 2
        assert "--start-year" in capsys.readouterr().err


class TestReportSection:
    def test_example_report_effects_are_labelled_and_refused_plainly(self):
        """The example's tasks start in 2018; CBS has only 2017 before that: no number, a plain
        sentence, and Dutch labels with units as headings (never the code)."""
        from mkba.report.reports import wijk_report

        r = wijk_report("WK036330", str(EXAMPLE), draws=0)
        html = r.section_effects()._repr_html_()
        # (names from the case are isolated: <bdi>)
        assert "<h3><bdi>Bezoekers van het buurthuis</bdi> (bezoekers per jaar)</h3>" in html
        assert "<h3><bdi>Personen met bijstand</bdi> (per 1.000 inwoners)</h3>" in html
        assert "<h3>PersonenPerSoortUitkeringBijstand" not in html
        assert "<h3>bezoekers_buurthuis" not in html
        assert "kunnen we nog niets zeggen" in html
        assert "−47" not in html

    def test_estimate_opens_with_a_plain_sentence_then_technical_detail(self, tmp_path):
        from mkba.report.reports import wijk_report

        doelen = [["taak_id", "indicator", "basisjaar", "streefjaar", "streefwaarde", "richting"],
                  ["T1", "k_65JaarOfOuder", "2019", "2022", "100", "lager"]]
        r = wijk_report("WK036330", str(_case_from_2020(tmp_path, doelen=doelen)), draws=0)
        html = r.section_effects()._repr_html_()
        sentence = html.index("Inwoners van 65 jaar of ouder: in Transvaalbuurt na de start")
        technical = html.index("<h4>Technische toelichting</h4>")
        assert sentence < html.index("<img") < technical
        assert "p-waarde" not in html[:technical]
        est = r.effects[0]
        first = est.comparison_wijken[0]
        # comparison wijken by name; their codes are in the report's appendix
        assert est.names[first] in html[technical:] and first not in html[technical:]
        assert "De opzet is indicatief: maar 2 jaar vóór de start gemeten" in html
