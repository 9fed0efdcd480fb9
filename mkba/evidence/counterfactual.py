"""Counterfactual effect estimates: comparison wijken, difference-in-differences with one rank
test for p-value and interval, staggered adoption, and an interrupted time series against the
comparison wijken.

Method (the reports and the JSON say which part produced a number):

1. **Unit.** The indicator is analysed in the unit of the wijk profile
   (:func:`indicator_panel`): counts of persons per 1.000 inwoners, counts of households as a
   percentage of the households, published percentages, averages and rates as they are. Counts
   below the small-number threshold are missing.
2. **Comparison wijken.** For a treated wijk with pre-years ``P`` (its years with a value before
   its start ``S``) and post-years ``Q``: the ``k`` (default 10) untreated regions of the same
   level (wijk with wijk, buurt with buurt) closest on the pre-period **level** (mean over
   ``P``) and **trend** (OLS slope over ``P``, from two pre-years on), each standardised by its
   spread over the candidates (Euclidean distance). Matching on the trend as well as the level
   guards against regression to the mean for wijken that start far from the rest. Candidates
   need a value in every year of ``P ∪ Q``; regions with a task of their own are never
   comparisons.
3. **One estimator** for one wijk, many wijken, one or several start years::

       ATT_i = (mean_Q y_i − mean_P y_i) − mean_{j ∈ C_i} (mean_Q y_j − mean_P y_j)

   — the base period is the mean of *all* pre-years, everywhere — and the effect is the mean
   of ``ATT_i`` over the treated wijken (equal weights). For one wijk this equals the two-way
   fixed-effects regression ``y_it = α_i + γ_t + β·D_it`` on the wijk and its comparisons. With
   several start years each wijk is compared from its own start with never-treated wijken only
   (the cohort idea of Callaway & Sant'Anna 2021, but *not* their estimator: their base is the
   year before the start, ours the mean of all pre-years, and we average wijken, not
   group-time cells weighted by size).
4. **Inference: one noise-aware rank test.** The whole procedure, matching included, is
   repeated with untreated regions pretending to be the treated ones (placebos), each with
   the pre- and post-years of the wijk it stands in for. Draws are *distinct*
   (:mod:`mkba.evidence.placebos`): with at most ``n_placebo`` possible draws all are used
   (for one wijk every candidate once; for several every combination), otherwise
   ``n_placebo`` different random draws; only distinct draws count, and the smallest p-value
   the test can give, ``1/(B + 1)``, is reported. Each estimate — the real one and every
   placebo — is divided by its **own** standard error ``s_i = σ_i √(1/|P| + 1/|Q|)``, with
   ``σ_i`` the spread of the region's difference series ``d_t = y_t − mean_{j∈C} y_jt`` around
   its pre-mean and post-mean (``|P| + |Q| − 2`` degrees of freedom; for several wijken
   ``s = √(Σ s_i²)/m``). This is the heteroskedasticity correction for few treated units of
   Ferman & Pinto (2019) in its simplest form: a small, noisy buurt is compared with placebos
   *in units of its own noise*, so it does not raise false alarms because it jumps more
   (without it: 15–30 % false positives at 2–3× the noise). Under "the effect is δ" the
   statistic ``(β − δ)/s`` is exchangeable with the placebos' ``b_k/s_k`` (an effect constant
   after the start does not change ``s``), so ::

       p(δ) = (1 + #{|b_k/s_k| ≥ |β − δ|/s}) / (1 + B)

   The p-value is ``p(0)``; the 95 % interval is ``{δ : p(δ) > 0,05} = [β − s·a_r, β + s·a_r]``
   with ``a_r`` the ``r``-th largest ``|b_k/s_k|``, ``r = ⌊0,05 (B + 1)⌋`` (none when
   ``B < 19``). So ``p ≤ 0,05`` exactly when the interval excludes 0. Placebo wijken share
   comparison wijken just as the real treated wijken do, so with many treated wijken that
   dependence is in the reference distribution. The price of the correction is power when
   there are few years: with 2 pre- and 2 post-years ``σ_i`` has 2 degrees of freedom and
   the interval is about twice as wide as the uncorrected one (README, benchmarks).
5. **Minimum evidence.** No estimate with fewer than 2 pre-years. ``evidence_level`` is the
   strength of the *design*, apart from the result: ``geen`` (no estimate), ``indicatief``
   (2–3 pre-years, a pre-trend test that fails or cannot be done, a failed dip check, a
   treated wijk outside the pre-period range of its comparisons, or fewer than 39 distinct
   placebos) or ``sterk``. ``mde`` is the smallest effect the test finds with 80 %
   probability, from the studentized placebos times the wijk's own standard error (so that
   "not significant" is not read as "no effect").
6. **Pre-trend test**: the same estimate with a fake start at the last pre-year, using only the
   pre-years (needs two), with the same rank test; each region's noise here is its spread
   around a straight line with a jump at the start (from five years on), because a straight
   divergence is what this test looks for. **Dip check** (Ashenfelter's dip: a wijk chosen
   after an unusually bad year moves back towards normal, which looks like an effect): the
   estimate with the last pre-year left out of the base gets the same rank test; a
   significant estimate that is no longer significant without that year (or changes sign)
   fails the check. **Balance**: level and trend before the start, treated against
   comparisons.
7. **Interrupted time series** (one treated wijk, ≥ 4 pre-years, ≥ 2 post-years): segmented OLS
   ``d_t = a + b(t − S) + c·D_t + e·D_t(t − S)`` on the *difference* between the wijk and the
   mean of its comparisons, so that a shock common to all wijken cancels; ``c`` (change in
   level), divided by the region's own noise, gets its p-value and interval from the same
   rank test over the placebos' ``c``.

When the data cannot support an estimate (too few years, too few comparisons, missing values)
the result carries no number and says why, in Dutch.

References
----------
Ferman, B. & Pinto, C. (2019). Inference in differences-in-differences with few treated
groups and heteroskedasticity. Review of Economics and Statistics 101(3).
Ashenfelter, O. (1978). Estimating the effect of training programs on earnings. Review of
Economics and Statistics 60(1).
Callaway, B. & Sant'Anna, P. (2021). Difference-in-differences with multiple time periods.
Journal of Econometrics 225(2).
Abadie, A., Diamond, A. & Hainmueller, J. (2010). Synthetic control methods. JASA 105(490).
Conley, T. & Taber, C. (2011). Inference with "difference in differences" with a small number
of policy changes. Review of Economics and Statistics 93(1).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mkba.base.assumptions import ASSUMPTIONS
from mkba.base.formatting import fmt_number
from mkba.base.jsonout import float_or_none
from mkba.evidence.estimate import EffectEstimate
from mkba.evidence.inference import (
    ALPHA,
    PRETREND_ALPHA,
    minimum_detectable_effect,
    placebo_summary,
    rank_test,
)
from mkba.evidence.matching import MIN_COMPARISONS, ComparisonDesign
from mkba.evidence.placebos import moderate_noise, placebo_draws, studentize, typical_noise

__all__ = ["EffectEstimate", "estimate_effect"]

#: Fewer pre-years than this: no estimate (assumption ``effect_min_pre_years``).
MIN_PRE_YEARS = int(ASSUMPTIONS["effect_min_pre_years"].value)
#: From this many pre-years on an estimate can be ``sterk`` (``effect_strong_pre_years``).
STRONG_PRE_YEARS = int(ASSUMPTIONS["effect_strong_pre_years"].value)
ITS_MIN_PRE, ITS_MIN_POST = 4, 2
STRONG_MIN_PLACEBOS = 39
#: A treated region whose own noise is this many times the typical noise gets a warning.
NOISY_RATIO = 1.5


def _refuse(indicator, treated, reasons, n_pre=0, n_post=0, panel=None) -> EffectEstimate:
    attrs = getattr(panel, "attrs", {}) or {}
    return EffectEstimate(indicator, tuple(treated), None, None, None, None, "geen schatting",
                          "–", (), None, {"n": 0}, n_pre, n_post, tuple(reasons),
                          unit=attrs.get("unit", ""), label=attrs.get("label", indicator),
                          evidence_level="geen", _panel=panel)


@dataclass
class _Unit:
    code: str
    row: int
    start: int
    design: ComparisonDesign
    y: np.ndarray
    level: float
    slope: float | None
    att: float
    comps: np.ndarray
    d: np.ndarray
    noise: float = np.nan
    trend_noise: float = np.nan
    pre_design: ComparisonDesign | None = None
    pre_att: float = np.nan

    @property
    def factor(self) -> float:
        """Noise of one year → noise of the estimate: √(1/|P| + 1/|Q|)."""
        return float(np.sqrt(1 / len(self.design.pre) + 1 / len(self.design.post)))

    @property
    def pre_factor(self) -> float:
        """The same for the pre-trend estimate (|P| − 1 base years, one fake post-year)."""
        return float(np.sqrt(1 / (len(self.design.pre) - 1) + 1))

    @property
    def short_factor(self) -> float:
        """The same for the estimate without the last pre-year: √(1/(|P| − 1) + 1/|Q|)."""
        return float(np.sqrt(1 / (len(self.design.pre) - 1) + 1 / len(self.design.post)))


def _prepare(values, cols, row, code, start, pool_rows, k, designs):
    """A treated region's design and estimate, or a Dutch reason why not."""
    have = [y for y in cols if np.isfinite(values[row, cols.index(y)])]
    pre = [y for y in have if y < start]
    post = [y for y in have if y >= start]
    if not pre:
        return (f"geen meting vóór het startjaar {start}: een voor-en-navergelijking is niet "
                "mogelijk"), len(pre), len(post)
    if len(pre) < MIN_PRE_YEARS:
        return (f"slechts {len(pre)} jaar vóór het startjaar {start} gemeten "
                f"({', '.join(map(str, pre))}); voor een schatting zijn minstens "
                f"{MIN_PRE_YEARS} jaren vóór de start nodig"), len(pre), len(post)
    if not post:
        return (f"geen meting vanaf het startjaar {start}: het effect is nog niet te meten",
                len(pre), 0)
    key = (tuple(pre), tuple(post))
    if key not in designs:
        designs[key] = ComparisonDesign(values, cols, pool_rows, pre, post)
    design = designs[key]
    y = values[row, design.idx]
    level, slope = design.features(y)
    att, comps, d = design.fit(y, level, slope, (), k)
    if not np.isfinite(att):
        return (f"te weinig vergelijkingswijken met cijfers in alle jaren ({len(comps)}; "
                f"minstens {MIN_COMPARISONS} nodig)"), len(pre), len(post)
    unit = _Unit(code, row, start, design, y, level, slope, att, comps, d, design.noise(d),
                 design.trend_noise(d))
    pkey = (tuple(pre[:-1]), (pre[-1],))
    if pkey not in designs:
        designs[pkey] = ComparisonDesign(values, cols, pool_rows, pre[:-1], pre[-1:])
    unit.pre_design = designs[pkey]
    yp = values[row, unit.pre_design.idx]
    plevel, pslope = unit.pre_design.features(yp)
    unit.pre_att = unit.pre_design.att(yp, plevel, pslope, (), k)[0]
    return unit, len(pre), len(post)


