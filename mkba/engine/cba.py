"""The societal cost-benefit analysis (MKBA): cash flows per year, actor and variant, and results.

Semantics (so that any analyst can recompute a figure by hand):

1. **Price level.** Every amount is indexed to one price year ``P`` (default: the case's
   ``prijsjaar`` in table ``casus``, else the last CPI year): ``amount × CPI[P] /
   CPI[prijsjaar]``. A value taken from a kengetal is in the kengetal's prijsjaar; an empty
   prijsjaar on a line with its own amount means the line's own year (``jaar`` of a cost,
   ``jaar_van`` of an effect; the last CPI year for a year after it): amounts from the books
   are nominal. So no line's price level depends on ``P``, and changing ``P`` multiplies
   every present value by one factor ``CPI[P'] / CPI[P]``.
2. **Period.** A task is analysed from ``startjaar`` to ``eindjaar`` (inclusive), or for
   ``horizon`` years from ``startjaar``. Line-years outside it are left out, with a warning.
3. **Costs.** A cost line is a cost to its actor in its year: ``bedrag``, or
   ``hoeveelheid × kengetal``.
4. **Effects.** In year ``t`` (``jaar_van ≤ t ≤ jaar_tot``) an effect line is worth
   ``hoeveelheid × waarde × (1 − deadweight) × (1 − attributie) × (1 − verdringing) ×
   (1 − afname) ** (t − jaar_van)`` to its actor; missing fractions are 0.
5. **Transfers.** A line with ``overdracht_van`` is +value for ``actor`` and −value for
   ``overdracht_van``: it shows per actor and nets to zero for society.
6. **PM posts.** A line with ``pm = ja`` is not priced; it is listed with its ``pm_score``.
7. **Discounting** to base year ``B`` (default ``startjaar``): ``(1 + r) ** −(t − B)``; see
   :mod:`mkba.base.prices` for the sign convention.
8. **Variants.** A line with an empty ``variant`` belongs to every variant of its task; a task
   without named variants has one variant, ``project``.
9. **Optimism bias** applies to forecast years (from ``peiljaar``) only and makes every line
   worse (a disbenefit × (1 + o)); present values are split into realised and forecast.
   Transfers (``overdracht_van``) are contracts between actors: no optimism correction on
   either side. The peiljaar is the case's (table ``casus``) or, without one, the fixed rule
   of :func:`default_peiljaar` — never today's date, so results do not change with the
   calendar.
10. **Horizon and residual value.** The period runs to the benefit horizon (``horizonjaar``
    or ``horizon``); an investment with a ``levensduur`` keeps a linear residual value at its
    end, booked as its own benefit line.

The README's "Rekenregels" list every rule, including volunteer valuation methods, leverage,
financing counterparts, the IRR's investment phase, the PM break-even and totals.

The result objects and their JSON are in :mod:`mkba.engine.results`, the textbook finance
(NPV, IRR, payback, annuity) in :mod:`mkba.engine.finance`; this module computes.

Results per task and variant: ``pv_costs``, ``pv_benefits``, ``npv = pv_benefits − pv_costs``,
``bc_ratio = pv_benefits / pv_costs``, ``irr`` of the societal net flow from ``startjaar``
(transfers excluded), ``payback_year``, the table per actor (whose ``npv`` sum to the societal
``npv``), the municipality's own balance, the PM list, the yearly flows and the financing mix.
"""


from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mkba.base.assumptions import DISCOUNT_RATE, IRR_MAX_SHOWN, VOLUNTEER_VALUATION
from mkba.base.errors import CaseError
from mkba.base.jsonout import none_if_missing
from mkba.base.prices import cpi_series, derived_cpi_years, discount_factors
from mkba.base.settings import Settings
from mkba.case.tables import Case
from mkba.engine.finance import (
    TOL,
    investment_phase,
    irr,
    irr_too_high,
    npv,
    payback_year,
)
from mkba.engine.flows import (
    COST,
    FlowKind,
    Keys,
    build_keys,
    cash_flows,
    kengetal_value,
    line_keys,
    volunteer_settings,
)
from mkba.engine.results import Evaluation, MkbaResult, choose_variant

