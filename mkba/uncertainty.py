"""Uncertainty: ranged inputs, one-way sensitivity (tornado, switching values), discount-rate
variants, Monte Carlo, variant comparison and scenario files.

**Inputs with a range.** Every number that drives a result can carry a range:

- a kengetal: its ``laag``/``hoog`` (name: the kengetal code);
- an effect quantity: ``hoeveelheid_laag``/``hoeveelheid_hoog`` in ``effecten`` (name
  ``TAAK/EFFECT/hoeveelheid``; an estimate from ``mkba effect`` has a normal distribution);
- anything in the table ``bandbreedtes`` (name as in :func:`mkba.case.schema.parse_parameter`:
  a kengetal code, ``discontovoet``, ``TAAK/optimisme_kosten``, ``TAAK/optimisme_baten``,
  ``TAAK/EFFECT/VELD`` or ``TAAK/POST/factor``).

**The engine.** For one task and variant the net present value is a sum over lines::

    PV_line = Q × V × I × F × O × S

with Q the quantity, V the value per unit (in its own price year), I the CPI factor to the
price year, F = (1 − deadweight)(1 − attributie)(1 − verdringing) (1 for costs), a cost
post's factor, and S = S_realised + O × S_forecast with
S_x = Σ_t (1 − afname)^(t − jaar_van) (1 + r)^−(t − B) over the line's years before / from the
peiljaar and O the optimism factor (every line worse: see :func:`mkba.engine.flows.optimism_factor`).
The per-line factors come from :func:`mkba.engine.flows.line_factors`, the same function that builds
the deterministic cash flows (one engine). The engine evaluates many parameter sets at
once: every factor is a draws × lines matrix, and S is recomputed (per line, vectorised over
draws and years) only for lines whose drop-off or discount rate is drawn; realised and
forecast years are summed apart only for lines with optimism. There is no Python loop over
draws.

**Monte Carlo** draws each input from a triangular, PERT, normal (mean the value, the range as
its 95 % interval) or uniform distribution, optionally correlated through a Gaussian copula
(table ``correlaties``). Same seed, same numbers.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mkba.base.assumptions import DISCOUNT_RATE, HEALTH_CONVENTION
from mkba.base.assumptions import DISCOUNT_RATE_VARIANTS as _VARIANTS
from mkba.base.errors import CaseError, Problem
from mkba.base.formatting import fmt_eur, fmt_number, fmt_pct
from mkba.base.jsonout import dumps
from mkba.base.prices import cpi_series
from mkba.case.schema import EFFECT_FIELDS, parse_parameter
from mkba.case.tables import Case
from mkba.engine.flows import (
    build_keys,
    line_factors,
    optimism_factor,
    volunteer_settings,
)

__all__ = ["UncertainInput", "Model", "uncertain_inputs", "sensitivity",
           "discount_rate_sensitivity", "monte_carlo", "MonteCarloResult", "compare_variants",
           "Scenario", "load_scenario", "apply_scenario", "DISCOUNT_RATE_VARIANTS"]

Z975 = 1.959963984540054
LINEAR_KINDS = ("kengetal", "hoeveelheid", "waarde", "deadweight", "attributie", "verdringing",
                "optimisme_kosten", "optimisme_baten", "factor")
#: Discount-rate variants the Dutch guidance names (label, r costs, r benefits, source);
#: see :mod:`mkba.base.assumptions`.
DISCOUNT_RATE_VARIANTS = _VARIANTS


@dataclass(frozen=True)
class UncertainInput:
    """One input with a range and a distribution."""

    name: str
    kind: str
    base: float
    low: float
    high: float
    mode: float
    distribution: str
    source: Problem
    nonnegative: bool = False
    fraction: bool = False

    def describe(self) -> str:
        return f"{self.name} ({fmt_number(self.low, 2)} – {fmt_number(self.high, 2)})"


# --------------------------------------------------------------------------------------
# the inputs of a case


def _kind(parts) -> str:
    return parts[0] if parts[0] != "effect" else parts[-1]


def _base_value(case: Case, parts, discount_rate: float) -> float:
    kind = parts[0]
    if kind == "discount":
        return discount_rate
    if kind == "kengetal":
        k = case.kengetallen
        return float(k.loc[k["code"] == parts[1], "waarde"].iloc[0])
    if kind in ("optimisme_kosten", "optimisme_baten"):
        t = case.taken
        v = t.loc[t["taak_id"] == parts[1], kind].iloc[0]
        return 0.0 if pd.isna(v) else float(v)
    if kind == "factor":
        return 1.0
    _, task, effect, fld = parts
    e = case.effecten
    rows = e[(e["taak_id"] == task) & (e["effect"] == effect)]
    column = "waarde_per_eenheid" if fld == "waarde" else fld
    values = rows[column].astype(float)
    if fld in ("deadweight", "attributie", "verdringing", "afname"):
        values = values.fillna(0.0)
    return float(values.iloc[0]) if len(values) and pd.notna(values.iloc[0]) else np.nan


def uncertain_inputs(case: Case, discount_rate: float = DISCOUNT_RATE,
                     task: str | None = None) -> list[UncertainInput]:
    """Every input of the case that carries a range (see the module docstring).

    A row in ``bandbreedtes`` overrides the in-table range of the same name. With ``task``,
    only inputs that can affect that task (kengetallen, the discount rate, its own lines).
    """
    found: dict[str, UncertainInput] = {}
    files = case.files
    k = case.kengetallen
    ranged = k[k["laag"].notna() | k["hoog"].notna()]
    for row, code, value, laag, hoog in ranged[["_row", "code", "waarde", "laag", "hoog"]] \
            .itertuples(index=False):
        low = value if pd.isna(laag) else laag
        high = value if pd.isna(hoog) else hoog
        found[code] = UncertainInput(
            code, "kengetal", float(value), float(low), float(high), float(value), "driehoek",
            Problem(files.get("kengetallen", "kengetallen.csv"), int(row), "laag", ""),
            nonnegative=True)
    e = case.effecten
    ranged = e[e["hoeveelheid_laag"].notna() | e["hoeveelheid_hoog"].notna()]
    for row, task_id, effect, q, laag, hoog, dist in ranged[
            ["_row", "taak_id", "effect", "hoeveelheid", "hoeveelheid_laag", "hoeveelheid_hoog",
             "verdeling"]].itertuples(index=False):
        name = f"{task_id}/{effect}/hoeveelheid"
        low = q if pd.isna(laag) else float(laag)
        high = q if pd.isna(hoog) else float(hoog)
        found[name] = UncertainInput(
            name, "hoeveelheid", float(q), low, high, float(q),
            dist if isinstance(dist, str) else "driehoek",
            Problem(files.get("effecten", "effecten.csv"), int(row), "hoeveelheid_laag", ""),
            nonnegative=low >= 0 and high >= 0)
    b = case.bandbreedtes
    for row, name, laag, hoog, waarde, dist in b[
            ["_row", "parameter", "laag", "hoog", "waarde", "verdeling"]].itertuples(index=False):
        parts = parse_parameter(name)
        base = _base_value(case, parts, discount_rate)
        mode = base if pd.isna(waarde) else float(waarde)
        kind = _kind(parts)
        found[name] = UncertainInput(
            name, kind, base, float(laag), float(hoog), mode,
            dist if isinstance(dist, str) else "driehoek",
            Problem(files.get("bandbreedtes", "bandbreedtes.csv"), int(row), "parameter", ""),
            nonnegative=kind in ("kengetal", "factor") or (kind == "hoeveelheid" and laag >= 0),
            fraction=kind in ("deadweight", "attributie", "verdringing", "afname",
                              "optimisme_kosten", "optimisme_baten"))
    inputs = list(found.values())
    if task is not None:
        inputs = [i for i in inputs if i.kind in ("kengetal", "discount")
                  or i.name.split("/")[0] == task]
    _check_ranges(inputs)
    return inputs


def _problem(inp: UncertainInput, message: str) -> Problem:
    return Problem(inp.source.file, inp.source.row, inp.source.column, message)


def _check_ranges(inputs) -> None:
    problems = []
    for i in inputs:
        if i.low > i.high:
            problems.append(_problem(i, f"'{i.name}': laag ({i.low:g}) is groter dan hoog "
                                        f"({i.high:g})"))
        if i.nonnegative and i.low < 0 and i.distribution != "normaal":
            problems.append(_problem(i, f"'{i.name}': kan niet negatief zijn, maar laag is "
                                        f"{i.low:g}"))
        if i.fraction and (i.low < 0 or i.high > 1):
            problems.append(_problem(i, f"'{i.name}': een fractie moet tussen 0 en 1 liggen"))
        if not (i.low <= i.mode <= i.high) and i.distribution != "normaal":
            problems.append(_problem(i, f"'{i.name}': de waarde {i.mode:g} ligt buiten "
                                        f"{i.low:g}–{i.high:g}"))
    if problems:
        raise CaseError(problems)


# --------------------------------------------------------------------------------------
# the engine


@dataclass
class _Lines:
    """Per-line factors of one task and variant (arrays of length L), taken from
    :func:`mkba.engine.flows.line_factors` (the same factors the deterministic flows use)."""

    is_cost: np.ndarray
    is_transfer: np.ndarray
    actor: np.ndarray          # actor index (gaining actor for transfers)
    loser: np.ndarray          # losing actor index for transfers, else −1
    q: np.ndarray
    v: np.ndarray
    index: np.ndarray
    dw: np.ndarray
    at: np.ndarray
    vd: np.ndarray
    keep: np.ndarray           # 1 − afname
    opt: np.ndarray            # optimism fraction
    y_from: np.ndarray
    lo: np.ndarray             # first year of the line within the period
    hi: np.ndarray             # last year of the line within the period
    volunteer: np.ndarray      # cost lines valued per volunteer hour
    refs: dict                 # input name → line positions


class Model:
    """One task and variant as per-line factors; evaluates many parameter sets at once.

    Parameters are those of :func:`mkba.evaluate`. :meth:`npv` takes a dict of input name →
    array of values (one per draw); inputs left out keep their value from the case.
    """

    def __init__(self, case: Case, task_id: str, variant: str | None = None, *,
                 discount_rate: float = DISCOUNT_RATE, price_year: int | None = None,
                 base_year: int | None = None, horizon: int | None = None,
                 volunteer_valuation: str = "vervangingskosten",
                 market_value_code: str | None = None, wage_code: str | None = None,
                 volunteer_benefit_code: str | None = None, peiljaar: int | None = None):
        from mkba.engine.cba import check_parameters, choose_variant, default_peiljaar, task_frame

        cpi = cpi_series()
        s = check_parameters(discount_rate, price_year, base_year, horizon, cpi)
        vol = volunteer_settings({"method": volunteer_valuation,
                                  "market_value_code": market_value_code,
                                  "wage_code": wage_code, "benefit_code": volunteer_benefit_code})
        keys = build_keys(case, task_frame(case, task_id, s))
        frame = keys.frame
        variant = choose_variant(task_id, list(frame["variant"]), variant)
        self.case, self.task_id, self.variant = case, task_id, variant
        self.key = int(np.flatnonzero(frame["variant"].to_numpy() == variant)[0])
        self.start = int(frame["start_year"].iloc[self.key])
        self.end = int(frame["end_year"].iloc[self.key])
        self.base_year = int(frame["base_year"].iloc[self.key])
        self.rate = s.discount_rate
        self.peiljaar = default_peiljaar() if peiljaar is None else int(peiljaar)
        self.parameters = {"discount_rate": s.discount_rate, "price_year": s.price_year,
                           "base_year": s.base_year, "horizon": s.horizon,
                           "volunteer_valuation": volunteer_valuation,
                           "peiljaar": self.peiljaar}
        lines = line_factors(case, keys, s.price_year, cpi, None, vol)
        lines = lines[(lines["key"] == self.key) & (lines["hi"] >= lines["lo"])]
        self._build(lines.reset_index(drop=True))

    def _build(self, f: pd.DataFrame):
        actors = sorted(set(f["actor"]) | set(f["loser"].dropna()))
        self.actors = actors
        pos = {a: i for i, a in enumerate(actors)}
        kind = f["kind"].to_numpy()
        self.lines = _Lines(
            is_cost=kind == 0, is_transfer=kind == 2,
            actor=np.array([pos[a] for a in f["actor"]], int),
            loser=np.array([pos[a] if isinstance(a, str) else -1 for a in f["loser"]], int),
            **{c: f[c].to_numpy(dtype=float) for c in
               ("q", "v", "index", "dw", "at", "vd", "keep", "opt")},
            y_from=f["y_from"].to_numpy(dtype=int), lo=f["lo"].to_numpy(dtype=int),
            hi=f["hi"].to_numpy(dtype=int), volunteer=f["volunteer"].to_numpy(dtype=bool),
            refs=self._refs(f),
        )
        ln = self.lines
        # realised years lo … min(hi, peiljaar − 1); forecast years max(lo, peiljaar) … hi
        self._ranges = ((ln.lo, np.clip(np.minimum(ln.hi, self.peiljaar - 1) - ln.lo + 1, 0,
                                        None)),
                        (np.maximum(ln.lo, self.peiljaar),
                         np.clip(ln.hi - np.maximum(ln.lo, self.peiljaar) + 1, 0, None)))
        self._full = (ln.lo, np.clip(ln.hi - ln.lo + 1, 0, None))
        every = range(len(ln.q))
        rate = np.array([self.rate])
        self._s_base = [self._s(ln.keep[None, :], rate, rate, every, t0, n)[0]
                        for t0, n in self._ranges]
        self._s_full_base = self._s(ln.keep[None, :], rate, rate, every, *self._full)[0]

    def _refs(self, f: pd.DataFrame) -> dict:
        """Which lines each input name acts on (the same lines :func:`apply_scenario` changes).
        Volunteer hours follow the valuation method: the kengetal in ``ref`` is the one
        the chosen method uses (none for ``nul``)."""
        refs: dict[str, list[int]] = {}
        kind = f["kind"].to_numpy()
        for i, (code, post, k, own, from_task) in enumerate(zip(
                f["ref"], f["post"], kind, f["has_value"], f["opt_from_task"], strict=True)):
            if isinstance(code, str):
                refs.setdefault(code, []).append(i)
            if k == 0 or (k == 1 and f["item"].iat[i] != post):  # cost lines and benefits
                refs.setdefault(f"{self.task_id}/{post}/factor", []).append(i)  # derived
                # from a cost line's hours (the volunteers' own benefit)
            else:
                for fld in EFFECT_FIELDS:
                    if fld == "waarde" and not own:
                        continue  # a kengetal-valued line ignores waarde_per_eenheid
                    refs.setdefault(f"{self.task_id}/{post}/{fld}", []).append(i)
            if from_task:
                name = "optimisme_kosten" if k == 0 else "optimisme_baten"
                refs.setdefault(f"{self.task_id}/{name}", []).append(i)
        self.volunteer_refs = {name for name, cols in refs.items()
                               if cols and f["volunteer"].to_numpy()[cols].all()}
        return refs

    # -------------------------------------------------------------- evaluation

    def _s(self, keep, rate_c, rate_b, which, t0_all, n_all) -> np.ndarray:
        """S per draw and line (draws × lines; columns outside ``which`` are not used) over
        the years ``t0 … t0 + n − 1`` of each line.

        A geometric series: ``S = keep^(t0 − jaar_van) (1 + r)^−(t0 − B) × (1 − qⁿ) / (1 − q)``
        with ``q = keep / (1 + r)`` (and ``n`` when q = 1), computed with fused exponents: no
        loop over years or draws. A cost line has one year: S is its discount factor (or 0).
        """
        ln = self.lines
        which = np.asarray(list(which), dtype=int)
        rate_c, rate_b = np.asarray(rate_c, float), np.asarray(rate_b, float)
        d = max(len(keep), len(rate_c), len(rate_b))
        out = np.zeros((d, len(ln.q)))
        if len(which) == 0:
            return out
        cost = ln.is_cost[which]
        for cols, rate in ((which[cost], rate_c), (which[~cost], rate_b)):
            if not len(cols):
                continue
            t0, n = t0_all[cols], n_all[cols].astype(float)
            log_keep = np.log(np.maximum(np.broadcast_to(keep, (d, len(ln.q)))[:, cols],
                                         1e-300))
            log_disc = np.log1p(rate)[:, None]
            log_q = log_keep - log_disc
            with np.errstate(invalid="ignore", divide="ignore"):
                geo = np.expm1(n * log_q) / np.expm1(log_q)
            flat = np.abs(log_q) < 1e-12
            if flat.any():
                geo[flat] = np.broadcast_to(n, geo.shape)[flat]
            a = np.exp((t0 - ln.y_from[cols]) * log_keep - (t0 - self.base_year) * log_disc)
            out[:, cols] = np.where(n > 0, a * geo, 0.0)
        return out

    def npv(self, values: dict | None = None, n: int | None = None, *,
            rate_costs=None, rate_benefits=None, actors: bool = False):
        """NPV per draw (and per actor with ``actors=True``) for arrays of input values.

        ``values`` maps input names (as in :func:`uncertain_inputs`) to arrays of length n.
        """
        values = values or {}
        n = n or (len(next(iter(values.values()))) if values else 1)
        ln = self.lines
        L = len(ln.q)
        mats = {name: np.broadcast_to(getattr(ln, name), (n, L))
                for name in ("q", "v", "dw", "at", "vd", "keep", "opt")}
        factor = np.ones((n, L))
        rate = np.full(n, self.rate)
        touched = set()
        optimistic = set(np.flatnonzero(ln.opt != 0).tolist())

        def writable(name):
            if not mats[name].flags.writeable:
                mats[name] = mats[name].copy()
            return mats[name]

        for name, arr in values.items():
            arr = np.asarray(arr, dtype=float)
            parts = parse_parameter(name)
            kind = _kind(parts)
            if kind == "discount":
                rate = arr
                continue
            cols = self.lines.refs.get(name, [])
            if not cols:
                continue
            if kind in ("kengetal", "waarde"):  # both a value per unit in its own price year
                writable("v")[:, cols] = arr[:, None]
            elif kind == "hoeveelheid":
                writable("q")[:, cols] = arr[:, None]
            elif kind in ("deadweight", "attributie", "verdringing"):
                writable({"deadweight": "dw", "attributie": "at",
                          "verdringing": "vd"}[kind])[:, cols] = arr[:, None]
            elif kind == "afname":
                writable("keep")[:, cols] = 1 - arr[:, None]
                touched.update(cols)
            elif kind in ("optimisme_kosten", "optimisme_baten"):
                writable("opt")[:, cols] = arr[:, None]
                if (arr != 0).any():
                    optimistic.update(cols)
            elif kind == "factor":
                factor[:, cols] = arr[:, None]
        rc = rate if rate_costs is None else np.broadcast_to(np.asarray(rate_costs, float), (n,))
        rb = rate if rate_benefits is None else np.broadcast_to(np.asarray(rate_benefits, float),
                                                                (n,))
        rate_drawn = "discontovoet" in values or rate_costs is not None \
            or rate_benefits is not None
        redo = set(range(L) if rate_drawn else touched)
        # lines without optimism: one discounted sum over all their years; lines with
        # optimism: realised and forecast years apart (only the forecast is corrected)
        s = np.broadcast_to(self._s_full_base, (n, L)).copy()
        plain = sorted(redo - optimistic)
        if plain:
            s[:, plain] = self._s(mats["keep"], rc, rb, plain, *self._full)[:, plain]
        f = (1 - mats["dw"]) * (1 - mats["at"]) * (1 - mats["vd"])
        f = np.where(ln.is_cost, 1.0, f)
        value = mats["q"] * mats["v"] * ln.index * f * factor
        pv = value * s
        if optimistic:
            oc = sorted(optimistic)
            parts = []
            for (t0, length), base in zip(self._ranges, self._s_base, strict=True):
                part = np.broadcast_to(base[oc], (n, len(oc))).copy()
                again = [i for i, c in enumerate(oc) if c in redo]
                if again:
                    cols = [oc[i] for i in again]
                    part[:, again] = self._s(mats["keep"], rc, rb, cols, t0, length)[:, cols]
                parts.append(part)
            # optimism only in forecast years, towards "worse" (see flows.optimism_factor)
            o = optimism_factor(np.where(ln.is_cost[oc], 0, 1), value[:, oc],
                                mats["opt"][:, oc], True)
            pv[:, oc] = value[:, oc] * (parts[0] + o * parts[1])
        sign = np.where(ln.is_cost, -1.0, 1.0)
        societal = np.where(ln.is_transfer, 0.0, sign)
        npv = pv @ societal
        if not actors:
            return npv
        a = np.zeros((L, len(self.actors)))
        a[np.arange(L), ln.actor] = sign
        has_loser = ln.loser >= 0
        a[np.flatnonzero(has_loser), ln.loser[has_loser]] -= 1.0
        return npv, pv @ a

    def deterministic(self) -> float:
        return float(self.npv()[0])


# --------------------------------------------------------------------------------------
# sensitivity


def _model_kwargs(params: dict) -> dict:
    keys = ("discount_rate", "price_year", "base_year", "horizon", "volunteer_valuation",
            "market_value_code", "wage_code", "volunteer_benefit_code", "peiljaar")
    return {k: v for k, v in params.items() if k in keys and v is not None}


def sensitivity(case: Case, task: str, variant: str | None = None, **params) -> pd.DataFrame:
    """One-way sensitivity over every ranged input (tornado data) with switching values.

    Columns: name, low, high, base, npv_low, npv_high, swing, switching_value (the value at
    which npv = 0: exact for inputs npv is linear in, by root finding for the drop-off and the
    discount rate; NaN when there is none), switching_in_range, source. Sorted by swing.
    """
    model = Model(case, task, variant, **_model_kwargs(params))
    inputs = uncertain_inputs(case, model.rate, task)
    base = model.deterministic()
    rows = []
    for inp in inputs:
        if inp.kind != "discount" and not model.lines.refs.get(inp.name):
            continue
        lo, hi = model.npv({inp.name: np.array([inp.low, inp.high])})
        rows.append({"name": inp.name, "low": inp.low, "high": inp.high, "base": inp.base,
                     "npv_low": float(lo), "npv_high": float(hi), "swing": abs(hi - lo),
                     "switching_value": _switching(model, inp, lo, hi),
                     "source": str(inp.source.file) + (f":{inp.source.row}"
                                                       if inp.source.row else "")})
    out = pd.DataFrame(rows, columns=["name", "low", "high", "base", "npv_low", "npv_high",
                                      "swing", "switching_value", "source"])
    out["switching_in_range"] = [bool(pd.notna(v) and lo <= v <= hi) for v, lo, hi in
                                 zip(out["switching_value"], out["low"], out["high"],
                                     strict=True)]
    out.attrs["npv"] = base
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def _switching(model: Model, inp: UncertainInput, npv_low: float, npv_high: float) -> float:
    if inp.kind in LINEAR_KINDS:
        if inp.high == inp.low or npv_high == npv_low:
            return np.nan
        slope = (npv_high - npv_low) / (inp.high - inp.low)
        value = inp.low - npv_low / slope
        # outside what the input can be (a fraction outside 0–1, a negative price): none
        if (inp.fraction and not 0 <= value <= 1) or (inp.nonnegative and value < 0):
            return np.nan
        return value
    from scipy.optimize import brentq

    lo, hi = (0.0, 1.0) if inp.kind == "afname" else (-0.9, 1.0)

    def f(x):
        return float(model.npv({inp.name: np.array([x])})[0])

    grid = np.linspace(lo, hi, 41)
    vals = model.npv({inp.name: grid})
    sign = np.flatnonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)
    if len(sign) == 0:
        return np.nan
    i = sign[0]
    return float(brentq(f, grid[i], grid[i + 1], xtol=1e-10))


def discount_rate_sensitivity(case: Case, task: str, variant: str | None = None, *,
                              health_convention: bool = False, **params) -> pd.DataFrame:
    """NPV under the discount-rate variants the Dutch guidance names (standard 2,25 % and the
    risk-free −1 % of the Werkgroep discontovoet 2020), each with its source.

    The health-economics convention (costs 4 %, effects 1,5 %) belongs to cost-effectiveness
    analysis, not to an MKBA: only with ``health_convention=True``, labelled as such
    (``kind`` is then ``"KEA-conventie"``).
    """
    model = Model(case, task, variant, **_model_kwargs(params))
    variants = [(*v, "MKBA") for v in DISCOUNT_RATE_VARIANTS]
    if health_convention:
        variants.append((*HEALTH_CONVENTION, "KEA-conventie"))
    rows = [{"variant": label, "r_kosten": rc, "r_baten": rb,
             "npv": float(model.npv(rate_costs=[rc], rate_benefits=[rb])[0]),
             "bron": source, "soort": kind}
            for label, rc, rb, source, kind in variants]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Monte Carlo


def _uniforms(inputs, draws, rng, correlations: pd.DataFrame | None) -> np.ndarray:
    n = len(inputs)
    # drawn input by input (n × draws) and returned transposed: each input's column is then
    # contiguous in memory, which makes the quantile functions ≈ 1,7× faster
    if correlations is None or correlations.empty or n == 0:
        return rng.random((n, draws)).T
    from scipy.stats import norm

    index = {i.name: j for j, i in enumerate(inputs)}
    r = np.eye(n)
    for rec in correlations.itertuples(index=False):
        a, b = index.get(rec.parameter_a), index.get(rec.parameter_b)
        if a is None or b is None:
            continue  # correlation with an input that has no range here
        r[a, b] = r[b, a] = rec.rho
    try:
        chol = np.linalg.cholesky(r)
    except np.linalg.LinAlgError as exc:
        raise CaseError("correlaties: de opgegeven correlaties passen niet bij elkaar (de "
                        "correlatiematrix is niet positief definiet)") from exc
    z = chol @ rng.standard_normal((n, draws))
    return norm.cdf(z).T


def _ppf(inp: UncertainInput, u: np.ndarray) -> np.ndarray:
    from scipy import stats

    lo, hi, mode = inp.low, inp.high, inp.mode
    if hi == lo:
        return np.full_like(u, lo)
    if inp.distribution == "uniform":
        return lo + u * (hi - lo)
    if inp.distribution == "normaal":
        return stats.norm.ppf(u, loc=mode, scale=(hi - lo) / (2 * Z975))
    if inp.distribution == "driehoek":
        return triangular_ppf(u, lo, mode, hi)
    if inp.distribution == "pert":
        a = 1 + 4 * (mode - lo) / (hi - lo)
        b = 1 + 4 * (hi - mode) / (hi - lo)
        return lo + (hi - lo) * stats.beta.ppf(u, a, b)
    return stats.triang.ppf(u, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo)


def triangular_ppf(u: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    """Quantile function of the triangular distribution, in closed form.

    The same as ``scipy.stats.triang.ppf`` (tested against it) without scipy's per-call
    argument checking, which dominated the drawing time.

    Examples
    --------
    >>> triangular_ppf(np.array([0.0, 0.5, 1.0]), 0.0, 0.5, 1.0).tolist()
    [0.0, 0.5, 1.0]
    """
    width = high - low
    c = (mode - low) / width
    left = low + np.sqrt(u * width * (mode - low))
    right = high - np.sqrt((1 - u) * width * (high - mode))
    return np.where(u < c, left, right)


def draw_inputs(inputs, draws: int, seed: int, correlations=None) -> dict[str, np.ndarray]:
    """Draw every input (Gaussian copula when correlations are given); checks the draws."""
    rng = np.random.default_rng(seed)
    u = _uniforms(inputs, draws, rng, correlations)
    out, problems = {}, []
    for j, inp in enumerate(inputs):
        x = _ppf(inp, u[:, j])
        if inp.nonnegative and (x < 0).any():
            problems.append(_problem(inp, f"'{inp.name}' kan niet negatief zijn, maar de "
                                          f"{inp.distribution}e verdeling geeft negatieve "
                                          "trekkingen; kies een driehoeks- of PERT-verdeling"))
        if inp.fraction and ((x < 0) | (x > 1)).any():
            problems.append(_problem(inp, f"'{inp.name}' moet tussen 0 en 1 blijven, maar de "
                                          "verdeling geeft waarden daarbuiten"))
        out[inp.name] = x
    if problems:
        raise CaseError(problems)
    return out


@dataclass(frozen=True)
class MonteCarloResult:
    """NPV draws of one task and variant, with summaries."""

    task_id: str
    variant: str
    draws: int
    seed: int
    npv: np.ndarray = field(repr=False)
    actor_npv: pd.DataFrame = field(repr=False)
    importance: pd.DataFrame = field(repr=False)
    deterministic_npv: float = 0.0
    seconds: float = 0.0
    #: inputs with a range that are NOT drawn because they are a method choice (the value of
    #: a volunteer hour: see the method table), not an uncertainty
    fixed: tuple = ()
    #: what the probabilities leave out
    note: str = ("De kansen gaan alleen over wat in geld is uitgedrukt; PM-posten tellen niet "
                 "mee.")

    def __repr__(self) -> str:
        return (f"<MonteCarloResult {self.task_id} {self.variant}: P(NCW > 0) = "
                f"{fmt_pct(self.p_npv_positive, 0)}, NCW p50 {fmt_eur(self.percentile(50))}>")

    @property
    def p_npv_positive(self) -> float:
        return float(np.mean(self.npv > 0))

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.npv, q))

    def by_actor(self) -> pd.DataFrame:
        """Per actor: P(balance > 0) and balance percentiles 5/50/95."""
        a = self.actor_npv
        return pd.DataFrame({
            "actor": a.columns, "p_positive": (a > 0).mean().to_numpy(),
            "p5": a.quantile(0.05).to_numpy(), "p50": a.quantile(0.5).to_numpy(),
            "p95": a.quantile(0.95).to_numpy()})

    def to_dict(self) -> dict:
        return {"draws": self.draws, "seed": self.seed, "p_npv_positive": self.p_npv_positive,
                "npv_p5": self.percentile(5), "npv_p50": self.percentile(50),
                "npv_p95": self.percentile(95), "npv_mean": float(self.npv.mean()),
                "by_actor": self.by_actor().to_dict("records"),
                "importance": self.importance.to_dict("records"),
                "not_drawn": list(self.fixed), "note": self.note}

    def plot(self, ax=None):
        from mkba.base.plots import plot_monte_carlo

        return plot_monte_carlo(self, ax=ax)


#: Working memory of one Monte Carlo chunk (draws × lines arrays), whatever the case's size;
#: the draws themselves add 8 bytes per draw per uncertain input and per actor.
MC_MEMORY_BYTES = 256_000_000
#: About how many draws × lines float arrays one chunk holds at once (measured: 54 for the
#: example case, peak 44 MB for 3.000 draws × 34 lines).
MC_ARRAYS = 64
#: Draws × lines per chunk of the Monte Carlo engine: each draws × lines matrix of a chunk
#: (≈ 0,8 MB) stays in the processor's cache; 10.000 draws a chunk regardless of the number
#: of lines was ≈ 1,5–2× slower on a task with 50 lines (benchmarks/bench_monte_carlo.py).
CHUNK_CELLS = 100_000


def monte_carlo(case: Case, task: str, variant: str | None = None, *, draws: int = 10_000,
                seed: int = 0, chunk: int | None = None, **params) -> MonteCarloResult:
    """Monte Carlo of one task and variant (see the module docstring).

    The draws are evaluated in chunks of ``chunk`` draws (default: :data:`CHUNK_CELLS` ÷
    the number of lines, at least 256).

    ``importance`` ranks inputs by the Spearman rank correlation of their draws with the NPV.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba import evaluate
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> mc = monte_carlo(case, "T1", draws=2000, seed=1)
    >>> mc.draws, mc.npv.shape, abs(mc.deterministic_npv - evaluate(case).result("T1").npv) < 1e-6
    (2000, (2000,), True)
    >>> bool(mc.p_npv_positive == (mc.npv > 0).mean())
    True
    """
    started = time.perf_counter()
    model = Model(case, task, variant, **_model_kwargs(params))
    inputs = [i for i in uncertain_inputs(case, model.rate, task)
              if i.kind == "discount" or model.lines.refs.get(i.name)]
    # the value of a volunteer hour is a method choice, not an uncertainty: never drawn
    fixed = tuple(i.name for i in inputs if i.name in model.volunteer_refs)
    inputs = [i for i in inputs if i.name not in model.volunteer_refs]
    values = draw_inputs(inputs, draws, seed, case.tables.get("correlaties"))
    chunk = chunk or max(256, CHUNK_CELLS // max(len(model.lines.q), 1))
    npv = np.empty(draws)
    act = np.empty((draws, len(model.actors)))
    # bounded memory: a chunk of draws × lines works on about MC_ARRAYS float arrays at once
    chunk = max(1, min(chunk, MC_MEMORY_BYTES // (8 * MC_ARRAYS * max(1, len(model.lines.q)))))
    for lo in range(0, draws, chunk):
        part = {k: v[lo:lo + chunk] for k, v in values.items()}
        n = min(chunk, draws - lo)
        npv[lo:lo + n], act[lo:lo + n] = model.npv(part, n, actors=True)
    importance = _importance(values, npv)
    return MonteCarloResult(task, model.variant, draws, seed, npv,
                            pd.DataFrame(act, columns=model.actors), importance,
                            model.deterministic(), time.perf_counter() - started, fixed)


IMPORTANCE_DRAWS = 20_000


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks (1..m) along each row, ties averaged as :func:`scipy.stats.rankdata` does; one
    argsort for all rows, rankdata only for a row that has ties (continuous draws have
    none)."""
    from scipy.stats import rankdata

    order = np.argsort(x, axis=1)  # ties are re-ranked below, so any sort will do
    ranks = np.empty(x.shape)
    np.put_along_axis(ranks, order, np.arange(1.0, x.shape[1] + 1)[None, :], axis=1)
    tied = (np.diff(np.take_along_axis(x, order, axis=1), axis=1) == 0).any(axis=1)
    for i in np.flatnonzero(tied):
        ranks[i] = rankdata(x[i])
    return ranks


