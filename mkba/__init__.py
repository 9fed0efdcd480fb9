"""mkba — societal cost-benefit analysis (MKBA) of public tasks transferred to the community.

The public API::

    import mkba
    case = mkba.read_case("data/voorbeeld")      # validate a case (folder of CSV or .xlsx)
    ev = mkba.evaluate(case)                       # MKBA per task, variant and actor
    ev.summary(); ev.result("T1").by_actor()
"""

from .cba import Evaluation, MkbaResult, evaluate, irr, npv, payback_year
from .errors import CaseError, Problem
from .io import Case, read_case, write_template
from .prices import cpi_series, discount_factors, index_factor

__all__ = [
    "Case",
    "CaseError",
    "Evaluation",
    "MkbaResult",
    "Problem",
    "cpi_series",
    "discount_factors",
    "evaluate",
    "index_factor",
    "irr",
    "npv",
    "payback_year",
    "read_case",
    "write_template",
]

__version__ = "0.1.0"
