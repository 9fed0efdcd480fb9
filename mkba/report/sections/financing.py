"""Financiering en hefboom: who brought in the money (nominal), and the leverage: others'
contributions per euro of the municipality."""

from __future__ import annotations

from mkba.base.formatting import fmt_eur, fmt_ratio
from mkba.report.blocks import Table
from mkba.report.sections.common import section_html

__all__ = ["render"]


def render(report):
    if report.evaluation is None or report.evaluation.financing.empty:
        return section_html("financing.html.j2", leverage=None)
    names = report.tasks.set_index("taak_id")["naam"].to_dict()
    f = report.evaluation.financing
    per = f.groupby(["taak_id", "bron", "soort"])["bedrag"].sum().reset_index()
    sources = Table.of("Bijdragen per bron (nominaal)", ["taak", "bron", "soort", "bedrag"],
                       [[names.get(t, t), b, str(s).replace("_", " "), fmt_eur(a)]
                        for t, b, s, a in per.itertuples(index=False, name=None)])
    rows, seen = [], set()
    for r in report.results:
        if r.task_id in seen:
            continue
        seen.add(r.task_id)
        x = r.financing
        rows.append([r.name, fmt_eur(x["total"]), fmt_eur(x["municipal"]),
                     fmt_eur(x["others"]), fmt_eur(x["loans"]), fmt_eur(x["own_revenue"]),
                     fmt_eur(x["guarantees"]),
                     fmt_ratio(x["leverage"]) if x["leverage"] is not None
                     else f"n.v.t. ({x['leverage_reason']})"])
    leverage = Table.of("Financiering en hefboom per taak (nominaal)",
                        ["taak", "totaal", "bijdrage gemeente", "bijdragen anderen",
                         "leningen", "eigen inkomsten", "garantstellingen", "hefboom"], rows,
                        key=("hefboom",))
    return section_html("financing.html.j2", leverage=leverage, sources=sources)
