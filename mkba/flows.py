"""Cash flows per line-year: the tidy table that the MKBA sums.

One row per cost line, and per effect line and year, after variant expansion:
``key | year | actor | kind | item | source_row | amount`` with ``amount`` in euros of the
price year (costs positive as costs, benefits positive as benefits; a transfer appears twice,
+ for the gaining actor and − for the losing one). ``key`` numbers the (task, variant) pairs of
:class:`Keys`. Everything is vectorised over lines and line-years; strings are factorised once.

The formulas are those of :mod:`mkba.cba` (module docstring).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import pandas as pd

from .assumptions import VOLUNTEER_METHODS  # noqa: F401  (one home; re-exported here)
from .io import Case
from .prices import index_factor

__all__ = ["COST", "BENEFIT", "TRANSFER", "FlowKind", "Keys", "build_keys", "cash_flows",
           "line_keys"]

COST, BENEFIT, TRANSFER = "kosten", "baten", "overdracht"
KINDS = (COST, BENEFIT, TRANSFER)


class FlowKind(IntEnum):
    """The code of a flow's kind: its position in :data:`KINDS` (the categorical codes of the
    ``kind`` column), so that code never compares with a bare 0, 1 or 2."""

    COST = KINDS.index(COST)
    BENEFIT = KINDS.index(BENEFIT)
    TRANSFER = KINDS.index(TRANSFER)


@dataclass(frozen=True)
class Keys:
    """The (task, variant) pairs to evaluate, numbered 0..n−1 and grouped by task.

    ``frame`` has task_id, variant, naam, wijk_code, start_year, end_year, base_year;
    ``first[i]`` and ``count[i]`` give the keys of the i-th task of ``task_ids``.
    """

    frame: pd.DataFrame
    task_ids: pd.Index
    first: np.ndarray
    count: np.ndarray

    def column(self, name: str) -> np.ndarray:
        return self.frame[name].to_numpy()


def build_keys(case: Case, tasks: pd.DataFrame) -> Keys:
    """Number every (task, variant) of ``tasks`` (task_id, naam, wijk_code, start/end/base)."""
    tv = case.task_variants().rename(columns={"taak_id": "task_id"})
    tv = tv[tv["task_id"].isin(tasks["task_id"])]
    frame = tv.merge(tasks, on="task_id", how="left")
    task_ids = pd.Index(tasks["task_id"])
    codes = task_ids.get_indexer(frame["task_id"])
    order = np.argsort(codes, kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    codes = codes[order]
    count = np.bincount(codes, minlength=len(task_ids))
    first = np.searchsorted(codes, np.arange(len(task_ids)))
    return Keys(frame, task_ids, first, count)


def line_keys(lines: pd.DataFrame, keys: Keys) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (line position, key): a line with a variant goes to that key; a line with an
    empty variant goes to every variant of its task. Lines keep their order."""
    task_code = keys.task_ids.get_indexer(lines["taak_id"])
    named = lines["variant"].notna().to_numpy()
    named_rows = np.flatnonzero(named)
    lookup = pd.MultiIndex.from_arrays([keys.frame["task_id"], keys.frame["variant"]])
    named_keys = lookup.get_indexer(pd.MultiIndex.from_arrays(
        [lines["taak_id"].to_numpy()[named_rows], lines["variant"].to_numpy()[named_rows]]))
    shared = np.flatnonzero(~named)
    n = keys.count[task_code[shared]]
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    rows = np.concatenate([named_rows, np.repeat(shared, n)])
    ks = np.concatenate([named_keys, np.repeat(keys.first[task_code[shared]], n) + offset])
    order = np.argsort(rows, kind="stable")
    return rows[order], ks[order]


def unit_values(lines: pd.DataFrame, value_col: str, kengetallen: pd.DataFrame,
                price_year: int, cpi: pd.Series) -> np.ndarray:
    """Value per unit (or amount) of each line in price year P.

    From the kengetal (in the kengetal's prijsjaar) when the line names one, else the line's
    own ``value_col`` (in the line's prijsjaar, or P when empty); indexed with the CPI.
    """
    k = kengetallen.set_index("code")
    from_ref = lines["kengetal"].notna().to_numpy()
    refs = lines["kengetal"].where(from_ref)
    value = np.where(from_ref, refs.map(k["waarde"]).to_numpy(dtype=float, na_value=np.nan),
                     lines[value_col].to_numpy(dtype=float, na_value=np.nan))
    own_year = lines["prijsjaar"].to_numpy(dtype=float, na_value=np.nan)
    ref_year = refs.map(k["prijsjaar"]).to_numpy(dtype=float, na_value=np.nan)
    year = np.where(from_ref, ref_year, own_year)
    year = np.where(np.isnan(year), price_year, year).astype(int)
    return value * index_factor(year, price_year, cpi)


