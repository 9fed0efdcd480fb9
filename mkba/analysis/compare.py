"""Plan and realisation: compare the case the council decided on with the case as it is now.

:func:`compare` evaluates two versions of a case (the decision, *besluit*, and a later
evaluation) with the same settings, task by task and variant by variant, and splits the change
in NCW into contributions of the lines that changed.

Decomposition
-------------
For each task in both versions the case walks from the decision version to the current
version in a fixed order of steps. After every step the task is evaluated again with the same
engine as ``mkba evaluate`` (:func:`mkba.engine.cba.evaluate`, used as a black box), and the
step's contribution to a variant is *the NCW after the step minus the NCW before it*. The walk
starts at the decision version and ends at the current version, so the contributions telescope:
they add up to ``npv_after − npv_before`` exactly (up to floating-point rounding, far below a
cent). The order of the steps (a sequential decomposition, as in an index-number or
waterfall analysis: an interaction between two changes goes to the later step):

1. the task itself (``taken``): its period (``startjaar``, ``eindjaar``, ``horizonjaar``) —
   *timing*; its correction for optimism (``optimisme_kosten``, ``optimisme_baten``) —
   *aanname*; the case's own ``peiljaar`` (table ``casus``, when neither the settings nor
   both versions fix one) — *aanname*;
2. new kengetallen are added (they change nothing until a line uses them), then every
   kengetal whose ``waarde`` or ``prijsjaar`` changed — *prijs*, one step per kengetal;
3. every cost post in both versions (same ``variant``, ``actor``, ``post``, ``soort``), in the
   order of the current version: its years (rows moved to another year, years added or
   dropped) — *timing*; ``hoeveelheid`` — *hoeveelheid*; ``bedrag``, ``kengetal``,
   ``prijsjaar`` — *prijs*; ``optimisme``, ``levensduur`` — *aanname*;
4. every effect in both versions (same ``variant``, ``actor``, ``effect``, ``overdracht_van``,
   ``pm``): ``jaar_van``/``jaar_tot`` and rows added or dropped — *timing*; ``hoeveelheid`` —
   *hoeveelheid*; ``kengetal``, ``waarde_per_eenheid``, ``prijsjaar`` — *prijs*;
   ``deadweight``, ``attributie``, ``verdringing``, ``afname``, ``optimisme`` — *aanname*;
5. cost posts and effects that are new — *nieuw*, one step each;
6. cost posts and effects that no longer exist — *vervallen*, one step each;
7. the current version as a whole. Everything the steps above did not copy (an explanation,
   a range for the Monte Carlo) does not change the NCW; should the NCW still move here, that
   rest is one contribution "overige verschillen" (kind *aanname*), so the sum stays exact.
   The tests check that it does not occur.

Rows of a post (one per year) are paired by year; rows of an effect by ``jaar_van``; rows
left over are paired in year order (a row moved to another year), and what is left after
that is added or dropped in the timing step.

Both versions are evaluated with one set of settings: one price year, one discount rate, one
peiljaar. The base year is the chosen one, else each task's ``startjaar``; when the
``startjaar`` of a task differs between the versions, both are discounted to the
``startjaar`` of the decision (said in the output), so that the two NCWs are in the same unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mkba.analysis.change_text import (
    changes_text,
    more_or_less,
    value_text,
    year_ranges,
)
from mkba.analysis.pipeline import run
from mkba.base.errors import CaseError
from mkba.base.formatting import fmt_eur, fmt_number, is_missing
from mkba.base.jsonout import dumps, none_if_missing, plain
from mkba.base.settings import Settings
from mkba.case.schema import MUNICIPALITY
from mkba.case.tables import Case
from mkba.engine.cba import evaluate
from mkba.evidence.cbs import load_kwb
from mkba.evidence.panel import indicator_label
from mkba.evidence.process import criteria_status

__all__ = ["KINDS", "Comparison", "compare", "verdict_text"]

#: The kinds of contribution, in the order a table shows them.
KINDS = ("prijs", "hoeveelheid", "timing", "nieuw", "vervallen", "aanname")

#: What identifies a cost post and an effect across versions (missing values count as equal).
COST_KEY = ("variant", "actor", "post", "soort")
EFFECT_KEY = ("variant", "actor", "effect", "overdracht_van", "pm")

#: The steps for a line present in both versions: kind and the columns it replaces.
COST_STEPS = (("hoeveelheid", ("hoeveelheid",)),
              ("prijs", ("bedrag", "kengetal", "prijsjaar")),
              ("aanname", ("optimisme", "levensduur")))
EFFECT_STEPS = (("hoeveelheid", ("hoeveelheid",)),
                ("prijs", ("kengetal", "waarde_per_eenheid", "prijsjaar")),
                ("aanname", ("deadweight", "attributie", "verdringing", "afname", "optimisme")))
TASK_STEPS = (("timing", ("startjaar", "eindjaar", "horizonjaar")),
              ("aanname", ("optimisme_kosten", "optimisme_baten")))

#: Relative size of a difference in the last step that is rounding, not a rest (float sums
#: in another row order differ by ~1e-16 relative; this leaves ample room and is still far
#: below a cent for any NCW under 10 billion euro).
ROUNDING = 1e-12

#: Labels of rows added from the current version start here (the decision's rows keep theirs).
_AFTER = 10**9

#: The tables the walk changes; the others do not enter the NCW.
_WALKED = ("taken", "kengetallen", "kosten", "effecten")
#: The table of case-level settings (peiljaar, prijsjaar), in cases that have one.
CASE_TABLE = "casus"


def _same(a, b) -> bool:
    """Equal input values (two missing values are equal)."""
    if is_missing(a) or is_missing(b):
        return is_missing(a) and is_missing(b)
    return bool(a == b)


def _pair(before: pd.DataFrame, after: pd.DataFrame, year: str):
    """Pair the rows of one line: first equal years (the n-th row of a year with the n-th),
    then the rows left over in year order. Returns (pairs, dropped, added) as index labels."""
    def slots(df):
        order = df.sort_values(year, kind="stable")
        n = order.groupby(year, sort=False).cumcount()
        return {(int(y), int(k)): label for label, y, k in
                zip(order.index, order[year], n, strict=True)}

    b, a = slots(before), slots(after)
    pairs = [(b[s], a[s]) for s in sorted(b.keys() & a.keys())]
    rest_b = [b[s] for s in sorted(b.keys() - a.keys())]
    rest_a = [a[s] for s in sorted(a.keys() - b.keys())]
    n = min(len(rest_b), len(rest_a))
    return pairs + list(zip(rest_b[:n], rest_a[:n], strict=True)), rest_b[n:], rest_a[n:]


class _Walk:
    """The case between two versions for one task, evaluated after every step."""

    def __init__(self, before: Case, after: Case, task: str, params: dict):
        self.before, self.after, self.task, self.params = before, after, task, params
        self.tables = {name: before.tables[name] for name in _WALKED}
        if CASE_TABLE in before.tables:  # the case-level settings, when the case has them
            self.tables[CASE_TABLE] = before.tables[CASE_TABLE]
        self.records: list[dict] = []
        self.failed: str | None = None
        self.first = self.last = evaluate(before, task=task, **params)
        self.npv = self._values(self.first)

    @staticmethod
    def _values(ev) -> dict[str, float]:
        t = ev.totals
        return dict(zip(t["variant"], t["npv"].astype(float), strict=True))

    def _npv(self) -> dict[str, float]:
        case = Case({**self.before.tables, **self.tables}, self.before.source,
                    self.before.files)
        return self._values(evaluate(case, task=self.task, **self.params))

    def edit(self, name: str) -> pd.DataFrame:
        """The table ``name`` to change in place (copied on first change)."""
        if self.tables[name] is self.before.tables[name]:
            self.tables[name] = self.tables[name].copy()
        return self.tables[name]

    def add_rows(self, name: str, rows: pd.DataFrame) -> None:
        self.tables[name] = pd.concat([self.edit(name), rows])

    def drop_rows(self, name: str, labels) -> None:
        self.tables[name] = self.edit(name).drop(index=list(labels))

    def set_cells(self, name: str, label, source: pd.Series, columns) -> None:
        table = self.edit(name)
        for c in columns:
            table.at[label, c] = source[c]

    def set_column(self, name: str, labels, column: str, values: pd.Series) -> None:
        """Cells of one column in the rows ``labels``, from ``values`` (same order)."""
        table = self.edit(name)
        table.loc[list(labels), column] = values.to_numpy()

    def step(self, kind: str, table: str, line: str, actor, text: str) -> None:
        """Evaluate after a change and record each variant's contribution."""
        if self.failed:
            return
        try:
            new = self._npv()
        except CaseError as err:
            self.failed = (f"taak {self.task}: de opsplitsing stopte bij '{line}' "
                           f"({err.problems[0].message}); wat overbleef staat als "
                           "'overige verschillen'")
            return
        self._record(new, kind, table, line, actor, text)

    def _record(self, new: dict, kind, table, line, actor, text) -> None:
        for variant, value in new.items():
            if not np.isfinite(value):  # a state half-way has no value: the next step
                continue                # carries this step's change too
            if variant in self.npv and value != self.npv[variant]:
                self.records.append({"variant": variant, "line": line, "kind": kind,
                                     "amount": value - self.npv[variant], "text": text,
                                     "actor": None if is_missing(actor) else actor,
                                     "table": table})
            self.npv[variant] = value

    def finish(self) -> None:
        """The last step: the current version itself (its own tables, unchanged).

        Its rows may stand in another order than the walk left them, so the sums may differ
        in the last bits (≈ 1e-12 euro): such rounding is added to the variant's last
        contribution, so the contributions still add up; a real rest is recorded as
        "overige verschillen"."""
        self.last = evaluate(self.after, task=self.task, **self.params)
        new = self._values(self.last)
        for variant, value in new.items():
            old = self.npv.get(variant)
            if old is None or not np.isfinite(value):
                continue
            rest = value - old
            mine = [r for r in self.records if r["variant"] == variant]
            if rest and abs(rest) <= ROUNDING * max(1.0, abs(value), abs(old)):
                if mine:
                    mine[-1]["amount"] += rest
                self.npv[variant] = value
        self._record(new, "aanname", "overig", "overige verschillen", None,
                     "Overige verschillen tussen de versies")


