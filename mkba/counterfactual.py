"""Counterfactual effect estimates: comparison wijken, difference-in-differences, placebo
inference, staggered adoption and interrupted time series.

Method (the reports and the JSON say which part produced a number):

1. **Comparison wijken.** For a treated wijk starting in year ``S``, the ``k`` (default 10)
   untreated regions of the same level (wijk with wijk, buurt with buurt) whose values of the
   indicator in the years before ``S`` are closest — Euclidean distance after standardising each
   year over the candidates. Regions with a task of their own are never comparisons, and a
   candidate needs a value in every year used (a balanced panel).
2. **One start year** (one or more treated wijken): difference-in-differences as a two-way
   fixed-effects regression ``y_it = α_i + γ_t + β·D_it + ε_it`` (statsmodels OLS, standard
   errors clustered by wijk) on the treated wijken and their comparisons. On a balanced panel
   ``β`` equals the difference of the before/after means.
3. **Several start years** (staggered adoption): a plain two-way fixed-effects regression then
   uses already-treated wijken as controls and can be badly biased. Instead, per treated wijk
   ``i``: ``ATT_i = mean_t[(y_it − y_ib) − mean_{j∈C_i}(y_jt − y_jb)]`` over its years from
   ``S_i`` on, with ``b`` its last year before ``S_i`` and ``C_i`` its own comparisons (never
   treated) — the group-time approach of Callaway & Sant'Anna (2021) with never-treated
   controls — averaged with equal weight per treated wijk.
4. **Interval and p-value.** With fewer than ``cluster_min`` (10) treated wijken, clustered
   standard errors are not valid. The same estimator is then run on untreated wijken as if they
   had been treated (placebos, up to ``n_placebo``); ``p = (1 + #{|β_placebo| ≥ |β|}) /
   (1 + B)`` and the 95 % interval is ``[β − q97.5, β − q2.5]`` of the placebo estimates
   (permutation inference as in synthetic-control studies, Abadie et al. 2010). With more
   treated wijken: clustered standard errors (one start year) or the spread of the per-wijk
   estimates (staggered).
5. **Pre-trend check**: the same estimate with a fake start at the last year before ``S``,
   using only years before ``S`` (needs two such years); its p-value comes from the same
   inference. **Placebo check**: the distribution of the placebo estimates.
6. **Interrupted time series** for a single treated wijk with at least 4 years before and 2
   from the start: ``y_t = a + b(t − S) + c·D_t + d·D_t(t − S)``, OLS with Newey–West errors;
   ``c`` is the change in level.

When the data cannot support an estimate (too few years, too few comparisons, missing values)
the result carries no number and says why, in Dutch.

References
----------
Callaway, B. & Sant'Anna, P. (2021). Difference-in-differences with multiple time periods.
Journal of Econometrics 225(2). Goodman-Bacon, A. (2021), same issue. Abadie, A., Diamond, A. &
Hainmueller, J. (2010). Synthetic control methods. JASA 105(490).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# the modules themselves, not statsmodels.api (which loads all of statsmodels: +0.4 s per kernel)
from statsmodels.formula.api import ols
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from .errors import CaseError
from .formatting import fmt_number

__all__ = ["EffectEstimate", "estimate_effect", "effect_for_case", "indicator_panel",
           "quantities_from_estimates", "select_comparisons"]

MIN_COMPARISONS = 3
CLUSTER_MIN = 10
ITS_MIN_PRE, ITS_MIN_POST = 4, 2


@dataclass(frozen=True)
class EffectEstimate:
    """An effect estimate (or a reasoned refusal) for an indicator.

    ``estimate`` is ``None`` when the data cannot support one; ``warnings`` then says why.
    """

    indicator: str
    treated: tuple[tuple[str, int], ...]
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    method: str
    interval_method: str
    comparison_wijken: tuple[str, ...]
    pretrend_p_value: float | None
    placebo: dict
    n_years_pre: int
    n_years_post: int
    warnings: tuple[str, ...]
    its: dict | None = None
    per_wijk: tuple[dict, ...] = ()
    twfe_naive: float | None = None
    _panel: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        if self.estimate is None:
            return f"<EffectEstimate {self.indicator}: geen schatting>"
        return (f"<EffectEstimate {self.indicator}: {fmt_number(self.estimate, 2)} "
                f"[{fmt_number(self.ci_low, 2)}; {fmt_number(self.ci_high, 2)}]>")

    def to_dict(self) -> dict:
        return {
            "indicator": self.indicator,
            "treated": [{"wijk": w, "start_year": s} for w, s in self.treated],
            "estimate": self.estimate, "ci_low": self.ci_low, "ci_high": self.ci_high,
            "p_value": self.p_value, "method": self.method,
            "interval_method": self.interval_method,
            "comparison_wijken": list(self.comparison_wijken),
            "pretrend_p_value": self.pretrend_p_value, "placebo": self.placebo,
            "n_years_pre": self.n_years_pre, "n_years_post": self.n_years_post,
            "its": self.its, "per_wijk": list(self.per_wijk), "twfe_naive": self.twfe_naive,
            "warnings": list(self.warnings),
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    def summary(self) -> pd.DataFrame:
        """Dutch two-column table."""
        def num(v, d=2):
            return "–" if v is None else fmt_number(v, d)

        rows = [
            ("Indicator", self.indicator),
            ("Behandelde wijk(en)", ", ".join(f"{w} (vanaf {s})" for w, s in self.treated)),
            ("Geschat effect", num(self.estimate)),
            ("95%-interval", "–" if self.ci_low is None
             else f"{num(self.ci_low)} tot {num(self.ci_high)}"),
            ("p-waarde", num(self.p_value, 3)),
            ("Methode", self.method),
            ("Interval", self.interval_method),
            ("Vergelijkingswijken", ", ".join(self.comparison_wijken) or "–"),
            ("Pre-trendtoets (p)", num(self.pretrend_p_value, 3)),
            ("Jaren vóór / vanaf start", f"{self.n_years_pre} / {self.n_years_post}"),
        ]
        if self.its:
            rows.append(("Onderbroken tijdreeks (niveausprong)",
                         f"{num(self.its['estimate'])} [{num(self.its['ci_low'])}; "
                         f"{num(self.its['ci_high'])}]"))
        rows += [("Let op", w) for w in self.warnings]
        return pd.DataFrame(rows, columns=["Onderdeel", "Waarde"]).set_index("Onderdeel")

    def plot(self, ax=None, **kwargs):
        from .plots import plot_effect

        return plot_effect(self, ax=ax, **kwargs)


# --------------------------------------------------------------------------------------
# data


def indicator_panel(indicator: str, *, kwb: pd.DataFrame | None = None, case=None,
                    threshold: int = 10) -> pd.DataFrame:
    """Wide panel (regions × years) of one indicator: from the case's ``metingen`` when it
    has that indicator (any wijken or buurten), else from the CBS figures.

    Counts below the small-number threshold are set to missing (never used or shown).
    """
    if case is not None and indicator in set(case.metingen["indicator"]):
        m = case.metingen[case.metingen["indicator"] == indicator]
        small = (m["n"].notna() & (m["n"] < threshold)).to_numpy(dtype=bool)
        m = m.assign(waarde=m["waarde"].where(~small))
        wide = m.pivot_table(index="wijk_code", columns="jaar", values="waarde", aggfunc="first",
                             dropna=False)
        wide.columns = wide.columns.astype(int)
        wide.index.name, wide.columns.name = "region_code", "year"
        return wide.astype(float)
    if kwb is None:
        from .cbs import load_kwb

        kwb = load_kwb()
    from .indicators import _is_count

    sub = kwb[kwb["indicator"] == indicator]
    if sub.empty:
        raise CaseError(f"indicator '{indicator}' niet gevonden in de metingen of de CBS-cijfers")
    value = sub["value"].where(~(_is_count(sub["unit"].iloc[0], indicator)
                                 & (sub["value"] < threshold)))
    wide = sub.assign(value=value).pivot_table(index="region_code", columns="year",
                                               values="value", aggfunc="first", dropna=False)
    return wide.astype(float)


# --------------------------------------------------------------------------------------
# building blocks (plain numpy; the main estimate also goes through statsmodels)


def select_comparisons(panel: pd.DataFrame, unit: str, pre_years, used_years, pool,
                       k: int) -> list[str]:
    """The ``k`` units of ``pool`` closest to ``unit`` on the pre-period values (standardised
    per year), among those with a value in every pre-year and every year of ``used_years``."""
    needed = sorted(set(pre_years) | set(used_years))
    candidates = panel.loc[panel.index.intersection(list(pool)), needed].dropna()
    if candidates.empty:
        return []
    pre = list(pre_years)
    x = candidates[pre].to_numpy()
    target = panel.loc[unit, pre].to_numpy(dtype=float)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    distance = np.sqrt((((x - target) / sd) ** 2).sum(axis=1))
    order = np.argsort(distance, kind="stable")[:k]
    return list(candidates.index[order])


def _comparison_union(panel, units, pre, used, pool, k) -> list[str]:
    """The comparisons of every treated unit together, in order, without repeats."""
    comps: list[str] = []
    for u in units:
        for c in select_comparisons(panel, u, pre, used, pool, k):
            if c not in comps:
                comps.append(c)
    return comps


def _did_means(panel: pd.DataFrame, treated, controls, pre, post) -> float:
    """2×2 difference-in-differences of period means (equals TWFE on a balanced panel)."""
    t = panel.loc[list(treated)]
    c = panel.loc[list(controls)]
    return float((t[post].to_numpy().mean() - t[pre].to_numpy().mean())
                 - (c[post].to_numpy().mean() - c[pre].to_numpy().mean()))


def _twfe(panel: pd.DataFrame, treated, controls, pre, post, cluster: bool):
    """TWFE regression with statsmodels; returns (beta, se, p, ci_low, ci_high) or beta."""
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


def _unit_att(panel, unit, start, pool, k, years, fake_start=None):
    """Per-unit ATT against its own comparisons from the last pre-year (staggered design).

    With ``fake_start`` the same quantity for the pre-period only (pre-trend check).
    Returns (att, comparisons, n_pre, n_post) or None when the data do not allow it.
    """
    row = panel.loc[unit]
    have = [y for y in years if pd.notna(row.get(y))]
    pre = [y for y in have if y < start]
    post = [y for y in have if y >= start]
    if fake_start is not None:
        if len(pre) < 2:
            return None
        post, pre = [pre[-1]], pre[:-1]
    if not pre or not post:
        return None
    base = pre[-1]
    comps = select_comparisons(panel, unit, pre, [base, *post], pool, k)
    if len(comps) < MIN_COMPARISONS:
        return None
    c = panel.loc[comps]
    own = row[post].to_numpy(dtype=float) - row[base]
    ctrl = (c[post].to_numpy(dtype=float) - c[[base]].to_numpy(dtype=float)).mean(axis=0)
    return float(np.mean(own - ctrl)), comps, len(pre), len(post)


# --------------------------------------------------------------------------------------
# the estimate


def _permutation(beta: float, placebos: np.ndarray) -> tuple[float, float, float]:
    """p-value and interval from placebo estimates (test inversion under a constant effect).

    The interval uses order statistics, not interpolated quantiles: with ``B`` placebos the
    ``k``-th smallest and largest, ``k = max(1, ⌊0.025 (B + 1)⌋)``, which covers with
    probability ``1 − 2k / (B + 1)`` (95 % from ``B = 39`` on; see :func:`_coverage`).
    """
    b = np.sort(placebos[np.isfinite(placebos)])
    p = (1 + np.sum(np.abs(b) >= abs(beta) - 1e-12)) / (1 + len(b))
    k = _order_k(len(b))
    low, high = beta - b[len(b) - k], beta - b[k - 1]
    return float(p), float(low), float(high)


def _order_k(n: int) -> int:
    return max(1, int(np.floor(0.025 * (n + 1))))


def _coverage(n: int) -> float:
    """Coverage of the placebo interval with ``n`` placebo estimates."""
    return 1 - 2 * _order_k(n) / (n + 1)


def _placebo_summary(placebos: np.ndarray) -> dict:
    b = placebos[np.isfinite(placebos)]
    if len(b) == 0:
        return {"n": 0}
    return {"n": int(len(b)), "mean": float(b.mean()), "sd": float(b.std(ddof=1)) if len(b) > 1
            else None, "p5": float(np.quantile(b, 0.05)), "p95": float(np.quantile(b, 0.95))}


def _refuse(indicator, treated, reasons, n_pre=0, n_post=0, panel=None) -> EffectEstimate:
    return EffectEstimate(indicator, tuple(treated), None, None, None, None, "geen schatting",
                          "–", (), None, {"n": 0}, n_pre, n_post, tuple(reasons), _panel=panel)


def _common_timing(panel, indicator, treated, start, pool, k, n_placebo, rng, cluster_min):
    units = [u for u, _ in treated]
    years = [y for y in panel.columns
             if panel.loc[units, y].notna().all()]
    pre = [y for y in years if y < start]
    post = [y for y in years if y >= start]
    warnings = []
    if not pre:
        return _refuse(indicator, treated, [f"geen meting vóór het startjaar {start}: een "
                                            "voor-en-navergelijking is niet mogelijk"],
                       0, len(post), panel)
    if not post:
        return _refuse(indicator, treated, [f"geen meting vanaf het startjaar {start}: het "
                                            "effect is nog niet te meten"], len(pre), 0, panel)
    comps = _comparison_union(panel, units, pre, years, pool, k)
    if len(comps) < MIN_COMPARISONS:
        return _refuse(indicator, treated, [
            f"te weinig vergelijkingswijken met cijfers in alle jaren ({len(comps)}; minstens "
            f"{MIN_COMPARISONS} nodig)"], len(pre), len(post), panel)
    beta = _twfe(panel, units, comps, pre, post, cluster=False)
    # placebo: the same procedure on untreated units pretending to be treated
    pool_list = [p for p in pool if panel.loc[p, years].notna().all()]
    draws = _placebo_draws(pool_list, len(units), n_placebo, rng)
    matrix = _Pool(panel, pool_list, years)
    placebos = np.array([_placebo_common(panel, d, matrix, pre, post, k) for d in draws])
    if len(units) >= cluster_min:
        beta_c, p, low, high = _twfe(panel, units, comps, pre, post, cluster=True)
        interval = f"geclusterde standaardfouten per wijk ({len(units) + len(comps)} wijken)"
    else:
        p, low, high = _permutation(beta, placebos)
        interval = (f"placebo-schattingen op {np.isfinite(placebos).sum()} wijken zonder taak "
                    "(permutatie-inferentie); geclusterde standaardfouten zijn bij zo weinig "
                    "behandelde wijken niet geldig")
        warnings += _few_placebo_warning(placebos)
    pretrend = _pretrend_common(panel, units, pre, pool, pool_list, k, draws, cluster_min)
    if pretrend is None:
        warnings.append("pre-trendtoets niet mogelijk: minstens twee jaren vóór de start nodig")
    method = ("verschil-in-verschillen met wijk- en jaareffecten (statsmodels OLS), "
              f"{len(comps)} vergelijkingswijken")
    its = _its(panel, units[0], start) if len(units) == 1 else None
    return EffectEstimate(indicator, tuple(treated), beta, low, high, p, method, interval,
                          tuple(comps), pretrend, _placebo_summary(placebos), len(pre),
                          len(post), tuple(warnings), its, _panel=panel)


def _placebo_draws(pool_list, m, n_placebo, rng):
    if m == 1 and len(pool_list) <= n_placebo:
        return [[p] for p in pool_list]
    if len(pool_list) < m + MIN_COMPARISONS:
        return []
    return [list(rng.choice(pool_list, size=m, replace=False)) for _ in range(n_placebo)]


class _Pool:
    """The candidate units' values as one numpy matrix, built once per estimate."""

    def __init__(self, panel, pool_list, cols):
        self.cols = list(cols)
        block = panel.loc[list(pool_list), self.cols]
        self.complete = block.notna().all(axis=1).to_numpy()
        self.values = block.to_numpy(dtype=float)
        self.index = {u: i for i, u in enumerate(pool_list)}


