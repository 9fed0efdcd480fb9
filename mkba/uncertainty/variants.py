"""Variants of a task side by side, with common random numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.base.assumptions import DISCOUNT_RATE
from mkba.case.tables import Case
from mkba.engine.cba import evaluate
from mkba.uncertainty.inputs import applicable_inputs, uncertain_inputs
from mkba.uncertainty.model import Model, model_kwargs
from mkba.uncertainty.montecarlo import draw_inputs, model_inputs

__all__ = ["compare_variants"]


def compare_variants(case: Case, task: str, *, draws: int = 5000, seed: int = 0,
                     **params) -> dict:
    """Variants of a task side by side, and the difference of each with the first one.

    The same draws of the shared inputs are used for every variant (common random numbers),
    so the difference carries only the uncertainty that differs between them.
    Returns a dict with ``table`` (per variant: npv, bc_ratio, p_npv_positive, npv_p5/p95 and
    each actor's balance), ``differences`` and ``actors`` (variant × actor balances).

    Parameters
    ----------
    case : Case
        The case.
    task : str
        The task (with two or more variants).
    draws : int, default 5000
        The number of draws.
    seed : int, default 0
        The seed of the random generator.
    **params
        Evaluation parameters, as for :func:`mkba.evaluate`.

    Returns
    -------
    dict
        ``table``, ``differences`` and ``actors`` (see above).

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> cv = compare_variants(read_case(DATA_DIR / "voorbeeld"), "T2", draws=200)
    >>> cv["table"]["variant"].tolist()
    ['klassiek_aanbesteden', 'maatschappelijk_aanbesteden']
    """
    kwargs = model_kwargs(params)
    ev = evaluate(case, task=task, **{k: v for k, v in kwargs.items()})
    variants = list(ev.totals["variant"])
    rate = kwargs.get("discount_rate", DISCOUNT_RATE)
    models = {v: Model(case, task, v, **kwargs) for v in variants}
    # per variant the inputs that act on its lines (a range belongs to its line's variant);
    # a volunteer hour's value is a method choice: not drawn (see monte_carlo)
    every = uncertain_inputs(case, rate, task)
    own = {v: [i for i in model_inputs(models[v], applicable_inputs(every, v))
               if i.target not in models[v].volunteer_refs] for v in variants}
    inputs = list({i.key: i for v in variants for i in own[v]}.values())
    drawn = draw_inputs(inputs, draws, seed, case.tables.get("correlaties"))
    npvs = {}
    rows = []
    for v in variants:
        model = models[v]
        values = {i.target: drawn[i.key] for i in own[v]}
        npvs[v] = model.npv(values, draws) if values else np.full(draws, model.deterministic())
        res = ev.result(task, v)
        rows.append({"variant": v, "npv": res.npv, "bc_ratio": res.bc_ratio,
                     "p_npv_positive": float(np.mean(npvs[v] > 0)),
                     "npv_p5": float(np.percentile(npvs[v], 5)),
                     "npv_p95": float(np.percentile(npvs[v], 95))})
    actors = ev.actors.pivot_table(index="variant", columns="actor", values="npv",
                                   aggfunc="sum", fill_value=0.0).reindex(variants)
    diffs = []
    for v in variants[1:]:
        d = npvs[v] - npvs[variants[0]]
        difference = ev.result(task, v).npv - ev.result(task, variants[0]).npv
        diffs.append({"variant": v, "compared_with": variants[0],
                      "difference": float(difference),
                      "p5": float(np.percentile(d, 5)), "p95": float(np.percentile(d, 95)),
                      "p_better": float(np.mean(d > 0))})
    return {"table": pd.DataFrame(rows), "differences": pd.DataFrame(diffs), "actors": actors}


