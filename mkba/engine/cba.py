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
   :mod:`mkba.base.prices` for the sign convention.
8. **Variants.** A line with an empty ``variant`` belongs to every variant of its task; a task
   without named variants has one variant, ``project``.
9. **Optimism bias** applies to forecast years (from ``peiljaar``) only and makes every line
   worse (a disbenefit × (1 + o)); present values are split into realised and forecast.
10. **Horizon and residual value.** The period runs to the benefit horizon (``horizonjaar``
    or ``horizon``); an investment with a ``levensduur`` keeps a linear residual value at its
    end, booked as its own benefit line.

The README's "Rekenregels" list every rule, including volunteer valuation methods, leverage,
financing counterparts, the IRR's investment phase, the PM break-even and totals.

Results per task and variant: ``pv_costs``, ``pv_benefits``, ``npv = pv_benefits − pv_costs``,
``bc_ratio = pv_benefits / pv_costs``, ``irr`` of the societal net flow from ``startjaar``
(transfers excluded), ``payback_year``, the table per actor (whose ``npv`` sum to the societal
``npv``), the municipality's own balance, the PM list, the yearly flows and the financing mix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy_financial as npf
import pandas as pd

from mkba.base.assumptions import (
    DISCOUNT_RATE,
    IRR_MAX_SHOWN,
    IRR_MIN_INVESTMENT_SHARE,
    VOLUNTEER_VALUATION,
)
from mkba.base.errors import CaseError
from mkba.base.formatting import fmt_eur, fmt_eur_compact, fmt_pct, fmt_ratio
from mkba.base.jsonout import dumps, none_if_missing
from mkba.base.prices import cpi_series, derived_cpi_years, discount_factors
from mkba.case.financing import CONTRIBUTIONS
from mkba.case.schema import BUURTBUDGET, MUNICIPALITY
from mkba.case.tables import Case
from mkba.engine.flows import (
    BENEFIT,
    COST,
    TRANSFER,
    FlowKind,
    Keys,
    build_keys,
    cash_flows,
    kengetal_value,
    line_keys,
    volunteer_settings,
)

__all__ = ["evaluate", "Evaluation", "MkbaResult", "npv", "irr", "payback_year",
           "default_peiljaar", "investment_phase", "check_parameters", "task_frame",
           "CheckedParameters", "choose_variant"]

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


def investment_phase(values, share: float = IRR_MIN_INVESTMENT_SHARE) -> str | None:
    """Why an IRR (and payback year) of these yearly net flows means nothing, or ``None``
    when they do.

    They mean something only after a real investment phase: the flows start with outlays
    (negative years before the first positive one) that are at least ``share`` (10 %) of the
    average later yearly net benefit. Otherwise the IRR is an artefact (e.g. 1.100 %).

    Examples
    --------
    >>> investment_phase([-100, 60, 60]) is None
    True
    >>> investment_phase([-5, 100, 100])[:30]
    'geen echte investeringsfase: d'
    >>> investment_phase([100, -10, 50])
    'geen investeringsfase: de netto kasstroom begint positief'
    """
    values = np.asarray(values, dtype=float)
    nonzero = np.flatnonzero(np.abs(values) > _TOL)
    if len(nonzero) == 0:
        return "geen kasstroom"
    v = values[nonzero[0]:]
    if v[0] > 0:
        return "geen investeringsfase: de netto kasstroom begint positief"
    positive = np.flatnonzero(v > _TOL)
    if len(positive) == 0:
        return "de netto kasstroom wordt nooit positief"
    outlay = -float(v[:positive[0]].sum())
    later = v[positive[0]:]
    later = float(later[later > 0].mean())
    if outlay < share * later:
        return (f"geen echte investeringsfase: de uitgaven vooraf ({fmt_eur(outlay)}) zijn "
                f"minder dan {fmt_pct(share, 0)} van de latere netto baten per jaar "
                f"({fmt_eur(later)})")
    return None


