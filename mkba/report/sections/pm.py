"""Wat niet in geld uit te drukken is: the PM items with their score, and whether they could
turn the outcome (the break-even of the PM items)."""

from __future__ import annotations

from mkba.report.blocks import Table
from mkba.report.sections.common import section_html
from mkba.report.text import variant_label

__all__ = ["render"]


def render(report):
    """The effects that are not priced (PM posts) and what they would have to be worth.

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
    >>> "geen PM-posten" in render(report).text
    True
    """
    rows = []
    for r in report.results:
        for rec in r.pm().itertuples(index=False):
            rows.append([r.name, "–" if r.variant == "project" else variant_label(r.variant),
                         rec.effect, rec.actor,
                         rec.pm_score if isinstance(rec.pm_score, str) else "?",
                         rec.explanation if isinstance(rec.explanation, str) else ""])
    if not rows:
        return section_html("pm.html.j2", table=None, break_even=[])
    seen, break_even = set(), []
    for r in report.results:
        be = r.pm_break_even
        if be is None or (r.task_id, r.variant) in seen:
            continue
        seen.add((r.task_id, r.variant))
        break_even.append((r.name, None if r.variant == "project" else variant_label(r.variant),
                           be["text"]))
    table = Table.of("PM-posten: effecten zonder bedrag, met hun score",
                     ["taak", "variant", "effect", "voor wie", "score", "toelichting"], rows,
                     numeric=[False] * 6)
    return section_html("pm.html.j2", table=table, break_even=break_even)
