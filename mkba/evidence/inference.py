"""One rank test for p-value and interval from placebo estimates, and the minimum detectable
effect (the method is in :mod:`mkba.evidence.counterfactual`)."""

from __future__ import annotations

import numpy as np

# the module itself, not statsmodels.api (which loads all of statsmodels: +0.4 s per kernel)

__all__ = ["rank_test", "holm", "minimum_detectable_effect", "placebo_summary", "ALPHA",
           "MDE_POWER", "PRETREND_ALPHA"]

ALPHA = 0.05
MDE_POWER = 0.8
#: The pre-trend test fails at p ≤ 0,10 (a weak test that is cheap to fail: failing makes an
#: estimate indicatief, it does not hide it).
PRETREND_ALPHA = 0.10




def rank_test(beta: float, placebos, alpha: float = ALPHA, scale: float = 1.0):
    """p-value and interval from one symmetric rank test against placebo estimates.

    ``p(δ) = (1 + #{|b_k| ≥ |β − δ| / s}) / (1 + B)``; the p-value is ``p(0)`` and the interval
    ``{δ : p(δ) > α} = [β − s·a_r, β + s·a_r]``, ``a_r`` the ``r``-th largest ``|b_k|``,
    ``r = ⌊α (B + 1)⌋``. Hence ``p ≤ α`` exactly when the interval excludes 0. With
    ``r = 0`` (fewer than ``1/α − 1`` placebos) there is no interval.

    With ``scale = 1`` (default) the placebos are estimates in the unit of ``beta``; in the
    noise-aware test they are studentized statistics (estimate / own standard error) and
    ``scale`` is the standard error of ``beta``, which an effect constant after the start does
    not change: the test of "the effect is δ" compares ``(β − δ) / s`` with the placebos.

    Parameters
    ----------
    beta : float
        The estimate.
    placebos : array_like of float
        The placebo estimates (or statistics).
    alpha : float, default ALPHA
        The level of the test.
    scale : float, default 1.0
        The standard error of ``beta`` in the noise-aware test.

    Returns
    -------
    p : float or None
        The p-value.
    low, high : float or None
        The interval.
    critical : float or None
        ``a_r``, in the placebos' unit.

    Examples
    --------
    >>> b = np.arange(1.0, 40.0)  # 39 placebos: |b| = 1 … 39
    >>> rank_test(38.5, b)  # one placebo (39) at least as large: p = 2/40; a_2 = 38
    (0.05, 0.5, 76.5, 38.0)
    >>> rank_test(37.5, -b)[0]  # two placebos at least as large in absolute value
    0.075
    >>> rank_test(77.0, b, scale=2.0)  # 77 / 2 = 38,5: as the first; interval 77 ± 2 × 38
    (0.05, 1.0, 153.0, 38.0)
    """
    b = np.asarray(placebos, dtype=float)
    b = b[np.isfinite(b)]
    if len(b) == 0:
        return None, None, None, None
    a = np.sort(np.abs(b))[::-1]
    # the same products scale · |b_k| in the p-value and the interval: p ≤ α ⟺ 0 outside
    p = float((1 + np.count_nonzero(a * scale >= abs(beta))) / (len(b) + 1))
    r = int(np.floor(alpha * (len(b) + 1) + 1e-9))
    if r < 1:
        return p, None, None, None
    c = float(a[r - 1])
    half = c * scale
    return p, float(beta - half), float(beta + half), c


def holm(p_values) -> list[float | None]:
    """Holm's step-down adjustment of several p-values (``None`` stays ``None``).

    Sorted ascending, the ``i``-th (from 0) of ``n`` becomes ``min(1, max_{j ≤ i} (n − j)·p_j)``;
    a hypothesis is rejected at level α when its adjusted p-value is ≤ α. The chance of one or
    more false alarms over the ``n`` tests stays ≤ α (Holm 1979).

    Parameters
    ----------
    p_values : sequence of float or None
        The p-values.

    Returns
    -------
    list of float or None
        The adjusted p-values, in the same order.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03, None])  # 3 × 0,01; max(2 × 0,03, 0,03); max(1 × 0,04, 0,06)
    [0.03, 0.06, 0.06, None]
    """
    present = [(p, i) for i, p in enumerate(p_values) if p is not None]
    n = len(present)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(present)):
        running = max(running, min(1.0, (n - rank) * p))
        out[i] = round(running, 12)
    return out


def minimum_detectable_effect(placebos: np.ndarray, critical: float | None) -> float | None:
    """Smallest |δ| that the rank test rejects with probability ≥ 80 % in both directions,
    taking the placebo estimates as the distribution of the estimation error.

    Parameters
    ----------
    placebos : numpy.ndarray
        The placebo estimates (NaN left out).
    critical : float or None
        The rank test's critical value (:func:`rank_test`).

    Returns
    -------
    float or None
        The effect, or None without a critical value.

    Examples
    --------
    >>> placebos = np.arange(-9.5, 10.5, 1.0)  # 20 placebo estimates
    >>> critical = rank_test(12.0, placebos)[3]
    >>> critical, round(minimum_detectable_effect(placebos, critical), 2)
    (9.5, 15.0)
    """
    b = placebos[np.isfinite(placebos)]
    if critical is None or len(b) == 0:
        return None
    grid = np.linspace(0.0, critical + np.abs(b).max() + 1e-12, 2001)
    up = (np.abs(grid[:, None] + b[None, :]) > critical).mean(axis=1)
    down = (np.abs(-grid[:, None] + b[None, :]) > critical).mean(axis=1)
    ok = np.flatnonzero((up >= MDE_POWER) & (down >= MDE_POWER))
    return float(grid[ok[0]]) if len(ok) else None


def placebo_summary(placebos: np.ndarray, m: int, candidates: int, exhaustive: bool,
                    possible: int | None = None) -> dict:
    """The placebo estimates in a few numbers (in the unit of the effect): how many distinct
    draws gave one (``n``), of how many regions, from how many candidates, whether every
    possible draw was used, the smallest p-value the rank test can give (``1 / (n + 1)``) and
    the spread.

    Parameters
    ----------
    placebos : numpy.ndarray
        The placebo estimates (NaN for a draw without one).
    m : int
        Regions per draw.
    candidates : int
        Candidate regions.
    exhaustive : bool
        Whether every possible draw was used.
    possible : int, optional
        The number of possible draws.

    Returns
    -------
    dict
        ``n``, ``m``, ``candidates``, ``exhaustive``, ``possible_draws``, ``smallest_p``,
        ``mean``, ``sd``, ...

    Examples
    --------
    >>> s = placebo_summary(np.array([1.0, -1.0, np.nan, 2.0]), 2, 6, True, 15)
    >>> s["n"], s["smallest_p"], s["possible_draws"], s["mean"]
    (3, 0.25, 15, 0.6666666666666666)
    """
    b = placebos[np.isfinite(placebos)]
    out = {"n": int(len(b)), "regions_per_draw": int(m), "candidates": int(candidates),
           "every_candidate_once": bool(exhaustive),
           "possible_draws": None if possible is None else int(possible),
           "smallest_p": 1.0 / (len(b) + 1) if len(b) else None}
    if len(b):
        out.update({"mean": float(b.mean()), "sd": float(b.std(ddof=1)) if len(b) > 1
                    else None, "p5": float(np.quantile(b, 0.05)),
                    "p95": float(np.quantile(b, 0.95))})
    return out