def _importance(values: dict, npv: np.ndarray) -> pd.DataFrame:
    """Spearman rank correlation of each input with the NPV, from the first 20,000 draws (the
    standard error of ρ is then below 0.01: enough to rank inputs, at a fraction of the cost
    of sorting every draw)."""
    m = min(len(npv), IMPORTANCE_DRAWS)
    names = [name for name, x in values.items() if np.ptp(x[:m]) != 0]
    rows = []
    if names and m > 1:
        ranks = _ranks(np.stack([values[name][:m] for name in names]))
        ranks -= ranks.mean(axis=1, keepdims=True)
        rank_npv = _ranks(npv[None, :m])[0]
        rank_npv -= rank_npv.mean()
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = (ranks @ rank_npv) / (np.sqrt((ranks ** 2).sum(axis=1))
                                        * np.sqrt((rank_npv ** 2).sum()))
        rows = [{"name": name, "spearman": float(r)} for name, r in zip(names, rho,
                                                                          strict=True)]
    out = pd.DataFrame(rows, columns=["name", "spearman"])
    total = (out["spearman"] ** 2).sum()
    out["share"] = (out["spearman"] ** 2) / total if total > 0 else np.nan
    return out.sort_values("share", ascending=False).reset_index(drop=True)


# --------------------------------------------------------------------------------------
# variants