# ---------------------------------------------------------------------------- the steps

def _task_steps(w: _Walk) -> None:
    b_rows, a_rows = w.before.taken, w.after.taken
    label = b_rows.index[b_rows["taak_id"] == w.task][0]
    b, a = b_rows.loc[label], a_rows[a_rows["taak_id"] == w.task].iloc[0]
    for kind, columns in TASK_STEPS:
        changed = [(c, b[c], a[c]) for c in columns if not _same(b[c], a[c])]
        if not changed:
            continue
        w.set_cells("taken", label, a, [c for c, _, _ in changed])
        if kind == "timing":
            line = "looptijd van de taak"
            text = (f"Looptijd {int(a['startjaar'])}–{int(a['eindjaar'])} in plaats van "
                    f"{int(b['startjaar'])}–{int(b['eindjaar'])}")
            horizon = [x for x in changed if x[0] == "horizonjaar"]
            if horizon:
                text += "; " + changes_text(horizon)
        else:
            line, text = "correctie voor optimisme", changes_text(changed).capitalize()
        w.step(kind, "taken", line, None, text)


def _own_peiljaar(table) -> int | None:
    if table is None or table.empty or "peiljaar" not in table.columns:
        return None
    value = table["peiljaar"].iloc[0]
    return None if is_missing(value) else int(value)


