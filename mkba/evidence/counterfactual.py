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

   — the base period is the mean of all pre-years, everywhere — and the effect is the mean of
   ``ATT_i`` over the treated wijken (equal weights). For one wijk this equals the two-way
   fixed-effects regression ``y_it = α_i + γ_t + β·D_it`` on the wijk and its comparisons; with
   several start years it is the group-time approach of Callaway & Sant'Anna (2021) with
   never-treated comparisons.
4. **Inference: one rank test.** The whole procedure, matching included, is repeated with
   untreated regions pretending to be the treated ones (placebos): for one treated wijk every
   candidate once when there are at most ``n_placebo`` of them, else ``n_placebo`` random
   draws of as many regions as there are treated wijken, each with the pre- and post-years of
   the wijk it stands in for. Under "the effect is δ" the estimate minus δ is exchangeable with
   the placebo estimates ``b_1..b_B``, so ::

       p(δ) = (1 + #{|b_k| ≥ |β − δ|}) / (1 + B)

   The p-value is ``p(0)``; the 95 % interval is ``{δ : p(δ) > 0,05} = [β − a_r, β + a_r]``
   with ``a_r`` the ``r``-th largest ``|b_k|``, ``r = ⌊0,05 (B + 1)⌋`` (none when ``B < 19``).
   So ``p ≤ 0,05`` exactly when the interval excludes 0. Placebo wijken share comparison
   wijken just as the real treated wijken do, so with many treated wijken that dependence is
   in the reference distribution (no clustered or normal-theory standard errors).
5. **Minimum evidence.** No estimate with fewer than 2 pre-years. ``evidence_level`` is
   ``geen`` (no estimate), ``indicatief`` (2–3 pre-years, a pre-trend test that fails or
   cannot be done, a treated wijk outside the pre-period range of its comparisons, or fewer
   than 39 placebos) or ``sterk``. ``mde`` is the smallest effect the test finds with 80 %
   probability, from the placebo distribution (so that "not significant" is not read as
   "no effect").
6. **Pre-trend test**: the same estimate with a fake start at the last pre-year, using only the
   pre-years (needs two), with the same rank test. **Balance**: level and trend before the
   start, treated against comparisons.
7. **Interrupted time series** (one treated wijk, ≥ 4 pre-years, ≥ 2 post-years): segmented OLS
   ``d_t = a + b(t − S) + c·D_t + e·D_t(t − S)`` on the *difference* between the wijk and the
   mean of its comparisons, so that a shock common to all wijken cancels; ``c`` (change in
   level) gets its p-value and interval from the same rank test over the placebos' ``c``.

When the data cannot support an estimate (too few years, too few comparisons, missing values)
the result carries no number and says why, in Dutch.

References
----------
Callaway, B. & Sant'Anna, P. (2021). Difference-in-differences with multiple time periods.
Journal of Econometrics 225(2). Abadie, A., Diamond, A. & Hainmueller, J. (2010). Synthetic
control methods. JASA 105(490). Conley, T. & Taber, C. (2011). Inference with "difference in
differences" with a small number of policy changes. Review of Economics and Statistics 93(1).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# the module itself, not statsmodels.api (which loads all of statsmodels: +0.4 s per kernel)
from mkba.base.assumptions import ASSUMPTIONS
from mkba.base.formatting import fmt_number
from mkba.base.jsonout import float_or_none
from mkba.evidence.inference import ALPHA, minimum_detectable_effect, placebo_summary, rank_test
from mkba.evidence.matching import MIN_COMPARISONS, ComparisonDesign
from mkba.evidence.panel import change_unit, format_amount

__all__ = ["EffectEstimate", "estimate_effect"]

#: Fewer pre-years than this: no estimate (assumption ``effect_min_pre_years``).
MIN_PRE_YEARS = int(ASSUMPTIONS["effect_min_pre_years"].value)
#: From this many pre-years on an estimate can be ``sterk`` (``effect_strong_pre_years``).
STRONG_PRE_YEARS = int(ASSUMPTIONS["effect_strong_pre_years"].value)
ITS_MIN_PRE, ITS_MIN_POST = 4, 2
PRETREND_ALPHA = 0.10
STRONG_MIN_PLACEBOS = 39




@dataclass(frozen=True)
class EffectEstimate:
    """An effect estimate (or a reasoned refusal) for an indicator.

    ``estimate`` is ``None`` when the data cannot support one; ``warnings`` then says why.
    ``unit`` is the unit of the estimate and its interval, ``label`` the indicator's Dutch name.
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
    unit: str = ""
    label: str = ""
    evidence_level: str = "geen"
    evidence_reasons: tuple[str, ...] = ()
    mde: float | None = None
    balance: dict | None = None
    pretrend_estimate: float | None = None
    names: dict = field(default_factory=dict, repr=False, compare=False)
    _panel: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        if self.estimate is None:
            return f"<EffectEstimate {self.indicator}: geen schatting>"
        return (f"<EffectEstimate {self.indicator}: {fmt_number(self.estimate, 2)} "
                f"[{fmt_number(self.ci_low, 2)}; {fmt_number(self.ci_high, 2)}] "
                f"{self.effect_unit}>")

    @property
    def effect_unit(self) -> str:
        """The unit of a change in the indicator (a change in a percentage: procentpunt)."""
        return change_unit(self.unit)

    def name_of(self, code: str) -> str:
        """A region's name and code, or its code when the name is unknown."""
        name = self.names.get(code)
        return f"{name} ({code})" if name and name != code else code

    def to_dict(self) -> dict:
        return {
            "indicator": self.indicator, "label": self.label, "unit": self.unit,
            "effect_unit": self.effect_unit,
            "treated": [{"wijk": w, "start_year": s} for w, s in self.treated],
            "estimate": self.estimate, "ci_low": self.ci_low, "ci_high": self.ci_high,
            "p_value": self.p_value, "method": self.method,
            "interval_method": self.interval_method,
            "evidence_level": self.evidence_level,
            "evidence_reasons": list(self.evidence_reasons), "mde": self.mde,
            "comparison_wijken": list(self.comparison_wijken),
            "comparison_names": [self.names.get(c) for c in self.comparison_wijken],
            "balance": self.balance,
            "pretrend_estimate": self.pretrend_estimate,
            "pretrend_p_value": self.pretrend_p_value, "placebo": self.placebo,
            "n_years_pre": self.n_years_pre, "n_years_post": self.n_years_post,
            "its": self.its, "per_wijk": list(self.per_wijk), "twfe_naive": self.twfe_naive,
            "warnings": list(self.warnings),
        }

    def to_json(self, **kwargs) -> str:
        from mkba.base.jsonout import dumps

        return dumps(self.to_dict(), **kwargs)

    def plain_text(self, where: str = "de wijk") -> str:
        """One sentence a resident understands (Dutch), with the unit on the number.

        Examples
        --------
        >>> est = EffectEstimate("x", (("WK000100", 2020),), -4.7, -9.0, -0.4, 0.03, "", "",
        ...                      (), None, {"n": 99}, 4, 2, (), unit="per 1.000 inwoners",
        ...                      label="Personen met bijstand", evidence_level="sterk", mde=6.1)
        >>> est.plain_text("Transvaalbuurt")  # doctest: +NORMALIZE_WHITESPACE
        'Personen met bijstand: in Transvaalbuurt na de start ongeveer 4,7 per 1.000 inwoners
        lager dan in vergelijkbare wijken zonder taak; dat is waarschijnlijk geen toeval.'
        """
        label = self.label or self.indicator
        if self.estimate is None:
            reason = self.warnings[0] if self.warnings else "te weinig gegevens"
            return f"{label}: over het effect in {where} kunnen we nog niets zeggen ({reason})."
        size = format_amount(abs(self.estimate), self.effect_unit)
        side = "lager" if self.estimate < 0 else "hoger"
        text = (f"{label}: in {where} na de start ongeveer {size} {side} dan in vergelijkbare "
                "wijken zonder taak")
        if self.p_value is None or self.ci_low is None:
            text += "; of dat toeval is, valt met deze gegevens niet te zeggen."
        elif self.p_value <= ALPHA:
            text += "; dat is waarschijnlijk geen toeval."
        else:
            text += "; dat kan toeval zijn."
            if self.mde is not None:
                text += (" Een effect kleiner dan ongeveer "
                         f"{format_amount(self.mde, self.effect_unit)} is met deze gegevens "
                         "niet van toeval te onderscheiden.")
        if self.evidence_level == "indicatief":
            text += " Indicatief: " + "; ".join(self.evidence_reasons) + "."
        return text

    def summary(self) -> pd.DataFrame:
        """Dutch two-column table; every number with its unit."""
        u = self.effect_unit

        def num(v, d=2, unit=u):
            return "–" if v is None else f"{fmt_number(v, d)} {unit}".strip()

        rows = [
            ("Indicator", f"{self.label or self.indicator} ({self.indicator})"),
            ("Eenheid", self.unit or "–"),
            ("Behandelde wijk(en)", ", ".join(f"{self.name_of(w)} (vanaf {s})"
                                              for w, s in self.treated)),
            ("Geschat effect", num(self.estimate)),
            ("95%-interval", "–" if self.ci_low is None
             else f"{num(self.ci_low)} tot {num(self.ci_high)}"),
            ("p-waarde", num(self.p_value, 3, "")),
            ("Bewijskracht", self.evidence_level
             + (f" ({'; '.join(self.evidence_reasons)})" if self.evidence_reasons else "")),
            ("Kleinste aantoonbare effect (80 % kans)", num(self.mde)),
            ("Methode", self.method),
            ("Interval en p-waarde", self.interval_method),
            ("Vergelijkingswijken", ", ".join(self.name_of(c) for c in self.comparison_wijken)
             or "–"),
        ]
        b = self.balance
        if b:
            lvl = self.unit
            rows.append(("Vóór de start: niveau wijk / vergelijking",
                         f"{num(b['treated_level'], 2, lvl)} / "
                         f"{num(b['comparison_level'], 2, lvl)}"))
            if b.get("treated_trend") is not None:
                rows.append(("Vóór de start: trend per jaar wijk / vergelijking",
                             f"{num(b['treated_trend'])} / {num(b['comparison_trend'])}"))
        rows += [
            ("Pre-trendtoets: schatting (p)", "–" if self.pretrend_estimate is None
             else f"{num(self.pretrend_estimate)} ({num(self.pretrend_p_value, 3, '')})"),
            ("Jaren vóór / vanaf start", f"{self.n_years_pre} / {self.n_years_post}"),
        ]
        if self.its:
            its = self.its
            interval = ("" if its["ci_low"] is None
                        else f" [{num(its['ci_low'])}; {num(its['ci_high'])}]")
            rows.append(("Onderbroken tijdreeks t.o.v. vergelijking (niveausprong)",
                         f"{num(its['estimate'])}{interval}, p {num(its['p_value'], 3, '')}"))
        rows += [("Let op", w) for w in self.warnings]
        return pd.DataFrame(rows, columns=["Onderdeel", "Waarde"]).set_index("Onderdeel")

    @property
    def panel(self) -> pd.DataFrame | None:
        """The panel (regions × years) the estimate was made on; ``None`` when it was refused
        before a panel was built. The effect figure draws from it."""
        return self._panel

    def plot(self, ax=None, **kwargs):
        from mkba.figures.plots import plot_effect

        return plot_effect(self, ax=ax, **kwargs)




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
    pre_design: ComparisonDesign | None = None
    pre_att: float = np.nan


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
    att, comps = design.att(y, level, slope, (), k)
    if not np.isfinite(att):
        return (f"te weinig vergelijkingswijken met cijfers in alle jaren ({len(comps)}; "
                f"minstens {MIN_COMPARISONS} nodig)"), len(pre), len(post)
    unit = _Unit(code, row, start, design, y, level, slope, att, comps)
    pkey = (tuple(pre[:-1]), (pre[-1],))
    if pkey not in designs:
        designs[pkey] = ComparisonDesign(values, cols, pool_rows, pre[:-1], pre[-1:])
    unit.pre_design = designs[pkey]
    yp = values[row, unit.pre_design.idx]
    plevel, pslope = unit.pre_design.features(yp)
    unit.pre_att = unit.pre_design.att(yp, plevel, pslope, (), k)[0]
    return unit, len(pre), len(post)


def _draws(units: list[_Unit], n_placebo: int, rng) -> tuple[list[np.ndarray], bool]:
    """Placebo draws: global rows standing in for the treated units, in order."""
    first = units[0].design
    if len(units) == 1:
        n = len(first)
        if n <= n_placebo:
            return [first.rows[[i]] for i in range(n)], True
        return [first.rows[[i]] for i in rng.choice(n, size=n_placebo, replace=False)], False
    if len(first) < len(units) + MIN_COMPARISONS:
        return [], False
    if all(u.design is first for u in units):
        return [first.rows[rng.choice(len(first), size=len(units), replace=False)]
                for _ in range(n_placebo)], False
    draws = []
    for _ in range(n_placebo):
        chosen: list[int] = []
        for u in units:
            rows = u.design.rows
            if len(rows) <= len(chosen):
                break
            while True:
                r = int(rows[rng.integers(len(rows))])
                if r not in chosen:
                    chosen.append(r)
                    break
        if len(chosen) == len(units):
            draws.append(np.array(chosen))
    return draws, False


def _placebo_estimates(units: list[_Unit], draws, k, its_weights=None):
    """For each draw: the effect, the pre-trend effect and (one wijk) the ITS level change,
    by the same procedure as the real estimate."""
    out = np.full((len(draws), 3), np.nan)
    for d, rows in enumerate(draws):
        atts, pres, its = [], [], np.nan
        for u, r in zip(units, rows, strict=True):
            for design, store in ((u.design, atts), (u.pre_design, pres)):
                excl = [design.pos[int(x)] for x in rows if int(x) in design.pos]
                i = design.pos[int(r)]
                y = design.y[i]
                slope = None if design.slope is None else design.slope[i]
                att, comps = design.att(y, design.level[i], slope, excl, k)
                store.append(att)
                if its_weights is not None and design is u.design and np.isfinite(att):
                    its = float(its_weights @ (y - design.y[comps].mean(axis=0)))
        out[d, 0] = np.nanmean(atts) if np.isfinite(atts).any() else np.nan
        out[d, 1] = np.nanmean(pres) if np.isfinite(pres).any() else np.nan
        out[d, 2] = its
    return out


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


def _evidence(n_pre: int, pretrend_p, balance: dict, n_placebo: int, has_interval: bool):
    reasons = []
    if n_pre < STRONG_PRE_YEARS:
        reasons.append(f"maar {n_pre} jaar vóór de start gemeten (sterk vanaf "
                       f"{STRONG_PRE_YEARS})")
    if pretrend_p is None:
        reasons.append("geen pre-trendtoets mogelijk")
    elif pretrend_p <= PRETREND_ALPHA:
        reasons.append("vóór de start liep de wijk al anders dan de vergelijkingswijken "
                       f"(pre-trendtoets p = {fmt_number(pretrend_p, 3)})")
    if not balance.get("inside_range", True):
        reasons.append("de wijk lag vóór de start buiten het bereik van de vergelijkingswijken")
    if not has_interval or n_placebo < STRONG_MIN_PLACEBOS:
        reasons.append(f"slechts {n_placebo} placebo-schattingen (sterk vanaf "
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
                    unit: str | None = None, label: str | None = None) -> EffectEstimate:
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
    draws, exhaustive = _draws(units, n_placebo, rng)
    plac = _placebo_estimates(units, draws, k, None if weights is None else weights[0])
    placebos = plac[:, 0]
    p, low, high, crit = rank_test(beta, placebos)
    n_b = int(np.isfinite(placebos).sum())
    if n_b and low is None:
        warnings.append(f"slechts {n_b} placebo-schattingen: te weinig voor een 95%-interval "
                        "(minstens 19 nodig); de kleinste mogelijke p-waarde is "
                        f"{fmt_number(1 / (n_b + 1), 3)}")
    elif not n_b:
        warnings.append("geen placebo-schattingen mogelijk (te weinig wijken zonder taak): geen "
                        "p-waarde en geen interval")
    pretrend_p = None
    if pre_beta is not None and np.isfinite(plac[:, 1]).any():
        pretrend_p = rank_test(pre_beta, plac[:, 1])[0]
    else:
        warnings.append("pre-trendtoets niet mogelijk")
    its = None
    if weights is not None:
        u = units[0]
        diff = u.y - u.design.y[u.comps].mean(axis=0)
        c = float(weights[0] @ diff)
        ip, ilow, ihigh, _ = rank_test(c, plac[:, 2])
        its = {"estimate": c, "ci_low": ilow, "ci_high": ihigh, "p_value": ip,
               "slope_change": float(weights[1] @ diff),
               "n_years_pre": len(u.design.pre), "n_years_post": len(u.design.post),
               "method": "onderbroken tijdreeks op het verschil tussen de wijk en het gemiddelde "
                         "van de vergelijkingswijken (OLS met sprong en trendbreuk); p-waarde "
                         "en interval uit dezelfde rangtoets met de placebo's"}
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
    n_pre = min(len(u.design.pre) for u in units)
    n_post = min(len(u.design.post) for u in units)
    level, reasons = _evidence(n_pre, pretrend_p, balance, n_b, low is not None)
    starts = sorted({u.start for u in units})
    method = ("verschil-in-verschillen: per behandelde wijk (gemiddelde vanaf de start − "
              "gemiddelde van alle jaren vóór de start) min hetzelfde voor zijn "
              f"{k} vergelijkingswijken, gekozen op niveau en trend vóór de start")
    if m > 1:
        method += f"; gemiddeld over {m} behandelde wijken (gelijk gewicht)"
    if len(starts) > 1:
        method += (" — gespreide start: elke wijk vanaf zijn eigen startjaar, alleen wijken "
                   "zonder taak als vergelijking (Callaway & Sant'Anna)")
    what = "wijk" if m == 1 else "wijken"
    cands = len(units[0].design)
    if exhaustive:
        interval = (f"rangtoets: elk van de {n_b} kandidaat-wijken zonder taak één keer als "
                    "behandeld genomen en op dezelfde manier geschat (met eigen "
                    "vergelijkingswijken)")
    else:
        interval = (f"rangtoets: {n_b} trekkingen van telkens {m} {what} zonder taak (uit "
                    f"{cands} kandidaten) als behandeld genomen en op dezelfde manier "
                    "geschat (met eigen vergelijkingswijken)")
    interval += ("; p-waarde en 95%-interval komen uit dezelfde toets "
                 "(|schatting − δ| tegen |placebo|)")
    per = ()
    if m > 1:
        per = tuple({"wijk": u.code, "start_year": int(u.start), "estimate": u.att,
                     "comparison_wijken": [codes[r] for r in u.design.rows[u.comps]],
                     "n_years_pre": len(u.design.pre), "n_years_post": len(u.design.post),
                     "balance": _balance(u)} for u in units)
    naive = _naive_twfe(panel, [(u.code, u.start) for u in units], comps_all) \
        if len(starts) > 1 else None
    return EffectEstimate(
        indicator, tuple(treated), beta, float_or_none(low), float_or_none(high),
        float_or_none(p), method, interval, tuple(comps_all), float_or_none(pretrend_p),
        placebo_summary(placebos, m, cands, exhaustive),
        n_pre, n_post, tuple(warnings), its, per, naive, unit=panel.attrs.get("unit", ""),
        label=panel.attrs.get("label", indicator), evidence_level=level,
        evidence_reasons=reasons, mde=minimum_detectable_effect(placebos, crit), balance=balance,
        pretrend_estimate=pre_beta, _panel=panel)
