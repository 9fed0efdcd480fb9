"""Build the recorded CBS OData and PDOK responses the tests replay (run by hand; output committed).

    .venv/bin/python tests/data/cbs_api/build_recordings.py

What is real and what is not is written out in README.md next to this file. In short: the
response *shapes*, the table keys, titles and units are CBS's own (DataProperties of 85984NED,
the 2019 and 2021 keys from the OData exports in data/cbs/raw); the 2024 figures of the 8
variables in data/cbs/kwb_2024_85984NED_NL_gemeente_wijk_8vars.csv are CBS's figures for
Emmen; every other figure, the wijk names and the geometry are synthetic ("illustratief"),
drawn here with a fixed seed, because no real multi-year Emmen data are available offline.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
ROOT = HERE.parents[2]
CBS = ROOT / "data" / "cbs"
FEED = "https://opendata.cbs.nl/ODataFeed/odata"
GM = "GM0114"
TREATED = "WK011408"
#: Synthetic boundary change: WK011411 and WK011412 (2019, 2021) merged into WK011413 (2024).
MERGED = {"WK011411": 0.45, "WK011412": 0.55}
NEW_CODE = "WK011413"
#: The synthetic effect of the example task (start 2022) on Eenpersoonshuishoudens in 2024.
EFFECT = -60

rng = np.random.default_rng(12)


def stem(key: str) -> str:
    return re.sub(r"_\d+$", "", key)


def envelope(table: str, part: str, value: list, next_link: str | None = None) -> dict:
    out = {"odata.metadata": f"{FEED}/{table}/$metadata#Cbs.OData.WebAPI.{part}",
           "value": value}
    if next_link:
        out["odata.nextLink"] = next_link
    return out


def dump(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    # ------------------------------------------------------------------ DataProperties per year

    props_2024 = json.loads((HERE / "source_DataProperties_85984NED.json").read_text("utf-8"))
    by_stem_2024 = {stem(p["Key"]): p for p in props_2024 if p["Type"] == "Topic"}


    def props_from_keys(keys: list[str], units: dict[str, str], map_year: int) -> list[dict]:
        """DataProperties records for a year whose keys we know (from a real OData export).

        Title, Datatype and Unit: the 2024 record of the same stem when there is one (titles are
        stable); otherwise the unit parsed from the StatLine label. No topic groups: the export
        does not say them, so we do not invent them.
        """
        out = [{"odata.type": "Cbs.OData.GeoDetail", "ID": 0, "Position": 0, "ParentID": None,
                "Type": "GeoDetail", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten",
                "Description": "", "MapYear": map_year}]
        for i, key in enumerate(keys, start=1):
            ref = by_stem_2024.get(stem(key)) or by_stem_2024.get(
                {"GemiddeldeWoningwaarde": "GemiddeldeWOZWaardeVanWoningen",
                 "IndelingswijzigingWijkenEnBuurten": "IndelingswijzigingGemeenteWijkBuurt"}.get(
                    stem(key), ""))
            rec = {"odata.type": "Cbs.OData.Topic", "ID": i, "Position": i, "ParentID": None,
                   "Type": "Topic", "Key": key,
                   "Title": ref["Title"] if ref else stem(key)}
            if ref:
                rec["Datatype"] = ref["Datatype"]
            unit = (ref or {}).get("Unit") or units.get(key)
            if unit:
                rec["Unit"] = unit
            out.append(rec)
        return out


    with open(CBS / "meta" / "columns_84583NED_2019.csv", encoding="utf-8") as f:
        meta19 = list(csv.DictReader(f))
    keys_2019 = [r["odata_key"] for r in meta19 if r["odata_key"] != "WijkenEnBuurten"]
    units_2019 = {r["odata_key"]: r["unit_parsed_from_label"] for r in meta19}
    props_2019 = props_from_keys(keys_2019, units_2019, 2019)

    with open(CBS / "raw" / "utrecht_2021_subset__marginal_distributions_84583NED.csv",
              encoding="utf-8-sig") as f:
        header_2021 = next(csv.reader(f, delimiter=";"))
    keys_2021 = [k for k in header_2021 if k not in ("ID", "WijkenEnBuurten")]
    props_2021 = props_from_keys(keys_2021, {}, 2021)

    TABLES = {2019: ("84583NED", props_2019), 2021: ("85039NED", props_2021),
              2024: ("85984NED", props_2024)}

    # ------------------------------------------------------------------ figures

    with open(CBS / "kwb_2024_85984NED_NL_gemeente_wijk_8vars.csv", encoding="utf-8") as f:
        real = {r["region_code"]: r for r in csv.DictReader(f) if r["gemeente_code"] == GM}
    REAL_2024 = ["AantalInwoners_5", "Mannen_6", "Vrouwen_7", "Bevolkingsdichtheid_34",
                 "Woningvoorraad_35", "OppervlakteTotaal_122", "OppervlakteLand_123",
                 "OppervlakteWater_124"]
    wijken_2024 = sorted(c for c in real if c.startswith("WK"))
    wijken_old = sorted([c for c in wijken_2024 if c != NEW_CODE] + list(MERGED))


    def r5(x: float) -> int:
        return int(5 * round(x / 5))


    def real_value(code: str, key: str):
        v = real[code][key]
        return None if v == "" else float(v)


    # per-wijk synthetic parameters (illustratief)
    params = {}
    for code in sorted(set(wijken_2024) | set(MERGED)):
        base = (real_value(code, "AantalInwoners_5") if code in real
                else real_value(NEW_CODE, "AantalInwoners_5") * MERGED[code])
        params[code] = {
            "inh2024": base, "growth": rng.uniform(0.0, 0.012),
            "ages": rng.dirichlet([15, 11, 22, 28, 24]),
            "size": rng.uniform(2.0, 2.5), "single": rng.uniform(0.28, 0.45),
            "kids": rng.uniform(0.2, 0.35), "woz": rng.uniform(160, 300),
            "koop": rng.uniform(40, 80), "ink": rng.uniform(24, 34), "bijst": rng.uniform(0.01, 0.04),
            "trend_single": rng.normal(0, 8),
        }


    def figures(code: str, year: int) -> dict[str, float | None]:
        """Synthetic figures by stem for one wijk and year (2024 real where available)."""
        p = params[code]
        inh = p["inh2024"] * (1 - p["growth"] * (2024 - year))
        inh = r5(inh)
        hh = r5(inh / p["size"])
        single = r5(hh * p["single"] + p["trend_single"] * (year - 2019))
        if code == TREATED and year >= 2022:
            single += EFFECT
        out = {"AantalInwoners": inh, "Mannen": r5(inh * 0.5), "Vrouwen": inh - r5(inh * 0.5),
               "HuishoudensTotaal": hh, "Eenpersoonshuishoudens": single,
               "HuishoudensMetKinderen": r5(hh * p["kids"]),
               "HuishoudensZonderKinderen": max(hh - single - r5(hh * p["kids"]), 0),
               "GemiddeldeHuishoudensgrootte": round(inh / hh, 1) if hh else None,
               "GemiddeldeWOZWaardeVanWoningen": round(p["woz"] * (1 + 0.06 * (year - 2024))),
               "Koopwoningen": round(p["koop"]),
               "GemiddeldInkomenPerInwoner": round(p["ink"] * (1 + 0.03 * (year - 2024)), 1),
               "PersonenPerSoortUitkeringBijstand": r5(inh * p["bijst"])}
        ages = [r5(inh * a) for a in p["ages"]]
        for s, v in zip(["k_0Tot15Jaar", "k_15Tot25Jaar", "k_25Tot45Jaar", "k_45Tot65Jaar",
                         "k_65JaarOfOuder"], ages, strict=True):
            out[s] = v
        if inh < 50:  # CBS publishes no averages for tiny areas
            out["GemiddeldeHuishoudensgrootte"] = None
            out["GemiddeldeWOZWaardeVanWoningen"] = None
            out["GemiddeldInkomenPerInwoner"] = None
        return out


    def pad(text: str, n: int) -> str:
        return text.ljust(n)


    def row(table_props: list[dict], idx: int, code: str, kind: str, values: dict,
            flag: str | None) -> dict:
        rec = {"ID": idx, "WijkenEnBuurten": pad(code, 10)}
        for p in table_props:
            if p["Type"] != "Topic":
                continue
            key, s = p["Key"], stem(p["Key"])
            s = {"GemiddeldeWoningwaarde": "GemiddeldeWOZWaardeVanWoningen"}.get(s, s)
            if s == "Gemeentenaam":
                rec[key] = pad("Emmen", 40)
            elif s == "SoortRegio":
                rec[key] = pad(kind, 10)
            elif s == "Codering":
                rec[key] = pad(code, 10)
            elif s.startswith("Indelingswijziging"):
                rec[key] = flag
            else:
                rec[key] = values.get(s)
        return rec


    def wijk_names(codes) -> list[dict]:
        out = [{"Key": pad(GM, 10), "Title": "Emmen", "Description": None}]
        for c in codes:
            out.append({"Key": pad(c, 10), "Title": f"Wijk {c[-2:]} Emmen (illustratief)",
                        "Description": None})
        return out


    for year, (table, props) in TABLES.items():
        codes = wijken_2024 if year == 2024 else wijken_old
        rows = []
        gm_values: dict[str, float] = {}
        for i, code in enumerate(codes, start=1):
            vals = figures(code, year)
            if year == 2024:
                for key in REAL_2024:
                    vals[stem(key)] = real_value(code, key)
            for s, v in vals.items():
                if v is not None and s not in ("GemiddeldeHuishoudensgrootte",
                                               "GemiddeldeWOZWaardeVanWoningen", "Koopwoningen",
                                               "GemiddeldInkomenPerInwoner"):
                    gm_values[s] = gm_values.get(s, 0) + v
            flag = "3" if (year == 2024 and code == NEW_CODE) else "1"
            rows.append(row(props, 1000 + i, code, "Wijk", vals, flag))
        if year == 2024:
            for key in REAL_2024:
                gm_values[stem(key)] = real_value(GM, key)
        rows.insert(0, row(props, 1000, GM, "Gemeente", gm_values, None))
        # 2024 in two pages, as the feed pages its answers (odata.nextLink)
        base = f"{FEED}/{table}"
        if year == 2024:
            half = len(rows) // 2
            nxt = f"{base}/TypedDataSet?$format=json&$skip={half}"
            dump(HERE / table / "TypedDataSet.json", envelope(table, "TypedDataSet", rows[:half],
                                                               nxt))
            dump(HERE / table / "TypedDataSet_page2.json",
                 envelope(table, "TypedDataSet", rows[half:]))
        else:
            dump(HERE / table / "TypedDataSet.json", envelope(table, "TypedDataSet", rows))
        dump(HERE / table / "DataProperties.json", envelope(table, "DataProperties", props))
        dump(HERE / table / "WijkenEnBuurten.json",
             envelope(table, "WijkenEnBuurten", wijk_names(codes)))


    # ------------------------------------------------------------------ PDOK wijken (synthetic)

    def square(i: int) -> list:
        """A synthetic square of 2 km in RD New near Emmen (illustratief, not the real shape)."""
        x0, y0 = 250000 + 2000 * (i % 6), 530000 + 2000 * (i // 6)
        return [[[x0, y0], [x0 + 2000, y0], [x0 + 2000, y0 + 2000], [x0, y0 + 2000], [x0, y0]]]


    features = []
    for i, code in enumerate(wijken_2024):
        features.append({"type": "Feature", "id": i + 1,
                         "geometry": {"type": "Polygon", "coordinates": square(i)},
                         "properties": {"wijkcode": code, "wijknaam":
                                        f"Wijk {code[-2:]} Emmen (illustratief)",
                                        "gemeentecode": GM, "gemeentenaam": "Emmen"}})
    half = len(features) // 2
    pdok = "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1/collections/wijken/items"
    page1 = {"type": "FeatureCollection", "numberReturned": half, "features": features[:half],
             "links": [{"rel": "next", "type": "application/geo+json", "title": "Next page",
                        "href": f"{pdok}?f=json&cursor=page2"}]}
    page2 = {"type": "FeatureCollection", "numberReturned": len(features) - half,
             "features": features[half:], "links": []}
    dump(HERE / "pdok" / "wijken_2024_page1.json", page1)
    dump(HERE / "pdok" / "wijken_2024_page2.json", page2)
    flags_2020()
    cpi()
    print("geschreven:", sorted(str(p.relative_to(HERE)) for p in HERE.rglob("*.json")))


def flags_2020() -> None:
    """84799NED (2020), constructed for issue 22 item 3: only the region dimension and the
    indeling flag (the 2019 key and title), flag 3 for WK011411, 1 for the other wijken. Not a
    CBS answer; 2020's real keys are not available offline."""
    table = "84799NED"
    props = load_json(HERE / "84583NED" / "DataProperties.json")["value"]
    keep = [p for p in props if p["Key"] in ("WijkenEnBuurten",
                                             "IndelingswijzigingWijkenEnBuurten_4")]
    rows = []
    for r in load_json(HERE / "84583NED" / "TypedDataSet.json")["value"]:
        code = r["WijkenEnBuurten"]
        flag = None if code.startswith("GM") else "3" if code.strip() == "WK011411" else "1"
        rows.append({"ID": r["ID"], "WijkenEnBuurten": code,
                     "IndelingswijzigingWijkenEnBuurten_4": flag})
    names = load_json(HERE / "84583NED" / "WijkenEnBuurten.json")["value"]
    dump(HERE / table / "DataProperties.json", envelope(table, "DataProperties", keep))
    dump(HERE / table / "TypedDataSet.json", envelope(table, "TypedDataSet", rows))
    dump(HERE / table / "WijkenEnBuurten.json", envelope(table, "WijkenEnBuurten", names))


