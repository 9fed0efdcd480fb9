"""CBS "Kerncijfers wijken en buurten" (KWB) as one tidy long table.

Columns of every table this module returns::

    region_code | region_type | gemeente_code | region_name | year | indicator | value | unit
    | quality | source_file

``indicator`` is the harmonised CBS OData key *stem* (the key without its yearly ``_NN``
suffix, e.g. ``AantalInwoners``); ``value`` is a float and NaN when CBS publishes ``.``
(secret, not applicable, not yet available) — missing stays missing, never 0.

:func:`load_kwb` returns the shipped data (``data/cbs``: Amsterdam and Utrecht 2017–2024 at
gemeente, wijk and buurt level, all of the Netherlands for 2024 at gemeente and wijk level with
8 variables). :func:`read_kwb` reads a user's own download in the formats CBS hands out:

- the OData "TypedDataSet" CSV: ``;``, every field quoted, UTF-8 BOM, codes space-padded to 10
  characters, ``.`` for missing, keys such as ``AantalInwoners_5``;
- the ``kwb-YYYY.xlsx`` workbook with short codes (``a_inw``, ``g_wozbag``), mapped to stems
  with CBS's "Toelichting variabelen" (``data/cbs/meta/columns_kwb_xlsx_2023_2024.csv``).

Provenance of every shipped file: ``data/cbs/README.md``.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from mkba.base.assumptions import DATA_DIR, fetched_dir
from mkba.base.cache import read_frame, write_frame
from mkba.base.cells import restore_frame
from mkba.base.errors import CaseError, Problem

__all__ = ["load_kwb", "read_kwb", "region_names", "indicator_labels", "panel", "TABLE_YEARS",
           "COLUMNS", "FETCHED_COLUMNS", "read_fetched", "is_count", "AVERAGES_IN_AANTAL"]

CBS_DIR = DATA_DIR / "cbs"
COLUMNS = ["region_code", "region_type", "gemeente_code", "region_name", "year", "indicator",
           "value", "unit", "quality", "source_file"]

#: Columns of a file written by ``mkba cbs ophalen``: the long format plus provenance.
FETCHED_COLUMNS = [*COLUMNS, "label", "original_key", "cbs_table", "indelingswijziging",
                   "downloaded_at", "query"]
#: CBS gives these the unit "aantal" but they are averages, not counts of people.
AVERAGES_IN_AANTAL = ("GemiddeldeHuishoudensgrootte", "ScholenBinnen3Km")
#: KWB table id → reference year, for the tables named in data/cbs/README.md.
TABLE_YEARS = {"83220NED": 2015, "83765NED": 2017, "84583NED": 2019, "84799NED": 2020,
               "85039NED": 2021, "85618NED": 2023, "85984NED": 2024}
#: The 2019 key GemiddeldeWoningwaarde is the later GemiddeldeWOZWaardeVanWoningen.
STEM_ALIASES = {"GemiddeldeWoningwaarde": "GemiddeldeWOZWaardeVanWoningen"}
_ODATA_META = {"ID", "WijkenEnBuurten", "Gemeentenaam", "SoortRegio", "Codering",
               "IndelingswijzigingWijkenEnBuurten", "MeestVoorkomendePostcode",
               "Dekkingspercentage"}
_XLSX_META = {"gwb_code_10", "gwb_code_8", "regio", "gm_naam", "recs", "gwb_code", "ind_wbi",
              "pst_mvp", "pst_dekp"}
_TYPES = {"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt", "NL": "Land"}
#: Preference when two sources give the same figure (first wins).
QUALITY_ORDER = ["cbs_raw", "cbs_raw_subset", "cbs_values_json", "cbs_values_r_reexported",
                 "thirdparty_renamed"]


def is_count(unit, indicator: str = "") -> bool:
    """Whether an indicator is a count of people or households (unit ``aantal``, not one of
    :data:`AVERAGES_IN_AANTAL`): counts are summed over regions, the rest weighted.

    Parameters
    ----------
    unit : str
        The indicator's unit.
    indicator : str, optional
        The indicator's key (some averages have unit ``aantal``).

    Returns
    -------
    bool
        Whether it is a count.

    Examples
    --------
    >>> is_count("aantal", "AantalInwoners"), is_count("aantal", "GemiddeldeHuishoudensgrootte")
    (True, False)
    """
    return (isinstance(unit, str) and unit.strip() == "aantal"
            and indicator not in AVERAGES_IN_AANTAL)


def key_stem(key: str) -> str:
    stem = re.sub(r"_\d+$", "", key.strip())
    return STEM_ALIASES.get(stem, stem)


def region_types(codes: pd.Series) -> pd.Series:
    return codes.str[:2].map(_TYPES)


def gemeente_codes(codes: pd.Series) -> pd.Series:
    digits = codes.str[2:6]
    return ("GM" + digits).where(codes.str[:2] != "NL")


def cbs_numbers(values: pd.Series) -> pd.Series:
    """CBS cells to floats: '.' and '' are missing; a decimal comma is read as a point."""
    text = values.astype("str").str.strip()
    text = text.where(~text.isin([".", "", "nan", "None", "x", "-"]))
    text = text.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
    return pd.to_numeric(text, errors="coerce")


@lru_cache(maxsize=1)
def _units() -> dict[str, str]:
    """Unit per stem: CBS 85984NED DataProperties (2024), then the 2019 labels."""
    units: dict[str, str] = {}
    meta = CBS_DIR / "meta"
    p2019 = pd.read_csv(meta / "columns_84583NED_2019.csv")
    for key, unit in zip(p2019["odata_key"], p2019["unit_parsed_from_label"], strict=True):
        if isinstance(unit, str):
            units[key_stem(key)] = unit
    p2024 = pd.read_csv(meta / "columns_85984NED_2024_DataProperties.csv")
    for key, unit in zip(p2024["Key"], p2024["Unit"], strict=True):
        if isinstance(key, str) and isinstance(unit, str):
            units[key_stem(key)] = unit
    xl = pd.read_csv(meta / "columns_kwb_xlsx_2023_2024.csv")
    for stem, unit in zip(xl["harmonised_stem"], xl["unit"], strict=True):
        if isinstance(stem, str) and isinstance(unit, str):
            units.setdefault(stem, unit)
    return units


def _year_from(path: Path, year: int | None) -> int:
    if year is not None:
        return int(year)
    for table, y in TABLE_YEARS.items():
        if table in path.name:
            return y
    match = re.search(r"kwb[-_](\d{4})", path.name, flags=re.IGNORECASE)
    if match:
        return int(match.group(1))
    raise CaseError([Problem(path.name, None, None,
                             "jaar onbekend: geef year= op (of een tabelcode zoals 84583NED "
                             "of 'kwb-2023' in de bestandsnaam)")])


def _finish(wide: pd.DataFrame, codes: pd.Series, names, year: int, stems: dict[str, str],
            quality: str, source: str) -> pd.DataFrame:
    """Melt a wide table (one column per indicator) to the long format."""
    values = {stem: cbs_numbers(wide[col]) for col, stem in stems.items()}
    block = pd.DataFrame(values)
    block.insert(0, "region_code", codes.to_numpy())
    long = block.melt(id_vars="region_code", var_name="indicator", value_name="value")
    units = _units()
    long["unit"] = long["indicator"].map(units)
    long["region_type"] = region_types(long["region_code"])
    long["gemeente_code"] = gemeente_codes(long["region_code"])
    name_map = dict(zip(codes, names, strict=True)) if names is not None else {}
    long["region_name"] = long["region_code"].map(name_map)
    long["year"] = year
    long["quality"] = quality
    long["source_file"] = source
    return long[COLUMNS]


def read_odata_csv(path, year: int | None = None, quality: str = "cbs_raw") -> pd.DataFrame:
    """Read a CBS OData TypedDataSet CSV (``;``, BOM, padded codes, ``.`` = missing)."""
    path = Path(path)
    raw = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    raw.columns = [c.strip() for c in raw.columns]
    if "WijkenEnBuurten" not in raw:
        raise CaseError([Problem(path.name, 1, "WijkenEnBuurten",
                                 "geen CBS OData-bestand: kolom WijkenEnBuurten ontbreekt")])
    codes = raw["WijkenEnBuurten"].str.strip()
    stems = {c: key_stem(c) for c in raw.columns if key_stem(c) not in _ODATA_META}
    return _finish(raw, codes, None, _year_from(path, year), stems, quality, path.name)


def read_kwb_xlsx(path, year: int | None = None, quality: str = "cbs_raw") -> pd.DataFrame:
    """Read a CBS ``kwb-YYYY.xlsx`` workbook with short codes (``a_inw``, ...)."""
    path = Path(path)
    raw = pd.read_excel(path, sheet_name=0, dtype=object)
    mapping = pd.read_csv(CBS_DIR / "meta" / "columns_kwb_xlsx_2023_2024.csv")
    to_stem = {k: s for k, s in zip(mapping["kwb_code"], mapping["harmonised_stem"], strict=True)
               if isinstance(s, str)}
    if "gwb_code_10" not in raw:
        raise CaseError([Problem(path.name, 1, "gwb_code_10",
                                 "geen CBS kwb-werkmap: kolom gwb_code_10 ontbreekt")])
    codes = raw["gwb_code_10"].astype(str).str.strip()
    stems = {c: to_stem.get(c, c) for c in raw.columns if c not in _XLSX_META}
    return _finish(raw, codes, raw.get("regio"), _year_from(path, year), stems, quality,
                   path.name)


def read_kwb(path, year: int | None = None) -> pd.DataFrame:
    """Read a user's own CBS KWB download (OData CSV or kwb xlsx) into the long format.

    Parameters
    ----------
    path : str or Path
    year : int, optional
        Reference year; inferred from a table id (``84583NED``) or ``kwb-2023`` in the
        file name when left out.

    Returns
    -------
    pandas.DataFrame
        The long table, as :func:`load_kwb` gives it.

    Examples
    --------
    >>> df = read_kwb(CBS_DIR / "raw" / "utrecht_2023__CBS-Utrecht-kwb-2023.xlsx", year=2023)
    >>> # the same figure as in data/cbs/kwb_2023_85618NED_utrecht_kwbxlsx.csv (a_inw)
    >>> int(df.query("region_code == 'GM0344' and indicator == 'AantalInwoners'")["value"].iloc[0])
    367947
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xls"):
        return read_kwb_xlsx(path, year)
    return read_odata_csv(path, year)


