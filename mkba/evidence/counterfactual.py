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
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

# the module itself, not statsmodels.api (which loads all of statsmodels: +0.4 s per kernel)
from statsmodels.formula.api import ols

from mkba.base.assumptions import ASSUMPTIONS, SMALL_NUMBER_THRESHOLD
from mkba.base.errors import CaseError
from mkba.base.formatting import fmt_number

__all__ = ["EffectEstimate", "estimate_effect", "effect_for_case", "indicator_panel",
           "quantities_from_estimates", "select_comparisons", "rank_test",
           "placebo_study", "study_rates", "indicator_label"]

MIN_COMPARISONS = 3
#: Fewer pre-years than this: no estimate (assumption ``effect_min_pre_years``).
MIN_PRE_YEARS = int(ASSUMPTIONS["effect_min_pre_years"].value)
#: From this many pre-years on an estimate can be ``sterk`` (``effect_strong_pre_years``).
STRONG_PRE_YEARS = int(ASSUMPTIONS["effect_strong_pre_years"].value)
ITS_MIN_PRE, ITS_MIN_POST = 4, 2
ALPHA = 0.05
PRETREND_ALPHA = 0.10
MDE_POWER = 0.8
STRONG_MIN_PLACEBOS = 39

#: Readable Dutch names for CBS indicators whose CBS title reads badly in a sentence.
READABLE_LABELS = {
    "PersonenPerSoortUitkeringBijstand": "Personen met bijstand",
    "PersonenPerSoortUitkeringAO": "Personen met een arbeidsongeschiktheidsuitkering",
    "PersonenPerSoortUitkeringWW": "Personen met een WW-uitkering",
    "PersonenPerSoortUitkeringAOW": "Personen met AOW",
    "k_65JaarOfOuder": "Inwoners van 65 jaar of ouder",
    "k_0Tot15Jaar": "Kinderen tot 15 jaar",
    "k_15Tot25Jaar": "Inwoners van 15 tot 25 jaar",
    "HuishOnderOfRondSociaalMinimum": "Huishoudens onder of rond het sociaal minimum",
    "WmoClientenRelatief": "Wmo-cliënten",
    "WmoClienten": "Wmo-cliënten",
}


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
        return _change_unit(self.unit)

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
        size = _amount(abs(self.estimate), self.effect_unit)
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
                         f"{_amount(self.mde, self.effect_unit)} is met deze gegevens niet van "
                         "toeval te onderscheiden.")
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

    def plot(self, ax=None, **kwargs):
        from mkba.base.plots import plot_effect

        return plot_effect(self, ax=ax, **kwargs)


def _change_unit(unit: str) -> str:
    unit = (unit or "").strip()
    if unit.startswith("%"):
        return "procentpunt"
    return unit


def _amount(value: float, unit: str) -> str:
    decimals = 0 if abs(value) >= 10 else (1 if abs(value) >= 0.1 else 3)
    return f"{fmt_number(value, decimals)} {unit}".strip()


# --------------------------------------------------------------------------------------
# data


def _readable(indicator: str) -> str:
    text = indicator.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def indicator_label(indicator: str, case=None) -> str:
    """The Dutch name of an indicator: the case's ``omschrijving`` (metingen), a readable name,
    the CBS title, or the code made readable (``bezoekers_buurthuis`` → ``Bezoekers buurthuis``).

    Examples
    --------
    >>> indicator_label("PersonenPerSoortUitkeringBijstand")
    'Personen met bijstand'
    >>> indicator_label("bezoekers_buurthuis")
    'Bezoekers buurthuis'
    """
    if case is not None and "omschrijving" in case.metingen.columns:
        own = case.metingen.loc[case.metingen["indicator"] == indicator, "omschrijving"].dropna()
        if len(own):
            return str(own.iloc[0])
    if indicator in READABLE_LABELS:
        return READABLE_LABELS[indicator]
    from mkba.evidence.cbs import indicator_labels

    return indicator_labels().get(indicator) or _readable(indicator)