def _irr_too_high(rate: float) -> str:
    """Why an IRR above :data:`IRR_MAX_SHOWN` is not shown as a number.

    Examples
    --------
    >>> _irr_too_high(6.3)[:40]
    'de interne rentevoet is meer dan 100 % p'
    """
    return (f"de interne rentevoet is meer dan {fmt_pct(IRR_MAX_SHOWN, 0)} per jaar "
            f"(ongeveer {fmt_pct(rate, 0)}): de uitgaven vooraf zijn klein naast de "
            "jaarlijkse baten, dus het getal zegt niets over het rendement; kijk naar de NCW")


def default_peiljaar() -> int:
    """The default peiljaar: the current calendar year (years before it are realised)."""
    import datetime

    return datetime.date.today().year


# --------------------------------------------------------------------------------------
# result objects


_none_if_nan = none_if_missing  # the one NaN → null helper (mkba.base.jsonout)


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
    _cashflows: pd.DataFrame = field(repr=False, default=None)
    #: present values split into realised (years before the peiljaar) and forecast years
    split: dict = field(default_factory=dict)
    #: volunteer time: NPV under each valuation method and the switching value per hour
    volunteer: dict = field(default_factory=dict)
    #: why the IRR and payback year are not shown (None when they are meaningful)
    irr_note: str | None = None

    def __repr__(self) -> str:
        return (f"<MkbaResult {self.task_id} {self.variant}: NCW {fmt_eur_compact(self.npv)}, "
                f"B/K {fmt_ratio(self.bc_ratio, 1)}>")

    @property
    def municipality(self) -> dict:
        """The municipality's own balance (actor ``gemeente``): pv_costs, pv_benefits, npv."""
        a = self._by_actor
        mask = np.array([str(x).casefold() == MUNICIPALITY for x in a["actor"]], dtype=bool)
        return {k: float(a[k].to_numpy()[mask].sum()) for k in _BALANCE}

    def by_actor(self) -> pd.DataFrame:
        """Who pays and who gains: pv_costs, pv_benefits and npv per actor (transfers included)."""
        return self._by_actor.copy()

    def actor_table(self) -> pd.DataFrame:
        """:meth:`by_actor` with Dutch headers and Dutch euro amounts, for people to read."""
        a = self._by_actor
        return pd.DataFrame({"actor": a["actor"].to_numpy(),
                             "kosten (CW)": a["pv_costs"].map(fmt_eur).to_numpy(),
                             "baten (CW)": a["pv_benefits"].map(fmt_eur).to_numpy(),
                             "saldo": a["npv"].map(fmt_eur).to_numpy()})

    def yearly(self) -> pd.DataFrame:
        """Flows per year: costs, benefits, gross transfers, net, discount factor, discounted."""
        return self._yearly.copy()

    def pm(self) -> pd.DataFrame:
        """Effects that are not priced, with their qualitative score."""
        return self._pm.copy()

    def waterfall(self) -> pd.DataFrame:
        """From costs to net result: one step per cost post (negative) and per effect
        (positive or negative), in present value; transfers are left out (they net to zero).
        The steps sum to the NPV."""
        f = self._cashflows
        f = f[f["kind"] != TRANSFER]
        steps = (f.assign(pv=f["pv"].where(f["kind"] != COST, -f["pv"]))
                 .groupby(["kind", "item"], observed=True, sort=False)["pv"].sum().reset_index())
        steps["kind"] = steps["kind"].astype(str)
        steps = steps.sort_values(["kind", "pv"], key=lambda c: c.map({COST: 0, BENEFIT: 1})
                                  if c.name == "kind" else c, kind="stable")
        out = pd.DataFrame({"step": [f"{COST if k == COST else BENEFIT}: {i}"
                                     for k, i in zip(steps["kind"], steps["item"], strict=True)],
                            "amount": steps["pv"].to_numpy()})
        out["cumulative"] = out["amount"].cumsum()
        return out.reset_index(drop=True)

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
            ("Interne rentevoet", f"n.v.t. ({self.irr_note})" if self.irr_note
             else fmt_pct(self.irr)),
            ("Terugverdienjaar", "n.v.t." if self.irr_note else
             "–" if self.payback_year is None else str(self.payback_year)),
            ("Saldo gemeente", fmt_eur(self.municipality["npv"])),
            ("Hefboom (bijdragen van anderen per bijgedragen gemeente-euro)",
             fmt_ratio(self.financing["leverage"]) if self.financing["leverage"] is not None
             else f"n.v.t. ({self.financing.get('leverage_reason') or 'geen financiering'})"),
            ("PM-posten", str(len(self._pm))),
            ("Prijspeil / basisjaar / discontovoet",
             f"{p['price_year']} / {self.base_year} / {fmt_pct(p['discount_rate'], 2)}"),
        ]
        if self.split:
            sp = self.split
            rows.insert(7, ("waarvan gerealiseerd (vóór peiljaar " f"{sp['peiljaar']})",
                            f"kosten {fmt_eur(sp['pv_costs_realised'])}, baten "
                            f"{fmt_eur(sp['pv_benefits_realised'])}"))
            rows.insert(8, ("waarvan prognose (vanaf peiljaar)",
                            f"kosten {fmt_eur(sp['pv_costs_forecast'])}, baten "
                            f"{fmt_eur(sp['pv_benefits_forecast'])}"))
        if self.split.get("pv_residual"):
            rows.insert(9, ("waarvan restwaarde van investeringen (in de baten)",
                            fmt_eur(self.split["pv_residual"])))
        if self.pm_break_even:
            rows.append(("PM-posten en de uitkomst", self.pm_break_even["text"]))
        if self.volunteer.get("switching_value_per_hour") is not None:
            rows.append(("Omslagwaarde vrijwilligersuur (NCW = 0)",
                         f"{fmt_eur(self.volunteer['switching_value_per_hour'], 2)} per uur"))
        return pd.DataFrame(rows, columns=["Onderdeel", "Waarde"]).set_index("Onderdeel")

    @property
    def pm_break_even(self) -> dict | None:
        """What the PM posts together would have to be worth (present value) to turn the
        verdict around; ``None`` without PM posts.

        With a negative NPV: the positive PM posts must together be worth at least −NPV; with
        a positive NPV and negative PM posts: those may together be worth at most the NPV.
        """
        return _pm_break_even(self.npv, [str(s) for s in self._pm["pm_score"]])

    def volunteer_table(self) -> pd.DataFrame:
        """NPV under each valuation method of volunteer time, side by side (Dutch headers)."""
        rows = self.volunteer.get("methods", [])
        return pd.DataFrame({
            "waardering vrijwilligersuur": [r["method"].replace("_", " ") for r in rows],
            "euro per uur": [fmt_eur(r["value_per_hour"], 2) if r["value_per_hour"] is not None
                             else "–" for r in rows],
            "NCW": [fmt_eur(r["npv"]) if r["npv"] is not None else f"n.v.t. ({r['note']})"
                    for r in rows],
            "gekozen": ["ja" if r["chosen"] else "" for r in rows]})

    def _repr_html_(self) -> str:
        return (f"<p><b>{_escape(repr(self))}</b></p>" + self.summary().to_html()
                + "<p>Per actor</p>" + self.by_actor().to_html(index=False))

    def to_dict(self) -> dict[str, Any]:
        """Plain types only (JSON-ready); missing values are ``None``; English keys."""
        return _task_dict(
            task_id=self.task_id, variant=self.variant, name=self.name,
            wijk_code=self.wijk_code, start_year=self.start_year, end_year=self.end_year,
            base_year=self.base_year, pv_costs=self.pv_costs, pv_benefits=self.pv_benefits,
            npv=self.npv, bc_ratio=_none_if_nan(self.bc_ratio), irr=_none_if_nan(self.irr),
            irr_note=self.irr_note, payback_year=self.payback_year,
            split={k: v for k, v in self.split.items() if k != "peiljaar"},
            volunteer=self.volunteer, pm_break_even=self.pm_break_even,
            by_actor=self._records_of("by_actor", self._by_actor),
            municipality=self.municipality,
            pm=self._records_of("pm", self._pm), yearly=self._records_of("yearly", self._yearly),
            financing=self.financing, warnings=self.warnings)

    def _records_of(self, name: str, frame: pd.DataFrame) -> list[dict]:
        return _pm_json(_records(frame)) if name == "pm" else _records(frame)

    def to_json(self, **kwargs) -> str:
        return dumps(self.to_dict(), **kwargs)


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
        return (f"<Evaluation {len(self.totals)} taak/variant-combinaties van "
                f"{self.totals['task_id'].nunique()} taken>")

    def total(self, variants: dict | None = None) -> dict:
        """The sum over tasks, only where a sum means something: one chosen variant per
        task (``variants`` maps task → variant; a task with one variant needs none) and one
        common base year. Otherwise a Dutch :class:`CaseError` that says why.

        Variants are alternatives, not parts: adding them counts the same task twice. Present
        values in different base years are in different units.

        Examples
        --------
        >>> from mkba import read_case
        >>> from mkba.base.assumptions import DATA_DIR
        >>> ev = evaluate(read_case(DATA_DIR / "voorbeeld"), base_year=2018)
        >>> t = ev.total({"T2": "maatschappelijk_aanbesteden"})
        >>> t["base_year"], sorted(t["tasks"])
        (2018, ['T1', 'T2', 'T3', 'T4'])
        """
        variants = dict(variants or {})
        totals = self.totals
        # one pass over the table (a loop of frame selections per task took 1,6 s for 1.000)
        several = totals.groupby("task_id", sort=False)["variant"].transform("size") > 1
        for task in dict.fromkeys(totals.loc[several, "task_id"]):
            if task not in variants:
                options = list(totals.loc[totals["task_id"] == task, "variant"])
                raise CaseError(f"taak {task} heeft varianten ("
                                + ", ".join(options) + "); kies er één per taak")
        for task, v in variants.items():
            choose_variant(task, list(totals.loc[totals["task_id"] == task, "variant"]), v)
        asked = totals["task_id"].map(variants)
        keep = (asked.isna() & ~several) | (totals["variant"] == asked)
        t = totals[keep.to_numpy()].drop_duplicates("task_id")
        years = sorted(set(t["base_year"].astype(int)))
        if len(years) > 1:
            raise CaseError("de taken hebben verschillende basisjaren ("
                            + ", ".join(map(str, years)) + "); contante waarden tellen alleen "
                            "op in één basisjaar (geef één basisjaar op, bijv. --base-year "
                            f"{years[0]})")
        return {"base_year": years[0] if years else None,
                "tasks": dict(zip(t["task_id"], t["variant"], strict=True)),
                "pv_costs": float(t["pv_costs"].sum()),
                "pv_benefits": float(t["pv_benefits"].sum()),
                "npv": float(t["npv"].sum())}

    def __len__(self) -> int:
        return len(self.totals)

    def subset(self, task_ids) -> Evaluation:
        """The same evaluation restricted to some tasks."""
        keep = set(task_ids)
        cut = {name: getattr(self, name)[getattr(self, name)["task_id"].isin(keep)]
               .reset_index(drop=True)
               for name in ("tasks", "totals", "actors", "yearly", "cashflows", "pm")}
        fin = self.financing[self.financing["taak_id"].isin(keep)].reset_index(drop=True)
        return Evaluation(parameters=self.parameters, financing=fin,
                          warnings={k: v for k, v in self.warnings.items() if k in keep},
                          case_warnings=self.case_warnings, **cut)

    def result(self, task_id: str, variant: str | None = None) -> MkbaResult:
        """The result of one task; ``variant`` may be left out when the task has only one."""
        rows = self.totals[self.totals["task_id"] == task_id]
        if rows.empty:
            raise CaseError(f"onbekende taak '{task_id}'")
        variant = choose_variant(task_id, list(rows["variant"]), variant)
        return self._build(rows[rows["variant"] == variant].iloc[0], _Parts(self))

    def _task_dicts(self) -> list[dict]:
        """:meth:`MkbaResult.to_dict` of every result (tested equal), built from whole-table
        columns: the long tables become records in one pass each, and no result object or
        per-task frame is made (1.000 tasks: 1,3 s → 0,2 s)."""
        t = self.totals
        by_actor, yearly = _grouped_records(self.actors), _grouped_records(self.yearly)
        pm = {k: _pm_json(v) for k, v in _grouped_records(self.pm).items()}
        financing = {task: _financing_dict(g) for task, g in self.financing.groupby("taak_id")}
        no_financing = _financing_dict(self.financing.iloc[0:0])
        n = len(t)
        col = {c: _plain_column(t[c]) for c in (
            "task_id", "variant", "naam", "wijk_code", "start_year", "end_year", "base_year",
            "pv_costs", "pv_benefits", "npv", "bc_ratio", "irr", "payback_year")}
        split = [c for c in SPLIT_COLUMNS if c in t.columns]
        split_values = {c: t[c].astype(float).tolist() for c in split}
        volunteer = t["volunteer"].tolist() if "volunteer" in t.columns else [{}] * n
        notes = ([v if isinstance(v, str) else None for v in t["irr_note"].tolist()]
                 if "irr_note" in t.columns else [None] * n)
        out = []
        for i in range(n):
            task, key = col["task_id"][i], (col["task_id"][i], col["variant"][i])
            actors, pm_records = by_actor.get(key, []), pm.get(key, [])
            out.append(_task_dict(
                task_id=task, variant=col["variant"][i], name=col["naam"][i],
                wijk_code=col["wijk_code"][i], start_year=int(col["start_year"][i]),
                end_year=int(col["end_year"][i]), base_year=int(col["base_year"][i]),
                pv_costs=float(col["pv_costs"][i]), pv_benefits=float(col["pv_benefits"][i]),
                npv=float(col["npv"][i]), bc_ratio=col["bc_ratio"][i], irr=col["irr"][i],
                irr_note=notes[i], payback_year=col["payback_year"][i],
                split={c: split_values[c][i] for c in split}, volunteer=volunteer[i],
                pm_break_even=_pm_break_even(float(col["npv"][i]), [
                    str(r["pm_score"]) for r in pm_records]) if pm_records else None,
                by_actor=actors, municipality=_municipality(actors), pm=pm_records,
                yearly=yearly.get(key, []), financing=financing.get(task, no_financing),
                warnings=self.warnings.get(task, ())))
        return out

    def results(self) -> list[MkbaResult]:
        """All results, in the order of the case's tasks."""
        parts = _Parts(self)
        return [self._build(row, parts) for _, row in self.totals.iterrows()]

    def _build(self, row, parts) -> MkbaResult:
        key = (row["task_id"], row["variant"])
        fin = parts.financing.get(row["task_id"], parts.no_financing)
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
            _pm=parts.get("pm", key), _cashflows=parts.get("cashflows", key),
            split={"peiljaar": self.parameters.get("peiljaar"),
                   **{c: float(row[c]) for c in SPLIT_COLUMNS if c in row.index}},
            volunteer=row["volunteer"] if "volunteer" in row.index else {},
            irr_note=row["irr_note"] if "irr_note" in row.index
            and isinstance(row["irr_note"], str) else None,
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
        try:
            total = {**self.total(), "reason": None}
        except CaseError as err:
            total = {"npv": None, "reason": err.problems[0].message}
        return {
            "parameters": self.parameters,
            "tasks": self._task_dicts(),
            "total": total,
            "warnings": list(self.case_warnings),
        }

    def to_json(self, **kwargs) -> str:
        return dumps(self.to_dict(), **kwargs)