__all__ = ["evaluate", "Evaluation", "MkbaResult", "npv", "irr", "payback_year",
           "default_peiljaar", "investment_phase", "check_parameters", "task_frame",
           "CheckedParameters", "choose_variant", "resolve_years", "PEILJAAR_RULE"]

_TOL = TOL
_none_if_nan = none_if_missing

#: The peiljaar when neither the user nor the case gives one (Assumption "peiljaar").
PEILJAAR_RULE = ("het jaar na het laatste jaar van de CPI-reeks (de eerste jaren zonder "
                 "gepubliceerde prijzen zijn prognose)")


def default_peiljaar(cpi: pd.Series | None = None) -> int:
    """The peiljaar when neither the user nor the case gives one: the year after the last
    year of the CPI series (2025 with the shipped series). A fixed rule, so the same case
    gives the same result next year; it moves only with a new CPI release of the package.

    Parameters
    ----------
    cpi : pandas.Series, optional
        The CPI series by year; by default :func:`mkba.base.prices.cpi_series`.

    Returns
    -------
    int
        The peiljaar.

    Examples
    --------
    >>> default_peiljaar()
    2025
    """
    cpi = cpi_series() if cpi is None else cpi
    return int(cpi.index.max()) + 1


def resolve_years(case: Case, price_year, peiljaar, cpi: pd.Series) -> dict:
    """The price year and peiljaar to use, and where each came from: given by the user
    (``instelling``), stated by the case (table ``casus``: ``casus``) or the fixed rule
    (``regel``).

    Parameters
    ----------
    case : Case
        The case (its ``casus`` table may state both years).
    price_year : int or None
        The price year the user gave; None when not given.
    peiljaar : int or None
        The peiljaar the user gave (first forecast year); None when not given.
    cpi : pandas.Series
        The CPI series by year.

    Returns
    -------
    dict
        ``price_year``, ``price_year_source``, ``peiljaar`` and ``peiljaar_source``.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> y = resolve_years(read_case(DATA_DIR / "voorbeeld"), None, None, cpi_series())
    >>> y["peiljaar"], y["peiljaar_source"]
    (2026, 'casus')
    """
    own = case.case_settings()
    out = {}
    for name, given, rule in (("price_year", price_year, int(cpi.index.max())),
                              ("peiljaar", peiljaar, default_peiljaar(cpi))):
        stated = own.get("prijsjaar" if name == "price_year" else "peiljaar")
        if given is not None:
            out[name], source = int(given), "instelling"
        elif stated is not None:
            out[name], source = int(stated), "casus"
        else:
            out[name], source = rule, "regel"
        out[f"{name}_source"] = source
    return out



@dataclass(frozen=True)
class CheckedParameters:
    """The evaluation parameters after :func:`check_parameters`: the price year filled in
    (the last CPI year when not given), base year and horizon ``None`` when not given.

    Parameters
    ----------
    discount_rate : float
        Real discount rate as a fraction (0.0225 is 2,25 %).
    price_year : int
        Price year of every amount (filled in: the last CPI year when not given).
    base_year : int or None
        Year to discount to; None: each task's start year.
    horizon : int or None
        Last year of benefits; None: each task's own horizon or end year.

    Examples
    --------
    >>> CheckedParameters(0.0225, 2024, None, None).price_year
    2024
    """

    discount_rate: float
    price_year: int
    base_year: int | None
    horizon: int | None


