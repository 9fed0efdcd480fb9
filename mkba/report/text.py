"""The Dutch sentences and traces the wijk report's sections use: one task in words, targets
met, variants compared, the scenario, illustrative values, volunteer actors, the Dutch name of
every assumption, rounded amounts that add up, and the trace from every cost and effect line to
its source.

Sentences that hold HTML are :class:`markupsafe.Markup`, built with
:func:`mkba.report.templating.html_format`: every value from an input file is escaped and loses
its bidi controls on the way in; plain strings are plain text (the templates escape them).
"""

from __future__ import annotations

import time

import pandas as pd

from mkba.base.formatting import fmt_eur, fmt_eur_compact, fmt_number, fmt_pct
from mkba.case.schema import parse_parameter
from mkba.evidence.panel import indicator_label
from mkba.report.templating import Markup, html_format, name

__all__ = ["task_sentence", "targets_sentence", "compare_variants_sentence",
           "scenario_sentence", "variant_label", "report_year", "illustrative_values",
           "volunteer_actors", "trace_lines", "DATA_AGE_WARNING", "assumption_label",
           "page_one_amounts", "OWN_LABELS", "FIELD_LABELS", "FRACTION_FIELDS"]

#: Dutch names of the assumptions that are no line of the case.
OWN_LABELS = {"discount_rate": "discontovoet (reëel)", "discontovoet": "discontovoet (reëel)",
              "optimisme_kosten": "correctie optimisme: kosten hoger met",
              "optimisme_baten": "correctie optimisme: baten lager met",
              "volunteer_valuation": "waardering vrijwilligersuur"}
#: Fields of an effect line that are fractions (shown as percentages).
FRACTION_FIELDS = ("deadweight", "attributie", "verdringing", "afname")
#: Dutch names of the fields of an effect line.
FIELD_LABELS = {"hoeveelheid": "aantal per jaar", "waarde": "waarde per eenheid",
                "deadweight": "deel dat ook zonder de taak was gebeurd",
                "attributie": "deel door anderen", "verdringing": "deel dat elders verdwijnt",
                "afname": "afname per jaar"}


#: Warn on page one when the CBS figures are more than this many years older than the report.
DATA_AGE_WARNING = 3


def report_year() -> int:
    """The year the report is made (today).

    Returns
    -------
    int
        The year.

    Examples
    --------
    >>> import datetime
    >>> report_year() == datetime.date.today().year
    True
    """
    return int(time.strftime("%Y"))


def assumption_label(parameter: str, case=None) -> str:
    """The Dutch name of an assumption with a range (``bandbreedtes``, sensitivity, scenario,
    session), as partners know it: the kengetal's description, the cost post's or effect's
    name with the field in words.

    Parameters
    ----------
    parameter : str
        The parameter name.
    case : Case, optional
        The case (for the kengetal's description and the line's name).

    Returns
    -------
    str
        The Dutch name.

    Examples
    --------
    >>> assumption_label("T2/Contract hovenier/factor")
    'Contract hovenier: factor op de kosten'
    >>> assumption_label("T1/Minder eenzaamheid/deadweight")
    'Minder eenzaamheid: deel dat ook zonder de taak was gebeurd'
    >>> assumption_label("discontovoet"), assumption_label("T1/optimisme_kosten")
    ('discontovoet (reëel)', 'correctie optimisme: kosten hoger met')
    >>> assumption_label("vervangingskosten_uur")
    'vervangingskosten uur'
    """
    if parameter in OWN_LABELS:
        return OWN_LABELS[parameter]
    try:
        parts = parse_parameter(parameter)
    except ValueError:
        return str(parameter).replace("_", " ")
    if parts[0] == "kengetal":
        if case is not None and len(case.kengetallen):
            k = case.kengetallen.drop_duplicates("code").set_index("code")
            if parts[1] in k.index:
                row = k.loc[parts[1]]
                return f"{row['omschrijving']} (€ per {row['eenheid']})"
        return parts[1].replace("_", " ")
    if parts[0] == "effect":
        return f"{parts[2]}: {FIELD_LABELS.get(parts[3], parts[3])}"
    if parts[0] == "factor":
        return f"{parts[2]}: factor op de kosten"
    if parts[0] in OWN_LABELS:
        return OWN_LABELS[parts[0]]
    return str(parameter).replace("_", " ")


def _round_to(value: float, unit: float) -> float:
    return round(value / unit) * unit