#: the municipality's own balance: these columns of the actor table, summed over its rows
_BALANCE = ("pv_costs", "pv_benefits", "npv")

#: JSON keys of the PM records that differ from the PM table's (input) column names
PM_JSON_KEYS = {"toelichting": "explanation"}


def _pm_json(records: list[dict]) -> list[dict]:
    """PM records with English keys (:data:`PM_JSON_KEYS`)."""
    return [{PM_JSON_KEYS.get(k, k): v for k, v in rec.items()} for rec in records]


def _municipality(actor_records: list[dict]) -> dict:
    """:attr:`MkbaResult.municipality` from the actor records of one result (the same sums:
    numpy adds fewer than 8 numbers one by one from 0, as ``sum`` does)."""
    rows = [r for r in actor_records if str(r["actor"]).casefold() == MUNICIPALITY]
    out = {}
    for k in _BALANCE:
        values = [math.nan if r[k] is None else r[k] for r in rows]
        out[k] = float(sum(values, 0.0) if len(values) < 8 else np.sum(values))
    return out


def _pm_break_even(npv: float, scores: list[str]) -> dict | None:
    """:attr:`MkbaResult.pm_break_even` from the NPV and the PM scores (as text)."""
    if not scores:
        return None
    if npv < 0:
        return {"amount": -npv, "direction": "positief",
                "text": f"de PM-posten moeten samen minstens {fmt_eur(-npv)} waard "
                        "zijn om de NCW positief te maken"}
    if any(s in ("-", "--") for s in scores):
        return {"amount": npv, "direction": "negatief",
                "text": f"de negatieve PM-posten mogen samen hoogstens {fmt_eur(npv)} "
                        "waard zijn, anders wordt de NCW negatief"}
    return {"amount": 0.0, "direction": "geen",
            "text": "de NCW is positief en geen PM-post is negatief: de PM-posten "
                    "kunnen de uitkomst niet omdraaien"}


