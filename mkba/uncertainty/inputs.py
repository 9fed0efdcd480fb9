"""The inputs of a case that carry a range, checked.

Every number that drives a result can carry a range:

- a kengetal: its ``laag``/``hoog`` (name: the kengetal code);
- an effect quantity: ``hoeveelheid_laag``/``hoeveelheid_hoog`` in ``effecten`` (name
  ``TAAK/EFFECT/hoeveelheid``; an estimate from ``mkba effect`` has a normal distribution);
- anything in the table ``bandbreedtes`` (name as in :func:`mkba.case.schema.parse_parameter`:
  a kengetal code, ``discontovoet``, ``TAAK/optimisme_kosten``, ``TAAK/optimisme_baten``,
  ``TAAK/EFFECT/VELD`` or ``TAAK/POST/factor``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mkba.base.assumptions import DISCOUNT_RATE
from mkba.base.errors import CaseError, Problem
from mkba.base.formatting import fmt_number
from mkba.case.schema import parse_parameter
from mkba.case.tables import Case

__all__ = ["UncertainInput", "uncertain_inputs", "input_kind", "input_problem"]


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


def input_kind(parts) -> str:
    """The kind of an input from its parsed name (:func:`mkba.case.schema.parse_parameter`):
    the field for an effect field (``hoeveelheid``, ``afname``, ...), else the first part."""
    return parts[0] if parts[0] != "effect" else parts[-1]


class _BaseValues:
    """The value an input has in the case (the mode of its range when none is given): the
    tables are indexed once, so each input is a dictionary look-up."""

    FRACTIONS = ("deadweight", "attributie", "verdringing", "afname")

    def __init__(self, case: Case, discount_rate: float):
        self.discount_rate = discount_rate
        k = case.kengetallen.drop_duplicates("code")  # the first row of a code counts
        self.kengetal = dict(zip(k["code"], k["waarde"], strict=True))
        t = case.taken.drop_duplicates("taak_id")
        self.task = {kind: dict(zip(t["taak_id"], t[kind], strict=True))
                     for kind in ("optimisme_kosten", "optimisme_baten") if kind in t}
        e = case.effecten
        # the first line of each task/effect (as the look-up by mask took .iloc[0])
        first = ~e.duplicated(["taak_id", "effect"])
        self.effect = {key: i for i, key in enumerate(zip(
            e["taak_id"][first], e["effect"][first], strict=True))}
        self.effects = e[first.to_numpy()]

    def __call__(self, parts) -> float:
        kind = parts[0]
        if kind == "discount":
            return self.discount_rate
        if kind == "kengetal":
            return float(self.kengetal[parts[1]])
        if kind in ("optimisme_kosten", "optimisme_baten"):
            v = self.task[kind][parts[1]]
            return 0.0 if pd.isna(v) else float(v)
        if kind == "factor":
            return 1.0
        _, task, effect, fld = parts
        i = self.effect.get((task, effect))
        if i is None:
            return np.nan
        column = "waarde_per_eenheid" if fld == "waarde" else fld
        value = self.effects[column].iat[i]
        if pd.isna(value):
            return 0.0 if fld in self.FRACTIONS else np.nan
        return float(value)


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
    base_value = _BaseValues(case, discount_rate)
    for row, name, laag, hoog, waarde, dist in b[
            ["_row", "parameter", "laag", "hoog", "waarde", "verdeling"]].itertuples(index=False):
        parts = parse_parameter(name)
        base = base_value(parts)
        mode = base if pd.isna(waarde) else float(waarde)
        kind = input_kind(parts)
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


def input_problem(inp: UncertainInput, message: str) -> Problem:
    """A problem at the input's source (file, row, column) with ``message``."""
    return Problem(inp.source.file, inp.source.row, inp.source.column, message)


def _check_ranges(inputs) -> None:
    problems = []
    for i in inputs:
        if i.low > i.high:
            problems.append(input_problem(i, f"'{i.name}': laag ({i.low:g}) is groter dan hoog "
                                        f"({i.high:g})"))
        if i.nonnegative and i.low < 0 and i.distribution != "normaal":
            problems.append(input_problem(i, f"'{i.name}': kan niet negatief zijn, maar laag is "
                                        f"{i.low:g}"))
        if i.fraction and (i.low < 0 or i.high > 1):
            problems.append(input_problem(i, f"'{i.name}': een fractie moet tussen 0 en 1 liggen"))
        if not (i.low <= i.mode <= i.high) and i.distribution != "normaal":
            problems.append(input_problem(i, f"'{i.name}': de waarde {i.mode:g} ligt buiten "
                                        f"{i.low:g}–{i.high:g}"))
    if problems:
        raise CaseError(problems)


