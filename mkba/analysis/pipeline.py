"""The main job in one call: case → scenario → estimated quantities → MKBA → uncertainty.

The command line, the wijk report and the batch all run a case through :func:`run`, so that
they apply a scenario, estimate effect quantities and treat parameters the same way.
Precedence of parameters: the defaults, then the scenario file, then what the caller chose
(:class:`mkba.base.settings.Settings`, built once by the caller and passed on).
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field, replace

from mkba.analysis.checks import run_checks
from mkba.base.errors import CaseError
from mkba.base.jsonout import none_if_missing, plain
from mkba.base.settings import Settings
from mkba.case.read import read_case
from mkba.case.tables import Case
from mkba.engine.cba import Evaluation, evaluate
from mkba.process.block import json_records, process_block
from mkba.process.buurtbudget import buurtbudget_balance
from mkba.uncertainty import apply_scenario, discount_rate_sensitivity, load_scenario, sensitivity
from mkba.uncertainty import monte_carlo as run_monte_carlo

__all__ = ["Run", "run", "only_variant"]


@dataclass(frozen=True)
class Run:
    """A case, its evaluation, the scenario applied and (optionally) its uncertainty.

    Parameters
    ----------
    case : Case
        The case as evaluated (scenario and estimated quantities applied).
    evaluation : Evaluation
        Its evaluation.
    parameters : dict
        The evaluation parameters used.
    scenario : Scenario, optional
        The scenario applied.
    estimates : tuple, default ()
        The estimated quantities (:class:`mkba.evidence.treatment.EstimatedQuantity`).
    uncertainty : dict, optional
        Monte Carlo, sensitivity and discount-rate variants per (task, variant).
    settings : Settings, optional
        The settings run with.
    checks : tuple, default ()
        The consistency checks (:func:`mkba.analysis.checks.run_checks`).

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> r = run(read_case(DATA_DIR / "voorbeeld"))
    >>> r.evaluation, r.uncertainty
    (<Evaluation 5 taak/variant-combinaties van 4 taken>, {})
    """

    case: Case
    evaluation: Evaluation
    parameters: dict
    scenario: object | None = None
    #: one :class:`mkba.evidence.treatment.EstimatedQuantity` per line estimated (issue 20)
    estimates: tuple = ()
    uncertainty: dict = field(default_factory=dict)
    #: the settings after the scenario and the defaults (what was computed with)
    settings: Settings = field(default_factory=Settings)
    #: the consistency checks (:mod:`mkba.analysis.checks`) of this run
    checks: tuple = ()

    def to_dict(self) -> dict:
        """The evaluation's JSON with, per task and variant, ``monte_carlo`` and
        ``sensitivity`` when computed."""
        out = self.evaluation.to_dict()
        out["parameters"] = {**out["parameters"], "scenario": None if self.scenario is None
                             else self.scenario.name}
        for entry in out["tasks"]:
            extra = self.uncertainty.get((entry["task_id"], entry["variant"]))
            if extra:
                entry["monte_carlo"] = extra["monte_carlo"].to_dict() if extra.get(
                    "monte_carlo") is not None else None
                entry["sensitivity"] = [
                    {k: none_if_missing(v) for k, v in rec.items()}
                    for rec in extra["sensitivity"][
                        ["name", "low", "high", "npv_low", "npv_high", "switching_value",
                         "switching_in_range"]].to_dict("records")]
                # the table of discount_rate_sensitivity has English columns (issue 13)
                entry["discount_rates"] = plain(extra["discount_rates"].to_dict("records"))
        _add_process(out, self.case)
        # issue 20: per effect line whose quantity was to come from an estimate, what it was
        # and whether it entered the NCW
        out["estimated_quantities"] = [r.to_dict() for r in self.estimates]
        out["checks"] = [c.to_dict() for c in self.checks]
        return out


def _plain_variant(name) -> str:
    return " ".join(str(name).replace("_", " ").split()).casefold()


def only_variant(ev: Evaluation, variant: str) -> Evaluation:
    """The evaluation of one variant: the tasks that have it, with only that variant.

    The name may be written with spaces for underscores and in any case
    (``"Maatschappelijk aanbesteden"`` is ``maatschappelijk_aanbesteden``).

    Parameters
    ----------
    ev : Evaluation
    variant : str

    Returns
    -------
    Evaluation

    Raises
    ------
    CaseError
        No task has this variant; the message names the variants that are closest.

    Examples
    --------
    >>> from mkba import evaluate, read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> ev = only_variant(evaluate(read_case(DATA_DIR / "voorbeeld")), "klassiek aanbesteden")
    >>> ev.totals[["task_id", "variant"]].values.tolist()
    [['T2', 'klassiek_aanbesteden']]
    """
    totals = ev.totals
    names = list(dict.fromkeys(totals["variant"]))
    chosen = [n for n in names if _plain_variant(n) == _plain_variant(variant)]
    if not chosen:
        close = difflib.get_close_matches(variant, names, n=3, cutoff=0.0)
        raise CaseError(f"--variant {variant!r}: geen taak heeft deze variant"
                        + (f"; bedoelt u {' of '.join(close)}?" if close else "")
                        + f" (varianten: {', '.join(names)})")
    name = chosen[0]
    ev = ev.subset(totals.loc[totals["variant"] == name, "task_id"])
    return replace(ev, **{table: getattr(ev, table)[getattr(ev, table)["variant"] == name]
                          .reset_index(drop=True)
                          for table in ("totals", "actors", "yearly", "cashflows", "pm")})


def _add_process(out: dict, case) -> None:
    """Per task the ``process`` block and per wijk the ``buurtbudget`` (mkba.process)."""

    # a task without rows in the process tables gets the same (empty) block: build it once
    # (was ≈ 12 ms per task, 12 s of a 1.000-task `evaluate --format json`)
    with_rows = {str(t) for table in (case.criteria, case.partners, case.enquete,
                                      case.enquete_turflijst)
                 for t in table["taak_id"]}
    blocks: dict = {}
    for entry in out["tasks"]:
        task = entry["task_id"]
        key = task if task in with_rows else None
        if key not in blocks:
            blocks[key] = process_block(case, task)
        entry["process"] = blocks[key] if key is not None else copy.deepcopy(blocks[None])
    wijken = {entry["wijk_code"] for entry in out["tasks"]}
    budget = buurtbudget_balance(case)
    out["buurtbudget"] = json_records(budget[budget["wijk_code"].isin(wijken)])


def run(case, settings: Settings | None = None, *, scenario=None, task: str | None = None,
        kwb=None, uncertainty_tasks=None, variant: str | None = None) -> Run:
    """Run a case: apply the scenario, fill quantities from effect estimates, evaluate, and
    with ``settings.draws > 0`` add Monte Carlo, one-way sensitivity and discount-rate variants
    for every task and variant.

    Parameters
    ----------
    case : Case, str or Path
    settings : Settings, optional
        What to run with (default: every default). Checked here; a value chosen in it beats
        the scenario's (:meth:`Settings.merge`).
    scenario : Scenario, optional
        An already loaded scenario (default: the file ``settings.scenario``, if any).
    task : str, optional
        Only this task.
    kwb : DataFrame, optional
        CBS figures for effect estimates (default: :func:`mkba.evidence.cbs.load_kwb`).
    uncertainty_tasks : iterable of str, optional
        Only these tasks get the uncertainty analysis (default: all evaluated tasks).
    variant : str, optional
        Only this variant of each task that has it (:func:`only_variant`).

    Returns
    -------
    Run
        The case, its evaluation and what was added.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> done = run(DATA_DIR / "voorbeeld", Settings(discount_rate=0.03))
    >>> done.parameters["discount_rate"], done.settings.volunteer_valuation
    (0.03, 'vervangingskosten')
    """

    settings = (settings or Settings()).validate()
    case = case if isinstance(case, Case) else read_case(case)
    chosen = scenario
    if chosen is None and settings.scenario:
        chosen = load_scenario(settings.scenario)
    if chosen is not None:
        case, from_scenario = apply_scenario(case, chosen)
        settings = settings.merge(from_scenario)
    settings = settings.resolved()
    params = settings.evaluation()
    estimates: list = []
    if (case.effecten["hoeveelheid"].isna() & case.effecten["indicator"].notna()
            & ~case.effecten["pm"]).any():
        # statsmodels via indicators: ≈ 1,6 s at import, only with effects
        from mkba.evidence.treatment import quantities_from_estimates

        case, estimates = quantities_from_estimates(case, kwb=kwb)
    ev = evaluate(case, task=task, **params)
    if variant is not None:
        ev = only_variant(ev, variant)
    extra = {}
    if settings.draws:
        only = None if uncertainty_tasks is None else set(uncertainty_tasks)
        for r in ev.results():
            if only is not None and r.task_id not in only:
                continue
            extra[(r.task_id, r.variant)] = {
                "monte_carlo": run_monte_carlo(case, r.task_id, r.variant, draws=settings.draws,
                                               seed=settings.seed, **params),
                "sensitivity": sensitivity(case, r.task_id, r.variant, **params),
                "discount_rates": discount_rate_sensitivity(case, r.task_id, r.variant,
                                                            **params),
            }
    checks = run_checks(ev, case=case, params=params, uncertainty=extra, task=task)
    return Run(case, ev, params, chosen, tuple(estimates), extra, settings, tuple(checks))