def _placebo_common(panel, fake, pool: _Pool, pre, post, k) -> float:
    """The common-timing estimate for pseudo-treated units (numpy; the same rules as the real
    estimate: comparisons by :func:`select_comparisons`' distance, difference of means)."""
    pre_idx = [pool.cols.index(y) for y in pre]
    post_idx = [pool.cols.index(y) for y in post]
    usable = pool.complete.copy()
    usable[[pool.index[u] for u in fake]] = False
    rows = np.flatnonzero(usable)
    x = pool.values[rows][:, pre_idx]
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    chosen: list[int] = []
    for unit in fake:
        target = pool.values[pool.index[unit], pre_idx]
        distance = np.sqrt((((x - target) / sd) ** 2).sum(axis=1))
        for i in rows[np.argsort(distance, kind="stable")[:k]]:
            if i not in chosen:
                chosen.append(i)
    if len(chosen) < MIN_COMPARISONS:
        return np.nan
    t = pool.values[[pool.index[u] for u in fake]]
    c = pool.values[chosen]
    return float((t[:, post_idx].mean() - t[:, pre_idx].mean())
                 - (c[:, post_idx].mean() - c[:, pre_idx].mean()))


def _pretrend_common(panel, units, pre, pool, pool_list, k, draws, cluster_min):
    if len(pre) < 2:
        return None
    fake_pre, fake_post = pre[:-1], pre[-1:]
    comps = _comparison_union(panel, units, fake_pre, pre, pool, k)
    if len(comps) < MIN_COMPARISONS:
        return None
    if len(units) >= cluster_min:
        return _twfe(panel, units, comps, fake_pre, fake_post, cluster=True)[1]
    beta = _did_means(panel, units, comps, fake_pre, fake_post)
    matrix = _Pool(panel, pool_list, pre)
    placebos = np.array([_placebo_common(panel, d, matrix, fake_pre, fake_post, k)
                         for d in draws])
    if np.isfinite(placebos).sum() == 0:
        return None
    return _permutation(beta, placebos)[0]


