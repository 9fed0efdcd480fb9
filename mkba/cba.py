"""The societal cost-benefit analysis (MKBA): cash flows per year, actor and variant, and results.

Semantics (so that any analyst can recompute a figure by hand):

1. **Price level.** Every amount is indexed to one price year ``P`` (default: the last CPI
   year): ``amount × CPI[P] / CPI[prijsjaar]``. A value taken from a kengetal is in the
   kengetal's prijsjaar; an empty prijsjaar on a line with its own amount means ``P``.
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
   :mod:`mkba.prices` for the sign convention.
8. **Variants.** A line with an empty ``variant`` belongs to every variant of its task; a task
   without named variants has one variant, ``project``.

Results per task and variant: ``pv_costs``, ``pv_benefits``, ``npv = pv_benefits − pv_costs``,
``bc_ratio = pv_benefits / pv_costs``, ``irr`` of the societal net flow from ``startjaar``
(transfers excluded), ``payback_year``, the table per actor (whose ``npv`` sum to the societal
``npv``), the municipality's own balance, the PM list, the yearly flows and the financing mix.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy_financial as npf
import pandas as pd

from .assumptions import DISCOUNT_RATE
from .errors import CaseError
from .formatting import fmt_eur, fmt_eur_compact, fmt_pct, fmt_ratio
from .io import Case
from .prices import cpi_series, derived_cpi_years, discount_factors, index_factor
from .schema import MUNICIPALITY

__all__ = ["evaluate", "Evaluation", "MkbaResult", "npv", "irr", "payback_year"]

COST, BENEFIT, TRANSFER = "kosten", "baten", "overdracht"
_TOL = 1e-6  # euros: below this a cumulative flow counts as zero


# --------------------------------------------------------------------------------------
# textbook functions on one flow series


def npv(rate: float, values, start: int = 0) -> float:
    """Net present value of yearly flows, the first in year ``start`` relative to the base year.

    ``Σ_t values[t] × (1 + rate) ** −(t + start)``.

    Examples
    --------
    >>> round(npv(0.1, [-100, 60, 60]), 4)
    4.1322
    >>> npv(0.0, [1, 2, 3])
    6.0
    """
    values = np.asarray(values, dtype=float)
    t = np.arange(len(values)) + start
    return float(np.sum(values * np.power(1.0 + rate, -t)))


def irr(values) -> float | None:
    """Internal rate of return of yearly net flows (first element = first year).

    ``None`` when the flows never change sign or no real rate solves ``npv(rate) = 0``.
    With several sign changes several rates may solve it; numpy-financial returns the one
    closest to zero.

    References
    ----------
    numpy-financial ``irr`` (roots of the NPV polynomial).

    Examples
    --------
    >>> round(irr([-100, 39, 59, 55, 20]), 5)
    0.28095
    >>> irr([100, 20]) is None
    True
    """
    values = np.asarray(values, dtype=float)
    signs = np.sign(values[np.abs(values) > _TOL])
    if len(signs) == 0 or (signs > 0).all() or (signs < 0).all():
        return None
    rate = npf.irr(values)
    return None if not np.isfinite(rate) else float(rate)


def payback_year(years, discounted_net) -> int | None:
    """First year whose cumulative discounted net flow is ≥ 0, counted from the first
    year with a non-zero flow; ``None`` if none.

    Starting at the first non-zero flow keeps empty leading years from counting as an
    immediate payback.

    Examples
    --------
    >>> payback_year([2020, 2021, 2022, 2023], [-100, 40, 40, 40])
    2023
    >>> payback_year([2020, 2021], [-100, 40]) is None
    True
    """
    years = np.asarray(years)
    flows = np.asarray(discounted_net, dtype=float)
    nonzero = np.flatnonzero(np.abs(flows) > _TOL)
    if len(nonzero) == 0:
        return None
    cumulative = np.cumsum(flows)
    hits = np.flatnonzero(cumulative[nonzero[0]:] >= -_TOL)
    return int(years[nonzero[0] + hits[0]]) if len(hits) else None


# --------------------------------------------------------------------------------------
# result objects


def _none_if_nan(value):
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: _none_if_nan(v) for k, v in rec.items()} for rec in df.to_dict("records")]


@dataclass(frozen=True)
class MkbaResult:
    """The MKBA of one task and variant. Amounts in euros of ``parameters['price_year']``,
    discounted to the base year.

    Use :meth:`summary`, :meth:`by_actor`, :meth:`yearly`, :meth:`pm`, :meth:`to_dict`.
    """

    task_id: str
    variant: str
    name: str
    wijk_code: str
    start_year: int
    end_year: int
    base_year: int
    pv_costs: float
    pv_benefits: float
    npv: float
    bc_ratio: float | None
    irr: float | None
    payback_year: int | None
    financing: dict
    warnings: tuple[str, ...]
    parameters: dict
    _by_actor: pd.DataFrame = field(repr=False)
    _yearly: pd.DataFrame = field(repr=False)
    _pm: pd.DataFrame = field(repr=False)

    def __repr__(self) -> str:
        return (f"<MkbaResult {self.task_id} {self.variant}: NCW {fmt_eur_compact(self.npv)}, "
                f"B/K {fmt_ratio(self.bc_ratio, 1)}>")

    @property
    def municipality(self) -> dict:
        """The municipality's own balance (actor ``gemeente``): pv_costs, pv_benefits, npv."""
        row = self._by_actor[self._by_actor["actor"].str.casefold() == MUNICIPALITY]
        return {k: float(row[k].sum()) for k in ("pv_costs", "pv_benefits", "npv")}

    def by_actor(self) -> pd.DataFrame:
        """Who pays and who gains: pv_costs, pv_benefits and npv per actor (transfers included)."""
        return self._by_actor.copy()

    def yearly(self) -> pd.DataFrame:
        """Flows per year: costs, benefits, gross transfers, net, discount factor, discounted."""
        return self._yearly.copy()

    def pm(self) -> pd.DataFrame:
        """Effects that are not priced, with their qualitative score."""
        return self._pm.copy()

    def summary(self) -> pd.DataFrame:
        """The headline figures as a two-column table with Dutch labels and formats."""
        p = self.parameters
        rows = [
            ("Taak", f"{self.task_id} — {self.name}"),
            ("Variant", self.variant),
            ("Wijk", self.wijk_code),
            ("Periode", f"{self.start_year}–{self.end_year}"),
            ("Contante waarde kosten", fmt_eur(self.pv_costs)),
            ("Contante waarde baten", fmt_eur(self.pv_benefits)),
            ("Netto contante waarde (NCW)", fmt_eur(self.npv)),
            ("Baten/kostenverhouding", fmt_ratio(self.bc_ratio)),
            ("Interne rentevoet", fmt_pct(self.irr)),
            ("Terugverdienjaar", "–" if self.payback_year is None else str(self.payback_year)),
            ("Saldo gemeente", fmt_eur(self.municipality["npv"])),
            ("Hefboom (euro van anderen per gemeente-euro)", fmt_ratio(self.financing["leverage"])),
            ("PM-posten", str(len(self._pm))),
            ("Prijspeil / basisjaar / discontovoet",
             f"{p['price_year']} / {self.base_year} / {fmt_pct(p['discount_rate'], 2)}"),
        ]
        return pd.DataFrame(rows, columns=["Onderdeel", "Waarde"]).set_index("Onderdeel")

    def _repr_html_(self) -> str:
        return (f"<p><b>{_escape(repr(self))}</b></p>" + self.summary().to_html()
                + "<p>Per actor</p>" + self.by_actor().to_html(index=False))

    def to_dict(self) -> dict[str, Any]:
        """Plain types only (JSON-ready); missing values are ``None``."""
        return {
            "task_id": self.task_id,
            "variant": self.variant,
            "naam": self.name,
            "wijk_code": self.wijk_code,
            "start_year": self.start_year,
            "end_year": self.end_year,
            "base_year": self.base_year,
            "pv_costs": self.pv_costs,
            "pv_benefits": self.pv_benefits,
            "npv": self.npv,
            "bc_ratio": _none_if_nan(self.bc_ratio),
            "irr": _none_if_nan(self.irr),
            "payback_year": self.payback_year,
            "by_actor": _records(self._by_actor),
            "municipality": self.municipality,
            "pm": _records(self._pm),
            "yearly": _records(self._yearly),
            "financing": self.financing,
            "warnings": list(self.warnings),
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


@dataclass(frozen=True)
class Evaluation:
    """The MKBA of every task and variant of a case, as tidy tables.

    ``totals`` has one row per task and variant; ``actors``, ``yearly``, ``cashflows`` and
    ``pm`` are long tables keyed by ``task_id`` and ``variant``. :meth:`result` gives the
    :class:`MkbaResult` of one task and variant.
    """

    parameters: dict
    tasks: pd.DataFrame
    totals: pd.DataFrame
    actors: pd.DataFrame
    yearly: pd.DataFrame
    cashflows: pd.DataFrame
    pm: pd.DataFrame
    financing: pd.DataFrame
    warnings: dict
    case_warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (f"<Evaluation {len(self.totals)} taak/variant-combinaties, "
                f"NCW totaal {fmt_eur_compact(self.totals['npv'].sum())}>")

    def __len__(self) -> int:
        return len(self.totals)

    def result(self, task_id: str, variant: str | None = None) -> MkbaResult:
        """The result of one task; ``variant`` may be left out when the task has only one."""
        rows = self.totals[self.totals["task_id"] == task_id]
        if rows.empty:
            raise CaseError(f"onbekende taak '{task_id}'")
        if variant is None:
            if len(rows) > 1:
                raise CaseError(f"taak {task_id} heeft varianten: "
                                + ", ".join(rows["variant"]) + "; kies er één")
            variant = rows["variant"].iloc[0]
        if variant not in set(rows["variant"]):
            raise CaseError(f"taak {task_id} heeft geen variant '{variant}'")
        return self._build(rows[rows["variant"] == variant].iloc[0], _Parts(self))

    def results(self) -> list[MkbaResult]:
        """All results, in the order of the case's tasks."""
        parts = _Parts(self)
        return [self._build(row, parts) for _, row in self.totals.iterrows()]

    def _build(self, row, parts) -> MkbaResult:
        key = (row["task_id"], row["variant"])
        fin = parts.financing.get(row["task_id"], _financing_dict(self.financing.iloc[0:0]))
        return MkbaResult(
            task_id=row["task_id"], variant=row["variant"], name=row["naam"],
            wijk_code=row["wijk_code"], start_year=int(row["start_year"]),
            end_year=int(row["end_year"]), base_year=int(row["base_year"]),
            pv_costs=float(row["pv_costs"]), pv_benefits=float(row["pv_benefits"]),
            npv=float(row["npv"]), bc_ratio=_none_if_nan(row["bc_ratio"]),
            irr=_none_if_nan(row["irr"]), payback_year=_none_if_nan(row["payback_year"]),
            financing=fin, warnings=tuple(self.warnings.get(row["task_id"], ())),
            parameters=self.parameters,
            _by_actor=parts.get("actors", key), _yearly=parts.get("yearly", key),
            _pm=parts.get("pm", key),
        )

    def summary(self) -> pd.DataFrame:
        """One row per task and variant with Dutch headers (amounts as numbers)."""
        t = self.totals
        return pd.DataFrame({
            "taak": t["task_id"], "naam": t["naam"], "variant": t["variant"],
            "wijk": t["wijk_code"], "periode": t["start_year"].astype(str) + "–"
            + t["end_year"].astype(str),
            "CW kosten": t["pv_costs"], "CW baten": t["pv_benefits"], "NCW": t["npv"],
            "B/K": t["bc_ratio"], "IRR": t["irr"], "terugverdienjaar": t["payback_year"],
            "PM-posten": t["n_pm"],
        }).reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "tasks": [r.to_dict() for r in self.results()],
            "warnings": list(self.case_warnings),
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


class _Parts:
    """The long tables of an evaluation split once by (task_id, variant)."""

    def __init__(self, ev: Evaluation):
        self._groups = {
            name: {k: g.drop(columns=["task_id", "variant"]).reset_index(drop=True)
                   for k, g in getattr(ev, name).groupby(["task_id", "variant"], sort=False)}
            for name in ("actors", "yearly", "pm")
        }
        self._empty = {name: getattr(ev, name).drop(columns=["task_id", "variant"]).iloc[0:0]
                       for name in ("actors", "yearly", "pm")}
        self.financing = {t: _financing_dict(g) for t, g in ev.financing.groupby("taak_id")}

    def get(self, name, key) -> pd.DataFrame:
        return self._groups[name].get(key, self._empty[name])


def _financing_dict(df: pd.DataFrame) -> dict:
    is_municipal = df["bron"].str.casefold() == MUNICIPALITY
    counts = ~is_municipal & (df["soort"] != "garantstelling")
    municipal = float(df.loc[is_municipal, "bedrag"].sum())
    others = float(df.loc[counts, "bedrag"].sum())
    return {
        "per_bron": {k: float(v) for k, v in df.groupby("bron")["bedrag"].sum().items()},
        "per_soort": {k: float(v) for k, v in df.groupby("soort")["bedrag"].sum().items()},
        "total": float(df["bedrag"].sum()),
        "municipal": municipal,
        "others": others,
        "leverage": others / municipal if municipal > 0 else None,
    }


# --------------------------------------------------------------------------------------
# the computation


@dataclass(frozen=True)
class _Settings:
    discount_rate: float
    price_year: int
    base_year: int | None
    horizon: int | None


def _check_parameters(discount_rate, price_year, base_year, horizon, cpi) -> _Settings:
    problems = []
    if not (-1 < discount_rate < 1):
        problems.append(f"discontovoet {discount_rate} moet een fractie zijn, bijv. 0.0225")
    price_year = int(cpi.index.max()) if price_year is None else int(price_year)
    if price_year not in cpi.index:
        problems.append(f"prijsjaar {price_year} valt buiten de CPI-reeks "
                        f"({cpi.index.min()}–{cpi.index.max()})")
    if horizon is not None and int(horizon) < 1:
        problems.append(f"horizon {horizon} moet minstens 1 jaar zijn")
    if problems:
        raise CaseError("; ".join(problems))
    return _Settings(float(discount_rate), price_year,
                     None if base_year is None else int(base_year),
                     None if horizon is None else int(horizon))


def _task_frame(case: Case, task, s: _Settings) -> pd.DataFrame:
    tasks = case.taken[["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"]].rename(
        columns={"taak_id": "task_id", "naam": "naam", "startjaar": "start_year"})
    if task is not None:
        tasks = tasks[tasks["task_id"] == task]
        if tasks.empty:
            raise CaseError(f"onbekende taak '{task}' (bekend: "
                            + ", ".join(case.taken["taak_id"]) + ")")
    tasks = tasks.assign(
        start_year=tasks["start_year"].astype(int),
        end_year=(tasks["start_year"] + s.horizon - 1) if s.horizon else tasks["eindjaar"],
    ).drop(columns="eindjaar")
    tasks["end_year"] = tasks["end_year"].astype(int)
    tasks["base_year"] = s.base_year if s.base_year is not None else tasks["start_year"]
    return tasks.reset_index(drop=True)


def _expand_variants(lines: pd.DataFrame, variants: pd.DataFrame) -> pd.DataFrame:
    """Lines with an empty variant are copied to every variant of their task."""
    named = lines[lines["variant"].notna()]
    shared = lines[lines["variant"].isna()].drop(columns="variant")
    shared = shared.merge(variants, left_on="taak_id", right_on="taak_id", how="inner")
    return pd.concat([named, shared[named.columns]], ignore_index=True)


def _unit_values(lines, value_col, kengetallen, s: _Settings, cpi) -> np.ndarray:
    """Value per unit (or amount) in price year P: own value or kengetal, indexed with the CPI."""
    k = kengetallen.set_index("code")
    from_ref = lines["kengetal"].notna().to_numpy()
    refs = lines["kengetal"].where(from_ref)
    value = np.where(from_ref, refs.map(k["waarde"]).to_numpy(dtype=float),
                     lines[value_col].to_numpy(dtype=float))
    own_year = lines["prijsjaar"].astype("Float64").fillna(s.price_year).to_numpy(dtype=float)
    year = np.where(from_ref, refs.map(k["prijsjaar"]).astype("Float64").to_numpy(
        dtype=float, na_value=np.nan), own_year)
    year = np.where(np.isnan(year), s.price_year, year).astype(int)
    return value * index_factor(year, s.price_year, cpi)


def _cost_flows(case, tasks, variants, s, cpi, warnings) -> pd.DataFrame:
    k = case.kosten[case.kosten["taak_id"].isin(tasks["task_id"])]
    k = _expand_variants(k, variants)
    qty = k["hoeveelheid"].to_numpy(dtype=float)
    unit = _unit_values(k, "bedrag", case.kengetallen, s, cpi)
    amount = np.where(k["kengetal"].notna().to_numpy(), qty * unit, unit)
    period = k[["taak_id"]].merge(tasks, left_on="taak_id", right_on="task_id", how="left")
    inside = ((k["jaar"].to_numpy() >= period["start_year"].to_numpy())
              & (k["jaar"].to_numpy() <= period["end_year"].to_numpy()))
    file = case.files.get("kosten", "kosten.csv")
    seen = set()
    for i in np.flatnonzero(~inside):
        rec, p = k.iloc[i], period.iloc[i]
        if (rec["_row"], rec["taak_id"]) in seen:
            continue
        seen.add((rec["_row"], rec["taak_id"]))
        warnings.setdefault(rec["taak_id"], []).append(
            f"{file}:{rec['_row']}: jaar {rec['jaar']} valt buiten de analyseperiode "
            f"{p['start_year']}–{p['end_year']}; niet meegeteld")
    return pd.DataFrame({
        "task_id": k["taak_id"].to_numpy()[inside],
        "variant": k["variant"].to_numpy()[inside],
        "year": k["jaar"].to_numpy(dtype=int)[inside],
        "actor": k["actor"].to_numpy()[inside],
        "kind": COST,
        "item": k["post"].to_numpy()[inside],
        "source_row": k["_row"].to_numpy()[inside],
        "amount": amount[inside],
    })


def _effect_flows(case, tasks, variants, s, cpi, warnings) -> pd.DataFrame:
    e = case.effecten[case.effecten["taak_id"].isin(tasks["task_id"]) & ~case.effecten["pm"]]
    e = _expand_variants(e, variants)
    unit = _unit_values(e, "waarde_per_eenheid", case.kengetallen, s, cpi)
    frac = [(1 - e[c].fillna(0.0).to_numpy(dtype=float))
            for c in ("deadweight", "attributie", "verdringing")]
    first_value = e["hoeveelheid"].to_numpy(dtype=float) * unit * frac[0] * frac[1] * frac[2]
    keep = 1 - e["afname"].fillna(0.0).to_numpy(dtype=float)
    period = e[["taak_id"]].merge(tasks, left_on="taak_id", right_on="task_id", how="left")
    y_from = e["jaar_van"].to_numpy(dtype=int)
    y_to = e["jaar_tot"].to_numpy(dtype=int)
    lo = np.maximum(y_from, period["start_year"].to_numpy())
    hi = np.minimum(y_to, period["end_year"].to_numpy())
    _warn_effect_period(e, period, lo, hi, case.files.get("effecten", "effecten.csv"), warnings)
    n = np.clip(hi - lo + 1, 0, None)
    line = np.repeat(np.arange(len(e)), n)
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    year = lo[line] + offset
    value = first_value[line] * np.power(keep[line], year - y_from[line])
    base = pd.DataFrame({
        "task_id": e["taak_id"].to_numpy()[line],
        "variant": e["variant"].to_numpy()[line],
        "year": year,
        "actor": e["actor"].to_numpy()[line],
        "kind": BENEFIT,
        "item": e["effect"].to_numpy()[line],
        "source_row": e["_row"].to_numpy()[line],
        "amount": value,
    })
    is_transfer = e["overdracht_van"].notna().to_numpy()[line]
    base.loc[is_transfer, "kind"] = TRANSFER
    loser = base[is_transfer].assign(
        actor=e["overdracht_van"].to_numpy()[line][is_transfer],
        amount=-value[is_transfer],
    )
    return pd.concat([base, loser], ignore_index=True)


def _warn_effect_period(e, period, lo, hi, file, warnings):
    y_from, y_to = e["jaar_van"].to_numpy(), e["jaar_tot"].to_numpy()
    cut = (lo > y_from) | (hi < y_to)
    seen = set()
    for i in np.flatnonzero(cut):
        rec, p = e.iloc[i], period.iloc[i]
        if (rec["_row"], rec["taak_id"]) in seen:
            continue
        seen.add((rec["_row"], rec["taak_id"]))
        if hi[i] < lo[i]:
            text = "valt helemaal buiten"
            counted = "niet meegeteld"
        else:
            text = "valt deels buiten"
            counted = f"alleen {lo[i]}–{hi[i]} meegeteld"
        warnings.setdefault(rec["taak_id"], []).append(
            f"{file}:{rec['_row']}: effect '{rec['effect']}' ({y_from[i]}–{y_to[i]}) {text} de "
            f"analyseperiode {p['start_year']}–{p['end_year']}; {counted}")


def _yearly(flows: pd.DataFrame, keys: pd.DataFrame, rate: float) -> pd.DataFrame:
    """Every year of each task's period, also the years without flows."""
    n = (keys["end_year"] - keys["start_year"] + 1).to_numpy()
    idx = np.repeat(np.arange(len(keys)), n)
    years = keys["start_year"].to_numpy()[idx] + (
        np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n))
    grid = pd.DataFrame({"task_id": keys["task_id"].to_numpy()[idx],
                         "variant": keys["variant"].to_numpy()[idx], "year": years,
                         "base_year": keys["base_year"].to_numpy()[idx]})
    wide = (flows.assign(amount=np.where(flows["kind"] == TRANSFER,
                                         flows["amount"].clip(lower=0), flows["amount"]))
            .pivot_table(index=["task_id", "variant", "year"], columns="kind", values="amount",
                         aggfunc="sum", fill_value=0.0)
            .reindex(columns=[COST, BENEFIT, TRANSFER], fill_value=0.0).reset_index())
    y = grid.merge(wide, on=["task_id", "variant", "year"], how="left").fillna(
        {COST: 0.0, BENEFIT: 0.0, TRANSFER: 0.0})
    y = y.rename(columns={COST: "costs", BENEFIT: "benefits", TRANSFER: "transfers"})
    y["net"] = y["benefits"] - y["costs"]
    y["discount_factor"] = discount_factors(y["year"], y["base_year"], rate)
    y["pv_net"] = y["net"] * y["discount_factor"]
    y["cumulative_pv_net"] = y.groupby(["task_id", "variant"], sort=False)["pv_net"].cumsum()
    return y.drop(columns="base_year")