def compare_variants(case: Case, task: str, *, draws: int = 5000, seed: int = 0,
                     **params) -> dict:
    """Variants of a task side by side, and the difference of each with the first one.

    The same draws of the shared inputs are used for every variant (common random numbers),
    so the difference carries only the uncertainty that differs between them.
    Returns a dict with ``table`` (per variant: npv, bc_ratio, p_npv_positive, npv_p5/p95 and
    each actor's balance), ``differences`` and ``actors`` (variant × actor balances).
    """
    from mkba.engine.cba import evaluate

    kwargs = _model_kwargs(params)
    ev = evaluate(case, task=task, **{k: v for k, v in kwargs.items()})
    variants = list(ev.totals["variant"])
    rate = kwargs.get("discount_rate", DISCOUNT_RATE)
    models = {v: Model(case, task, v, **kwargs) for v in variants}
    # a volunteer hour's value is a method choice: not drawn (see monte_carlo)
    volunteer_only = set().union(*[m.volunteer_refs for m in models.values()]) - set().union(
        *[{n for n, cols in m.lines.refs.items() if cols and n not in m.volunteer_refs}
          for m in models.values()])
    inputs = [i for i in uncertain_inputs(case, rate, task) if i.name not in volunteer_only]
    values = draw_inputs(inputs, draws, seed, case.tables.get("correlaties"))
    npvs = {}
    rows = []
    for v in variants:
        model = models[v]
        npvs[v] = model.npv(values, draws) if values else np.full(draws, model.deterministic())
        res = ev.result(task, v)
        rows.append({"variant": v, "npv": res.npv, "bc_ratio": res.bc_ratio,
                     "p_npv_positive": float(np.mean(npvs[v] > 0)),
                     "npv_p5": float(np.percentile(npvs[v], 5)),
                     "npv_p95": float(np.percentile(npvs[v], 95))})
    actors = ev.actors.pivot_table(index="variant", columns="actor", values="npv",
                                   aggfunc="sum", fill_value=0.0).reindex(variants)
    diffs = []
    for v in variants[1:]:
        d = npvs[v] - npvs[variants[0]]
        diffs.append({"variant": v, "ten_opzichte_van": variants[0],
                      "verschil": float(ev.result(task, v).npv - ev.result(task, variants[0]).npv),
                      "p5": float(np.percentile(d, 5)), "p95": float(np.percentile(d, 95)),
                      "p_beter": float(np.mean(d > 0))})
    return {"table": pd.DataFrame(rows), "differences": pd.DataFrame(diffs), "actors": actors}


