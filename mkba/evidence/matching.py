"""Comparison wijken matched on pre-period level and trend, and the difference-in-differences
building blocks (plain numpy; the method is in :mod:`mkba.evidence.counterfactual`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# the module itself, not statsmodels.api (which loads all of statsmodels: +0.4 s per kernel)
from statsmodels.formula.api import ols

__all__ = ["select_comparisons", "ComparisonDesign", "MIN_COMPARISONS"]

MIN_COMPARISONS = 3


def _level_trend(y: np.ndarray, years) -> tuple[np.ndarray, np.ndarray | None]:
    """Mean and OLS slope per row of ``y`` (rows: regions; columns: the years)."""
    level = y.mean(axis=1)
    if y.shape[1] < 2:
        return level, None
    t = np.asarray(years, dtype=float)
    t = t - t.mean()
    return level, (y - level[:, None]) @ t / (t @ t)


def _spread(x: np.ndarray) -> float:
    sd = float(x.std()) if len(x) else 0.0
    return sd if sd > 0 else 1.0


class ComparisonDesign:
    """The candidates for one set of pre- and post-years, with their matching features (level
    and trend before the start) and their change (mean after minus mean before), built once
    per estimate so that placebo draws are plain array operations.

    Parameters
    ----------
    values : numpy.ndarray
        Regions × years.
    cols : list of int
        The years of the columns.
    pool_rows : numpy.ndarray
        The rows of the candidates.
    pre, post : iterable of int
        The years before and from the start.

    Examples
    --------
    >>> values = np.array([[10.0, 11.0, 13.0], [10.0, 12.0, 12.0], [20.0, np.nan, 21.0]])
    >>> d = ComparisonDesign(values, [2018, 2019, 2020], np.array([0, 1, 2]), [2018, 2019],
    ...                      [2020])
    >>> d.rows.tolist(), d.gain.tolist()  # the row with a gap is no candidate
    ([0, 1], [2.5, 1.0])
    """

    def __init__(self, values: np.ndarray, cols: list, pool_rows: np.ndarray, pre, post):
        self.pre, self.post = list(pre), list(post)
        self.idx = [cols.index(y) for y in self.pre] + [cols.index(y) for y in self.post]
        n_pre = len(self.pre)
        block = values[pool_rows][:, self.idx]
        ok = np.isfinite(block).all(axis=1)
        self.rows = pool_rows[ok]
        self.y = block[ok]
        self.level, self.slope = _level_trend(self.y[:, :n_pre], self.pre)
        post_mean = (self.y[:, n_pre:].mean(axis=1) if self.post
                     else np.full(len(self.rows), np.nan))
        self.gain = post_mean - self.level
        self.sd_level = _spread(self.level)
        self.sd_slope = None if self.slope is None else _spread(self.slope)
        self.pos = {int(r): i for i, r in enumerate(self.rows)}
        # the statistics of a difference series d are linear in d: one matrix for all
        # (ATT, ATT without the last pre-year, residuals around the means, and — from five
        # years on — around a straight line with a jump at the start)
        t = np.array(self.pre + self.post, dtype=float)
        n_all = len(t)
        post_dummy = np.r_[np.zeros(n_pre), np.ones(n_all - n_pre)]
        w_att = np.where(post_dummy > 0, 1 / max(n_all - n_pre, 1), -1 / max(n_pre, 1))
        w_short = np.where(post_dummy > 0, 1 / max(n_all - n_pre, 1), 0.0)
        if n_pre > 1:
            w_short[: n_pre - 1] = -1 / (n_pre - 1)
        step = _residual_maker(np.column_stack([1 - post_dummy, post_dummy]))
        rows = [w_att, w_short, step]
        self._trend = n_all >= 5
        if self._trend:
            rows.append(_residual_maker(np.column_stack([np.ones(n_all), t - t.mean(),
                                                         post_dummy])))
        self._stats = np.vstack(rows)
        self._n = n_all

    def __len__(self) -> int:
        return len(self.rows)

    def features(self, y_unit: np.ndarray):
        """Level and trend of one region's values over (pre, post) years."""
        level, slope = _level_trend(y_unit[None, : len(self.pre)], self.pre)
        return float(level[0]), None if slope is None else float(slope[0])

    def match(self, level: float, slope, exclude, k: int) -> np.ndarray:
        """Positions of the ``k`` candidates closest on level and trend (ties: panel order)."""
        d = ((self.level - level) / self.sd_level) ** 2
        if slope is not None:
            d = d + ((self.slope - slope) / self.sd_slope) ** 2
        if len(exclude):
            d = d.copy()
            d[list(exclude)] = np.inf
        n_ok = int(np.isfinite(d).sum())
        k = min(k, n_ok)
        if k <= 0:
            return np.array([], dtype=int)
        if len(d) > 4 * k + 8:
            part = np.argpartition(d, k - 1)[:k]
            return part[np.lexsort((part, d[part]))]
        return np.argsort(d, kind="stable")[:k]

    def att(self, y_unit, level, slope, exclude, k):
        """(ATT, comparison positions) of a region against its ``k`` nearest candidates."""
        comps = self.match(level, slope, exclude, k)
        if len(comps) < MIN_COMPARISONS:
            return np.nan, comps
        own = y_unit[len(self.pre):].mean() - level
        return float(own - self.gain[comps].mean()), comps

    def fit(self, y_unit, level, slope, exclude, k):
        """(ATT, comparison positions, difference series) of a region against its ``k``
        nearest candidates.

        The difference series is ``d_t = y_t − mean_{j ∈ C} y_jt`` over the pre- and
        post-years; ATT = mean over the post-years − mean over the pre-years of ``d``.

        Examples
        --------
        Comparisons with mean series 1, 2, 3, 4; the region 1, 3, 6, 8: ``d`` = 0, 1, 3, 4,
        ATT = 3,5 − 0,5 = 3.

        >>> values = np.array([[0.0, 1, 2, 3], [1.0, 2, 3, 4], [2.0, 3, 4, 5], [0, 0, 0, 0],
        ...                    [1.0, 3, 6, 8]])
        >>> design = ComparisonDesign(values, [1, 2, 3, 4], np.arange(4), [1, 2], [3, 4])
        >>> level, slope = design.features(values[4])
        >>> att, comps, d = design.fit(values[4], level, slope, (), 3)
        >>> sorted(comps.tolist()), float(att), d.tolist()
        ([0, 1, 2], 3.0, [0.0, 1.0, 3.0, 4.0])
        """
        comps = self.match(level, slope, exclude, k)
        if len(comps) < MIN_COMPARISONS:
            return np.nan, comps, None
        n_pre = len(self.pre)
        d = y_unit - self.y[comps].mean(axis=0)
        return float(d[n_pre:].mean() - d[:n_pre].mean()), comps, d

    def stats(self, d) -> tuple[float, float, float, float]:
        """(ATT, ATT without the last pre-year in the base, noise, trend noise) of a
        difference series ``d``, in one matrix product (see :meth:`noise` and
        :meth:`trend_noise`)."""
        if d is None:
            return np.nan, np.nan, np.nan, np.nan
        v = self._stats @ d
        n = self._n
        df = n - 2
        step = v[2: 2 + n]
        noise = float(np.sqrt(step @ step / df)) if df > 0 else np.nan
        if self._trend:
            line = v[2 + n:]
            trend = float(np.sqrt(line @ line / (n - 3)))
        else:
            trend = noise
        short = float(v[1]) if len(self.pre) > 1 else np.nan
        return float(v[0]), short, noise, trend

    def noise(self, d) -> float:
        """A region's own noise: the standard deviation of its difference series ``d``
        around its pre-mean and its post-mean (``|P| + |Q| − 2`` degrees of freedom; ``nan``
        without any). An effect that is constant after the start does not change it.

        Examples
        --------
        >>> design = ComparisonDesign(np.zeros((1, 4)), [1, 2, 3, 4], np.arange(1), [1, 2],
        ...                           [3, 4])
        >>> round(design.noise(np.array([0.0, 1.0, 3.0, 4.0])), 4)  # ±0,5 four times, df 2
        0.7071
        """
        return self.stats(d)[2]

    def trend_noise(self, d) -> float:
        """The noise around a straight line with a jump at the start (from five years on,
        ``|P| + |Q| − 3`` degrees of freedom; with fewer years :meth:`noise`): what the
        pre-trend test divides by, since a straight divergence is what it looks for and must
        not count as noise.

        Examples
        --------
        >>> design = ComparisonDesign(np.zeros((1, 6)), list(range(6)), np.arange(1),
        ...                           [0, 1, 2], [3, 4, 5])
        >>> design.trend_noise(np.arange(6.0) * 3 + np.r_[0, 0, 0, 5, 5, 5]) < 1e-9
        True
        """
        return self.stats(d)[3]