def _draws(units: list[_Unit], n_placebo: int, rng):
    """Distinct placebo draws: global rows standing in for the treated units, in order."""
    return placebo_draws([u.design.rows for u in units], [u.design for u in units], n_placebo,
                         rng, min_left=MIN_COMPARISONS)


def _placebo_stats(units: list[_Unit], draws, k, its_weights=None):
    """For each draw and role, by the same procedure as the real estimate: the effect, the
    placebo region's noise (around the means and around a line), and the pre-trend effect;
    per draw (one wijk) the ITS level change. Returns arrays (draws × roles), ITS a vector."""
    shape = (len(draws), len(units))
    att, noise, trend, pre, short = (np.full(shape, np.nan) for _ in range(5))
    its = np.full(len(draws), np.nan)
    for b, rows in enumerate(draws):
        for j, (u, r) in enumerate(zip(units, rows, strict=True)):
            design = u.design
            excl = [design.pos[int(x)] for x in rows if int(x) in design.pos]
            i = design.pos[int(r)]
            slope = None if design.slope is None else design.slope[i]
            _, _, d = design.fit(design.y[i], design.level[i], slope, excl, k)
            if d is not None:
                att[b, j], short[b, j], noise[b, j], trend[b, j] = design.stats(d)
                if its_weights is not None:
                    its[b] = float(its_weights @ d)
            pdsg = u.pre_design
            excl = [pdsg.pos[int(x)] for x in rows if int(x) in pdsg.pos]
            i = pdsg.pos[int(r)]
            slope = None if pdsg.slope is None else pdsg.slope[i]
            pre[b, j] = pdsg.att(pdsg.y[i], pdsg.level[i], slope, excl, k)[0]
    return att, noise, trend, pre, short, its


