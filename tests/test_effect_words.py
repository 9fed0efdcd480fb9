"""Issue 20, items 5 and 6: what the effect sentences say, and the smaller points.

5. The design's strength is said apart from the result; "dat is waarschijnlijk geen toeval"
   never heads a result whose pre-trend test failed; several indicators: Holm, said plainly.
6. ``metingen`` without ``eenheid`` is warned about and never shown as a bare number; raw
   counts in ``metingen`` are suppressed below the threshold; buurten are called buurten;
   the neighbours of a treated buurt can be kept out of the comparison.

Each of these fails on the code before issue 20 (checked with the old code: "Bewijskracht:
sterk" beside a non-significant estimate, "waarschijnlijk geen toeval" after a failed
pre-trend test, no Holm, no warning, a count of 3 shown, "wijken" for buurten, no option).
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from mkba import read_case
from mkba.evidence.calibration import synthetic_panel
from mkba.evidence.counterfactual import estimate_effect
from mkba.evidence.panel import indicator_panel

from .conftest import MINIMAL, write_case

warnings.filterwarnings("ignore", category=RuntimeWarning)


@pytest.fixture(scope="module")
def strong():
    """A clean design (6 pre-years, 39 placebos) with a real effect: sterk, significant."""
    est = estimate_effect(*synthetic_panel(5, effect=4.0), seed=5)
    assert est.evidence_level == "sterk" and est.p_value <= 0.05
    return est


class TestDesignApartFromResult:
    def test_strong_design_no_effect(self, strong):
        est = replace(strong, p_value=0.57, ci_low=-3.0, ci_high=5.0)
        text = est.plain_text("Transvaalbuurt")
        assert "er is geen effect aangetoond" in text
        assert text.endswith("De opzet is sterk.")
        table = est.summary()["Waarde"]
        assert table["Uitkomst"] == "geen effect aangetoond (p = 0,570)"
        assert table["Opzet (sterkte van het ontwerp)"] == "sterk"
        assert "Bewijskracht" not in table.index

    def test_failed_pretrend_is_not_called_no_accident(self, strong):
        est = replace(strong, pretrend_p_value=0.03)
        text = est.plain_text("de wijk")
        assert "waarschijnlijk geen toeval" not in text
        assert "liep vóór de start al anders dan de vergelijkingswijken" in text
        assert est.summary()["Waarde"]["Uitkomst"].startswith("verschil groter dan toeval, "
                                                             "maar")

    def test_clean_significant_result(self, strong):
        assert "dat is waarschijnlijk geen toeval" in strong.plain_text("de wijk")


class TestSeveralIndicators:
    def test_holm_by_hand(self):
        from mkba.evidence.inference import holm

        # sorted 0,01 < 0,02 < 0,04 < 0,30: 4 × 0,01; 3 × 0,02; max(0,06, 2 × 0,04); 0,30
        assert holm([0.04, 0.01, 0.30, 0.02]) == pytest.approx([0.08, 0.04, 0.30, 0.06])
        assert holm([0.5]) == [0.5] and holm([]) == []

    def test_plain_statement_of_the_chance_of_one_false_alarm(self):
        from mkba.evidence.wording import multiple_testing_sentence

        text = multiple_testing_sentence(3)
        assert "3 indicatoren getoetst" in text and "ongeveer 14 %" in text  # 1 − 0,95³
        assert multiple_testing_sentence(1) == ""

    def test_adjusted_p_decides_the_sentence(self, strong):
        from mkba.evidence.inference import holm

        est = replace(strong, p_value=0.02)
        text = est.plain_text("de wijk", p_value=holm([0.02, 0.3, 0.5])[0], n_tests=3)
        assert "waarschijnlijk geen toeval" not in text
        assert "na correctie voor de 3 getoetste indicatoren (Holm)" in text

    @pytest.mark.slow
    def test_report_section_adjusts(self, strong):
        from mkba.report.reports import WijkReport

        effects = (replace(strong, p_value=0.02), replace(strong, p_value=0.3),
                   replace(strong, p_value=0.5))
        r = WijkReport("WK009000", "Testwijk", {}, pd.DataFrame(), None, pd.DataFrame(), None,
                       effects)
        html = r.section_effects()._repr_html_()
        assert "Hier zijn 3 indicatoren getoetst" in html
        assert "waarschijnlijk geen toeval" not in html
        assert html.count("na correctie voor de 3 getoetste indicatoren") == 1


def _metingen_case(tmp_path, unit: str, value_treated: str = "3"):
    rng = np.random.default_rng(0)
    rows = [["wijk_code", "indicator", "jaar", "waarde", "eenheid"]]
    for i in range(30):
        for y in range(2015, 2022):
            v = value_treated if (i == 0 and y == 2016) else f"{40 + rng.normal(0, 2):.1f}"
            rows.append([f"WK0363{i:02d}", "deelnemers", str(y), v.replace(".", ","), unit])
    taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
             ["T1", "Buurthuis", "WK036300", "2019", "2022"]]
    return write_case(tmp_path / "c", **{**MINIMAL, "taken": taken, "metingen": rows})


class TestSmaller:
    @pytest.mark.slow
    def test_metingen_without_eenheid_warned_and_never_bare(self, tmp_path, capsys):
        from mkba.evidence.treatment import effect_for_case
        from mkba.run.cli import main

        folder = _metingen_case(tmp_path, "")
        assert main(["validate", str(folder)]) == 0
        out = capsys.readouterr().out
        assert "waarschuwing: metingen.csv:2:eenheid: indicator 'deelnemers' heeft geen " \
               "eenheid" in out
        est = effect_for_case(read_case(folder), "deelnemers", n_placebo=29)
        assert est.unit == "eenheid onbekend"
        assert "(eenheid onbekend)" in est.plain_text("de wijk")

    def test_raw_counts_in_metingen_are_suppressed(self, tmp_path):
        from mkba.evidence.targets import region_series

        case = read_case(_metingen_case(tmp_path, "aantal deelnemers"))
        panel = indicator_panel("deelnemers", case=case, kwb=pd.DataFrame())
        assert np.isnan(panel.loc["WK036300", 2016])  # 3 < 10: not shown, not used
        assert panel.loc["WK036300", 2017] > 10
        series, source = region_series(case, None, "WK036300", "deelnemers", 10)
        assert source == "metingen" and series["value"].isna().sum() == 1

    def test_share_with_n_is_not_a_count(self, tmp_path):
        case = read_case(_metingen_case(tmp_path, "%"))
        panel = indicator_panel("deelnemers", case=case, kwb=pd.DataFrame())
        assert panel.loc["WK036300", 2016] == 3.0

    @staticmethod
    def _as_buurten(panel, starts):
        """The synthetic panel with buurt codes (WK009000 + i → BU0363000i)."""
        panel = panel.set_axis([f"BU0363{i:04d}" for i in range(len(panel))])
        return panel, {f"BU0363{int(w[2:]) - 9000:04d}": s for w, s in starts.items()}

    def test_buurten_are_called_buurten(self):
        panel, treated = self._as_buurten(*synthetic_panel(1))
        est = estimate_effect(panel, treated)
        assert "vergelijkbare buurten zonder taak" in est.plain_text("de buurt")
        assert "Vergelijkingsbuurten" in est.summary().index

    def test_staggered_headline_says_buurten(self):
        from mkba.report.console import effect_text

        panel, treated = self._as_buurten(*synthetic_panel(2, n=60, treated=6,
                                                           staggered=True))
        est = estimate_effect(panel, treated, n_placebo=39, indicator="y")
        assert effect_text(est).startswith("y: in de buurten met een taak na de start")

    def test_neighbours_of_a_treated_buurt_can_be_excluded(self):
        rng = np.random.default_rng(0)
        codes = [f"BU0363{w:02d}{b:02d}" for w in range(8) for b in range(6)]
        panel = pd.DataFrame(rng.normal(50, 1, (len(codes), 8)), index=codes,
                             columns=range(2015, 2023))
        treated = {"BU03630100": 2019}
        # the buurten of wijk 01 look most like the treated one before the start
        panel.loc[[c for c in codes if c[6:8] == "01"]] = (
            panel.loc["BU03630100"].to_numpy() + rng.normal(0, 0.05, (6, 8)))
        plain = estimate_effect(panel, treated, n_placebo=39)
        assert any(c[6:8] == "01" for c in plain.comparison_wijken)
        apart = estimate_effect(panel, treated, n_placebo=39, exclude_neighbours=True)
        assert not any(c[6:8] == "01" for c in apart.comparison_wijken)
        assert apart.placebo["candidates"] == len(codes) - 6