def _residual_maker(x: np.ndarray) -> np.ndarray:
    """``I − Q Qᵀ`` with ``Q`` an orthonormal basis of the columns of ``x`` (Gram–Schmidt in
    plain numpy: the matrices are at most 13 × 3, and LAPACK's start-up per call cost more
    than the whole product when the machine is busy).

    Examples
    --------
    >>> m = _residual_maker(np.ones((3, 1)))
    >>> np.round(m @ np.array([1.0, 2.0, 6.0]), 12).tolist()  # minus the mean 3
    [-2.0, -1.0, 3.0]
    """
    basis: list[np.ndarray] = []
    for col in np.asarray(x, dtype=float).T:
        v = col.copy()
        for u in basis:
            v -= (u @ v) * u
        norm = float(np.sqrt(v @ v))
        if norm > 1e-12:
            basis.append(v / norm)
    q = np.column_stack(basis)
    return np.eye(len(q)) - q @ q.T

def select_comparisons(panel: pd.DataFrame, unit: str, pre_years, used_years, pool,
                       k: int) -> list[str]:
    """The ``k`` regions of ``pool`` closest to ``unit`` on the pre-period level and trend
    (each standardised over the candidates), among those with a value in every year of
    ``pre_years`` and ``used_years``.

    Parameters
    ----------
    panel : pandas.DataFrame
        Regions × years.
    unit : str
        The treated region.
    pre_years : list of int
        The years before the start.
    used_years : list of int
        Every year the estimate uses.
    pool : iterable of str
        The candidate regions.
    k : int
        How many to choose.

    Returns
    -------
    list of str
        The chosen regions, closest first.

    Examples
    --------
    >>> panel = pd.DataFrame({2018: [10.0, 10.5, 30.0, 11.0], 2019: [11.0, 11.4, 31.0, 14.0]},
    ...                      index=["WK000100", "WK000101", "WK000102", "WK000103"])
    >>> select_comparisons(panel, "WK000100", [2018, 2019], [2018, 2019],
    ...                    ["WK000101", "WK000102", "WK000103"], 2)
    ['WK000101', 'WK000103']
    """
    pre = list(pre_years)
    post = [y for y in dict.fromkeys(used_years) if y not in set(pre)]
    cols = list(panel.columns)
    codes = [c for c in dict.fromkeys(pool) if c in panel.index]
    values = panel.loc[codes + [unit]].to_numpy(dtype=float)
    design = ComparisonDesign(values, cols, np.arange(len(codes)), pre, post)
    level, slope = design.features(values[-1, design.idx])
    return [codes[design.rows[i]] for i in design.match(level, slope, (), k)]


