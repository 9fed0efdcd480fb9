"""Uncertainty: ranged inputs, one-way sensitivity (tornado, switching values), discount-rate
variants, Monte Carlo, variant comparison and scenario files.

The modules follow the flow of an analysis:

- :mod:`~mkba.uncertainty.inputs` — which inputs of a case carry a range (checked);
- :mod:`~mkba.uncertainty.model` — the vectorised engine (:class:`Model`): the NPV of one
  task and variant for many parameter sets at once;
- :mod:`~mkba.uncertainty.sensitivity` — one input at a time (tornado, switching values) and
  the discount-rate variants;
- :mod:`~mkba.uncertainty.montecarlo` — all inputs drawn at once (:func:`monte_carlo`);
- :mod:`~mkba.uncertainty.variants` — variants side by side with common random numbers;
- :mod:`~mkba.uncertainty.scenario` — scenario files (a session's chosen values).

What an analysis uses (the classes and functions above) is importable from ``mkba.uncertainty``
itself. Helpers of one step (``input_kind``, ``model_kwargs``, ``input_importance``, ...) stay in
their module; the size constants are re-exported for reading only: to change one, set it in its
module (e.g. ``mkba.uncertainty.montecarlo.MC_MEMORY_BYTES``), which is where the code reads it.
"""

from mkba.uncertainty.inputs import UncertainInput, uncertain_inputs
from mkba.uncertainty.model import Model
from mkba.uncertainty.montecarlo import (
    CHUNK_CELLS,
    IMPORTANCE_DRAWS,
    MC_MEMORY_BYTES,
    MonteCarloResult,
    draw_inputs,
    monte_carlo,
    triangular_ppf,
)
from mkba.uncertainty.scenario import MAX_SCENARIO_BYTES, Scenario, apply_scenario, load_scenario
from mkba.uncertainty.sensitivity import (
    DISCOUNT_RATE_VARIANTS,
    discount_rate_sensitivity,
    sensitivity,
)
from mkba.uncertainty.variants import compare_variants

__all__ = ["UncertainInput", "Model", "uncertain_inputs", "sensitivity",
           "discount_rate_sensitivity", "monte_carlo", "MonteCarloResult", "compare_variants",
           "Scenario", "load_scenario", "apply_scenario", "DISCOUNT_RATE_VARIANTS",
           "draw_inputs", "triangular_ppf", "CHUNK_CELLS", "IMPORTANCE_DRAWS",
           "MC_MEMORY_BYTES", "MAX_SCENARIO_BYTES"]