def _core_long() -> pd.DataFrame:
    df = pd.read_csv(CBS_DIR / "kwb_core_long.csv", dtype={"value_raw": str})
    df = df[df["region_type"] != "Land"]
    df["indicator"] = df["indicator"].map(lambda s: STEM_ALIASES.get(s, s))
    return df[COLUMNS]


def _nl_2024() -> pd.DataFrame:
    path = CBS_DIR / "kwb_2024_85984NED_NL_gemeente_wijk_8vars.csv"
    wide = pd.read_csv(path, dtype={"region_code": str})
    stems = {c: key_stem(c) for c in wide.columns if re.search(r"_\d+$", c)}
    return _finish(wide, wide["region_code"], None, 2024, stems, "cbs_values_json", path.name)


def _buurten() -> pd.DataFrame:
    raw = CBS_DIR / "raw"
    parts = [
        read_odata_csv(raw / "amsterdam_2019_84583NED__marginal_distributions_84583NED.csv", 2019),
        read_odata_csv(raw / "utrecht_2019_subset__marginal_distributions_84583NED.csv", 2019,
                       quality="cbs_raw_subset"),
        read_odata_csv(raw / "utrecht_2021_subset__marginal_distributions_84583NED.csv", 2021,
                       quality="cbs_raw_subset"),
        read_kwb_xlsx(raw / "utrecht_2023__CBS-Utrecht-kwb-2023.xlsx", 2023),
        read_kwb_xlsx(raw / "utrecht_2024__CBS-Utrecht-kwb-2024.xlsx", 2024),
    ]
    df = pd.concat(parts, ignore_index=True)
    return df[df["region_type"] == "Buurt"]