def _case_steps(w: _Walk) -> None:
    """The case's own peiljaar (table ``casus``): a later peiljaar makes more years realised,
    which then get no correction for optimism — an *aanname*. (With a peiljaar chosen in the
    settings, both versions use that one and this step changes nothing.)"""
    before, after = w.before.tables.get(CASE_TABLE), w.after.tables.get(CASE_TABLE)
    old, new = _own_peiljaar(before), _own_peiljaar(after)
    if old == new or after is None:
        return
    w.tables[CASE_TABLE] = after
    text = (f"Peiljaar {new} in plaats van {old}: de jaren {old}–{new - 1} zijn nu "
            "gerealiseerd (zonder correctie voor optimisme)" if old is not None and new
            and new > old else f"Peiljaar {value_text('startjaar', new)} in plaats van "
            f"{value_text('startjaar', old)}")
    w.step("aanname", CASE_TABLE, "peiljaar", None, text)


def _kengetal_steps(w: _Walk) -> None:
    b, a = w.before.kengetallen, w.after.kengetallen
    new = a[~a["code"].isin(set(b["code"]))]
    if len(new):
        w.add_rows("kengetallen", new.set_axis(new.index + _AFTER))
        w.step("nieuw", "kengetallen", "nieuwe kengetallen", None,
               "Nieuwe kengetallen: " + ", ".join(map(str, new["code"])))
    after = a.set_index("code")
    for label, row in b.iterrows():
        code = row["code"]
        if code not in after.index:
            continue
        now = after.loc[code]
        changed = [(c, row[c], now[c]) for c in ("waarde", "prijsjaar")
                   if not _same(row[c], now[c])]
        if not changed:
            continue
        w.set_cells("kengetallen", label, now, ["waarde", "prijsjaar", "eenheid"])
        text = (f"Kengetal {code} ({now['omschrijving']}): "
                f"{value_text('waarde', now['waarde'])} per {now['eenheid']} in plaats van "
                f"{value_text('waarde', row['waarde'])}")
        if not _same(row["prijsjaar"], now["prijsjaar"]):
            text += f" (prijsjaar {int(now['prijsjaar'])} in plaats van {int(row['prijsjaar'])})"
        w.step("prijs", "kengetallen", f"kengetal {code}", None, text)


def _groups(df: pd.DataFrame, task: str, key) -> dict[tuple, pd.DataFrame]:
    """The rows of one task per line (``key`` columns; a missing value counts as "")."""
    rows = df[(df["taak_id"] == task).to_numpy(dtype=bool)]
    columns = [[("" if is_missing(v) else v) for v in rows[c].tolist()] for c in key]
    out: dict[tuple, list] = {}
    for i, k in enumerate(zip(*columns, strict=True)):
        out.setdefault(k, []).append(i)
    return {k: rows.iloc[positions] for k, positions in out.items()}


def _differ(before: pd.Series, after: pd.Series) -> np.ndarray:
    """Per position: do two aligned columns differ (two missing values do not)?"""
    b, a = before.to_numpy(dtype=object), after.to_numpy(dtype=object)
    b_na, a_na = pd.isna(b), pd.isna(a)
    with np.errstate(invalid="ignore"):
        equal = np.array([x == y for x, y in zip(b, a, strict=True)], dtype=object)
    equal = np.array([bool(e) if not (bn or an) else False
                      for e, bn, an in zip(equal, b_na, a_na, strict=True)], dtype=bool)
    return ~(equal | (b_na & a_na))


def _units(case: Case) -> dict[str, str]:
    k = case.kengetallen
    return dict(zip(k["code"], k["eenheid"], strict=True))


def _line_name(key: tuple) -> tuple[str, str]:
    """The line's name (post or effect) and actor from its key (COST_KEY, EFFECT_KEY)."""
    return key[2], key[1]


def _years_of(table: str, rows: pd.DataFrame) -> str:
    if table == "kosten":
        return year_ranges(rows["jaar"])
    spans = sorted({(int(v), int(t)) for v, t in zip(rows["jaar_van"], rows["jaar_tot"],
                                                      strict=True)})
    return ", ".join(f"{v}–{t}" if v != t else str(v) for v, t in spans)


def _timing_text(table, before, after, pairs, dropped, added) -> str:
    parts = []
    if table == "kosten":
        moved = [(b, a) for b, a in pairs if before.at[b, "jaar"] != after.at[a, "jaar"]]
        if moved:
            parts.append(f"{year_ranges(after.loc[[a for _, a in moved], 'jaar'])} in plaats "
                         f"van {year_ranges(before.loc[[b for b, _ in moved], 'jaar'])}")
    else:
        for b, a in pairs:
            old = (before.at[b, "jaar_van"], before.at[b, "jaar_tot"])
            new = (after.at[a, "jaar_van"], after.at[a, "jaar_tot"])
            if old != new:
                parts.append(f"{new[0]}–{new[1]} in plaats van {old[0]}–{old[1]}")
    if dropped:
        parts.append(f"niet meer in {_years_of(table, before.loc[dropped])}")
    if added:
        parts.append(f"nu ook in {_years_of(table, after.loc[added])}")
    return ", ".join(parts)


