"""The Dutch sentences about an effect estimate: pure functions from an estimate (or a record
of an estimated quantity) to text, shared by the terminal, the report and the notebooks.

Rules (issue 20):

- the strength of the *design* (``evidence_level``: sterk / indicatief) is said apart from the
  *result* (an effect shown or not): "De opzet is sterk; er is geen effect aangetoond.";
- "dat is waarschijnlijk geen toeval" only when the rank test rejects *and* the years before
  the start give no reason for doubt (pre-trend test and dip check passed);
- with several indicators in one report the p-values are Holm-adjusted (the caller passes the
  adjusted value) and the report says how many were tested and what chance of one false alarm
  that would give without the adjustment;
- regions are called wijken or buurten after the level of the data.
"""

from __future__ import annotations

from mkba.base.formatting import fmt_number, fmt_pct
from mkba.evidence.inference import ALPHA, PRETREND_ALPHA
from mkba.evidence.panel import format_amount

__all__ = ["region_word", "result_sentence", "design_sentence", "effect_sentence",
           "outcome_label", "multiple_testing_sentence", "quantity_sentence"]


def region_word(codes, plural: bool = False) -> str:
    """``wijk``/``buurt`` (or plural) after the CBS codes (BU… buurt, otherwise wijk).

    Parameters
    ----------
    codes : iterable of str
        CBS region codes.
    plural : bool, default False
        The plural.

    Returns
    -------
    str
        The word.

    Examples
    --------
    >>> region_word(["BU03630001"], plural=True), region_word(["WK036330"])
    ('buurten', 'wijk')
    """
    codes = [str(c) for c in codes]
    word = "buurt" if codes and all(c.upper().startswith("BU") for c in codes) else "wijk"
    if plural:
        return word + "en"
    return word


def _pre_period_doubt(est) -> str | None:
    """Why the years before the start cast doubt on a significant result, or None."""
    pre = est.pretrend_p_value
    if pre is not None and pre <= PRETREND_ALPHA:
        what = region_word([w for w, _ in est.treated], plural=len(est.treated) > 1)
        comps = region_word([w for w, _ in est.treated], plural=True)
        verb = "liepen" if len(est.treated) > 1 else "liep"
        return (f"de {what} {verb} vóór de start al anders dan de vergelijkings{comps}, dus "
                "het verschil hoeft niet door de taak te komen")
    dip = est.dip or {}
    if dip.get("failed"):
        return (f"zonder het laatste jaar vóór de start ({dip.get('last_pre_year')}) als basis "
                "is het niet meer aan te tonen: het kan terugveren na een ongewoon jaar zijn, "
                "geen werk van de taak")
    return None


def result_sentence(est, where: str, p_value: float | None = None, n_tests: int = 1) -> str:
    """The result in one sentence a resident understands, with the unit on the number.

    Parameters
    ----------
    est : EffectEstimate
    where : str
        The region's name as the reader knows it.
    p_value : float, optional
        The p-value to judge by (a Holm-adjusted one when several indicators are tested);
        default the estimate's own.
    n_tests : int
        How many indicators were tested together (for the wording after an adjustment).

    Returns
    -------
    str
        The Dutch sentence.

    Examples
    --------
    >>> from mkba.evidence.calibration import synthetic_panel
    >>> from mkba.evidence.counterfactual import estimate_effect
    >>> panel, starts = synthetic_panel(0, effect=5.0)
    >>> result_sentence(estimate_effect(panel, starts, indicator="y"), "de wijk")
    'y: in de wijk na de start ongeveer 2,8 hoger dan in vergelijkbare wijken zonder taak; dat
    is waarschijnlijk geen toeval.'
    """
    label = est.label or est.indicator
    if est.estimate is None:
        reason = est.warnings[0] if est.warnings else "te weinig gegevens"
        return f"{label}: over het effect in {where} kunnen we nog niets zeggen ({reason})."
    p = est.p_value if p_value is None else p_value
    size = format_amount(abs(est.estimate), est.effect_unit)
    side = "lager" if est.estimate < 0 else "hoger"
    others = region_word([w for w, _ in est.treated], plural=True)
    text = (f"{label}: in {where} na de start ongeveer {size} {side} dan in vergelijkbare "
            f"{others} zonder taak")
    if p is None or est.ci_low is None:
        smallest = (est.placebo or {}).get("smallest_p")
        text += "; of dat toeval is, valt met deze gegevens niet te zeggen"
        if smallest is not None and smallest > ALPHA:
            text += (f" (met zo weinig vergelijkingsmogelijkheden is de kleinste mogelijke "
                     f"p-waarde {fmt_number(smallest, 3)})")
        return text + "."
    if p <= ALPHA:
        doubt = _pre_period_doubt(est)
        if doubt:
            return text + f"; dat is meer dan toeval meestal geeft, maar {doubt}."
        return text + "; dat is waarschijnlijk geen toeval."
    if n_tests > 1 and est.p_value is not None and est.p_value <= ALPHA:
        text += (f"; op zichzelf zou dat zelden toeval zijn, maar na correctie voor de {n_tests} "
                 "getoetste indicatoren (Holm) is er geen effect aangetoond")
    else:
        text += "; er is geen effect aangetoond: zo'n verschil kan toeval zijn"
    if est.mde is not None:
        text += (". Een effect kleiner dan ongeveer "
                 f"{format_amount(est.mde, est.effect_unit)} is met deze gegevens niet van "
                 "toeval te onderscheiden")
    return text + "."