def _task_dict(*, task_id, variant, name, wijk_code, start_year, end_year, base_year,
               pv_costs, pv_benefits, npv, bc_ratio, irr, irr_note, payback_year, split,
               volunteer, pm_break_even, by_actor, municipality, pm, yearly, financing,
               warnings) -> dict[str, Any]:
    """The JSON of one task and variant (the one place its keys and their order are set)."""
    return {
        "task_id": task_id,
        "variant": variant,
        "name": name,
        "wijk_code": wijk_code,
        "start_year": start_year,
        "end_year": end_year,
        "base_year": base_year,
        "pv_costs": pv_costs,
        "pv_benefits": pv_benefits,
        "npv": npv,
        "bc_ratio": bc_ratio,
        "irr": None if irr_note else irr,
        "irr_note": irr_note,
        "payback_year": None if irr_note else payback_year,
        **split,
        "volunteer": volunteer,
        "pm_break_even": pm_break_even,
        "by_actor": by_actor,
        "municipality": municipality,
        "pm": pm,
        "yearly": yearly,
        "financing": financing,
        "warnings": list(warnings),
    }


def _plain_column(series: pd.Series) -> list:
    """A column as plain Python values, None for missing (as :func:`none_if_missing`)."""
    if not isinstance(series.dtype, np.dtype):  # nullable and string dtypes
        return [none_if_missing(v) for v in series.astype(object).tolist()]
    if series.dtype.kind == "f":
        values = series.to_numpy()
        out = values.tolist()
        if not np.isfinite(values).all():
            out = [x if math.isfinite(x) else None for x in out]
        return out
    if series.dtype.kind in "iub":
        return series.to_numpy().tolist()
    return [none_if_missing(v) for v in series.astype(object).tolist()]


