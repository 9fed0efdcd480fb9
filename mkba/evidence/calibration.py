"""Calibration: does the inference hold on a given panel? Placebo studies of false-positive
rate and interval coverage (run by the benchmarks and the tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.evidence.counterfactual import estimate_effect
from mkba.evidence.inference import ALPHA
from mkba.evidence.national import load_nl_woningen, national_panel

__all__ = ["placebo_study", "study_rates", "synthetic_panel", "national_study", "rates_by_size",
           "SIZE_CLASSES"]

#: Size classes (housing stock in the last pre-year) for the national calibration: small
#: buurten separately, because their percentages jump most.
SIZE_CLASSES = {
    "BU": ((0, 50, "buurt < 50 woningen"), (50, 250, "buurt 50–249 woningen"),
           (250, 1000, "buurt 250–999 woningen"), (1000, float("inf"), "buurt ≥ 1.000 woningen")),
    "WK": ((0, 250, "wijk < 250 woningen"), (250, 1000, "wijk 250–999 woningen"),
           (1000, 5000, "wijk 1.000–4.999 woningen"), (5000, float("inf"),
                                                        "wijk ≥ 5.000 woningen")),
}


def synthetic_panel(seed: int, n: int = 40, years: int = 10, rho: float = 0.7,
                    effect: float = 0.0, treated: int = 1, start: int = 2016,
                    staggered: bool = False, noise: float = 1.0, dip_worst: int = 0,
                    transitory: float = 1.0) -> tuple[pd.DataFrame, dict]:
    """A synthetic panel of wijken with a known truth, for calibration studies.

    Wijk levels (N(50, 5)) and trends (N(0, 0,3) per year), a common random walk of year
    shocks, and AR(1) noise (ρ = ``rho``, innovations N(0, 1)); regions ``WK009000`` … .
    ``treated`` wijken are drawn at random and get ``effect`` from their start (``start``, or
    with ``staggered`` at random ``start − 2`` or ``start``).

    Departures from exchangeable wijken (issue 20):

    - ``noise``: the treated wijken's own AR(1) noise is multiplied by it (a small buurt);
    - ``dip_worst``: every wijk also gets transitory noise N(0, ``transitory``), and the one
      treated wijk is drawn from the ``dip_worst`` wijken whose last pre-year fell furthest
      below their earlier pre-years — a wijk chosen after a bad year (Ashenfelter's dip).

    Returns ``(panel, {wijk: start})``.

    Parameters
    ----------
    seed : int
        Seed of the random generator.
    n : int, default 40
        Number of wijken.
    years : int, default 10
        Number of years (from 2010).
    rho : float, default 0.7
        AR(1) coefficient of the noise.
    effect : float, default 0.0
        The true effect of the task.
    treated : int, default 1
        Number of treated wijken.
    start : int, default 2016
        The start year of the task.
    staggered : bool, default False
        Start each treated wijk at random in ``start − 2`` or ``start``.
    noise : float, default 1.0
        Factor on the treated wijken's own noise.
    dip_worst : int, default 0
        Choose the treated wijk among this many with the worst last pre-year; 0 for at random.
    transitory : float, default 1.0
        Standard deviation of the transitory noise with ``dip_worst``.

    Returns
    -------
    panel : pandas.DataFrame
        Wijken × years.
    starts : dict of str to int
        The start year of each treated wijk.

    Examples
    --------
    >>> panel, starts = synthetic_panel(0, effect=2.0)
    >>> panel.shape, list(starts.values())
    ((40, 10), [2016])
    """
    rng = np.random.default_rng(seed)
    cols = list(range(2010, 2010 + years))
    e = rng.normal(0, 1, (n, years))
    u = np.zeros((n, years))
    u[:, 0] = e[:, 0] / np.sqrt(1 - rho ** 2)
    for t in range(1, years):
        u[:, t] = rho * u[:, t - 1] + e[:, t]
    y = (rng.normal(50, 5, (n, 1)) + rng.normal(0, 1, (1, years)).cumsum(axis=1)
         + rng.normal(0, 0.3, (n, 1)) * np.arange(years) + u)
    if dip_worst:
        y = y + rng.normal(0, transitory, (n, years))
        pre = [i for i, c in enumerate(cols) if c < start]
        drop = y[:, pre[-1]] - y[:, pre[:-1]].mean(axis=1)
        chosen = [int(rng.choice(np.argsort(drop)[:dip_worst]))]
    else:
        chosen = rng.choice(n, treated, replace=False)
    y[chosen] += (noise - 1.0) * u[chosen]
    panel = pd.DataFrame(y, columns=cols, index=[f"WK{9000 + i:06d}" for i in range(n)])
    starts = {}
    for i in chosen:
        s = int(rng.choice([start - 2, start])) if staggered else start
        starts[panel.index[i]] = s
        panel.loc[panel.index[i], [c for c in cols if c >= s]] += effect
    return panel, starts

def placebo_study(panel: pd.DataFrame, start_year: int, *, regions=None,
                  n_comparisons: int = 10, n_placebo: int = 199, seed: int = 0,
                  effect: float = 0.0) -> pd.DataFrame:
    """Every region in turn pretended treated from ``start_year`` (no task anywhere), optionally
    with a known ``effect`` added to it: how often do the printed p-values reject and do the
    printed intervals cover the truth?

    Returns one row per region with an estimate: ``region_code``, ``estimate``, ``p_value``,
    ``ci_low``, ``ci_high``, ``covers`` (the interval holds ``effect``), ``pretrend_p_value``,
    ``its_p_value``, ``its_covers``, ``evidence_level``. Regions without an estimate (too few
    years) are left out; their number is in ``attrs["refused"]``.

    Parameters
    ----------
    panel : pandas.DataFrame
        Regions × years.
    start_year : int
        The pretended start.
    regions : iterable of str, optional
        The regions to pretend treated; None for all.
    n_comparisons : int, default 10
        Comparison regions per estimate.
    n_placebo : int, default 199
        Placebo draws per estimate.
    seed : int, default 0
        Seed of the placebo draws.
    effect : float, default 0.0
        A known effect added to the pretended treated region.

    Returns
    -------
    pandas.DataFrame
        One row per region with an estimate (see above).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> panel = pd.DataFrame(rng.normal(0, 1, (30, 6)), columns=range(2015, 2021),
    ...                      index=[f"WK0001{i:02d}" for i in range(30)])
    >>> study = placebo_study(panel, 2018, n_placebo=29)
    >>> len(study), bool((study["p_value"] <= 0.05).mean() <= 0.10)
    (30, True)
    """
    regions = list(panel.index if regions is None else regions)
    rows, refused = [], 0
    years = [y for y in panel.columns if y >= start_year]
    for i, code in enumerate(regions):
        data = panel
        if effect:
            data = panel.copy()
            data.loc[code, years] += effect
        est = estimate_effect(data, {code: start_year}, n_comparisons=n_comparisons,
                              n_placebo=n_placebo, seed=seed + i)
        if est.estimate is None:
            refused += 1
            continue
        its = est.its or {}
        rows.append({"region_code": code, "estimate": est.estimate, "p_value": est.p_value,
                     "ci_low": est.ci_low, "ci_high": est.ci_high,
                     "covers": None if est.ci_low is None
                     else bool(est.ci_low <= effect <= est.ci_high),
                     "pretrend_p_value": est.pretrend_p_value,
                     "its_p_value": its.get("p_value"),
                     "its_covers": None if its.get("ci_low") is None
                     else bool(its["ci_low"] <= effect <= its["ci_high"]),
                     "evidence_level": est.evidence_level})
    out = pd.DataFrame(rows, columns=["region_code", "estimate", "p_value", "ci_low", "ci_high",
                                      "covers", "pretrend_p_value", "its_p_value", "its_covers",
                                      "evidence_level"])
    out.attrs["refused"] = refused
    return out


def study_rates(study: pd.DataFrame) -> dict:
    """False-positive rates (share of p ≤ 0,05) of every p-value and the interval's coverage in
    a :func:`placebo_study`; ``None`` where a column has no values.

    Parameters
    ----------
    study : pandas.DataFrame
        A :func:`placebo_study`.

    Returns
    -------
    dict
        ``n``, ``refused`` and per p-value ``(rate, count)``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> panel = pd.DataFrame(rng.normal(0, 1, (30, 6)), columns=range(2015, 2021),
    ...                      index=[f"WK0001{i:02d}" for i in range(30)])
    >>> rates = study_rates(placebo_study(panel, 2018, n_placebo=29))
    >>> rates["n"], rates["p_value"][1], rates["p_value"][0] <= 0.10
    (30, 30, True)
    """
    def share(col, test):
        v = study[col].dropna()
        return (float(test(v).mean()), int(len(v))) if len(v) else (None, 0)

    return {"n": int(len(study)), "refused": int(study.attrs.get("refused", 0)),
            "p_value": share("p_value", lambda v: v <= ALPHA),
            "interval_excludes_truth": share("covers", lambda v: ~v.astype(bool)),
            "pretrend_p_value": share("pretrend_p_value", lambda v: v <= ALPHA),
            "its_p_value": share("its_p_value", lambda v: v <= ALPHA),
            "its_interval_excludes_truth": share("its_covers", lambda v: ~v.astype(bool))}


def national_study(indicator: str, level: str = "WK", start_year: int = 2019, *,
                   sample: int | None = None, seed: int = 0, n_placebo: int = 199,
                   effect: float = 0.0, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """The national placebo calibration on real CBS figures (``data/cbs_nl_woningen``):
    every region of ``level`` with at least two years before ``start_year`` and one from it
    (or a fixed random ``sample`` of them, drawn with ``seed``) pretended treated from
    ``start_year``, all regions of that level in the Netherlands as
    candidates; a :func:`placebo_study` with, per region, its housing stock in the last
    pre-year (``homes``) and size class (:data:`SIZE_CLASSES`).

    Codes follow each year's own indeling: a region whose boundaries changed keeps its
    jump in the data (as it would for a user), so it counts as a noisy region, not as a
    different one.

    Parameters
    ----------
    indicator : str
        The CBS indicator (``HuurwoningenTotaal``, ...).
    level : str, default "WK"
        ``WK`` wijken, ``BU`` buurten or ``GM`` gemeenten.
    start_year : int, default 2019
        The pretended start.
    sample : int, optional
        Study a fixed random sample of this many regions; None for all.
    seed : int, default 0
        Seed of the sample and the placebo draws.
    n_placebo : int, default 199
        Placebo draws per estimate.
    effect : float, default 0.0
        A known effect added to the pretended treated region.
    data : pandas.DataFrame, optional
        The national figures; by default :func:`mkba.evidence.national.load_nl_woningen`.

    Returns
    -------
    pandas.DataFrame
        The :func:`placebo_study` rows with ``homes`` and ``size_class``.

    Examples
    --------
    >>> study = national_study("HuurwoningenTotaal", "WK", sample=3, n_placebo=19)
    >>> len(study) + study.attrs["refused"], {"homes", "size_class"} <= set(study.columns)
    (3, True)
    """
    data = load_nl_woningen() if data is None else data
    panel = national_panel(indicator, level, data)
    homes = national_panel("Woningvoorraad", level, data, threshold=0)
    years = np.array(panel.columns)
    have = panel.notna().to_numpy()
    eligible = ((have[:, years < start_year].sum(axis=1) >= 2)
                & (have[:, years >= start_year].sum(axis=1) >= 1))
    regions = list(panel.index[eligible])
    if sample is not None and sample < len(regions):
        rng = np.random.default_rng(seed)
        regions = sorted(rng.choice(regions, size=sample, replace=False).tolist())
    study = placebo_study(panel, start_year, regions=regions, n_placebo=n_placebo,
                          seed=seed, effect=effect)
    last_pre = max([y for y in homes.columns if y < start_year], default=None)
    size = homes[last_pre].reindex(study["region_code"]).to_numpy() if last_pre else np.nan
    classes = SIZE_CLASSES.get(level, ())
    study = study.assign(homes=size, size_class=[_size_class(v, classes) for v in size])
    study.attrs["refused"] = study.attrs.get("refused", 0)
    study.attrs["eligible"] = int(eligible.sum())
    study.attrs["regions"] = len(panel)
    return study


def _size_class(homes: float, classes) -> str:
    if not np.isfinite(homes):
        return "woningvoorraad onbekend"
    for low, high, label in classes:
        if low <= homes < high:
            return label
    return "overig"


def rates_by_size(study: pd.DataFrame) -> pd.DataFrame:
    """Per size class (and in total): how many estimates, the false-positive rate of the
    effect's p-value, of the pre-trend test and of the ITS, the share whose interval misses
    the truth, and the share that is "sterk" and significant.

    Parameters
    ----------
    study : pandas.DataFrame
        A :func:`national_study` (with ``size_class``).

    Returns
    -------
    pandas.DataFrame
        One row per size class and ``totaal``.

    Examples
    --------
    >>> study = pd.DataFrame({"size_class": ["a", "a", "b"], "p_value": [0.01, 0.5, 0.2],
    ...                       "pretrend_p_value": [0.5, 0.5, 0.01], "its_p_value": [None] * 3,
    ...                       "covers": [False, True, True],
    ...                       "evidence_level": ["sterk", "sterk", "indicatief"]})
    >>> rates_by_size(study).loc["a", ["n", "p_value", "sterk_and_significant"]].tolist()
    [2.0, 0.5, 0.5]
    """
    def rates(part: pd.DataFrame) -> dict:
        def share(col, test):
            v = part[col].dropna()
            return float(test(v).mean()) if len(v) else np.nan

        return {"n": int(len(part)),
                "p_value": share("p_value", lambda v: v <= ALPHA),
                "pretrend_p_value": share("pretrend_p_value", lambda v: v <= ALPHA),
                "its_p_value": share("its_p_value", lambda v: v.astype(float) <= ALPHA),
                "interval_misses": share("covers", lambda v: ~v.astype(bool)),
                "sterk_and_significant": float(((part["evidence_level"] == "sterk")
                                                & (part["p_value"] <= ALPHA)).mean())
                if len(part) else np.nan}

    out = {name: rates(part) for name, part in study.groupby("size_class", sort=True)}
    out["alle"] = rates(study)
    return pd.DataFrame(out).T
