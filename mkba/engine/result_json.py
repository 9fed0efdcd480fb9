"""The JSON of the MKBA results: one task and variant as a dict (the one place its keys and
their order are set), columns as plain Python values, and the financing totals with the
leverage. :mod:`mkba.engine.results` builds its objects' ``to_dict()`` from these.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mkba.base.jsonout import none_if_missing
from mkba.case.financing import CONTRIBUTIONS
from mkba.case.schema import BUURTBUDGET, MUNICIPALITY

__all__ = ["financing_dict", "variant_financing"]


def variant_financing(financing: pd.DataFrame, keys: pd.DataFrame) -> dict:
    """Financing totals per (task, variant) of ``keys`` (task_id, variant): the rows of that
    variant and the rows without a variant (they hold for every variant of the task).

    Parameters
    ----------
    financing : DataFrame
        The case's financing rows (``taak_id``, optional ``variant``, ``bron``, ``soort``,
        ``bedrag``).
    keys : DataFrame
        The (``task_id``, ``variant``) pairs to total.

    Returns
    -------
    dict
        ``{(task_id, variant): financing_dict(...)}`` for the pairs that have financing.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"taak_id": ["T1", "T1"], "variant": [None, "b"],
    ...                   "bron": ["gemeente", "fonds"], "soort": ["subsidie", "gift"],
    ...                   "bedrag": [100.0, 50.0]})
    >>> keys = pd.DataFrame({"task_id": ["T1", "T1"], "variant": ["a", "b"]})
    >>> {k: v["total"] for k, v in variant_financing(f, keys).items()}
    {('T1', 'a'): 100.0, ('T1', 'b'): 150.0}
    """
    out = {}
    if financing.empty:
        return out
    has_variant = "variant" in financing.columns
    by_task = dict(tuple(financing.groupby("taak_id", sort=False)))
    for task, variant in zip(keys["task_id"], keys["variant"], strict=True):
        g = by_task.get(task)
        if g is None:
            continue
        if has_variant:
            g = g[g["variant"].isna().to_numpy() | (g["variant"] == variant).to_numpy()]
        out[(task, variant)] = financing_dict(g)
    return out


def task_dict(*, task_id, variant, name, wijk_code, start_year, end_year, base_year,
              pv_costs, pv_benefits, npv, bc_ratio, irr, irr_note, payback_year, split,
              volunteer, pm_break_even, by_actor, municipality, pm, yearly, financing,
              warnings, irr_capped=False) -> dict[str, Any]:
    """The JSON of one task and variant (the one place its keys and their order are set)."""
    return {
        "task_id": task_id,
        "variant": variant,
        "name": name,
        "wijk_code": wijk_code,
        "start_year": start_year,
        "end_year": end_year,
        "base_year": base_year,
        "pv_costs": pv_costs,
        "pv_benefits": pv_benefits,
        "npv": npv,
        "bc_ratio": bc_ratio,
        "irr": None if irr_note else irr,
        "irr_note": irr_note,
        "irr_above_cap": bool(irr_capped),
        "payback_year": payback_year,
        **split,
        "volunteer": volunteer,
        "pm_break_even": pm_break_even,
        "by_actor": by_actor,
        "municipality": municipality,
        "pm": pm,
        "yearly": yearly,
        "financing": financing,
        "warnings": list(warnings),
    }


def plain_column(series: pd.Series) -> list:
    """A column as plain Python values, None for missing (as :func:`none_if_missing`)."""
    if not isinstance(series.dtype, np.dtype):  # nullable and string dtypes
        return [none_if_missing(v) for v in series.astype(object).tolist()]
    if series.dtype.kind == "f":
        values = series.to_numpy()
        out = values.tolist()
        if not np.isfinite(values).all():
            out = [x if math.isfinite(x) else None for x in out]
        return out
    if series.dtype.kind in "iub":
        return series.to_numpy().tolist()
    return [none_if_missing(v) for v in series.astype(object).tolist()]


def grouped_records(df: pd.DataFrame) -> dict[tuple, list[dict]]:
    """The rows of a long table as records without task_id and variant, by (task, variant),
    in table order: what ``_records`` gives for each group, for all groups in one pass."""
    names = [c for c in df.columns if c not in ("task_id", "variant")]
    out: dict[tuple, list[dict]] = {}
    if df.empty:
        return out
    keys = zip(df["task_id"].tolist(), df["variant"].tolist(), strict=True)
    rows = zip(*[plain_column(df[c]) for c in names], strict=True)
    for key, row in zip(keys, rows, strict=True):
        out.setdefault(key, []).append(dict(zip(names, row, strict=True)))
    return out


def financing_dict(df: pd.DataFrame) -> dict:
    """Financing totals and the leverage (hefboom).

    The leverage counts contributions (:data:`CONTRIBUTIONS`) from others per contributed
    municipal euro. A guarantee (garantstelling) counts on neither side; loans (lening) and
    own revenue (eigen_inkomsten) are shown apart and are not leverage. A buurtbudget counts
    as the municipality's contribution.

    Parameters
    ----------
    df : pandas.DataFrame
        The financing rows of one task (``bron``, ``soort``, ``bedrag``).

    Returns
    -------
    dict
        ``by_source``, ``by_kind``, ``total``, ``municipal``, ``others``, ``loans``,
        ``own_revenue``, ``guarantees``, ``leverage`` and why there is none.

    Examples
    --------
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> ev = evaluate(read_case(DATA_DIR / "voorbeeld"))
    >>> d = financing_dict(ev.financing[ev.financing["taak_id"] == "T1"])
    >>> d["municipal"], d["others"], round(d["leverage"], 3)
    (420000.0, 187500.0, 0.446)
    """
    # a buurtbudget is municipal money that residents decide about: it counts as the
    # municipality's contribution whatever bron says, never as others' money (mkba.process)
    is_budget = (df["soort"] == BUURTBUDGET).to_numpy()
    is_municipal = (df["bron"].str.casefold() == MUNICIPALITY).to_numpy() | is_budget
    contribution = df["soort"].isin(CONTRIBUTIONS).to_numpy() | is_budget
    municipal = float(df.loc[is_municipal & contribution, "bedrag"].sum())
    others = float(df.loc[~is_municipal & contribution, "bedrag"].sum())
    guarantees = float(df.loc[(df["soort"] == "garantstelling").to_numpy(), "bedrag"].sum())
    reason = None
    if df.empty:
        reason = "geen financiering vastgelegd"
    elif municipal <= 0 and guarantees > 0 and is_municipal.any():
        reason = ("de gemeente bracht geen geld in, alleen een garantstelling; een "
                  "garantstelling telt aan geen van beide kanten mee")
    elif municipal <= 0:
        reason = "de gemeente bracht geen geld in"
    return {
        "by_source": {k: float(v) for k, v in df.groupby("bron")["bedrag"].sum().items()},
        "by_kind": {k: float(v) for k, v in df.groupby("soort")["bedrag"].sum().items()},
        "total": float(df["bedrag"].sum()),
        "municipal": municipal,
        "others": others,
        "loans": float(df.loc[(df["soort"] == "lening").to_numpy(), "bedrag"].sum()),
        "own_revenue": float(df.loc[(df["soort"] == "eigen_inkomsten").to_numpy(),
                                    "bedrag"].sum()),
        "guarantees": guarantees,
        "leverage": others / municipal if municipal > 0 else None,
        "leverage_reason": reason,
        "leverage_rule": "bijdragen (subsidie, gift, crowdfunding, sponsoring, in natura) van "
                         "anderen per euro die de gemeente bijdraagt; leningen, eigen "
                         "inkomsten en garantstellingen tellen niet mee",
    }
