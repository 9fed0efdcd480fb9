"""The Dutch sentences and traces the wijk report's sections use: one task in words, targets
met, variants compared, the scenario, illustrative values, volunteer actors, and the trace from
every cost and effect line to its source."""

from __future__ import annotations

import time

import pandas as pd

from mkba.base.formatting import fmt_eur, fmt_eur_compact, fmt_number, fmt_pct
from mkba.base.html import esc

__all__ = ["task_sentence", "targets_sentence", "compare_variants_sentence",
           "scenario_sentence", "variant_label", "report_year", "illustrative_values",
           "volunteer_actors", "trace_lines", "DATA_AGE_WARNING"]


#: Warn on page one when the CBS figures are more than this many years older than the report.
DATA_AGE_WARNING = 3


def report_year() -> int:
    """The year the report is made (today)."""
    return int(time.strftime("%Y"))


def variant_label(variant: str) -> str:
    """A variant's name in words.

    Examples
    --------
    >>> variant_label("maatschappelijk_aanbesteden")
    'maatschappelijk aanbesteden'
    """
    return str(variant).replace("_", " ").strip()


def task_sentence(task, variants) -> str:
    """Who carries the task since when, in a correct Dutch sentence (verb second).

    With variants, the trekker belongs to the variant in which residents or entrepreneurs do
    the work (the one named 'maatschappelijk…'); the other variants are not said to be theirs.

    Examples
    --------
    >>> task_sentence({"startjaar": 2018, "trekker": "Stichting X",
    ...                "overdrachtsvorm": "convenant"}, ["project"])
    'Sinds 2018 voert Stichting X deze taak uit (convenant).'
    >>> task_sentence({"startjaar": 2019}, ["project"])
    'Sinds 2019 voeren bewoners of ondernemers deze taak uit.'
    """
    who = task.get("trekker")
    who = who if isinstance(who, str) and who.strip() else None
    form = task.get("overdrachtsvorm")
    form = f" ({esc(form)})" if isinstance(form, str) and form != "geen" else ""
    start = int(task["startjaar"])
    if len(variants) <= 1:
        subject = f"voert {esc(who)}" if who else "voeren bewoners of ondernemers"
        return f"Sinds {start} {subject} deze taak uit{form}."
    names = [variant_label(v) for v in variants]
    text = (f"Deze taak is doorgerekend in {len(variants)} varianten: "
            f"{', '.join(esc(n) for n in names[:-1])} en {esc(names[-1])}.")
    social = [n for n in names if n.startswith("maatschappelijk")]
    if social:
        doer = esc(who) if who else "bewoners of ondernemers"
        text += f" Bij {esc(social[0])} voert {doer} de taak uit{form}, sinds {start}."
    return text


def targets_sentence(done: int, total: int) -> str:
    """How many targets were met, in correct Dutch.

    Examples
    --------
    >>> targets_sentence(0, 1)
    'het doel is (nog) niet gehaald.'
    >>> targets_sentence(1, 2)
    '1 van de 2 doelen is gehaald.'
    >>> targets_sentence(0, 3)
    'geen van de 3 doelen is gehaald.'
    """
    if total == 1:
        return "het doel is gehaald." if done else "het doel is (nog) niet gehaald."
    if done == 0:
        return f"geen van de {total} doelen is gehaald."
    if done == total:
        return f"alle {total} doelen zijn gehaald."
    return f"{done} van de {total} doelen {'is' if done == 1 else 'zijn'} gehaald."


