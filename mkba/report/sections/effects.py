"""Komt het door de taak? Per indicator one plain Dutch sentence first, then the figure, then
the technical detail (method, p-value, interval, comparison wijken by name) under its own
heading."""

from __future__ import annotations

from mkba.evidence.inference import holm
from mkba.evidence.wording import multiple_testing_sentence
from mkba.figures.plots import plot_effect
from mkba.report.blocks import Table, figure
from mkba.report.regions import region_label
from mkba.report.sections.common import drawn, section_html

__all__ = ["render", "technical_rows"]

def technical_rows(est) -> list[list[str]]:
    """The estimate's technical summary with every region and the indicator by name (their
    codes are in the appendix).

    Parameters
    ----------
    est : EffectEstimate
        The estimate.

    Returns
    -------
    list of list of str
        Label and value per row.

    Examples
    --------
    >>> from mkba.evidence.calibration import synthetic_panel
    >>> from mkba.evidence.counterfactual import estimate_effect
    >>> panel, starts = synthetic_panel(0, effect=5.0)
    >>> rows = technical_rows(estimate_effect(panel, starts, indicator="y"))
    >>> all(len(row) == 2 for row in rows)
    True
    """
    rows = []
    for part, value in est.summary()["Waarde"].items():
        if part == "Indicator":
            value = est.label or est.indicator
        elif part.startswith("Behandelde "):  # wijk(en) or buurt(en)
            value = ", ".join(f"{region_label(w)} (vanaf {s})" for w, s in est.treated)
        elif part.startswith("Vergelijkings"):
            value = ", ".join(region_label(c) for c in est.comparison_wijken) or "–"
        rows.append([part, value])
    return rows


@drawn
def render(report):
    """The effect estimates on the targets' indicators, with their figures and technical notes.

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
    >>> "geen effectschatting" in render(report).text
    True
    """
    estimates = []
    tested = [e.p_value for e in report.effects]
    n_tests = sum(p is not None for p in tested)
    # several indicators tested at once: the sentences use Holm-adjusted p-values
    for est, p_adj in zip(report.effects, holm(tested), strict=True):
        view = {"label": est.label or est.indicator, "unit": est.unit,
                "sentence": est.plain_text(report.name, p_adj, n_tests), "chart": None,
                "table": None}
        if est.estimate is not None:
            view["chart"] = figure(plot_effect(est))
            view["table"] = Table.of(f"Technische toelichting: {view['label']}",
                                     ["onderdeel", "waarde"], technical_rows(est),
                                     row_headers=True)
        estimates.append(view)
    return section_html("effects.html.j2", estimates=estimates,
                        multiple=multiple_testing_sentence(n_tests) if n_tests > 1 else None)