def _few_placebo_warning(placebos) -> list[str]:
    n = int(np.isfinite(placebos).sum())
    if n < 39:
        cover = f"{100 * _coverage(n):.0f}".replace(".", ",") if n else "0"
        return [f"slechts {n} placebo-schattingen: de kleinste mogelijke p-waarde is "
                f"{1 / (n + 1):.3f}".replace(".", ",")
                + f" en het interval dekt {cover} % in plaats van 95 %"]
    return []


def _its(panel, unit, start) -> dict | None:
    row = panel.loc[unit].dropna()
    years = np.array(row.index, dtype=float)
    pre, post = (years < start).sum(), (years >= start).sum()
    if pre < ITS_MIN_PRE or post < ITS_MIN_POST:
        return None
    t = years - start
    d = (years >= start).astype(float)
    x = add_constant(np.column_stack([t, d, d * t]))
    fit = OLS(row.to_numpy(dtype=float), x).fit(cov_type="HAC", cov_kwds={"maxlags": 1})
    low, high = fit.conf_int(alpha=0.05)[2]
    return {"estimate": float(fit.params[2]), "ci_low": float(low), "ci_high": float(high),
            "p_value": float(fit.pvalues[2]), "slope_change": float(fit.params[3]),
            "n_years_pre": int(pre), "n_years_post": int(post),
            "method": "onderbroken tijdreeks (OLS, Newey-West-standaardfouten)"}


