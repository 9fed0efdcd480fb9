"""A case's tasks as treatment: effect estimates for the wijken of a case, and effect-line
quantities filled in from them (``hoeveelheid: schatting``)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from mkba.base.assumptions import INDICATOR_DIRECTIONS
from mkba.base.errors import CaseError, Problem
from mkba.base.formatting import fmt_number
from mkba.evidence.cbs import load_kwb, region_names
from mkba.evidence.counterfactual import EffectEstimate, estimate_effect
from mkba.evidence.inference import ALPHA
from mkba.evidence.panel import indicator_panel
from mkba.evidence.wording import quantity_sentence

__all__ = ["effect_for_case", "quantities_from_estimates", "EstimatedQuantity"]


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

    Parameters
    ----------
    case : Case
        The case.
    indicator : str
        The indicator (CBS or ``metingen``).
    wijk : str, optional
        One wijk; None for every wijk with a task.
    start_year : int, optional
        The start; by default the startjaar of the wijk's task.
    kwb : pandas.DataFrame, optional
        The long CBS table; by default :func:`mkba.evidence.cbs.load_kwb`.
    measure : {"profiel", "waarde"}, default "profiel"
        The unit of the wijk profile, or as published.
    **kwargs
        Passed to :func:`mkba.evidence.counterfactual.estimate_effect`.

    Returns
    -------
    EffectEstimate
        The estimate, or a reasoned refusal.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> est = effect_for_case(case, "PersonenPerSoortUitkeringBijstand", wijk="WK036330")
    >>> est.estimate is None, est.warnings[0][:40]
    (True, 'slechts 1 jaar vóór het startjaar 2018 g')
    """
    if kwb is None:
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

    names = region_names(kwb)
    wanted = [*(w for w, _ in est.treated), *est.comparison_wijken]
    return replace(est, names={c: str(names[c]) for c in wanted if c in names.index})


@dataclass(frozen=True)
class EstimatedQuantity:
    """What became of one effect line whose quantity was to come from an estimate.

    ``estimate`` is the :class:`EffectEstimate` (in the indicator's published unit),
    ``quantity`` the quantity per year put on the line (sign: the direction of improvement)
    or ``None`` when the estimate did not enter (the line became a PM post), ``reason`` why,
    in Dutch.

    Parameters
    ----------
    task_id : str
        The task.
    variant : str or None
        The line's variant.
    effect : str
        The effect line's name.
    indicator : str
        The indicator estimated.
    wijk_code : str
        The task's wijk.
    row : int
        The line's source row.
    estimate : EffectEstimate
        The estimate, in the indicator's published unit.
    used : bool
        Whether it entered the NPV.
    reason : str
        Why (not), in Dutch.
    quantity : float, optional
        The quantity per year put on the line; None when it did not enter.
    sign : float, default 1.0
        +1 or −1: the direction of improvement.

    Examples
    --------
    >>> from mkba.evidence.calibration import synthetic_panel
    >>> from mkba.evidence.counterfactual import estimate_effect
    >>> panel, starts = synthetic_panel(0, effect=5.0)
    >>> est = estimate_effect(panel, starts, indicator="y")
    >>> q = EstimatedQuantity("T1", None, "Minder bijstand", "y", "WK009000", 14, est, True, "",
    ...                       quantity=round(est.estimate, 1))
    >>> q.used, q.quantity
    (True, 2.8)
    """

    task_id: str
    variant: str | None
    effect: str
    indicator: str
    wijk_code: str
    row: int
    estimate: EffectEstimate
    used: bool
    reason: str
    quantity: float | None = None
    sign: float = 1.0

    def to_dict(self) -> dict:
        """The record in ``evaluate``'s JSON (``estimated_quantities``)."""
        est = self.estimate
        return {"task_id": self.task_id, "variant": self.variant, "effect": self.effect,
                "indicator": self.indicator, "label": est.label, "unit": est.unit,
                "wijk_code": self.wijk_code, "estimate": est.estimate, "ci_low": est.ci_low,
                "ci_high": est.ci_high, "p_value": est.p_value,
                "evidence_level": est.evidence_level, "used": self.used,
                "quantity": self.quantity, "reason": self.reason}

    def sentence(self) -> str:
        """One Dutch sentence for the cost-benefit section (:func:`quantity_sentence`)."""
        return quantity_sentence(self.to_dict())


