"""The buurtbudget of the process evaluation: per wijk and year received, spent and saved.

Rules (so that anyone can recompute a figure by hand):

- **Buurtbudget** (financiering rows of soort ``buurtbudget``): per wijk and year received
  (``bedrag``), spent (``besteed``) and saved (the balance at the end of the year:
  cumulative received − cumulative spent). An unknown spending (empty ``besteed``) makes the
  balance unknown from that year on. Years without a row have no receipts and no spending.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.base.jsonout import float_or_none
from mkba.case.schema import BUURTBUDGET

__all__ = ["buurtbudget_balance", "buurtbudget_summary", "BUDGET_COLUMNS"]


BUDGET_COLUMNS = ["wijk_code", "jaar", "ontvangen", "besteed", "gespaard", "taken"]


def buurtbudget_balance(case, wijk_code: str | None = None) -> pd.DataFrame:
    """The buurtbudget per wijk and year: received, spent and saved (balance at year end).

    Kept apart from the MKBA's financing totals on purpose: a buurtbudget is municipal money
    that residents decide about; it counts as the municipality's money in the leverage.

    Parameters
    ----------
    case : Case
        The case (its ``financiering`` rows of soort ``buurtbudget``, and ``taken``).
    wijk_code : str, optional
        Only this wijk.

    Returns
    -------
    DataFrame
        One row per wijk and year with a buurtbudget row, columns :data:`BUDGET_COLUMNS`;
        ``besteed`` and ``gespaard`` missing (never 0) when a spending is unknown.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> b = buurtbudget_balance(read_case(DATA_DIR / "voorbeeld"))
    >>> bool(((b["ontvangen"] - b["besteed"]).groupby(b["wijk_code"]).cumsum()
    ...       == b["gespaard"]).all())
    True
    """
    f = case.financiering
    f = f[f["soort"] == BUURTBUDGET]
    wijk = case.taken.set_index("taak_id")["wijk_code"]
    f = f.assign(wijk_code=f["taak_id"].map(wijk))
    if wijk_code is not None:
        f = f[f["wijk_code"] == wijk_code]
    if f.empty:
        return pd.DataFrame(columns=BUDGET_COLUMNS)
    g = f.groupby(["wijk_code", "jaar"], sort=True)
    out = pd.DataFrame({
        "ontvangen": g["bedrag"].sum(),
        # an unknown spending stays unknown (min_count: a sum over only NaN is NaN)
        "besteed": g["besteed"].agg(lambda s: s.sum() if s.notna().all() else np.nan),
        "taken": g["taak_id"].agg(lambda s: sorted(set(s))),
    }).reset_index()
    out["jaar"] = out["jaar"].astype(int)
    # cumsum skips NaN, so carry "unknown" forward by hand
    net = out["ontvangen"] - out["besteed"]
    unknown = net.isna().astype(int).groupby(out["wijk_code"]).cumsum() > 0
    out["gespaard"] = net.fillna(0.0).groupby(out["wijk_code"]).cumsum().where(~unknown)
    return out[BUDGET_COLUMNS]


def buurtbudget_summary(case, wijk_code: str) -> dict | None:
    """The index's buurtbudget figures of one wijk: last year, saved then, total received and
    spent (None without a buurtbudget).

    Parameters
    ----------
    case : Case
        The case.
    wijk_code : str
        The wijk.

    Returns
    -------
    dict or None
        ``year``, ``saved``, ``received``, ``spent`` (None when unknown).

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> buurtbudget_summary(read_case(DATA_DIR / "voorbeeld"), "WK036330") is None
    True
    """
    b = buurtbudget_balance(case, wijk_code)
    if b.empty:
        return None
    last = b.iloc[-1]
    return {"year": int(last["jaar"]), "saved": float_or_none(last["gespaard"]),
            "received": float(b["ontvangen"].sum()),
            "spent": float_or_none(b["besteed"].sum(min_count=len(b)))}
