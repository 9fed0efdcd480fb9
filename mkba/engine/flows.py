"""Cash flows per line-year: the tidy table that the MKBA sums.

One row per cost line, and per effect line and year, after variant expansion:
``key | year | actor | kind | item | source_row | amount`` with ``amount`` in euros of the
price year (costs positive as costs, benefits positive as benefits; a transfer appears twice,
+ for the gaining actor and − for the losing one). ``key`` numbers the (task, variant) pairs of
:class:`Keys`. Everything is vectorised over lines and line-years; strings are factorised once.

The formulas are those of :mod:`mkba.engine.cba` (module docstring).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mkba.base.prices import index_factor
from mkba.case.tables import Case
from mkba.engine.volunteers import (  # noqa: F401  (re-exported: their old home)
    MARKET_VALUE_CODE,
    VOLUNTEER_METHODS,
    WAGE_CODE,
    available_methods,
    kengetal_value,
    volunteer_settings,
    volunteer_units,
    volunteer_values,
)

__all__ = ["FlowKind", "COST", "BENEFIT", "TRANSFER", "KINDS", "Keys", "build_keys",
           "cash_flows", "line_keys", "line_factors", "price_factors", "own_price_years",
           "optimism_factor", "contract_optimism", "VOLUNTEER_METHODS"]


class FlowKind(enum.IntEnum):
    """What a line or cash flow is: a cost, a benefit or a transfer between actors.

    An ``IntEnum``, so numpy arrays of kinds stay integer arrays (fast comparisons, and the
    codes of the ``kind`` categorical of :func:`cash_flows`); ``label`` is the Dutch name
    shown in tables.

    Examples
    --------
    >>> FlowKind.TRANSFER.label, int(FlowKind.TRANSFER)
    ('overdracht', 2)
    >>> KINDS
    ('kosten', 'baten', 'overdracht')
    """

    COST = 0
    BENEFIT = 1
    TRANSFER = 2

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {FlowKind.COST: "kosten", FlowKind.BENEFIT: "baten", FlowKind.TRANSFER: "overdracht"}
#: The Dutch labels of the kinds (the categories of the ``kind`` column, in code order).
KINDS = tuple(k.label for k in FlowKind)
COST, BENEFIT, TRANSFER = KINDS


@dataclass(frozen=True)
class Keys:
    """The (task, variant) pairs to evaluate, numbered 0..n−1 and grouped by task.

    ``frame`` has task_id, variant, naam, wijk_code, start_year, end_year, base_year;
    ``first[i]`` and ``count[i]`` give the keys of the i-th task of ``task_ids``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per key: task_id, variant, naam, wijk_code, start_year, end_year, base_year.
    task_ids : pandas.Index
        The tasks, in order.
    first : numpy.ndarray
        The first key of each task.
    count : numpy.ndarray
        The number of keys (variants) of each task.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.base.prices import cpi_series
    >>> from mkba.engine.cba import check_parameters, task_frame
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> s = check_parameters(0.0225, None, None, None, cpi_series())
    >>> keys = build_keys(case, task_frame(case, None, s))
    >>> keys.first.tolist(), keys.count.tolist()
    ([0, 1, 3, 4], [1, 2, 1, 1])
    """

    frame: pd.DataFrame
    task_ids: pd.Index
    first: np.ndarray
    count: np.ndarray

    def column(self, name: str) -> np.ndarray:
        return self.frame[name].to_numpy()


def build_keys(case: Case, tasks: pd.DataFrame) -> Keys:
    """Number every (task, variant) of ``tasks`` (task_id, naam, wijk_code, start/end/base).

    Parameters
    ----------
    case : Case
        The case (its variants).
    tasks : pandas.DataFrame
        The tasks to evaluate (:func:`mkba.engine.cba.task_frame`).

    Returns
    -------
    Keys
        The numbered (task, variant) pairs.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.base.prices import cpi_series
    >>> from mkba.engine.cba import check_parameters, task_frame
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> s = check_parameters(0.0225, None, None, None, cpi_series())
    >>> build_keys(case, task_frame(case, "T2", s)).frame["variant"].tolist()
    ['klassiek_aanbesteden', 'maatschappelijk_aanbesteden']
    """
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
    empty variant goes to every variant of its task. Lines keep their order.

    Parameters
    ----------
    lines : pandas.DataFrame
        The lines of one table (``kosten`` or ``effecten``).
    keys : Keys
        The (task, variant) pairs.

    Returns
    -------
    positions : numpy.ndarray
        Position of the line in ``lines``, once per key it goes to.
    keys : numpy.ndarray
        The key of each pair.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.base.prices import cpi_series
    >>> from mkba.engine.cba import check_parameters, task_frame
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> s = check_parameters(0.0225, None, None, None, cpi_series())
    >>> pos, key = line_keys(case.tables["kosten"], build_keys(case, task_frame(case, "T2", s)))
    >>> sorted(set(key.tolist()))
    [0, 1]
    """
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


