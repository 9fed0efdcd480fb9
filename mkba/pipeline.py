"""The main job in one call: case → scenario → estimated quantities → MKBA → uncertainty.

The command line, the wijk report and the batch all run a case through :func:`run`, so that
they apply a scenario, estimate effect quantities and treat parameters the same way.
Precedence of parameters: the defaults, then the scenario file, then what the caller passes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .assumptions import DISCOUNT_RATE
from .cba import Evaluation, evaluate
from .io import Case, read_case

__all__ = ["Run", "run"]


@dataclass(frozen=True)
class Run:
    """A case, its evaluation, the scenario applied and (optionally) its uncertainty."""

    case: Case
    evaluation: Evaluation
    parameters: dict
    scenario: object | None = None
    estimates: tuple = ()
    uncertainty: dict = field(default_factory=dict)

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
                    {k: (None if isinstance(v, float) and v != v else v) for k, v in rec.items()}
                    for rec in extra["sensitivity"][
                        ["name", "low", "high", "npv_low", "npv_high", "switching_value",
                         "switching_in_range"]].to_dict("records")]
                entry["discount_rates"] = extra["discount_rates"].to_dict("records")
        _add_process(out, self.case)
        return out


def _add_process(out: dict, case) -> None:
    """Per task the ``process`` block and per wijk the ``buurtbudget`` (mkba.process)."""
    from .process import _json_records, buurtbudget_balance, process_block

    blocks: dict = {}
    for entry in out["tasks"]:
        task = entry["task_id"]
        if task not in blocks:
            blocks[task] = process_block(case, task)
        entry["process"] = blocks[task]
    wijken = {entry["wijk_code"] for entry in out["tasks"]}
    budget = buurtbudget_balance(case)
    out["buurtbudget"] = _json_records(budget[budget["wijk_code"].isin(wijken)])


def run(case, *, scenario=None, discount_rate: float | None = None,
        price_year: int | None = None, base_year: int | None = None,
        horizon: int | None = None, task: str | None = None,
        volunteer_valuation: str | None = None, market_value_code: str | None = None,
        monte_carlo: int = 0, seed: int = 0, kwb=None, uncertainty_tasks=None,
        wage_code: str | None = None, volunteer_benefit_code: str | None = None,
        peiljaar: int | None = None) -> Run:
    """Run a case: apply the scenario, fill quantities from effect estimates, evaluate, and
    with ``monte_carlo > 0`` add Monte Carlo, one-way sensitivity and discount-rate variants
    for every task and variant.

    Parameters
    ----------
    case : Case, str or Path
    scenario : Scenario, str or Path, optional
        A scenario file (:func:`mkba.uncertainty.load_scenario`).
    monte_carlo : int
        Number of draws (0: no uncertainty analysis).
    seed : int
        Seed of the draws.
    uncertainty_tasks : iterable of str, optional
        Only these tasks get the uncertainty analysis (default: all evaluated tasks).
    Other parameters as :func:`mkba.evaluate` (None: the scenario's value or the default).
    """
    from .uncertainty import (
        apply_scenario,
        discount_rate_sensitivity,
        load_scenario,
        sensitivity,
    )
    from .uncertainty import (
        monte_carlo as run_monte_carlo,
    )

    case = case if isinstance(case, Case) else read_case(case)
    chosen = None
    params = {"discount_rate": DISCOUNT_RATE, "volunteer_valuation": "vervangingskosten",
              "market_value_code": None}
    if scenario is not None:
        chosen = scenario if hasattr(scenario, "values") else load_scenario(scenario)
        case, from_scenario = apply_scenario(case, chosen)
        params.update(from_scenario)
    given = {"discount_rate": discount_rate, "volunteer_valuation": volunteer_valuation,
             "market_value_code": market_value_code}
    params.update({k: v for k, v in given.items() if v is not None})
    params.update(price_year=price_year, base_year=base_year, horizon=horizon,
                  wage_code=wage_code, volunteer_benefit_code=volunteer_benefit_code,
                  peiljaar=peiljaar)
    estimates: list = []
    if (case.effecten["hoeveelheid"].isna() & case.effecten["indicator"].notna()
            & ~case.effecten["pm"]).any():
        from .counterfactual import quantities_from_estimates

        case, estimates = quantities_from_estimates(case, kwb=kwb)
    ev = evaluate(case, task=task, **params)
    extra = {}
    if monte_carlo:
        only = None if uncertainty_tasks is None else set(uncertainty_tasks)
        for r in ev.results():
            if only is not None and r.task_id not in only:
                continue
            extra[(r.task_id, r.variant)] = {
                "monte_carlo": run_monte_carlo(case, r.task_id, r.variant, draws=monte_carlo,
                                               seed=seed, **params),
                "sensitivity": sensitivity(case, r.task_id, r.variant, **params),
                "discount_rates": discount_rate_sensitivity(case, r.task_id, r.variant,
                                                            **params),
            }
    return Run(case, ev, params, chosen, tuple(estimates), extra)
