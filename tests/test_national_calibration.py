"""The national real-data calibration (issue 20): real CBS housing figures for every wijk and
buurt of the Netherlands 2013–2025 (``data/cbs_nl_woningen``), a fixed random sample of
regions pretended treated from 2019 with no effect, every region of the same level as
candidate. The printed p-values must reject about 5 % of the time — also for small regions.

The full calibration (every wijk, 1.000 buurten, three indicators) is in
``benchmarks/bench_effect.py --only national``; this is a fixed, modest sample.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mkba.evidence.calibration import national_study, placebo_study, rates_by_size
from mkba.evidence.national import load_nl_woningen, national_panel

warnings.filterwarnings("ignore", category=RuntimeWarning)


@pytest.fixture(scope="module")
def data():
    return load_nl_woningen()


@pytest.mark.slow
class TestData:
    def test_copy_matches_its_readme(self, data):
        """The README's checks: 408 gemeenten in 2013, 342 from 2023; national stock."""
        gm = data[(data["region_type"] == "Gemeente") & (data["indicator"] == "Woningvoorraad")]
        per_year = gm.groupby("year")["region_code"].nunique()
        assert per_year[2013] == 408 and per_year[2023] == 342
        nl = data[(data["region_code"] == "NL00") & (data["indicator"] == "Woningvoorraad")]
        assert nl.set_index("year")["value"][[2013, 2025]].tolist() == [7449298, 8274478]

    def test_missing_is_missing_and_counts_below_threshold_hidden(self, data):
        assert not data["value"].isna().any()  # a secret cell has no row, never 0 or NaN
        panel = national_panel("Woningvoorraad", "BU", data)
        raw = data[(data["indicator"] == "Woningvoorraad") & data["region_code"].str.startswith(
            "BU")].pivot_table(index="region_code", columns="year", values="value")
        small = raw < 10
        assert small.to_numpy().sum() > 0
        assert np.isnan(panel.reindex_like(raw).to_numpy()[small.to_numpy()]).all()
        kept = panel.reindex_like(raw).to_numpy()[(raw >= 10).to_numpy()]
        assert (kept == raw.to_numpy()[(raw >= 10).to_numpy()]).all()

    def test_wijken_add_up_to_their_gemeente(self, data):
        """Utrecht (GM0344) 2020: the wijken's housing stock adds up to the gemeente's."""
        w = data[(data["indicator"] == "Woningvoorraad") & (data["year"] == 2020)
                 & (data["gemeente_code"] == "GM0344")]
        total = w.loc[w["region_type"] == "Gemeente", "value"].iloc[0]
        assert w.loc[w["region_type"] == "Wijk", "value"].sum() == pytest.approx(total, rel=1e-3)


@pytest.mark.slow
class TestNationalCalibration:
    def test_wijken_fixed_sample(self, data):
        study = national_study("HuurwoningenTotaal", "WK", 2019, sample=120, seed=20,
                               n_placebo=39, data=data)
        rates = rates_by_size(study)
        assert len(study) >= 110
        assert rates.loc["alle", "p_value"] <= 0.08
        assert rates.loc["alle", "pretrend_p_value"] <= 0.08
        small = study[study["homes"] < 1000]
        assert len(small) >= 30 and (small["p_value"] <= 0.05).mean() <= 0.10

    def test_small_buurten_apart(self, data):
        """Buurten under 250 homes (percentages that jump): a fixed sample of 50."""
        panel = national_panel("HuurwoningenTotaal", "BU", data)
        homes = national_panel("Woningvoorraad", "BU", data, threshold=0)[2018]
        years = np.array(panel.columns)
        have = panel.notna().to_numpy()
        ok = (have[:, years < 2019].sum(axis=1) >= 2) & (have[:, years >= 2019].sum(axis=1) >= 1)
        small = [c for c in panel.index[ok] if homes.get(c, np.inf) < 250]
        rng = np.random.default_rng(7)
        regions = sorted(rng.choice(small, 50, replace=False).tolist())
        study = placebo_study(panel, 2019, regions=regions, n_placebo=39)
        assert len(study) >= 45
        assert (study["p_value"] <= 0.05).mean() <= 0.10
