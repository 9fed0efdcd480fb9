"""mkba — societal cost-benefit analysis (MKBA) of public tasks transferred to the community.

The public API::

    import mkba
    case = mkba.read_case("data/voorbeeld")      # validate a case (folder of CSV or .xlsx)
    ev = mkba.evaluate(case)                       # MKBA per task, variant and actor
    ev.summary(); ev.result("T1").by_actor()
    c = mkba.compare("data/voorbeeld/versies/2017-besluit", "data/voorbeeld")  # plan and now
    c.task("T1")["contributions"]; mkba.monitor("data/voorbeeld").of("T1")

Names are imported on first use (PEP 562), so that ``import mkba`` — and a batch worker or
the ``mkba --help`` command — does not pay for pandas, pandera and statsmodels up front.
"""

from importlib import import_module as _import_module

_EXPORTS = {
    "Case": "case.tables", "read_case": "case.read", "write_template": "case.template",
    "CaseError": "base.errors", "Problem": "base.errors", "Settings": "base.settings",
    "Evaluation": "engine.cba", "MkbaResult": "engine.cba", "evaluate": "engine.cba",
    "irr": "engine.cba", "npv": "engine.cba",
    "payback_year": "engine.cba",
    "cpi_series": "base.prices", "discount_factors": "base.prices", "index_factor": "base.prices",
    "load_kwb": "evidence.cbs", "read_kwb": "evidence.cbs",
    "wijk_profile": "evidence.indicators", "target_attainment": "evidence.targets",
    "EffectEstimate": "evidence.counterfactual", "estimate_effect": "evidence.counterfactual",
    "effect_for_case": "evidence.treatment",
    "wijk_report": "report.reports", "render_report": "report.reports",
    "batch": "run.batch",
    "compare": "analysis.compare", "Comparison": "analysis.compare",
    "monitor": "analysis.monitor", "Monitor": "analysis.monitor",
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(_import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mkba' has no attribute {name!r}")


def __dir__():
    """The public API, once each (a name already loaded is in ``globals()`` too)."""
    return sorted(set(__all__) | {"__version__"})