def _df_step(u: _Unit) -> int:
    return len(u.design.pre) + len(u.design.post) - 2


def _df_trend(u: _Unit) -> int:
    n = len(u.design.pre) + len(u.design.post)
    return n - 3 if n >= 5 else n - 2


def _moderated(units, own, placebo, df_of):
    """The treated regions' and the placebos' noise (per role), moderated towards the typical
    noise of the role (:func:`moderate_noise`). Returns (1 × roles, draws × roles)."""
    own = np.array([own], dtype=float)
    placebo = np.array(placebo, dtype=float)
    typical = np.array([typical_noise(own[0, j], placebo[:, j]) for j in range(len(units))])
    df = np.array([df_of(u) for u in units], dtype=float)
    return moderate_noise(own, typical, df), moderate_noise(placebo, typical, df)


def _without_last_pre_year(d: np.ndarray, n_pre: int) -> float:
    """The estimate from a difference series with the last pre-year left out of the base."""
    return float(d[n_pre:].mean() - d[: n_pre - 1].mean())


def _its_weights(design: ComparisonDesign, start: int):
    """Rows of pinv(X) for the level change and the slope change of the segmented regression."""
    years = np.array(design.pre + design.post, dtype=float)
    t = years - start
    dummy = (years >= start).astype(float)
    x = np.column_stack([np.ones_like(t), t, dummy, dummy * t])
    pinv = np.linalg.pinv(x)
    return pinv[2], pinv[3]