def _cache_key() -> str:
    """Key of the cached combined table: this module's code, the data files, pandas' version."""
    h = hashlib.sha256(Path(__file__).read_bytes())
    for f in sorted(CBS_DIR.rglob("*.*")):
        st = f.stat()
        h.update(f"{f.relative_to(CBS_DIR)}:{st.st_size}:{st.st_mtime_ns}".encode())
    h.update(pd.__version__.encode())
    return h.hexdigest()[:16]


#: Columns and types of the combined table; a cache file that differs is rebuilt.
SHIPPED_SCHEMA = {"region_code": "str", "region_type": "str", "gemeente_code": "str",
                  "region_name": "object", "year": "int64", "indicator": "str",
                  "value": "float64", "unit": "str", "quality": "str", "source_file": "str"}


@lru_cache(maxsize=1)
def _load_shipped() -> pd.DataFrame:
    """The combined shipped table, from the safe cache (:mod:`mkba.base.cache`) or built from the
    files (and then cached)."""
    key = _cache_key()
    df = read_frame("kwb", key, SHIPPED_SCHEMA)
    if df is None:
        df = _build_shipped()
        write_frame("kwb", key, df)
    return df


def _build_shipped() -> pd.DataFrame:
    df = pd.concat([_core_long(), _nl_2024(), _buurten()], ignore_index=True)
    rank = df["quality"].map({q: i for i, q in enumerate(QUALITY_ORDER)}).fillna(99)
    df = (df.assign(_rank=rank).sort_values(["_rank"], kind="stable")
          .drop_duplicates(["region_code", "year", "indicator"], keep="first")
          .drop(columns="_rank"))
    df = df.sort_values(["region_code", "indicator", "year"], kind="stable")
    return df.reset_index(drop=True)