def compare_variants_sentence(results) -> str:
    """Variants compared in words: what each costs the municipality against the reference
    (the variant named 'klassiek…', else the first) and the difference in the social balance.

    The municipality's cost is minus its own balance (saldo gemeente); the percentage is the
    difference divided by the reference's cost.
    """
    ref = next((r for r in results if r.variant.startswith("klassiek")), results[0])
    out = []
    for r in results:
        if r is ref:
            continue
        name, ref_name = variant_label(r.variant), variant_label(ref.variant)
        cost, ref_cost = -r.municipality["npv"], -ref.municipality["npv"]
        diff = ref_cost - cost
        if ref_cost > 0 and abs(diff) >= 0.5:
            more = "minder" if diff > 0 else "meer"
            gem = (f"{esc(name).capitalize()} kost de gemeente {fmt_eur_compact(abs(diff))} "
                   f"({fmt_pct(abs(diff) / ref_cost, 0)}) {more} dan {esc(ref_name)}")
        else:
            up = "hoger" if diff >= 0 else "lager"  # saldo(r) − saldo(ref) = diff
            gem = (f"Voor de gemeente is het saldo bij {esc(name)} "
                   f"{fmt_eur_compact(abs(diff))} {up} dan bij {esc(ref_name)}")
        d = r.npv - ref.npv
        out.append(f"{gem}; voor de samenleving is het saldo {fmt_eur_compact(abs(d))} "
                   f"{'hoger' if d >= 0 else 'lager'}.")
    return " ".join(out)


def illustrative_values(case, task: str) -> list[str]:
    """The cost and effect lines of a task whose value the case marks as illustrative: the
    line's own note says 'illustratief', or its kengetal's source does."""
    k = case.kengetallen
    marked = set(k.loc[k["bron"].astype(str).str.contains("illustratief", case=False),
                       "code"]) if len(k) else set()
    out = []
    for table, label in ((case.kosten, "post"), (case.effecten, "effect")):
        if table is None or not len(table):
            continue
        rows = table[table["taak_id"] == task]
        note = rows["toelichting"].astype(str).str.contains("illustratief", case=False) \
            if "toelichting" in rows else False
        kg = rows["kengetal"].isin(marked) if "kengetal" in rows else False
        out += [str(v) for v in rows.loc[note | kg, label]]
    return list(dict.fromkeys(out))


def volunteer_actors(case, task: str, variant: str) -> set[str]:
    """Actors whose only costs in this task and variant are volunteer time."""
    k = case.kosten
    rows = k[(k["taak_id"] == task) & (k["variant"].isna() | (k["variant"] == variant))] \
        if "variant" in k else k[k["taak_id"] == task]
    if "soort" not in rows:
        return set()
    kinds = rows.groupby("actor")["soort"].agg(lambda s: set(s.dropna()))
    return {a for a, s in kinds.items() if s == {"vrijwilligersinzet"}}


def scenario_sentence(scenario) -> str:
    """A scenario named on page one, with what it changes."""
    changes = []
    labels = {"discount_rate": "discontovoet", "volunteer_valuation":
              "waardering vrijwilligersuur", "market_value_code": "kengetal marktwaarde"}
    for key, value in (scenario.parameters or {}).items():
        if value is None:
            continue
        shown = fmt_pct(value, 2) if key == "discount_rate" else str(value)
        changes.append(f"{labels.get(key, key)} {shown}")
    for key, value in (scenario.values or {}).items():
        shown = fmt_number(value, 2) if isinstance(value, int | float) else str(value)
        changes.append(f"{key.replace('_', ' ')} {shown}")
    what = f" ({esc(scenario.description)})" if scenario.description else ""
    return (f"Let op: deze uitkomsten gebruiken het scenario <b>{esc(scenario.name)}</b>{what}, "
            "niet de aannames uit de casus. Het scenario zet: "
            + esc("; ".join(changes) or "niets anders") + ".")


def _frac(value) -> str:
    return "–" if pd.isna(value) else fmt_pct(value, 0)


def _amount(value, decimals: int = 0) -> str:
    return "–" if pd.isna(value) else fmt_eur(value, decimals)


