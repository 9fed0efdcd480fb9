"""The decomposition of plan and realisation: the walk from the decision version of a task
to the current version, one step at a time (:func:`decompose`; used by
:func:`mkba.analysis.compare.compare`).

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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.analysis.change_text import (
    changes_text,
    more_or_less,
    value_text,
    year_ranges,
)
from mkba.base.errors import CaseError
from mkba.base.formatting import fmt_eur, fmt_number, is_missing
from mkba.case.tables import Case
from mkba.engine.cba import evaluate

__all__ = ["KINDS", "Walk", "decompose", "same_value"]

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



def same_value(a, b) -> bool:
    """Equal input values (two missing values are equal).

    Parameters
    ----------
    a, b : object
        Two cells of an input table (a number, a text, or missing: None, NaN, ``pd.NA``).

    Returns
    -------
    bool
        True when both are missing or both are present and equal.

    Examples
    --------
    >>> same_value(None, float("nan")), same_value(3, 3.0), same_value(None, 0)
    (True, True, False)
    """
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


class Walk:
    """The case between two versions for one task, evaluated after every step.

    The walk starts at ``before``; each change copies columns or rows of ``after`` into its
    own tables and :meth:`step` evaluates the case again, recording each variant's change in
    NCW; :meth:`finish` ends at ``after`` itself. :func:`decompose` runs the steps in the
    order of the module docstring.

    Parameters
    ----------
    before, after : Case
        The decision version and the current version (usually of one task's rows only).
    task : str
        The task (``taak_id``) to evaluate.
    params : dict
        Keyword arguments of :func:`mkba.engine.cba.evaluate` (price year, discount rate,
        base year, peiljaar), the same for every step.

    Attributes
    ----------
    records : list of dict
        The contributions so far: variant, line, kind, amount, text, actor, table.
    first, last : Evaluation
        The evaluations of ``before`` and (after :meth:`finish`) of ``after``.
    failed : str or None
        A Dutch sentence when a step could not be evaluated (the rest then goes to
        "overige verschillen").

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> w = Walk(case, case, "T1", {})
    >>> w.finish()
    >>> w.records, w.failed
    ([], None)
    """

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

def _task_steps(w: Walk) -> None:
    b_rows, a_rows = w.before.taken, w.after.taken
    label = b_rows.index[b_rows["taak_id"] == w.task][0]
    b, a = b_rows.loc[label], a_rows[a_rows["taak_id"] == w.task].iloc[0]
    for kind, columns in TASK_STEPS:
        changed = [(c, b[c], a[c]) for c in columns if not same_value(b[c], a[c])]
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


def _case_steps(w: Walk) -> None:
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


def _kengetal_steps(w: Walk) -> None:
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
                   if not same_value(row[c], now[c])]
        if not changed:
            continue
        w.set_cells("kengetallen", label, now, ["waarde", "prijsjaar", "eenheid"])
        text = (f"Kengetal {code} ({now['omschrijving']}): "
                f"{value_text('waarde', now['waarde'])} per {now['eenheid']} in plaats van "
                f"{value_text('waarde', row['waarde'])}")
        if not same_value(row["prijsjaar"], now["prijsjaar"]):
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


def _line_steps(w: Walk, table: str, key_cols, steps, only=None) -> None:
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


def decompose(before: Case, after: Case, task: str, params: dict) -> Walk:
    """The walk of one task from the decision to now, done: ``records`` holds the
    contributions, ``first`` and ``last`` the evaluations of the two versions (of the task's
    rows only).

    Parameters
    ----------
    before, after : Case
        The decision version and the current version; the task is in both.
    task : str
        The task (``taak_id``).
    params : dict
        Keyword arguments of :func:`mkba.engine.cba.evaluate`, the same for both versions.

    Returns
    -------
    Walk
        The finished walk; per variant its contributions add up to the NCW of ``last`` minus
        the NCW of ``first``.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> plan = read_case(DATA_DIR / "voorbeeld" / "versies" / "2017-besluit")
    >>> w = decompose(plan, read_case(DATA_DIR / "voorbeeld"), "T1", {})
    >>> change = w.last.totals["npv"].iloc[0] - w.first.totals["npv"].iloc[0]
    >>> bool(abs(sum(r["amount"] for r in w.records) - change) < 1e-6)
    True
    """
    w = Walk(_only_task(before, task), _only_task(after, task), task, params)
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
