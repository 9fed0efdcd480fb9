"""Plan en werkelijkheid: the case the council decided on against the case now, per task of
the wijk — both verdicts in one sentence, the headline figures side by side, a waterfall from
the NCW at the decision to the NCW now along the largest contributions (with their sentences),
a table of the rest, who gained or lost, the targets and criteria expected at the decision,
and (with dated versions) the NCW at every moment with its Monte Carlo interval.

Shown only when the case keeps a decision version (``besluit/``,
``versies/JJJJ-…besluit…/``, or ``--plan MAP``): otherwise the section is empty, heading
included.
"""

from __future__ import annotations

from mkba.base.formatting import fmt_eur, fmt_number, fmt_pct, fmt_ratio
from mkba.evidence.panel import indicator_label
from mkba.figures.plots import plot_monitor, plot_plan_waterfall
from mkba.report.blocks import Table, figure
from mkba.report.sections.common import drawn, section_html
from mkba.report.text import variant_label

__all__ = ["render", "LARGEST", "signed"]

#: How many contributions the waterfall shows as their own step (the rest: one step, and a
#: table below it).
LARGEST = 6

#: The kinds of contribution as a reader sees them next to a step of the waterfall.
KIND_LABELS = {"prijs": "prijs", "hoeveelheid": "hoeveelheid", "timing": "jaren",
               "nieuw": "nieuw", "vervallen": "vervallen", "aanname": "aanname"}


def signed(value, ratio: bool = False) -> str:
    """A change with its sign.

    Parameters
    ----------
    value : float or None
        The change (euros, or a ratio with ``ratio=True``).
    ratio : bool
        Show as a ratio (B/K) instead of euros.

    Returns
    -------
    str
        The change in Dutch format with ``+`` or ``−``; ``–`` when missing.

    Examples
    --------
    >>> signed(60278.4), signed(-1200), signed(0.05, ratio=True), signed(None)
    ('€ +60.278', '€ −1.200', '+0,05', '–')
    """
    if value is None:
        return "–"
    text = fmt_ratio(value) if ratio else fmt_eur(value)
    if value > 0:
        return "+" + text if ratio else text.replace("€ ", "€ +")
    return text


def _figures(rec) -> Table:
    rows = [("kosten (CW)", rec["pv_costs"], False), ("baten (CW)", rec["pv_benefits"], False),
            ("saldo (NCW)", {"before": rec["npv_before"], "after": rec["npv_after"],
                             "difference": rec["difference"]}, False),
            ("B/K", rec["bc_ratio"], True), ("saldo gemeente", rec["municipality"], False)]

    def shown(v, ratio):
        return "–" if v is None else (fmt_ratio(v) if ratio else fmt_eur(v))

    # the change first: on a phone the columns after the second are a swipe away
    return Table.of("Bij het besluit en nu (contante waarde)",
                    ["", "verschil", "bij het besluit", "nu"],
                    [[label, signed(v["difference"], r), shown(v["before"], r),
                      shown(v["after"], r)] for label, v, r in rows],
                    key=("verschil",), row_headers=True)


def _steps(comparison, task, variant, label):
    steps = comparison.waterfall(task, variant, largest=LARGEST)
    names = []
    for s in steps["step"]:
        if s == "NCW bij het besluit":
            names.append(f"NCW bij het besluit ({label})")
        elif s == "NCW nu" or ": " not in s:
            names.append(s)
        else:
            kind, line = s.split(": ", 1)
            names.append(f"{line} ({KIND_LABELS.get(kind, kind)})")
    return steps.assign(step=names)