def trace_lines(case, tasks) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The case's cost and effect lines of ``tasks`` for the report's appendix (Dutch headers,
    formatted). Cost lines that repeat every year with the same content are one row with
    their years; the optimism shown is the line's own, else the task's."""
    k = case.kengetallen.set_index("code") if len(case.kengetallen) else pd.DataFrame()
    taken = case.taken.set_index("taak_id")

    def source(code, own):
        if isinstance(code, str) and code in k.index:
            row = k.loc[code]
            return (f"kengetal {code}: {fmt_eur(row['waarde'], 2)} per {row['eenheid']} "
                    f"({row['prijsjaar']}); {row['bron']}"), float(row["waarde"])
        return ("eigen bedrag uit de casus" if pd.notna(own) else "–"), own

    def optimism(value, task, kind):
        if pd.notna(value):
            return _frac(value)
        return _frac(taken.at[task, kind]) if kind in taken.columns else "–"

    kosten = case.kosten[case.kosten["taak_id"].isin(tasks)]
    cost_rows = []
    keys = ["taak_id", "variant", "actor", "post", "soort", "bedrag", "hoeveelheid",
            "kengetal", "prijsjaar", "optimisme", "toelichting"]
    for key, group in kosten.groupby([c for c in keys if c in kosten], dropna=False, sort=False):
        row = dict(zip([c for c in keys if c in kosten], key, strict=True))
        years = sorted(int(y) for y in group["jaar"].dropna())
        src, unit = source(row.get("kengetal"), row.get("bedrag"))
        cost_rows.append({
            "taak": row["taak_id"], "variant": variant_label(row["variant"])
            if isinstance(row.get("variant"), str) else "alle",
            "post": row["post"], "actor": row["actor"],
            "soort": str(row.get("soort") or "–").replace("_", " ")
            if isinstance(row.get("soort"), str) else "–",
            "jaren": (f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]))
            if years else "–",
            "per jaar": _amount(row.get("bedrag")) if pd.notna(row.get("bedrag")) else
            (f"{fmt_number(row.get('hoeveelheid'), 0)} × {fmt_eur(unit, 2)}"
             if pd.notna(row.get("hoeveelheid")) and pd.notna(unit) else "–"),
            "prijsjaar": "–" if pd.isna(row.get("prijsjaar")) else str(int(row["prijsjaar"])),
            "bron": src, "optimisme": optimism(row.get("optimisme"), row["taak_id"],
                                               "optimisme_kosten"),
            "toelichting": row.get("toelichting") if isinstance(row.get("toelichting"), str)
            else ""})
    eff = case.effecten[case.effecten["taak_id"].isin(tasks)]
    effect_rows = []
    for e in eff.itertuples(index=False):
        pm = bool(e.pm) if pd.notna(e.pm) else False
        src, unit = source(e.kengetal, e.waarde_per_eenheid)
        if pm:
            qty = f"PM ({e.pm_score})" if isinstance(e.pm_score, str) else "PM"
        elif pd.notna(e.hoeveelheid):
            qty = fmt_number(e.hoeveelheid, 0 if float(e.hoeveelheid).is_integer() else 2)
        elif isinstance(e.indicator, str):
            qty = f"geschat uit {e.indicator} (mkba effect)"
        else:
            qty = "–"
        effect_rows.append({
            "taak": e.taak_id, "variant": variant_label(e.variant)
            if isinstance(e.variant, str) else "alle",
            "effect": e.effect, "actor": e.actor, "jaren": f"{e.jaar_van}–{e.jaar_tot}",
            "hoeveelheid per jaar": qty,
            "waarde per eenheid": "–" if pm else _amount(unit, 2),
            "bron": "–" if pm else src,
            "deadweight": _frac(e.deadweight), "attributie": _frac(e.attributie),
            "verdringing": _frac(e.verdringing), "afname per jaar": _frac(e.afname),
            "optimisme": "–" if pm else optimism(e.optimisme, e.taak_id, "optimisme_baten"),
            "overdracht van": e.overdracht_van if isinstance(e.overdracht_van, str) else "",
            "toelichting": e.toelichting if isinstance(e.toelichting, str) else ""})
    return pd.DataFrame(cost_rows), pd.DataFrame(effect_rows)