def _grouped_records(df: pd.DataFrame) -> dict[tuple, list[dict]]:
    """The rows of a long table as records without task_id and variant, by (task, variant),
    in table order: what ``_records`` gives for each group, for all groups in one pass."""
    names = [c for c in df.columns if c not in ("task_id", "variant")]
    out: dict[tuple, list[dict]] = {}
    if df.empty:
        return out
    keys = zip(df["task_id"].tolist(), df["variant"].tolist(), strict=True)
    rows = zip(*[_plain_column(df[c]) for c in names], strict=True)
    for key, row in zip(keys, rows, strict=True):
        out.setdefault(key, []).append(dict(zip(names, row, strict=True)))
    return out


def choose_variant(task_id: str, variants: list[str], variant: str | None) -> str:
    """The variant asked for, or the only one; a Dutch error otherwise."""
    if variant is None:
        if len(variants) > 1:
            raise CaseError(f"taak {task_id} heeft varianten: " + ", ".join(variants)
                            + "; kies er één")
        return variants[0]
    if variant not in variants:
        raise CaseError(f"taak {task_id} heeft geen variant '{variant}'")
    return variant


def _split(df: pd.DataFrame) -> dict:
    """``df`` without its key columns, one frame per (task_id, variant): the columns are
    dropped once and the groups taken by position (dropping per group cost ≈ 1 ms each)."""
    rest = df.drop(columns=["task_id", "variant"])
    return {k: rest.iloc[idx].reset_index(drop=True)
            for k, idx in df.groupby(["task_id", "variant"], sort=False).indices.items()}


