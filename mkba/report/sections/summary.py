"""Page one ("In het kort"), in plain Dutch (B1): per task what it is, what it costs society
and yields, how sure that is, what cannot be priced, who gains and who pays; then the targets,
the collaboration, a scenario, the price year and peiljaar (named once), and the age of the
CBS figures.

Amounts are rounded alike so that the sentence adds up (:func:`page_one_amounts`); a chance
from the simulation is never "100 %" (:func:`~mkba.base.formatting.fmt_chance`).
"""

from __future__ import annotations

import pandas as pd

from mkba.analysis.checks import failed as failed_checks
from mkba.base.formatting import fmt_chance, fmt_eur_compact
from mkba.evidence.process import criteria_sentence
from mkba.report.sections.common import section_html
from mkba.report.templating import render as render_template
from mkba.report.text import (
    DATA_AGE_WARNING,
    compare_variants_sentence,
    illustrative_values,
    page_one_amounts,
    report_year,
    scenario_sentence,
    targets_sentence,
    task_sentence,
    variant_label,
    volunteer_actors,
)

__all__ = ["render", "result_view", "warnings"]


def result_view(report, r) -> dict:
    """What page one says about one task and variant.

    Parameters
    ----------
    report : WijkReport
        The report (its ``case`` and ``p_npv_positive``).
    r : MkbaResult
        One task and variant.

    Returns
    -------
    dict
        The pieces of the sentence on page one.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> report = SimpleNamespace(case=case, p_npv_positive=lambda task, variant: None)
    >>> view = result_view(report, evaluate(case).result("T1"))
    >>> view["start"], view["end"], view["chance"]
    (2018, 2027, None)
    """
    costs, benefits, diff, shown = page_one_amounts(r.pv_costs, r.pv_benefits)
    pm = r.pm()
    actors = r.by_actor().sort_values("npv")
    volunteers = volunteer_actors(report.case, r.task_id, r.variant) \
        if report.case is not None else set()
    gain = payer = None
    if len(actors) and actors.iloc[-1]["npv"] > 0:
        gain = (actors.iloc[-1]["actor"], fmt_eur_compact(actors.iloc[-1]["npv"]))
    payers = actors[(actors["npv"] < 0) & ~actors["actor"].isin(volunteers)]
    if len(payers):
        payer = (payers.iloc[0]["actor"], fmt_eur_compact(-payers.iloc[0]["npv"]))
    time_given = []
    for actor in actors["actor"]:
        if actor in volunteers:
            cost = float(actors.loc[actors["actor"] == actor, "pv_costs"].sum())
            if cost > 0:
                time_given.append((str(actor)[:1].upper() + str(actor)[1:],
                                   fmt_eur_compact(cost)))
    chance = report.p_npv_positive(r.task_id, r.variant)
    return {
        "variant": variant_label(r.variant), "start": r.start_year, "end": r.end_year,
        "costs": costs, "benefits": benefits, "difference": diff.replace("−", ""),
        "verdict": "meer" if shown > 0 else "minder" if shown < 0 else "even veel",
        "chance": None if chance is None else fmt_chance(chance),
        "pm": [(str(e).lower(), s if isinstance(s, str) else "?")
               for e, s in zip(pm["effect"], pm["pm_score"], strict=True)],
        "gain": gain, "payer": payer, "time_given": time_given,
    }


def _task_views(report) -> list[dict]:
    by_task: dict[str, list] = {}
    for r in report.results:
        by_task.setdefault(r.task_id, []).append(r)
    tasks = report.tasks.set_index("taak_id")
    out = []
    for task_id, results in by_task.items():
        task = tasks.loc[task_id]
        doel = task.get("doel")
        out.append({
            "name": task["naam"],
            "sentence": task_sentence(task, [r.variant for r in results]),
            "goal": doel.rstrip(".") if isinstance(doel, str) and doel.strip() else None,
            "results": [result_view(report, r) for r in results],
            "comparison": compare_variants_sentence(results) if len(results) > 1 else None,
            "illustrative": illustrative_values(report.case, task_id)
            if report.case is not None else [],
        })
    return out


def _data_age(report) -> dict | None:
    if report.profile is None:
        return None
    year, now = int(report.profile.year), report_year()
    return {"year": year, "now": now, "old": now - year > DATA_AGE_WARNING,
            "age": now - year}


def warnings(report) -> list:
    """Notices at the top of page one (plain text or Markup), before everything else: what
    the reader must know before trusting the figures below. Today: the consistency checks
    that failed (:mod:`mkba.analysis.checks`, issue 19).

    Parameters
    ----------
    report : WijkReport
        The report (its ``checks``).

    Returns
    -------
    list
        The notices; empty when every check passed.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from mkba.analysis.checks import Check
    >>> warnings(SimpleNamespace(checks=[Check("som", "ok", "")]))
    []
    >>> len(warnings(SimpleNamespace(checks=[Check("som", "fout", "de som klopt niet")])))
    1
    """
    bad = failed_checks(report.checks)
    if not bad:
        return []
    return [render_template("sections/checks_warning.html.j2",
                            messages=[c.message for c in bad])]


_PEILJAAR_SOURCE = {"casus": "uit de casus", "instelling": "opgegeven",
                    "regel": "vaste regel: het jaar na het laatste CPI-jaar"}


def render(report):
    """Page one: what was done, what it cost and gained, and what the reader must know first.

    Parameters
    ----------
    report : WijkReport
        Everything the report shows (:func:`mkba.report.reports.wijk_report`).

    Returns
    -------
    Html
        The section, as a notebook output.

    Examples
    --------
    A report of a wijk without a task or CBS figures (the sections of the shipped case are
    tested in ``tests/test_reports.py``):

    >>> import pandas as pd
    >>> from mkba.report.reports import WijkReport
    >>> report = WijkReport("WK036330", "Transvaalbuurt", {"discount_rate": 0.0225,
    ...                     "price_year": 2024, "base_year": None, "horizon": None,
    ...                     "threshold": 10}, pd.DataFrame(columns=["taak_id", "naam"]), None,
    ...                     pd.DataFrame(), None)
    >>> "is geen taak overgedragen" in render(report).text
    True
    """
    if report.tasks.empty:
        return section_html("summary.html.j2", name=report.name, tasks=[],
                            warnings=warnings(report),
                            data_age=_data_age(report), targets=None, scenario=None,
                            collaboration=None, price_year=None, peiljaar=None,
                            peiljaar_source=None)
    targets = None
    if len(report.targets):
        done = int(report.targets["attained"].fillna(False).astype(bool).sum())
        targets = targets_sentence(done, len(report.targets))
    crit = report.process["criteria"]
    first = report.results[0].parameters if report.results else {}
    peil = first.get("peiljaar")
    return section_html(
        "summary.html.j2", name=report.name, tasks=_task_views(report),
        warnings=warnings(report),
        targets=targets,
        scenario=scenario_sentence(report.scenario, report.case)
        if report.scenario is not None else None,
        collaboration=None if crit.empty else criteria_sentence(crit),
        price_year=report.parameters["price_year"],
        peiljaar=None if peil is None or pd.isna(peil) else int(peil),
        peiljaar_source=_PEILJAAR_SOURCE.get(first.get("peiljaar_source")),
        data_age=_data_age(report))
