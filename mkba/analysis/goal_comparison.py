"""Plan and realisation of the goals: the targets (``doelen``) and success criteria
(``criteria``) of the tasks in both versions of a case, expected at the decision and
measured with the current data (:func:`compare_goals`; used by
:func:`mkba.analysis.compare.compare`)."""

from __future__ import annotations

import pandas as pd

from mkba.analysis.decomposition import same_value
from mkba.base.formatting import fmt_number
from mkba.base.jsonout import none_if_missing
from mkba.case.tables import Case
from mkba.evidence.cbs import load_kwb

__all__ = ["compare_goals"]


def compare_goals(before: Case, after: Case, tasks: set, kwb,
                  threshold: int) -> tuple[list[dict], list[dict]]:
    """Targets and criteria of the tasks in both versions: expected at the decision,
    measured with the current data.

    Parameters
    ----------
    before, after : Case
        The decision version and the current version.
    tasks : set of str
        The tasks in both versions (others are left out).
    kwb : DataFrame or None
        CBS figures; loaded with :func:`mkba.evidence.cbs.load_kwb` when a target or criterion
        needs them and none are given.
    threshold : int
        The small-number threshold (a value of fewer cases is not shown).

    Returns
    -------
    tuple of (list of dict, list of dict)
        The targets and the criteria, one record each with ``status`` (``new``, ``dropped``,
        ``changed``, ``unchanged``), expected and current target, the latest measurement,
        ``met`` (the target at the decision), ``met_current`` and a Dutch ``text``.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> plan = read_case(DATA_DIR / "voorbeeld" / "versies" / "2017-besluit")
    >>> targets, criteria = compare_goals(plan, read_case(DATA_DIR / "voorbeeld"), {"T1"},
    ...                                   None, 10)
    >>> [t["status"] for t in targets]
    ['changed', 'unchanged']
    """
    if not any(len(t[t["taak_id"].isin(tasks)]) for c in (before, after)
               for t in (c.doelen, c.criteria)):
        return [], []
    needs_cbs = _needs_cbs(before, after, tasks)
    if kwb is None and needs_cbs:
        kwb = load_kwb()
    return (_targets(before, after, tasks, kwb, threshold),
            _criteria(before, after, tasks, kwb, threshold))


def _needs_cbs(before: Case, after: Case, tasks: set) -> bool:
    m = after.metingen
    own = set(zip(m["wijk_code"], m["indicator"], strict=True))
    wijk = dict(zip(after.taken["taak_id"], after.taken["wijk_code"], strict=True))
    for case in (before, after):
        for table in (case.doelen, case.criteria):
            for t, ind in zip(table["taak_id"], table["indicator"], strict=True):
                if t in tasks and (wijk[t], ind) not in own:
                    return True
    return False


def _status(old, new, columns) -> str:
    if old is None:
        return "new"
    if new is None:
        return "dropped"
    return ("unchanged" if all(same_value(old[c], new[c]) for c in columns) else "changed")


def _targets(before, after, tasks_now, kwb, threshold) -> list[dict]:
    # statsmodels via the targets: ≈ 1,2–1,6 s at import, only with targets
    from mkba.evidence.panel import indicator_label
    from mkba.evidence.targets import meets_target, target_attainment

    key = ["taak_id", "indicator"]
    plan = {tuple(r[k] for k in key): r for _, r in before.doelen.iterrows()}
    now = {tuple(r[k] for k in key): r for _, r in after.doelen.iterrows()}
    keys = [k for k in dict.fromkeys([*plan, *now]) if k[0] in tasks_now]
    if not keys:
        return []
    rows = pd.DataFrame([plan.get(k, now.get(k)) for k in keys])
    measured = target_attainment(after.with_table("doelen", rows.reset_index(drop=True)),
                                 kwb=kwb, threshold=threshold)
    out = []
    for k, (_, m) in zip(keys, measured.iterrows(), strict=True):
        old, new = plan.get(k), now.get(k)
        status = _status(old, new, ["streefwaarde", "streefjaar", "richting"])
        latest = none_if_missing(m["latest_value"])
        met_now = (None if new is None or latest is None else
                   meets_target(latest, float(new["streefwaarde"]), new["richting"] == "lager"))
        rec = {"task_id": k[0], "indicator": k[1], "status": status,
               "expected": None if old is None else float(old["streefwaarde"]),
               "expected_year": None if old is None else int(old["streefjaar"]),
               "target": None if new is None else float(new["streefwaarde"]),
               "target_year": None if new is None else int(new["streefjaar"]),
               "direction": m["direction"], "latest_year": none_if_missing(m["latest_year"]),
               "latest_value": latest, "source": m["source"],
               "met": None if old is None else none_if_missing(m["attained"]),
               "met_current": met_now}
        rec["text"] = _goal_text(rec, indicator_label(k[1], after))
        out.append(rec)
    return out