def cpi() -> None:
    """83131NED (CPI), constructed for issue 22 item 4: the answer's shape (dimension keys,
    ``YYYYJJ00``, ``T001112``, ``CPI_1`` as in public code that reads this table) with CBS's
    figures as mkba ships them (published 1996–2019, 2020–2024 extended by the published yearly
    changes, rounded to 2 decimals) and a **made-up 2025** (2024 × 1,033) so that a refresh adds
    a year. Two monthly rows (999) that the client must skip."""
    import pandas as pd

    table = "83131NED"
    props = [
        {"odata.type": "Cbs.OData.Dimension", "ID": 0, "Position": 0, "ParentID": None,
         "Type": "Dimension", "Key": "Bestedingscategorieen", "Title": "Bestedingscategorieën",
         "Description": ""},
        {"odata.type": "Cbs.OData.TimeDimension", "ID": 1, "Position": 1, "ParentID": None,
         "Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden", "Description": ""},
        {"odata.type": "Cbs.OData.Topic", "ID": 2, "Position": 2, "ParentID": None,
         "Type": "Topic", "Key": "CPI_1", "Title": "CPI", "Description": "",
         "Datatype": "Double", "Unit": "2015=100", "Decimals": 2},
        {"odata.type": "Cbs.OData.Topic", "ID": 3, "Position": 3, "ParentID": None,
         "Type": "Topic", "Key": "JaarmutatieCPI_5", "Title": "Jaarmutatie CPI",
         "Description": "", "Datatype": "Double", "Unit": "%", "Decimals": 1},
    ]
    index = pd.read_csv(CBS / "cpi_83131NED_yearly_2015eq100.csv")
    changes = pd.read_csv(ROOT / "data" / "kengetallen" / "cpi_jaarmutatie_83131NED_2012_2024.csv")
    values = dict(zip(index["year"], index["CPI_2015eq100"], strict=True))
    for r in changes.sort_values("jaar_tot").itertuples():
        if r.jaar_tot not in values:
            values[r.jaar_tot] = round(values[r.jaar_van] * (1 + r.jaarmutatie_cpi_pct / 100), 2)
    values[2025] = round(values[2024] * 1.033, 2)  # made up
    rows = [{"ID": i, "Bestedingscategorieen": "T001112  ", "Perioden": f"{y}JJ00",
             "CPI_1": float(values[y]), "JaarmutatieCPI_5": None}
            for i, y in enumerate(sorted(values))]
    for month in ("2025MM11", "2025MM12"):
        rows.append({"ID": len(rows), "Bestedingscategorieen": "T001112  ", "Perioden": month,
                     "CPI_1": 999.0, "JaarmutatieCPI_5": None})
    rows.append({"ID": len(rows), "Bestedingscategorieen": "CPI011000", "Perioden": "2024JJ00",
                 "CPI_1": 555.0, "JaarmutatieCPI_5": None})
    dump(HERE / table / "DataProperties.json", envelope(table, "DataProperties", props))
    dump(HERE / table / "TypedDataSet.json", envelope(table, "TypedDataSet", rows))


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
