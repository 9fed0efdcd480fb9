"""Plain-text rendering of results for the terminal, in Dutch with Dutch number formats."""

from __future__ import annotations

import pandas as pd

from mkba.base.assumptions import ASSUMPTIONS
from mkba.base.errors import CaseError
from mkba.base.formatting import fmt_chance, fmt_eur, fmt_number, fmt_pct, fmt_ratio
from mkba.engine.cba import Evaluation, MkbaResult
from mkba.evidence.wording import region_word

__all__ = ["evaluation_text", "result_text", "effect_text"]

_PM_LABEL = {"--": "−−", "-": "−", "0": "0", "+": "+", "++": "++"}


def _indent(text: str, n: int = 4) -> str:
    return "\n".join(" " * n + line for line in text.splitlines())


def _table(df: pd.DataFrame) -> str:
    return df.to_string(index=False)


def uncertainty_text(extra: dict) -> str:
    """Monte Carlo summary, the largest swings (tornado) and the discount-rate variants."""
    mc, sens, rates = extra["monte_carlo"], extra["sensitivity"], extra["discount_rates"]
    lines = [f"  Onzekerheid (Monte Carlo, {fmt_number(mc.draws)} trekkingen, seed {mc.seed}): "
             f"kans op NCW > 0: {fmt_chance(mc.p_npv_positive)}; NCW 5–50–95 %: "
             f"{fmt_eur(mc.percentile(5))} / {fmt_eur(mc.percentile(50))} / "
             f"{fmt_eur(mc.percentile(95))}. {mc.note}"]
    if mc.fixed:
        lines.append("  Niet getrokken (een keuze, geen onzekerheid; zie de waardering van "
                     "vrijwilligersuren): " + ", ".join(mc.fixed))
    if len(sens):
        lines.append("  Gevoeligheid (één aanname tegelijk, van laag naar hoog):")
        for rec in sens.head(6).itertuples(index=False):
            switch = ("geen omslag" if pd.isna(rec.switching_value) else
                      f"NCW = 0 bij {fmt_number(rec.switching_value, 2)}"
                      + ("" if rec.switching_in_range else " (buiten de bandbreedte)"))
            lines.append(f"    {rec.name}: {fmt_eur(rec.npv_low)} … {fmt_eur(rec.npv_high)}; "
                         f"{switch}")
    lines.append("  Discontovoet: " + "; ".join(
        f"{rec.variant}: {fmt_eur(rec.npv)}" for rec in rates.itertuples(index=False))
        + " (bron: " + "; ".join(dict.fromkeys(rates["source"])) + ")")
    return "\n".join(lines)


def result_text(r: MkbaResult) -> str:
    """One task and variant: headline figures, actors, PM posts, financing, warnings.

    Parameters
    ----------
    r : MkbaResult
        One task and variant.

    Returns
    -------
    str
        Dutch text for the terminal.

    Examples
    --------
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> r = evaluate(read_case(DATA_DIR / "voorbeeld")).result("T1")
    >>> print(result_text(r).splitlines()[0])
    T1 ...
    """
    lines = [f"{r.task_id}  {r.name}  ({r.wijk_code}), variant {r.variant}, "
             f"{r.start_year}–{r.end_year}"]
    summary = r.summary().iloc[4:]
    width = max(len(k) for k in summary.index)
    lines += [f"  {k:<{width}}  {v}" for k, v in summary["Waarde"].items()]
    actors = r.actor_table()
    if not actors.empty:
        lines += ["  Wie betaalt, wie wint (contante waarde):", _indent(_table(actors))]
    if r.volunteer.get("methods"):
        v = r.volunteer
        switch = (f"omslagwaarde {fmt_eur(v['switching_value_per_hour'], 2)} per uur (NCW = 0)"
                  if v["switching_value_per_hour"] is not None else
                  f"omslagwaarde {v.get('switching_note') or 'geen'}")
        lines += ["  Waardering vrijwilligersuur (een keuze; NCW per methode, " + switch + "):",
                  _indent(_table(r.volunteer_table()))]
    pm = r.pm()
    if not pm.empty:
        lines.append("  Niet in geld uitgedrukt (PM-posten):")
        for rec in pm.itertuples(index=False):
            score = _PM_LABEL.get(rec.pm_score, "?") if isinstance(rec.pm_score, str) else "?"
            lines.append(f"    {score:>2}  {rec.effect} ({rec.actor})")
    f = r.financing
    if f["total"]:
        by_source = ", ".join(f"{k} {fmt_eur(v)}" for k, v in f["by_source"].items())
        lev = (fmt_ratio(f["leverage"]) if f["leverage"] is not None
               else f"n.v.t. ({f['leverage_reason']})")
        lines.append(f"  Financiering: {by_source}")
        lines.append(f"  Hefboom {lev}: bijdragen van anderen {fmt_eur(f['others'])} per "
                     f"bijgedragen gemeente-euro {fmt_eur(f['municipal'])}; apart: leningen "
                     f"{fmt_eur(f['loans'])}, eigen inkomsten {fmt_eur(f['own_revenue'])}, "
                     f"garantstellingen {fmt_eur(f['guarantees'])} (tellen niet mee)")
    for w in r.warnings:
        lines.append(f"  Let op: {w}")
    return "\n".join(lines)