def _period(keys: Keys, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return keys.column("start_year")[ks], keys.column("end_year")[ks]


def _warn_once(warnings, lines, rows, ks, keys, mask, message) -> None:
    """Add one warning per source line (not per variant) where ``mask`` holds."""
    seen = set()
    for i in np.flatnonzero(mask):
        line = rows[i]
        if line in seen:
            continue
        seen.add(line)
        rec = lines.iloc[line]
        task = rec["taak_id"]
        start, end = keys.column("start_year")[ks[i]], keys.column("end_year")[ks[i]]
        warnings.setdefault(task, []).append(message(rec, start, end))



def optimism(lines: pd.DataFrame, taken: pd.DataFrame, task_column: str) -> np.ndarray:
    """Optimism-bias fraction per line: the line's own, else its task's, else 0."""
    if taken[task_column].isna().all() and lines["optimisme"].isna().all():
        return np.zeros(len(lines))  # the usual case: no correction, no lookups
    per_task = taken.set_index("taak_id")[task_column]
    task_value = lines["taak_id"].map(per_task).to_numpy(dtype=float, na_value=np.nan)
    own = lines["optimisme"].to_numpy(dtype=float, na_value=np.nan)
    return np.nan_to_num(np.where(np.isnan(own), task_value, own), nan=0.0)


def volunteer_units(k: pd.DataFrame, unit: np.ndarray, kengetallen: pd.DataFrame,
                    price_year: int, cpi: pd.Series, method: str, market_code: str | None):
    """Value per volunteer hour under the chosen valuation method (cost lines of soort
    ``vrijwilligersinzet``): the line's kengetal (replacement cost), the market-value kengetal,
    or zero."""
    is_volunteer = (k["soort"] == "vrijwilligersinzet").fillna(False).to_numpy(dtype=bool)
    if method == "vervangingskosten" or not is_volunteer.any():
        return unit
    if method == "nul":
        return np.where(is_volunteer, 0.0, unit)
    market = kengetallen[kengetallen["code"] == market_code]
    if market.empty:
        from .errors import CaseError

        raise CaseError(f"marktwaarde van vrijwilligersuren: kengetal '{market_code}' ontbreekt "
                        "in kengetallen (geef market_value_code op)")
    value = float(market["waarde"].iloc[0]) * float(
        index_factor(int(market["prijsjaar"].iloc[0]), price_year, cpi))
    per_hour = is_volunteer & k["kengetal"].notna().to_numpy()
    return np.where(per_hour, value, unit)


def _cost_flows(case: Case, keys: Keys, price_year, cpi, warnings, volunteer=None) -> dict:
    k = case.kosten[case.kosten["taak_id"].isin(keys.task_ids)]
    unit = unit_values(k, "bedrag", case.kengetallen, price_year, cpi)
    method, market_code = volunteer or ("vervangingskosten", None)
    unit = volunteer_units(k, unit, case.kengetallen, price_year, cpi, method, market_code)
    amount = np.where(k["kengetal"].notna().to_numpy(),
                      k["hoeveelheid"].to_numpy(dtype=float, na_value=np.nan) * unit, unit)
    amount = amount * (1 + optimism(k, case.taken, "optimisme_kosten"))
    rows, ks = line_keys(k, keys)
    year = k["jaar"].to_numpy(dtype=int)[rows]
    start, end = _period(keys, ks)
    inside = (year >= start) & (year <= end)
    file = case.files.get("kosten", "kosten.csv")
    _warn_once(warnings, k, rows, ks, keys, ~inside, lambda rec, s, e: (
        f"{file}:{rec['_row']}: jaar {rec['jaar']} valt buiten de analyseperiode {s}–{e}; "
        "niet meegeteld"))
    rows, ks = rows[inside], ks[inside]
    return {
        "key": ks, "year": year[inside], "actor": k["actor"].to_numpy()[rows],
        "kind": np.full(len(ks), FlowKind.COST), "item": k["post"].to_numpy()[rows],
        "source_row": k["_row"].to_numpy()[rows], "amount": amount[rows],
    }


def _effect_message(file):
    def message(rec, start, end):
        lo, hi = max(rec["jaar_van"], start), min(rec["jaar_tot"], end)
        span = f"'{rec['effect']}' ({rec['jaar_van']}–{rec['jaar_tot']})"
        if hi < lo:
            return (f"{file}:{rec['_row']}: effect {span} valt helemaal buiten de analyseperiode "
                    f"{start}–{end}; niet meegeteld")
        return (f"{file}:{rec['_row']}: effect {span} valt deels buiten de analyseperiode "
                f"{start}–{end}; alleen {lo}–{hi} meegeteld")
    return message


def _effect_flows(case: Case, keys: Keys, price_year, cpi, warnings) -> dict:
    e = case.effecten[case.effecten["taak_id"].isin(keys.task_ids) & ~case.effecten["pm"]]
    unit = unit_values(e, "waarde_per_eenheid", case.kengetallen, price_year, cpi)
    fractions = np.ones(len(e))
    for column in ("deadweight", "attributie", "verdringing"):
        fractions = fractions * (1 - e[column].to_numpy(dtype=float, na_value=0.0))
    first_value = e["hoeveelheid"].to_numpy(dtype=float, na_value=np.nan) * unit * fractions
    first_value = first_value * (1 - optimism(e, case.taken, "optimisme_baten"))
    keep = 1 - e["afname"].to_numpy(dtype=float, na_value=0.0)
    rows, ks = line_keys(e, keys)
    y_from = e["jaar_van"].to_numpy(dtype=int)[rows]
    y_to = e["jaar_tot"].to_numpy(dtype=int)[rows]
    start, end = _period(keys, ks)
    lo, hi = np.maximum(y_from, start), np.minimum(y_to, end)
    _warn_once(warnings, e, rows, ks, keys, (lo > y_from) | (hi < y_to),
               _effect_message(case.files.get("effecten", "effecten.csv")))
    n = np.clip(hi - lo + 1, 0, None)
    pair = np.repeat(np.arange(len(rows)), n)
    year = lo[pair] + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    line = rows[pair]
    value = first_value[line] * np.power(keep[line], year - y_from[pair])
    loser = e["overdracht_van"].to_numpy()[line]
    is_transfer = e["overdracht_van"].notna().to_numpy()[line]
    t = np.flatnonzero(is_transfer)
    return {
        "key": np.concatenate([ks[pair], ks[pair][t]]),
        "year": np.concatenate([year, year[t]]),
        "actor": np.concatenate([e["actor"].to_numpy()[line], loser[t]]),
        "kind": np.concatenate([np.where(is_transfer, FlowKind.TRANSFER, FlowKind.BENEFIT),
                                np.full(len(t), FlowKind.TRANSFER)]),
        "item": np.concatenate([e["effect"].to_numpy()[line], e["effect"].to_numpy()[line][t]]),
        "source_row": np.concatenate([e["_row"].to_numpy()[line], e["_row"].to_numpy()[line][t]]),
        "amount": np.concatenate([value, -value[t]]),
    }


def cash_flows(case: Case, keys: Keys, price_year: int, cpi: pd.Series,
               warnings: dict[str, list[str]], volunteer=None) -> pd.DataFrame:
    """The tidy cash-flow table of every (task, variant) in ``keys`` (see module docstring).

    ``actor`` and ``kind`` are categoricals; ``warnings`` collects lines (partly) outside
    the analysis period, per task.
    """
    parts = [_cost_flows(case, keys, price_year, cpi, warnings, volunteer),
             _effect_flows(case, keys, price_year, cpi, warnings)]
    data = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    flows = pd.DataFrame({
        "key": data["key"].astype(np.int64),
        "year": data["year"].astype(np.int64),
        "actor": pd.Categorical(data["actor"]),
        "kind": pd.Categorical.from_codes(data["kind"], categories=list(KINDS)),
        "item": data["item"],
        "source_row": data["source_row"].astype(np.int64),
        "amount": data["amount"].astype(float),
    })
    return flows
