"""A case's tasks as treatment: effect estimates for the wijken of a case, and effect-line
quantities filled in from them (``hoeveelheid: schatting``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

# the module itself, not statsmodels.api (which loads all of statsmodels: +0.4 s per kernel)
from mkba.base.errors import CaseError
from mkba.evidence.counterfactual import EffectEstimate, estimate_effect
from mkba.evidence.panel import indicator_panel

__all__ = ["effect_for_case", "quantities_from_estimates"]

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