def _staggered(panel, indicator, treated, pool, k, n_placebo, rng, cluster_min):
    years = list(panel.columns)
    per, warnings, comps_all = [], [], []
    for unit, start in treated:
        res = _unit_att(panel, unit, start, pool, k, years)
        if res is None:
            warnings.append(f"{unit}: geen schatting (te weinig jaren of vergelijkingswijken)")
            continue
        att, comps, n_pre, n_post = res
        per.append({"wijk": unit, "start_year": int(start), "estimate": att,
                    "comparison_wijken": comps, "n_years_pre": n_pre, "n_years_post": n_post})
        comps_all += [c for c in comps if c not in comps_all]
    if not per:
        return _refuse(indicator, treated, warnings + ["geen enkele behandelde wijk heeft "
                                                       "genoeg cijfers"], panel=panel)
    estimates = np.array([p["estimate"] for p in per])
    beta = float(estimates.mean())
    starts = [p["start_year"] for p in per]
    pool_list = list(pool)
    placebos = []
    for _ in range(n_placebo if len(pool_list) > len(per) + MIN_COMPARISONS else 0):
        fake = rng.choice(pool_list, size=len(per), replace=False)
        rest = [p for p in pool_list if p not in set(fake)]
        vals = [_unit_att(panel, f, s, rest, k, years) for f, s in zip(fake, starts, strict=True)]
        vals = [v[0] for v in vals if v is not None]
        placebos.append(np.mean(vals) if vals else np.nan)
    placebos = np.array(placebos, dtype=float)
    if len(per) >= cluster_min:
        se = estimates.std(ddof=1) / np.sqrt(len(per))
        low, high = beta - 1.96 * se, beta + 1.96 * se
        from scipy import stats

        p = float(2 * stats.norm.sf(abs(beta) / se)) if se > 0 else np.nan
        interval = f"spreiding van de {len(per)} schattingen per wijk (normale benadering)"
    elif np.isfinite(placebos).sum():
        p, low, high = _permutation(beta, placebos)
        interval = (f"placebo-schattingen ({np.isfinite(placebos).sum()} trekkingen van wijken "
                    "zonder taak, permutatie-inferentie)")
        warnings += _few_placebo_warning(placebos)
    else:
        p = low = high = None
        interval = "geen interval: te weinig wijken zonder taak voor placebo's"
    pre_atts = [_unit_att(panel, u, s, pool, k, years, fake_start=True) for u, s in treated]
    pre_atts = [v[0] for v in pre_atts if v is not None]
    pretrend = None
    if pre_atts:
        pre_beta = float(np.mean(pre_atts))
        pre_placebos = []
        for _ in range(min(n_placebo, 99) if len(pool_list) > len(per) + MIN_COMPARISONS else 0):
            fake = rng.choice(pool_list, size=len(treated), replace=False)
            rest = [p for p in pool_list if p not in set(fake)]
            vals = [_unit_att(panel, f, s, rest, k, years, fake_start=True)
                    for f, (_, s) in zip(fake, treated, strict=True)]
            vals = [v[0] for v in vals if v is not None]
            pre_placebos.append(np.mean(vals) if vals else np.nan)
        pre_placebos = np.array(pre_placebos, dtype=float)
        if np.isfinite(pre_placebos).sum():
            pretrend = _permutation(pre_beta, pre_placebos)[0]
    else:
        warnings.append("pre-trendtoets niet mogelijk: minstens twee jaren vóór de start nodig")
    naive = _naive_twfe(panel, treated, comps_all)
    method = ("verschil-in-verschillen per behandelde wijk met eigen vergelijkingswijken "
              "(nooit behandeld), gemiddeld over de wijken (gespreide start, Callaway & "
              "Sant'Anna)")
    return EffectEstimate(indicator, tuple(treated), beta, _f(low), _f(high), _f(p), method,
                          interval, tuple(comps_all), pretrend, _placebo_summary(placebos),
                          min(p_["n_years_pre"] for p_ in per),
                          min(p_["n_years_post"] for p_ in per), tuple(warnings), None,
                          tuple(per), naive, _panel=panel)