def page_one_amounts(costs: float, benefits: float) -> tuple[str, str, str, float]:
    """Costs, benefits and their difference for page one, rounded alike so that the sentence
    adds up: the difference shown is the rounded benefits minus the rounded costs.

    Below € 10.000 amounts are exact to the euro; below € 10 mln whole thousands; above that
    tenths of a million. Returns the three texts and the shown difference as a number.

    Parameters
    ----------
    costs, benefits : float
        Present values.

    Returns
    -------
    costs, benefits, difference : str
        The rounded amounts, in Dutch.
    shown : float
        The difference shown, as a number.

    Examples
    --------
    >>> page_one_amounts(740_816, 1_039_122)[:3]
    ('€ 741.000', '€ 1.039.000', '€ 298.000')
    >>> page_one_amounts(12_340_000, 11_960_000)[:3]
    ('€ 12,3 mln', '€ 12,0 mln', '€ −0,3 mln')
    """
    largest = max(abs(costs), abs(benefits))
    if largest < 10_000:
        unit, shown = 1.0, fmt_eur
    elif largest < 10_000_000:
        unit, shown = 1_000.0, fmt_eur
    else:
        unit = 100_000.0

        def shown(v):
            return fmt_eur(v / 1e6, 1) + " mln"
    c, b = _round_to(costs, unit), _round_to(benefits, unit)
    return shown(c), shown(b), shown(b - c), b - c


def variant_label(variant: str) -> str:
    """A variant's name in words.

    Parameters
    ----------
    variant : str
        The variant's key.

    Returns
    -------
    str
        Its name in words.

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

    Parameters
    ----------
    task : mapping
        The task's row (``taken``).
    variants : list of str
        Its variants.

    Returns
    -------
    str
        The Dutch sentence.

    Examples
    --------
    >>> str(task_sentence({"startjaar": 2018, "trekker": "Stichting X",
    ...                    "overdrachtsvorm": "convenant"}, ["project"]))
    'Sinds 2018 voert <bdi>Stichting X</bdi> deze taak uit (convenant).'
    >>> str(task_sentence({"startjaar": 2019}, ["project"]))
    'Sinds 2019 voeren bewoners of ondernemers deze taak uit.'
    """
    who = task.get("trekker")
    who = who if isinstance(who, str) and who.strip() else None
    form = task.get("overdrachtsvorm")
    form = html_format(" ({})", form) if isinstance(form, str) and form != "geen" else ""
    start = int(task["startjaar"])
    if len(variants) <= 1:
        subject = html_format("voert {}", name(who)) if who \
            else Markup("voeren bewoners of ondernemers")
        return html_format("Sinds {} {} deze taak uit{}.", start, subject, form)
    names = [variant_label(v) for v in variants]
    text = html_format("Deze taak is doorgerekend in {} varianten: {} en {}.", len(variants),
                       Markup(", ").join(name(n) for n in names[:-1]), name(names[-1]))
    social = [n for n in names if n.startswith("maatschappelijk")]
    if social:
        doer = name(who) if who else "bewoners of ondernemers"
        text += html_format(" Bij {} voert {} de taak uit{}, sinds {}.", name(social[0]), doer,
                            form, start)
    return text


def targets_sentence(done: int, total: int) -> str:
    """How many targets were met, in correct Dutch.

    Parameters
    ----------
    done : int
        Targets met.
    total : int
        All targets.

    Returns
    -------
    str
        The Dutch sentence.

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

    Parameters
    ----------
    results : list of MkbaResult
        The variants of one task.

    Returns
    -------
    str
        The Dutch sentences.

    Examples
    --------
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> ev = evaluate(read_case(DATA_DIR / "voorbeeld"))
    >>> sentence = compare_variants_sentence([ev.result("T2", "klassiek_aanbesteden"),
    ...                                       ev.result("T2", "maatschappelijk_aanbesteden")])
    >>> print(sentence)  # doctest: +NORMALIZE_WHITESPACE
    Voor de gemeente is het saldo bij <bdi>maatschappelijk aanbesteden</bdi> € 282.000 hoger dan
    bij <bdi>klassiek aanbesteden</bdi>; voor de samenleving is het saldo € 211.000 hoger.
    """
    ref = next((r for r in results if r.variant.startswith("klassiek")), results[0])
    out = []
    for r in results:
        if r is ref:
            continue
        label, ref_label = variant_label(r.variant), variant_label(ref.variant)
        cost, ref_cost = -r.municipality["npv"], -ref.municipality["npv"]
        diff = ref_cost - cost
        if ref_cost > 0 and abs(diff) >= 0.5:
            more = "minder" if diff > 0 else "meer"
            gem = html_format("{} kost de gemeente {} ({}) {} dan {}",
                              name(label[:1].upper() + label[1:]),
                              fmt_eur_compact(abs(diff)), fmt_pct(abs(diff) / ref_cost, 0),
                              more, name(ref_label))
        else:
            up = "hoger" if diff >= 0 else "lager"  # saldo(r) − saldo(ref) = diff
            gem = html_format("Voor de gemeente is het saldo bij {} {} {} dan bij {}",
                              name(label), fmt_eur_compact(abs(diff)), up, name(ref_label))
        d = r.npv - ref.npv
        out.append(html_format("{}; voor de samenleving is het saldo {} {}.", gem,
                               fmt_eur_compact(abs(d)), "hoger" if d >= 0 else "lager"))
    return Markup(" ").join(out)