def own_price_years(lines: pd.DataFrame, year_col: str, cpi: pd.Series) -> np.ndarray:
    """The price year of each line's own amount: its ``prijsjaar``, or when that is empty the
    line's own year (``year_col``: ``jaar`` of a cost, ``jaar_van`` of an effect), capped at
    the last CPI year (a forecast is in the prices of the latest known year).

    Amounts from the books are nominal: 48.000 paid in 2019 is 48.000 euros of 2019. No
    line's price year depends on the price year of the analysis, so changing that
    multiplies every present value by one CPI factor (Assumption ``empty_price_year``).

    Parameters
    ----------
    lines : pandas.DataFrame
        The lines, with ``prijsjaar`` and ``year_col``.
    year_col : str
        The column with the line's own year.
    cpi : pandas.Series
        The CPI series by year.

    Returns
    -------
    numpy.ndarray
        The price year of each line.

    Examples
    --------
    >>> from mkba.base.prices import cpi_series
    >>> lines = pd.DataFrame({"prijsjaar": [2018, None, None], "jaar": [2020, 2021, 2030]})
    >>> own_price_years(lines, "jaar", cpi_series()).tolist()
    [2018, 2021, 2024]
    """
    own = lines["prijsjaar"].to_numpy(dtype=float, na_value=np.nan)
    year = lines[year_col].to_numpy(dtype=float, na_value=np.nan)
    last, first = float(cpi.index.max()), float(cpi.index.min())
    return np.where(np.isnan(own), np.clip(year, first, last), own).astype(int)


def _lookup(refs: pd.Series, named: np.ndarray, values: pd.Series) -> np.ndarray:
    """``values[ref]`` as floats for the lines with a reference (``named``), NaN elsewhere.

    Only the named lines are looked up: ``Series.map`` on a text column runs per element in
    Python, 17 ms per call for 300.000 cost lines of which usually none names a kengetal.

    Examples
    --------
    >>> refs = pd.Series(["a", None, "b"], dtype="str")
    >>> _lookup(refs, refs.notna().to_numpy(), pd.Series({"a": 1.5})).tolist()
    [1.5, nan, nan]
    """
    out = np.full(len(refs), np.nan)
    if named.any():
        out[named] = refs[named].map(values).to_numpy(dtype=float, na_value=np.nan)
    return out


def price_factors(lines: pd.DataFrame, value_col: str, kengetallen: pd.DataFrame,
                  price_year: int, cpi: pd.Series,
                  year_col: str = "jaar") -> tuple[np.ndarray, np.ndarray]:
    """Value per unit in its own price year, and the CPI factor to price year P, per line.

    The value is the kengetal's (in the kengetal's prijsjaar) when the line names one, else
    the line's own ``value_col`` (in the line's prijsjaar, or when empty in the line's own
    year ``year_col``: :func:`own_price_years`). This is the one place where price years are
    resolved: the deterministic flows and the vectorised uncertainty engine both use it
    (through :func:`line_factors`).

    Parameters
    ----------
    lines : pandas.DataFrame
        The lines (``kosten`` or ``effecten``).
    value_col : str
        The column with the line's own value per unit.
    kengetallen : pandas.DataFrame
        The case's kengetallen.
    price_year : int
        Price year P of the analysis.
    cpi : pandas.Series
        The CPI series by year.
    year_col : str, default "jaar"
        The column with the line's own year.

    Returns
    -------
    values : numpy.ndarray
        Value per unit of each line, in its own price year.
    factors : numpy.ndarray
        CPI factor from that price year to P.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.base.prices import cpi_series, index_factor
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> kosten = case.tables["kosten"].head(1)
    >>> v, f = price_factors(kosten, "bedrag", case.tables["kengetallen"], 2024, cpi_series())
    >>> v.tolist(), bool(f[0] == index_factor(kosten["prijsjaar"].iloc[0], 2024))
    ([120000.0], True)
    """
    k = kengetallen.set_index("code")
    from_ref = lines["kengetal"].notna().to_numpy()
    value = np.where(from_ref, _lookup(lines["kengetal"], from_ref, k["waarde"]),
                     lines[value_col].to_numpy(dtype=float, na_value=np.nan))
    own_year = own_price_years(lines, year_col, cpi).astype(float)
    ref_year = _lookup(lines["kengetal"], from_ref, k["prijsjaar"])
    year = np.where(from_ref, ref_year, own_year).astype(int)
    return value, np.asarray(index_factor(year, price_year, cpi), dtype=float)