def check_parameters(discount_rate, price_year, base_year, horizon,
                     cpi) -> CheckedParameters:
    """Check the evaluation parameters: the ranges of :class:`mkba.base.settings.Settings`
    (one home), plus a price year within the CPI series ``cpi``.

    Raises :class:`~mkba.base.errors.CaseError` (Dutch message) when a value is out of range.

    Parameters
    ----------
    discount_rate : float
        Real discount rate as a fraction.
    price_year : int or None
        Price year; None for the last CPI year.
    base_year : int or None
        Year to discount to; None for each task's start year.
    horizon : int or None
        Last year of benefits; None for each task's own.
    cpi : pandas.Series
        The CPI series by year (:func:`mkba.base.prices.cpi_series`).

    Returns
    -------
    CheckedParameters
        The checked values.

    Examples
    --------
    >>> from mkba.base.prices import cpi_series
    >>> p = check_parameters(0.0225, None, None, None, cpi_series())
    >>> p.price_year == int(cpi_series().index.max()), p.base_year
    (True, None)
    """

    problems = [p.message for p in Settings(discount_rate=discount_rate, price_year=price_year,
                                            base_year=base_year, horizon=horizon).problems()]
    if discount_rate is None:
        problems.append("discontovoet ontbreekt")
    price_year = int(cpi.index.max()) if price_year is None else price_year
    if not problems and price_year not in cpi.index:
        problems.append(f"prijsjaar {price_year} valt buiten de CPI-reeks "
                        f"({cpi.index.min()}–{cpi.index.max()})")
    if problems:
        raise CaseError("; ".join(problems))
    return CheckedParameters(float(discount_rate), int(price_year),
                             None if base_year is None else int(base_year),
                             None if horizon is None else int(horizon))


def task_frame(case: Case, task, s: CheckedParameters) -> pd.DataFrame:
    """The tasks to evaluate (one, or all when ``task`` is None) with their analysis period:
    columns task_id, name, wijk_code, start_year, end_year (the benefit horizon) and
    base_year. An unknown task is a :class:`~mkba.base.errors.CaseError`.

    Parameters
    ----------
    case : Case
        The case.
    task : str or None
        A task id, or None for every task.
    s : CheckedParameters
        The checked evaluation parameters (base year and horizon).

    Returns
    -------
    pandas.DataFrame
        One row per task.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.base.prices import cpi_series
    >>> s = check_parameters(0.0225, None, None, None, cpi_series())
    >>> task_frame(read_case(DATA_DIR / "voorbeeld"), "T1", s)[
    ...     ["task_id", "start_year", "end_year", "base_year"]].to_dict("records")
    [{'task_id': 'T1', 'start_year': 2018, 'end_year': 2027, 'base_year': 2018}]
    """
    tasks = case.taken[["taak_id", "naam", "wijk_code", "startjaar", "eindjaar", "horizonjaar"]]
    if task is not None:
        tasks = tasks[tasks["taak_id"] == task]
        if tasks.empty:
            raise CaseError(f"onbekende taak '{task}' (bekend: "
                            + ", ".join(case.taken["taak_id"]) + ")")
    start = tasks["startjaar"].to_numpy(dtype=int)
    # the benefit horizon: --horizon N for every task, else the task's horizonjaar, else its
    # eindjaar; effects count up to it (also after eindjaar) and residual values are taken there
    own = tasks["horizonjaar"].to_numpy(dtype=float, na_value=np.nan)
    own = np.where(np.isnan(own), tasks["eindjaar"].to_numpy(dtype=float), own).astype(int)
    end = start + s.horizon - 1 if s.horizon else own
    return pd.DataFrame({
        "task_id": tasks["taak_id"].to_numpy(), "name": tasks["naam"].to_numpy(),
        "wijk_code": tasks["wijk_code"].to_numpy(), "start_year": start, "end_year": end,
        "base_year": np.full(len(start), s.base_year) if s.base_year is not None else start,
    })


def _yearly(flows: pd.DataFrame, keys: Keys, rate: float) -> pd.DataFrame:
    """Every year of each key's period (also years without flows), summed with bincount."""
    start, end = keys.column("start_year"), keys.column("end_year")
    n = end - start + 1
    offset = np.cumsum(n) - n
    key = np.repeat(np.arange(len(n)), n)
    year = start[key] + np.arange(n.sum()) - offset[key]
    k = flows["key"].to_numpy()
    cell = offset[k] + flows["year"].to_numpy() - start[k]
    kind = flows["kind"].cat.codes.to_numpy()
    amount = flows["amount"].to_numpy()

    def total(mask):
        return np.bincount(cell[mask], weights=amount[mask], minlength=int(n.sum()))

    y = pd.DataFrame({
        "key": key, "year": year,
        "costs": total(kind == FlowKind.COST), "benefits": total(kind == FlowKind.BENEFIT),
        "transfers": total((kind == FlowKind.TRANSFER) & (amount > 0)),
    })
    y["net"] = y["benefits"] - y["costs"]
    y["discount_factor"] = discount_factors(year, keys.column("base_year")[key], rate)
    y["pv_net"] = y["net"] * y["discount_factor"]
    y["cumulative_pv_net"] = y.groupby("key", sort=False)["pv_net"].cumsum()
    return y


