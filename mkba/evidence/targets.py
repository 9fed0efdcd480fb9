"""Targets (``doelen``) and measurements (``metingen``): a region's series of an indicator
from the case's own measurements or the CBS figures, and for each target where the wijk
stands, whether it got there and whether its trend gets there in time.

Small numbers are suppressed as in :mod:`mkba.evidence.indicators`; a survey share gets its
Wilson 95 % interval; the trend is an ordinary least-squares line with its interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# the modules themselves, not statsmodels.api (which loads all of statsmodels: +0.4 s per kernel)
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.proportion import proportion_confint
from statsmodels.tools.tools import add_constant

from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD
from mkba.evidence.cbs import is_count
from mkba.evidence.indicators import is_count_measure, suppress_small

__all__ = ["region_series", "meets_target", "target_attainment", "TARGET_COLUMNS"]


def region_series(case, kwb, region_code, indicator, threshold) -> tuple[pd.DataFrame, str]:
    """Yearly values of an indicator for a region: from metingen, else from CBS.

    Parameters
    ----------
    case : Case
        The case (its ``metingen``).
    kwb : DataFrame or None
        The CBS figures in long form (:func:`mkba.evidence.cbs.load_kwb`).
    region_code : str
        The wijk or buurt.
    indicator : str
        The indicator's name in ``metingen`` or its CBS key.
    threshold : int
        Counts (and survey results with ``n``) below it are suppressed.

    Returns
    -------
    tuple of (DataFrame, str)
        ``year``, ``value``, ``n`` sorted by year, and the source: ``metingen``, ``CBS`` or
        ``geen``.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> s, source = region_series(read_case(DATA_DIR / "voorbeeld"), None, "WK036330",
    ...                           "bezoekers_buurthuis", 10)
    >>> source, s["year"].is_monotonic_increasing
    ('metingen', True)
    """
    m = case.metingen
    own = m[(m["wijk_code"] == region_code) & (m["indicator"] == indicator)]
    if not own.empty:
        s = pd.DataFrame({"year": own["jaar"].astype(int), "value": own["waarde"].astype(float),
                          "n": own["n"].astype("Float64")})
        small = s["n"].notna() & (s["n"] < threshold)
        # a count of persons as the value itself is suppressed like a CBS count (issue 20)
        small |= own["eenheid"].map(is_count_measure).to_numpy(dtype=bool) & (
            s["value"] < threshold)
        s.loc[small.to_numpy(dtype=bool), "value"] = np.nan
        return s.sort_values("year").reset_index(drop=True), "metingen"
    if kwb is not None:
        c = kwb[(kwb["region_code"] == region_code) & (kwb["indicator"] == indicator)]
        if not c.empty:
            small = is_count(c["unit"].iloc[0], indicator) & suppress_small(c["value"], threshold)
            value = c["value"].where(~small)
            s = pd.DataFrame({"year": c["year"].astype(int), "value": value.astype(float),
                              "n": pd.array([pd.NA] * len(c), dtype="Float64")})
            return s.sort_values("year").reset_index(drop=True), "CBS"
    return pd.DataFrame(columns=["year", "value", "n"]), "geen"


def _survey_ci(value, n) -> tuple[float, float]:
    if pd.isna(n) or pd.isna(value) or not (0 <= value <= 1):
        return np.nan, np.nan
    low, high = proportion_confint(round(value * n), int(n), alpha=0.05, method="wilson")
    return float(low), float(high)


def _trend(series: pd.DataFrame, base_year: int, target_year: int) -> dict:
    s = series[(series["year"] >= base_year)].dropna(subset=["value"])
    if len(s) < 3:
        return {"note": "te weinig metingen voor een trend (minstens 3)"}
    x = add_constant(s["year"].to_numpy(dtype=float) - base_year)
    fit = OLS(s["value"].to_numpy(dtype=float), x).fit()
    low, high = fit.conf_int(alpha=0.05)[1]
    pred = fit.get_prediction(np.array([[1.0, target_year - base_year]])).summary_frame(alpha=0.05)
    return {"trend_slope": float(fit.params[1]), "trend_slope_low": float(low),
            "trend_slope_high": float(high), "projected": float(pred["mean"].iloc[0]),
            "projected_low": float(pred["mean_ci_lower"].iloc[0]),
            "projected_high": float(pred["mean_ci_upper"].iloc[0]), "note": ""}


TARGET_COLUMNS = ["task_id", "region_code", "indicator", "source", "base_year", "base_value",
                  "target_year", "target_value", "direction", "n_points", "latest_year",
                  "latest_value", "latest_ci_low", "latest_ci_high", "attained",
                  "share_travelled", "trend_slope", "trend_slope_low", "trend_slope_high",
                  "projected", "projected_low", "projected_high", "on_track", "note"]


def meets_target(value: float, target: float, lower: bool) -> bool:
    """Whether ``value`` reaches ``target`` (a value equal up to float noise counts).

    Parameters
    ----------
    value, target : float
        The measured value and the target value.
    lower : bool
        Whether the target is to get below it (``richting`` lager).

    Returns
    -------
    bool

    Examples
    --------
    >>> meets_target(12600, 12000, lower=False), meets_target(680, 650, lower=True)
    (True, False)
    >>> meets_target(0.1 + 0.2, 0.3, lower=False)
    True
    """
    if np.isclose(value, target, rtol=1e-9, atol=1e-12):
        return True
    return bool(value < target if lower else value > target)


def target_attainment(case, kwb: pd.DataFrame | None = None,
                      threshold: int = SMALL_NUMBER_THRESHOLD) -> pd.DataFrame:
    """For each target (``doelen``): where the wijk stands and whether it gets there in time.

    The series comes from the case's ``metingen`` for the task's wijk, or else from the CBS
    figures. Columns: task_id, region_code, indicator, source, base_year, base_value,
    target_year, target_value, direction, latest_year, latest_value, latest_ci_low/high
    (Wilson 95 % interval for a survey share with ``n``), attained, share_travelled
    (``(latest − base) / (target − base)``), trend_slope with its 95 % interval (OLS on the
    values from the base year on, statsmodels), projected value at the target year with the
    95 % interval of the trend line, on_track (projection meets the target), n_points, note.

    Parameters
    ----------
    case : Case
        The case (its ``doelen`` and ``metingen``).
    kwb : pandas.DataFrame, optional
        The long CBS table; by default :func:`mkba.evidence.cbs.load_kwb`.
    threshold : int, default 10
        Small-number threshold.

    Returns
    -------
    pandas.DataFrame
        One row per target.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> t = target_attainment(read_case(DATA_DIR / "voorbeeld"))
    >>> first = t.iloc[0]  # data/voorbeeld/metingen.csv: 6,100 visitors in 2017, 12,600 in 2024
    >>> float(first["base_value"]), float(first["latest_value"]), first["attained"]
    (6100.0, 12600.0, True)
    """
    taken = case.taken.set_index("taak_id")
    rows = []
    for d in case.doelen.itertuples(index=False):
        region = taken.at[d.taak_id, "wijk_code"]
        series, source = region_series(case, kwb, region, d.indicator, threshold)
        lower = d.richting == "lager"
        known = series.dropna(subset=["value"])
        base = d.basiswaarde
        if pd.isna(base):
            at_base = known[known["year"] == d.basisjaar]["value"]
            base = float(at_base.iloc[0]) if len(at_base) else np.nan
        row = {"task_id": d.taak_id, "region_code": region, "indicator": d.indicator,
               "source": source, "base_year": int(d.basisjaar), "base_value": base,
               "target_year": int(d.streefjaar), "target_value": float(d.streefwaarde),
               "direction": "lager" if lower else "hoger", "n_points": len(known),
               "latest_year": np.nan, "latest_value": np.nan, "latest_ci_low": np.nan,
               "latest_ci_high": np.nan, "attained": None, "share_travelled": np.nan,
               "trend_slope": np.nan, "trend_slope_low": np.nan, "trend_slope_high": np.nan,
               "projected": np.nan, "projected_low": np.nan, "projected_high": np.nan,
               "on_track": None, "note": ""}
        if known.empty:
            row["note"] = "geen metingen of CBS-cijfers voor deze indicator in deze wijk"
            rows.append(row)
            continue
        last = known.iloc[-1]
        row.update(latest_year=int(last["year"]), latest_value=float(last["value"]))
        row["latest_ci_low"], row["latest_ci_high"] = _survey_ci(last["value"], last["n"])
        target = row["target_value"]
        row["attained"] = meets_target(last["value"], target, lower)
        if pd.notna(base) and target != base:
            row["share_travelled"] = (last["value"] - base) / (target - base)
        trend = _trend(series, row["base_year"], row["target_year"])
        row.update(trend)
        if pd.notna(row["projected"]):
            row["on_track"] = meets_target(row["projected"], target, lower)
        rows.append(row)
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)