def _f(v):
    return None if v is None or not np.isfinite(v) else float(v)


def _naive_twfe(panel, treated, comps) -> float | None:
    """Plain TWFE over treated and comparison wijken, for comparison only (biased when starts
    differ and effects change over time)."""
    units = [u for u, _ in treated] + list(comps)
    long = panel.loc[units].stack().rename("y").reset_index()
    long.columns = ["unit", "year", "y"]
    start = dict(treated)
    long["d"] = [float(u in start and y >= start[u]) for u, y in zip(long["unit"], long["year"],
                                                                      strict=True)]
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(ols("y ~ C(unit) + C(year) + d", data=long).fit().params["d"])
    except (ValueError, np.linalg.LinAlgError):
        return None


def estimate_effect(panel: pd.DataFrame, treated: Mapping[str, int], *, indicator: str = "",
                    exclude=(), n_comparisons: int = 10, n_placebo: int = 199, seed: int = 0,
                    cluster_min: int = CLUSTER_MIN) -> EffectEstimate:
    """Estimate the effect of the tasks on an indicator (see the module docstring).

    Parameters
    ----------
    panel : DataFrame
        Regions × years (:func:`indicator_panel`).
    treated : mapping of str to int
        Treated region code → first year of the task.
    indicator : str
        Name, for the output.
    exclude : iterable of str
        Regions with a task of their own: never comparisons.
    n_comparisons : int
        Comparison wijken per treated wijk.
    n_placebo : int
        Maximum number of placebo estimates.
    seed : int
        Seed of the placebo draws (same seed, same numbers).
    cluster_min : int
        From this many treated wijken on, clustered standard errors are used.

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
    >>> bool(abs(est.estimate - 8.0) < 2.0), est.placebo["n"]
    (True, 39)
    """
    treated = [(str(u), int(s)) for u, s in treated.items()]
    missing = [u for u, _ in treated if u not in panel.index]
    if missing:
        return _refuse(indicator, treated, [f"{', '.join(missing)}: geen cijfers voor deze "
                                            f"indicator"], panel=panel)
    if panel.loc[[u for u, _ in treated]].notna().sum(axis=1).min() == 0:
        return _refuse(indicator, treated, ["alle waarden van de behandelde wijk ontbreken"],
                       panel=panel)
    prefixes = {u[:2] for u, _ in treated}
    blocked = set(exclude) | {u for u, _ in treated}
    # candidates need a value in every year in which all treated regions have one
    common = [y for y in panel.columns if panel.loc[[u for u, _ in treated], y].notna().all()]
    complete = panel[common].notna().all(axis=1) if common else panel.notna().any(axis=1)
    pool = [r for r in panel.index[complete.to_numpy()] if r[:2] in prefixes and r not in blocked]
    rng = np.random.default_rng(seed)
    starts = {s for _, s in treated}
    if len(starts) == 1:
        return _common_timing(panel, indicator, treated, starts.pop(), pool, n_comparisons,
                              n_placebo, rng, cluster_min)
    return _staggered(panel, indicator, treated, pool, n_comparisons, n_placebo, rng,
                      cluster_min)


