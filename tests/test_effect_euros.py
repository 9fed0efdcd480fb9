"""Issue 20, item 4: an effect estimate reaches the euros only with its uncertainty.

Rules: an estimate at level "geen" never enters the NCW; an estimate without an interval is
left out with a warning (or enters with the line's own, explicit range); an estimate that
enters carries its interval as its range (normal distribution) into the Monte Carlo.
``evaluate``'s JSON has a record per such line, and the report's cost-benefit section a
sentence per line.

On the code before issue 20 these tests fail: a refused estimate raised a CaseError that
stopped the whole evaluation, an estimate without an interval entered as a certain number
(Monte Carlo p5 = p95), the range had the triangular distribution, and there was no record.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from mkba import read_case
from mkba.engine.cba import evaluate
from mkba.evidence.treatment import effect_for_case, quantities_from_estimates
from mkba.uncertainty import monte_carlo

from .conftest import MINIMAL, write_case

warnings.filterwarnings("ignore", category=RuntimeWarning)

LINE_HEADER = ["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
               "waarde_per_eenheid", "indicator", "richting", "hoeveelheid_laag",
               "hoeveelheid_hoog", "prijsjaar"]


def _metingen(n_wijken: int, seed: int = 3, effect: float = 0.0):
    """An own indicator ``bezoek`` in ``n_wijken`` wijken 2014–2021 (WK036360 treated from
    2018 with ``effect``); values with a decimal comma."""
    rng = np.random.default_rng(seed)
    codes = [f"WK0363{i:02d}" for i in range(n_wijken - 1)] + ["WK036360"]
    rows = [["wijk_code", "indicator", "jaar", "waarde", "eenheid"]]
    for code, level in zip(codes, rng.normal(300, 30, n_wijken), strict=True):
        for y in range(2014, 2022):
            v = level + 2 * (y - 2014) + rng.normal(0, 2)
            if code == "WK036360" and y >= 2018:
                v += effect
            rows.append([code, "bezoek", str(y), f"{v:.3f}".replace(".", ","), "bezoeken"])
    return rows


def _case(tmp_path, n_wijken=41, effect=0.0, low="", high=""):
    taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
             ["T1", "Buurthuis", "WK036360", "2018", "2021"]]
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "hoeveelheid", "kengetal",
               "prijsjaar"],
              ["T1", "2018", "gemeente", "Verbouwing", "1.000", "", "", "2018"]]
    effecten = [LINE_HEADER,
                ["T1", "Meer bezoek", "bewoners", "2018", "2021", "", "10", "bezoek", "hoger",
                 low, high, "2024"]]  # the value in euros of the analysis's price year
    return read_case(write_case(tmp_path / "c", **{**MINIMAL, "taken": taken, "kosten": kosten,
                                                   "effecten": effecten,
                                                   "metingen": _metingen(n_wijken,
                                                                         effect=effect)}))


PARAMS = {"price_year": 2024, "discount_rate": 0.0}


class TestEntering:
    def test_estimate_enters_with_its_interval_as_a_normal_range(self, tmp_path):
        case = _case(tmp_path, effect=30.0)
        filled, records = quantities_from_estimates(case, n_placebo=99)
        est = effect_for_case(case, "bezoek", wijk="WK036360", start_year=2018, n_placebo=99,
                              measure="waarde")
        row = filled.effecten.iloc[0]
        assert records[0].used and records[0].quantity == pytest.approx(est.estimate)
        assert row["hoeveelheid"] == pytest.approx(est.estimate)
        assert (row["hoeveelheid_laag"], row["hoeveelheid_hoog"]) == pytest.approx(
            (est.ci_low, est.ci_high))
        assert row["verdeling"] == "normaal"
        # benefits = 4 years × 10 euro × quantity (no discounting, no indexation: the value
        # has the analysis's price year); the quantity is normal with mean = estimate and 95 %
        # range = the interval, so the NPV's standard deviation is 40 × (half-width / 1,96)
        res = evaluate(filled, **PARAMS).result("T1")
        assert res.pv_benefits == pytest.approx(40 * est.estimate)
        mc = monte_carlo(filled, "T1", draws=20_000, seed=1, **PARAMS)
        sd = 40 * (est.ci_high - est.ci_low) / 2 / 1.959964
        assert np.std(mc.npv) == pytest.approx(sd, rel=0.03)
        assert np.mean(mc.npv) == pytest.approx(res.npv, abs=4 * sd / np.sqrt(20_000))
        # a triangular range over the same interval (the distribution before issue 20) would
        # have a standard deviation of half-width × 40 / √6 — 20 % smaller
        assert np.std(mc.npv) > 1.15 * 40 * (est.ci_high - est.ci_low) / 2 / np.sqrt(6)

    def test_a_non_significant_estimate_enters_with_a_range_through_zero(self, tmp_path):
        case = _case(tmp_path, effect=0.0)
        filled, records = quantities_from_estimates(case, n_placebo=99)
        est = records[0].estimate
        assert est.p_value > 0.05 and records[0].used
        assert "niet significant" in records[0].reason
        row = filled.effecten.iloc[0]
        assert row["hoeveelheid_laag"] < 0 < row["hoeveelheid_hoog"]
        mc = monte_carlo(filled, "T1", draws=2000, seed=1, **PARAMS)
        assert mc.percentile(5) < mc.percentile(95)


class TestLeftOut:
    def test_no_interval_is_left_out_with_a_warning(self, tmp_path):
        """10 wijken: 9 placebos, no 95 % interval (p ≥ 0,1): the line becomes a PM post,
        the NCW holds only the costs, and a warning names file, row and column."""
        case = _case(tmp_path, n_wijken=10, effect=30.0)
        filled, records = quantities_from_estimates(case, n_placebo=99)
        assert records[0].estimate.ci_low is None and not records[0].used
        assert records[0].quantity is None
        row = filled.effecten.iloc[0]
        assert bool(row["pm"]) and np.isnan(row["hoeveelheid"])
        assert "geen 95%-interval" in row["toelichting"]
        warned = [str(w) for w in filled.warnings]
        assert any(w.startswith("effecten.csv:2:hoeveelheid: effect 'Meer bezoek' telt niet "
                                "mee") for w in warned), warned
        res = evaluate(filled, **PARAMS).result("T1")
        assert res.pv_benefits == 0 and res.npv == pytest.approx(-res.pv_costs)
        assert list(res.pm()["effect"]) == ["Meer bezoek"]

    def test_own_range_lets_an_estimate_without_interval_enter(self, tmp_path):
        case = _case(tmp_path, n_wijken=10, effect=30.0, low="0", high="60")
        filled, records = quantities_from_estimates(case, n_placebo=99)
        assert records[0].used and "eigen bandbreedte" in records[0].reason
        row = filled.effecten.iloc[0]
        assert (row["hoeveelheid_laag"], row["hoeveelheid_hoog"]) == (0, 60)
        assert row["hoeveelheid"] == pytest.approx(records[0].estimate.estimate)

    def test_no_estimate_is_a_pm_post_not_an_error(self, tmp_path):
        """One measurement before the start: no estimate (level geen). Before issue 20 this
        stopped the whole evaluation with a CaseError."""
        effecten = [LINE_HEADER[:9],
                    ["T1", "Meer bezoek", "bewoners", "2019", "2021", "", "10", "bezoekers",
                     "hoger"]]
        metingen = [["wijk_code", "indicator", "jaar", "waarde"],
                    ["WK036330", "bezoekers", "2018", "100"]]
        case = read_case(write_case(tmp_path / "c", **{**MINIMAL, "effecten": effecten,
                                                       "metingen": metingen}))
        filled, records = quantities_from_estimates(case)
        assert records[0].estimate.evidence_level == "geen" and not records[0].used
        assert records[0].reason.startswith("geen schatting mogelijk voor indicator "
                                            "'bezoekers'")
        assert bool(filled.effecten.iloc[0]["pm"])
        assert any(str(w).startswith("effecten.csv:2:hoeveelheid:") for w in filled.warnings)


class TestReporting:
    def test_evaluate_json_has_a_record_per_estimated_line(self, tmp_path, capsys):
        from mkba.run.cli import main

        folder = tmp_path / "c"
        _case(tmp_path, n_wijken=10, effect=30.0)  # writes the case folder
        assert main(["evaluate", str(folder), "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out)
        (rec,) = out["estimated_quantities"]
        for key in ("effect", "indicator", "wijk_code", "estimate", "ci_low", "ci_high",
                    "p_value", "evidence_level", "used", "reason"):
            assert key in rec
        assert rec["effect"] == "Meer bezoek" and rec["wijk_code"] == "WK036360"
        assert rec["used"] is False and rec["ci_low"] is None and rec["estimate"] is not None
        assert any("telt niet mee in de NCW" in w for w in out["warnings"])

    @pytest.mark.slow
    def test_cost_benefit_section_has_a_sentence_per_line(self, tmp_path):
        from mkba.report.reports import wijk_report

        _case(tmp_path, effect=30.0)
        r = wijk_report("WK036360", str(tmp_path / "c"), draws=0)
        html = r.section_mkba()._repr_html_()
        assert "T1, Meer bezoek: geschat uit" in html
        assert "telt mee in de NCW, met het interval als bandbreedte" in html

    def test_sentence_for_a_line_left_out(self):
        from mkba.evidence.wording import quantity_sentence

        text = quantity_sentence({"task_id": "T1", "effect": "Meer bezoek", "indicator": "x",
                                  "wijk_code": "WK036360", "unit": "bezoeken",
                                  "estimate": 30.4, "ci_low": None, "ci_high": None,
                                  "p_value": 0.1, "evidence_level": "indicatief",
                                  "used": False, "quantity": None, "reason": "geen interval"})
        assert text == ("T1, Meer bezoek: geschat uit x in WK036360: 30 bezoeken per jaar "
                        "(p = 0,100; opzet indicatief); telt niet mee in de NCW (PM-post): "
                        "geen interval.")