def _balance(unit: _Unit) -> dict:
    d, c = unit.design, unit.comps
    levels = d.level[c]
    out = {"pre_years": [int(y) for y in d.pre],
           "treated_level": unit.level, "comparison_level": float(levels.mean()),
           "comparison_level_min": float(levels.min()),
           "comparison_level_max": float(levels.max()),
           "std_diff_level": float((unit.level - levels.mean()) / d.sd_level),
           "treated_trend": unit.slope,
           "comparison_trend": None if d.slope is None else float(d.slope[c].mean()),
           "std_diff_trend": None if d.slope is None
           else float((unit.slope - d.slope[c].mean()) / d.sd_slope)}
    out["inside_range"] = bool(levels.min() <= unit.level <= levels.max())
    if d.slope is not None:
        s = d.slope[c]
        out["inside_range"] &= bool(s.min() <= unit.slope <= s.max())
    return out


def _balance_all(units: list[_Unit]) -> dict:
    if len(units) == 1:
        return _balance(units[0])
    parts = [_balance(u) for u in units]

    def mean(key):
        vals = [p[key] for p in parts if p[key] is not None]
        return float(np.mean(vals)) if vals else None

    return {"treated_level": mean("treated_level"), "comparison_level": mean("comparison_level"),
            "std_diff_level": mean("std_diff_level"), "treated_trend": mean("treated_trend"),
            "comparison_trend": mean("comparison_trend"),
            "std_diff_trend": mean("std_diff_trend"),
            "inside_range": all(p["inside_range"] for p in parts),
            "outside_range": [u.code for u, p in zip(units, parts, strict=True)
                              if not p["inside_range"]]}


