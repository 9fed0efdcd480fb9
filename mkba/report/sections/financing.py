"""Financiering en hefboom: who brought in the money (nominal), and the leverage: others'
contributions per euro of the municipality."""

from __future__ import annotations

from mkba.base.formatting import fmt_eur, fmt_ratio
from mkba.report.blocks import Table
from mkba.report.sections.common import section_html
from mkba.report.text import variant_label

__all__ = ["render"]


def render(report):
    """The financing section: contributions per source and the leverage.

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
    >>> "geen financiering vastgelegd" in render(report).text
    True
    """
    if report.evaluation is None or report.evaluation.financing.empty:
        return section_html("financing.html.j2", leverage=None)
    names = report.tasks.set_index("taak_id")["naam"].to_dict()
    f = report.evaluation.financing
    # a variant has its own financing (issue 19); a row without a variant is in every variant
    f = f.assign(variant=f["variant"].fillna("alle").map(variant_label)) \
        if "variant" in f else f.assign(variant="alle")
    per = f.groupby(["taak_id", "variant", "bron", "soort"])["bedrag"].sum().reset_index()
    sources = Table.of("Bijdragen per bron (nominaal)",
                       ["taak", "variant", "bron", "soort", "bedrag"],
                       [[names.get(t, t), v, b, str(s).replace("_", " "), fmt_eur(a)]
                        for t, v, b, s, a in per.itertuples(index=False, name=None)])
    several = {r.task_id for r in report.results
               if sum(q.task_id == r.task_id for q in report.results) > 1}
    rows = []
    for r in report.results:  # per variant: leverage is a variant's own
        x = r.financing
        name = f"{r.name} ({variant_label(r.variant)})" if r.task_id in several else r.name
        rows.append([name, fmt_eur(x["total"]), fmt_eur(x["municipal"]),
                     fmt_eur(x["others"]), fmt_eur(x["loans"]), fmt_eur(x["own_revenue"]),
                     fmt_eur(x["guarantees"]),
                     fmt_ratio(x["leverage"]) if x["leverage"] is not None
                     else f"n.v.t. ({x['leverage_reason']})"])
    leverage = Table.of("Financiering en hefboom per taak en variant (nominaal)",
                        ["taak", "totaal", "bijdrage gemeente", "bijdragen anderen",
                         "leningen", "eigen inkomsten", "garantstellingen", "hefboom"], rows,
                        key=("hefboom",))
    return section_html("financing.html.j2", leverage=leverage, sources=sources)
