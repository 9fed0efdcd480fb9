"""One rank test for p-value and interval from placebo estimates, and the minimum detectable
effect (the method is in :mod:`mkba.evidence.counterfactual`)."""

from __future__ import annotations

import numpy as np

# the module itself, not statsmodels.api (which loads all of statsmodels: +0.4 s per kernel)

__all__ = ["rank_test", "minimum_detectable_effect", "placebo_summary", "ALPHA", "MDE_POWER"]

ALPHA = 0.05
MDE_POWER = 0.8




def rank_test(beta: float, placebos, alpha: float = ALPHA):
    """p-value and interval from one symmetric rank test against placebo estimates.

    ``p(δ) = (1 + #{|b_k| ≥ |β − δ|}) / (1 + B)``; the p-value is ``p(0)`` and the interval
    ``{δ : p(δ) > α} = [β − a_r, β + a_r]``, ``a_r`` the ``r``-th largest ``|b_k|``,
    ``r = ⌊α (B + 1)⌋``. Hence ``p ≤ α`` exactly when the interval excludes 0. With
    ``r = 0`` (fewer than ``1/α − 1`` placebos) there is no interval.

    Returns
    -------
    (p, low, high, critical) — ``None`` where not available.

    Examples
    --------
    >>> b = np.arange(1.0, 40.0)  # 39 placebos: |b| = 1 … 39
    >>> rank_test(38.5, b)  # one placebo (39) at least as large: p = 2/40; a_2 = 38
    (0.05, 0.5, 76.5, 38.0)
    >>> rank_test(37.5, -b)[0]  # two placebos at least as large in absolute value
    0.075
    """
    b = np.asarray(placebos, dtype=float)
    b = b[np.isfinite(b)]
    if len(b) == 0:
        return None, None, None, None
    a = np.sort(np.abs(b))[::-1]
    p = float((1 + np.count_nonzero(a >= abs(beta))) / (len(b) + 1))
    r = int(np.floor(alpha * (len(b) + 1) + 1e-9))
    if r < 1:
        return p, None, None, None
    c = float(a[r - 1])
    return p, float(beta - c), float(beta + c), c


def minimum_detectable_effect(placebos: np.ndarray, critical: float | None) -> float | None:
    """Smallest |δ| that the rank test rejects with probability ≥ 80 % in both directions,
    taking the placebo estimates as the distribution of the estimation error."""
    b = placebos[np.isfinite(placebos)]
    if critical is None or len(b) == 0:
        return None
    grid = np.linspace(0.0, critical + np.abs(b).max() + 1e-12, 2001)
    up = (np.abs(grid[:, None] + b[None, :]) > critical).mean(axis=1)
    down = (np.abs(-grid[:, None] + b[None, :]) > critical).mean(axis=1)
    ok = np.flatnonzero((up >= MDE_POWER) & (down >= MDE_POWER))
    return float(grid[ok[0]]) if len(ok) else None


def placebo_summary(placebos: np.ndarray, m: int, candidates: int, exhaustive: bool) -> dict:
    b = placebos[np.isfinite(placebos)]
    out = {"n": int(len(b)), "regions_per_draw": int(m), "candidates": int(candidates),
           "every_candidate_once": bool(exhaustive)}
    if len(b):
        out.update({"mean": float(b.mean()), "sd": float(b.std(ddof=1)) if len(b) > 1
                    else None, "p5": float(np.quantile(b, 0.05)),
                    "p95": float(np.quantile(b, 0.95))})
    return out
