"""mkba — societal cost-benefit analysis (MKBA) of public tasks transferred to the community.

The public API::

    import mkba
    case = mkba.read_case("data/voorbeeld")      # validate a case (folder of CSV or .xlsx)
    ev = mkba.evaluate(case)                       # MKBA per task, variant and actor
    ev.summary(); ev.result("T1").by_actor()

Names are imported on first use (PEP 562), so that ``import mkba`` — and a batch worker or
the ``mkba --help`` command — does not pay for pandas, pandera and statsmodels up front.
"""

from importlib import import_module

_EXPORTS = {
    "Case": "io", "read_case": "io", "write_template": "io",
    "CaseError": "errors", "Problem": "errors",
    "Evaluation": "cba", "MkbaResult": "cba", "evaluate": "cba", "irr": "cba", "npv": "cba",
    "payback_year": "cba",
    "cpi_series": "prices", "discount_factors": "prices", "index_factor": "prices",
    "load_kwb": "cbs", "read_kwb": "cbs",
    "wijk_profile": "indicators", "target_attainment": "indicators",
    "EffectEstimate": "counterfactual", "estimate_effect": "counterfactual",
    "effect_for_case": "counterfactual",
    "wijk_report": "reports", "render_report": "reports",
    "batch": "batch",
}

__all__ = sorted(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mkba' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
