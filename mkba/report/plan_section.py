"""The wijk report's section "Plan en werkelijkheid": the case the council decided on against
the case now, per task of the wijk — both verdicts in one sentence, the headline figures side
by side, a waterfall from the NCW at the decision to the NCW now along the largest
contributions (with their sentences), a table of the rest, who gained or lost, the targets and
criteria expected at the decision, and (with dated versions) the NCW at every moment with its
Monte Carlo interval.

Shown only when the case keeps a decision version (``besluit/``,
``versies/JJJJ-…besluit…/``, or ``--plan MAP``): otherwise the section is empty, heading
included.
"""

from __future__ import annotations

import pandas as pd

from mkba.base.formatting import fmt_eur, fmt_number, fmt_pct, fmt_ratio
from mkba.base.html import Html, esc, figure_html, nbsp, para, table_html
from mkba.base.plots import detached, plot_monitor, plot_plan_waterfall
from mkba.evidence.panel import indicator_label

__all__ = ["plan_html", "LARGEST", "signed"]

#: How many contributions the waterfall shows as their own step (the rest: one step, and a
#: table below it).
LARGEST = 6

#: The kinds of contribution as a reader sees them next to a step of the waterfall.
KIND_LABELS = {"prijs": "prijs", "hoeveelheid": "hoeveelheid", "timing": "jaren",
               "nieuw": "nieuw", "vervallen": "vervallen", "aanname": "aanname"}


