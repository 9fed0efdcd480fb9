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

from mkba.base.formatting import fmt_eur, fmt_eur_compact, fmt_pct

__all__ = ["Check", "run_checks", "failed", "compact_step", "read_amount"]

#: Euros: two routes to one present value may differ by rounding of sums only.
TOL = 0.01


@dataclass(frozen=True)
class Check:
    """The result of one consistency check (for one task and variant, or the whole case)."""

    name: str
    status: str  # "ok", "let op" or "fout"
    message: str
    task_id: str | None = None
    variant: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def failed(checks) -> list:
    """The checks (objects or dicts) whose status is ``fout``."""
    return [c for c in checks if (c.status if isinstance(c, Check) else c["status"]) == "fout"]


def read_amount(text: str) -> float:
    """The number a Dutch euro amount shows (:func:`mkba.base.formatting.fmt_eur` and
    :func:`~mkba.base.formatting.fmt_eur_compact`).

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


def _key_checks(ev) -> list[Check]:
    out = []
    actors = ev.actors.groupby(["task_id", "variant"], sort=False)["npv"].sum()
    flows = ev.cashflows
    transfers = flows[(flows["kind"] == "overdracht").to_numpy()]
    net = transfers.groupby(["task_id", "variant", "year"], sort=False)["amount"].sum()
    corrected = transfers[(transfers["optimism"] != 1.0).to_numpy()] \
        if "optimism" in transfers else transfers.iloc[0:0]
    yearly = dict(tuple(ev.yearly.groupby(["task_id", "variant"], sort=False)))
    rate = float(ev.parameters["discount_rate"])
    for r in ev.results():
        key = (r.task_id, r.variant)
        total = float(actors.get(key, 0.0))
        ok = abs(total - r.npv) <= TOL * _scale(r.pv_costs, r.pv_benefits) * 1e-3 + TOL
        out.append(Check("saldi", "ok" if ok else "fout",
                         "de saldi per actor tellen op tot de NCW" if ok else
                         f"de saldi per actor tellen op tot {fmt_eur(total)}, maar de NCW is "
                         f"{fmt_eur(r.npv)}", *key))
        mine = net[net.index.droplevel("year").isin([key])] if len(net) else net
        worst = float(mine.abs().max()) if len(mine) else 0.0
        own = corrected[(corrected["task_id"] == r.task_id).to_numpy()
                        & (corrected["variant"] == r.variant).to_numpy()]
        if worst > TOL:
            out.append(Check("overdrachten", "fout", "de overdrachten tellen niet op tot nul "
                             f"(grootste verschil in een jaar {fmt_eur(worst, 2)})", *key))
        elif len(own):
            out.append(Check("overdrachten", "fout",
                             f"{len(own)} overdrachtsbedragen hebben een correctie voor "
                             "optimisme; een overdracht is een afspraak en krijgt die niet",
                             *key))
        else:
            out.append(Check("overdrachten", "ok", "de overdrachten tellen op tot nul, zonder "
                             "correctie voor optimisme", *key))
        out += _payback_check(r, yearly.get(key))
        out += _break_even_check(r, rate)
        out.append(_page_one_check(r))
    return out


def _payback_check(r, y) -> list[Check]:
    from mkba.engine.finance import payback_year

    if y is None or (r.irr_note and not r.irr_capped):
        return []
    expected = payback_year(y["year"].to_numpy(), y["pv_net"].to_numpy())
    key = (r.task_id, r.variant)
    if expected != r.payback_year:
        return [Check("terugverdienjaar", "fout",
                      f"het terugverdienjaar is {r.payback_year or 'niet getoond'}, maar de "
                      f"gecumuleerde contante kasstroom wordt nul of meer in "
                      f"{expected or 'geen enkel jaar'}", *key)]
    return [Check("terugverdienjaar", "ok", "het terugverdienjaar volgt uit de gecumuleerde "
                  "contante kasstroom" + (" (ook bij een IRR boven de grens)"
                                          if r.irr_capped else ""), *key)]


def _break_even_check(r, rate: float) -> list[Check]:
    from mkba.engine.finance import annuity_factor

    be = r.pm_break_even
    if not be or be.get("amount_per_year") is None or be["direction"] == "geen":
        return []
    factor = annuity_factor(rate, r.start_year, r.end_year, r.base_year)
    back = be["amount_per_year"] * factor
    ok = abs(back - be["amount"]) <= TOL * _scale(be["amount"])
    return [Check("pm_omslag", "ok" if ok else "fout",
                  "de PM-omslag per jaar is de contante waarde gedeeld door de annuïteitsfactor"
                  if ok else f"de PM-omslag per jaar ({fmt_eur(be['amount_per_year'])}) hoort "
                  f"bij {fmt_eur(back)}, niet bij {fmt_eur(be['amount'])}",
                  r.task_id, r.variant)]


def _page_one_check(r) -> Check:
    """Page one: "kost X ... levert Y op. Dat is Z meer/minder dan het kost." Y − X must be
    Z within the rounding of the three amounts, and the word must follow the sign."""
    ok = _adds_up(abs(r.npv), r.pv_benefits, -r.pv_costs) if r.npv >= 0 else \
        _adds_up(abs(r.npv), r.pv_costs, -r.pv_benefits)
    sentence = (f"{fmt_eur_compact(r.pv_benefits)} − {fmt_eur_compact(r.pv_costs)} = "
                f"{'' if r.npv >= 0 else '−'}{fmt_eur_compact(abs(r.npv))}")
    return Check("pagina_een", "ok" if ok else "fout",
                 f"de afgeronde bedragen op pagina één kloppen ({sentence})" if ok else
                 f"de afgeronde bedragen op pagina één tellen niet op: {sentence}",
                 r.task_id, r.variant)


def _price_year_checks(case, ev, params: dict, task) -> list[Check]:
    """Another price year multiplies every present value by one CPI factor."""
    from mkba.base.prices import cpi_series
    from mkba.engine.cba import evaluate

    cpi = cpi_series()
    p = int(ev.parameters["price_year"])
    other = p - 1 if p - 1 in cpi.index else p + 1
    if other not in cpi.index:
        return []
    kwargs = {k: v for k, v in params.items() if k in (
        "discount_rate", "base_year", "horizon", "volunteer_valuation", "market_value_code",
        "wage_code", "volunteer_benefit_code", "peiljaar") and v is not None}
    kwargs["peiljaar"] = ev.parameters["peiljaar"]
    again = evaluate(case, task=task, price_year=other, **kwargs)
    factor = float(cpi[other] / cpi[p])
    a = ev.totals.set_index(["task_id", "variant"])
    b = again.totals.set_index(["task_id", "variant"]).reindex(a.index)
    out = []
    for key in a.index:
        worst = max(abs(float(b.at[key, c]) - factor * float(a.at[key, c]))
                    / _scale(a.at[key, c]) for c in ("pv_costs", "pv_benefits", "npv"))
        flipped = np.sign(round(float(b.at[key, "npv"]), 6)) != np.sign(
            round(float(a.at[key, "npv"]), 6))
        if worst > 1e-9 or flipped:
            out.append(Check("prijspeil", "fout",
                             f"in prijspeil {other} is de NCW {fmt_eur(b.at[key, 'npv'])}, niet "
                             f"{fmt_eur(a.at[key, 'npv'])} × {factor:.4f}".replace(".", ",")
                             + ": een regel hangt af van het gekozen prijspeil", *key))
        else:
            out.append(Check("prijspeil", "ok", f"een ander prijspeil ({other}) vermenigvuldigt "
                             "elke contante waarde met één CPI-factor", *key))
    return out


def _financing_checks(case, ev) -> list[Check]:
    from mkba.case.financing import unmatched_financing

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
    from mkba.base.formatting import fmt_number

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
    checks = _key_checks(ev)
    if case is not None:
        checks += _price_year_checks(case, ev, params or {}, task)
        checks += _financing_checks(case, ev)
    checks += _monte_carlo_checks(uncertainty or {})
    checks += _variant_checks(ev, variants or {})
    checks.append(_peiljaar_check(ev))
    return checks