def _change_text(table, kind, before, after, diffs, units) -> str:
    """What changed in one step of a line present in both versions (without the name)."""
    cols = {c for _, _, c in diffs}
    parts = []
    if "bedrag" in cols:
        both = [(b, a) for b, a, c in diffs if c == "bedrag"
                and not is_missing(before.at[b, "bedrag"])
                and not is_missing(after.at[a, "bedrag"])]
        if both:
            total = sum(after.at[a, "bedrag"] - before.at[b, "bedrag"] for b, a in both)
            years = year_ranges(after.loc[[a for _, a in both], "jaar"])
            parts.append(f"{years} samen {fmt_eur(abs(total))} {more_or_less(total)} dan bij "
                         "het besluit" if total else
                         f"{years} anders over de jaren verdeeld")
        cols = cols - {"bedrag"} if len(both) == sum(c == "bedrag" for _, _, c in diffs) else cols
    if kind == "hoeveelheid" and table == "kosten":
        both = [(b, a) for b, a, _ in diffs if not is_missing(before.at[b, "hoeveelheid"])
                and not is_missing(after.at[a, "hoeveelheid"])]
        if len(both) == len(diffs):
            total = sum(after.at[a, "hoeveelheid"] - before.at[b, "hoeveelheid"]
                        for b, a in both)
            unit = units.get(after.at[both[0][1], "kengetal"]) or "eenheden"
            years = year_ranges(after.loc[[a for _, a in both], "jaar"])
            parts.append(f"{years} samen {fmt_number(abs(total))} {unit} "
                         f"{more_or_less(total, 'meer', 'minder')} dan bij het besluit")
            cols = set()
    if kind == "hoeveelheid" and table == "effecten":
        for b, a, _ in diffs:
            span = f"{after.at[a, 'jaar_van']}–{after.at[a, 'jaar_tot']}"
            parts.append(f"{value_text('hoeveelheid', after.at[a, 'hoeveelheid'])} per jaar "
                         f"in plaats van {value_text('hoeveelheid', before.at[b, 'hoeveelheid'])}"
                         + (f" ({span})" if len(diffs) > 1 else ""))
        cols = set()
    seen = dict.fromkeys((c, before.at[b, c], after.at[a, c]) for b, a, c in diffs if c in cols)
    unique = list(seen)
    if unique:
        parts.append(changes_text(unique))
    return "; ".join(parts)


def _line_steps(w: _Walk, table: str, key_cols, steps, only=None) -> None:
    """Steps 3–6 for one table: lines in both versions, then new ones, then dropped ones."""
    before = _groups(w.before.tables[table], w.task, key_cols)
    after = _groups(w.after.tables[table], w.task, key_cols)
    units = _units(w.after)
    year = "jaar" if table == "kosten" else "jaar_van"
    if only in (None, "both"):
        for key in [k for k in after if k in before]:
            b, a = before[key], after[key]
            name, actor = _line_name(key)
            line = name
            pairs, dropped, added = _pair(b, a, year)
            timing_cols = ("jaar",) if table == "kosten" else ("jaar_van", "jaar_tot")
            bp = b.loc[[x for x, _ in pairs]]
            ap = a.loc[[y for _, y in pairs]]
            differs = {c: _differ(bp[c], ap[c]) for c in
                       {*timing_cols, *(c for _, cols in steps for c in cols)}}
            moved_at = np.any([differs[c] for c in timing_cols], axis=0) if pairs else []
            moved = [p for p, m in zip(pairs, moved_at, strict=True) if m]
            if moved or dropped or added:
                for c in timing_cols:
                    at = differs[c]
                    if at.any():
                        w.set_column(table, bp.index[at], c, ap[c][at])
                if dropped:
                    w.drop_rows(table, dropped)
                if added:
                    w.add_rows(table, a.loc[added].set_axis(a.loc[added].index + _AFTER))
                w.step("timing", table, line, actor, f"{name} ({actor}): "
                       + _timing_text(table, b, a, pairs, dropped, added))
            # a cost row valued the other way now (bedrag ↔ hoeveelheid × kengetal): its
            # quantity changes with its price, in one step (half-way it would have no value)
            switched = (pd.isna(bp["bedrag"].to_numpy()) != pd.isna(ap["bedrag"].to_numpy())
                        if table == "kosten" else np.zeros(len(pairs), dtype=bool))
            for kind, columns in steps:
                if table == "kosten" and kind == "prijs":
                    columns = (*columns, "hoeveelheid")
                diffs = []
                for c in columns:
                    at = differs[c].copy()
                    if c == "hoeveelheid":  # with the price when switched, else on its own
                        at &= switched if kind == "prijs" else ~switched
                    if at.any():
                        w.set_column(table, bp.index[at], c, ap[c][at])
                        diffs += [(x, y, c) for (x, y), d in zip(pairs, at, strict=True) if d]
                if diffs:
                    w.step(kind, table, line, actor, f"{name} ({actor}): "
                           + _change_text(table, kind, b, a, diffs, units))
    if only in (None, "new"):
        for key in [k for k in after if k not in before]:
            a = after[key]
            name, actor = _line_name(key)
            w.add_rows(table, a.set_axis(a.index + _AFTER))
            w.step("nieuw", table, name, actor,
                   f"Nieuw sinds het besluit: {name} ({actor}), {_years_of(table, a)}")
    if only in (None, "dropped"):
        for key in [k for k in before if k not in after]:
            b = before[key]
            name, actor = _line_name(key)
            w.drop_rows(table, b.index)
            w.step("vervallen", table, name, actor,
                   f"Vervallen sinds het besluit: {name} ({actor}), {_years_of(table, b)}")