def read_fetched(folder=None, gemeente_code: str | None = None) -> pd.DataFrame:
    """Every file ``mkba cbs ophalen`` wrote in ``folder`` (default
    :func:`mkba.base.assumptions.fetched_dir`), as one long table (:data:`FETCHED_COLUMNS`).

    Text cells were neutralised against formula injection when written
    (:mod:`mkba.base.cells`); they are restored here.

    Parameters
    ----------
    folder : str or pathlib.Path, optional
        The folder; by default :func:`mkba.base.assumptions.fetched_dir`.
    gemeente_code : str, optional
        Only the files of this gemeente.

    Returns
    -------
    pandas.DataFrame
        One row per figure.

    Examples
    --------
    >>> import tempfile
    >>> read_fetched(tempfile.mkdtemp()).columns.tolist() == FETCHED_COLUMNS
    True
    """
    folder = Path(folder) if folder is not None else fetched_dir()
    pattern = f"kwb_{gemeente_code}_*.csv*" if gemeente_code else "kwb_*.csv*"
    files = sorted(folder.glob(pattern)) if folder.is_dir() else []
    if not files:
        return pd.DataFrame(columns=FETCHED_COLUMNS)
    types = {"region_code": str, "indelingswijziging": str, "region_name": str,
             "gemeente_code": str}
    parts = [pd.read_csv(f, compression="gzip" if f.suffix == ".gz" else None, dtype=types)
             for f in files]
    return restore_frame(pd.concat(parts, ignore_index=True))


def _fetched_stamp() -> tuple:
    folder = fetched_dir()
    if not folder.is_dir():
        return ()
    return (str(folder), *((f.name, f.stat().st_size, f.stat().st_mtime_ns)
                           for f in sorted(folder.glob("kwb_*.csv*"))))


@lru_cache(maxsize=2)
def _with_fetched(stamp: tuple) -> pd.DataFrame:
    """The shipped table with the files of ``mkba cbs ophalen`` in front (they win): one
    combined table per state of the folder, so repeated calls cost a copy, not a merge."""
    df = _load_shipped()
    if len(stamp) < 2:
        return df
    fetched = read_fetched(stamp[0])[COLUMNS]
    return pd.concat([fetched, df], ignore_index=True).drop_duplicates(
        ["region_code", "year", "indicator"], keep="first").reset_index(drop=True)


