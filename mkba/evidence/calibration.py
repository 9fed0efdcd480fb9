"""Calibration: does the inference hold on a given panel? Placebo studies of false-positive
rate and interval coverage (run by the benchmarks and the tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.evidence.counterfactual import estimate_effect
from mkba.evidence.inference import ALPHA

__all__ = ["placebo_study", "study_rates", "synthetic_panel"]


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
    a :func:`placebo_study`; ``None`` where a column has no values."""
    def share(col, test):
        v = study[col].dropna()
        return (float(test(v).mean()), int(len(v))) if len(v) else (None, 0)

    return {"n": int(len(study)), "refused": int(study.attrs.get("refused", 0)),
            "p_value": share("p_value", lambda v: v <= ALPHA),
            "interval_excludes_truth": share("covers", lambda v: ~v.astype(bool)),
            "pretrend_p_value": share("pretrend_p_value", lambda v: v <= ALPHA),
            "its_p_value": share("its_p_value", lambda v: v <= ALPHA),
            "its_interval_excludes_truth": share("its_covers", lambda v: ~v.astype(bool))}