def _per_key_indicators(yearly: pd.DataFrame, n_keys: int) -> pd.DataFrame:
    """IRR, payback year and number of sign changes per key (contiguous blocks of years).

    Without an investment phase neither IRR nor payback year means anything (``irr_note``
    says why). An IRR above the cap is not shown as a number (``irr_capped``), but the
    payback year is: the cap is about how the rate reads, not about when the task pays back.
    """
    bounds = np.flatnonzero(np.diff(yearly["key"].to_numpy())) + 1
    parts = zip(np.split(yearly["net"].to_numpy(), bounds),
                np.split(yearly["pv_net"].to_numpy(), bounds),
                np.split(yearly["year"].to_numpy(), bounds), strict=True)
    rows = []
    for net, pv, year in parts:
        signs = np.sign(net[np.abs(net) > _TOL])
        note = investment_phase(net)
        rate = None if note else irr(net)
        payback = None if note else payback_year(year, pv)
        capped = rate is not None and rate > IRR_MAX_SHOWN
        if capped:
            note = irr_too_high(rate)
        rows.append((None if note else rate, payback, int(np.sum(signs[1:] != signs[:-1])),
                     note, capped))
    out = pd.DataFrame(rows, columns=["irr", "payback_year", "sign_changes", "irr_note",
                                      "irr_capped"])
    out["irr"] = out["irr"].astype(float)
    out["payback_year"] = out["payback_year"].astype("Int64")
    return out


def _actor_table(flows: pd.DataFrame, keys: Keys) -> pd.DataFrame:
    is_cost = (flows["kind"] == COST).to_numpy()
    a = pd.DataFrame({
        "key": flows["key"].to_numpy(), "actor": flows["actor"].cat.codes.to_numpy(),
        "pv_costs": np.where(is_cost, flows["pv"], 0.0),
        "pv_benefits": np.where(is_cost, 0.0, flows["pv"]),
    })
    out = a.groupby(["key", "actor"], sort=False)[["pv_costs", "pv_benefits"]].sum().reset_index()
    out["npv"] = out["pv_benefits"] - out["pv_costs"]
    out = out.sort_values(["key", "npv"], kind="stable")
    actors = flows["actor"].cat.categories.to_numpy()
    return pd.DataFrame({"key": out["key"].to_numpy(), "actor": actors[out["actor"].to_numpy()],
                         "pv_costs": out["pv_costs"].to_numpy(),
                         "pv_benefits": out["pv_benefits"].to_numpy(),
                         "npv": out["npv"].to_numpy()})


def _totals(flows: pd.DataFrame, keys: Keys, yearly: pd.DataFrame, n_pm) -> pd.DataFrame:
    n = len(keys.frame)
    k, pv = flows["key"].to_numpy(), flows["pv"].to_numpy()
    kind = flows["kind"].cat.codes.to_numpy()
    t = keys.frame.copy()
    cost, benefit = kind == FlowKind.COST, kind == FlowKind.BENEFIT
    t["pv_costs"] = np.bincount(k[cost], weights=pv[cost], minlength=n)
    t["pv_benefits"] = np.bincount(k[benefit], weights=pv[benefit], minlength=n)
    forecast = flows["forecast"].to_numpy()
    for name, code in (("costs", FlowKind.COST), ("benefits", FlowKind.BENEFIT)):
        for part, mask in (("realised", ~forecast), ("forecast", forecast)):
            m = (kind == code) & mask
            t[f"pv_{name}_{part}"] = np.bincount(k[m], weights=pv[m], minlength=n)
    t["npv"] = t["pv_benefits"] - t["pv_costs"]
    costs = t["pv_costs"].to_numpy()
    t["bc_ratio"] = np.where(costs > _TOL, t["pv_benefits"] / np.where(costs > _TOL, costs, 1.0),
                             np.nan)
    res = flows["residual"].to_numpy()
    t["pv_residual"] = np.bincount(k[res], weights=pv[res], minlength=n)
    t = pd.concat([t, _per_key_indicators(yearly, n)], axis=1)
    t["n_pm"] = n_pm
    return t




