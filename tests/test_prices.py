"""CPI and discounting, checked against the CBS source files read independently."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from mkba import CaseError, cpi_series, discount_factors, index_factor
from mkba.base.assumptions import DATA_DIR
from mkba.base.prices import derived_cpi_years


def _read(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


class TestCpiSeries:
    def test_published_years_match_the_cbs_file(self):
        rows = _read(DATA_DIR / "cbs" / "cpi_83131NED_yearly_2015eq100.csv")
        cpi = cpi_series()
        for row in rows:
            assert cpi[int(row["year"])] == float(row["CPI_2015eq100"])
        assert len(rows) == 24

    def test_derived_years_follow_published_changes(self):
        """2020–2024: index extended by the published one-decimal year-on-year changes."""
        changes = {int(r["jaar_tot"]): float(r["jaarmutatie_cpi_pct"])
                   for r in _read(DATA_DIR / "kengetallen" / "cpi_jaarmutatie_83131NED_2012_2024.csv")}
        cpi = cpi_series()
        expected = 106.16  # CPI 2019 (published)
        for year in range(2020, 2025):
            expected *= 1 + changes[year] / 100
            assert cpi[year] == pytest.approx(expected, rel=1e-12)
        assert derived_cpi_years() == (2020, 2021, 2022, 2023, 2024)

    def test_change_file_agrees_with_index_where_they_overlap(self):
        """The README says both files agree for 2013–2019: check it to one decimal."""
        cpi = cpi_series()
        for r in _read(DATA_DIR / "kengetallen" / "cpi_jaarmutatie_83131NED_2012_2024.csv"):
            a, b = int(r["jaar_van"]), int(r["jaar_tot"])
            if b <= 2019:
                assert round((cpi[b] / cpi[a] - 1) * 100, 1) == pytest.approx(
                    float(r["jaarmutatie_cpi_pct"]), abs=0.051)

    def test_indexing_matches_published_reference_price(self):
        """Kostenhandleiding 2022 → 2024: tatooheene indexed 18.80 to 20.17 with CBS CPI.

        Our 2023 and 2024 index values are built from two published one-decimal changes
        (each ±0.05 percentage point), so the two may differ by up to about 0.1 %.
        """
        with open(DATA_DIR / "kengetallen" / "kostenhandleiding_referentieprijzen_2022.csv",
                  encoding="utf-8") as f:
            row = next(r for r in csv.DictReader(f) if r["code"] == "prodloss_unpaid_hour")
        indexed = float(row["prijs_2022"]) * index_factor(2022, 2024)
        assert indexed == pytest.approx(float(row["prijs_2024_geindexeerd"]), rel=1e-3)


class TestIndexFactor:
    def test_identity_and_inverse(self):
        assert index_factor(2010, 2010) == 1.0
        assert index_factor(2005, 2018) * index_factor(2018, 2005) == pytest.approx(1.0)

    def test_vectorised(self):
        f = index_factor([2015, 2019], 2019)
        assert f.tolist() == pytest.approx([106.16 / 100.0, 1.0])

    def test_outside_series(self):
        with pytest.raises(CaseError, match="geen CPI voor 1995"):
            index_factor(1995, 2019)


class TestDiscountFactors:
    def test_formula(self):
        f = discount_factors([2020, 2021, 2030], 2020, 0.0225)
        assert f.tolist() == pytest.approx([1.0, 1 / 1.0225, 1.0225 ** -10])

    def test_before_base_year_compounds(self):
        assert discount_factors([2018], 2020, 0.03)[0] == pytest.approx(1.03 ** 2)

    def test_zero_rate(self):
        assert np.all(discount_factors(range(2000, 2050), 2000, 0.0) == 1.0)

    def test_rate_must_exceed_minus_one(self):
        with pytest.raises(CaseError):
            discount_factors([2020], 2020, -1.0)