def quantities_from_estimates(case, kwb: pd.DataFrame | None = None, **kwargs):
    """Fill the empty ``hoeveelheid`` of effect lines that name an ``indicator``, honestly.

    The quantity per year is the estimated effect on the indicator, as published or measured
    (``measure="waarde"``: persons, not per 1.000 inwoners), in the task's wijk from its
    startjaar, in the direction of improvement: sign-flipped when the line's ``richting`` (or,
    when empty, the indicator's known direction in
    :data:`mkba.base.assumptions.INDICATOR_DIRECTIONS`) is ``lager``. Whether a ``doelen`` row
    exists does not matter: two tasks with the same indicator get the same sign convention.
    The estimate is already net of what would have happened anyway, so such a line has no
    deadweight (checked when the case is read).

    Rules (issue 20):

    - no estimate (``evidence_level`` geen): the line does not enter the NCW; it becomes a
      PM post (``pm = ja``, no score) with the reason in ``toelichting`` and a warning;
    - an estimate without a 95 % interval (too few placebos): the same, unless the line gives
      its own ``hoeveelheid_laag`` and ``hoeveelheid_hoog`` (an explicit, documented
      uncertainty), which then are its range;
    - an estimate that enters carries its interval as its range into the Monte Carlo:
      ``hoeveelheid_laag``/``hoeveelheid_hoog`` the interval (unless given) and ``verdeling``
      normaal (unless given; the rank-test interval is symmetric around the estimate, so a
      normal distribution with that 95 % range). A non-significant estimate enters this way
      too: its range then includes 0.

    Parameters
    ----------
    case : Case
        The case.
    kwb : pandas.DataFrame, optional
        The long CBS table; by default :func:`mkba.evidence.cbs.load_kwb`.
    **kwargs
        Passed to :func:`effect_for_case`.

    Returns
    -------
    (Case, list of EstimatedQuantity)
        The new case (with a warning per line left out) and one record per line.

    Examples
    --------
    >>> from mkba.case.read import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case, records = quantities_from_estimates(read_case(DATA_DIR / "voorbeeld"))
    >>> records  # the example case gives every quantity itself
    []
    """
    e = case.effecten
    todo = e["hoeveelheid"].isna() & e["indicator"].notna() & ~e["pm"]
    if not todo.any():
        return case, []
    taken = case.taken.set_index("taak_id")
    e = e.copy()
    records, warnings = [], []
    file = case.files.get("effecten", "effecten.csv")
    for idx in e.index[todo.to_numpy()]:
        line = e.loc[idx]
        wijk = taken.at[line["taak_id"], "wijk_code"]
        start = int(taken.at[line["taak_id"], "startjaar"])
        est = effect_for_case(case, line["indicator"], wijk=wijk, start_year=start, kwb=kwb,
                              measure="waarde", **kwargs)
        # the direction of improvement belongs to the indicator (the line's own richting, or
        # its known direction), never to whether a doelen row exists
        direction = line["richting"] if isinstance(line["richting"], str) else \
            INDICATOR_DIRECTIONS.get(line["indicator"], "hoger")
        sign = -1.0 if direction == "lager" else 1.0
        own_range = pd.notna(line["hoeveelheid_laag"]) and pd.notna(line["hoeveelheid_hoog"])
        used, reason = _entry(est, own_range)
        variant = line["variant"] if isinstance(line["variant"], str) else None
        rec = EstimatedQuantity(str(line["taak_id"]), variant, str(line["effect"]),
                                str(line["indicator"]), str(wijk), int(line["_row"]), est,
                                used, reason, sign * est.estimate if used else None, sign)
        records.append(rec)
        if not used:
            e.loc[idx, "pm"] = True
            e.loc[idx, "toelichting"] = _joined(line["toelichting"], reason)
            warnings.append(Problem(file, int(line["_row"]), "hoeveelheid",
                                    f"effect '{line['effect']}' telt niet mee in de NCW (nu een "
                                    f"PM-post): {reason}"))
            continue
        e.loc[idx, "hoeveelheid"] = sign * est.estimate
        if est.ci_low is not None:
            bounds = sorted([sign * est.ci_low, sign * est.ci_high])
            if pd.isna(line["hoeveelheid_laag"]):
                e.loc[idx, "hoeveelheid_laag"] = bounds[0]
            if pd.isna(line["hoeveelheid_hoog"]):
                e.loc[idx, "hoeveelheid_hoog"] = bounds[1]
            if pd.isna(line["verdeling"]):
                e.loc[idx, "verdeling"] = "normaal"
    out = replace(case.with_table("effecten", e), warnings=tuple(case.warnings) + tuple(warnings))
    return out, records


def _entry(est: EffectEstimate, own_range: bool) -> tuple[bool, str]:
    """Whether an estimate enters the NCW, and why (Dutch)."""
    if est.estimate is None:
        why = "; ".join(est.warnings) or "te weinig gegevens"
        return False, f"geen schatting mogelijk voor indicator '{est.indicator}': {why}"
    if est.ci_low is None:
        smallest = (est.placebo or {}).get("smallest_p")
        why = ("de schatting heeft geen 95%-interval (te weinig vergelijkingsmogelijkheden"
               + (f"; kleinste mogelijke p-waarde {fmt_number(smallest, 3)}" if smallest
                  else "") + ")")
        if own_range:
            return True, (f"{why}; telt mee met de eigen bandbreedte van de regel "
                          "(hoeveelheid_laag–hoeveelheid_hoog)")
        return False, f"{why}: zonder bandbreedte zou het een zeker getal lijken"
    text = ("schatting met het 95%-interval als bandbreedte (normale verdeling) in de "
            "Monte Carlo")
    if est.p_value is not None and est.p_value > ALPHA:
        text += (f"; niet significant (p = {fmt_number(est.p_value, 3)}): de bandbreedte "
                 "omvat 0")
    return True, text


def _joined(old, new: str) -> str:
    return new if not isinstance(old, str) or not old.strip() else f"{old.strip()}; {new}"