def _criteria(before, after, tasks_now, kwb, threshold) -> list[dict]:
    # statsmodels via the targets: ≈ 1,2–1,6 s at import, only with criteria
    from mkba.evidence.targets import meets_target
    from mkba.process.criteria import criteria_status

    key = ["taak_id", "soort", "indicator"]
    plan = {tuple(r[k] for k in key): r for _, r in before.criteria.iterrows()}
    now = {tuple(r[k] for k in key): r for _, r in after.criteria.iterrows()}
    keys = [k for k in dict.fromkeys([*plan, *now]) if k[0] in tasks_now]
    if not keys:
        return []
    rows = pd.DataFrame([plan.get(k, now.get(k)) for k in keys]).reset_index(drop=True)
    measured = criteria_status(after.with_table("criteria", rows), kwb=kwb, threshold=threshold)
    out = []
    for k, (_, m) in zip(keys, measured.iterrows(), strict=True):
        old, new = plan.get(k), now.get(k)
        value = none_if_missing(m["value"])
        met_now = (None if new is None or value is None or m["suppressed"] else
                   meets_target(value, float(new["streefwaarde"]), new["richting"] == "lager"))
        rec = {"task_id": k[0], "kind": k[1], "indicator": k[2],
               "description": (old if old is not None else new)["omschrijving"],
               "status": _status(old, new, ["streefwaarde", "richting", "peiljaar"]),
               "expected": None if old is None else float(old["streefwaarde"]),
               "target": None if new is None else float(new["streefwaarde"]),
               "direction": m["direction"], "latest_year": none_if_missing(m["year"]),
               "latest_value": None if m["suppressed"] else value, "source": m["source"],
               "met": None if old is None else none_if_missing(m["met"]),
               "met_current": met_now}
        rec["text"] = _goal_text(rec, rec["description"])
        out.append(rec)
    return out


def _goal_value(value) -> str:
    if value is None:
        return "–"
    return fmt_number(value, 0 if float(value).is_integer() else 2)


def _goal_text(rec: dict, what: str) -> str:
    """One Dutch sentence: expected at the decision, measured now, met or not."""
    measured = ("geen meting" if rec["latest_value"] is None else
                f"gemeten {_goal_value(rec['latest_value'])} in {rec['latest_year']}")
    if rec["status"] == "new":
        head = f"{what}: nieuw doel sinds het besluit (streefwaarde {_goal_value(rec['target'])})"
        met = rec["met_current"]
    else:
        head = f"{what}: bij het besluit verwacht {_goal_value(rec['expected'])}"
        if rec["status"] == "changed":
            head += f", nu als doel {_goal_value(rec['target'])}"
        elif rec["status"] == "dropped":
            head += ", nu geen doel meer"
        met = rec["met"]
    verdict = ("gehaald" if met else "niet gehaald" if met is not None else "nog onbekend")
    if rec["status"] == "changed" and rec["met_current"] is not None and \
            rec["met_current"] != met:
        verdict += " (het doel van nu " + ("wel" if rec["met_current"] else "niet") + ")"
    return f"{head}; {measured}: {verdict}."
