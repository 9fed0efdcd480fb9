"""Hoe gaat het samenwerken? The success criteria by kind, the coalition through the years,
how satisfied residents, users, volunteers and partners are (survey), and the wijk's
buurtbudget; plus the session's overview of result and process side by side
(:func:`process_overview`). The figures come from :mod:`mkba.evidence.process`; the HTML is
made here, from ``templates/sections/process*.html.j2``."""

from __future__ import annotations

import pandas as pd

from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD
from mkba.base.formatting import fmt_eur, fmt_number, fmt_pct, fmt_ratio
from mkba.base.html import Html
from mkba.evidence.panel import indicator_label
from mkba.evidence.process import (
    CHANGE_METHOD,
    KIND_LABELS,
    buurtbudget_balance,
    criteria_sentence,
    criteria_status,
    survey_results,
)
from mkba.figures.plots import plot_buurtbudget, plot_coalition, plot_survey
from mkba.report.blocks import Table, figure
from mkba.report.sections.common import drawn, section_html
from mkba.report.templating import render as render_template
from mkba.report.text import variant_label

__all__ = ["render", "render_buurtbudget", "process_overview", "measured", "target_text"]


def measured(value, source, suppressed, threshold) -> str:
    """A criterion's latest value as readers see it (a survey as a share positive).

    Parameters
    ----------
    value : float
        The latest value.
    source : str
        Where it comes from (``enquete``, ``metingen``, ``cbs``).
    suppressed : bool
        Fewer respondents than ``threshold``.
    threshold : int
        The small-number threshold.

    Returns
    -------
    str
        The Dutch text.

    Examples
    --------
    >>> measured(0.72, "enquete", False, 10), measured(4.5, "metingen", False, 10)
    ('72 % positief', '4,50')
    >>> measured(None, "enquete", True, 10)
    '< 10 respondenten'
    """
    if suppressed:
        return f"< {threshold} respondenten"
    if pd.isna(value):
        return "–"
    if source == "enquete":
        return f"{fmt_pct(value, 0)} positief"
    return fmt_number(value, 2 if abs(value) < 10 else 0)


def target_text(value, source, direction) -> str:
    """A criterion's target (≥ or ≤ a value).

    Parameters
    ----------
    value : float
        The target.
    source : str
        Where it is measured (``enquete`` is a share).
    direction : str
        ``hoger`` or ``lager``.

    Returns
    -------
    str
        The Dutch text.

    Examples
    --------
    >>> target_text(0.6, "enquete", "hoger"), target_text(120, "metingen", "lager")
    ('≥ 60 %', '≤ 120')
    """
    v = fmt_pct(value, 0) if source == "enquete" else fmt_number(
        value, 2 if abs(value) < 10 else 0)
    return f"{'≥' if direction == 'hoger' else '≤'} {v}"


def _change(v, a, b, prev) -> str:
    if pd.isna(v):
        return "–"
    return (f"{'+' if v >= 0 else '−'}{fmt_number(abs(100 * v), 0)} procentpunt sinds "
            f"{int(prev)} (95%-interval {fmt_number(100 * a, 0)} tot {fmt_number(100 * b, 0)})")


def _criteria_table(report, crit, threshold) -> Table:
    names = report.tasks.set_index("taak_id")["naam"].to_dict()
    return Table.of(
        "Succescriteria: afgesproken doelen en de laatste meting",
        ["taak", "soort", "criterium", "gemeten met", "doel", "laatste meting", "gehaald"],
        [[names.get(t, t), KIND_LABELS.get(k, k), c, indicator_label(i, report.case),
          target_text(tv, s, d),
          measured(v, s, sup, threshold) + ("" if y is None or pd.isna(y) else f" ({int(y)})"),
          "ja" if m is True else "nee" if m is False else "onbekend"]
         for t, k, c, i, tv, s, d, v, sup, y, m in zip(
             crit["task_id"], crit["soort"], crit["omschrijving"], crit["indicator"],
             crit["target"], crit["source"], crit["direction"], crit["value"],
             crit["suppressed"], crit["year"], crit["met"], strict=True)],
        key=("gehaald",))


def _survey_tables(report, survey, threshold) -> tuple[Table, Table | None]:
    s = survey.assign(label=[indicator_label(v, report.case) for v in survey["vraag"]])
    results = Table.of(
        "Enquête: aandeel positief per vraag, groep en jaar",
        ["vraag", "groep", "jaar", "respondenten", "gemiddelde (1–5)", "positief",
         "95%-interval"],
        [[q, g, str(j), f"< {threshold}" if sup else fmt_number(n), fmt_number(m, 1),
          fmt_pct(p, 0), "–" if pd.isna(a) else f"{fmt_pct(a, 0)} – {fmt_pct(b, 0)}"]
         for q, g, j, n, sup, m, p, a, b in zip(
             s["label"], s["groep"], s["jaar"], s["n"], s["suppressed"], s["mean"],
             s["share_positive"], s["ci_low"], s["ci_high"], strict=True)],
        key=("positief",))
    changed = s[s["change"].notna()]
    changes = Table.of(
        "Enquête: verandering sinds de vorige enquête van dezelfde groep",
        ["vraag", "groep", "jaar", "verandering"],
        [[q, g, str(j), _change(v, a, b, prev)] for q, g, j, v, a, b, prev in zip(
            changed["label"], changed["groep"], changed["jaar"], changed["change"],
            changed["change_low"], changed["change_high"], changed["previous_year"],
            strict=True)]) if len(changed) else None
    return results, changes