def _volunteer_methods(flows, totals, case, vol, price_year, cpi) -> list[dict]:
    """Per key: the NPV under every valuation method of volunteer time, and the switching
    value per hour (the value of an hour at which the NPV is zero).

    The NPV is linear in the value of an hour: NPV(w) = NPV_nul − H × w, with H the
    volunteer hours discounted (and optimism-corrected in forecast years). So every method
    follows from one evaluation.
    """
    n = len(totals)
    k = flows["key"].to_numpy()
    hours, pv = flows["hours"].to_numpy(), flows["pv"].to_numpy()
    df = flows["discount_factor"].to_numpy()
    vol_rows = hours > 0
    h = np.bincount(k[vol_rows], weights=hours[vol_rows] * df[vol_rows], minlength=n)
    chosen_pv = np.bincount(k[vol_rows], weights=pv[vol_rows], minlength=n)
    repl = np.bincount(k[vol_rows], weights=(hours * df * np.nan_to_num(
        flows["v_repl"].to_numpy()))[vol_rows], minlength=n)
    npv_nul = totals["npv"].to_numpy() + chosen_pv
    fixed = {}
    for method, code in (("marktwaarde", vol["market_value_code"]),
                         ("gederfd_loon", vol["wage_code"])):
        try:
            v, i = kengetal_value(case.kengetallen, code, price_year, cpi, method)
            fixed[method] = (v * i, code, None)
        except CaseError:
            what = ("nettoloon per uur, met bron" if method == "gederfd_loon"
                    else "marktprijs per uur van de dienst")
            fixed[method] = (None, code, f"kengetal '{code}' ({what}) ontbreekt in de casus")
    out = []
    for j in range(n):
        if h[j] <= _TOL:
            out.append({"method": vol["method"], "hours_pv": 0.0,
                        "switching_value_per_hour": None, "methods": []})
            continue
        rows = [{"method": "vervangingskosten", "value_per_hour": repl[j] / h[j],
                 "kengetal": "kengetal van de regel", "npv": npv_nul[j] - repl[j], "note": None}]
        for method in ("marktwaarde", "gederfd_loon"):
            value, code, note = fixed[method]
            rows.append({"method": method, "value_per_hour": value, "kengetal": code,
                         "npv": None if value is None else npv_nul[j] - h[j] * value,
                         "note": note})
        rows.append({"method": "nul", "value_per_hour": 0.0, "kengetal": None,
                     "npv": npv_nul[j], "note": None})
        for r in rows:
            r["chosen"] = r["method"] == vol["method"]
        out.append({"method": vol["method"], "hours_pv": float(h[j]),
                    "switching_value_per_hour": float(npv_nul[j] / h[j]) if npv_nul[j] > 0
                    else None,
                    "switching_note": None if npv_nul[j] > 0 else
                    "geen: ook als een vrijwilligersuur niets waard is, is de NCW niet positief",
                    "methods": [{kk: _none_if_nan(vv) for kk, vv in r.items()} for r in rows]})
    return out


def _pm_table(case: Case, keys: Keys) -> pd.DataFrame:
    e = case.effecten[case.effecten["taak_id"].isin(keys.task_ids) & case.effecten["pm"]]
    rows, ks = line_keys(e, keys)
    out = e.iloc[rows][["effect", "actor", "pm_score", "indicator", "toelichting"]]
    out = out.rename(columns={"toelichting": "explanation"})
    return out.assign(key=ks).reset_index(drop=True)[
        ["key", "effect", "actor", "pm_score", "indicator", "explanation"]]


