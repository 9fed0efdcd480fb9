"""Doelen: the stip aan de horizon. Per target its indicator by name, the target, the latest
measurement, whether it is met, how far it has come and whether the trend gets there in time;
then the figure, how the trend is drawn, and survey intervals."""

from __future__ import annotations

import pandas as pd

from mkba.base.formatting import fmt_number, fmt_pct
from mkba.evidence.panel import indicator_label
from mkba.figures.plots import plot_targets
from mkba.report.blocks import Table, figure
from mkba.report.sections.common import drawn, section_html

__all__ = ["render"]


def _yes_no(v) -> str:
    return "–" if v is None or pd.isna(v) else ("ja" if v else "nee")


def _num(v) -> str:
    return fmt_number(v, 2 if abs(v) < 10 else 0)


@drawn
def render(report):
    """The targets (``doelen``): where the wijk stands and whether it gets there in time.

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
    >>> "geen doelen vastgelegd" in render(report).text
    True
    """
    if report.targets.empty:
        return section_html("targets.html.j2", empty=True)
    t = report.targets
    # one Dutch name for table and chart: the case's omschrijving, the CBS title, or the
    # code made readable (never bezoekers_buurthuis as a label)
    t = t.assign(label=[indicator_label(i, report.case) for i in t["indicator"]])
    names = report.tasks.set_index("taak_id")["naam"].to_dict() if len(report.tasks) else {}
    progress = Table.of(
        "Doelen en voortgang",
        ["indicator", "taak", "doel", "basis", "laatste meting", "gehaald", "deel van de weg",
         "trend haalt doel op tijd"],
        [[lab, names.get(task, task),
          f"{_num(tv)} in {ty} ({d})",
          f"{_num(bv)} ({by})" if pd.notna(bv) else "–",
          f"{_num(lv)} ({int(ly)})" if pd.notna(lv) else "–",
          _yes_no(a), fmt_pct(s, 0), _yes_no(o)]
         for lab, task, tv, ty, d, bv, by, lv, ly, a, s, o in zip(
             t["label"], t["task_id"], t["target_value"], t["target_year"], t["direction"],
             t["base_value"], t["base_year"], t["latest_value"], t["latest_year"],
             t["attained"], t["share_travelled"], t["on_track"], strict=True)],
        key=("gehaald",))
    notes = [[lab, src, note] for lab, src, note in zip(t["label"], t["source"], t["note"],
                                                          strict=True)
             if (isinstance(note, str) and note) or isinstance(src, str)]
    sources = Table.of("Bron en toelichting per doel", ["indicator", "bron", "toelichting"],
                       notes) if notes else None
    chart = figure(plot_targets(t)) if t["share_travelled"].notna().any() else None
    ci = t.dropna(subset=["latest_ci_low"])
    intervals = Table.of(
        "Laatste enquêtemeting met 95%-betrouwbaarheidsinterval",
        ["indicator", "laatste meting", "95%-interval"],
        [[lab, fmt_number(v, 2), f"{fmt_number(a, 2)} – {fmt_number(b, 2)}"]
         for lab, v, a, b in zip(ci["label"], ci["latest_value"], ci["latest_ci_low"],
                                 ci["latest_ci_high"], strict=True)]) if len(ci) else None
    return section_html("targets.html.j2", empty=False, progress=progress, sources=sources,
                        chart=chart, intervals=intervals)
