"""The wijk report's content: what the notebook ``notebooks/wijkrapport.ipynb`` shows.

:func:`wijk_report` computes everything once into a :class:`WijkReport`; the notebook displays
its sections. Each section is a module of :mod:`mkba.report.sections` that renders a Jinja2
template of ``mkba/report/templates/sections`` (autoescaped: every name from an input file is
escaped and isolated, every figure is an embedded SVG), so that the page is self-contained and
opens offline.

Executing the notebook and writing the HTML page is :mod:`mkba.report.render` (re-exported here):
that side runs in batch workers, which should not load pandas for it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import pandas as pd

from mkba.analysis.checks import failed as failed_checks
from mkba.analysis.checks import run_checks
from mkba.analysis.pipeline import run
from mkba.analysis.plan import plan_and_realisation
from mkba.base.assumptions import (  # noqa: F401
    ASSUMPTIONS,
    DATA_DIR,
    NOTEBOOK_DIR,
    REPORT_DRAWS,
    REPORT_NOTEBOOK,
    SMALL_NUMBER_THRESHOLD,
)
from mkba.base.errors import CaseError
from mkba.base.html import Html
from mkba.base.prices import cpi_series
from mkba.base.settings import Settings
from mkba.case.read import read_case
from mkba.evidence.cbs import load_kwb, region_names
from mkba.evidence.indicators import wijk_profile
from mkba.evidence.targets import target_attainment
from mkba.evidence.treatment import effect_for_case
from mkba.process.buurtbudget import buurtbudget_summary
from mkba.process.coalition import coalition
from mkba.process.criteria import criteria_status
from mkba.process.survey import survey_results
from mkba.report.regions import region_name  # noqa: F401  (re-exported)
from mkba.report.render import (  # noqa: F401  (re-exported: the public names of the report API)
    HEADLINE_MIME,
    KernelRunner,
    check_wijk_code,
    export_html,
    render_report,
    report_parameters,
)
from mkba.report.sections import SECTIONS
from mkba.report.sections.profile import REPORT_PROFILE_ROWS  # noqa: F401  (re-exported)
from mkba.report.text import compare_variants_sentence  # noqa: F401  (re-exported)
from mkba.uncertainty import compare_variants

__all__ = ["WijkReport", "wijk_report", "render_report", "KernelRunner", "Html",
           "REPORT_NOTEBOOK", "report_parameters"]

MAX_EFFECTS = 3


def headline_tasks(results) -> list[dict]:
    """Per task and variant its name, NPV and B/C ratio as plain JSON values (the index)."""
    return [{"task_id": r.task_id, "name": r.name, "variant": r.variant, "npv": float(r.npv),
             "bc_ratio": None if pd.isna(r.bc_ratio) else float(r.bc_ratio)} for r in results]


@dataclass(frozen=True)
class WijkReport:
    """Everything the wijk report shows, computed once; sections render as HTML
    (:data:`mkba.report.sections.SECTIONS`).

    Parameters
    ----------
    wijk_code : str
        The wijk or buurt.
    name : str
        Its name.
    parameters : dict
        The parameters computed with.
    tasks : pandas.DataFrame
        The case's tasks in this wijk.
    evaluation : Evaluation or None
        Their MKBA; None for a profile-only report.
    targets : pandas.DataFrame
        Target attainment (:func:`mkba.evidence.targets.target_attainment`).
    profile : WijkProfile or None
        The wijk profile.
    effects : tuple of EffectEstimate, default ()
        The effect estimates.
    case : Case, optional
        The case.
    notes : tuple of str, default ()
        Dutch notes for the reader.
    uncertainty : dict, optional
        Monte Carlo, sensitivity and discount-rate variants per (task, variant).
    variants : dict, optional
        Variant comparisons per task.
    scenario : Scenario, optional
        The scenario applied.
    checks : tuple, default ()
        The consistency checks of this wijk's tasks.
    estimated_quantities : tuple, default ()
        Effect lines whose quantity came from an estimate.
    plan : PlanRealisation, optional
        Plan and realisation; None without a decision version.

    Examples
    --------
    :func:`wijk_report` fills it; a profile-only report without a case has no evaluation:

    >>> r = WijkReport("WK036330", "Transvaalbuurt", {}, pd.DataFrame(), None, pd.DataFrame(),
    ...                None)
    >>> r.name, r.evaluation, r.plan, r.effects
    ('Transvaalbuurt', None, None, ())
    """

    wijk_code: str
    name: str
    parameters: dict
    tasks: pd.DataFrame
    evaluation: object | None
    targets: pd.DataFrame
    profile: object | None
    effects: tuple = ()
    case: object | None = None
    notes: tuple[str, ...] = field(default=())
    uncertainty: dict = field(default_factory=dict)
    variants: dict = field(default_factory=dict)
    scenario: object | None = None
    #: the consistency checks of this wijk's tasks (:mod:`mkba.analysis.checks`)
    checks: tuple = ()
    #: effect lines whose quantity was to come from an estimate (EstimatedQuantity)
    estimated_quantities: tuple = ()
    #: plan and realisation (:class:`mkba.analysis.plan.PlanRealisation`); None without a
    #: decision version of this wijk's tasks
    plan: object | None = None

    # ------------------------------------------------------------------ pieces

    @property
    def results(self) -> list:
        return [] if self.evaluation is None else self.evaluation.results()

    def headline(self) -> dict:
        """Headline figures for the batch's index: name, inhabitants (unless suppressed) and
        per task and variant the NPV and B/C ratio (plain JSON values)."""
        out = {"name": self.name, "inhabitants": None, "year": None,
               "tasks": headline_tasks(self.results), "buurtbudget": None,
               "checks_failed": len(failed_checks(self.checks))}
        if self.case is not None:
            out["buurtbudget"] = buurtbudget_summary(self.case, self.wijk_code)
        if self.profile is not None:
            t = self.profile.table.set_index("indicator")
            if "AantalInwoners" in t.index and not t.at["AantalInwoners", "suppressed"] \
                    and pd.notna(t.at["AantalInwoners", "value"]):
                out["inhabitants"] = float(t.at["AantalInwoners", "value"])
                out["year"] = int(self.profile.year)
        return out

    def p_npv_positive(self, task: str, variant: str) -> float | None:
        """The chance that NPV > 0 from the report's one Monte Carlo run (every place in the
        report shows this same number)."""
        extra = self.uncertainty.get((task, variant))
        return None if extra is None else float(extra["monte_carlo"].p_npv_positive)

    @functools.cached_property
    def process(self) -> dict:
        """Criteria, coalition per task and survey of this wijk's tasks
        (:mod:`mkba.process`)."""
        empty = {"criteria": pd.DataFrame(), "coalition": {}, "survey": pd.DataFrame()}
        if self.case is None or self.tasks.empty:
            return empty
        mine = list(self.tasks["taak_id"])
        threshold = self.parameters.get("threshold", SMALL_NUMBER_THRESHOLD)
        crit = self.case.criteria[self.case.criteria["taak_id"].isin(mine)]
        kwb = load_kwb() if len(crit) else None
        criteria = pd.concat([criteria_status(self.case, kwb, threshold, task_id=t)
                              for t in mine], ignore_index=True)
        survey = pd.concat([survey_results(self.case, t, threshold) for t in mine],
                           ignore_index=True)
        coal = {t: coalition(self.case, t) for t in mine}
        return {"criteria": criteria, "coalition": {t: c for t, c in coal.items() if len(c)},
                "survey": survey}

    # ------------------------------------------------------------------ sections

    def section(self, name: str) -> Html:
        """One section of the report by its name in :data:`~mkba.report.sections.SECTIONS`."""
        return SECTIONS[name](self)

    def title(self) -> Html:
        return self.section("title")

    def summary(self) -> Html:
        """Page one in plain Dutch (B1)."""
        return self.section("summary")

    def section_targets(self) -> Html:
        return self.section("targets")

    def section_profile(self) -> Html:
        return self.section("profile")

    def section_map(self) -> Html:
        return self.section("map")

    def section_trends(self) -> Html:
        return self.section("trends")

    def section_effects(self) -> Html:
        return self.section("effects")

    def section_mkba(self) -> Html:
        return self.section("mkba")

    def section_uncertainty(self) -> Html:
        return self.section("uncertainty")

    def section_plan(self) -> Html:
        """Plan en werkelijkheid (:mod:`mkba.report.sections.plan`); empty without a decision
        version."""
        return self.section("plan")

    def section_pm(self) -> Html:
        return self.section("pm")

    def section_process(self) -> Html:
        return self.section("process")

    def section_financing(self) -> Html:
        return self.section("financing")

    def section_buurtbudget(self) -> Html:
        return self.section("buurtbudget")

    def section_assumptions(self) -> Html:
        return self.section("assumptions")

    def section_appendix(self) -> Html:
        return self.section("appendix")


def wijk_report(wijk_code: str, case_path: str | None = None, *, effects: bool = True,
                draws: int = REPORT_DRAWS, settings: Settings | None = None,
                **parameters) -> WijkReport:
    """Compute everything the wijk report shows.

    Parameters
    ----------
    wijk_code : str
        CBS code of the wijk (WK…) or buurt (BU…).
    case_path : str, optional
        The case; empty or None for a profile-only report.
    effects : bool, default True
        Whether to estimate the effect on the targets' indicators.
    draws : int, default REPORT_DRAWS
        Monte Carlo draws per task and variant (0: no uncertainty section).
    settings : Settings, optional
        What to compute with; None means not chosen: the scenario's value, else the default.
    **parameters
        Or the report parameters by name (:meth:`Settings.to_report_parameters`:
        discount_rate, price_year, base_year, horizon, volunteer_valuation, market_value_code,
        threshold, scenario_path, map_file, plan_path — the decision version for the section
        "Plan en werkelijkheid").

    Returns
    -------
    WijkReport
        Everything the report shows.

    Examples
    --------
    >>> r = wijk_report("WK036330", str(DATA_DIR / "voorbeeld"), effects=False)
    >>> r.name, len(r.results)
    ('Transvaalbuurt', 1)
    >>> "Transvaalbuurt" in r.title()._repr_html_()
    True
    """
    check_wijk_code(wijk_code)
    settings = Settings.from_report_parameters(**report_parameters(settings, **parameters))
    threshold = settings.threshold
    params = {k: getattr(settings.resolved(), k) for k in (
        "discount_rate", "price_year", "base_year", "horizon", "threshold",
        "volunteer_valuation", "map_file")}
    kwb = load_kwb()
    name = region_names(kwb).get(wijk_code, wijk_code)
    case = evaluation = scenario = None
    tasks = pd.DataFrame(columns=["taak_id", "naam", "startjaar"])
    targets = pd.DataFrame()
    found_effects: list = []
    plan = None
    estimated: tuple = ()
    notes: list[str] = []
    uncertainty: dict = {}
    variants: dict = {}
    checks: list = []
    if case_path:
        case = read_case(case_path)
        tasks = case.taken[case.taken["wijk_code"] == wijk_code]
        if len(tasks):
            done = run(case, replace(settings, draws=draws), kwb=kwb,
                       uncertainty_tasks=set(tasks["taak_id"]))
            scenario = done.scenario
            params["discount_rate"] = done.parameters["discount_rate"]
            params["volunteer_valuation"] = done.parameters["volunteer_valuation"]
            evaluation = done.evaluation.subset(tasks["taak_id"])
            mine = set(tasks["taak_id"])
            estimated = tuple(r for r in done.estimates if r.task_id in mine)
            uncertainty = {k: v for k, v in done.uncertainty.items() if k[0] in mine}
            for t in tasks["taak_id"]:
                if (evaluation.totals["task_id"] == t).sum() > 1 and draws:
                    variants[t] = compare_variants(done.case, t, draws=draws, seed=0,
                                                   **done.parameters)
            # the checks of this wijk's tasks, their Monte Carlo runs and variant comparisons
            checks = run_checks(evaluation, case=done.case, params=done.parameters,
                                uncertainty=uncertainty, variants=variants)
            targets = target_attainment(case, kwb, threshold=threshold)
            targets = targets[targets["region_code"] == wijk_code].reset_index(drop=True)
            if effects:
                found_effects = _effects(case, wijk_code, targets, kwb)
            notes += [str(w) for w in case.warnings]
            # the decision version: --plan (settings.plan_path) or the one beside the case
            plan = plan_and_realisation(case_path, settings.plan_path, settings,
                                        list(tasks["taak_id"]), kwb=kwb, draws=draws)
    # the price year the evaluation used (the case's own prijsjaar when it states one)
    price = evaluation.parameters["price_year"] if evaluation is not None \
        else params["price_year"]
    if not price:
        price = int(cpi_series().index.max())
    profile = None
    try:
        others = set(case.taken["wijk_code"]) - {wijk_code} if case is not None else set()
        profile = wijk_profile(wijk_code, kwb=kwb, threshold=threshold, exclude=others,
                               price_year=price)
    except CaseError as err:
        notes.append(str(err))
    shown = {**params, "price_year": price}
    return WijkReport(wijk_code, name, shown, tasks.reset_index(drop=True), evaluation, targets,
                      profile, tuple(found_effects), case, tuple(notes), uncertainty, variants,
                      scenario, tuple(checks), estimated, plan)


def _effects(case, wijk_code, targets, kwb) -> list:
    """Effect estimates for the indicators of this wijk's targets and effect lines."""
    indicators = list(dict.fromkeys(
        list(targets["indicator"]) if len(targets) else []))
    lines = case.effecten[case.effecten["taak_id"].isin(
        case.taken.loc[case.taken["wijk_code"] == wijk_code, "taak_id"])]
    indicators += [i for i in lines["indicator"].dropna() if i not in indicators]
    out = []
    for indicator in indicators[:MAX_EFFECTS]:
        try:
            out.append(effect_for_case(case, indicator, wijk=wijk_code, kwb=kwb, n_placebo=99))
        except CaseError:
            continue
    return out