def _only_task(case: Case, task: str) -> Case:
    """The case with only the rows of one task (a step then evaluates a small case: the walk
    of a task costs the same in a case of 4 tasks as in one of 1.000)."""
    tables = {name: (df[(df["taak_id"] == task).to_numpy(dtype=bool)]
                     if "taak_id" in df.columns else df)
              for name, df in case.tables.items()}
    return Case(tables, case.source, case.files, case.warnings)


def _walk(before: Case, after: Case, task: str, params: dict) -> _Walk:
    """The walk of one task from the decision to now, done: ``records`` holds the
    contributions, ``first`` and ``last`` the evaluations of the two versions (of the task's
    rows only)."""
    w = _Walk(_only_task(before, task), _only_task(after, task), task, params)
    _task_steps(w)
    _case_steps(w)
    _kengetal_steps(w)
    _line_steps(w, "kosten", COST_KEY, COST_STEPS, only="both")
    _line_steps(w, "effecten", EFFECT_KEY, EFFECT_STEPS, only="both")
    _line_steps(w, "kosten", COST_KEY, COST_STEPS, only="new")
    _line_steps(w, "effecten", EFFECT_KEY, EFFECT_STEPS, only="new")
    _line_steps(w, "kosten", COST_KEY, COST_STEPS, only="dropped")
    _line_steps(w, "effecten", EFFECT_KEY, EFFECT_STEPS, only="dropped")
    w.finish()
    return w


# ---------------------------------------------------------------------------- the result

def verdict_text(npv_before: float | None, npv_after: float | None) -> str:
    """The two verdicts in one Dutch sentence.

    Examples
    --------
    >>> verdict_text(120_000, -45_000)  # doctest: +NORMALIZE_WHITESPACE
    'Bij het besluit was de NCW € 120.000 (positief), nu € −45.000 (negatief):
     het oordeel is omgeslagen.'
    >>> print(verdict_text(120_000, 100_000))
    Bij het besluit was de NCW € 120.000 (positief), nu € 100.000 (positief): het oordeel
    blijft, de NCW is € 20.000 lager.
    """
    if npv_before is None or npv_after is None:
        known = npv_after if npv_before is None else npv_before
        when = "nu" if npv_before is None else "bij het besluit"
        return f"Alleen {when} doorgerekend: NCW {fmt_eur(known)}."

    def sign(x):
        return "positief" if x > 0 else "negatief" if x < 0 else "nul"

    head = (f"Bij het besluit was de NCW {fmt_eur(npv_before)} ({sign(npv_before)}), "
            f"nu {fmt_eur(npv_after)} ({sign(npv_after)})")
    diff = npv_after - npv_before
    if sign(npv_before) != sign(npv_after):
        return head + ": het oordeel is omgeslagen."
    if round(diff) == 0:
        return head + ": het oordeel blijft, de NCW is gelijk."
    return (head + f": het oordeel blijft, de NCW is {fmt_eur(abs(diff))} "
            f"{more_or_less(diff)}.")


def _pair_values(before, after) -> dict:
    b, a = none_if_missing(before), none_if_missing(after)
    return {"before": b, "after": a,
            "difference": None if b is None or a is None else a - b}


def _actor_balance(ev_before, ev_after, task, variant) -> list[dict]:
    def table(ev):
        if ev is None:
            return {}
        t = ev.actors[(ev.actors["task_id"] == task) & (ev.actors["variant"] == variant)]
        return dict(zip(t["actor"], t["npv"].astype(float), strict=True))

    b, a = table(ev_before), table(ev_after)
    actors = list(dict.fromkeys([*b, *a]))
    return [{"actor": actor, **_pair_values(b.get(actor, 0.0 if actor in a else None),
                                            a.get(actor, 0.0 if actor in b else None))}
            for actor in actors]


def _totals_row(ev, task, variant):
    if ev is None:
        return None
    t = ev.totals
    rows = t[(t["task_id"] == task) & (t["variant"] == variant)]
    return None if rows.empty else rows.iloc[0]