class _Parts:
    """The long tables of an evaluation split once by (task_id, variant)."""

    def __init__(self, ev: Evaluation):
        names = ("actors", "yearly", "pm", "cashflows")
        self._groups = {name: _split(getattr(ev, name)) for name in names}
        self._empty = {name: getattr(ev, name).drop(columns=["task_id", "variant"]).iloc[0:0]
                       for name in ("actors", "yearly", "pm", "cashflows")}
        self.financing = {t: _financing_dict(g) for t, g in ev.financing.groupby("taak_id")}
        #: built once (was: built again for every result, ≈ 60 % of Evaluation.to_dict)
        self.no_financing = _financing_dict(ev.financing.iloc[0:0])

    def get(self, name, key) -> pd.DataFrame:
        return self._groups.get(name, {}).get(key, self._empty[name])


def _financing_dict(df: pd.DataFrame) -> dict:
    """Financing totals and the leverage (hefboom).

    The leverage counts contributions (:data:`CONTRIBUTIONS`) from others per contributed
    municipal euro. A guarantee (garantstelling) counts on neither side; loans (lening) and
    own revenue (eigen_inkomsten) are shown apart and are not leverage. A buurtbudget counts
    as the municipality's contribution.
    """
    # a buurtbudget is municipal money that residents decide about: it counts as the
    # municipality's contribution whatever bron says, never as others' money (mkba.evidence.process)
    is_budget = (df["soort"] == BUURTBUDGET).to_numpy()
    is_municipal = (df["bron"].str.casefold() == MUNICIPALITY).to_numpy() | is_budget
    contribution = df["soort"].isin(CONTRIBUTIONS).to_numpy() | is_budget
    municipal = float(df.loc[is_municipal & contribution, "bedrag"].sum())
    others = float(df.loc[~is_municipal & contribution, "bedrag"].sum())
    guarantees = float(df.loc[(df["soort"] == "garantstelling").to_numpy(), "bedrag"].sum())
    reason = None
    if df.empty:
        reason = "geen financiering vastgelegd"
    elif municipal <= 0 and guarantees > 0 and is_municipal.any():
        reason = ("de gemeente bracht geen geld in, alleen een garantstelling; een "
                  "garantstelling telt aan geen van beide kanten mee")
    elif municipal <= 0:
        reason = "de gemeente bracht geen geld in"
    return {
        "by_source": {k: float(v) for k, v in df.groupby("bron")["bedrag"].sum().items()},
        "by_kind": {k: float(v) for k, v in df.groupby("soort")["bedrag"].sum().items()},
        "total": float(df["bedrag"].sum()),
        "municipal": municipal,
        "others": others,
        "loans": float(df.loc[(df["soort"] == "lening").to_numpy(), "bedrag"].sum()),
        "own_revenue": float(df.loc[(df["soort"] == "eigen_inkomsten").to_numpy(),
                                    "bedrag"].sum()),
        "guarantees": guarantees,
        "leverage": others / municipal if municipal > 0 else None,
        "leverage_reason": reason,
        "leverage_rule": "bijdragen (subsidie, gift, crowdfunding, sponsoring, in natura) van "
                         "anderen per euro die de gemeente bijdraagt; leningen, eigen "
                         "inkomsten en garantstellingen tellen niet mee",
    }