def _with_names(df: pd.DataFrame, keys: Keys) -> pd.DataFrame:
    """Replace the integer key by task_id and variant."""
    k = df["key"].to_numpy()
    named = df.drop(columns="key")
    named.insert(0, "variant", keys.column("variant")[k])
    named.insert(0, "task_id", keys.column("task_id")[k])
    return named


def evaluate(
    case: Case,
    *,
    discount_rate: float | None = None,
    price_year: int | None = None,
    base_year: int | None = None,
    horizon: int | None = None,
    task: str | None = None,
    volunteer_valuation: str | None = None,
    market_value_code: str | None = None,
    wage_code: str | None = None,
    volunteer_benefit_code: str | None = None,
    peiljaar: int | None = None,
    settings=None,
) -> Evaluation:
    """Compute the MKBA of every task and variant of a case.

    Parameters
    ----------
    case : Case
        A validated case (:func:`mkba.read_case`).
    discount_rate : float, optional
        Real discount rate as a fraction; default (``None``) 0.0225, the Dutch standard
        since 2021. As everywhere in mkba, ``None`` means "not chosen": the default applies.
    price_year : int, optional
        Price level of all amounts; default the case's ``prijsjaar`` (table ``casus``), else
        the last year of the CPI series.
    base_year : int, optional
        Year to discount to; default each task's ``startjaar``.
    horizon : int, optional
        Analyse ``horizon`` years from ``startjaar`` instead of up to ``eindjaar``.
    task : str, optional
        Only this task.
    volunteer_valuation : {"vervangingskosten", "marktwaarde", "gederfd_loon", "nul"}, optional
        How an hour of volunteer work (cost lines of soort ``vrijwilligersinzet``) is valued:
        at the line's kengetal (replacement cost, default), at the market price of the
        service (kengetal ``market_value_code``), at the forgone wage (kengetal
        ``wage_code``), or not at all. No official Dutch value exists, so the choice is
        explicit; every result also shows the NPV under each method side by side.
        Default (``None``): ``vervangingskosten``.
    market_value_code : str, default "marktprijs_uur"
        Kengetal with the market price per hour of the service, for ``marktwaarde``.
    wage_code : str, default "nettoloon_uur"
        Kengetal with the forgone net wage per hour (the value of the volunteer's own time),
        for ``gederfd_loon``; the case must supply it, with a source.
    volunteer_benefit_code : str, optional
        Kengetal with the value of volunteering to the volunteer per hour; booked as a
        benefit to the volunteers for the same hours. Default none.
    peiljaar : int, optional
        First year that is a forecast. Default: the case's ``peiljaar`` (table ``casus``),
        else the fixed rule :func:`default_peiljaar` (never today's date). Earlier years are
        realised: no optimism correction; results split present values into both.
    settings : mkba.base.settings.Settings, optional
        All of the above at once, as the CLI, the report and the batch build them (checked;
        an unset field takes its default). Give either ``settings`` or the separate
        arguments, not both; a scenario in ``settings`` is applied by
        :func:`mkba.analysis.pipeline.run`, not here.

    Returns
    -------
    Evaluation

    Notes
    -----
    Optimism bias (``optimisme_kosten``/``optimisme_baten`` per task, ``optimisme`` per line)
    applies to forecast years only and moves every line towards "worse": a cost × (1 + o), a
    negative cost × (1 − o), a benefit × (1 − o), a disbenefit × (1 + o).
    See the module docstring for the exact formulas. The computation is vectorised over
    line-years (:mod:`mkba.engine.flows`); the only per-task loop computes the IRR and payback year.

    References
    ----------
    Algemene MKBA-leidraad (CPB/PBL, 2013); Werkwijzer MKBA in het sociale domein (2017).

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> ev = evaluate(read_case(DATA_DIR / "voorbeeld"), discount_rate=0.0225)
    >>> ev.parameters["price_year"]
    2024
    >>> r = ev.results()[0]
    >>> bool(abs(r.by_actor()["npv"].sum() - r.npv) < 1e-6)
    True
    >>> from mkba.base.settings import Settings
    >>> same = evaluate(read_case(DATA_DIR / "voorbeeld"), settings=Settings(discount_rate=0.0225))
    >>> bool(same.results()[0].npv == r.npv)
    True
    """
    if settings is not None:
        given = {"discount_rate": discount_rate, "price_year": price_year,
                 "base_year": base_year, "horizon": horizon,
                 "volunteer_valuation": volunteer_valuation,
                 "market_value_code": market_value_code, "wage_code": wage_code,
                 "volunteer_benefit_code": volunteer_benefit_code, "peiljaar": peiljaar}
        both = sorted(k for k, v in given.items() if v is not None)
        if both:
            raise CaseError("instellingen: geef ze als settings óf als losse argumenten, niet "
                            "allebei (ook los gegeven: " + ", ".join(both) + ")")
        if settings.scenario:
            raise CaseError("instellingen: evaluate past geen scenario toe; gebruik "
                            "mkba.analysis.pipeline.run (zoals mkba evaluate --scenario)")
        return evaluate(case, task=task, **settings.validate().evaluation())
    if discount_rate is None:
        discount_rate = DISCOUNT_RATE
    if volunteer_valuation is None:
        volunteer_valuation = VOLUNTEER_VALUATION
    cpi = cpi_series()
    years = resolve_years(case, price_year, peiljaar, cpi)
    s = check_parameters(discount_rate, years["price_year"], base_year, horizon, cpi)
    keys = build_keys(case, task_frame(case, task, s))
    warnings: dict[str, list[str]] = {}
    vol = volunteer_settings({"method": volunteer_valuation,
                              "market_value_code": market_value_code, "wage_code": wage_code,
                              "benefit_code": volunteer_benefit_code})
    peil = years["peiljaar"]
    flows = cash_flows(case, keys, s.price_year, cpi, warnings, vol, peil)
    k = flows["key"].to_numpy()
    flows["discount_factor"] = discount_factors(flows["year"].to_numpy(),
                                                keys.column("base_year")[k], s.discount_rate)
    flows["pv"] = flows["amount"] * flows["discount_factor"]

    yearly = _yearly(flows, keys, s.discount_rate)
    pm = _pm_table(case, keys)
    totals = _totals(flows, keys, yearly, np.bincount(pm["key"].to_numpy(dtype=int),
                                                      minlength=len(keys.frame)))
    totals["volunteer"] = _volunteer_methods(flows, totals, case, vol, s.price_year, cpi)
    for t in totals[totals["irr"].notna() & (totals["sign_changes"] > 1)].itertuples():
        warnings.setdefault(t.task_id, []).append(
            f"{t.variant}: de netto kasstroom wisselt meer dan eens van teken; de IRR is "
            "niet eenduidig (de waarde dichtst bij 0 is gekozen)")
    financing = case.financiering[case.financiering["taak_id"].isin(keys.task_ids)]
    parameters = {
        "discount_rate": s.discount_rate,
        "price_year": s.price_year,
        "base_year": s.base_year,
        "horizon": s.horizon,
        "cpi_series": f"CBS 83131NED {int(cpi.index.min())}–{int(cpi.index.max())}",
        "cpi_derived_years": list(derived_cpi_years()),
        "volunteer_valuation": volunteer_valuation,
        "market_value_code": vol["market_value_code"] if volunteer_valuation == "marktwaarde"
        else None,
        "wage_code": vol["wage_code"] if volunteer_valuation == "gederfd_loon" else None,
        "volunteer_benefit_code": vol["benefit_code"],
        "peiljaar": peil,
        "peiljaar_source": years["peiljaar_source"],
        "price_year_source": years["price_year_source"],
    }
    return Evaluation(
        parameters=parameters, tasks=keys.frame[["task_id", "name", "wijk_code"]]
        .drop_duplicates("task_id").reset_index(drop=True),
        totals=totals, actors=_with_names(_actor_table(flows, keys), keys),
        yearly=_with_names(yearly, keys),
        cashflows=_with_names(flows.drop(columns=["hours", "v_repl", "residual"]), keys),
        pm=_with_names(pm, keys),
        financing=financing[["taak_id", "jaar", "bron", "soort", "bedrag", "variant"]]
        .reset_index(drop=True),
        warnings=warnings, case_warnings=tuple(str(w) for w in case.warnings),
    )
