"""The process evaluation as JSON: the ``process`` block of a task in
``mkba evaluate --format json`` (criteria, coalition, survey) with English keys."""

from __future__ import annotations

import pandas as pd

from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD
from mkba.base.jsonout import plain
from mkba.case.schema import PARTNER_ROLES
from mkba.process.coalition import coalition
from mkba.process.criteria import criteria_counts, criteria_status
from mkba.process.survey import CHANGE_METHOD, survey_results

__all__ = ["process_block", "json_records", "JSON_KEYS"]


#: The JSON keys (English) of the process tables' columns; the tables themselves keep the
#: input's Dutch names, which the reports show. The partner roles (input values of
#: ``partners.rol``) are not keys of a coalition record but of its ``by_role``.
JSON_KEYS = {"jaar": "year", "actief": "active", "nieuw": "joined", "vertrokken": "left",
             "nieuw_namen": "joined_names", "vertrokken_namen": "left_names",
             "soort": "kind", "omschrijving": "description", "vraag": "question",
             "groep": "group", "ontvangen": "received", "besteed": "spent",
             "gespaard": "saved", "taken": "task_ids"}


def json_records(df: pd.DataFrame) -> list[dict]:
    """The rows of ``df`` as strict-JSON records (missing → ``None``, see
    :mod:`mkba.base.jsonout`) with English keys (:data:`JSON_KEYS`).

    Parameters
    ----------
    df : DataFrame
        A process table with the input's Dutch column names.

    Returns
    -------
    list of dict
        One record per row; keys without an English name keep theirs.

    Examples
    --------
    >>> json_records(pd.DataFrame({"jaar": [2024], "besteed": [float("nan")]}))
    [{'year': 2024, 'spent': None}]
    """
    return [{JSON_KEYS.get(k, k): v for k, v in rec.items()}
            for rec in plain(df.to_dict("records"))]


def _coalition_json(coal: pd.DataFrame) -> list[dict]:
    """Coalition records: the counts per role (input values) nested under ``by_role``."""
    out = []
    for rec in json_records(coal):
        by_role = {role: rec.pop(role) for role in PARTNER_ROLES}
        out.append({"year": rec.pop("year"), "active": rec.pop("active"),
                    "by_role": by_role, **rec})
    return out


def process_block(case, task_id: str, kwb=None,
                  threshold: int = SMALL_NUMBER_THRESHOLD) -> dict:
    """The ``process`` block of a task in ``mkba evaluate --format json``.

    ``criteria`` (each with its latest value and ``met``), ``criteria_by_kind`` (total, met,
    not met, unknown per kind), ``coalition`` (per year), ``survey`` (per question, group and
    year; a suppressed group has ``n``, ``mean``, ``share_positive`` and intervals null,
    ``suppressed`` true and ``n_label`` ``"< 10"``), ``change_method`` and ``threshold``.
    Missing values are null, never 0.

    Parameters
    ----------
    case : Case
        The case.
    task_id : str
        The task.
    kwb : DataFrame, optional
        CBS figures for criteria on CBS indicators (loaded when needed).
    threshold : int
        The small-number threshold (10).

    Returns
    -------
    dict
        The block as plain JSON-ready types.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> block = process_block(read_case(DATA_DIR / "voorbeeld"), "T1")
    >>> sorted(block), block["coalition"][0]["year"]
    (['change_method', 'coalition', 'criteria', 'criteria_by_kind', 'survey', 'threshold'], 2018)
    """
    crit = criteria_status(case, kwb, threshold, task_id=task_id)
    survey = survey_results(case, task_id, threshold)
    survey = survey.assign(n_label=[f"< {threshold}" if s else
                                    (None if pd.isna(n) else str(int(n)))
                                    for s, n in zip(survey["suppressed"], survey["n"],
                                                    strict=True)])
    crit["n"] = crit["n"].astype("Float64").round().astype("Int64") if len(crit) else crit["n"]
    for col in ("n", "positive", "previous_year"):
        survey[col] = survey[col].astype("Int64") if len(survey) else survey[col]
    coal = coalition(case, task_id)
    return {
        "criteria": json_records(crit.drop(columns=["task_id"])),
        "criteria_by_kind": criteria_counts(crit),
        "coalition": _coalition_json(coal),
        "survey": json_records(survey.drop(columns=["task_id"])),
        "change_method": CHANGE_METHOD,
        "threshold": threshold,
    }
