"""Aannames en bronnen: the parameters of this report, every assumption with its source, the
kengetallen used (by their description; their codes are in the appendix) and the sources of
the figures."""

from __future__ import annotations

from mkba.base.assumptions import ASSUMPTIONS
from mkba.base.formatting import fmt_eur, fmt_pct
from mkba.base.resulttable import METHOD_LABELS
from mkba.report.blocks import Table
from mkba.report.sections.common import section_html

__all__ = ["render", "used_kengetallen"]


def used_kengetallen(case):
    """The kengetallen the case's cost and effect lines use.

    Parameters
    ----------
    case : Case
        The case.

    Returns
    -------
    pandas.DataFrame
        The kengetallen used.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> sorted(used_kengetallen(read_case(DATA_DIR / "voorbeeld"))["code"])[:2]
    ['bijles_student_uur', 'bijstand_jaar']
    """
    k = case.kengetallen
    used = set(case.kosten["kengetal"].dropna()) | set(case.effecten["kengetal"].dropna())
    return k[k["code"].isin(used)]


def render(report):
    """The assumptions section: the parameters used, the kengetallen and their sources.

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
    >>> "Gebruikte parameters" in render(report).text
    True
    """
    p = report.parameters
    method = str(p.get("volunteer_valuation") or "vervangingskosten")
    valuation = METHOD_LABELS.get(method, method.replace("_", " "))
    params = Table.of("Gebruikte parameters", ["parameter", "waarde"], [
        ["discontovoet", fmt_pct(p["discount_rate"], 2)],
        ["prijspeil", str(p["price_year"])],
        ["basisjaar", str(p["base_year"]) if p["base_year"] else "startjaar van elke taak"],
        ["horizon", f"{p['horizon']} jaar" if p["horizon"] else "startjaar t/m eindjaar"],
        ["drempel kleine aantallen", str(p["threshold"])],
        ["waardering vrijwilligersuur", valuation],
        ["scenario", report.scenario.name if report.scenario is not None
         else "geen (de aannames uit de casus)"],
    ], numeric=[False, False])
    assumptions = Table.of("Aannames en hun bron", ["aanname", "standaard", "eenheid", "bron"],
                           [[a.label, a.shown(), a.unit, a.source] for a in ASSUMPTIONS.values()],
                           numeric=[False] * 4)
    kengetallen = None
    if report.case is not None and len(report.case.kengetallen):
        k = used_kengetallen(report.case)
        kengetallen = Table.of(
            "Kengetallen (schaduwprijzen) met hun bron en prijsjaar",
            ["kengetal", "waarde", "eenheid", "prijsjaar", "bron"],
            [[o, fmt_eur(w, 2), e, str(j), b] for o, w, e, j, b in zip(
                k["omschrijving"], k["waarde"], k["eenheid"], k["prijsjaar"], k["bron"],
                strict=True)])
    years = (report.evaluation.parameters["cpi_derived_years"]
             if report.evaluation is not None else [])
    return section_html("assumptions.html.j2", params=params, assumptions=assumptions,
                        kengetallen=kengetallen,
                        cpi_years=(years[0], years[-1]) if years else None)
