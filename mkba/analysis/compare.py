"""Plan and realisation: compare the case the council decided on with the case as it is now.

:func:`compare` evaluates two versions of a case (the decision, *besluit*, and a later
evaluation) with the same settings, task by task and variant by variant, and splits the change
in NCW into contributions of the lines that changed.

The decomposition (the order of the steps, how rows are paired) is described in
:mod:`mkba.analysis.decomposition`; the targets and criteria are compared in
:mod:`mkba.analysis.goal_comparison`.

Both versions are evaluated with one set of settings: one price year, one discount rate, one
peiljaar. The base year is the chosen one, else each task's ``startjaar``; when the
``startjaar`` of a task differs between the versions, both are discounted to the
``startjaar`` of the decision (said in the output), so that the two NCWs are in the same unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from mkba.analysis.change_text import more_or_less
from mkba.analysis.decomposition import KINDS, decompose
from mkba.analysis.goal_comparison import compare_goals
from mkba.base.errors import CaseError
from mkba.base.formatting import fmt_eur
from mkba.base.jsonout import dumps, none_if_missing, plain
from mkba.base.settings import Settings
from mkba.case.schema import MUNICIPALITY
from mkba.case.tables import Case
from mkba.engine.cba import evaluate

__all__ = ["KINDS", "Comparison", "compare", "verdict_text"]


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
    :mod:`mkba.analysis.decomposition` and add up to ``difference``.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> c = compare(DATA_DIR / "voorbeeld", DATA_DIR / "voorbeeld", goals=False)
    >>> {t["difference"] for t in c.tasks}, len(c.contributions)
    ({0.0}, 0)
    """
    from mkba.analysis.pipeline import run  # the same pipeline as `mkba evaluate`

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
            walk = decompose(*cases, t, p)
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
    targets, criteria = (compare_goals(*cases, both, kwb, settings.threshold) if goals and both
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