@dataclass(frozen=True)
class Comparison:
    """Two versions of a case side by side, with the change in NCW split into contributions.

    ``tasks`` has one record per task and variant (see :meth:`to_dict` for the keys);
    ``contributions`` is the long table of contributions (task_id, variant, step, line, kind,
    amount, text, actor, table); ``targets`` and ``criteria`` say what was expected at the
    decision and what was met.
    """

    parameters: dict
    sources: dict
    tasks: list[dict]
    contributions: pd.DataFrame = field(repr=False)
    targets: list[dict] = field(default_factory=list)
    criteria: list[dict] = field(default_factory=list)
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        both = [t for t in self.tasks if t["status"] == "compared"]
        return (f"<Comparison {self.sources['before']} → {self.sources['after']}: "
                f"{len(both)} taak/variant-combinaties vergeleken>")

    def task(self, task_id: str, variant: str | None = None) -> dict:
        """The record of one task and variant (``variant`` may be left out with one)."""
        rows = [t for t in self.tasks if t["task_id"] == task_id
                and (variant is None or t["variant"] == variant)]
        if not rows:
            raise CaseError(f"taak {task_id} staat in geen van beide versies")
        if len(rows) > 1 and variant is None:
            raise CaseError(f"taak {task_id} heeft varianten ("
                            + ", ".join(r["variant"] for r in rows) + "); kies er één")
        return rows[0]

    def contributions_of(self, task_id: str, variant: str) -> pd.DataFrame:
        """The contributions of one task and variant, in the order of the steps."""
        c = self.contributions
        return c[(c["task_id"] == task_id) & (c["variant"] == variant)].reset_index(drop=True)

    def waterfall(self, task_id: str, variant: str, largest: int = 6) -> pd.DataFrame:
        """From the NCW at the decision to the NCW now: the ``largest`` contributions (by
        size) as steps, the rest together as one step "overige verschillen". Columns
        ``step``, ``amount``, ``cumulative`` (after the step); the first row is the start and
        the last row the end (its ``amount`` is the NCW now)."""
        rec = self.task(task_id, variant)
        c = self.contributions_of(task_id, variant)
        order = c["amount"].abs().sort_values(ascending=False, kind="stable").index
        top, rest = c.loc[order[:largest]], c.loc[order[largest:]]
        steps = [(f"{k}: {line}", float(a)) for k, line, a in
                 zip(top["kind"], top["line"], top["amount"], strict=True)]
        if len(rest):
            steps.append((f"overige {len(rest)} verschillen", float(rest["amount"].sum())))
        start = rec["npv_before"]
        rows = [("NCW bij het besluit", start, start)]
        running = start
        for label, amount in steps:
            running += amount
            rows.append((label, amount, running))
        rows.append(("NCW nu", rec["npv_after"], rec["npv_after"]))
        return pd.DataFrame(rows, columns=["step", "amount", "cumulative"])

    def summary(self) -> pd.DataFrame:
        """One row per task and variant with Dutch headers (amounts as numbers)."""
        return pd.DataFrame({
            "taak": [t["task_id"] for t in self.tasks],
            "variant": [t["variant"] for t in self.tasks],
            "NCW besluit": [t["npv_before"] for t in self.tasks],
            "NCW nu": [t["npv_after"] for t in self.tasks],
            "verschil": [t["difference"] for t in self.tasks],
            "oordeel": [t["verdict"] for t in self.tasks],
        })

    def to_dict(self) -> dict:
        """Plain types only (JSON-ready), English keys."""
        return plain({"parameters": self.parameters, "sources": self.sources,
                      "tasks": self.tasks, "targets": self.targets, "criteria": self.criteria,
                      "warnings": list(self.warnings)})

    def to_json(self, **kwargs) -> str:
        return dumps(self.to_dict(), **kwargs)

    def _repr_html_(self) -> str:
        return self.summary().to_html(index=False)


def _task_params(settings: Settings, before: Case, after: Case, task: str,
                 params: dict) -> dict:
    """The evaluation parameters of one task: a common base year when ``startjaar`` moved."""
    if settings.base_year is not None:
        return params
    start = [int(c.taken.loc[c.taken["taak_id"] == task, "startjaar"].iloc[0])
             for c in (before, after)]
    return params if start[0] == start[1] else {**params, "base_year": start[0]}


def compare(before, after, settings: Settings | None = None, *, task=None,
            kwb=None, goals: bool = True) -> Comparison:
    """Compare the decision version of a case with the current version.

    Parameters
    ----------
    before, after : Case, str or Path
        The version the council decided on (*besluit*) and the current one (folders or
        workbooks, or cases already read).
    settings : Settings, optional
        Applied to both versions (a scenario file too). ``draws`` is ignored here.
    task : str or collection of str, optional
        Only this task (or these tasks).
    kwb : DataFrame, optional
        CBS figures, for quantities estimated from them and for targets on CBS indicators.
    goals : bool
        Also compare the targets (``doelen``) and success criteria (``criteria``).

    Returns
    -------
    Comparison

    Notes
    -----
    ``npv_before`` and ``npv_after`` are what ``mkba evaluate`` gives for each version with
    the same settings (the pipeline of :func:`mkba.analysis.pipeline.run`: scenario and
    estimated quantities first). The contributions come from the sequential walk described in
    the module docstring and add up to ``difference``.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> c = compare(DATA_DIR / "voorbeeld", DATA_DIR / "voorbeeld", goals=False)
    >>> {t["difference"] for t in c.tasks}, len(c.contributions)
    ({0.0}, 0)
    """

    settings = Settings(**{**(settings or Settings()).to_dict(), "draws": 0}).validate()
    runs = [run(case, settings, task=None, kwb=kwb) for case in (before, after)]
    cases = [r.case for r in runs]
    # one price year for both: the chosen one, else the one the current version is computed
    # in (its own, or the default); each version keeps its own peiljaar unless one is chosen
    params = {**runs[0].parameters, "price_year": settings.price_year
              or runs[1].evaluation.parameters["price_year"]}
    ids = [list(c.taken["taak_id"]) for c in cases]
    order = [t for t in dict.fromkeys([*ids[1], *ids[0]]) if _wanted(t, task)]
    if task is not None and not order:
        raise CaseError(f"onbekende taak '{task}'")
    tasks, records, warnings = [], [], []
    for t in order:
        in_both = t in ids[0] and t in ids[1]
        p = _task_params(settings, *cases, t, params) if in_both else params
        if in_both:
            walk = _walk(*cases, t, p)
            evs, found = [walk.first, walk.last], walk.records
            if walk.failed:
                warnings.append(walk.failed)
        else:
            evs = [evaluate(c, task=t, **p) if t in i else None
                   for c, i in zip(cases, ids, strict=True)]
            found = []
        if p is not params:
            warnings.append(f"taak {t}: het startjaar verschilt tussen de versies; beide zijn "
                            f"contant gemaakt naar {p['base_year']} (het startjaar bij het "
                            "besluit)")
        variants = list(dict.fromkeys(
            [*(evs[1].totals["variant"] if evs[1] else []),
             *(evs[0].totals["variant"] if evs[0] else [])]))
        for v in variants:
            rec = _task_record(t, v, evs, p)
            if rec["status"] == "compared":
                mine = [r for r in found if r["variant"] == v]
                for i, r in enumerate(mine):
                    records.append({"task_id": t, "step": i + 1, **r})
                rec["contributions"] = [{k: r[k] for k in ("line", "kind", "amount", "text",
                                                           "actor", "table")}
                                        | {"line": f"{t}/{v}/{r['line']}"} for r in mine]
            tasks.append(rec)
    contributions = pd.DataFrame(records, columns=["task_id", "variant", "step", "line", "kind",
                                                   "amount", "text", "actor", "table"])
    both = {t for t in order if t in ids[0] and t in ids[1]}
    targets, criteria = (_goals(*cases, both, kwb, settings.threshold) if goals and both
                         else ([], []))
    parameters = {**runs[1].evaluation.parameters, "order": ORDER_TEXT}
    parameters["base_year"] = settings.base_year
    return Comparison(parameters=plain(parameters),
                      sources={"before": cases[0].source, "after": cases[1].source},
                      tasks=tasks, contributions=contributions, targets=targets,
                      criteria=criteria, warnings=tuple(warnings))


