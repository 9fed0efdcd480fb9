"""Bijlage: every cost and effect line the computation used, so that each figure can be traced
(quantity, value per unit, source, corrections, optimism, note), split over tables of at most
eight columns so that they fit a page; then the codes behind the names used in the report
(CBS regions, kengetallen, indicators), each beside its name; then the notices from reading the
case."""

from __future__ import annotations

from mkba.evidence.panel import indicator_label
from mkba.report.blocks import Table
from mkba.report.regions import region_label
from mkba.report.sections.assumptions import used_kengetallen
from mkba.report.sections.common import section_html
from mkba.report.text import trace_lines, variant_label

__all__ = ["render", "code_rows"]

COST_LINE = ["regel", "post", "taak", "variant", "actor", "soort", "jaren", "per jaar",
             "prijsjaar"]
COST_SOURCE = ["regel", "bron", "optimisme", "toelichting"]
EFFECT_LINE = ["regel", "effect", "taak", "variant", "actor", "jaren", "hoeveelheid per jaar",
               "waarde per eenheid"]
EFFECT_CORRECTIONS = ["regel", "bron", "deadweight", "attributie", "verdringing",
                      "afname per jaar", "optimisme"]
EFFECT_NOTES = ["regel", "overdracht van", "toelichting"]


def _part(df, columns, caption) -> Table | None:
    """Some columns of the lines; a task or variant column is left out when every line has
    the same one (the caption then names it), so that the table stays narrow."""
    if df.empty:
        return None
    for col, word in (("taak", "taak"), ("variant", "variant")):
        if col in columns and df[col].nunique() == 1:
            value = df[col].iloc[0]
            columns = [c for c in columns if c != col]
            if value != "alle":
                caption += f" ({word}: {value})"
    return Table.of(caption, columns, df[columns].itertuples(index=False, name=None))


def code_rows(report) -> list[list[str]]:
    """Every code behind a name in this report: CBS regions (the wijk, its gemeente, the
    wijken it is compared with), the kengetallen and the indicators, each with its name.

    Parameters
    ----------
    report : WijkReport
        The report (its wijk, profile, effects, case and targets).

    Returns
    -------
    list of list of str
        Kind, code and name per code.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> report = SimpleNamespace(wijk_code="WK036330", profile=None, effects=(), case=None,
    ...                          targets=pd.DataFrame())
    >>> code_rows(report)
    [['CBS-code wijk', 'WK036330', 'Transvaalbuurt']]
    """
    rows = []
    regions = [report.wijk_code]
    if report.profile is not None:
        regions += ["GM" + report.wijk_code[2:6], *report.profile.similar]
    for est in report.effects:
        regions += [w for w, _ in est.treated] + list(est.comparison_wijken)
    for code in dict.fromkeys(regions):
        kind = {"WK": "wijk", "BU": "buurt", "GM": "gemeente"}.get(code[:2], "gebied")
        rows.append([f"CBS-code {kind}", code, region_label(code)])
    if report.case is not None and len(report.case.kengetallen):
        k = used_kengetallen(report.case)
        rows += [["kengetal", c, o] for c, o in zip(k["code"], k["omschrijving"], strict=True)]
    indicators = list(report.targets["indicator"]) if len(report.targets) else []
    indicators += [e.indicator for e in report.effects]
    for ind in dict.fromkeys(indicators):
        rows.append(["indicator", ind, indicator_label(ind, report.case)])
    return rows


def render(report):
    """The appendix: the cost and effect lines behind the figures, and the codes behind names.

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
    >>> "Geen berekening, dus geen regels." in render(report).text
    True
    """
    intro = report.case is not None and not report.tasks.empty
    tables = []
    if intro:
        costs, effects = trace_lines(report.case, list(report.tasks["taak_id"]))
        names = report.tasks.set_index("taak_id")["naam"].to_dict()
        if len(costs):
            costs = costs.assign(taak=costs["taak"].map(lambda t: names.get(t, t)),
                                 regel=[f"K{i}" for i in range(1, len(costs) + 1)])
            tables += [_part(costs, COST_LINE, "Kostenregels: per post het bedrag of de "
                             "hoeveelheid maal de waarde per eenheid"),
                       _part(costs, COST_SOURCE, "Kostenregels: bron, optimisme en toelichting")]
        if len(effects):
            effects = effects.assign(taak=effects["taak"].map(lambda t: names.get(t, t)),
                                     regel=[f"E{i}" for i in range(1, len(effects) + 1)])
            tables += [_part(effects, EFFECT_LINE, "Effectregels: hoeveelheid en waarde"),
                       _part(effects, EFFECT_CORRECTIONS, "Effectregels: bron en correcties"),
                       _part(effects, EFFECT_NOTES, "Effectregels: overdracht en toelichting")]
    checks = Table.of("Controles", ["controle", "taak", "variant", "uitkomst", "toelichting"],
                      [[c.name.replace("_", " "), c.task_id or "alle",
                        variant_label(c.variant) if c.variant else "–", c.status, c.message]
                       for c in report.checks], numeric=[False] * 5) if report.checks else None
    codes = Table.of("Codes achter de namen in dit rapport", ["soort", "code", "naam"],
                     code_rows(report), numeric=[False, False, False])
    return section_html("appendix.html.j2", intro=intro,
                        price_year=report.parameters["price_year"],
                        tables=[t for t in tables if t is not None], codes=codes,
                        checks=checks,
                        notes=list(report.notes))
