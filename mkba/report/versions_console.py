"""Plain-text rendering of a plan-and-realisation comparison (``mkba vergelijk``) and of the
monitor across moments (``mkba monitor``), in Dutch with Dutch number formats."""

from __future__ import annotations

import pandas as pd

from mkba.base.formatting import fmt_chance, fmt_eur, fmt_number, fmt_pct, fmt_ratio

__all__ = ["comparison_text", "monitor_text", "settings_line"]

#: How many contributions the terminal shows per task and variant (the rest summed).
SHOWN = 12


def _amount(value) -> str:
    return fmt_eur(value) if value is not None else "–"


def _signed(value, decimals: int = 0, ratio: bool = False) -> str:
    """An amount (or a ratio) with its sign: € +60.278, € −68.501, +0,05.

    Examples
    --------
    >>> _signed(60_278.4), _signed(-68_501), _signed(0.05, ratio=True), _signed(None)
    ('€ +60.278', '€ −68.501', '+0,05', '–')
    """
    if value is None:
        return "–"
    text = fmt_ratio(value) if ratio else fmt_eur(value, decimals)
    return text.replace("€ ", "€ +") if value > 0 and not ratio else (
        "+" + text if value > 0 else text)


def settings_line(parameters: dict) -> str:
    """The settings both versions were computed with, in one Dutch line.

    Parameters
    ----------
    parameters : dict
        The evaluation parameters.

    Returns
    -------
    str
        The Dutch line.

    Examples
    --------
    >>> settings_line({"price_year": 2024, "discount_rate": 0.0225, "base_year": None,
    ...                "peiljaar": 2026})
    'Prijspeil 2024, discontovoet 2,25 %, basisjaar: startjaar van elke taak, peiljaar 2026.'
    """
    base = parameters.get("base_year")
    return (f"Prijspeil {parameters['price_year']}, discontovoet "
            f"{fmt_pct(parameters['discount_rate'], 2)}, basisjaar: "
            + (str(base) if base else "startjaar van elke taak")
            + (f", peiljaar {parameters['peiljaar']}" if parameters.get("peiljaar") else "")
            + ".")


def _figures(rec: dict) -> str:
    rows = [("CW kosten", rec["pv_costs"], _amount), ("CW baten", rec["pv_benefits"], _amount),
            ("NCW", {"before": rec["npv_before"], "after": rec["npv_after"],
                     "difference": rec["difference"]}, _amount),
            ("B/K", rec["bc_ratio"], lambda v: fmt_ratio(v) if v is not None else "–"),
            ("Saldo gemeente", rec["municipality"], _amount)]
    table = pd.DataFrame({
        "": [r[0] for r in rows],
        "besluit": [r[2](r[1]["before"]) for r in rows],
        "nu": [r[2](r[1]["after"]) for r in rows],
        "verschil": [_signed(r[1]["difference"], ratio=r[0] == "B/K") for r in rows]})
    return table.to_string(index=False)


def _contributions(rec: dict) -> list[str]:
    c = sorted(rec["contributions"], key=lambda x: -abs(x["amount"]))
    if not c:
        return ["  Geen verschil in de NCW."]
    width = max(len(_signed(x["amount"])) for x in c[:SHOWN])
    lines = ["  Waardoor (bijdrage aan het verschil in NCW, grootste eerst):"]
    for x in c[:SHOWN]:
        lines.append(f"    {_signed(x['amount']):>{width}}  {x['kind']:<11}  {x['text']}")
    if len(c) > SHOWN:
        rest = sum(x["amount"] for x in c[SHOWN:])
        lines.append(f"    {_signed(rest):>{width}}  {'':<11}  overige {len(c) - SHOWN} "
                     "verschillen samen")
    return lines


def _actors(rec: dict) -> list[str]:
    moved = [a for a in rec["by_actor"] if a["difference"]]
    if not moved:
        return []
    table = pd.DataFrame({"actor": [a["actor"] for a in moved],
                          "besluit": [_amount(a["before"]) for a in moved],
                          "nu": [_amount(a["after"]) for a in moved],
                          "verschil": [_signed(a["difference"]) for a in moved]})
    return ["  Saldo per actor (alleen wie verschuift):",
            *("    " + line for line in table.to_string(index=False).splitlines())]


