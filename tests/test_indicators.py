"""Wijk profiles, suppression and targets, against hand calculations and the source files."""

from __future__ import annotations

import csv
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from mkba import read_case
from mkba.base.assumptions import DATA_DIR
from mkba.base.prices import cpi_series
from mkba.evidence.indicators import similar_regions, wijk_profile
from mkba.evidence.targets import target_attainment

from .conftest import MINIMAL, write_case


def _source_2019(code):
    with open(DATA_DIR / "cbs" / "kwb_2019_84583NED_amsterdam.csv", encoding="utf-8") as f:
        return next(r for r in csv.DictReader(f) if r["WijkenEnBuurten"] == code)


class TestProfile:
    def test_rates_against_source(self):
        src = _source_2019("WK036330")
        gm = _source_2019("GM0363")
        p = wijk_profile("WK036330", 2019, compare_year=2017)
        t = p.table.set_index("indicator")
        inh = float(src["AantalInwoners_5"])
        assert t.at["PersonenPerSoortUitkeringBijstand", "measure"] == pytest.approx(
            1000 * float(src["PersonenPerSoortUitkeringBijstand_83"]) / inh)
        assert t.at["HuishoudensMetKinderen", "measure"] == pytest.approx(
            100 * float(src["HuishoudensMetKinderen_31"]) / float(src["HuishoudensTotaal_28"]))
        assert t.at["HuishoudensMetKinderen", "gemeente"] == pytest.approx(
            100 * float(gm["HuishoudensMetKinderen_31"]) / float(gm["HuishoudensTotaal_28"]))
        # percentages and averages are compared as published
        assert t.at["Koopwoningen", "measure"] == float(src["Koopwoningen_40"])
        assert t.at["GemiddeldeHuishoudensgrootte", "measure"] == pytest.approx(1.8)
        assert not t.at["GemiddeldeHuishoudensgrootte", "suppressed"]

    def test_change_since_2017(self):
        p = wijk_profile("WK036330", 2019, compare_year=2017)
        t = p.table.set_index("indicator")
        with open(DATA_DIR / "cbs" / "kwb_core_long.csv", encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f) if r["region_code"] == "WK036330"
                    and r["indicator"] == "AantalInwoners"]
        by_year = {int(r["year"]): float(r["value"]) for r in rows}
        assert t.at["AantalInwoners", "change"] == by_year[2019] - by_year[2017]

    def test_euro_amounts_deflated(self):
        p = wijk_profile("WK036330", 2019, price_year=2024)
        t = p.table.set_index("indicator")
        cpi = cpi_series()
        woz = t.at["GemiddeldeWOZWaardeVanWoningen", "value"]
        assert t.at["GemiddeldeWOZWaardeVanWoningen", "real_value"] == pytest.approx(
            woz * 1000 * cpi[2024] / cpi[2019])

    def test_similar_regions_same_type_and_excluded(self):
        p = wijk_profile("WK036330", 2019, exclude=["WK036331"])
        assert len(p.similar) == 5
        assert all(s.startswith("WK") for s in p.similar)
        assert "WK036331" not in p.similar and "WK036330" not in p.similar

    def test_buurt_profile(self):
        p = wijk_profile("BU03633000", 2019)
        assert p.gemeente_code == "GM0363"
        assert all(s.startswith("BU") for s in p.similar)

    def test_similar_regions_nearest(self):
        values = pd.DataFrame({"AantalInwoners": [1000, 1010, 5000, 990],
                               "Koopwoningen": [30, 31, 80, 29]},
                              index=["WK000101", "WK000102", "WK000103", "BU00010001"])
        near = similar_regions(values, "WK000101", n=2, features=["AantalInwoners",
                                                                  "Koopwoningen"])
        assert list(near.index) == ["WK000102", "WK000103"]