def illustrative_values(case, task: str) -> list[str]:
    """The cost and effect lines of a task whose value the case marks as illustrative: the
    line's own note says 'illustratief', or its kengetal's source does.

    Parameters
    ----------
    case : Case
        The case.
    task : str
        The task.

    Returns
    -------
    list of str
        The lines, in Dutch.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> isinstance(illustrative_values(read_case(DATA_DIR / "voorbeeld"), "T1"), list)
    True
    """
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
    """Actors whose only costs in this task and variant are volunteer time.

    Parameters
    ----------
    case : Case
        The case.
    task : str
        The task.
    variant : str
        The variant.

    Returns
    -------
    set of str
        The actors.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> volunteer_actors(read_case(DATA_DIR / "voorbeeld"), "T1", "project")
    {'vrijwilligers'}
    """
    k = case.kosten
    rows = k[(k["taak_id"] == task) & (k["variant"].isna() | (k["variant"] == variant))] \
        if "variant" in k else k[k["taak_id"] == task]
    if "soort" not in rows:
        return set()
    kinds = rows.groupby("actor")["soort"].agg(lambda s: set(s.dropna()))
    return {a for a, s in kinds.items() if s == {"vrijwilligersinzet"}}


def scenario_sentence(scenario, case=None) -> Markup:
    """A scenario named on page one, with what it changes (assumptions by their Dutch name).

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    case : Case, optional
        The case (for the assumptions' Dutch names).

    Returns
    -------
    markupsafe.Markup
        The sentence.

    Examples
    --------
    >>> from mkba.uncertainty.scenario import Scenario
    >>> s = Scenario("voorzichtig", {}, {"discount_rate": 0.03})
    >>> "discontovoet 3,00 %" in scenario_sentence(s)
    True
    """
    changes = []
    labels = {"discount_rate": "discontovoet", "volunteer_valuation":
              "waardering vrijwilligersuur", "market_value_code": "kengetal marktwaarde"}
    for key, value in (scenario.parameters or {}).items():
        if value is None:
            continue
        shown = fmt_pct(value, 2) if key == "discount_rate" else str(value).replace("_", " ")
        changes.append(f"{labels.get(key, key)} {shown}")
    for key, value in (scenario.values or {}).items():
        shown = fmt_number(value, 2) if isinstance(value, int | float) else str(value)
        changes.append(f"{assumption_label(key, case)} {shown}")
    what = html_format(" ({})", name(scenario.description)) if scenario.description else ""
    return html_format("Let op: deze uitkomsten gebruiken het scenario <b>{}</b>{}, niet de "
                       "aannames uit de casus. Het scenario zet: {}.", name(scenario.name), what,
                       "; ".join(changes) or "niets anders")


def _frac(value) -> str:
    return "–" if pd.isna(value) else fmt_pct(value, 0)


def _amount(value, decimals: int = 0) -> str:
    return "–" if pd.isna(value) else fmt_eur(value, decimals)


def trace_lines(case, tasks) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The case's cost and effect lines of ``tasks`` for the report's appendix (Dutch headers,
    formatted). Cost lines that repeat every year with the same content are one row with
    their years; the optimism shown is the line's own, else the task's. A kengetal is shown
    by its description with its code beside it.

    Parameters
    ----------
    case : Case
        The case.
    tasks : iterable of str
        The tasks.

    Returns
    -------
    costs : pandas.DataFrame
        The cost lines.
    effects : pandas.DataFrame
        The effect lines.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> costs, effects = trace_lines(read_case(DATA_DIR / "voorbeeld"), ["T1"])
    >>> len(costs) > 0, len(effects) > 0
    (True, True)
    """
    k = case.kengetallen.set_index("code") if len(case.kengetallen) else pd.DataFrame()
    taken = case.taken.set_index("taak_id")

    def source(code, own):
        if isinstance(code, str) and code in k.index:
            row = k.loc[code]
            return (html_format("{} (kengetal {}): {} per {} ({}); {}", name(row["omschrijving"]),
                                name(code), fmt_eur(row["waarde"], 2), row["eenheid"],
                                row["prijsjaar"], name(row["bron"])), float(row["waarde"]))
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
            qty = f"geschat uit de meting {indicator_label(e.indicator, case)} (effectschatting)"
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