def evaluation_text(ev: Evaluation, uncertainty: dict | None = None, scenario=None,
                    checks: list | None = None) -> str:
    """The whole evaluation: a warning first when a consistency check failed
    (:mod:`mkba.analysis.checks`), parameters, one block per task and variant, an overview
    table.

    Parameters
    ----------
    ev : Evaluation
        The evaluation.
    uncertainty : dict, optional
        Monte Carlo, sensitivity and discount-rate variants per (task, variant).
    scenario : Scenario, optional
        The scenario applied, named at the top.
    checks : list of Check, optional
        The consistency checks; a failed one is shown first.

    Returns
    -------
    str
        Dutch text for the terminal.

    Examples
    --------
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> text = evaluation_text(evaluate(read_case(DATA_DIR / "voorbeeld")))
    >>> "T1" in text and "Netto contante waarde" in text
    True
    """
    p = ev.parameters
    base = "startjaar van elke taak" if p["base_year"] is None else str(p["base_year"])
    head = (f"MKBA — prijspeil {p['price_year']}, discontovoet {fmt_pct(p['discount_rate'], 2)}, "
            f"basisjaar {base}"
            + (f", horizon {p['horizon']} jaar" if p["horizon"] else "")
            + f", vrijwilligersuren: {p.get('volunteer_valuation', 'vervangingskosten')}"
            + (f", scenario '{scenario.name}'" if scenario is not None else ""))
    failed = [c for c in (checks or []) if c.get("status") == "fout"]
    blocks = []
    if failed:
        blocks += ["LET OP: " + str(len(failed)) + " controle(s) van de uitkomst mislukt; de "
                   "getallen hieronder spreken elkaar tegen:"]
        blocks += [f"  - {c['message']}" for c in failed]
        blocks.append("")
    blocks += [head, "=" * len(head), _years_line(p)]
    for r in ev.results():
        blocks.append(result_text(r))
        extra = (uncertainty or {}).get((r.task_id, r.variant))
        if extra:
            blocks.append(uncertainty_text(extra))
        blocks.append("")
    s = ev.summary()
    overview = pd.DataFrame({
        "taak": s["taak"], "variant": s["variant"], "wijk": s["wijk"],
        "CW kosten": s["CW kosten"].map(fmt_eur), "CW baten": s["CW baten"].map(fmt_eur),
        "NCW": s["NCW"].map(fmt_eur), "B/K": s["B/K"].map(fmt_ratio),
        "IRR": [r.irr_text for r in ev.results()], "PM": s["PM-posten"],
    })
    blocks += ["Overzicht", _table(overview)]
    blocks.append(_total_line(ev))
    if p["cpi_derived_years"]:
        years = p["cpi_derived_years"]
        blocks.append(f"\nCPI {years[0]}–{years[-1]} afgeleid uit de gepubliceerde jaarmutaties "
                      "(CBS 83131NED).")
    for w in ev.case_warnings:
        blocks.append(f"Waarschuwing: {w}")
    return "\n".join(blocks)


#: How the output names where the peiljaar and price year came from.
_SOURCE = {"instelling": "opgegeven", "casus": "uit de tabel casus",
           "regel": "vaste regel"}


def _years_line(p: dict) -> str:
    """Which peiljaar and price year were used and where they came from (item 8 of issue 19:
    the same case gives the same result every year)."""

    peil = p.get("peiljaar")
    rule = ASSUMPTIONS["peiljaar"].value if p.get("peiljaar_source") == "regel" else ""
    return (f"Peiljaar {peil} ({_SOURCE.get(p.get('peiljaar_source'), '?')}"
            + (f": {rule}" if rule else "") + "); prijspeil "
            f"{p['price_year']} ({_SOURCE.get(p.get('price_year_source'), '?')}). "
            + ASSUMPTIONS["empty_price_year"].description)


def _total_line(ev: Evaluation) -> str:
    """The total over tasks, or why there is none."""

    try:
        t = ev.total()
    except CaseError as err:
        return f"Geen totaal over taken: {err.problems[0].message}"
    return f"Totaal over taken (basisjaar {t['base_year']}): NCW {fmt_eur(t['npv'])}"


def effect_text(est) -> str:
    """An effect estimate (or the reason there is none), with the estimate per wijk.

    Parameters
    ----------
    est : EffectEstimate
        The estimate (or refusal).

    Returns
    -------
    str
        Dutch text for the terminal.

    Examples
    --------
    >>> from mkba.evidence.calibration import synthetic_panel
    >>> from mkba.evidence.counterfactual import estimate_effect
    >>> panel, starts = synthetic_panel(0, effect=5.0)
    >>> print(effect_text(estimate_effect(panel, starts, indicator="y")).splitlines()[0])
    y: in WK009017 na de start ongeveer 2,8 hoger dan in vergelijkbare wijken zonder taak; ...
    """
    s = est.summary()
    width = max(len(k) for k in s.index)

    where = (est.name_of(est.treated[0][0]) if len(est.treated) == 1 else
             f"de {region_word([w for w, _ in est.treated], plural=True)} met een taak")
    lines = [est.plain_text(where), ""]
    lines += [f"{k:<{width}}  {v}" for k, v in s["Waarde"].items()]
    if est.per_wijk:
        lines.append("Per wijk:")
        for p in est.per_wijk:
            lines.append(f"  {est.name_of(p['wijk'])} (vanaf {p['start_year']}): "
                         f"{fmt_number(p['estimate'], 2)} {est.effect_unit}".rstrip())
    return "\n".join(lines)
