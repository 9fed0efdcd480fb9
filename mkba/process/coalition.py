"""The coalition of the process evaluation: the partners of a task per year, who joined and
who left.

Rules (so that anyone can recompute a figure by hand):

- **Coalition.** A partner is active in year ``t`` when ``jaar_van ≤ t ≤ jaar_tot`` (empty
  ``jaar_tot``: to the end of the period). Years run from the first ``jaar_van`` to the task's
  ``eindjaar``. Joined in ``t``: active in ``t`` and not in ``t − 1``; left in ``t``: active in
  ``t − 1`` and not in ``t``; so active(t) = active(t − 1) + joined(t) − left(t).
"""

from __future__ import annotations

import pandas as pd

from mkba.case.schema import PARTNER_ROLES

__all__ = ["coalition"]


def coalition(case, task_id: str) -> pd.DataFrame:
    """The coalition of a task per year: active partners (total and per role), who joined and
    who left (see the module docstring).

    Columns: ``jaar``, ``actief``, one column per role, ``nieuw``, ``vertrokken``,
    ``nieuw_namen``, ``vertrokken_namen``. Empty without partners.

    Parameters
    ----------
    case : Case
        The case (its ``partners`` and ``taken``).
    task_id : str
        The task.

    Returns
    -------
    DataFrame
        One row per year from the first ``jaar_van`` to the task's ``eindjaar`` (or the last
        ``jaar_van``, when later).

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> c = coalition(read_case(DATA_DIR / "voorbeeld"), "T1")
    >>> bool((c["actief"] == c["actief"].shift(1, fill_value=0) + c["nieuw"]
    ...       - c["vertrokken"]).all())
    True
    """
    p = case.partners[case.partners["taak_id"] == task_id]
    columns = ["jaar", "actief", *PARTNER_ROLES, "nieuw", "vertrokken", "nieuw_namen",
               "vertrokken_namen"]
    if p.empty:
        return pd.DataFrame(columns=columns)
    end_year = int(case.taken.set_index("taak_id").at[task_id, "eindjaar"])
    first = int(p["jaar_van"].min())
    last = max(end_year, int(p["jaar_van"].max()))
    stop = p["jaar_tot"].astype("Float64").fillna(float(last)).astype(float).to_numpy()
    start = p["jaar_van"].astype(float).to_numpy()
    names = p["partner"].to_numpy()
    roles = p["rol"].to_numpy()
    rows, before = [], set()
    for year in range(first, last + 1):
        on = (start <= year) & (year <= stop)
        active = set(names[on])
        row = {"jaar": year, "actief": len(active)}
        for role in PARTNER_ROLES:
            row[role] = int((on & (roles == role)).sum())
        joined, left = sorted(active - before), sorted(before - active)
        row.update(nieuw=len(joined), vertrokken=len(left), nieuw_namen=joined,
                   vertrokken_namen=left)
        rows.append(row)
        before = active
    return pd.DataFrame(rows, columns=columns)
