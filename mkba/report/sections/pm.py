"""Wat niet in geld uit te drukken is: the PM items with their score, and whether they could
turn the outcome (the break-even of the PM items)."""

from __future__ import annotations

from mkba.report.blocks import Table
from mkba.report.sections.common import section_html
from mkba.report.text import variant_label

__all__ = ["render"]


def render(report):
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