def load_kwb(extra=()) -> pd.DataFrame:
    """The shipped CBS figures as one tidy long table, plus fetched and ``extra`` downloads.

    Figures fetched with ``mkba cbs ophalen`` (folder :func:`mkba.base.assumptions.fetched_dir`)
    are added automatically and win over the shipped files (they are the latest CBS
    release); ``extra`` wins over both.

    When two sources give a figure for the same region, year and indicator, the better one
    is kept (untouched CBS exports first, third-party renamed files last; see
    :data:`QUALITY_ORDER`).

    Parameters
    ----------
    extra : iterable of path, default ()
        The user's own downloads (read with :func:`read_kwb`).

    Returns
    -------
    pandas.DataFrame
        The long table (``region_code``, ``year``, ``indicator``, ``value``, ...).

    Examples
    --------
    >>> kwb = load_kwb()
    >>> sorted(kwb["region_type"].unique())
    ['Buurt', 'Gemeente', 'Wijk']
    >>> q = "region_code == 'WK036330' and year == 2019 and indicator == 'AantalInwoners'"
    >>> kwb.query(q)["value"].tolist()  # CBS 84583NED, AantalInwoners_5
    [9250.0]
    """
    df = _with_fetched(_fetched_stamp())  # plus what `mkba cbs ophalen` wrote (wins)
    if extra:
        more = [read_kwb(p) if not isinstance(p, pd.DataFrame) else p for p in extra]
        df = pd.concat([*more, df], ignore_index=True).drop_duplicates(
            ["region_code", "year", "indicator"], keep="first")
    return df.copy()


def region_names(kwb: pd.DataFrame) -> pd.Series:
    """The most recent known name of every region code (codes without a name are absent).

    Parameters
    ----------
    kwb : pandas.DataFrame
        The long table (:func:`load_kwb`).

    Returns
    -------
    pandas.Series
        Name by region code.

    Examples
    --------
    >>> region_names(load_kwb())["WK036330"]
    'Transvaalbuurt'
    """
    named = kwb.dropna(subset=["region_name"]).sort_values("year")
    return named.drop_duplicates("region_code", keep="last").set_index("region_code")[
        "region_name"]


def panel(kwb: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """One indicator as a wide panel: regions as rows, years as columns (NaN = missing).

    Parameters
    ----------
    kwb : pandas.DataFrame
        The long table (:func:`load_kwb`).
    indicator : str
        The indicator.

    Returns
    -------
    pandas.DataFrame
        Regions × years.

    Examples
    --------
    >>> p = panel(load_kwb(), "AantalInwoners")
    >>> p.loc["WK036330"].dropna().astype(int).to_dict()
    {2017: 9410, 2019: 9250, 2020: 9230, 2021: 9100}
    """
    sub = kwb[kwb["indicator"] == indicator]
    if sub.empty:
        return pd.DataFrame(dtype=float)
    return sub.pivot_table(index="region_code", columns="year", values="value",
                           aggfunc="first", dropna=False).astype(float)


@lru_cache(maxsize=1)
def indicator_labels() -> dict[str, str]:
    """Dutch title of every indicator stem (CBS 85984NED titles, else the 2019/2023 labels).

    Examples
    --------
    >>> indicator_labels()["AantalInwoners"]
    'Aantal inwoners'
    """
    meta = CBS_DIR / "meta"
    labels: dict[str, str] = {}
    p2017 = pd.read_csv(meta / "columns_83765NED_2017_labels.csv")
    for label, stem in zip(p2017["statline_label_as_in_source"], p2017["harmonised_stem"],
                           strict=True):
        if isinstance(stem, str):
            # R-mangled "Criminaliteit.Totaal.diefstal...per.1.000.inwoners." → middle part
            parts = [p for p in re.split(r"\.{2,}", label) if p]
            text = parts[0].split(".", 1)[-1] if parts else label
            labels[stem] = text.replace(".", " ").strip().capitalize()
    xl = pd.read_csv(meta / "columns_kwb_xlsx_2023_2024.csv")
    for stem, title in zip(xl["harmonised_stem"], xl["title_cbs_toelichting_2023"], strict=True):
        if isinstance(stem, str) and isinstance(title, str):
            labels[stem] = title
    p2024 = pd.read_csv(meta / "columns_85984NED_2024_DataProperties.csv")
    for key, title in zip(p2024["Key"], p2024["Title"], strict=True):
        if isinstance(key, str) and isinstance(title, str):
            labels[key_stem(key)] = title
    return {k: v.replace("\u00a0", " ").strip() for k, v in labels.items()}