def indicator_panel(indicator: str, *, kwb: pd.DataFrame | None = None, case=None,
                    threshold: int = SMALL_NUMBER_THRESHOLD,
                    measure: str = "profiel") -> pd.DataFrame:
    """Wide panel (regions × years) of one indicator: from the case's ``metingen`` when it
    has that indicator (any wijken or buurten), else from the CBS figures.

    With ``measure="profiel"`` (default) in the unit of the wijk profile: a CBS count of persons
    per 1.000 inwoners, a count of households as % of the households (as
    :func:`mkba.evidence.indicators.wijk_profile`); with ``measure="waarde"`` the value as published.
    Counts below the small-number threshold are set to missing (never used or shown).
    ``attrs["unit"]`` holds the unit (metingen: column ``eenheid``) and ``attrs["label"]`` the
    Dutch name (:func:`indicator_label`).

    Examples
    --------
    >>> p = indicator_panel("PersonenPerSoortUitkeringBijstand")
    >>> round(float(p.loc["WK036330", 2019]), 1), p.attrs["unit"]  # 680 of 9.250 inwoners
    (73.5, 'per 1.000 inwoners')
    """
    if measure not in ("profiel", "waarde"):
        raise ValueError(f"measure must be 'profiel' or 'waarde', not {measure!r}")
    if case is not None and indicator in set(case.metingen["indicator"]):
        m = case.metingen[case.metingen["indicator"] == indicator]
        small = (m["n"].notna() & (m["n"] < threshold)).to_numpy(dtype=bool)
        m = m.assign(waarde=m["waarde"].where(~small))
        wide = m.pivot_table(index="wijk_code", columns="jaar", values="waarde", aggfunc="first",
                             dropna=False)
        wide.columns = wide.columns.astype(int)
        wide.index.name, wide.columns.name = "region_code", "year"
        wide = wide.astype(float)
        unit = ""
        if "eenheid" in m.columns and m["eenheid"].notna().any():
            unit = str(m["eenheid"].dropna().iloc[0])
        wide.attrs = {"unit": unit, "label": indicator_label(indicator, case)}
        return wide
    if kwb is None:
        from mkba.evidence.cbs import load_kwb

        kwb = load_kwb()
    from mkba.evidence.indicators import BASES, comparable_measures, is_count, units_of

    sub = kwb[kwb["indicator"] == indicator]
    if sub.empty:
        raise CaseError(f"indicator '{indicator}' niet gevonden in de metingen of de CBS-cijfers")
    units = units_of(kwb[kwb["indicator"].isin({indicator, *BASES})])
    unit = units.get(indicator) or ""
    if measure == "profiel" and is_count(unit, indicator) and indicator not in BASES:
        both = kwb[kwb["indicator"].isin({indicator, *BASES})]
        values = both.pivot_table(index=["region_code", "year"], columns="indicator",
                                  values="value", aggfunc="first")
        rates, rate_units, _ = comparable_measures(values, units, threshold)
        unit = rate_units.get(indicator, unit)
        wide = rates[indicator].unstack("year")
    else:
        value = sub["value"].where(~(is_count(unit, indicator) & (sub["value"] < threshold)))
        wide = sub.assign(value=value).pivot_table(index="region_code", columns="year",
                                                   values="value", aggfunc="first",
                                                   dropna=False)
    wide = wide.astype(float)
    wide.columns = wide.columns.astype(int)
    wide.index.name, wide.columns.name = "region_code", "year"
    wide.attrs = {"unit": unit, "label": indicator_label(indicator)}
    return wide


# --------------------------------------------------------------------------------------
# building blocks (plain numpy)


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


class _Design:
    """The candidates for one set of pre- and post-years, with their matching features (level
    and trend before the start) and their change (mean after minus mean before), built once
    per estimate so that placebo draws are plain array operations."""

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