#: The order of the decomposition in one Dutch sentence (shown with every comparison).
ORDER_TEXT = ("Volgorde van de opsplitsing: looptijd en optimisme van de taak, peiljaar, "
              "kengetallen, dan per kostenpost en per effect: jaren, hoeveelheid, prijs, "
              "aannames; dan nieuwe en vervallen regels. Elke bijdrage is de NCW na die stap "
              "min de NCW "
              "ervoor; samen tellen ze op tot het verschil.")


def _task_record(task, variant, evs, params) -> dict:
    rows = [_totals_row(ev, task, variant) for ev in evs]
    status = ("compared" if rows[0] is not None and rows[1] is not None
              else "new" if rows[0] is None else "dropped")
    known = rows[1] if rows[1] is not None else rows[0]

    def value(i, col):
        return None if rows[i] is None else float(rows[i][col])

    def bc(i):
        return None if rows[i] is None else none_if_missing(rows[i]["bc_ratio"])

    balance = _actor_balance(evs[0], evs[1], task, variant)
    municipal = [b for b in balance if str(b["actor"]).casefold() == MUNICIPALITY]
    npv_b, npv_a = value(0, "npv"), value(1, "npv")
    return {
        "task_id": task, "variant": variant, "name": known["name"],
        "wijk_code": known["wijk_code"], "status": status,
        "base_year": int(known["base_year"]),
        "npv_before": npv_b, "npv_after": npv_a,
        "difference": None if status != "compared" else npv_a - npv_b,
        "pv_costs": _pair_values(value(0, "pv_costs"), value(1, "pv_costs")),
        "pv_benefits": _pair_values(value(0, "pv_benefits"), value(1, "pv_benefits")),
        "bc_ratio": _pair_values(bc(0), bc(1)),
        "by_actor": balance,
        "municipality": ({k: v for k, v in municipal[0].items() if k != "actor"} if municipal
                         else _pair_values(0.0 if rows[0] is not None else None,
                                           0.0 if rows[1] is not None else None)),
        "verdict": verdict_text(npv_b, npv_a),
        "contributions": [],
    }


# ---------------------------------------------------------------------------- targets

def _goals(before: Case, after: Case, tasks: set, kwb,
           threshold: int) -> tuple[list[dict], list[dict]]:
    """Targets and criteria of the tasks in both versions: expected at the decision,
    measured with the current data."""
    if not any(len(t[t["taak_id"].isin(tasks)]) for c in (before, after)
               for t in (c.doelen, c.criteria)):
        return [], []
    needs_cbs = _needs_cbs(before, after, tasks)
    if kwb is None and needs_cbs:
        kwb = load_kwb()
    return (_targets(before, after, tasks, kwb, threshold),
            _criteria(before, after, tasks, kwb, threshold))


def _needs_cbs(before: Case, after: Case, tasks: set) -> bool:
    m = after.metingen
    own = set(zip(m["wijk_code"], m["indicator"], strict=True))
    wijk = dict(zip(after.taken["taak_id"], after.taken["wijk_code"], strict=True))
    for case in (before, after):
        for table in (case.doelen, case.criteria):
            for t, ind in zip(table["taak_id"], table["indicator"], strict=True):
                if t in tasks and (wijk[t], ind) not in own:
                    return True
    return False


def _status(old, new, columns) -> str:
    if old is None:
        return "new"
    if new is None:
        return "dropped"
    return ("unchanged" if all(_same(old[c], new[c]) for c in columns) else "changed")