def _tiny_kwb():
    rows = []
    for code, inh, bijstand in (("GM0001", 5000, 200), ("WK000101", 400, 7),
                                ("WK000102", 900, 40), ("WK000103", 1200, 55)):
        for ind, val, unit in (("AantalInwoners", inh, "aantal"),
                               ("PersonenPerSoortUitkeringBijstand", bijstand, "aantal"),
                               ("Koopwoningen", 40.0, "%")):
            rows.append({"region_code": code, "region_type": "Wijk" if code[:2] == "WK"
                         else "Gemeente", "gemeente_code": "GM0001", "region_name": code,
                         "year": 2020, "indicator": ind, "value": float(val), "unit": unit,
                         "quality": "test", "source_file": "test"})
    return pd.DataFrame(rows)


class TestSuppression:
    def test_small_count_and_its_rate_are_suppressed_everywhere(self):
        p = wijk_profile("WK000101", 2020, kwb=_tiny_kwb(), n_similar=2)
        row = p.table.set_index("indicator").loc["PersonenPerSoortUitkeringBijstand"]
        assert row["suppressed"]
        assert np.isnan(row["value"]) and np.isnan(row["measure"])
        shown = p.summary().to_string()
        assert "< 10" in shown
        rate = f"{1000 * 7 / 400:.1f}".replace(".", ",")
        assert " 7 " not in f" {shown} " and rate not in shown
        assert "7.0" not in json.dumps(p.to_dict()) and "17.5" not in json.dumps(p.to_dict())

    def test_suppressed_values_not_in_similar_mean(self):
        p = wijk_profile("WK000102", 2020, kwb=_tiny_kwb(), n_similar=2)
        row = p.table.set_index("indicator").loc["PersonenPerSoortUitkeringBijstand"]
        assert row["similar"] == pytest.approx(1000 * 55 / 1200)  # WK000101 is suppressed

    def test_threshold_is_configurable(self):
        p = wijk_profile("WK000101", 2020, kwb=_tiny_kwb(), n_similar=2, threshold=5)
        row = p.table.set_index("indicator").loc["PersonenPerSoortUitkeringBijstand"]
        assert not row["suppressed"] and row["measure"] == pytest.approx(17.5)

    def test_plot_labels_hide_suppressed(self):
        import matplotlib
        matplotlib.use("Agg")
        p = wijk_profile("WK000101", 2020, kwb=_tiny_kwb(), n_similar=2)
        ax = p.plot()
        texts = [t.get_text() for t in ax.texts] + [t.get_text() for t in ax.get_yticklabels()]
        assert not any("17,5" in t or "17.5" in t for t in texts)


    def test_profile_chart_stays_narrow_enough_for_a_phone(self):
        import io

        import matplotlib
        matplotlib.use("Agg")
        from PIL import Image

        ax = wijk_profile("WK036330", 2019).plot()
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert any("\n" in label for label in labels)  # the long CBS labels are wrapped
        assert all(len(line) <= 30 for label in labels for line in label.splitlines())
        assert not any(re.search(r"\d\s*\n\s*\d", label) for label in labels)  # "1 000" whole
        buf = io.BytesIO()
        ax.figure.savefig(buf, format="png", dpi=110, bbox_inches="tight")  # as the report
        assert Image.open(buf).size[0] <= 960  # the page's width: not shrunk on a desktop


