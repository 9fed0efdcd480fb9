"""The success criteria of the process evaluation: each with its latest value and whether it
is met, counted per kind and in one Dutch sentence for page one.

Rules (so that anyone can recompute a figure by hand):

- **Criteria.** The value of a criterion is the latest measurement of its indicator up to its
  ``peiljaar`` (all years when empty): a survey question of the task (the share positive over
  all groups, or over one group with ``vraag/groep``), else the case's ``metingen`` for the
  task's wijk, else the CBS figures. Met: value ≥ streefwaarde (``richting`` hoger, the
  default) or ≤ (lager). A suppressed or missing value leaves "met" unknown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD
from mkba.case.schema import CRITERION_KINDS
from mkba.evidence.cbs import load_kwb
from mkba.process.survey import survey_value

__all__ = ["criteria_status", "criteria_counts", "criteria_sentence", "KIND_LABELS",
           "CRITERIA_COLUMNS"]


KIND_LABELS = {"economisch": "economisch", "maatschappelijk": "maatschappelijk",
               "draagvlak": "draagvlak", "spin_off": "spin-off", "proces": "proces"}

CRITERIA_COLUMNS = ["task_id", "soort", "omschrijving", "indicator", "source", "target",
                    "direction", "peiljaar", "year", "value", "n", "suppressed", "met", "note"]


def criteria_status(case, kwb=None, threshold: int = SMALL_NUMBER_THRESHOLD,
                    task_id: str | None = None) -> pd.DataFrame:
    """Every success criterion with its latest value and whether it is met.

    Columns: task_id, soort, omschrijving, indicator, source (enquete, metingen, CBS, geen),
    target, direction, peiljaar, year, value, n (survey respondents), suppressed, met
    (True/False, None when unknown) and note. ``kwb`` (the CBS table) is loaded only when an
    indicator is neither a survey question nor in ``metingen``.

    Parameters
    ----------
    case : Case
        The case (its ``criteria``, ``taken``, ``metingen`` and survey).
    kwb : DataFrame, optional
        CBS figures (:func:`mkba.evidence.cbs.load_kwb`, loaded when needed and not given).
    threshold : int
        The small-number threshold (10): a smaller value is suppressed, ``met`` unknown.
    task_id : str, optional
        Only this task's criteria.

    Returns
    -------
    DataFrame
        One row per criterion, columns :data:`CRITERIA_COLUMNS`.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> c = criteria_status(read_case(DATA_DIR / "voorbeeld"), task_id="T1")
    >>> sorted(set(c["soort"]))[:2]
    ['draagvlak', 'economisch']
    """
    crit = case.criteria
    if task_id is not None:
        crit = crit[crit["taak_id"] == task_id]
    if crit.empty:  # no criteria: no need for mkba.evidence.targets (statsmodels' OLS, ≈ 1,5 s)
        return pd.DataFrame([], columns=CRITERIA_COLUMNS)
    from mkba.evidence.targets import (  # the rules of the targets (doelen)
        meets_target,
        region_series,
    )

    wijk = case.taken.set_index("taak_id")["wijk_code"]
    rows = []
    for c in crit.itertuples(index=False):
        lower = c.richting == "lager"
        row = {"task_id": c.taak_id, "soort": c.soort, "omschrijving": c.omschrijving,
               "indicator": c.indicator, "source": "geen", "target": float(c.streefwaarde),
               "direction": "lager" if lower else "hoger",
               "peiljaar": None if pd.isna(c.peiljaar) else int(c.peiljaar),
               "year": None, "value": np.nan, "n": np.nan, "suppressed": False, "met": None,
               "note": ""}
        survey = survey_value(case, c.taak_id, c.indicator, c.peiljaar, threshold)
        if survey is not None:
            year, value, n, small = survey
            row.update(source="enquete", year=None if pd.isna(year) else int(year), value=value,
                       n=n, suppressed=small)
            if small:
                row["note"] = f"minder dan {threshold} respondenten: niet getoond"
        else:
            m = case.metingen
            in_metingen = ((m["wijk_code"] == wijk[c.taak_id])
                           & (m["indicator"] == c.indicator)).any()
            if not in_metingen and kwb is None:
                kwb = load_kwb()
            series, source = region_series(case, kwb, wijk[c.taak_id], c.indicator, threshold)
            row["source"] = source
            if pd.notna(c.peiljaar):
                series = series[series["year"] <= c.peiljaar]
            if len(series):
                last = series.iloc[-1]
                row["year"] = int(last["year"])
                row["value"] = float(last["value"])
                row["suppressed"] = bool(pd.isna(last["value"]))
                if pd.notna(last["n"]):
                    row["n"] = float(last["n"])
                if row["suppressed"]:
                    row["note"] = "laatste meting niet getoond (klein aantal)"
        if row["year"] is None and not row["note"]:
            row["note"] = ("geen meting" + (f" tot en met {row['peiljaar']}"
                                            if row["peiljaar"] else ""))
        if pd.notna(row["value"]):
            row["met"] = meets_target(row["value"], row["target"], lower)
        rows.append(row)
    return pd.DataFrame(rows, columns=CRITERIA_COLUMNS)


def criteria_counts(criteria: pd.DataFrame) -> dict:
    """Per kind (in the fixed order of the kinds): total, met, not met and unknown.

    Parameters
    ----------
    criteria : DataFrame
        :func:`criteria_status` (columns ``soort`` and ``met`` are used).

    Returns
    -------
    dict
        kind → ``{"total", "met", "not_met", "unknown"}``; kinds without criteria are left out.

    Examples
    --------
    >>> c = pd.DataFrame({"soort": ["draagvlak", "draagvlak", "economisch"],
    ...                   "met": [True, None, False]})
    >>> criteria_counts(c)["draagvlak"]
    {'total': 2, 'met': 1, 'not_met': 0, 'unknown': 1}
    """
    out = {}
    for kind in CRITERION_KINDS:
        met = criteria.loc[criteria["soort"] == kind, "met"].tolist()
        if met:
            out[kind] = {"total": len(met), "met": sum(m is True for m in met),
                         "not_met": sum(m is False for m in met),
                         "unknown": sum(m is None for m in met)}
    return out


def criteria_sentence(criteria: pd.DataFrame) -> str:
    """Page one: how many criteria of each kind are met, in plain Dutch ('' without criteria).

    Parameters
    ----------
    criteria : DataFrame
        :func:`criteria_status` (columns ``soort`` and ``met`` are used).

    Returns
    -------
    str
        One Dutch sentence, or ``""`` without criteria.

    Examples
    --------
    >>> c = pd.DataFrame({"soort": ["draagvlak", "draagvlak", "economisch"],
    ...                   "met": [True, None, False]})
    >>> criteria_sentence(c)
    'Succescriteria gehaald: economisch 0 van 1, draagvlak 1 van 2 (1 nog niet te beoordelen).'
    """
    counts = criteria_counts(criteria)
    if not counts:
        return ""
    parts = []
    for kind, c in counts.items():
        text = f"{KIND_LABELS[kind]} {c['met']} van {c['total']}"
        if c["unknown"]:
            text += f" ({c['unknown']} nog niet te beoordelen)"
        parts.append(text)
    return "Succescriteria gehaald: " + ", ".join(parts) + "."
