"""One-way sensitivity (tornado data, switching values) and the discount-rate variants."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.base.assumptions import DISCOUNT_RATE_VARIANTS as _VARIANTS
from mkba.base.assumptions import HEALTH_CONVENTION
from mkba.case.tables import Case
from mkba.uncertainty.inputs import UncertainInput, uncertain_inputs
from mkba.uncertainty.model import Model, model_kwargs

__all__ = ["sensitivity", "discount_rate_sensitivity", "DISCOUNT_RATE_VARIANTS",
           "LINEAR_KINDS"]

#: Inputs the NPV is linear in: their switching value follows from two evaluations.
LINEAR_KINDS = ("kengetal", "hoeveelheid", "waarde", "deadweight", "attributie", "verdringing",
                "optimisme_kosten", "optimisme_baten", "factor")
#: Discount-rate variants the Dutch guidance names (label, r costs, r benefits, source);
#: see :mod:`mkba.base.assumptions`.
DISCOUNT_RATE_VARIANTS = _VARIANTS


def sensitivity(case: Case, task: str, variant: str | None = None, **params) -> pd.DataFrame:
    """One-way sensitivity over every ranged input (tornado data) with switching values.

    Columns: name (the parameter as in bandbreedtes), label (with its variant when it holds
    for one), low, high, base, npv_low, npv_high, swing, switching_value (the value at
    which npv = 0: exact for inputs npv is linear in, by root finding for the drop-off and the
    discount rate; NaN when there is none), switching_in_range, source. Sorted by swing.

    Parameters
    ----------
    case : Case
        The case.
    task : str
        The task.
    variant : str, optional
        The variant; None for the task's only variant.
    **params
        Evaluation parameters, as for :func:`mkba.evaluate`.

    Returns
    -------
    pandas.DataFrame
        One row per ranged input, largest swing first.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> table = sensitivity(read_case(DATA_DIR / "voorbeeld"), "T1")
    >>> bool(table["swing"].is_monotonic_decreasing), "switching_value" in table
    (True, True)
    """
    model = Model(case, task, variant, **model_kwargs(params))
    inputs = uncertain_inputs(case, model.rate, task, model.variant)
    base = model.deterministic()
    rows = []
    for inp in inputs:
        if inp.kind != "discount" and not model.lines.refs.get(inp.target):
            continue
        lo, hi = model.npv({inp.target: np.array([inp.low, inp.high])})
        rows.append({"name": inp.name, "label": inp.label, "low": inp.low, "high": inp.high,
                     "base": inp.base,
                     "npv_low": float(lo), "npv_high": float(hi), "swing": abs(hi - lo),
                     "switching_value": _switching(model, inp, lo, hi),
                     "source": str(inp.source.file) + (f":{inp.source.row}"
                                                       if inp.source.row else "")})
    out = pd.DataFrame(rows, columns=["name", "label", "low", "high", "base", "npv_low",
                                      "npv_high", "swing", "switching_value", "source"])
    out["switching_in_range"] = [bool(pd.notna(v) and lo <= v <= hi) for v, lo, hi in
                                 zip(out["switching_value"], out["low"], out["high"],
                                     strict=True)]
    out.attrs["npv"] = base
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def _switching(model: Model, inp: UncertainInput, npv_low: float, npv_high: float) -> float:
    if inp.kind in LINEAR_KINDS:
        if inp.high == inp.low or npv_high == npv_low:
            return np.nan
        slope = (npv_high - npv_low) / (inp.high - inp.low)
        value = inp.low - npv_low / slope
        # outside what the input can be (a fraction outside 0–1, a negative price): none
        if (inp.fraction and not 0 <= value <= 1) or (inp.nonnegative and value < 0):
            return np.nan
        return value
    # scipy.optimize: ≈ 0,45 s at import, only for a switching value
    from scipy.optimize import brentq

    lo, hi = (0.0, 1.0) if inp.kind == "afname" else (-0.9, 1.0)

    def f(x):
        return float(model.npv({inp.target: np.array([x])})[0])

    grid = np.linspace(lo, hi, 41)
    vals = model.npv({inp.target: grid})
    sign = np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)
    if len(sign) == 0:
        return np.nan
    i = sign[0]
    return float(brentq(f, grid[i], grid[i + 1], xtol=1e-10))


def discount_rate_sensitivity(case: Case, task: str, variant: str | None = None, *,
                              health_convention: bool = False, **params) -> pd.DataFrame:
    """NPV under the discount-rate variants the Dutch guidance names (standard 2,25 % and the
    risk-free −1 % of the Werkgroep discontovoet 2020), each with its source.

    The health-economics convention (costs 4 %, effects 1,5 %) belongs to cost-effectiveness
    analysis, not to an MKBA: only with ``health_convention=True``, labelled as such
    (``kind`` is then ``"KEA-conventie"``).

    Parameters
    ----------
    case : Case
        The case.
    task : str
        The task.
    variant : str, optional
        The variant; None for the task's only variant.
    health_convention : bool, default False
        Add the health-economics convention, labelled as such.
    **params
        Other evaluation parameters, as for :func:`mkba.evaluate`.

    Returns
    -------
    pandas.DataFrame
        One row per discount-rate variant with its NPV and source.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> table = discount_rate_sensitivity(read_case(DATA_DIR / "voorbeeld"), "T1")
    >>> table["variant"].str[:16].tolist()
    ['standaard 2,25 %', 'risicovrij −1 % ']
    """
    model = Model(case, task, variant, **model_kwargs(params))
    variants = [(*v, "MKBA") for v in DISCOUNT_RATE_VARIANTS]
    if health_convention:
        variants.append((*HEALTH_CONVENTION, "KEA-conventie"))
    rows = [{"variant": label, "rate_costs": rc, "rate_benefits": rb,
             "npv": float(model.npv(rate_costs=[rc], rate_benefits=[rb])[0]),
             "source": source, "kind": kind}
            for label, rc, rb, source, kind in variants]
    return pd.DataFrame(rows)