def design_sentence(est) -> str:
    """The strength of the design, apart from the result ("De opzet is sterk.").

    Parameters
    ----------
    est : EffectEstimate
        The estimate.

    Returns
    -------
    str
        The Dutch sentence.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> design_sentence(S(estimate=1.0, evidence_level="indicatief",
    ...                   evidence_reasons=("maar 2 jaar vóór de start gemeten",)))
    'De opzet is indicatief: maar 2 jaar vóór de start gemeten.'
    """
    if est.estimate is None:
        return ""
    if est.evidence_level == "sterk":
        return "De opzet is sterk."
    reasons = "; ".join(est.evidence_reasons)
    return "De opzet is indicatief" + (f": {reasons}." if reasons else ".")


def effect_sentence(est, where: str, p_value: float | None = None, n_tests: int = 1) -> str:
    """Result, then design: what the report and the terminal open with.

    Parameters
    ----------
    est : EffectEstimate
        The estimate.
    where : str
        The region's name as the reader knows it.
    p_value : float, optional
        The p-value to judge by; default the estimate's own.
    n_tests : int, default 1
        How many indicators were tested together.

    Returns
    -------
    str
        The Dutch sentences.

    Examples
    --------
    >>> from mkba.evidence.calibration import synthetic_panel
    >>> from mkba.evidence.counterfactual import estimate_effect
    >>> panel, starts = synthetic_panel(0, effect=5.0)
    >>> print(effect_sentence(estimate_effect(panel, starts, indicator="y"), "de wijk"))
    y: in de wijk na de start ongeveer 2,8 hoger dan in vergelijkbare wijken zonder taak; dat
    is waarschijnlijk geen toeval. De opzet is sterk.
    """
    design = design_sentence(est)
    result = result_sentence(est, where, p_value, n_tests)
    return f"{result} {design}".strip()


def outcome_label(est, p_value: float | None = None) -> str:
    """Short Dutch label of the result for a table ("geen effect aangetoond (p = 0,57)").

    Parameters
    ----------
    est : EffectEstimate
        The estimate.
    p_value : float, optional
        The p-value to judge by; default the estimate's own.

    Returns
    -------
    str
        The label.

    Examples
    --------
    >>> from types import SimpleNamespace as S
    >>> outcome_label(S(estimate=2.0, p_value=0.57, ci_low=-1.0, pretrend_p_value=0.5,
    ...                 dip=None, treated=(("WK000100", 2020),)))
    'geen effect aangetoond (p = 0,570)'
    """
    if est.estimate is None:
        return "geen schatting"
    p = est.p_value if p_value is None else p_value
    if p is None or est.ci_low is None:
        return "niet te toetsen (te weinig placebo's)"
    shown = f"p = {fmt_number(p, 3)}"
    if p > ALPHA:
        return f"geen effect aangetoond ({shown})"
    if _pre_period_doubt(est):
        return f"verschil groter dan toeval, maar de jaren vóór de start wekken twijfel ({shown})"
    return f"effect aangetoond ({shown})"


