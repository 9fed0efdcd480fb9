"""The coalition session's arithmetic: each partner's view of one task as a verdict, where the
partners disagree most, and a common scenario the table can adopt.

A **view** is what one partner holds true: a value for each of the session's inputs (the
tornado's top inputs and the task's quantities, each within its range in the case), the
discount rate and the valuation of volunteer hours. A partner who leaves an input alone holds
the case's value.

Rules (so that anyone can recompute a figure by hand):

- **Verdict** of a view: its scenario (:meth:`Coalition.scenario`) run through
  :func:`mkba.analysis.pipeline.run` as ``mkba evaluate --scenario`` runs it (NPV and B/C
  ratio), and the chance NPV > 0 from :func:`mkba.uncertainty.monte_carlo` with the draws and
  seed of the wijk report (:data:`mkba.base.assumptions.REPORT_DRAWS`,
  :data:`~mkba.base.assumptions.REPORT_SEED`) on the same scenario. The scenario file of a
  view, given to ``mkba evaluate``, ``report`` or ``batch``, gives the same figures.
- **Common scenario** (:meth:`Coalition.common`): per numeric input the median of the
  partners' values (:func:`statistics.median`: for an even number of partners the mean of the
  middle two); the discount rate and the valuation of volunteer hours are choices between
  named options, so the option most partners chose (a tie: the case's own option when it is
  among the tied, else the first tied option in the order of the options).
- **Disagreement** (:meth:`Coalition.disagreement`): per input, every other input held at the
  common scenario, the input set to each partner's value in turn; its *swing* is the largest
  minus the smallest NPV. The input with the largest swing drives the disagreement most. The
  NPVs come from the vectorised engine (:class:`mkba.uncertainty.Model`), which equals the
  deterministic evaluation (tested).

Where the guidance is silent (the Dutch MKBA guidance describes the EffectenArena workshop, not
a rule to combine views), the median is our choice: it is not pulled by one extreme view and
always lies within the case's range.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from mkba.analysis.pipeline import run
from mkba.base.assumptions import DISCOUNT_RATE_VARIANTS, REPORT_DRAWS, REPORT_SEED
from mkba.base.errors import CaseError
from mkba.base.settings import Settings
from mkba.case.read import read_case
from mkba.case.tables import Case
from mkba.engine.cba import evaluate
from mkba.engine.flows import available_methods
from mkba.uncertainty import Model, Scenario, monte_carlo, sensitivity, uncertain_inputs
from mkba.uncertainty.model import model_kwargs

__all__ = ["Coalition", "View", "Verdict", "designated_variant", "TOP_INPUTS",
           "DISCOUNT_INPUT", "VALUATION_INPUT"]

#: How many of the tornado's top inputs a partner gets to set (the task's quantities come on
#: top of these).
TOP_INPUTS = 5
#: The names of the two choices in a disagreement table (beside the ranged inputs' names).
DISCOUNT_INPUT, VALUATION_INPUT = "discontovoet", "waardering_vrijwilligersuren"


def designated_variant(variants) -> str:
    """The variant a session opens on: the first that is not the reference (the variant
    named ``klassiek…``, as in the report's comparison of variants), else the first.

    Parameters
    ----------
    variants : sequence of str
        The task's variants.

    Returns
    -------
    str
        The variant.

    Examples
    --------
    >>> designated_variant(["klassiek_aanbesteden", "maatschappelijk_aanbesteden"])
    'maatschappelijk_aanbesteden'
    >>> designated_variant(["project"])
    'project'
    """
    variants = list(variants)
    return next((v for v in variants if not str(v).startswith("klassiek")), variants[0])


@dataclass(frozen=True)
class View:
    """One partner's view: a value per session input, the discount rate and the valuation of
    volunteer hours.

    Parameters
    ----------
    values : dict
        Session input to value.
    discount_rate : float
        The discount rate.
    volunteer_valuation : str
        How volunteer hours are valued.

    Examples
    --------
    >>> v = View({"a": 1.0}, 0.0225, "vervangingskosten")
    >>> v.with_value("a", 2.0).values, v.values
    ({'a': 2.0}, {'a': 1.0})
    """

    values: dict
    discount_rate: float
    volunteer_valuation: str

    def with_value(self, name: str, value) -> View:
        """This view with one input (or ``discontovoet``, ``waardering_vrijwilligersuren``)
        changed."""
        if name == DISCOUNT_INPUT:
            return replace(self, discount_rate=float(value))
        if name == VALUATION_INPUT:
            return replace(self, volunteer_valuation=str(value))
        return replace(self, values={**self.values, name: float(value)})

    def get(self, name: str):
        """The view's value of an input or of one of the two choices."""
        if name == DISCOUNT_INPUT:
            return self.discount_rate
        if name == VALUATION_INPUT:
            return self.volunteer_valuation
        return self.values[name]


@dataclass(frozen=True)
class Verdict:
    """The figures of one view: NPV, B/C ratio and (once computed) the chance NPV > 0.

    Parameters
    ----------
    npv : float
        The NPV.
    bc_ratio : float or None
        The benefit/cost ratio.
    p_npv_positive : float, optional
        The chance NPV > 0; None until computed.
    draws : int, default 0
        The draws behind that chance.
    scenario : Scenario, optional
        The view as a scenario.

    Examples
    --------
    >>> Verdict(1000.0, 1.2).p_npv_positive is None
    True
    """

    npv: float
    bc_ratio: float | None
    p_npv_positive: float | None = None
    draws: int = 0
    scenario: Scenario | None = field(default=None, compare=False, repr=False)


class Coalition:
    """One task and variant of a case, prepared for a session with partners.

    Parameters
    ----------
    case : Case, str or Path
    task : str, optional
        The task (default: the first).
    variant : str, optional
        The variant (default: :func:`designated_variant`).
    settings : Settings, optional
        What to compute with besides the partners' choices (price year, base year, ...). Its
        discount rate and valuation of volunteer hours must be left unchosen (``None``): in
        a session the partners choose them, and a chosen setting would beat the scenario.
    top : int
        How many of the tornado's top inputs partners set.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> c = Coalition(DATA_DIR / "voorbeeld", "T2")
    >>> c.variant
    'maatschappelijk_aanbesteden'
    >>> [i.name for i in c.inputs]
    ['T2/Minder vernielingen in het park/hoeveelheid', 'T2/Vergoeding bewonerscollectief/factor']
    >>> low = c.base.with_value("T2/Minder vernielingen in het park/hoeveelheid", 2)
    >>> c.verdict(low).npv < c.verdict(c.base).npv
    True
    """

    def __init__(self, case, task: str | None = None, variant: str | None = None, *,
                 settings: Settings | None = None, top: int = TOP_INPUTS):
        self.settings = (settings or Settings()).validate()
        if self.settings.discount_rate is not None \
                or self.settings.volunteer_valuation is not None:
            raise CaseError("in een sessie kiezen de partners de discontovoet en de waardering "
                            "van vrijwilligersuren; geef ze niet vooraf op")
        self.case_path = None if isinstance(case, Case) else Path(case)
        self.case: Case = case if isinstance(case, Case) else read_case(case)
        taken = self.case.taken
        self.task = str(task or taken["taak_id"].iloc[0])
        if self.task not in set(taken["taak_id"]):
            raise CaseError(f"onbekende taak '{self.task}' (wel: "
                            + ", ".join(map(str, taken["taak_id"])) + ")")
        self.name = str(taken.set_index("taak_id").loc[self.task, "naam"])
        params = self.settings.resolved().evaluation()
        self.variants = list(evaluate(self.case, task=self.task, **params).totals["variant"])
        self.variant = variant or designated_variant(self.variants)
        if self.variant not in self.variants:
            raise CaseError(f"taak {self.task} heeft geen variant '{self.variant}' (wel: "
                            + ", ".join(self.variants) + ")")
        rate, method = params["discount_rate"], params["volunteer_valuation"]
        self.tornado = sensitivity(self.case, self.task, self.variant, **params)
        ranged = {i.name: i for i in uncertain_inputs(self.case, rate, self.task)
                  if i.kind != "discount"}
        moving = [n for n, s in zip(self.tornado["name"], self.tornado["swing"], strict=True)
                  if s > 0 and n in ranged]
        quantities = [n for n in moving if ranged[n].kind == "hoeveelheid"]
        names = list(dict.fromkeys(moving[:top] + quantities))
        #: the ranged inputs partners set (UncertainInput), in the tornado's order
        self.inputs = [ranged[n] for n in names]
        #: the valuations of volunteer hours this case can use
        self.methods = available_methods(self.case.kengetallen)
        #: the discount rates partners choose from: (label, rate)
        self.discount_options = [(label, float(rc)) for label, rc, rb, _ in
                                 DISCOUNT_RATE_VARIANTS if rc == rb]
        #: the view of the case as it is
        self.base = View({i.name: float(i.base) for i in self.inputs}, float(rate), method)

    # ------------------------------------------------------------------ views

    def check(self, name: str, value) -> str | None:
        """The Dutch problem with setting ``name`` to ``value``, or None when it may be set
        (an input within its range, a discount rate or valuation among the options)."""
        if name == DISCOUNT_INPUT:
            ok = isinstance(value, int | float) and any(
                abs(float(value) - r) < 1e-12 for _, r in self.discount_options)
            return None if ok else f"discontovoet {value!r}: kies een van de varianten"
        if name == VALUATION_INPUT:
            return None if value in self.methods else (
                f"waardering {value!r}: kies uit " + ", ".join(self.methods))
        inp = next((i for i in self.inputs if i.name == name), None)
        if inp is None:
            return f"onbekende aanname '{name}'"
        if not isinstance(value, int | float) or isinstance(value, bool) \
                or not np.isfinite(value):
            return f"'{name}': {value!r} is geen getal"
        if not inp.low <= value <= inp.high:
            return f"'{name}': {value:g} ligt buiten {inp.low:g}–{inp.high:g}"
        return None

    def scenario(self, view: View, name: str = "sessie", description: str = "") -> Scenario:
        """A view as a scenario (every session input, the discount rate and the valuation)."""
        return Scenario(name, dict(view.values),
                        {"discount_rate": view.discount_rate,
                         "volunteer_valuation": view.volunteer_valuation},
                        description, time.strftime("%Y-%m-%dT%H:%M:%S"))

    def _run(self, view: View):
        return run(self.case, replace(self.settings, draws=0), scenario=self.scenario(view),
                   task=self.task)

    def verdict(self, view: View, chance: bool = True) -> Verdict:
        """NPV and B/C ratio of a view, and with ``chance`` the chance NPV > 0 from the
        report's draws (see the module docstring)."""
        done = self._run(view)
        r = done.evaluation.result(self.task, self.variant)
        p = None
        if chance:
            mc = monte_carlo(done.case, self.task, self.variant, draws=REPORT_DRAWS,
                             seed=REPORT_SEED, **done.parameters)
            p = float(mc.p_npv_positive)
        bc = None if r.bc_ratio is None or pd.isna(r.bc_ratio) else float(r.bc_ratio)
        return Verdict(float(r.npv), bc, p, REPORT_DRAWS if chance else 0, done.scenario)

    # ------------------------------------------------------------------ the table

    def common(self, views: dict) -> View:
        """The common scenario of the partners' views (see the module docstring).

        Examples
        --------
        >>> from mkba.base.assumptions import DATA_DIR
        >>> c = Coalition(DATA_DIR / "voorbeeld", "T2")
        >>> q = "T2/Minder vernielingen in het park/hoeveelheid"
        >>> views = {p: c.base.with_value(q, x) for p, x in (("a", 2), ("b", 9), ("c", 4))}
        >>> c.common(views).values[q]
        4.0
        """
        views = list(views.values())
        if not views:
            return self.base
        values = {i.name: float(statistics.median(v.values[i.name] for v in views))
                  for i in self.inputs}
        rate = _most_chosen([v.discount_rate for v in views], self.base.discount_rate,
                            [r for _, r in self.discount_options])
        method = _most_chosen([v.volunteer_valuation for v in views],
                              self.base.volunteer_valuation, self.methods)
        return View(values, rate, method)

    def disagreement(self, views: dict, common: View | None = None) -> pd.DataFrame:
        """Per input how far the partners' values move the NPV, the others held at the
        common scenario; sorted by swing (largest first).

        Columns: name; value_low, value_high (the partner's value that gives the lowest and
        the highest NPV); by_low, by_high (whose values they are: the first such partner on
        a tie); npv_low, npv_high (the NPV at them) and swing (npv_high − npv_low).
        """
        columns = ["name", "value_low", "value_high", "by_low", "by_high", "npv_low",
                   "npv_high", "swing"]
        if not views:
            return pd.DataFrame(columns=columns)
        common = common or self.common(views)
        done = self._run(common)
        kwargs = model_kwargs(done.parameters)
        model = Model(done.case, self.task, self.variant, **kwargs)
        who = list(views)
        rows = []
        for name in [i.name for i in self.inputs] + [DISCOUNT_INPUT]:
            values = np.array([float(views[p].get(name)) for p in who])
            npv = model.npv({name: values})
            rows.append(_row(name, who, list(values), npv))
        chosen = [views[p].volunteer_valuation for p in who]
        by_method = {m: Model(done.case, self.task, self.variant,
                              **{**kwargs, "volunteer_valuation": m}).deterministic()
                     for m in dict.fromkeys(chosen)}
        rows.append(_row(VALUATION_INPUT, who, chosen,
                         np.array([by_method[m] for m in chosen])))
        out = pd.DataFrame(rows, columns=columns)
        return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def _row(name: str, who: list, values: list, npv: np.ndarray) -> dict:
    """One row of the disagreement table: the partners whose value gives the lowest and the
    highest NPV (the first such partner on a tie)."""
    lo, hi = int(np.argmin(npv)), int(np.argmax(npv))
    return {"name": name, "value_low": values[lo], "value_high": values[hi], "by_low": who[lo],
            "by_high": who[hi], "npv_low": float(npv[lo]), "npv_high": float(npv[hi]),
            "swing": float(npv[hi] - npv[lo])}


def _most_chosen(chosen: list, own, order: list):
    """The option chosen most often; on a tie ``own`` when it is tied, else the first tied
    option in ``order``.

    Examples
    --------
    >>> _most_chosen(["a", "b", "b"], "a", ["a", "b"])
    'b'
    >>> _most_chosen(["a", "b"], "b", ["a", "b"]), _most_chosen(["a", "c"], "b", ["a", "b", "c"])
    ('b', 'a')
    """
    counts = {c: chosen.count(c) for c in dict.fromkeys(chosen)}
    best = max(counts.values())
    tied = [c for c, n in counts.items() if n == best]
    if own in tied:
        return own
    return min(tied, key=lambda c: order.index(c) if c in order else len(order))
