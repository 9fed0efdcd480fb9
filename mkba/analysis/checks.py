"""The report checks itself: consistency checks on every evaluation.

Each check compares two routes to the same figure, so that a contradiction never reaches a
reader silently:

- ``saldi``: the balances per actor add up to the societal NPV;
- ``overdrachten``: transfers net to zero in every year, and carry no optimism correction;
- ``prijspeil``: another price year multiplies every present value by one CPI factor and
  never changes a sign (a line read "in the price year of the analysis" would break this);
- ``financiering``: every contribution and own revenue in ``financiering`` has its
  counterpart in the accounts of its variant (:mod:`mkba.case.financing`);
- ``monte_carlo``: each drawn range contains the values of the lines it replaces (else the
  check names the inputs); then the point estimate lies inside its own 90 % interval, or
  the check names the inputs whose point value sits in a tail of its range;
- ``varianten``: a difference between variants is the difference of the NPVs shown, and the
  rounded amounts in the sentence add up;
- ``pagina_een``: the rounded costs, benefits and balance of the page-one sentence add up
  the way the sentence says;
- ``terugverdienjaar`` and ``pm_omslag``: the payback year is the first year the cumulative
  discounted net flow turns non-negative (never hidden by the IRR cap); the PM break-even per
  year times the annuity factor is its present value;
- ``peiljaar``: which peiljaar was used and where it came from (never today's date).

Status ``fout`` is a contradiction: every output shows it at the top. ``let op`` explains a
figure that is right but may surprise; ``ok`` passed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from mkba.base.formatting import fmt_eur, fmt_eur_compact, fmt_number, fmt_pct
from mkba.base.prices import cpi_series
from mkba.case.financing import unmatched_financing
from mkba.engine import flows  # flows.price_factors: the engine's rule as it is when checked
from mkba.engine.finance import annuity_factor, payback_year
from mkba.engine.results import task_pm_break_even

__all__ = ["Check", "run_checks", "failed", "compact_step", "compact_value", "read_amount"]

#: Euros: two routes to one present value may differ by rounding of sums only.
TOL = 0.01


@dataclass(frozen=True)
class Check:
    """The result of one consistency check (for one task and variant, or the whole case).

    Parameters
    ----------
    name : str
        The check (one of the module docstring's).
    status : str
        ``ok``, ``waarschuwing`` or ``fout``.
    message : str
        What was found, in Dutch.
    task_id, variant : str, optional
        The task and variant checked; None for the whole case.

    Examples
    --------
    >>> c = Check("som_actoren", "fout", "de actoren tellen niet op", "T1", "project")
    >>> failed([c]) == [c]
    True
    """

    name: str
    status: str  # "ok", "let op" or "fout"
    message: str
    task_id: str | None = None
    variant: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def failed(checks) -> list:
    """The checks (objects or dicts) whose status is ``fout``.

    Parameters
    ----------
    checks : iterable of Check or dict
        The checks (:func:`run_checks`, or their ``to_dict()``).

    Returns
    -------
    list
        Those with status ``fout``.

    Examples
    --------
    >>> failed([Check("a", "ok", ""), {"name": "b", "status": "fout", "message": "x"}])
    [{'name': 'b', 'status': 'fout', 'message': 'x'}]
    """
    return [c for c in checks if (c.status if isinstance(c, Check) else c["status"]) == "fout"]


def read_amount(text: str) -> float:
    """The number a Dutch euro amount shows (:func:`mkba.base.formatting.fmt_eur` and
    :func:`~mkba.base.formatting.fmt_eur_compact`).

    Parameters
    ----------
    text : str
        The amount as shown.

    Returns
    -------
    float
        The number.

    Examples
    --------
    >>> read_amount("€ 1,2 mln"), read_amount("€ −491.000"), read_amount("€ 8.809")
    (1200000.0, -491000.0, 8809.0)
    """
    s = text.replace("€", "").replace("\u00a0", " ").strip().replace("−", "-")
    factor = 1.0
    if s.endswith("mln"):
        s, factor = s[:-3].strip(), 1e6
    elif s.endswith("mld"):
        s, factor = s[:-3].strip(), 1e9
    s = s.replace(".", "").replace(",", ".")
    return float(s) * factor


def compact_step(value: float) -> float:
    """Half the rounding step of :func:`~mkba.base.formatting.fmt_eur_compact` at ``value``.

    Parameters
    ----------
    value : float
        An amount in euros.

    Returns
    -------
    float
        Half the rounding step.

    Examples
    --------
    >>> compact_step(8_809), compact_step(491_000), compact_step(1_900_515)
    (0.5, 500.0, 50000.0)
    """
    v = abs(value)
    if v < 10_000:
        return 0.5
    if v < 1_000_000:
        return 500.0
    text = fmt_eur_compact(v)
    exponent = 9 if "mld" in text else 6
    decimals = len(re.sub(r"[^0-9,]", "", text).split(",")[1]) if "," in text else 0
    return 0.5 * 10 ** (exponent - decimals)


def _adds_up(total: float, *parts: float) -> bool:
    """Whether the compact-rounded ``parts`` add up to the compact-rounded ``total`` within
    their rounding steps (what a reader checks with a pencil)."""
    shown = sum(read_amount(fmt_eur_compact(p)) for p in parts)
    slack = sum(compact_step(p) for p in parts) + compact_step(total)
    return abs(read_amount(fmt_eur_compact(total)) - shown) <= slack + TOL


def _scale(*values) -> float:
    return max([1.0, *(abs(float(v)) for v in values)])


def compact_value(values) -> np.ndarray:
    """The numbers :func:`~mkba.base.formatting.fmt_eur_compact` shows, computed (tested
    equal to reading its text back): exact below € 10.000, whole thousands below € 1 mln,
    then millions (billions) with one decimal.

    Parameters
    ----------
    values : array_like of float
        Amounts in euros.

    Returns
    -------
    numpy.ndarray
        The amounts as shown.

    Examples
    --------
    >>> compact_value([8_809.4, 491_234, -1_900_515]).tolist()
    [8809.0, 491000.0, -1900000.0]
    """
    v = np.asarray(values, dtype=float)
    a = np.abs(v)
    out = np.where(a < 10_000, np.round(a), np.where(
        a < 1_000_000, np.round(a, -3), np.where(a < 1e9, np.round(a / 1e6, 1) * 1e6,
                                                 np.round(a / 1e9, 1) * 1e9)))
    return np.sign(v) * out


def compact_half_step(values) -> np.ndarray:
    """Half the rounding step of :func:`compact_value` per value (vectorised
    :func:`compact_step`)."""
    a = np.abs(np.asarray(values, dtype=float))
    return np.where(a < 10_000, 0.5, np.where(a < 1_000_000, 500.0,
                                              np.where(a < 1e9, 50_000.0, 5e7)))


def _summarise(name: str, keys, bad: dict, ok_text: str, task=None) -> list[Check]:
    """One ``ok`` check for every key that passed (a count), one ``fout`` per key that did
    not (its message in ``bad``)."""
    out = [Check(name, "fout", message, *key) for key, message in bad.items()]
    n = len(keys) - len(bad)
    if n:
        out.append(Check(name, "ok", f"{ok_text} ({n} taak/variant"
                         f"{'' if n == 1 else 'en'})", task, None))
    return out


def _key_checks(ev, task=None) -> list[Check]:
    """Balances, transfers, payback year, PM break-even and page one, for every task and
    variant at once (1.000 tasks in well under a second)."""
    t = ev.totals
    keys = list(zip(t["task_id"], t["variant"], strict=True))
    npv = t["npv"].to_numpy(dtype=float)
    scale = np.maximum(1.0, np.maximum(np.abs(t["pv_costs"].to_numpy(dtype=float)),
                                       np.abs(t["pv_benefits"].to_numpy(dtype=float))))
    out: list[Check] = []
    # saldi: the actors' balances add up to the NPV
    sums = ev.actors.groupby(["task_id", "variant"], sort=False)["npv"].sum()
    total = sums.reindex(pd.MultiIndex.from_tuples(keys)).fillna(0.0).to_numpy()
    off = np.abs(total - npv) > TOL + 1e-9 * scale
    out += _summarise("saldi", keys, {
        keys[i]: f"de saldi per actor tellen op tot {fmt_eur(total[i])}, maar de NCW is "
                 f"{fmt_eur(npv[i])}" for i in np.flatnonzero(off)},
        "de saldi per actor tellen op tot de NCW", task)
    # overdrachten: net zero every year, no optimism correction
    flows = ev.cashflows
    transfers = flows[(flows["kind"] == "overdracht").to_numpy()]
    bad = {}
    if len(transfers):
        worst = (transfers.groupby(["task_id", "variant", "year"], sort=False)["amount"].sum()
                 .abs().groupby(level=[0, 1], sort=False).max())
        for key, w in worst[worst > TOL].items():
            bad[key] = (f"de overdrachten tellen niet op tot nul (grootste verschil in een jaar "
                        f"{fmt_eur(w, 2)})")
        if "optimism" in transfers:
            corrected = transfers[(transfers["optimism"] != 1.0).to_numpy()]
            for key, n in corrected.groupby(["task_id", "variant"], sort=False).size().items():
                bad.setdefault(key, f"{n} overdrachtsbedragen hebben een correctie voor "
                                    "optimisme; een overdracht is een afspraak en krijgt die niet")
    out += _summarise("overdrachten", keys, bad, "de overdrachten tellen op tot nul, zonder "
                      "correctie voor optimisme", task)
    out += _payback_checks(ev, keys, task)
    out += _break_even_checks(ev, keys, task)
    out += _page_one_checks(t, keys, task)
    return out


def _payback_checks(ev, keys, task) -> list[Check]:
    """The payback year is the first year whose cumulative discounted net flow is ≥ 0, from
    the first year with a flow; only an absent investment phase hides it (never the cap)."""

    t = ev.totals
    notes = t["irr_note"].tolist() if "irr_note" in t else [None] * len(t)
    capped = t["irr_capped"].astype(bool).tolist() if "irr_capped" in t else [False] * len(t)
    shown = [None if pd.isna(v) else int(v) for v in t["payback_year"].tolist()]
    y = ev.yearly
    bounds = np.flatnonzero((y["task_id"].to_numpy()[1:] != y["task_id"].to_numpy()[:-1])
                            | (y["variant"].to_numpy()[1:] != y["variant"].to_numpy()[:-1])) + 1
    starts = np.concatenate([[0], bounds])
    order = {k: i for i, k in enumerate(zip(y["task_id"].to_numpy()[starts],
                                            y["variant"].to_numpy()[starts], strict=True))}
    years = np.split(y["year"].to_numpy(), bounds)
    pv = np.split(y["pv_net"].to_numpy(dtype=float), bounds)
    bad, checked = {}, []
    for i, key in enumerate(keys):
        if (isinstance(notes[i], str) and not capped[i]) or key not in order:
            continue
        checked.append(key)
        j = order[key]
        expected = payback_year(years[j], pv[j])
        if expected != shown[i]:
            bad[key] = (f"het terugverdienjaar is {shown[i] or 'niet getoond'}, maar de "
                        f"gecumuleerde contante kasstroom wordt nul of meer in "
                        f"{expected or 'geen enkel jaar'}")
    return _summarise("terugverdienjaar", checked, bad, "het terugverdienjaar volgt uit de "
                      "gecumuleerde contante kasstroom, ook bij een IRR boven de grens", task)


def _break_even_checks(ev, keys, task) -> list[Check]:
    rate = float(ev.parameters["discount_rate"])
    scores = ev.pm.groupby(["task_id", "variant"], sort=False)["pm_score"].agg(
        lambda s: [str(x) for x in s]).to_dict()
    t = ev.totals
    bad, checked = {}, []
    for i, key in enumerate(keys):
        if key not in scores:
            continue
        row = t.iloc[i]
        start, end, base = int(row["start_year"]), int(row["end_year"]), int(row["base_year"])
        be = task_pm_break_even(float(row["npv"]), scores[key], rate, start, end, base)
        if not be or be["direction"] == "geen":
            continue
        checked.append(key)
        back = be["amount_per_year"] * annuity_factor(rate, start, end, base)
        if abs(back - be["amount"]) > TOL * _scale(be["amount"]):
            bad[key] = (f"de PM-omslag per jaar ({fmt_eur(be['amount_per_year'])}) hoort bij "
                        f"{fmt_eur(back)}, niet bij {fmt_eur(be['amount'])}")
    return _summarise("pm_omslag", checked, bad, "de PM-omslag per jaar is de contante waarde "
                      "gedeeld door de annuïteitsfactor", task)


def _page_one_checks(t, keys, task) -> list[Check]:
    """Page one: "kost X … levert Y op. Dat is Z meer/minder dan het kost." With the amounts
    rounded as the page shows them, Y − X must be ±Z within their rounding."""
    costs = t["pv_costs"].to_numpy(dtype=float)
    benefits = t["pv_benefits"].to_numpy(dtype=float)
    npv = t["npv"].to_numpy(dtype=float)
    shown = compact_value(benefits) - compact_value(costs)
    slack = compact_half_step(benefits) + compact_half_step(costs) + compact_half_step(npv)
    off = np.abs(shown - compact_value(npv)) > slack + TOL
    bad = {keys[i]: (f"de afgeronde bedragen op pagina één tellen niet op: "
                     f"{fmt_eur_compact(benefits[i])} − {fmt_eur_compact(costs[i])} is niet "
                     f"{fmt_eur_compact(npv[i])}") for i in np.flatnonzero(off)}
    return _summarise("pagina_een", keys, bad, "de afgeronde bedragen op pagina één tellen op "
                      "zoals de zin zegt", task)


def _price_year_checks(case, ev, task) -> list[Check]:
    """Another price year multiplies every line's CPI factor by one factor, so every present
    value too and no sign can change: the lines' own price years do not depend on the price
    year of the analysis (checked per line, without evaluating again)."""

    cpi = cpi_series()
    p = int(ev.parameters["price_year"])
    other = p - 1 if p - 1 in cpi.index else p + 1
    if other not in cpi.index:
        return []
    factor = float(cpi[other] / cpi[p])
    tasks = set(ev.totals["task_id"])
    bad_rows = []
    for table, value_col, year_col in (("kosten", "bedrag", "jaar"),
                                       ("effecten", "waarde_per_eenheid", "jaar_van")):
        lines = getattr(case, table)
        lines = lines[lines["taak_id"].isin(tasks).to_numpy()]
        if table == "effecten":
            lines = lines[~lines["pm"].to_numpy(dtype=bool)]
        if lines.empty:
            continue
        _, here = flows.price_factors(lines, value_col, case.kengetallen, p, cpi, year_col)
        _, there = flows.price_factors(lines, value_col, case.kengetallen, other, cpi, year_col)
        off = np.abs(there - factor * here) > 1e-12 * np.maximum(1.0, np.abs(here))
        file = case.files.get(table, f"{table}.csv")
        bad_rows += [f"{file}:{r}" for r in lines["_row"].to_numpy()[off]]
    if bad_rows:
        return [Check("prijspeil", "fout", f"in prijspeil {other} verandert niet elke regel met "
                      f"dezelfde factor {factor:.4f}".replace(".", ",") + " (regels "
                      + ", ".join(bad_rows[:5]) + ("…" if len(bad_rows) > 5 else "")
                      + "): hun prijsjaar hangt af van het gekozen prijspeil", task, None)]
    return [Check("prijspeil", "ok", f"een ander prijspeil ({other}) vermenigvuldigt elke "
                  "contante waarde met één CPI-factor", task, None)]


def _financing_checks(case, ev) -> list[Check]:
    tasks = set(ev.totals["task_id"])
    out = []
    for p in unmatched_financing(case.tables, case.files):
        task = next((t for t in tasks if f"taak {t} " in p.message), None)
        if task is None:
            continue
        out.append(Check("financiering", "fout", str(p), task, None))
    if not out:
        out.append(Check("financiering", "ok", "elke bijdrage en eigen inkomst in financiering "
                         "staat in de rekening van haar variant"))
    return out


def _cdf(inp: dict, x: float) -> float | None:
    lo, hi, mode = inp["low"], inp["high"], inp["mode"]
    if hi <= lo:
        return None
    if inp["distribution"] == "uniform":
        return (x - lo) / (hi - lo)
    if mode > lo and x <= mode:
        return (x - lo) ** 2 / ((hi - lo) * (mode - lo))
    if mode < hi and x > mode:
        return 1 - (hi - x) ** 2 / ((hi - lo) * (hi - mode))
    return 0.0 if x <= lo else 1.0


def _monte_carlo_checks(uncertainty: dict) -> list[Check]:
    out = []
    for (task, variant), extra in uncertainty.items():
        mc = extra.get("monte_carlo")
        if mc is None or not mc.draws:
            continue
        ranges = list(getattr(mc, "ranges", ()) or ())
        outside = [r for r in ranges if not r["contains_point"]]
        if outside:
            names = "; ".join(
                f"{r['name']} (bandbreedte {_num(r['low'])}–{_num(r['high'])}, waarde in de "
                f"casus {_num(r['line_min'])}"
                + ("" if r["line_min"] == r["line_max"] else f"–{_num(r['line_max'])}") + ")"
                for r in outside)
            out.append(Check("monte_carlo", "fout", "de Monte Carlo trekt waarden die niet bij "
                             f"de regels horen: {names}", task, variant))
            continue
        p5, p95 = mc.percentile(5), mc.percentile(95)
        point = mc.deterministic_npv
        if p5 - TOL <= point <= p95 + TOL:
            out.append(Check("monte_carlo", "ok", f"de NCW ({fmt_eur(point)}) ligt binnen het "
                             f"90%-interval ({fmt_eur(p5)} – {fmt_eur(p95)})", task, variant))
            continue
        edge = [r["name"] for r in ranges if r["mode"] != r["line_min"]
                or (c := _cdf(r, r["line_min"])) is not None and not 0.05 <= c <= 0.95]
        out.append(Check("monte_carlo", "let op",
                         f"de NCW ({fmt_eur(point)}) ligt buiten het 90%-interval "
                         f"({fmt_eur(p5)} – {fmt_eur(p95)}), omdat de waarde in de casus in een "
                         "staart van de bandbreedte ligt: " + (", ".join(edge) or "–"),
                         task, variant))
    return out


def _num(x) -> str:
    return "–" if x is None else fmt_number(x, 0 if float(x).is_integer() else 2)


def _variant_checks(ev, variants: dict) -> list[Check]:
    out = []
    for task, cv in (variants or {}).items():
        npv = {r.variant: r.npv for r in ev.results() if r.task_id == task}
        for d in cv["differences"].to_dict("records"):
            shown = npv.get(d["variant"], np.nan) - npv.get(d["compared_with"], np.nan)
            same = abs(d["difference"] - shown) <= TOL * _scale(shown)
            rounded = _adds_up(abs(shown), npv[d["variant"]], -npv[d["compared_with"]]) \
                if shown >= 0 else _adds_up(abs(shown), npv[d["compared_with"]],
                                            -npv[d["variant"]])
            if not same or not rounded:
                out.append(Check("varianten", "fout",
                                 f"het verschil {d['variant']} − {d['compared_with']} is "
                                 f"{fmt_eur(d['difference'])}, maar de NCW's in de tabel "
                                 f"verschillen {fmt_eur(shown)}", task, d["variant"]))
            elif not d["p5"] - TOL <= shown <= d["p95"] + TOL:
                out.append(Check("varianten", "let op",
                                 f"het verschil in NCW ({fmt_eur(shown)}) ligt buiten zijn "
                                 f"90%-interval ({fmt_eur(d['p5'])} – {fmt_eur(d['p95'])}): de "
                                 "bandbreedtes liggen scheef rond de waarden in de casus",
                                 task, d["variant"]))
            else:
                out.append(Check("varianten", "ok",
                                 f"verschil {fmt_eur(shown)} = verschil van de getoonde NCW's, "
                                 f"binnen zijn 90%-interval; kans beter "
                                 f"{fmt_pct(d['p_better'], 0)}", task, d["variant"]))
    return out


def _peiljaar_check(ev) -> Check:
    p = ev.parameters
    source = {"instelling": "opgegeven", "casus": "uit de tabel casus",
              "regel": "vaste regel (geen peiljaar in de casus)"}.get(
        p.get("peiljaar_source"), "onbekend")
    return Check("peiljaar", "ok", f"peiljaar {p.get('peiljaar')} ({source}); prijspeil "
                 f"{p.get('price_year')}: de uitkomst hangt niet af van de datum van vandaag")


def run_checks(ev, *, case=None, params: dict | None = None, uncertainty: dict | None = None,
               variants: dict | None = None, task: str | None = None) -> list[Check]:
    """Every consistency check of the module docstring on an evaluation (and, when given,
    the case it came from, its Monte Carlo runs and its variant comparisons).

    Parameters
    ----------
    ev : Evaluation
        The evaluation.
    case : Case, optional
        The case it came from.
    params : dict, optional
        The evaluation parameters used.
    uncertainty : dict, optional
        Monte Carlo runs per (task, variant).
    variants : dict, optional
        Variant comparisons per task.
    task : str, optional
        Only this task.

    Returns
    -------
    list of Check
        Every check, passed or not.

    Examples
    --------
    >>> from mkba import evaluate, read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> checks = run_checks(evaluate(case), case=case, params={})
    >>> failed(checks)
    []
    >>> sorted({c.name for c in checks})[:4]
    ['financiering', 'overdrachten', 'pagina_een', 'peiljaar']
    """
    checks = _key_checks(ev, task)
    if case is not None:
        checks += _price_year_checks(case, ev, task)
        checks += _financing_checks(case, ev)
    checks += _monte_carlo_checks(uncertainty or {})
    checks += _variant_checks(ev, variants or {})
    checks.append(_peiljaar_check(ev))
    return checks