def _targets(before, after, tasks_now, kwb, threshold) -> list[dict]:
    # statsmodels via indicators: ≈ 1,2 s at import, only with targets
    from mkba.evidence.indicators import meets_target, target_attainment

    key = ["taak_id", "indicator"]
    plan = {tuple(r[k] for k in key): r for _, r in before.doelen.iterrows()}
    now = {tuple(r[k] for k in key): r for _, r in after.doelen.iterrows()}
    keys = [k for k in dict.fromkeys([*plan, *now]) if k[0] in tasks_now]
    if not keys:
        return []
    rows = pd.DataFrame([plan.get(k, now.get(k)) for k in keys])
    measured = target_attainment(after.with_table("doelen", rows.reset_index(drop=True)),
                                 kwb=kwb, threshold=threshold)
    out = []
    for k, (_, m) in zip(keys, measured.iterrows(), strict=True):
        old, new = plan.get(k), now.get(k)
        status = _status(old, new, ["streefwaarde", "streefjaar", "richting"])
        latest = none_if_missing(m["latest_value"])
        met_now = (None if new is None or latest is None else
                   meets_target(latest, float(new["streefwaarde"]), new["richting"] == "lager"))
        rec = {"task_id": k[0], "indicator": k[1], "status": status,
               "expected": None if old is None else float(old["streefwaarde"]),
               "expected_year": None if old is None else int(old["streefjaar"]),
               "target": None if new is None else float(new["streefwaarde"]),
               "target_year": None if new is None else int(new["streefjaar"]),
               "direction": m["direction"], "latest_year": none_if_missing(m["latest_year"]),
               "latest_value": latest, "source": m["source"],
               "met": None if old is None else none_if_missing(m["attained"]),
               "met_current": met_now}
        rec["text"] = _goal_text(rec, indicator_label(k[1], after))
        out.append(rec)
    return out


def _criteria(before, after, tasks_now, kwb, threshold) -> list[dict]:
    # statsmodels via indicators: ≈ 1,2 s at import, only with criteria
    from mkba.evidence.indicators import meets_target

    key = ["taak_id", "soort", "indicator"]
    plan = {tuple(r[k] for k in key): r for _, r in before.criteria.iterrows()}
    now = {tuple(r[k] for k in key): r for _, r in after.criteria.iterrows()}
    keys = [k for k in dict.fromkeys([*plan, *now]) if k[0] in tasks_now]
    if not keys:
        return []
    rows = pd.DataFrame([plan.get(k, now.get(k)) for k in keys]).reset_index(drop=True)
    measured = criteria_status(after.with_table("criteria", rows), kwb=kwb, threshold=threshold)
    out = []
    for k, (_, m) in zip(keys, measured.iterrows(), strict=True):
        old, new = plan.get(k), now.get(k)
        value = none_if_missing(m["value"])
        met_now = (None if new is None or value is None or m["suppressed"] else
                   meets_target(value, float(new["streefwaarde"]), new["richting"] == "lager"))
        rec = {"task_id": k[0], "kind": k[1], "indicator": k[2],
               "description": (old if old is not None else new)["omschrijving"],
               "status": _status(old, new, ["streefwaarde", "richting", "peiljaar"]),
               "expected": None if old is None else float(old["streefwaarde"]),
               "target": None if new is None else float(new["streefwaarde"]),
               "direction": m["direction"], "latest_year": none_if_missing(m["year"]),
               "latest_value": None if m["suppressed"] else value, "source": m["source"],
               "met": None if old is None else none_if_missing(m["met"]),
               "met_current": met_now}
        rec["text"] = _goal_text(rec, rec["description"])
        out.append(rec)
    return out


def _goal_value(value) -> str:
    if value is None:
        return "–"
    return fmt_number(value, 0 if float(value).is_integer() else 2)


def _goal_text(rec: dict, what: str) -> str:
    """One Dutch sentence: expected at the decision, measured now, met or not."""
    measured = ("geen meting" if rec["latest_value"] is None else
                f"gemeten {_goal_value(rec['latest_value'])} in {rec['latest_year']}")
    if rec["status"] == "new":
        head = f"{what}: nieuw doel sinds het besluit (streefwaarde {_goal_value(rec['target'])})"
        met = rec["met_current"]
    else:
        head = f"{what}: bij het besluit verwacht {_goal_value(rec['expected'])}"
        if rec["status"] == "changed":
            head += f", nu als doel {_goal_value(rec['target'])}"
        elif rec["status"] == "dropped":
            head += ", nu geen doel meer"
        met = rec["met"]
    verdict = ("gehaald" if met else "niet gehaald" if met is not None else "nog onbekend")
    if rec["status"] == "changed" and rec["met_current"] is not None and \
            rec["met_current"] != met:
        verdict += " (het doel van nu " + ("wel" if rec["met_current"] else "niet") + ")"
    return f"{head}; {measured}: {verdict}."


def comparison_table(comparison: Comparison) -> pd.DataFrame:
    """The contributions with Dutch headers and formats, largest first per task/variant."""
    c = comparison.contributions
    if c.empty:
        return pd.DataFrame(columns=["taak", "variant", "soort", "wat", "bijdrage aan NCW"])
    c = c.assign(size=c["amount"].abs()).sort_values(["task_id", "variant", "size"],
                                                      ascending=[True, True, False],
                                                      kind="stable")
    return pd.DataFrame({"taak": c["task_id"].to_numpy(), "variant": c["variant"].to_numpy(),
                         "soort": c["kind"].to_numpy(), "wat": c["text"].to_numpy(),
                         "bijdrage aan NCW": [fmt_eur(a) for a in c["amount"]]})


def _wanted(task_id: str, task) -> bool:
    """Whether ``task_id`` is asked for: ``task`` is None (all), one id, or a collection."""
    if task is None:
        return True
    return task_id == task if isinstance(task, str) else task_id in set(task)