def _evidence(n_pre: int, pretrend_p, balance: dict, n_placebo: int, has_interval: bool,
              dip: dict | None = None):
    """The strength of the design (sterk / indicatief) and the reasons it is not sterk."""
    reasons = []
    if n_pre < STRONG_PRE_YEARS:
        reasons.append(f"maar {n_pre} jaar vóór de start gemeten (sterk vanaf "
                       f"{STRONG_PRE_YEARS})")
    if pretrend_p is None:
        reasons.append("geen pre-trendtoets mogelijk")
    elif pretrend_p <= PRETREND_ALPHA:
        reasons.append("vóór de start liep de wijk al anders dan de vergelijkingswijken "
                       f"(pre-trendtoets p = {fmt_number(pretrend_p, 3)})")
    if dip and dip.get("failed"):
        reasons.append(f"zonder het laatste jaar vóór de start ({dip['last_pre_year']}) als "
                       "basis is het verschil niet meer aan te tonen (dip-toets): het kan "
                       "terugveren na een ongewoon jaar zijn")
    if not balance.get("inside_range", True):
        reasons.append("de wijk lag vóór de start buiten het bereik van de vergelijkingswijken")
    if not has_interval or n_placebo < STRONG_MIN_PLACEBOS:
        reasons.append(f"slechts {n_placebo} verschillende placebo-schattingen (sterk vanaf "
                       f"{STRONG_MIN_PLACEBOS})")
    return ("indicatief" if reasons else "sterk"), tuple(reasons)


def _naive_twfe(panel, treated, comps) -> float | None:
    """Plain TWFE over treated and comparison wijken, for comparison only (biased when starts
    differ and effects change over time): least squares on wijk and year dummies (normal
    equations; the design has at most a few hundred columns)."""
    units = [u for u, _ in treated] + [c for c in comps if c not in dict(treated)]
    long = panel.loc[units].stack().rename("y").reset_index()
    long.columns = ["unit", "year", "y"]
    start = dict(treated)
    d = np.array([float(u in start and y >= start[u])
                  for u, y in zip(long["unit"], long["year"], strict=True)])
    u_code, _ = pd.factorize(long["unit"])
    y_code, _ = pd.factorize(long["year"])
    x = np.column_stack([d, np.eye(u_code.max() + 1)[u_code],
                         np.eye(y_code.max() + 1)[y_code][:, 1:]])
    xtx = x.T @ x
    if np.linalg.cond(xtx) > 1e12:
        return None
    return float(np.linalg.solve(xtx, x.T @ long["y"].to_numpy(dtype=float))[0])