# --------------------------------------------------------------------------------------
# scenario files


@dataclass(frozen=True)
class Scenario:
    """A named set of chosen assumptions (from a session), applicable to a case.

    ``values`` maps parameter names (as in ``bandbreedtes``) to values; ``parameters`` holds
    ``discount_rate``, ``volunteer_valuation`` and ``market_value_code``.
    """

    name: str
    values: dict
    parameters: dict
    description: str = ""
    created: str = ""

    def to_dict(self) -> dict:
        return {"naam": self.name, "omschrijving": self.description, "gemaakt": self.created,
                "parameters": self.parameters, "waarden": self.values}

    def save(self, path) -> Path:
        from mkba.base.files import atomic_write

        path = Path(path)
        atomic_write(path, dumps(self.to_dict(), indent=2))
        return path


#: A scenario is a small JSON file; anything bigger is refused unread.
MAX_SCENARIO_BYTES = 1_000_000


def load_scenario(path) -> Scenario:
    """Read a scenario file (JSON), with Dutch messages for what is wrong."""
    import stat

    path = Path(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a device or fifo would never end
            raise CaseError([Problem(path.name, None, None, "scenario is geen gewoon bestand")])
        if st.st_size > MAX_SCENARIO_BYTES:
            raise CaseError([Problem(path.name, None, None,
                                     f"scenario is te groot ({st.st_size:_} bytes; de grens is "
                                     f"{MAX_SCENARIO_BYTES:_})".replace("_", "."))])
        with open(path, "rb") as f:
            raw = f.read(MAX_SCENARIO_BYTES + 1)[:MAX_SCENARIO_BYTES]
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        why = "te diep genest" if isinstance(exc, RecursionError) else str(exc)
        raise CaseError([Problem(path.name, None, None, f"kan scenario niet lezen ({why})")]) \
            from exc
    problems = []
    if not isinstance(data, dict) or not isinstance(data.get("waarden", {}), dict) \
            or not isinstance(data.get("parameters", {}) or {}, dict):
        raise CaseError([Problem(path.name, None, None,
                                 "verwacht een JSON-object met 'naam', 'waarden' en eventueel "
                                 "'parameters'")])
    params = data.get("parameters", {}) or {}
    if not isinstance(params, dict):
        raise CaseError([Problem(path.name, None, "parameters", "verwacht een JSON-object")])
    rate = params.get("discount_rate")
    if "discount_rate" in params and (not isinstance(rate, int | float)
                                      or isinstance(rate, bool)):
        problems.append(Problem(path.name, None, "parameters",
                                f"discount_rate {rate!r} is geen getal"))
    for key in ("volunteer_valuation", "market_value_code", "wage_code",
                "volunteer_benefit_code"):
        if key in params and not isinstance(params[key], str):
            problems.append(Problem(path.name, None, "parameters",
                                    f"{key} {params[key]!r} is geen tekst"))
    allowed = {"discount_rate", "volunteer_valuation", "market_value_code", "wage_code",
               "volunteer_benefit_code"}
    for key in set(params) - allowed:
        problems.append(Problem(path.name, None, "parameters",
                                f"onbekende parameter '{key}' (toegestaan: "
                                + ", ".join(sorted(allowed)) + ")"))
    from mkba.base.settings import Settings, check_scenario_value

    known = {k: v for k, v in params.items() if k in allowed}
    problems += [Problem(path.name, None, "parameters", p.message)
                 for p in Settings(**known).problems()]
    for key, value in data.get("waarden", {}).items():
        try:
            kind = _kind(parse_parameter(key))
        except ValueError as exc:
            problems.append(Problem(path.name, None, "waarden", str(exc)))
            continue
        message = check_scenario_value(kind, value)
        if message:
            problems.append(Problem(path.name, None, "waarden", f"'{key}': {message}"))
    if problems:
        raise CaseError(problems)
    return Scenario(str(data.get("naam", path.stem)), dict(data.get("waarden", {})),
                    dict(params), str(data.get("omschrijving", "")), str(data.get("gemaakt", "")))


def apply_scenario(case: Case, scenario: Scenario) -> tuple[Case, dict]:
    """The case with the scenario's values filled in, and the evaluation parameters.

    A value outside an input's range widens that range (the session's choice wins).
    """
    problems = []
    taken, kosten = case.taken.copy(), case.kosten.copy()
    effecten, kengetallen = case.effecten.copy(), case.kengetallen.copy()
    params = dict(scenario.parameters)
    for name, value in scenario.values.items():
        try:
            parts = parse_parameter(name)
        except ValueError as exc:
            problems.append(Problem(f"scenario {scenario.name}", None, "waarden", str(exc)))
            continue
        kind = parts[0]
        if kind == "discount":
            params["discount_rate"] = float(value)
        elif kind == "kengetal":
            mask = kengetallen["code"] == parts[1]
            if not mask.any():
                problems.append(Problem(f"scenario {scenario.name}", None, "waarden",
                                        f"onbekend kengetal '{parts[1]}'"))
                continue
            kengetallen.loc[mask, "waarde"] = float(value)
            kengetallen.loc[mask & (kengetallen["laag"] > value), "laag"] = float(value)
            kengetallen.loc[mask & (kengetallen["hoog"] < value), "hoog"] = float(value)
        elif kind in ("optimisme_kosten", "optimisme_baten"):
            taken.loc[taken["taak_id"] == parts[1], kind] = float(value)
        elif kind == "factor":
            mask = (kosten["taak_id"] == parts[1]) & (kosten["post"] == parts[2])
            kosten.loc[mask & kosten["bedrag"].notna(), "bedrag"] *= float(value)
            kosten.loc[mask & kosten["bedrag"].isna(), "hoeveelheid"] *= float(value)
        else:
            _, task, effect, fld = parts
            mask = (effecten["taak_id"] == task) & (effecten["effect"] == effect)
            if not mask.any():
                problems.append(Problem(f"scenario {scenario.name}", None, "waarden",
                                        f"onbekend effect '{task}/{effect}'"))
                continue
            column = "waarde_per_eenheid" if fld == "waarde" else fld
            effecten.loc[mask, column] = float(value)
            if fld == "hoeveelheid":
                low, high = effecten.loc[mask, "hoeveelheid_laag"], effecten.loc[
                    mask, "hoeveelheid_hoog"]
                effecten.loc[mask & (low > value), "hoeveelheid_laag"] = float(value)
                effecten.loc[mask & (high < value), "hoeveelheid_hoog"] = float(value)
    if problems:
        raise CaseError(problems)
    new = case.with_table("taken", taken).with_table("kosten", kosten)
    new = new.with_table("effecten", effecten).with_table("kengetallen", kengetallen)
    return new, params