def unit_values(lines: pd.DataFrame, value_col: str, kengetallen: pd.DataFrame,
                price_year: int, cpi: pd.Series, year_col: str = "jaar") -> np.ndarray:
    """Value per unit (or amount) of each line in price year P (see :func:`price_factors`)."""
    value, index = price_factors(lines, value_col, kengetallen, price_year, cpi, year_col)
    return value * index


def _period(keys: Keys, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return keys.column("start_year")[ks], keys.column("end_year")[ks]


def _warn_once(warnings, lines, rows, ks, keys, mask, message) -> None:
    """Add one warning per source line (not per variant) where ``mask`` holds."""
    if warnings is None:
        return
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


#: Columns of :func:`line_factors`.
LINE_COLUMNS = ("key", "task_id", "kind", "actor", "loser", "item", "post", "source_row",
                "q", "v", "index", "dw", "at", "vd", "keep", "opt", "opt_from_task",
                "y_from", "lo", "hi", "ref", "volunteer", "v_repl", "has_value", "residual")


def line_factors(case: Case, keys: Keys, price_year: int, cpi: pd.Series,
                 warnings: dict | None = None, volunteer=None) -> pd.DataFrame:
    """Per-line factors of every (task, variant) in ``keys``: the ONE engine.

    One row per source line and key (a line with an empty variant appears once per variant),
    with ``PV_line = q × v × index × (1 − dw)(1 − at)(1 − vd) × O × S`` where O is the optimism
    factor and S the discounted sum of ``keep^(t − y_from)`` over the years ``lo … hi`` (the
    line's years within the analysis period; ``hi < lo`` when none). ``kind`` is a
    :class:`FlowKind` code (a transfer counts + for ``actor``, − for ``loser``). ``ref`` is the
    kengetal acting on ``v``; ``volunteer`` marks cost lines valued per volunteer hour, with
    ``v_repl`` their replacement-cost value (line's own kengetal) in price year P.
    :func:`cash_flows` expands it into years; :class:`mkba.uncertainty.Model` evaluates it for
    many parameter sets at once.

    Parameters
    ----------
    case : Case
        The case.
    keys : Keys
        The (task, variant) pairs (:func:`build_keys`).
    price_year : int
        Price year P of the amounts.
    cpi : pandas.Series
        The CPI series by year.
    warnings : dict, optional
        Filled with the Dutch warnings per task (changed in place); None to drop them.
    volunteer : str, optional
        The valuation method of volunteer time; None for the case's.

    Returns
    -------
    pandas.DataFrame
        One row per line and key.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.base.prices import cpi_series
    >>> from mkba.engine.cba import check_parameters, task_frame
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> s = check_parameters(0.0225, None, None, None, cpi_series())
    >>> lines = line_factors(case, build_keys(case, task_frame(case, None, s)), 2024, cpi_series())
    >>> lines.columns.tolist()[:5]
    ['key', 'task_id', 'kind', 'actor', 'loser']
    """
    vol = volunteer_settings(volunteer)
    parts = []
    # ---- costs
    k = case.kosten[case.kosten["taak_id"].isin(keys.task_ids)]
    value, index = price_factors(k, "bedrag", case.kengetallen, price_year, cpi)
    repl = value * index
    value, index, ref = volunteer_values(k, value, index, case.kengetallen, price_year, cpi, vol)
    has_ref = k["kengetal"].notna().to_numpy()
    per_hour = ((k["soort"] == "vrijwilligersinzet").fillna(False).to_numpy(dtype=bool)
                & has_ref)
    q = np.where(has_ref, k["hoeveelheid"].to_numpy(dtype=float, na_value=np.nan), 1.0)
    rows, ks = line_keys(k, keys)
    year = k["jaar"].to_numpy(dtype=int)[rows]
    start, end = _period(keys, ks)
    inside = (year >= start) & (year <= end)
    file = case.files.get("kosten", "kosten.csv")
    _warn_once(warnings, k, rows, ks, keys, ~inside, lambda rec, s, e: (
        f"{file}:{rec['_row']}: jaar {rec['jaar']} valt buiten de analyseperiode {s}–{e}; "
        "niet meegeteld"))
    own_opt = k["optimisme"].to_numpy(dtype=float, na_value=np.nan)
    n = len(rows)
    zeros = np.zeros(n)
    cost = {
        "key": ks, "task_id": k["taak_id"].to_numpy()[rows],
        "kind": np.full(n, FlowKind.COST, int),
        "actor": k["actor"].to_numpy()[rows], "loser": np.full(n, None, dtype=object),
        "item": k["post"].to_numpy()[rows], "post": k["post"].to_numpy()[rows],
        "source_row": k["_row"].to_numpy()[rows], "q": q[rows], "v": value[rows],
        "index": index[rows], "dw": zeros, "at": zeros, "vd": zeros, "keep": np.ones(n),
        "opt": optimism(k, case.taken, "optimisme_kosten")[rows],
        "opt_from_task": np.isnan(own_opt)[rows], "y_from": year,
        "lo": np.where(inside, year, year + 1), "hi": year, "ref": ref[rows],
        "volunteer": per_hour[rows], "v_repl": np.where(per_hour, repl, np.nan)[rows],
        "has_value": np.ones(n, bool), "residual": np.zeros(n, bool),
    }
    parts.append(cost)
    # ---- residual value of investments at the end of the horizon (linear by levensduur)
    life = k["levensduur"].to_numpy(dtype=float, na_value=np.nan)[rows]
    has_life = ~np.isnan(life) & inside
    if has_life.any():
        sel = np.flatnonzero(has_life)
        horizon_end = end[sel]
        used = horizon_end - year[sel] + 1
        left = np.clip(1 - used / life[sel], 0, None)
        sel, left, horizon_end = sel[left > 0], left[left > 0], horizon_end[left > 0]
        m = len(sel)
        if m:
            residual = {c: np.asarray(cost[c])[sel] for c in cost}
            residual.update({
                "kind": np.full(m, FlowKind.BENEFIT, int), "q": residual["q"] * left,
                "item": np.array([f"Restwaarde: {p}" for p in residual["post"]], dtype=object),
                "opt": np.zeros(m), "opt_from_task": np.zeros(m, bool), "y_from": horizon_end,
                "lo": horizon_end, "hi": horizon_end, "volunteer": np.zeros(m, bool),
                "v_repl": np.full(m, np.nan), "residual": np.ones(m, bool)})
            parts.append(residual)
    # ---- the volunteers' own benefit (an explicit kengetal per hour; default none)
    if vol["benefit_code"] and per_hour[rows].any():
        bv, bi = kengetal_value(case.kengetallen, vol["benefit_code"], price_year, cpi,
                           "waarde van vrijwilligerswerk voor de vrijwilliger")
        sel = np.flatnonzero(per_hour[rows])
        m = len(sel)
        task_opt = case.taken.set_index("taak_id")["optimisme_baten"]
        b_opt = np.nan_to_num(pd.Series(cost["task_id"][sel]).map(task_opt)
                              .to_numpy(dtype=float, na_value=np.nan), nan=0.0)
        benefit = {c: np.asarray(cost[c])[sel] for c in cost}
        benefit.update({
            "kind": np.full(m, FlowKind.BENEFIT, int), "v": np.full(m, bv),
            "index": np.full(m, bi),
            "item": np.array([f"Waarde van het vrijwilligerswerk voor de vrijwilligers ({p})"
                              for p in benefit["post"]], dtype=object),
            "opt": b_opt, "opt_from_task": np.ones(m, bool),
            "ref": np.full(m, vol["benefit_code"], dtype=object),
            "volunteer": np.zeros(m, bool), "v_repl": np.full(m, np.nan),
            "residual": np.zeros(m, bool)})
        parts.append(benefit)
    # ---- effects
    e = case.effecten[case.effecten["taak_id"].isin(keys.task_ids) & ~case.effecten["pm"]]
    value, index = price_factors(e, "waarde_per_eenheid", case.kengetallen, price_year, cpi,
                                 "jaar_van")
    rows, ks = line_keys(e, keys)
    y_from = e["jaar_van"].to_numpy(dtype=int)[rows]
    y_to = e["jaar_tot"].to_numpy(dtype=int)[rows]
    start, end = _period(keys, ks)
    lo, hi = np.maximum(y_from, start), np.minimum(y_to, end)
    _warn_once(warnings, e, rows, ks, keys, (lo > y_from) | (hi < y_to),
               _effect_message(case.files.get("effecten", "effecten.csv")))
    is_transfer = e["overdracht_van"].notna().to_numpy()
    own_opt = e["optimisme"].to_numpy(dtype=float, na_value=np.nan)
    effect_opt = contract_optimism(optimism(e, case.taken, "optimisme_baten"), is_transfer)
    n = len(rows)
    parts.append({
        "key": ks, "task_id": e["taak_id"].to_numpy()[rows],
        "kind": np.where(is_transfer, FlowKind.TRANSFER, FlowKind.BENEFIT)[rows],
        "actor": e["actor"].to_numpy()[rows],
        "loser": e["overdracht_van"].astype(object).where(e["overdracht_van"].notna(), None)
        .to_numpy()[rows],
        "item": e["effect"].to_numpy()[rows], "post": e["effect"].to_numpy()[rows],
        "source_row": e["_row"].to_numpy()[rows],
        "q": e["hoeveelheid"].to_numpy(dtype=float, na_value=np.nan)[rows],
        "v": value[rows], "index": index[rows],
        **{short: e[c].to_numpy(dtype=float, na_value=0.0)[rows]
           for short, c in (("dw", "deadweight"), ("at", "attributie"), ("vd", "verdringing"))},
        "keep": 1 - e["afname"].to_numpy(dtype=float, na_value=0.0)[rows],
        "opt": effect_opt[rows],
        "opt_from_task": (np.isnan(own_opt) & ~is_transfer)[rows], "y_from": y_from,
        "lo": lo, "hi": hi,
        "ref": e["kengetal"].to_numpy(dtype=object)[rows],
        "volunteer": np.zeros(n, bool), "v_repl": np.full(n, np.nan),
        "has_value": e["waarde_per_eenheid"].notna().to_numpy()[rows],
        "residual": np.zeros(n, bool),
    })
    data = {c: np.concatenate([np.asarray(p[c]) for p in parts]) for c in LINE_COLUMNS}
    out = pd.DataFrame(data)
    out["ref"] = out["ref"].where(out["ref"].notna(), None)
    return out


def contract_optimism(opt: np.ndarray, is_transfer: np.ndarray) -> np.ndarray:
    """The optimism fraction of effect lines with the transfers' set to 0: a transfer is a
    contract between actors and gets no optimism correction on either side (Assumption
    ``optimism_transfers``); the task's ``optimisme_baten`` does not reach it.

    Parameters
    ----------
    opt : numpy.ndarray
        The optimism fraction of each effect line.
    is_transfer : numpy.ndarray of bool
        Which lines are transfers.

    Returns
    -------
    numpy.ndarray
        ``opt`` with 0 for the transfers.

    Examples
    --------
    >>> contract_optimism(np.array([0.2, 0.2]), np.array([False, True])).tolist()
    [0.2, 0.0]
    """
    return np.where(is_transfer, 0.0, opt)


def optimism_factor(kind, base, opt, forecast):
    """Optimism correction per line-year: a line's contribution to the NPV moves towards
    "worse" by the fraction o, in forecast years only.

    A cost (:attr:`FlowKind.COST`) with a positive amount × (1 + o), a negative cost × (1 − o);
    a benefit with a positive value × (1 − o), a disbenefit × (1 + o) (HM Treasury Green
    Book). A transfer is a contract between actors: no correction on either side (factor 1).
    ``base`` is the line's value before the correction (its sign decides).

    Parameters
    ----------
    kind : array_like of FlowKind
        The kind of each line-year.
    base : array_like of float
        The value before the correction.
    opt : float or array_like of float
        The optimism fraction o.
    forecast : bool or array_like of bool
        Whether the year is forecast (from the peiljaar on).

    Returns
    -------
    numpy.ndarray
        The factor per line-year.

    Examples
    --------
    >>> optimism_factor([FlowKind.COST, FlowKind.BENEFIT, FlowKind.TRANSFER], [100, 100, 100],
    ...                 0.2, True).tolist()
    [1.2, 0.8, 1.0]
    """
    kind = np.asarray(kind)
    direction = np.where(kind == FlowKind.COST, 1.0, -1.0) * np.sign(base)
    direction = np.where(kind == FlowKind.TRANSFER, 0.0, direction)
    return 1.0 + direction * np.where(forecast, opt, 0.0)


def cash_flows(case: Case, keys: Keys, price_year: int, cpi: pd.Series,
               warnings: dict[str, list[str]], volunteer=None,
               peiljaar: int | None = None) -> pd.DataFrame:
    """The tidy cash-flow table of every (task, variant) in ``keys`` (see module docstring).

    Built from :func:`line_factors` (one row per line-year). Years from ``peiljaar`` on are
    forecast (``forecast`` is True) and get the optimism correction; earlier years are
    realised and do not. ``hours`` holds the volunteer hours of a volunteer cost line-year
    (after the optimism correction) and ``v_repl`` their replacement value per hour, so that
    the NPV under another valuation method follows without recomputing. ``actor`` and
    ``kind`` are categoricals; ``warnings`` collects lines (partly) outside the period.

    Parameters
    ----------
    case : Case
        The case.
    keys : Keys
        The (task, variant) pairs (:func:`build_keys`).
    price_year : int
        Price year of the amounts.
    cpi : pandas.Series
        The CPI series by year.
    warnings : dict of str to list of str
        Filled with the Dutch warnings per task (changed in place).
    volunteer : str, optional
        The valuation method of volunteer time; None for the case's.
    peiljaar : int, optional
        First forecast year; None: no year is forecast.

    Returns
    -------
    pandas.DataFrame
        One row per key, year, actor, kind and line, with ``amount`` in euros of ``price_year``.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.base.prices import cpi_series
    >>> from mkba.engine.cba import check_parameters, task_frame
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> s = check_parameters(0.0225, None, None, None, cpi_series())
    >>> keys = build_keys(case, task_frame(case, "T1", s))
    >>> flows = cash_flows(case, keys, 2024, cpi_series(), {})
    >>> flows.columns.tolist()[:7]
    ['key', 'year', 'actor', 'kind', 'item', 'source_row', 'amount']
    """
    lines = line_factors(case, keys, price_year, cpi, warnings, volunteer)
    peil = -10**6 if peiljaar is None else int(peiljaar)
    lo, hi = lines["lo"].to_numpy(), lines["hi"].to_numpy()
    n = np.clip(hi - lo + 1, 0, None)
    pair = np.repeat(np.arange(len(lines)), n)
    year = lo[pair] + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    col = {c: lines[c].to_numpy() for c in ("q", "v", "index", "dw", "at", "vd", "keep", "opt",
                                             "y_from", "kind")}
    base = col["q"] * col["v"] * col["index"] * (1 - col["dw"]) * (1 - col["at"]) \
        * (1 - col["vd"])
    kind = col["kind"][pair]
    forecast = year >= peil
    o = optimism_factor(kind, base[pair], col["opt"][pair], forecast)
    value = base[pair] * np.power(col["keep"][pair], year - col["y_from"][pair]) * o
    is_vol = lines["volunteer"].to_numpy()[pair]
    hours = np.where(is_vol, col["q"][pair] * (1 + np.where(forecast, col["opt"][pair], 0.0)),
                     0.0)
    v_repl = lines["v_repl"].to_numpy()[pair]
    t = np.flatnonzero(kind == FlowKind.TRANSFER)

    def both(a, b=None):
        return np.concatenate([a, a[t] if b is None else b])

    flows = pd.DataFrame({
        "key": both(lines["key"].to_numpy()[pair]).astype(np.int64),
        "year": both(year).astype(np.int64),
        "actor": pd.Categorical(both(lines["actor"].to_numpy()[pair],
                                     lines["loser"].to_numpy()[pair][t])),
        "kind": pd.Categorical.from_codes(both(kind).astype(int), categories=list(KINDS)),
        "item": both(lines["item"].to_numpy()[pair]),
        "source_row": both(lines["source_row"].to_numpy()[pair]).astype(np.int64),
        "amount": both(value, -value[t]).astype(float),
        "forecast": both(forecast),
        "optimism": both(o),
        "hours": both(hours, np.zeros(len(t))),
        "v_repl": both(v_repl, np.full(len(t), np.nan)),
        "residual": both(lines["residual"].to_numpy()[pair]),
    })
    return flows
