"""CBS readers checked against the source files read independently (csv module, openpyxl)."""

from __future__ import annotations

import csv

import numpy as np
import openpyxl
import pandas as pd
import pytest

from mkba import CaseError
from mkba.base.assumptions import DATA_DIR
from mkba.evidence.cbs import load_kwb, read_kwb, read_kwb_xlsx, read_odata_csv, region_names

RAW = DATA_DIR / "cbs" / "raw"
ODATA_2019 = RAW / "amsterdam_2019_84583NED__marginal_distributions_84583NED.csv"
XLSX_2024 = RAW / "utrecht_2024__CBS-Utrecht-kwb-2024.xlsx"


def _odata_rows():
    with open(ODATA_2019, encoding="utf-8-sig", newline="") as f:
        return {r["WijkenEnBuurten"].strip(): r for r in csv.DictReader(f, delimiter=";")}


@pytest.mark.slow
class TestOData:
    def test_values_match_source(self):
        df = read_odata_csv(ODATA_2019).set_index(["region_code", "indicator"])["value"]
        rows = _odata_rows()
        for code in ("GM0363", "WK036330", "BU03633000"):
            for key in ("AantalInwoners_5", "HuishoudensTotaal_28",
                        "PersonenPerSoortUitkeringBijstand_83"):
                raw = rows[code][key].strip()
                stem = key.rsplit("_", 1)[0]
                if raw == ".":
                    assert np.isnan(df[(code, stem)])
                else:
                    assert df[(code, stem)] == float(raw)

    def test_padding_missing_and_year(self):
        df = read_odata_csv(ODATA_2019)
        assert not df["region_code"].str.contains(" ").any()
        assert set(df["year"]) == {2019}  # from the table id 84583NED in the file name
        rows = _odata_rows()
        dots = [(c, k) for c, r in rows.items() for k, v in r.items()
                if v.strip() == "." and k.endswith("_83")]
        assert dots, "the source has '.' cells"
        idx = df.set_index(["region_code", "indicator"])["value"]
        for code, _ in dots[:5]:
            assert np.isnan(idx[(code, "PersonenPerSoortUitkeringBijstand")])  # never 0

    def test_region_types(self):
        df = read_odata_csv(ODATA_2019)
        types = df.drop_duplicates("region_code")["region_type"].value_counts().to_dict()
        assert types == {"Buurt": 479, "Wijk": 99, "Gemeente": 1}

    def test_old_key_is_harmonised(self):
        df = read_odata_csv(ODATA_2019)
        assert "GemiddeldeWOZWaardeVanWoningen" in set(df["indicator"])
        assert "GemiddeldeWoningwaarde" not in set(df["indicator"])


@pytest.mark.slow
class TestKwbXlsx:
    def test_values_match_openpyxl(self):
        ws = openpyxl.load_workbook(XLSX_2024, read_only=True).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        header = list(rows[0])
        col = header.index("a_inw")
        expected = {r[0]: r[col] for r in rows[1:]}
        df = read_kwb_xlsx(XLSX_2024)
        got = df[df["indicator"] == "AantalInwoners"].set_index("region_code")["value"]
        for code, value in expected.items():
            if value in (".", None):
                assert np.isnan(got[code])
            else:
                assert got[code] == float(value)
        assert set(df["year"]) == {2024}

    def test_names_from_regio(self):
        df = read_kwb_xlsx(XLSX_2024)
        names = df.drop_duplicates("region_code").set_index("region_code")["region_name"]
        assert names["GM0344"] == "Utrecht"


@pytest.mark.slow
def test_year_needed_when_not_in_name(tmp_path):
    target = tmp_path / "export.csv"
    target.write_bytes(ODATA_2019.read_bytes())
    with pytest.raises(CaseError, match="jaar onbekend"):
        read_kwb(target)
    assert set(read_kwb(target, year=2019)["year"]) == {2019}


def test_not_a_cbs_file(tmp_path):
    target = tmp_path / "x_84583NED.csv"
    target.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(CaseError, match="WijkenEnBuurten"):
        read_kwb(target)