def signed(value, ratio: bool = False) -> str:
    """A change with its sign.

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


def _figures(rec) -> str:
    rows = [("kosten (CW)", rec["pv_costs"], False), ("baten (CW)", rec["pv_benefits"], False),
            ("saldo (NCW)", {"before": rec["npv_before"], "after": rec["npv_after"],
                             "difference": rec["difference"]}, False),
            ("B/K", rec["bc_ratio"], True), ("saldo gemeente", rec["municipality"], False)]

    def shown(v, ratio):
        return "–" if v is None else (fmt_ratio(v) if ratio else fmt_eur(v))

    # the change first: on a phone the columns after the second are a swipe away
    df = pd.DataFrame([[label, signed(v["difference"], r), shown(v["before"], r),
                        shown(v["after"], r)] for label, v, r in rows],
                      columns=["", "verschil", "bij het besluit", "nu"]).set_index("")
    return table_html(df, index=True, caption="Bij het besluit en nu (contante waarde)")


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


def _task_html(plan, rec) -> str:
    comparison, task, variant = plan.comparison, rec["task_id"], rec["variant"]
    c = comparison.contributions_of(task, variant)
    title = rec["name"] + ("" if variant == "project" else f" — {variant.replace('_', ' ')}")
    parts = [f"<h3>{esc(title)}</h3>", para(f"<strong>{esc(rec['verdict'])}</strong>"),
             _figures(rec)]
    if len(c):
        order = c["amount"].abs().sort_values(ascending=False, kind="stable").index
        top, rest = c.loc[order[:LARGEST]], c.loc[order[LARGEST:]]
        alt = (f"Watervalgrafiek van de NCW bij het besluit ({fmt_eur(rec['npv_before'])}) "
               f"naar de NCW nu ({fmt_eur(rec['npv_after'])}): " + "; ".join(
                   f"{t} {signed(a)}" for t, a in zip(top["text"], top["amount"], strict=True)))
        parts.append(figure_html(plot_plan_waterfall(_steps(comparison, task, variant,
                                                            plan.label)), alt))
        parts.append(para("Waardoor (de grootste bijdragen):") + "<ul>" + "".join(
            f"<li>{esc(signed(a))} ({esc(k)}): {esc(t)}</li>"
            for a, k, t in zip(top["amount"], top["kind"], top["text"], strict=True)) + "</ul>")
        if len(rest):
            parts.append(table_html(pd.DataFrame(
                {"bijdrage aan de NCW": [signed(a) for a in rest["amount"]],
                 "soort": rest["kind"].to_numpy(), "wat veranderde": rest["text"].to_numpy()}),
                caption="De overige verschillen"))
    else:
        parts.append(para("De NCW is niet veranderd."))
    moved = [a for a in rec["by_actor"] if a["difference"]]
    if moved:
        parts.append(table_html(pd.DataFrame(
            [[a["actor"], signed(a["difference"]), fmt_eur(a["before"]), fmt_eur(a["after"])]
             for a in moved], columns=["actor", "verschil", "bij het besluit", "nu"]),
            caption="Wie won of verloor sinds het besluit (saldo per actor, contante waarde)"))
    if plan.monitor is not None:
        rows = plan.monitor.table[(plan.monitor.table["task_id"] == task)
                                  & (plan.monitor.table["variant"] == variant)]
        if len(rows) > 1:
            alt = ("De NCW op elk bewaard moment met het interval van 5 tot 95 % van de "
                   "trekkingen: " + "; ".join(
                       f"{v}: {fmt_eur(n)} ({fmt_eur(lo)} tot {fmt_eur(hi)})"
                       for v, n, lo, hi in zip(rows["version"], rows["npv"], rows["npv_p5"],
                                               rows["npv_p95"], strict=True)))
            parts.append(figure_html(plot_monitor(rows.reset_index(drop=True)), alt))
    return "".join(parts)


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


def _goals_html(goals, caption, label) -> str:
    if not goals:
        return ""
    # the answer first (gehaald, gemeten): on a phone the later columns are a swipe away
    df = pd.DataFrame([[label(g), _met(g),
                        "geen meting" if g["latest_value"] is None else
                        f"{_goal_value(g['latest_value'], g['source'])} ({g['latest_year']})",
                        _goal_value(g["expected"], g["source"]),
                        _goal_value(g["target"], g["source"])] for g in goals],
                      columns=["wat", "gehaald", "gemeten", "bij het besluit", "nu als doel"])
    return table_html(df, caption=caption)


def plan_html(plan, case=None) -> Html:
    """The section for a :class:`mkba.analysis.plan.PlanRealisation` (``None``: empty).

    Parameters
    ----------
    plan : PlanRealisation or None
    case : Case, optional
        The case now (for the Dutch names of indicators).
    """
    if plan is None:
        return Html("")
    head = '<h2 id="plan-en-werkelijkheid">Plan en werkelijkheid</h2>'
    if plan.error:
        return Html(head + f"<p class='let-op'>De versie waarover besloten is "
                           f"({esc(plan.label)}) kon niet worden gelezen: {esc(plan.error)}</p>")
    comparison = plan.comparison
    parts = [head, para(
        f"Wat de raad besloot ({esc(plan.label)}) naast de casus zoals die nu is, met dezelfde "
        "instellingen (prijspeil, discontovoet). Elke bijdrage hieronder is wat één verandering "
        "in de invoer aan de NCW deed; samen tellen ze op tot het verschil.")]
    with detached():
        parts += [_task_html(plan, rec) for rec in plan.compared]
    new = sorted({t["name"] for t in comparison.tasks if t["status"] == "new"})
    if new:
        parts.append(para("Zonder versie bij het besluit: " + ", ".join(map(esc, new)) + "."))
    parts.append(_goals_html(comparison.targets, "Doelen: bij het besluit verwacht, nu gemeten",
                             lambda g: indicator_label(g["indicator"], case)))
    parts.append(_goals_html(comparison.criteria,
                             "Succescriteria: bij het besluit afgesproken, nu gemeten",
                             lambda g: g["description"]))
    parts += [f"<p class='let-op'>Let op: {esc(w)}</p>" for w in comparison.warnings]
    parts.append(para(esc(comparison.parameters.get("order", ""))))
    return Html(nbsp("".join(parts)))