@drawn
def render(report):
    """The process evaluation: success criteria, the coalition of partners and the survey.

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
    >>> "geen succescriteria, partners of enquêteresultaten" in render(report).text
    True
    """
    p = report.process
    threshold = report.parameters.get("threshold", SMALL_NUMBER_THRESHOLD)
    if p["criteria"].empty and not p["coalition"] and p["survey"].empty:
        return section_html("process.html.j2", empty=True)
    names = report.tasks.set_index("taak_id")["naam"].to_dict()
    crit = p["criteria"]
    coalitions = []
    for task, coal in p["coalition"].items():
        changes = coal[(coal["nieuw"] > 0) | (coal["vertrokken"] > 0)]
        coalitions.append({
            "task": names.get(task, task), "chart": figure(plot_coalition(coal)),
            "table": Table.of(f"Partners die erbij kwamen of vertrokken: {names.get(task, task)}",
                              ["jaar", "actief", "nieuw", "vertrokken"],
                              [[str(j), str(a), ", ".join(n) or "–", ", ".join(v) or "–"]
                               for j, a, n, v in zip(changes["jaar"], changes["actief"],
                                                     changes["nieuw_namen"],
                                                     changes["vertrokken_namen"],
                                                     strict=True)])})
    survey = p["survey"]
    survey_view = None
    if len(survey):
        labelled = survey.assign(label=[indicator_label(v, report.case)
                                        for v in survey["vraag"]])
        results, changes = _survey_tables(report, survey, threshold)
        survey_view = {"chart": figure(plot_survey(labelled, threshold=threshold)),
                       "results": results, "changes": changes}
    return section_html(
        "process.html.j2", empty=False,
        criteria=_criteria_table(report, crit, threshold) if len(crit) else None,
        coalitions=coalitions, survey=survey_view, threshold=threshold,
        change_method=CHANGE_METHOD)


@drawn
def render_buurtbudget(report):
    """The wijk's buurtbudget over the years: received, spent, saved (nothing without one).

    Parameters
    ----------
    report : WijkReport
        The report (its ``case`` and ``wijk_code``).

    Returns
    -------
    Html
        The section; empty without a buurtbudget.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> render_buurtbudget(SimpleNamespace(case=None, wijk_code="WK036330")).text
    ''
    """
    if report.case is None:
        return Html("")
    b = buurtbudget_balance(report.case, report.wijk_code)
    if b.empty:
        return Html("")
    table = Table.of("Buurtbudget per jaar (nominaal)",
                     ["jaar", "ontvangen", "besteed", "gespaard"],
                     [[str(j), fmt_eur(o), fmt_eur(s), fmt_eur(g)] for j, o, s, g in zip(
                         b["jaar"], b["ontvangen"], b["besteed"], b["gespaard"], strict=True)])
    return section_html("buurtbudget.html.j2", chart=figure(plot_buurtbudget(b)), table=table)


def process_overview(case, task_id: str, result=None, kwb=None,
                     threshold: int = SMALL_NUMBER_THRESHOLD) -> Html:
    """Result and process side by side, for the evaluation session: the NPV and B/C ratio (of
    ``result``, an :class:`~mkba.engine.cba.MkbaResult`) next to the success criteria and the
    latest survey per question and group, so that partners discuss both.

    Parameters
    ----------
    case : Case
        The case.
    task_id : str
        The task.
    result : MkbaResult, optional
        Its MKBA; None to leave the figures out.
    kwb : pandas.DataFrame, optional
        The long CBS table (for criteria on CBS figures).
    threshold : int, default SMALL_NUMBER_THRESHOLD
        Small-number threshold.

    Returns
    -------
    Html
        The overview.

    Examples
    --------
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> html = process_overview(case, "T1", evaluate(case).result("T1"))._repr_html_()
    >>> "Succescriteria" in html and "NCW" in html
    True
    """
    crit = criteria_status(case, kwb, threshold, task_id=task_id)
    survey = survey_results(case, task_id, threshold)
    criteria = []
    for c in crit.itertuples(index=False):
        criteria.append({"kind": KIND_LABELS.get(c.soort, c.soort), "text": c.omschrijving,
                         "value": "geen meting" if not c.suppressed and pd.isna(c.value)
                         else measured(c.value, c.source, c.suppressed, threshold),
                         "year": c.year,
                         "mark": {True: "✔ gehaald", False: "✘ niet gehaald"}.get(
                             c.met, "? onbekend")})
    latest = survey.sort_values("jaar").groupby(["vraag", "groep"], sort=True).tail(1)
    answers = []
    for s in latest.sort_values(["vraag", "groep"]).itertuples(index=False):
        if s.suppressed:
            text = f"< {threshold} respondenten: niet getoond"
        else:
            text = (f"{fmt_pct(s.share_positive, 0)} positief (95%-interval "
                    f"{fmt_pct(s.ci_low, 0)} – {fmt_pct(s.ci_high, 0)}, n = {int(s.n)})")
            if pd.notna(s.change):
                text += (f"; sinds {int(s.previous_year)} "
                         f"{'+' if s.change >= 0 else '−'}{fmt_number(abs(100 * s.change))} "
                         "procentpunt")
        answers.append({"question": indicator_label(s.vraag, case), "group": s.groep,
                        "year": s.jaar, "text": text})
    view = None if result is None else {"npv": fmt_eur(result.npv),
                                        "bc": fmt_ratio(result.bc_ratio),
                                        "variant": variant_label(result.variant)}
    return Html(render_template("sections/process_overview.html.j2", result=view,
                                sentence=criteria_sentence(crit) if len(crit) else None,
                                criteria=criteria, answers=answers))