def estimate_effect(panel: pd.DataFrame, treated: Mapping[str, int], *, indicator: str = "",
                    exclude=(), n_comparisons: int = 10, n_placebo: int = 199, seed: int = 0,
                    unit: str | None = None, label: str | None = None,
                    exclude_neighbours: bool = False) -> EffectEstimate:
    """Estimate the effect of the tasks on an indicator (see the module docstring).

    Parameters
    ----------
    panel : DataFrame
        Regions × years (:func:`indicator_panel`); ``attrs["unit"]``/``attrs["label"]`` are
        used when ``unit``/``label`` are not given.
    treated : mapping of str to int
        Treated region code → first year of the task.
    indicator : str
        Name, for the output.
    exclude : iterable of str
        Regions with a task of their own: never comparisons or placebos.
    n_comparisons : int
        Comparison wijken per treated wijk.
    n_placebo : int
        Maximum number of placebo estimates.
    seed : int
        Seed of the placebo draws (same seed, same numbers).
    unit, label : str, optional
        Unit and Dutch name of the indicator.
    exclude_neighbours : bool
        Spillover guard: leave the other buurten of a treated buurt's wijk (same first eight
        characters of the code, ``BUggggww``) out of the comparisons and placebos; a task can
        reach its neighbours, and a neighbour that gains too makes the effect look smaller.
        Wijken (WK) have no such neighbours here.

    Returns
    -------
    EffectEstimate

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> years = list(range(2010, 2020))
    >>> base = rng.normal(50, 5, size=(40, 1)) + np.arange(10) * 0.5
    >>> panel = pd.DataFrame(base + rng.normal(0, 1, (40, 10)), columns=years,
    ...                      index=[f"WK0001{i:02d}" for i in range(40)])
    >>> panel.loc["WK000100", 2015:] += 8.0
    >>> est = estimate_effect(panel, {"WK000100": 2015}, indicator="y")
    >>> bool(abs(est.estimate - 8.0) < 2.0), est.placebo["n"], est.evidence_level
    (True, 39, 'sterk')
    >>> (est.p_value <= 0.05) == (not est.ci_low <= 0 <= est.ci_high)
    True
    """
    attrs = dict(getattr(panel, "attrs", {}) or {})
    attrs["unit"] = attrs.get("unit", "") if unit is None else unit
    attrs["label"] = attrs.get("label") or indicator if label is None else label
    panel = panel.copy()
    panel.attrs = attrs
    treated = [(str(u), int(s)) for u, s in treated.items()]
    missing = [u for u, _ in treated if u not in panel.index]
    if missing:
        return _refuse(indicator, treated, [f"{', '.join(missing)}: geen cijfers voor deze "
                                            f"indicator"], panel=panel)
    if panel.loc[[u for u, _ in treated]].notna().sum(axis=1).min() == 0:
        return _refuse(indicator, treated, ["alle waarden van de behandelde wijk ontbreken"],
                       panel=panel)
    codes = [str(c) for c in panel.index]
    cols = [int(c) for c in panel.columns]
    values = panel.to_numpy(dtype=float)
    row_of = {c: i for i, c in enumerate(codes)}
    prefixes = {u[:2] for u, _ in treated}
    blocked = set(exclude) | {u for u, _ in treated}
    if exclude_neighbours:
        wijken = {u[2:8] for u, _ in treated if u.startswith("BU")}
        blocked |= {c for c in codes if c.startswith("BU") and c[2:8] in wijken}
    pool_rows = np.array([i for i, c in enumerate(codes) if c[:2] in prefixes
                          and c not in blocked], dtype=int)
    rng = np.random.default_rng(seed)
    designs: dict = {}
    units, reasons, n_pre_all, n_post_all = [], [], [], []
    for code, start in treated:
        res, n_pre, n_post = _prepare(values, cols, row_of[code], code, start, pool_rows,
                                      n_comparisons, designs)
        n_pre_all.append(n_pre)
        n_post_all.append(n_post)
        if isinstance(res, str):
            reasons.append(res if len(treated) == 1 else f"{code}: {res}")
        else:
            units.append(res)
    if not units:
        if len(treated) > 1:
            reasons.append("geen enkele behandelde wijk heeft genoeg cijfers")
        return _refuse(indicator, treated, reasons, min(n_pre_all), min(n_post_all), panel)
    return _estimate(panel, indicator, treated, units, reasons, n_comparisons, n_placebo, rng,
                     codes)