def _did_means(panel: pd.DataFrame, treated, controls, pre, post) -> float:
    """2×2 difference-in-differences of period means (equals TWFE on a balanced panel)."""
    t = panel.loc[list(treated)]
    c = panel.loc[list(controls)]
    return float((t[post].to_numpy().mean() - t[pre].to_numpy().mean())
                 - (c[post].to_numpy().mean() - c[pre].to_numpy().mean()))


def _twfe(panel: pd.DataFrame, treated, controls, pre, post, cluster: bool = False):
    """TWFE regression with statsmodels (a cross-check of the estimator in the tests); returns
    beta, or (beta, p, ci_low, ci_high) with errors clustered by wijk."""
    units = list(treated) + list(controls)
    years = list(pre) + list(post)
    long = panel.loc[units, years].stack().rename("y").reset_index()
    long.columns = ["unit", "year", "y"]
    long["year"] = long["year"].astype(int)
    long["d"] = (long["unit"].isin(set(treated)) & long["year"].isin(set(post))).astype(float)
    model = ols("y ~ C(unit) + C(year) + d", data=long)
    if cluster:
        codes = pd.factorize(long["unit"])[0]
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes})
        low, high = fit.conf_int().loc["d"]
        return float(fit.params["d"]), float(fit.pvalues["d"]), float(low), float(high)
    return float(model.fit().params["d"])