def select_comparisons(panel: pd.DataFrame, unit: str, pre_years, used_years, pool,
                       k: int) -> list[str]:
    """The ``k`` regions of ``pool`` closest to ``unit`` on the pre-period level and trend
    (each standardised over the candidates), among those with a value in every year of
    ``pre_years`` and ``used_years``.

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
    design = _Design(values, cols, np.arange(len(codes)), pre, post)
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


# --------------------------------------------------------------------------------------
# inference


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


def _mde(placebos: np.ndarray, critical: float | None) -> float | None:
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


def _placebo_summary(placebos: np.ndarray, m: int, candidates: int, exhaustive: bool) -> dict:
    b = placebos[np.isfinite(placebos)]
    out = {"n": int(len(b)), "regions_per_draw": int(m), "candidates": int(candidates),
           "every_candidate_once": bool(exhaustive)}
    if len(b):
        out.update({"mean": float(b.mean()), "sd": float(b.std(ddof=1)) if len(b) > 1
                    else None, "p5": float(np.quantile(b, 0.05)),
                    "p95": float(np.quantile(b, 0.95))})
    return out


# --------------------------------------------------------------------------------------
# the estimate


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
    design: _Design
    y: np.ndarray
    level: float
    slope: float | None
    att: float
    comps: np.ndarray
    pre_design: _Design | None = None
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
        designs[key] = _Design(values, cols, pool_rows, pre, post)
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
        designs[pkey] = _Design(values, cols, pool_rows, pre[:-1], pre[-1:])
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


def _its_weights(design: _Design, start: int):
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


def _f(v):
    return None if v is None or not np.isfinite(v) else float(v)


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
        indicator, tuple(treated), beta, _f(low), _f(high), _f(p), method, interval,
        tuple(comps_all), _f(pretrend_p), _placebo_summary(placebos, m, cands, exhaustive),
        n_pre, n_post, tuple(warnings), its, per, naive, unit=panel.attrs.get("unit", ""),
        label=panel.attrs.get("label", indicator), evidence_level=level,
        evidence_reasons=reasons, mde=_mde(placebos, crit), balance=balance,
        pretrend_estimate=pre_beta, _panel=panel)


# --------------------------------------------------------------------------------------
# a case's tasks as treatment


def _task_starts(case) -> dict[str, int]:
    """Each wijk with a task, treated from the earliest startjaar of its tasks."""
    t = case.taken.groupby("wijk_code")["startjaar"].min()
    return {str(w): int(s) for w, s in t.items()}


def effect_for_case(case, indicator: str, *, wijk: str | None = None,
                    start_year: int | None = None, kwb: pd.DataFrame | None = None,
                    measure: str = "profiel", **kwargs) -> EffectEstimate:
    """The effect of a case's tasks on an indicator (what ``mkba effect`` runs).

    With ``wijk``: that wijk, from ``start_year`` (default the startjaar of its task). Without:
    every wijk with a task from its own startjaar (staggered), aggregated, with the estimate per
    wijk. Wijken with a task are never comparisons. The indicator comes from the case's
    ``metingen`` when it is there, else from the CBS figures, in the unit of the wijk profile
    (``measure="profiel"``) or as published/measured (``measure="waarde"``). Region names
    (CBS) come with the estimate for the report and the table.
    """
    if kwb is None:
        from mkba.evidence.cbs import load_kwb

        kwb = load_kwb()
    panel = indicator_panel(indicator, kwb=kwb, case=case, measure=measure)
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
    est = estimate_effect(panel, treated, indicator=indicator, exclude=exclude, **kwargs)
    from mkba.evidence.cbs import region_names

    names = region_names(kwb)
    wanted = [*(w for w, _ in est.treated), *est.comparison_wijken]
    return replace(est, names={c: str(names[c]) for c in wanted if c in names.index})


def quantities_from_estimates(case, kwb: pd.DataFrame | None = None, **kwargs):
    """Fill the empty ``hoeveelheid`` of effect lines that name an ``indicator``.

    The quantity per year is the estimated effect on the indicator, as published or measured
    (``measure="waarde"``: persons, not per 1.000 inwoners), in the task's wijk from its
    startjaar, in the direction of improvement: sign-flipped when the line's ``richting`` (or,
    when empty, the indicator's known direction in
    :data:`mkba.base.assumptions.INDICATOR_DIRECTIONS`) is ``lager``. Whether a ``doelen`` row
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
    from mkba.base.errors import Problem

    taken = case.taken.set_index("taak_id")
    from mkba.base.assumptions import INDICATOR_DIRECTIONS

    e = e.copy()
    used, problems = [], []
    file = case.files.get("effecten", "effecten.csv")
    for idx in e.index[todo.to_numpy()]:
        line = e.loc[idx]
        wijk = taken.at[line["taak_id"], "wijk_code"]
        start = int(taken.at[line["taak_id"], "startjaar"])
        est = effect_for_case(case, line["indicator"], wijk=wijk, start_year=start, kwb=kwb,
                              measure="waarde", **kwargs)
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


# --------------------------------------------------------------------------------------
# calibration: does the inference hold on a given panel?


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