def _estimate(panel, indicator, treated, units, warnings, k, n_placebo, rng, codes):
    m = len(units)
    beta = float(np.mean([u.att for u in units]))
    pre_atts = [u.pre_att for u in units if np.isfinite(u.pre_att)]
    pre_beta = float(np.mean(pre_atts)) if pre_atts else None
    single_its = (m == 1 and len(units[0].design.pre) >= ITS_MIN_PRE
                  and len(units[0].design.post) >= ITS_MIN_POST)
    weights = _its_weights(units[0].design, units[0].start) if single_its else None
    draws, exhaustive, possible = _draws(units, n_placebo, rng)
    att, noise, trend, pre, short, its_c = _placebo_stats(
        units, draws, k, None if weights is None else weights[0])
    # each region's own noise, moderated towards the typical noise of its role (placebos)
    own, noise_m = _moderated(units, [u.noise for u in units], noise, _df_step)
    own_trend, trend_m = _moderated(units, [u.trend_noise for u in units], trend, _df_trend)
    floors = np.zeros(m)  # the moderated noise is > 0 (a typical noise of 0 is replaced)
    factors = np.array([u.factor for u in units])
    plac_mean, plac_se = studentize(att, noise_m, factors, floors)
    _, se0 = studentize(np.array([[u.att for u in units]]), own, factors, floors)
    se0 = float(se0[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        stats = plac_mean / plac_se
    p, low, high, crit = rank_test(beta, stats, scale=se0)
    n_b = int(np.isfinite(stats).sum())
    if n_b and low is None:
        warnings.append(f"slechts {n_b} verschillende placebo-schattingen: te weinig voor een "
                        "95%-interval (minstens 19 nodig); de kleinste mogelijke p-waarde is "
                        f"{fmt_number(1 / (n_b + 1), 3)}")
    elif not n_b:
        warnings.append("geen placebo-schattingen mogelijk (te weinig wijken zonder taak): geen "
                        "p-waarde en geen interval")
    pretrend_p, dip = None, None
    pre_factors = np.array([u.pre_factor for u in units])
    pre_mean, pre_se = studentize(pre, trend_m, pre_factors, floors)
    with np.errstate(invalid="ignore", divide="ignore"):
        pre_stats = pre_mean / pre_se
    if pre_beta is not None and np.isfinite(pre_stats).any():
        ok = [j for j, u in enumerate(units) if np.isfinite(u.pre_att)]
        _, pre_se0 = studentize(np.array([[units[j].pre_att for j in ok]]),
                                own_trend[:, ok], pre_factors[ok], floors[ok])
        pre_se0 = float(pre_se0[0])
        pretrend_p = rank_test(pre_beta, pre_stats, scale=pre_se0)[0]
    else:
        warnings.append("pre-trendtoets niet mogelijk")
    dip = _dip(units, p, short, noise_m, own, floors)
    its = None
    if weights is not None:
        u = units[0]
        c = float(weights[0] @ u.d)
        with np.errstate(invalid="ignore", divide="ignore"):
            its_stats = its_c / noise_m[:, 0]
        ip, ilow, ihigh, _ = rank_test(c, its_stats, scale=float(own[0, 0]))
        its = {"estimate": c, "ci_low": ilow, "ci_high": ihigh, "p_value": ip,
               "slope_change": float(weights[1] @ u.d),
               "n_years_pre": len(u.design.pre), "n_years_post": len(u.design.post),
               "method": "onderbroken tijdreeks op het verschil tussen de wijk en het gemiddelde "
                         "van de vergelijkingswijken (OLS met sprong en trendbreuk); p-waarde "
                         "en interval uit dezelfde rangtoets met de placebo's, elk gedeeld door "
                         "de eigen schommeling"}
    comps_all: list[str] = []
    for u in units:
        comps_all += [codes[r] for r in u.design.rows[u.comps] if codes[r] not in comps_all]
    balance = _balance_all(units)
    for u in units:
        b = _balance(u)
        if not b["inside_range"]:
            warnings.append(
                f"{u.code} lag vóór de start buiten het bereik van zijn vergelijkingswijken "
                f"(niveau {fmt_number(u.level, 2)}; vergelijking "
                f"{fmt_number(b['comparison_level_min'], 2)} tot "
                f"{fmt_number(b['comparison_level_max'], 2)}"
                + ("" if u.slope is None else
                   f"; trend {fmt_number(u.slope, 2)} per jaar") +
                "): de schatting leunt op extrapolatie en kan regressie naar het gemiddelde "
                "bevatten")
    typical = [typical_noise(u.noise, noise[:, j]) for j, u in enumerate(units)]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = float(np.mean([u.noise / t for u, t in zip(units, typical, strict=True)]))
    if np.isfinite(ratio) and ratio >= NOISY_RATIO:
        warnings.append(f"de {'wijk schommelt' if m == 1 else 'wijken schommelen'} van jaar tot "
                        f"jaar {fmt_number(ratio, 1)} keer zo sterk als gewoon: de toets houdt "
                        "daar rekening mee, het interval is daardoor breder")
    n_pre = min(len(u.design.pre) for u in units)
    n_post = min(len(u.design.post) for u in units)
    level, reasons = _evidence(n_pre, pretrend_p, balance, n_b, low is not None, dip)
    per = ()
    if m > 1:
        per = tuple({"wijk": u.code, "start_year": int(u.start), "estimate": u.att,
                     "comparison_wijken": [codes[r] for r in u.design.rows[u.comps]],
                     "n_years_pre": len(u.design.pre), "n_years_post": len(u.design.post),
                     "balance": _balance(u)} for u in units)
    starts = sorted({u.start for u in units})
    naive = _naive_twfe(panel, [(u.code, u.start) for u in units], comps_all) \
        if len(starts) > 1 else None
    cands = len(units[0].design)
    return EffectEstimate(
        indicator, tuple(treated), beta, float_or_none(low), float_or_none(high),
        float_or_none(p), _method_text(units, k), _interval_text(m, n_b, cands, exhaustive,
                                                                 possible),
        tuple(comps_all), float_or_none(pretrend_p),
        placebo_summary(plac_mean, m, cands, exhaustive, possible),
        n_pre, n_post, tuple(warnings), its, per, naive, unit=panel.attrs.get("unit", ""),
        label=panel.attrs.get("label", indicator), evidence_level=level,
        evidence_reasons=reasons,
        mde=_mde(stats, crit, se0),
        balance=balance, pretrend_estimate=pre_beta, dip=dip,
        noise={"treated": [float_or_none(u.noise) for u in units],
               "moderated": [float_or_none(v) for v in own[0]],
               "typical": [float_or_none(t) for t in typical], "ratio": float_or_none(ratio),
               "standard_error": float_or_none(se0)},
        _panel=panel)


def _mde(stats, crit, se0) -> float | None:
    """The minimum detectable effect in the unit of the estimate (the studentized placebos
    times the treated region's own standard error)."""
    mde = minimum_detectable_effect(stats, crit)
    return None if mde is None else float(se0 * mde)


def _dip(units, p, short, noise, own_noise, floors) -> dict:
    """Dip check: does a significant result survive leaving the last pre-year out of the
    base? A region chosen after an unusually bad (or good) year moves back towards normal
    afterwards; with that year in the base the move looks like an effect (Ashenfelter's dip).
    The estimate without it gets the same noise-aware rank test (its placebos computed the
    same way); the check fails when the estimate is significant and this one is not, or has
    the other sign."""
    last = {int(u.design.pre[-1]) for u in units}
    own = np.array([[_without_last_pre_year(u.d, len(u.design.pre)) for u in units]])
    value = float(own.mean())
    factors = np.array([u.short_factor for u in units])
    mean, se = studentize(short, noise, factors, floors)
    _, se0 = studentize(own, own_noise, factors, floors)
    with np.errstate(invalid="ignore", divide="ignore"):
        stats = mean / se
    p_short = rank_test(value, stats, scale=float(se0[0]))[0]
    beta = float(np.mean([u.att for u in units]))
    failed = bool(p is not None and p <= ALPHA and p_short is not None
                  and (p_short > ALPHA or np.sign(value) != np.sign(beta)))
    return {"last_pre_year": last.pop() if len(last) == 1 else None,
            "estimate_without_last_pre_year": value, "p_value": p_short, "failed": failed}


def _method_text(units, k) -> str:
    m = len(units)
    starts = sorted({u.start for u in units})
    method = ("verschil-in-verschillen: per behandelde wijk (gemiddelde vanaf de start − "
              "gemiddelde van alle jaren vóór de start) min hetzelfde voor zijn "
              f"{k} vergelijkingswijken, gekozen op niveau en trend vóór de start")
    if m > 1:
        method += f"; gemiddeld over {m} behandelde wijken (gelijk gewicht)"
    if len(starts) > 1:
        method += (" — gespreide start: elke wijk vanaf zijn eigen startjaar met als basis het "
                   "gemiddelde van al zijn jaren vóór de start, alleen wijken zonder taak als "
                   "vergelijking")
    return method


def _interval_text(m, n_b, cands, exhaustive, possible) -> str:
    what = "wijk" if m == 1 else "wijken"
    if exhaustive and m == 1:
        text = (f"rangtoets: elk van de {n_b} kandidaat-wijken zonder taak één keer als "
                "behandeld genomen en op dezelfde manier geschat (met eigen "
                "vergelijkingswijken)")
    elif exhaustive:
        text = (f"rangtoets: alle {n_b} verschillende combinaties van {m} {what} zonder taak "
                f"(uit {cands} kandidaten) als behandeld genomen en op dezelfde manier geschat "
                "(met eigen vergelijkingswijken)")
    else:
        text = (f"rangtoets: {n_b} verschillende trekkingen van telkens {m} {what} zonder taak "
                f"(uit {cands} kandidaten) als behandeld genomen en op dezelfde manier "
                "geschat (met eigen vergelijkingswijken)")
    return text + ("; elke schatting gedeeld door de eigen schommeling van die wijk "
                   "(gestudentiseerd), zodat een onrustige wijk niet vaker 'raak' geeft; "
                   "p-waarde en 95%-interval komen uit dezelfde toets "
                   "(|schatting − δ| / eigen standaardfout tegen de placebo's)")