def _task_view(plan, rec) -> dict:
    comparison, task, variant = plan.comparison, rec["task_id"], rec["variant"]
    c = comparison.contributions_of(task, variant)
    view = {"name": rec["name"],
            "variant": None if variant == "project" else variant_label(variant),
            "verdict": rec["verdict"], "figures": _figures(rec), "waterfall": None,
            "largest": [], "rest": None, "actors": None, "monitor": None}
    if len(c):
        order = c["amount"].abs().sort_values(ascending=False, kind="stable").index
        top, rest = c.loc[order[:LARGEST]], c.loc[order[LARGEST:]]
        alt = (f"Watervalgrafiek van de NCW bij het besluit ({fmt_eur(rec['npv_before'])}) "
               f"naar de NCW nu ({fmt_eur(rec['npv_after'])}): " + "; ".join(
                   f"{t} {signed(a)}" for t, a in zip(top["text"], top["amount"], strict=True)))
        view["waterfall"] = figure(plot_plan_waterfall(_steps(comparison, task, variant,
                                                              plan.label)), alt)
        view["largest"] = [(signed(a), k, t) for a, k, t in
                           zip(top["amount"], top["kind"], top["text"], strict=True)]
        if len(rest):
            view["rest"] = Table.of("De overige verschillen",
                                    ["bijdrage aan de NCW", "soort", "wat veranderde"],
                                    [[signed(a), k, t] for a, k, t in
                                     zip(rest["amount"], rest["kind"], rest["text"],
                                         strict=True)])
    moved = [a for a in rec["by_actor"] if a["difference"]]
    if moved:
        view["actors"] = Table.of(
            "Wie won of verloor sinds het besluit (saldo per actor, contante waarde)",
            ["actor", "verschil", "bij het besluit", "nu"],
            [[a["actor"], signed(a["difference"]), fmt_eur(a["before"]), fmt_eur(a["after"])]
             for a in moved])
    if plan.monitor is not None:
        rows = plan.monitor.table[(plan.monitor.table["task_id"] == task)
                                  & (plan.monitor.table["variant"] == variant)]
        if len(rows) > 1:
            alt = ("De NCW op elk bewaard moment met het interval van 5 tot 95 % van de "
                   "trekkingen: " + "; ".join(
                       f"{v}: {fmt_eur(n)} ({fmt_eur(lo)} tot {fmt_eur(hi)})"
                       for v, n, lo, hi in zip(rows["version"], rows["npv"], rows["npv_p5"],
                                               rows["npv_p95"], strict=True)))
            view["monitor"] = figure(plot_monitor(rows.reset_index(drop=True)), alt)
    return view


def _goal_value(value, source) -> str:
    if value is None:
        return "–"
    if source == "enquete":  # a share of the respondents
        return fmt_pct(value, 0)
    return fmt_number(value, 0 if float(value).is_integer() else 2)


def _met(g) -> str:
    """Met against the decision's target (a new target: against today's); when the target
    changed since and today's verdict differs, that too."""
    def word(m):
        return "ja" if m else "nee" if m is not None else "onbekend"

    if g["status"] == "new":
        return word(g["met_current"]) + " (nieuw doel)"
    if g["status"] == "changed" and g["met"] != g["met_current"]:
        return f"{word(g['met'])} (doel nu: {word(g['met_current'])})"
    return word(g["met"])


def _goals(goals, caption, label) -> Table | None:
    if not goals:
        return None
    # the answer first (gehaald, gemeten): on a phone the later columns are a swipe away
    return Table.of(caption, ["wat", "gehaald", "gemeten", "bij het besluit", "nu als doel"],
                    [[label(g), _met(g),
                      "geen meting" if g["latest_value"] is None else
                      f"{_goal_value(g['latest_value'], g['source'])} ({g['latest_year']})",
                      _goal_value(g["expected"], g["source"]),
                      _goal_value(g["target"], g["source"])] for g in goals])


@drawn
def render(report):
    """The section for the report's :class:`mkba.analysis.plan.PlanRealisation` (without
    one: nothing, not even the heading).

    Parameters
    ----------
    report : WijkReport
        The report (its ``plan`` and ``case``).

    Returns
    -------
    Html
        The section.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> render(SimpleNamespace(plan=None, case=None)).text == ""  # no decision version
    True
    """
    plan = report.plan
    if plan is None:
        return section_html("plan.html.j2", plan=None)
    if plan.error:
        return section_html("plan.html.j2", plan=plan, error=plan.error)
    comparison = plan.comparison
    return section_html(
        "plan.html.j2", plan=plan, error=None,
        tasks=[_task_view(plan, rec) for rec in plan.compared],
        new=sorted({t["name"] for t in comparison.tasks if t["status"] == "new"}),
        targets=_goals(comparison.targets, "Doelen: bij het besluit verwacht, nu gemeten",
                       lambda g: indicator_label(g["indicator"], report.case)),
        criteria=_goals(comparison.criteria,
                        "Succescriteria: bij het besluit afgesproken, nu gemeten",
                        lambda g: g["description"]),
        warnings=list(comparison.warnings),
        order=comparison.parameters.get("order", ""))