def _per_task_indicators(yearly: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (task_id, variant), g in yearly.groupby(["task_id", "variant"], sort=False):
        rows.append({
            "task_id": task_id, "variant": variant,
            "irr": irr(g["net"].to_numpy()),
            "payback_year": payback_year(g["year"].to_numpy(), g["pv_net"].to_numpy()),
        })
    out = pd.DataFrame(rows, columns=["task_id", "variant", "irr", "payback_year"])
    out["irr"] = out["irr"].astype(float)
    out["payback_year"] = out["payback_year"].astype("Int64")
    return out


def _pm_table(case, tasks, variants) -> pd.DataFrame:
    e = case.effecten[case.effecten["taak_id"].isin(tasks["task_id"]) & case.effecten["pm"]]
    e = _expand_variants(e, variants)
    return pd.DataFrame({
        "task_id": e["taak_id"], "variant": e["variant"], "effect": e["effect"],
        "actor": e["actor"], "pm_score": e["pm_score"], "indicator": e["indicator"],
        "toelichting": e["toelichting"],
    }).reset_index(drop=True)


def evaluate(
    case: Case,
    *,
    discount_rate: float = DISCOUNT_RATE,
    price_year: int | None = None,
    base_year: int | None = None,
    horizon: int | None = None,
    task: str | None = None,
) -> Evaluation:
    """Compute the MKBA of every task and variant of a case.

    Parameters
    ----------
    case : Case
        A validated case (:func:`mkba.read_case`).
    discount_rate : float, default 0.0225
        Real discount rate as a fraction (Dutch standard since 2021).
    price_year : int, optional
        Price level of all amounts; default the last year of the CPI series.
    base_year : int, optional
        Year to discount to; default each task's ``startjaar``.
    horizon : int, optional
        Analyse ``horizon`` years from ``startjaar`` instead of up to ``eindjaar``.
    task : str, optional
        Only this task.

    Returns
    -------
    Evaluation

    Notes
    -----
    See the module docstring for the exact formulas. The computation is vectorised over
    line-years; the only per-task loop computes the IRR and the payback year.

    References
    ----------
    Algemene MKBA-leidraad (CPB/PBL, 2013); Werkwijzer MKBA in het sociale domein (2017).

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.assumptions import DATA_DIR
    >>> ev = evaluate(read_case(DATA_DIR / "voorbeeld"), discount_rate=0.0225)
    >>> ev.parameters["price_year"]
    2024
    >>> r = ev.results()[0]
    >>> bool(abs(r.by_actor()["npv"].sum() - r.npv) < 1e-6)
    True
    """
    cpi = cpi_series()
    s = _check_parameters(discount_rate, price_year, base_year, horizon, cpi)
    tasks = _task_frame(case, task, s)
    keys = case.task_variants().rename(columns={"taak_id": "task_id"})
    keys = keys[keys["task_id"].isin(tasks["task_id"])].merge(tasks, on="task_id", how="left")
    variants = keys[["task_id", "variant"]].rename(columns={"task_id": "taak_id"})
    warnings: dict[str, list[str]] = {}
    flows = pd.concat([_cost_flows(case, tasks, variants, s, cpi, warnings),
                       _effect_flows(case, tasks, variants, s, cpi, warnings)],
                      ignore_index=True)
    flows = flows.merge(keys[["task_id", "variant", "base_year"]], on=["task_id", "variant"],
                        how="left")
    flows["discount_factor"] = discount_factors(flows["year"], flows["base_year"],
                                                s.discount_rate)
    flows["pv"] = flows["amount"] * flows["discount_factor"]
    flows = flows.drop(columns="base_year")

    yearly = _yearly(flows, keys, s.discount_rate)
    actors = _actor_table(flows)
    pm = _pm_table(case, tasks, variants)
    totals = _totals(keys, flows, yearly, pm)
    for t in totals.itertuples(index=False):
        if not np.isnan(t.irr) and _sign_changes(yearly, t.task_id, t.variant) > 1:
            warnings.setdefault(t.task_id, []).append(
                f"{t.variant}: de netto kasstroom wisselt meer dan eens van teken; de IRR is "
                "niet eenduidig (de waarde dichtst bij 0 is gekozen)")
    financing = case.financiering[case.financiering["taak_id"].isin(tasks["task_id"])]
    parameters = {
        "discount_rate": s.discount_rate,
        "price_year": s.price_year,
        "base_year": s.base_year,
        "horizon": s.horizon,
        "cpi_series": f"CBS 83131NED {int(cpi.index.min())}–{int(cpi.index.max())}",
        "cpi_derived_years": list(derived_cpi_years()),
    }
    return Evaluation(
        parameters=parameters, tasks=tasks, totals=totals, actors=actors, yearly=yearly,
        cashflows=flows, pm=pm, financing=financing[["taak_id", "jaar", "bron", "soort",
                                                     "bedrag"]].reset_index(drop=True),
        warnings=warnings, case_warnings=tuple(str(w) for w in case.warnings),
    )


def _sign_changes(yearly, task_id, variant) -> int:
    g = yearly[(yearly["task_id"] == task_id) & (yearly["variant"] == variant)]["net"].to_numpy()
    signs = np.sign(g[np.abs(g) > _TOL])
    return int(np.sum(signs[1:] != signs[:-1]))


def _actor_table(flows: pd.DataFrame) -> pd.DataFrame:
    is_cost = flows["kind"] == COST
    a = flows.assign(pv_costs=np.where(is_cost, flows["pv"], 0.0),
                     pv_benefits=np.where(is_cost, 0.0, flows["pv"]))
    out = (a.groupby(["task_id", "variant", "actor"], sort=False)[["pv_costs", "pv_benefits"]]
           .sum().reset_index())
    out["npv"] = out["pv_benefits"] - out["pv_costs"]
    return out.sort_values(["task_id", "variant", "npv"], kind="stable").reset_index(drop=True)


def _totals(keys, flows, yearly, pm) -> pd.DataFrame:
    societal = flows[flows["kind"] != TRANSFER]
    sums = (societal.assign(pv_costs=np.where(societal["kind"] == COST, societal["pv"], 0.0),
                            pv_benefits=np.where(societal["kind"] == BENEFIT, societal["pv"], 0.0))
            .groupby(["task_id", "variant"])[["pv_costs", "pv_benefits"]].sum().reset_index())
    t = keys.merge(sums, on=["task_id", "variant"], how="left").fillna(
        {"pv_costs": 0.0, "pv_benefits": 0.0})
    t["npv"] = t["pv_benefits"] - t["pv_costs"]
    t["bc_ratio"] = np.where(t["pv_costs"] > _TOL, t["pv_benefits"] / t["pv_costs"].where(
        t["pv_costs"] > _TOL, 1.0), np.nan)
    t = t.merge(_per_task_indicators(yearly), on=["task_id", "variant"], how="left")
    n_pm = pm.groupby(["task_id", "variant"]).size().rename("n_pm").reset_index()
    t = t.merge(n_pm, on=["task_id", "variant"], how="left")
    t["n_pm"] = t["n_pm"].fillna(0).astype(int)
    return t.reset_index(drop=True)