def comparison_text(comparison) -> str:
    """The comparison for the terminal: per task and variant both verdicts, the headline
    figures side by side, the contributions, the actors; then targets and criteria.

    Parameters
    ----------
    comparison : Comparison
        Plan and now (:func:`mkba.compare`).

    Returns
    -------
    str
        Dutch text for the terminal.

    Examples
    --------
    >>> import mkba
    >>> from mkba.base.assumptions import DATA_DIR
    >>> c = mkba.compare(DATA_DIR / "voorbeeld" / "versies" / "2017-besluit",
    ...                  DATA_DIR / "voorbeeld", task="T1")
    >>> "T1" in comparison_text(c)
    True
    """
    s = comparison.sources
    lines = [f"Plan en werkelijkheid: {s['before']} (besluit) → {s['after']} (nu)",
             settings_line(comparison.parameters), ""]
    compared = [t for t in comparison.tasks if t["status"] == "compared"]
    for rec in compared:
        lines.append(f"{rec['task_id']}  {rec['name']}  ({rec['wijk_code']}), variant "
                     f"{rec['variant']}")
        lines.append("  " + rec["verdict"])
        lines += ["    " + line for line in _figures(rec).splitlines()]
        lines += _contributions(rec)
        lines += _actors(rec)
        lines.append("")
    only = [t for t in comparison.tasks if t["status"] != "compared"]
    for status, label in (("new", "Alleen nu (geen versie bij het besluit)"),
                          ("dropped", "Alleen bij het besluit (nu niet meer)")):
        some = [f"{t['task_id']} {t['variant']}" for t in only if t["status"] == status]
        if some:
            lines.append(f"{label}: " + ", ".join(some) + ".")
    goals = comparison.targets + comparison.criteria
    if goals:
        lines += ["", "Doelen en succescriteria (verwacht bij het besluit, gemeten in de "
                      "huidige versie):"]
        lines += [f"  {g['task_id']}  {g['text']}" for g in goals]
    for w in comparison.warnings:
        lines.append(f"Let op: {w}")
    lines += ["", comparison.parameters.get("order", "")]
    return "\n".join(lines).rstrip() + "\n"


def monitor_text(mon) -> str:
    """The monitor for the terminal: per task and variant the NCW and its 5–95 % interval at
    every moment, and the change since the decision.

    Parameters
    ----------
    mon : Monitor
        The monitor (:func:`mkba.monitor`).

    Returns
    -------
    str
        Dutch text for the terminal.

    Examples
    --------
    >>> import mkba
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.base.settings import Settings
    >>> text = monitor_text(mkba.monitor(DATA_DIR / "voorbeeld", Settings(draws=200), task="T3"))
    >>> "T3" in text
    True
    """
    p = mon.parameters
    lines = [f"Monitor: {len(mon.versions)} momenten ("
             + ", ".join(v.label for v in mon.versions) + ")",
             settings_line(p) + f" Monte Carlo: {fmt_number(p['draws'])} trekkingen, "
             f"seed {p['seed']}; interval 5–95 %.", ""]
    for (task, variant), g in mon.table.groupby(["task_id", "variant"], sort=False):
        lines.append(f"{task}  {g['name'].iloc[0]}  ({g['wijk_code'].iloc[0]}), variant "
                     f"{variant}, basisjaar {g['base_year'].iloc[0]}")
        table = pd.DataFrame({
            "moment": g["version"].to_numpy(),
            "NCW": [fmt_eur(v) for v in g["npv"]],
            "5 %": [fmt_eur(v) for v in g["npv_p5"]],
            "95 %": [fmt_eur(v) for v in g["npv_p95"]],
            "kans NCW > 0": [fmt_chance(v) for v in g["p_npv_positive"]]})
        lines += ["    " + line for line in table.to_string(index=False).splitlines()]
        since = mon.since_decision(task, variant)
        if since is not None:
            lines.append(f"  Sinds het besluit: {_signed(since)}.")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
