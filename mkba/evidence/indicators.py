"""Wijk profiles from CBS key figures and small-number suppression (targets and their
attainment: :mod:`mkba.evidence.targets`).

Rates: counts of persons are shown per 1,000 inhabitants, counts of households (one-person,
with and without children) as a share of all households. Figures that CBS already publishes
as a percentage, average or rate are compared as they are.

Small numbers: a count below the threshold (default 10) and every rate computed from it are
suppressed — set to missing with ``suppressed = True`` — before any table, JSON or figure is
made, as statistical offices do. A survey result in ``metingen`` with ``n`` below the threshold
is suppressed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD
from mkba.base.errors import CaseError
from mkba.base.formatting import fmt_number
from mkba.base.prices import cpi_series
from mkba.evidence.cbs import AVERAGES_IN_AANTAL, indicator_labels, is_count, load_kwb, region_names

__all__ = ["WijkProfile", "wijk_profile", "profile_year", "similar_regions",
           "indicator_series", "MunicipalityOverview", "municipality_overview",
           "SMALL_NUMBER_THRESHOLD", "suppress_small", "is_count_measure"]

HOUSEHOLD_COUNTS = ("Eenpersoonshuishoudens", "HuishoudensZonderKinderen",
                    "HuishoudensMetKinderen")
BASES = ("AantalInwoners", "HuishoudensTotaal")
EURO_UNITS = ("x 1 000 euro",)
#: Profile features for similarity (used when present in the year compared).
SIMILARITY_FEATURES = ("AantalInwoners", "Bevolkingsdichtheid", "GemiddeldeHuishoudensgrootte",
                       "k_65JaarOfOuder", "k_0Tot15Jaar", "Eenpersoonshuishoudens",
                       "GemiddeldeWOZWaardeVanWoningen", "GemiddeldInkomenPerInwoner",
                       "Koopwoningen", "PersonenPerSoortUitkeringBijstand", "Woningvoorraad")
_LOG_FEATURES = ("AantalInwoners", "Bevolkingsdichtheid", "Woningvoorraad")


# AVERAGES_IN_AANTAL and is_count live in mkba.evidence.cbs (the fetch needs them without
# statsmodels); imported above and used here.


def is_count_measure(unit) -> bool:
    """Whether an own measurement (``metingen``) is a count of persons or households: its
    ``eenheid`` is ``aantal`` or starts with ``aantal`` (``aantal deelnemers``), without a
    ``per`` (a rate). Such values are suppressed below the small-number threshold, like CBS
    counts; a share carries its count in the column ``n`` instead.

    Parameters
    ----------
    unit : str or None
        The ``eenheid`` of the measurement.

    Returns
    -------
    bool
        Whether it is a count.

    Examples
    --------
    >>> [is_count_measure(u) for u in ("aantal", "aantal deelnemers", "aantal per km²", "%",
    ...                                None)]
    [True, True, False, False, False]
    """
    if not isinstance(unit, str):
        return False
    text = unit.strip().lower()
    return (text == "aantal" or text.startswith("aantal ")) and " per " not in f" {text} "


def suppress_small(values: pd.Series, threshold: int = SMALL_NUMBER_THRESHOLD) -> pd.Series:
    """True where a count is below the threshold (missing values are not flagged).

    Parameters
    ----------
    values : pandas.Series
        Counts.
    threshold : int, default 10
        The small-number threshold.

    Returns
    -------
    pandas.Series of bool
        Which values to suppress.

    Examples
    --------
    >>> suppress_small(pd.Series([3.0, 10.0, None])).tolist()
    [True, False, False]
    """
    return values.notna() & (values < threshold)


def _year_table(kwb: pd.DataFrame, year: int) -> pd.DataFrame:
    """Regions × indicators for one year, with rates and suppression applied."""
    sub = kwb[kwb["year"] == year]
    values = sub.pivot_table(index="region_code", columns="indicator", values="value",
                             aggfunc="first")
    return values


def comparable_measures(values: pd.DataFrame, units: dict[str, str], threshold: int):
    """The comparable measure of each indicator: a rate for counts, else the value itself.

    Returns (measure, measure_unit, suppressed) with the shape of ``values``.
    """
    measure = values.copy()
    suppressed = pd.DataFrame(False, index=values.index, columns=values.columns)
    measure_unit = {}
    inhabitants = values.get("AantalInwoners")
    households = values.get("HuishoudensTotaal")
    for col in values.columns:
        unit = units.get(col)
        if not is_count(unit, col):
            measure_unit[col] = unit
            continue
        small = suppress_small(values[col], threshold)
        suppressed[col] = small
        if col in BASES:
            measure_unit[col] = "aantal"
        elif col in HOUSEHOLD_COUNTS and households is not None:
            measure[col] = 100 * values[col] / households.where(households >= threshold)
            measure_unit[col] = "% van de huishoudens"
        elif inhabitants is not None:
            measure[col] = 1000 * values[col] / inhabitants.where(inhabitants >= threshold)
            measure_unit[col] = "per 1.000 inwoners"
        measure[col] = measure[col].where(~small)
    return measure, measure_unit, suppressed


def _feature_matrix(values: pd.DataFrame, features) -> pd.DataFrame:
    cols = [f for f in features if f in values.columns]
    x = values[cols].astype(float).copy()
    for f in cols:
        if f in _LOG_FEATURES:
            x[f] = np.log1p(x[f].clip(lower=0))
        elif f not in ("Bevolkingsdichtheid", "GemiddeldeHuishoudensgrootte",
                       "GemiddeldeWOZWaardeVanWoningen", "GemiddeldInkomenPerInwoner",
                       "Koopwoningen") and "AantalInwoners" in values:
            x[f] = x[f] / values["AantalInwoners"].where(values["AantalInwoners"] > 0)
    return x


def similar_regions(values: pd.DataFrame, region_code: str, n: int = 5,
                    features=SIMILARITY_FEATURES, exclude=(), coverage: float = 0.8
                    ) -> pd.Series:
    """The ``n`` regions most like ``region_code``, by standardised Euclidean distance.

    Parameters
    ----------
    values : DataFrame
        Regions × features (one year).
    region_code : str
        The region to compare.
    n : int, default 5
        How many similar regions.
    features : sequence of str
        Candidate features; persons and household counts are taken as shares of the
        inhabitants, size-like figures on a log scale, and each feature is standardised
        (z-score over the candidates).
    exclude : iterable of str
        Regions that may not be chosen (e.g. wijken with a task of their own).
    coverage : float
        A feature is used only if at least this share of candidates has it; candidates
        missing a used feature are left out.

    Returns
    -------
    Series
        Distance per chosen region, nearest first.

    Notes
    -----
    Same region type only (wijk with wijk, buurt with buurt). The method is deliberately
    simple and transparent: nearest neighbours on a few standardised profile features.

    Examples
    --------
    >>> from mkba.evidence.cbs import load_kwb
    >>> kwb = load_kwb()
    >>> values = kwb[kwb["year"] == 2019].pivot_table(index="region_code", columns="indicator",
    ...                                               values="value")
    >>> near = similar_regions(values, "WK036330", n=3)
    >>> len(near), bool(near.is_monotonic_increasing), "WK036330" in near.index
    (3, True, False)
    """
    prefix = region_code[:2]
    candidates = values[values.index.str[:2] == prefix]
    x = _feature_matrix(candidates, features)
    if region_code not in x.index:
        raise CaseError(f"{region_code}: geen CBS-cijfers voor dit jaar")
    target = x.loc[region_code]
    usable = [f for f in x.columns if pd.notna(target[f]) and x[f].notna().mean() >= coverage]
    if not usable:
        return pd.Series(dtype=float)
    pool = x[usable].dropna()
    pool = pool[~pool.index.isin(set(exclude) | {region_code})]
    sd = x[usable].std(ddof=0).replace(0, np.nan)
    z = ((pool - target[usable]) / sd).fillna(0.0)
    distance = np.sqrt((z ** 2).sum(axis=1))
    return distance.sort_values().head(n)


@dataclass(frozen=True)
class WijkProfile:
    """The key figures of one wijk or buurt in one year, compared.

    ``table`` has one row per indicator: value, measure (rate or the value itself), the same
    measure for the gemeente and for the similar regions, the change since ``compare_year``,
    euro amounts in prices of ``price_year``, and ``suppressed``.

    Parameters
    ----------
    region_code : str
        The wijk or buurt.
    name : str or None
        Its name (CBS).
    gemeente_code : str
        Its gemeente.
    year : int
        The year shown.
    compare_year : int or None
        The year of the change column.
    price_year : int
        Price year of the euro amounts.
    threshold : int
        The small-number threshold used.
    similar : tuple of str
        The similar regions compared with.
    table : pandas.DataFrame
        One row per indicator.

    Examples
    --------
    >>> p = wijk_profile("WK036330")
    >>> p
    <WijkProfile WK036330 Transvaalbuurt 2019: 86 indicatoren>
    >>> len(p.similar)
    5
    """

    region_code: str
    name: str | None
    gemeente_code: str
    year: int
    compare_year: int | None
    price_year: int
    threshold: int
    similar: tuple[str, ...]
    table: pd.DataFrame = field(repr=False)

    def __repr__(self) -> str:
        return (f"<WijkProfile {self.region_code} {self.name or ''} {self.year}: "
                f"{len(self.table)} indicatoren>")

    def summary(self, indicators=None) -> pd.DataFrame:
        """Dutch, formatted table; a suppressed figure shows as ``< 10`` (never the number).

        ``indicators`` limits and orders the rows (default: every indicator)."""
        t = self.table
        if indicators is not None:
            order = {ind: i for i, ind in enumerate(indicators)}
            t = t[t["indicator"].isin(order)].sort_values("indicator", key=lambda c: c.map(order))

        def show(v, unit, suppressed=False, indicator=""):
            if suppressed:
                return f"< {self.threshold}"
            whole = unit == "aantal" and indicator not in AVERAGES_IN_AANTAL
            decimals = 0 if whole or (pd.notna(v) and abs(v) >= 100) else 1
            return fmt_number(v, decimals)

        return pd.DataFrame({
            "indicator": t["label"],
            "eenheid": t["measure_unit"].fillna(""),
            str(self.year): [show(v, u, s, i) for v, u, s, i in
                             zip(t["measure"], t["measure_unit"], t["suppressed"], t["indicator"],
                                 strict=True)],
            "gemeente": [show(v, u, False, i) for v, u, i in
                         zip(t["gemeente"], t["measure_unit"], t["indicator"], strict=True)],
            "vergelijkbare wijken": [show(v, u, False, i) for v, u, i in
                                     zip(t["similar"], t["measure_unit"], t["indicator"],
                                         strict=True)],
            f"verschil sinds {self.compare_year or '–'}": [
                "–" if s else show(v, u) for v, u, s in
                zip(t["change"], t["measure_unit"], t["suppressed"], strict=True)],
        }).reset_index(drop=True)

    def to_dict(self) -> dict:
        t = self.table.replace({np.nan: None})
        return {"region_code": self.region_code, "name": self.name, "year": self.year,
                "compare_year": self.compare_year, "similar": list(self.similar),
                "threshold": self.threshold, "indicators": t.to_dict("records")}

    def plot(self, ax=None, indicators=None):
        # figures (matplotlib ≈ 0,4 s at import): a result's plot imports them when called
        from mkba.figures.plots import plot_profile

        return plot_profile(self, ax=ax, indicators=indicators)


def units_of(kwb: pd.DataFrame) -> dict[str, str]:
    """The most common unit of each indicator."""
    known = kwb.dropna(subset=["unit"])
    return known.groupby("indicator")["unit"].agg(lambda u: u.mode().iloc[0]).to_dict()


def profile_year(kwb, region_code) -> int:
    """The year a profile shows: the most recent with at least half as many indicators as the
    richest year.

    KWB tables are published in stages and some files here are subsets, so the latest year
    can hold only a few figures; a profile of the richer year before it says more.

    Parameters
    ----------
    kwb : pandas.DataFrame
        The long CBS table.
    region_code : str
        The wijk or buurt.

    Returns
    -------
    int
        The year.

    Examples
    --------
    >>> from mkba.evidence.cbs import load_kwb
    >>> profile_year(load_kwb(), "WK036330")
    2019
    """
    own = kwb[(kwb["region_code"] == region_code) & kwb["value"].notna()]
    if own.empty:
        raise CaseError(f"{region_code}: geen CBS-cijfers gevonden")
    counts = own.groupby("year")["indicator"].nunique()
    rich = counts[counts >= counts.max() / 2]
    return int(rich.index.max())


def wijk_profile(region_code: str, year: int | None = None, *, kwb: pd.DataFrame | None = None,
                 compare_year: int | None = None, n_similar: int = 5,
                 threshold: int = SMALL_NUMBER_THRESHOLD, price_year: int | None = None,
                 exclude=()) -> WijkProfile:
    """Profile of a wijk (WK…) or buurt (BU…) in one year.

    Parameters
    ----------
    region_code : str
    year : int, optional
        Default: the latest year with figures for this region.
    kwb : DataFrame, optional
        Long CBS table (:func:`mkba.evidence.cbs.load_kwb`); default the shipped data.
    compare_year : int, optional
        Year for the change column; default the earliest other year with figures.
    n_similar : int
        Number of similar regions to compare with (:func:`similar_regions`).
    threshold : int
        Small-number threshold (counts below it are suppressed).
    price_year : int, optional
        Euro amounts are also shown in prices of this year (default: last CPI year).
    exclude : iterable of str
        Regions that may not serve as similar regions.

    Returns
    -------
    WijkProfile
        The profile.

    Examples
    --------
    >>> p = wijk_profile("WK036330", 2019)
    >>> p.name, p.gemeente_code
    ('Transvaalbuurt', 'GM0363')
    >>> row = p.table.set_index("indicator").loc["PersonenPerSoortUitkeringBijstand"]
    >>> round(float(row["measure"]), 1)  # CBS 84583NED: 680 persons, 9,250 inhabitants
    73.5
    """
    kwb = load_kwb() if kwb is None else kwb
    year = profile_year(kwb, region_code) if year is None else int(year)
    cpi = cpi_series()
    price_year = int(cpi.index.max()) if price_year is None else int(price_year)
    units = units_of(kwb)
    values = _year_table(kwb, year)
    if region_code not in values.index:
        raise CaseError(f"{region_code}: geen CBS-cijfers voor {year}")
    measure, measure_unit, suppressed = comparable_measures(values, units, threshold)
    gemeente = "GM" + region_code[2:6]
    similar = similar_regions(values, region_code, n_similar, exclude=exclude)
    years = sorted(set(kwb.loc[kwb["region_code"] == region_code, "year"]) - {year})
    if compare_year is None and years:
        compare_year = int(years[0])
    if compare_year is not None:
        before_values = _year_table(kwb, compare_year)
        before = comparable_measures(before_values, units, threshold)[0]
    own = values.loc[region_code].dropna()
    labels = indicator_labels()
    rows = []
    for ind, value in own.items():
        unit = units.get(ind)
        sup = bool(suppressed.at[region_code, ind])
        m = measure.at[region_code, ind]
        change = np.nan
        if compare_year is not None and region_code in before.index and ind in before.columns:
            change = m - before.at[region_code, ind]
        real = np.nan
        if unit in EURO_UNITS and year in cpi.index:
            real = value * 1000 * cpi[price_year] / cpi[year]
        rows.append({
            "indicator": ind, "label": labels.get(ind, ind), "unit": unit,
            "value": np.nan if sup else value, "measure": np.nan if sup else m,
            "measure_unit": measure_unit.get(ind, unit), "suppressed": sup,
            "gemeente": measure.at[gemeente, ind] if gemeente in measure.index else np.nan,
            "similar": measure.loc[similar.index, ind].mean() if len(similar) else np.nan,
            "change": np.nan if sup else change,
            "real_value": np.nan if sup else real,
        })
    table = pd.DataFrame(rows)
    names = region_names(kwb)
    return WijkProfile(region_code, names.get(region_code), gemeente, year, compare_year,
                       price_year, threshold, tuple(similar.index), table)


def indicator_series(region_code: str, indicator: str, *, kwb: pd.DataFrame | None = None,
                     comparisons=(), threshold: int = SMALL_NUMBER_THRESHOLD) -> pd.DataFrame:
    """An indicator over the years for a region, its gemeente and its comparison regions.

    Counts are turned into rates (as in :func:`wijk_profile`) so that a wijk and its gemeente
    share one scale; the bases themselves (inhabitants, households) become an index with the
    first year = 100. Suppressed values are missing. Columns ``wijk``, ``gemeente`` and
    ``vergelijkingswijken`` (mean over the comparisons), indexed by year; the measure's unit is
    in ``attrs["unit"]``.

    Parameters
    ----------
    region_code : str
        The wijk or buurt.
    indicator : str
        The indicator.
    kwb : pandas.DataFrame, optional
        The long CBS table; by default :func:`mkba.evidence.cbs.load_kwb`.
    comparisons : iterable of str, default ()
        The comparison regions.
    threshold : int, default 10
        Small-number threshold.

    Returns
    -------
    pandas.DataFrame
        Years × (``wijk``, ``gemeente``, ``vergelijkingswijken``).

    Examples
    --------
    >>> s = indicator_series("WK036330", "PersonenPerSoortUitkeringBijstand")
    >>> list(s.index), round(float(s.loc[2019, "wijk"]), 1)  # 680 per 9,250 inhabitants
    ([2017, 2019], 73.5)
    """
    kwb = load_kwb() if kwb is None else kwb
    gemeente = "GM" + region_code[2:6]
    regions = {region_code, gemeente, *comparisons}
    sub = kwb[kwb["region_code"].isin(regions)
              & kwb["indicator"].isin({indicator, *BASES})]
    units = units_of(kwb[kwb["indicator"].isin({indicator, *BASES})])
    rows, unit = {}, units.get(indicator)
    for year in sorted(sub.loc[(sub["indicator"] == indicator)
                               & (sub["region_code"] == region_code), "year"].unique()):
        values = _year_table(sub, int(year))
        if indicator not in values.columns:
            continue
        measure, measure_unit, _ = comparable_measures(values, units, threshold)
        unit = measure_unit.get(indicator, unit)
        col = measure[indicator]
        comps = [c for c in comparisons if c in col.index]
        if indicator in BASES:
            unit = "index (eerste jaar = 100)"
        rows[int(year)] = {"wijk": col.get(region_code, np.nan),
                           "gemeente": col.get(gemeente, np.nan),
                           "vergelijkingswijken": col[comps].mean() if comps else np.nan}
    out = pd.DataFrame.from_dict(rows, orient="index").rename_axis("year")
    out = out.dropna(axis=1, how="all")
    if indicator in BASES and len(out):
        out = 100 * out / out.iloc[0]  # sizes differ too much: compare growth, not levels
    out.attrs["unit"] = unit
    return out


OVERVIEW_INDICATORS = ("AantalInwoners", "PersonenPerSoortUitkeringBijstand",
                       "HuishOnderOfRondSociaalMinimum", "GemiddeldInkomenPerInwoner",
                       "k_65JaarOfOuder", "Eenpersoonshuishoudens", "Koopwoningen",
                       "GemiddeldeWOZWaardeVanWoningen", "WmoClientenRelatief")


@dataclass(frozen=True)
class MunicipalityOverview:
    """All wijken of one gemeente side by side (measures as in :func:`wijk_profile`).

    Parameters
    ----------
    gemeente_code : str
        The gemeente.
    year : int
        The year shown.
    threshold : int
        The small-number threshold used.
    table : pandas.DataFrame
        One row per wijk.
    units : dict, optional
        Indicator to unit.

    Examples
    --------
    >>> municipality_overview("GM0344")
    <MunicipalityOverview GM0344 2023: 10 wijken>
    """

    gemeente_code: str
    year: int
    threshold: int
    table: pd.DataFrame = field(repr=False)
    units: dict = field(repr=False, default_factory=dict)

    def __repr__(self) -> str:
        return f"<MunicipalityOverview {self.gemeente_code} {self.year}: {len(self.table)} wijken>"

    def summary(self) -> pd.DataFrame:
        """Dutch table; suppressed figures show as ``< threshold``."""
        labels = indicator_labels()
        out = self.table[["region_code", "naam", "taak"]].rename(
            columns={"region_code": "wijk"}).copy()
        out["taak"] = out["taak"].map({True: "ja", False: ""})
        for ind in self.units:
            col = self.table[ind]
            sup = self.table[f"{ind}__onderdrukt"]
            decimals = 0 if self.units[ind] == "aantal" else 1
            out[f"{labels.get(ind, ind)} ({self.units[ind]})"] = [
                f"< {self.threshold}" if s else fmt_number(v, decimals)
                for v, s in zip(col, sup, strict=True)]
        return out.reset_index(drop=True)

    def plot_ranking(self, indicator: str, ax=None):
        # figures (matplotlib ≈ 0,4 s at import): a result's plot imports them when called
        from mkba.figures.plots import plot_ranking

        return plot_ranking(self, indicator, ax=ax,
                            label=indicator_labels().get(indicator, indicator))


def municipality_overview(gemeente_code: str, year: int | None = None, *,
                          kwb: pd.DataFrame | None = None, case=None,
                          indicators=OVERVIEW_INDICATORS,
                          threshold: int = SMALL_NUMBER_THRESHOLD) -> MunicipalityOverview:
    """Every wijk of a gemeente in one table, with the wijken that have a task marked.

    Parameters
    ----------
    gemeente_code : str
        The gemeente.
    year : int, optional
        The year; by default the richest recent one.
    kwb : pandas.DataFrame, optional
        The long CBS table; by default :func:`mkba.evidence.cbs.load_kwb`.
    case : Case, optional
        Mark the wijken with a task of this case.
    indicators : sequence of str
        The indicators shown.
    threshold : int, default 10
        Small-number threshold.

    Returns
    -------
    MunicipalityOverview
        The overview.

    Examples
    --------
    >>> o = municipality_overview("GM0344")
    >>> o.year, len(o.table)  # Utrecht: 10 wijken; 2023 is the richest recent year
    (2023, 10)
    """
    kwb = load_kwb() if kwb is None else kwb
    if year is None:
        year = profile_year(kwb, gemeente_code)
    values = _year_table(kwb, int(year))
    wijken = [c for c in values.index if c.startswith("WK" + gemeente_code[2:6])]
    if not wijken:
        raise CaseError(f"{gemeente_code}: geen wijken met CBS-cijfers in {year}")
    units = units_of(kwb)
    measure, measure_unit, suppressed = comparable_measures(values.loc[wijken], units, threshold)
    names = region_names(kwb)
    tasks = set(case.taken["wijk_code"]) if case is not None else set()
    table = pd.DataFrame({"region_code": wijken, "naam": [names.get(w, w) for w in wijken],
                          "taak": [w in tasks for w in wijken]})
    shown = {}
    for ind in indicators:
        if ind not in measure.columns or measure[ind].isna().all():
            continue
        table[ind] = measure.loc[wijken, ind].to_numpy()
        table[f"{ind}__onderdrukt"] = suppressed.loc[wijken, ind].to_numpy()
        shown[ind] = measure_unit.get(ind, units.get(ind))
    return MunicipalityOverview(gemeente_code, int(year), threshold, table, shown)