# --------------------------------------------------------------------------------------
# a case's tasks as treatment


def _task_starts(case) -> dict[str, int]:
    """Each wijk with a task, treated from the earliest startjaar of its tasks."""
    t = case.taken.groupby("wijk_code")["startjaar"].min()
    return {str(w): int(s) for w, s in t.items()}


def effect_for_case(case, indicator: str, *, wijk: str | None = None,
                    start_year: int | None = None, kwb: pd.DataFrame | None = None,
                    **kwargs) -> EffectEstimate:
    """The effect of a case's tasks on an indicator (what ``mkba effect`` runs).

    With ``wijk``: that wijk, from ``start_year`` (default the startjaar of its task). Without:
    every wijk with a task from its own startjaar (staggered), aggregated, with the estimate per
    wijk. Wijken with a task are never comparisons. The indicator comes from the case's
    ``metingen`` when it is there, else from the CBS figures.
    """
    panel = indicator_panel(indicator, kwb=kwb, case=case)
    starts = _task_starts(case)
    if wijk is not None:
        if start_year is None:
            if wijk not in starts:
                raise CaseError(f"{wijk} heeft geen taak in de casus: geef --start-year op")
            start_year = starts[wijk]
        treated = {wijk: int(start_year)}
    else:
        treated = starts
    exclude = set(starts) - set(treated)
    return estimate_effect(panel, treated, indicator=indicator, exclude=exclude, **kwargs)