class TestShipped:
    def test_all_netherlands_2024(self):
        kwb = load_kwb()
        y = kwb[(kwb["year"] == 2024) & (kwb["indicator"] == "AantalInwoners")]
        counts = y.groupby("region_type")["region_code"].nunique()
        assert counts["Wijk"] == 3344 and counts["Gemeente"] == 340

    def test_nl_file_values_and_missing(self):
        path = DATA_DIR / "cbs" / "kwb_2024_85984NED_NL_gemeente_wijk_8vars.csv"
        with open(path, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        missing_density = [r["region_code"] for r in rows if r["Bevolkingsdichtheid_34"] == ""]
        assert len(missing_density) == 36  # data/cbs/README.md
        kwb = load_kwb()
        density = kwb[(kwb["year"] == 2024) & (kwb["indicator"] == "Bevolkingsdichtheid")]
        density = density.set_index("region_code")["value"]
        assert density[missing_density].isna().all()
        first_wijk = next(r for r in rows if r["region_type"] == "Wijk"
                          and not r["region_code"].startswith(("WK0344", "WK0363")))
        assert density[first_wijk["region_code"]] == float(first_wijk["Bevolkingsdichtheid_34"])

    def test_untouched_export_preferred(self):
        kwb = load_kwb()
        row = kwb[(kwb["region_code"] == "WK034401") & (kwb["year"] == 2024)
                  & (kwb["indicator"] == "AantalInwoners")]
        assert len(row) == 1 and row["quality"].iloc[0] == "cbs_raw"

    def test_buurten_present(self):
        kwb = load_kwb()
        buurt = kwb[kwb["region_type"] == "Buurt"]
        assert {2019, 2021, 2023, 2024} <= set(buurt["year"])

    def test_no_duplicates(self):
        kwb = load_kwb()
        assert not kwb.duplicated(["region_code", "year", "indicator"]).any()

    def test_names(self):
        names = region_names(load_kwb())
        assert names["WK036330"] == "Transvaalbuurt"

    def test_extra_download(self):
        extra = pd.DataFrame({
            "region_code": ["WK999901"], "region_type": ["Wijk"], "gemeente_code": ["GM9999"],
            "region_name": ["Test"], "year": [2024], "indicator": ["AantalInwoners"],
            "value": [123.0], "unit": ["aantal"], "quality": ["cbs_raw"], "source_file": ["x"]})
        kwb = load_kwb(extra=[extra])
        assert kwb.query("region_code == 'WK999901'")["value"].tolist() == [123.0]


def test_cache_is_in_a_temporary_folder_not_home():
    import os
    import tempfile

    assert os.environ["MKBA_CACHE"].startswith(tempfile.gettempdir())


@pytest.mark.slow
def test_cache_is_rebuilt_when_the_data_change(tmp_path):
    """A cached table is reused while the data are unchanged and never used once a data
    file changes (run in fresh processes, with a copy of the data and an own cache folder)."""
    import os
    import shutil
    import subprocess
    import sys

    from mkba.base.assumptions import DATA_DIR

    data, cache = tmp_path / "data", tmp_path / "cache"
    shutil.copytree(DATA_DIR, data)
    env = {**os.environ, "MKBA_DATA": str(data), "MKBA_CACHE": str(cache)}
    code = ("from mkba.evidence.cbs import load_kwb; k = load_kwb(); print(k.query(\"region_code == "
            "'WK036330' and year == 2019 and indicator == 'AantalInwoners'\")['value'].iloc[0])")

    def inhabitants() -> str:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=300, check=True)
        return done.stdout.strip()

    def cached() -> dict:
        return {p: p.stat().st_mtime_ns for p in cache.rglob("*") if p.is_file()}

    assert inhabitants() == "9250.0"  # CBS 84583NED, AantalInwoners_5
    first = cached()
    assert first, "the first run writes a cache"
    assert inhabitants() == "9250.0"
    assert cached() == first  # unchanged data: the cache is read, not rewritten
    source = data / "cbs" / "kwb_core_long.csv"  # the tidy table load_kwb reads first
    text = source.read_text(encoding="utf-8")
    row = "2019,84583NED,GM0363,Amsterdam,Wijk,WK036330,Transvaalbuurt,AantalInwoners,9250.0,9250,"
    assert text.count(row) == 1
    source.write_text(text.replace(row, row.replace("9250", "9999")), encoding="utf-8")
    assert inhabitants() == "9999.0"  # the stale cache is not used