class TestTargets:
    def test_example_targets_by_hand(self, example_case):
        t = target_attainment(read_case(example_case)).set_index("indicator")
        visitors = {2017: 6100, 2018: 7400, 2019: 9100, 2020: 5200, 2021: 7800, 2022: 10900,
                    2023: 11800, 2024: 12600}
        row = t.loc["bezoekers_buurthuis"]
        assert row["latest_value"] == 12600 and row["attained"]
        assert row["share_travelled"] == pytest.approx((12600 - 6100) / (12000 - 6100))
        slope, intercept = np.polyfit(list(visitors), list(visitors.values()), 1)
        assert row["trend_slope"] == pytest.approx(slope)
        assert row["projected"] == pytest.approx(slope * 2024 + intercept)
        assert row["trend_slope_low"] < slope < row["trend_slope_high"]

    def test_survey_interval_is_wilson(self, example_case):
        t = target_attainment(read_case(example_case)).set_index("indicator")
        row = t.loc["tevreden_over_buurt"]
        p, n, z = 0.71, 226, 1.959963984540054
        k = round(p * n)
        ph = k / n
        centre = (ph + z * z / (2 * n)) / (1 + z * z / n)
        half = z * math.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / (1 + z * z / n)
        assert row["latest_ci_low"] == pytest.approx(centre - half)
        assert row["latest_ci_high"] == pytest.approx(centre + half)
        assert not row["attained"]

    def test_cbs_target_with_too_few_points(self, example_case):
        from mkba.evidence.cbs import load_kwb

        t = target_attainment(read_case(example_case), load_kwb()).set_index("indicator")
        row = t.loc["PersonenPerSoortUitkeringBijstand"]
        assert row["source"] == "CBS" and row["n_points"] == 2
        assert "te weinig metingen" in row["note"] and row["on_track"] is None

    def test_small_survey_suppressed(self, tmp_path):
        metingen = [["wijk_code", "indicator", "jaar", "waarde", "n"],
                    ["WK036330", "tevreden", "2019", "0,5", "8"],
                    ["WK036330", "tevreden", "2020", "0,6", "50"]]
        doelen = [["taak_id", "indicator", "basisjaar", "streefjaar", "streefwaarde"],
                  ["T1", "tevreden", "2019", "2022", "0,8"]]
        case = read_case(write_case(tmp_path / "c", metingen=metingen, doelen=doelen))
        row = target_attainment(case).iloc[0]
        assert row["n_points"] == 1 and np.isnan(row["base_value"])
        assert row["latest_value"] == 0.6

    def test_lower_is_better(self, tmp_path):
        metingen = [["wijk_code", "indicator", "jaar", "waarde"]] + [
            ["WK036330", "overlast", str(y), str(v)] for y, v in
            ((2019, 100), (2020, 90), (2021, 80), (2022, 70))]
        doelen = [["taak_id", "indicator", "basisjaar", "streefjaar", "streefwaarde", "richting"],
                  ["T1", "overlast", "2019", "2024", "50", "lager"]]
        case = read_case(write_case(tmp_path / "c", **{**MINIMAL, "metingen": metingen,
                                                       "doelen": doelen}))
        row = target_attainment(case).iloc[0]
        assert not row["attained"]
        assert row["share_travelled"] == pytest.approx((70 - 100) / (50 - 100))
        assert row["projected"] == pytest.approx(50.0)  # exact line: −10 a year
        assert row["on_track"]


def test_no_targets_gives_empty_table_with_columns(minimal_case):
    t = target_attainment(read_case(minimal_case))
    assert t.empty and "region_code" in t.columns and "attained" in t.columns


def test_municipality_overview_marks_tasks_and_suppresses(example_case):
    from mkba.evidence.indicators import municipality_overview

    o = municipality_overview("GM0363", 2019, case=read_case(example_case))
    assert len(o.table) == 99
    assert set(o.table.loc[o.table["taak"], "region_code"]) == {
        "WK036330", "WK036339", "WK036360", "WK036394"}
    src = _source_2019("WK036330")
    row = o.table.set_index("region_code").loc["WK036330"]
    assert row["PersonenPerSoortUitkeringBijstand"] == pytest.approx(
        1000 * float(src["PersonenPerSoortUitkeringBijstand_83"]) / float(src["AantalInwoners_5"]))
    small = o.table[o.table["AantalInwoners__onderdrukt"]]
    shown = o.summary().set_index("wijk")
    for code in small["region_code"]:
        assert shown.loc[code].iloc[2] == "< 10"