def quantities_from_estimates(case, kwb: pd.DataFrame | None = None, **kwargs):
    """Fill the empty ``hoeveelheid`` of effect lines that name an ``indicator``.

    The quantity per year is the estimated effect on the indicator in the task's wijk from its
    startjaar, in the direction of improvement: sign-flipped when the line's ``richting`` (or,
    when empty, the indicator's known direction in
    :data:`mkba.assumptions.INDICATOR_DIRECTIONS`) is ``lager``. Whether a ``doelen`` row
    exists does not matter: two tasks with the same indicator get the same sign convention.
    The estimate is already net of what would have happened anyway, so such a line has no
    deadweight (checked when the case is read). ``hoeveelheid_laag``/``hoeveelheid_hoog`` get
    the 95 % interval (when not given). Returns the new case and the estimates used.

    Raises
    ------
    CaseError
        When an estimate is not possible, naming the line and the reason.
    """
    e = case.effecten
    todo = e["hoeveelheid"].isna() & e["indicator"].notna() & ~e["pm"]
    if not todo.any():
        return case, []
    from .errors import Problem

    taken = case.taken.set_index("taak_id")
    from .assumptions import INDICATOR_DIRECTIONS

    e = e.copy()
    used, problems = [], []
    file = case.files.get("effecten", "effecten.csv")
    for idx in e.index[todo.to_numpy()]:
        line = e.loc[idx]
        wijk = taken.at[line["taak_id"], "wijk_code"]
        start = int(taken.at[line["taak_id"], "startjaar"])
        est = effect_for_case(case, line["indicator"], wijk=wijk, start_year=start, kwb=kwb,
                              **kwargs)
        if est.estimate is None:
            problems.append(Problem(file, int(line["_row"]), "hoeveelheid",
                                    "geen schatting mogelijk voor indicator "
                                    f"'{line['indicator']}': {'; '.join(est.warnings)}"))
            continue
        # the direction of improvement belongs to the indicator (the line's own richting, or
        # its known direction), never to whether a doelen row exists
        direction = line["richting"] if isinstance(line["richting"], str) else \
            INDICATOR_DIRECTIONS.get(line["indicator"], "hoger")
        sign = -1.0 if direction == "lager" else 1.0
        bounds = sorted([sign * est.ci_low, sign * est.ci_high]) if est.ci_low is not None \
            else [np.nan, np.nan]
        e.loc[idx, "hoeveelheid"] = sign * est.estimate
        if pd.isna(line["hoeveelheid_laag"]):
            e.loc[idx, "hoeveelheid_laag"] = bounds[0]
        if pd.isna(line["hoeveelheid_hoog"]):
            e.loc[idx, "hoeveelheid_hoog"] = bounds[1]
        used.append(est)
    if problems:
        raise CaseError(problems)
    return case.with_table("effecten", e), used