# --------------------------------------------------------------------------------------
# the computation


@dataclass(frozen=True)
class CheckedParameters:
    """The evaluation parameters after :func:`check_parameters`: the price year filled in
    (the last CPI year when not given), base year and horizon ``None`` when not given."""

    discount_rate: float
    price_year: int
    base_year: int | None
    horizon: int | None


def check_parameters(discount_rate, price_year, base_year, horizon,
                     cpi) -> CheckedParameters:
    """Check the evaluation parameters: the ranges of :class:`mkba.base.settings.Settings`
    (one home), plus a price year within the CPI series ``cpi``.

    Raises :class:`~mkba.base.errors.CaseError` (Dutch message) when a value is out of range.

    Examples
    --------
    >>> from mkba.base.prices import cpi_series
    >>> p = check_parameters(0.0225, None, None, None, cpi_series())
    >>> p.price_year == int(cpi_series().index.max()), p.base_year
    (True, None)
    """
    from mkba.base.settings import Settings

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
    columns task_id, naam, wijk_code, start_year, end_year (the benefit horizon) and
    base_year. An unknown task is a :class:`~mkba.base.errors.CaseError`."""
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
        "task_id": tasks["taak_id"].to_numpy(), "naam": tasks["naam"].to_numpy(),
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
    """IRR, payback year and number of sign changes per key (contiguous blocks of years)."""
    bounds = np.flatnonzero(np.diff(yearly["key"].to_numpy())) + 1
    parts = zip(np.split(yearly["net"].to_numpy(), bounds),
                np.split(yearly["pv_net"].to_numpy(), bounds),
                np.split(yearly["year"].to_numpy(), bounds), strict=True)
    rows = []
    for net, pv, year in parts:
        signs = np.sign(net[np.abs(net) > _TOL])
        note = investment_phase(net)
        rate = None if note else irr(net)
        if rate is not None and rate > IRR_MAX_SHOWN:
            note = _irr_too_high(rate)
        rows.append((None if note else rate, None if note else payback_year(year, pv),
                     int(np.sum(signs[1:] != signs[:-1])), note))
    out = pd.DataFrame(rows, columns=["irr", "payback_year", "sign_changes", "irr_note"])
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


#: Present-value columns split by realised / forecast years.
SPLIT_COLUMNS = ("pv_costs_realised", "pv_costs_forecast", "pv_benefits_realised",
                 "pv_benefits_forecast", "pv_residual")


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
            fixed[method] = (None, code, f"kengetal '{code}' ontbreekt in de casus")
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
    return out.assign(key=ks).reset_index(drop=True)[
        ["key", "effect", "actor", "pm_score", "indicator", "toelichting"]]


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
        Price level of all amounts; default the last year of the CPI series.
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
    wage_code : str, default "productiviteit_uur"
        Kengetal with the forgone wage per hour, for ``gederfd_loon``.
    volunteer_benefit_code : str, optional
        Kengetal with the value of volunteering to the volunteer per hour; booked as a
        benefit to the volunteers for the same hours. Default none.
    peiljaar : int, optional
        First year that is a forecast (default: the current year). Earlier years are
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
    s = check_parameters(discount_rate, price_year, base_year, horizon, cpi)
    keys = build_keys(case, task_frame(case, task, s))
    warnings: dict[str, list[str]] = {}
    vol = volunteer_settings({"method": volunteer_valuation,
                              "market_value_code": market_value_code, "wage_code": wage_code,
                              "benefit_code": volunteer_benefit_code})
    peil = default_peiljaar() if peiljaar is None else int(peiljaar)
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
    }
    return Evaluation(
        parameters=parameters, tasks=keys.frame[["task_id", "naam", "wijk_code"]]
        .drop_duplicates("task_id").reset_index(drop=True),
        totals=totals, actors=_with_names(_actor_table(flows, keys), keys),
        yearly=_with_names(yearly, keys),
        cashflows=_with_names(flows.drop(columns=["hours", "v_repl", "residual"]), keys),
        pm=_with_names(pm, keys),
        financing=financing[["taak_id", "jaar", "bron", "soort", "bedrag"]].reset_index(drop=True),
        warnings=warnings, case_warnings=tuple(str(w) for w in case.warnings),
    )
