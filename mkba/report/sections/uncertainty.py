"""Hoe zeker is de uitkomst? One assumption at a time (tornado, with the value at which the
balance turns), all at once (Monte Carlo: the chance that benefits exceed costs, never shown as
certain, and the balance of each actor over the draws), other discount rates, and variants
side by side with the same draws. Every assumption by its Dutch name."""

from __future__ import annotations

import pandas as pd

from mkba.base.formatting import fmt_chance, fmt_eur, fmt_number, fmt_ratio
from mkba.figures.plots import (
    plot_monte_carlo,
    plot_monte_carlo_actors,
    plot_tornado,
    plot_variants,
)
from mkba.report.blocks import Table, figure
from mkba.report.sections.common import drawn, section_html
from mkba.report.text import assumption_label, variant_label

__all__ = ["render"]


def _task_name(report, task: str) -> str:
    names = report.tasks.set_index("taak_id")["naam"] if len(report.tasks) else {}
    return str(names.get(task, task))


def _run_view(report, task, variant, extra) -> dict:
    mc, sens = extra["monte_carlo"], extra["sensitivity"]
    case = report.case
    view = {"title": _task_name(report, task)
            + ("" if variant == "project" else f" — {variant_label(variant)}"),
            "chance": fmt_chance(mc.p_npv_positive), "draws": fmt_number(mc.draws),
            "p5": fmt_eur(mc.percentile(5)), "p95": fmt_eur(mc.percentile(95)),
            "note": mc.note, "fixed": [assumption_label(n, case) for n in mc.fixed],
            "tornado": None, "sensitivity": None}
    if (sens["swing"] > 0).any():
        labelled = sens.assign(label=[assumption_label(n, case) for n in sens["name"]])
        view["tornado"] = figure(plot_tornado(labelled))
        shown = labelled[labelled["swing"] > 0].head(8)
        view["sensitivity"] = Table.of(
            "Elke aanname apart van laag naar hoog",
            ["aanname", "bandbreedte", "NCW bij laag", "NCW bij hoog", "omslag (NCW = 0)"],
            [[lab, f"{fmt_number(lo, 2)} – {fmt_number(hi, 2)}", fmt_eur(a), fmt_eur(b),
              "geen" if pd.isna(s) else fmt_number(s, 2) + ("" if inr else
                                                            " (buiten bandbreedte)")]
             for lab, lo, hi, a, b, s, inr in zip(
                 shown["label"], shown["low"], shown["high"], shown["npv_low"],
                 shown["npv_high"], shown["switching_value"], shown["switching_in_range"],
                 strict=True)])
    view["histogram"] = figure(plot_monte_carlo(mc))
    view["actors"] = figure(plot_monte_carlo_actors(mc)) if mc.actor_npv.shape[1] > 1 \
        else None
    rates = extra["discount_rates"]
    view["rates"] = Table.of("NCW bij andere discontovoeten", ["discontovoet", "NCW", "bron"],
                             [[v, fmt_eur(n), s] for v, n, s in
                              zip(rates["variant"], rates["npv"], rates["source"],
                                  strict=True)])
    return view


def _variants_view(report, task, cv) -> dict:
    t = cv["table"]
    chances = [report.p_npv_positive(task, v) for v in t["variant"]]
    table = Table.of(
        f"Varianten van {_task_name(report, task)}",
        ["variant", "NCW", "B/K", "kans NCW > 0"],
        [[variant_label(v), fmt_eur(n), fmt_ratio(b), fmt_chance(c if c is not None else p)]
         for v, n, b, c, p in zip(t["variant"], t["npv"], t["bc_ratio"], chances,
                                  t["p_npv_positive"], strict=True)])
    d = cv["differences"]
    differences = Table.of(
        "Verschil tussen de varianten (dezelfde trekkingen)",
        ["variant", "ten opzichte van", "verschil in NCW", "90%-interval",
         "kans dat het beter is"],
        [[variant_label(v), variant_label(w), fmt_eur(x), f"{fmt_eur(a)} – {fmt_eur(b)}",
          fmt_chance(p)] for v, w, x, a, b, p in zip(
              d["variant"], d["compared_with"], d["difference"], d["p5"], d["p95"],
              d["p_better"], strict=True)]) if len(d) else None
    actors = cv["actors"].rename(index=variant_label)
    return {"title": _task_name(report, task), "table": table, "differences": differences,
            "chart": figure(plot_variants(actors))}


@drawn
def render(report):
    """The uncertainty section: Monte Carlo, one-way sensitivity and the variants compared.

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
    >>> "Geen onzekerheidsanalyse" in render(report).text
    True
    """
    if not report.uncertainty:
        return section_html("uncertainty.html.j2", runs=None, variants=[])
    runs = [_run_view(report, task, variant, extra)
            for (task, variant), extra in report.uncertainty.items()]
    variants = [_variants_view(report, task, cv) for task, cv in report.variants.items()]
    return section_html("uncertainty.html.j2", runs=runs, variants=variants)
