"""Calibration: does the inference hold on a given panel? Placebo studies of false-positive
rate and interval coverage (run by the benchmarks and the tests)."""

from __future__ import annotations

import pandas as pd

# the module itself, not statsmodels.api (which loads all of statsmodels: +0.4 s per kernel)
from mkba.evidence.counterfactual import estimate_effect
from mkba.evidence.inference import ALPHA

__all__ = ["placebo_study", "study_rates"]

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
