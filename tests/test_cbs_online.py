"""Live check against the real CBS and PDOK services (needs internet; not run by default).

    make test-online        # or: .venv/bin/python -m pytest -m online tests/test_cbs_online.py

CI has no internet; there the same code runs on recorded responses (tests/test_cbs_fetch.py).
"""

from __future__ import annotations

import pytest

import mkba.evidence.cbs_fetch as cf
from mkba.report import maps

pytestmark = pytest.mark.online


def test_fetch_emmen_2024_and_its_map_live(tmp_path):
    res = cf.fetch_kwb("GM0114", [2024], out_dir=tmp_path)
    assert len(res.written) == 1
    df = cf.read_fetched(tmp_path)
    inh = df[(df["region_code"] == "GM0114") & (df["indicator"] == "AantalInwoners")]
    # CBS 85984NED, AantalInwoners_5 for Emmen, as in data/cbs/kwb_2024_85984NED_NL_gemeente_wijk_8vars.csv
    # (CBS may revise the table; a small difference means a new release, not a bug)
    assert inh["value"].iloc[0] == pytest.approx(109346, rel=0.01)
    assert df["region_name"].notna().any()
    path = maps.fetch_map("GM0114", out_dir=tmp_path, years=[2024])
    b = maps.read_boundaries(path)
    assert b.crs == "EPSG:28992"
    assert set(b.codes()) & set(df.loc[df["region_type"] == "Wijk", "region_code"])
