"""Kosten en baten voor de samenleving: per task and variant costs, benefits, the balance for
society and for the municipality (the columns a council reads first, at the front), then
return and payback, realised against forecast, and per variant the volunteer valuation, the
yearly flows, the waterfall and who pays and who gains."""

from __future__ import annotations

from mkba.base.formatting import fmt_eur, fmt_ratio
from mkba.base.resulttable import METHOD_DESCRIPTIONS
from mkba.figures.plots import plot_actors, plot_waterfall, plot_yearly
from mkba.report.blocks import Table, figure
from mkba.report.sections.common import drawn, section_html
from mkba.report.text import variant_label

__all__ = ["render", "VOLUNTEER_LABELS"]

#: The valuation methods of a volunteer hour, in words (one table with the session's).
VOLUNTEER_LABELS = METHOD_DESCRIPTIONS
#: What a method needs from the case when it cannot be computed (kengetal in words).
VOLUNTEER_NEEDS = {"marktwaarde": "de marktprijs per uur van de dienst",
                   "gederfd_loon": "het nettoloon per uur (met bron)"}


def _variant(r) -> str:
    return "–" if r.variant == "project" else variant_label(r.variant)


def _volunteer_table(r, price_year) -> Table:
    rows = []
    for m in r.volunteer.get("methods", []):
        label = VOLUNTEER_LABELS.get(m["method"], m["method"].replace("_", " "))
        if m["npv"] is None:
            need = VOLUNTEER_NEEDS.get(m["method"], label.split(" (")[0])
            npv = f"n.v.t.: de casus heeft geen kengetal voor {need}"
        else:
            npv = fmt_eur(m["npv"])
        rows.append([label, fmt_eur(m["value_per_hour"], 2)
                     if m["value_per_hour"] is not None else "–", npv,
                     "ja" if m["chosen"] else ""])
    return Table.of(f"NCW bij elke waardering van een vrijwilligersuur (prijzen van "
                    f"{price_year})", ["waardering vrijwilligersuur", "euro per uur", "NCW",
                                       "gekozen"], rows)


def _result_view(report, r) -> dict:
    v = r.volunteer
    volunteer = None
    if v.get("methods"):
        volunteer = {
            "switch": fmt_eur(v["switching_value_per_hour"], 2)
            if v["switching_value_per_hour"] is not None else None,
            "switch_note": v.get("switching_note") or "",
            "table": _volunteer_table(r, report.parameters["price_year"])}
    actors = r.actor_table()
    return {"name": r.name, "variant": _variant(r), "volunteer": volunteer,
            "yearly": figure(plot_yearly(r)), "waterfall": figure(plot_waterfall(r)),
            "actors": Table.from_frame(actors, f"Wie betaalt, wie wint: {r.name}"
                                       + ("" if r.variant == "project"
                                          else f" ({variant_label(r.variant)})"),
                                       key=("saldo",)),
            "actors_chart": figure(plot_actors(r)) if len(actors) > 1 else None,
            "warnings": list(r.warnings)}


@drawn
def render(report):
    """The cost-benefit section: present values, NCW, B/K, IRR and payback per task and variant.

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
    >>> "Geen maatschappelijke kosten-batenanalyse" in render(report).text
    True
    """
    results = report.results
    if not results:
        return section_html("costbenefit.html.j2", results=None)
    main = Table.of(
        "Kosten en baten per taak en variant (contante waarde)",
        ["taak", "variant", "kosten (CW)", "baten (CW)", "saldo (NCW)", "B/K",
         "saldo gemeente"],
        [[r.name, _variant(r), fmt_eur(r.pv_costs), fmt_eur(r.pv_benefits), fmt_eur(r.npv),
          fmt_ratio(r.bc_ratio), fmt_eur(r.municipality["npv"])] for r in results],
        key=("saldo (NCW)", "saldo gemeente"))
    timing = Table.of(
        "Periode, interne rentevoet (IRR) en terugverdienjaar",
        ["taak", "variant", "periode", "IRR", "terugverdiend"],
        [[r.name, _variant(r), f"{r.start_year}–{r.end_year}",
          r.irr_text, r.payback_text] for r in results])
    irr_notes = [(r.name, _variant(r), r.irr_note, r.irr_capped) for r in results if r.irr_note]
    split_rows = [[r.name, _variant(r), fmt_eur(r.split["pv_costs_realised"]),
                   fmt_eur(r.split["pv_costs_forecast"]),
                   fmt_eur(r.split["pv_benefits_realised"]),
                   fmt_eur(r.split["pv_benefits_forecast"])] for r in results if r.split]
    split = Table.of("Gerealiseerd en prognose (contante waarde)",
                     ["taak", "variant", "kosten gerealiseerd", "kosten prognose",
                      "baten gerealiseerd", "baten prognose"], split_rows) if split_rows else None
    return section_html("costbenefit.html.j2", results=[_result_view(report, r)
                                                        for r in results],
                        main=main, timing=timing, irr_notes=irr_notes, split=split,
                        estimated=[r.sentence() for r in report.estimated_quantities],
                        peiljaar=results[0].parameters.get("peiljaar"),
                        price_year=report.parameters["price_year"])
