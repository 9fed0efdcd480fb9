"""The result object of an effect estimate: :class:`EffectEstimate` (numbers, JSON, Dutch
table and sentences; the method is in :mod:`mkba.evidence.counterfactual`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from mkba.base.formatting import fmt_number
from mkba.base.jsonout import dumps
from mkba.evidence.panel import change_unit
from mkba.evidence.wording import effect_sentence, outcome_label, region_word

__all__ = ["EffectEstimate"]


@dataclass(frozen=True)
class EffectEstimate:
    """An effect estimate (or a reasoned refusal) for an indicator.

    ``estimate`` is ``None`` when the data cannot support one; ``warnings`` then says why.
    ``unit`` is the unit of the estimate and its interval, ``label`` the indicator's Dutch name.
    ``evidence_level`` is the strength of the *design* (geen / indicatief / sterk), not of the
    result: whether an effect is shown is the p-value's (:meth:`plain_text` says both).
    ``dip`` is the check for a dip in the last year before the start, ``noise`` the treated
    region's own spread next to the typical spread of the placebos (the rank test is
    studentized by it).

    Parameters
    ----------
    indicator : str
        The indicator.
    treated : tuple of (str, int)
        The treated regions and their start years.
    estimate : float or None
        The effect, in ``unit``; None when the data cannot support one.
    ci_low, ci_high : float or None
        The 95 % interval of the rank test.
    p_value : float or None
        The rank test's p-value.
    method, interval_method : str
        How the estimate and its interval were made, in Dutch.
    comparison_wijken : tuple of str
        The comparison regions.
    pretrend_p_value : float or None
        The p-value of the test for a trend difference before the start.
    placebo : dict
        The placebo estimates in a few numbers (:func:`mkba.evidence.inference.placebo_summary`).
    n_years_pre, n_years_post : int
        Years measured before and from the start.
    warnings : tuple of str
        Dutch warnings (why there is no estimate, a weak design, ...).
    its : dict, optional
        The interrupted time series of the treated region alone.
    per_wijk : tuple of dict, default ()
        The estimate per treated wijk (several wijken).
    twfe_naive : float, optional
        The two-way fixed effects estimate, for comparison.
    unit, label : str, optional
        The unit of the estimate and the indicator's Dutch name.
    evidence_level : str, default "geen"
        The strength of the design: ``geen``, ``indicatief`` or ``sterk``.
    evidence_reasons : tuple of str, default ()
        Why the design is not stronger.
    mde : float, optional
        The minimum detectable effect.
    balance : dict, optional
        How well the comparisons match before the start.
    pretrend_estimate : float, optional
        The trend difference before the start.
    dip : dict, optional
        The check for a dip in the last year before the start.
    noise : dict, optional
        The treated region's own spread and the placebos' typical spread.
    names : dict, optional
        Region code to name (CBS).
    _panel : pandas.DataFrame, optional
        Internal: the panel the estimate was made from (for the figures).

    Examples
    --------
    >>> from mkba.evidence.calibration import synthetic_panel
    >>> from mkba.evidence.counterfactual import estimate_effect
    >>> panel, starts = synthetic_panel(0, effect=5.0)
    >>> est = estimate_effect(panel, starts, indicator="y")
    >>> est
    <EffectEstimate y: 2,79 [0,72; 4,86] >
    >>> est.evidence_level, est.p_value <= 0.05
    ('sterk', True)
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
    dip: dict | None = None
    noise: dict | None = None
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
            "pretrend_p_value": self.pretrend_p_value, "dip": self.dip, "noise": self.noise,
            "placebo": self.placebo,
            "n_years_pre": self.n_years_pre, "n_years_post": self.n_years_post,
            "its": self.its, "per_wijk": list(self.per_wijk), "twfe_naive": self.twfe_naive,
            "warnings": list(self.warnings),
        }

    def to_json(self, **kwargs) -> str:
        return dumps(self.to_dict(), **kwargs)

    def plain_text(self, where: str = "de wijk", p_value: float | None = None,
                   n_tests: int = 1) -> str:
        """The result in one sentence a resident understands (Dutch), with the unit on the
        number, then the strength of the design (:mod:`mkba.evidence.wording`).

        ``p_value`` replaces the estimate's own p-value in the judgement (a Holm-adjusted one
        when ``n_tests`` indicators are tested together).

        Examples
        --------
        >>> est = EffectEstimate("x", (("WK000100", 2020),), -4.7, -9.0, -0.4, 0.03, "", "",
        ...                      (), 0.6, {"n": 99}, 4, 2, (), unit="per 1.000 inwoners",
        ...                      label="Personen met bijstand", evidence_level="sterk", mde=6.1)
        >>> est.plain_text("Transvaalbuurt")  # doctest: +NORMALIZE_WHITESPACE
        'Personen met bijstand: in Transvaalbuurt na de start ongeveer 4,7 per 1.000 inwoners
        lager dan in vergelijkbare wijken zonder taak; dat is waarschijnlijk geen toeval. De
        opzet is sterk.'
        >>> from dataclasses import replace
        >>> print(replace(est, p_value=0.4, ci_low=-12.0).plain_text("Transvaalbuurt"))
        ... # doctest: +NORMALIZE_WHITESPACE
        Personen met bijstand: in Transvaalbuurt na de start ongeveer 4,7 per 1.000 inwoners
        lager dan in vergelijkbare wijken zonder taak; er is geen effect aangetoond: zo'n
        verschil kan toeval zijn. Een effect kleiner dan ongeveer 6,1 per 1.000 inwoners is
        met deze gegevens niet van toeval te onderscheiden. De opzet is sterk.
        """
        return effect_sentence(self, where, p_value, n_tests)

    def summary(self) -> pd.DataFrame:
        """Dutch two-column table; every number with its unit."""
        u = self.effect_unit

        def num(v, d=2, unit=u):
            return "–" if v is None else f"{fmt_number(v, d)} {unit}".strip()

        word = region_word([w for w, _ in self.treated])
        rows = [
            ("Indicator", f"{self.label or self.indicator} ({self.indicator})"),
            ("Eenheid", self.unit or "–"),
            (f"Behandelde {word}(en)", ", ".join(f"{self.name_of(w)} (vanaf {s})"
                                                 for w, s in self.treated)),
            ("Geschat effect", num(self.estimate)),
            ("95%-interval", "–" if self.ci_low is None
             else f"{num(self.ci_low)} tot {num(self.ci_high)}"),
            ("p-waarde", num(self.p_value, 3, "")),
            ("Uitkomst", outcome_label(self)),
            ("Opzet (sterkte van het ontwerp)", self.evidence_level
             + (f" ({'; '.join(self.evidence_reasons)})" if self.evidence_reasons else "")),
            ("Kleinste aantoonbare effect (80 % kans)", num(self.mde)),
            ("Methode", self.method),
            ("Interval en p-waarde", self.interval_method),
            (f"Vergelijkings{word}en", ", ".join(self.name_of(c)
                                                 for c in self.comparison_wijken) or "–"),
        ]
        b = self.balance
        if b:
            lvl = self.unit
            rows.append((f"Vóór de start: niveau {word} / vergelijking",
                         f"{num(b['treated_level'], 2, lvl)} / "
                         f"{num(b['comparison_level'], 2, lvl)}"))
            if b.get("treated_trend") is not None:
                rows.append((f"Vóór de start: trend per jaar {word} / vergelijking",
                             f"{num(b['treated_trend'])} / {num(b['comparison_trend'])}"))
        rows.append(("Pre-trendtoets: schatting (p)", "–" if self.pretrend_estimate is None
                     else f"{num(self.pretrend_estimate)} "
                          f"({num(self.pretrend_p_value, 3, '')})"))
        if self.dip:
            d = self.dip
            rows.append(("Dip-toets: zonder het laatste jaar vóór de start als basis (p)",
                         f"{num(d['estimate_without_last_pre_year'])} "
                         f"({num(d['p_value'], 3, '')})"
                         + ("; het verschil hangt aan dat ene jaar" if d["failed"] else "")))
        if self.noise and self.noise.get("ratio") is not None:
            rows.append((f"Schommeling van de {word} t.o.v. gewoon",
                         f"{fmt_number(self.noise['ratio'], 1)} × (de toets houdt er rekening "
                         "mee)"))
        rows.append(("Jaren vóór / vanaf start", f"{self.n_years_pre} / {self.n_years_post}"))
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
        # figures (matplotlib ≈ 0,4 s at import): a result's plot imports them when called
        from mkba.figures.plots import plot_effect

        return plot_effect(self, ax=ax, **kwargs)
