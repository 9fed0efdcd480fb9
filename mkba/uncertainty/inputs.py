"""The inputs of a case that carry a range, checked — per line and variant.

Which inputs carry a range, which lines each one acts on (per task, effect and variant) and
whether each range fits those lines is decided in :mod:`mkba.case.ranges`, the same code
``mkba validate`` runs: a case that validates also evaluates with Monte Carlo.

- a kengetal: its ``laag``/``hoog`` (name: the kengetal code);
- an effect line's quantity: ``hoeveelheid_laag``/``hoeveelheid_hoog`` on that line (it acts
  on that line only; an estimate from ``mkba effect`` has a normal distribution);
- a row of ``bandbreedtes`` (name as in :func:`mkba.case.schema.parse_parameter`: a kengetal
  code, ``discontovoet``, ``TAAK/optimisme_kosten``, ``TAAK/optimisme_baten``,
  ``TAAK/EFFECT/VELD`` or ``TAAK/POST/factor``), for one ``variant`` or for all.
"""

from __future__ import annotations

from mkba.base.assumptions import DISCOUNT_RATE
from mkba.base.errors import CaseError, Problem
from mkba.case.ranges import (
    UncertainInput,
    applicable_inputs,
    input_kind,
    range_problems,
    ranged_inputs,
)
from mkba.case.tables import Case

__all__ = ["UncertainInput", "uncertain_inputs", "input_kind", "input_problem",
           "applicable_inputs"]


def uncertain_inputs(case: Case, discount_rate: float = DISCOUNT_RATE,
                     task: str | None = None, variant: str | None = None) -> list[UncertainInput]:
    """Every input of the case that carries a range (see the module docstring), checked.

    With ``task``, only inputs that can affect that task (kengetallen, the discount rate, its
    own lines). With ``variant`` as well, only the inputs that act when that variant is
    evaluated, with the precedence of :func:`mkba.case.ranges.applicable_inputs` (a
    ``bandbreedtes`` row for the variant beats one without, which beats a range on the line).

    Raises :class:`~mkba.base.errors.CaseError` naming file, row and column when a range does
    not fit the lines it acts on.

    Parameters
    ----------
    case : Case
        The case.
    discount_rate : float, default 0.0225
        The discount rate of the analysis (the base of a range on it).
    task : str, optional
        Only the inputs that can affect this task.
    variant : str, optional
        Only the inputs that act when this variant of ``task`` is evaluated.

    Returns
    -------
    list of UncertainInput
        The inputs, in the order of the case.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> [i.name for i in uncertain_inputs(case, task="T2", variant="klassiek_aanbesteden")
    ...  if i.kind != "kengetal"]
    ['T2/Contract hovenier/factor']
    """
    inputs = ranged_inputs(case.tables, case.files, discount_rate)
    problems = range_problems(case.tables, case.files, inputs)
    if problems:
        raise CaseError(problems)
    if task is not None:
        inputs = [i for i in inputs if i.kind in ("kengetal", "discount")
                  or i.name.split("/")[0] == task]
    if variant is not None:
        inputs = applicable_inputs(inputs, variant)
    return inputs


def input_problem(inp: UncertainInput, message: str) -> Problem:
    """A problem at the input's source (file, row, column) with ``message``.

    Parameters
    ----------
    inp : UncertainInput
        The input (its ``source`` says where its range was written).
    message : str
        What is wrong, in Dutch.

    Returns
    -------
    Problem
        The problem at the range's file, row and column.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> inp = uncertain_inputs(read_case(DATA_DIR / "voorbeeld"))[0]
    >>> str(input_problem(inp, "laag ligt boven hoog"))
    'kengetallen.csv:5:laag: laag ligt boven hoog'
    """
    return Problem(inp.source.file, inp.source.row, inp.source.column, message)
