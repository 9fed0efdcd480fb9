"""Live checks against the real CBS and PDOK services (needs internet; not run by default).

    make test-online        # or: .venv/bin/python -m pytest -m online tests/test_cbs_online.py

CI has no internet; there the same code runs on recorded responses (tests/test_cbs_fetch.py,
tests/test_maps.py) and against a hostile stand-in (tests/test_hostile_network.py).
"""

from __future__ import annotations

import pandas as pd
import pytest

import mkba.evidence.cbs as cbs
from mkba.evidence.cbs_tables import CATALOGUE
from mkba.evidence.geo import read_boundaries
from mkba.sources.cpi import fetch_cpi
from mkba.sources.http import Http, cbs_url
from mkba.sources.kwb import fetch_kwb
from mkba.sources.pdok import fetch_map

pytestmark = pytest.mark.online


def test_fetch_emmen_2024_and_its_map_live(tmp_path):
    res = fetch_kwb("GM0114", [2024], out_dir=tmp_path)
    assert [p.name for p in res.written if p.name.startswith("kwb_")]
    df = cbs.read_fetched(tmp_path)
    inh = df[(df["region_code"] == "GM0114") & (df["indicator"] == "AantalInwoners")]
    # CBS 85984NED, AantalInwoners_5 for Emmen, as in data/cbs/kwb_2024_85984NED_NL_gemeente_wijk_8vars.csv
    # (CBS may revise the table; a small difference means a new release, not a bug)
    assert inh["value"].iloc[0] == pytest.approx(109346, rel=0.01)
    assert df["region_name"].notna().any()
    path = fetch_map("GM0114", out_dir=tmp_path, years=[2024])
    b = read_boundaries(path)
    assert b.crs == "EPSG:28992"
    assert set(b.codes()) & set(df.loc[df["region_type"] == "Wijk", "region_code"])


@pytest.mark.parametrize("year", sorted(CATALOGUE))
def test_every_catalogue_id_is_that_years_kwb_table_at_cbs(year):
    """Item 4: each id (2025's 86165NED included) against CBS's own TableInfos."""
    table = CATALOGUE[year].table_id
    http = Http()
    try:
        info = http.get_json(f"{cbs_url()}/{table}/TableInfos", {"$format": "json"},
                             what=f"tabel {table} (TableInfos)")
    finally:
        http.close()
    title = info["value"][0]["Title"]
    assert title.strip().lower() == f"kerncijfers wijken en buurten {year}"


def test_2025_buurten_and_the_buurt_map_live(tmp_path):
    res = fetch_kwb("GM0114", [2025], niveau="buurt", out_dir=tmp_path)
    df = cbs.read_fetched(tmp_path)
    assert res.written and (df["region_type"] == "Buurt").any()
    b = read_boundaries(fetch_map("GM0114", niveau="buurt", out_dir=tmp_path, years=[2025]))
    assert b.level() == "buurt"
    assert set(b.codes()) & set(df.loc[df["region_type"] == "Buurt", "region_code"])


def test_the_cpi_refresh_live(tmp_path):
    path = fetch_cpi(tmp_path)
    cpi = pd.read_csv(path).set_index("year")["CPI_2015eq100"]
    assert cpi[2015] == pytest.approx(100, abs=0.05) and cpi.index.max() >= 2025
    # the shipped series (1996–2019 published) agrees with what CBS publishes now
    shipped = pd.read_csv(cbs.CBS_DIR / "cpi_83131NED_yearly_2015eq100.csv").set_index("year")
    assert cpi.loc[1996:2019].to_numpy() == pytest.approx(
        shipped["CPI_2015eq100"].to_numpy(), abs=0.01)