def multiple_testing_sentence(n_tests: int, alpha: float = ALPHA) -> str:
    """What testing several indicators at once means, in plain words ("" for one test).

    Parameters
    ----------
    n_tests : int
        How many indicators were tested together.
    alpha : float, default 0.05
        The level of each test.

    Returns
    -------
    str
        The Dutch sentence; empty for one test.

    Examples
    --------
    >>> multiple_testing_sentence(4)  # doctest: +NORMALIZE_WHITESPACE
    'Hier zijn 4 indicatoren getoetst. Als de taak op geen ervan effect had, zou de kans dat
    er toch minstens één "aangetoond" lijkt zonder correctie ongeveer 19 % zijn; daarom is
    elke p-waarde gecorrigeerd voor het aantal toetsen (Holm), zodat die kans hoogstens 5 %
    is.'
    """
    if n_tests <= 1:
        return ""
    chance = 1 - (1 - alpha) ** n_tests
    return (f"Hier zijn {n_tests} indicatoren getoetst. Als de taak op geen ervan effect had, "
            "zou de kans dat er toch minstens één \"aangetoond\" lijkt zonder correctie "
            f"ongeveer {fmt_pct(chance, 0)} zijn; daarom is elke p-waarde gecorrigeerd voor "
            f"het aantal toetsen (Holm), zodat die kans hoogstens {fmt_pct(alpha, 0)} is.")


def quantity_sentence(record: dict) -> str:
    """One sentence per effect line whose quantity comes from an estimate (the cost-benefit
    section): what was estimated, whether it counts in the NCW and why.

    ``record`` is an entry of :func:`mkba.evidence.treatment.quantities_from_estimates`
    (``to_dict()``), with ``quantity``, ``unit``, ``label`` and ``value_per_unit`` optional.

    Parameters
    ----------
    record : dict
        One estimated quantity (see above).

    Returns
    -------
    str
        The Dutch sentence.

    Examples
    --------
    >>> quantity_sentence({"task_id": "T1", "effect": "Minder bijstand", "wijk_code":
    ...     "WK036330", "label": "Personen met bijstand", "unit": "aantal", "estimate": -4.0,
    ...     "ci_low": -7.0, "ci_high": -1.0, "p_value": 0.01, "evidence_level": "sterk",
    ...     "used": True, "quantity": 4.0, "reason": ""})  # doctest: +NORMALIZE_WHITESPACE
    'T1, Minder bijstand: geschat uit Personen met bijstand in WK036330: 4,0 per jaar
    (95%-interval 1,0 tot 7,0; p = 0,010; opzet sterk); telt mee in de NCW, met het interval
    als bandbreedte in de Monte Carlo.'
    """
    label = record.get("label") or record.get("indicator")
    unit = record.get("unit") or ""
    unit = "" if unit == "aantal" else unit  # a count reads as a number of persons, homes …
    head = (f"{record.get('task_id')}, {record.get('effect')}: geschat uit {label} in "
            f"{record.get('wijk_code')}")
    if record.get("estimate") is None:
        return f"{head}: geen schatting; {record.get('reason')}."
    sign = 1.0
    q = record.get("quantity")
    if q is not None and record["estimate"] != 0:
        sign = q / record["estimate"]
    shown = sign * record["estimate"]
    text = f"{head}: {format_amount(shown, unit)} per jaar".replace("  ", " ")
    parts = []
    if record.get("ci_low") is not None:
        lo, hi = sorted([sign * record["ci_low"], sign * record["ci_high"]])
        parts.append(f"95%-interval {format_amount(lo, '')} tot {format_amount(hi, '')}")
    if record.get("p_value") is not None:
        parts.append(f"p = {fmt_number(record['p_value'], 3)}")
    parts.append(f"opzet {record.get('evidence_level')}")
    text += f" ({'; '.join(parts)})"
    if record.get("used"):
        text += "; telt mee in de NCW, met het interval als bandbreedte in de Monte Carlo"
        if record.get("p_value") is not None and record["p_value"] > ALPHA:
            text += " (het interval omvat 0: het effect kan ook nul zijn)"
    else:
        text += f"; telt niet mee in de NCW (PM-post): {record.get('reason')}"
    return text + "."
