"""Strict JSON: the one NaN → null helper and the one way mkba writes JSON.

Every JSON file or text mkba writes goes through :func:`dumps`: missing values (``None``,
``NaN``, ``pd.NA``, ``NaT``) and non-finite numbers become ``null``, numpy scalars and arrays
become plain numbers and lists, and :func:`json.dumps` runs with ``allow_nan=False`` so that
a bare ``NaN`` or ``Infinity`` (not JSON; most parsers reject it) can never be written.

Only the standard library is imported (batch workers write JSON before loading pandas).
"""

from __future__ import annotations

import json
import math

__all__ = ["dumps", "plain", "none_if_missing", "float_or_none"]


def none_if_missing(value):
    """``None`` for a missing or non-finite number, the plain Python value otherwise.

    Parameters
    ----------
    value : object
        Any leaf value.

    Returns
    -------
    object
        None, or ``value`` as a plain Python value (numpy scalars unpacked).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> [none_if_missing(v) for v in (float("nan"), float("inf"), pd.NA, None)]
    [None, None, None, None]
    >>> none_if_missing(np.int64(3)), none_if_missing(np.float64(2.5)), none_if_missing("x")
    (3, 2.5, 'x')
    """
    if value is None:
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # numpy scalar → Python scalar
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def float_or_none(value) -> float | None:
    """``None`` for a missing or non-finite number, else the number as a Python ``float``.

    Parameters
    ----------
    value : object
        A number, numpy or pandas scalar, or a missing value.

    Returns
    -------
    float or None
        The number, or None.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> [float_or_none(v) for v in (np.int64(3), 2.5, float("nan"), pd.NA, None, np.inf)]
    [3.0, 2.5, None, None, None, None]
    """
    value = none_if_missing(value)
    return None if value is None else float(value)


def plain(value):
    """``value`` with every container walked and every leaf passed through
    :func:`none_if_missing` (tuples and arrays become lists; keys become strings).

    Parameters
    ----------
    value : object
        A value, possibly nested dicts, lists, tuples and arrays.

    Returns
    -------
    object
        The same structure of plain Python values, ready for :func:`json.dumps`.

    Examples
    --------
    >>> plain({"a": (1.0, float("nan")), 2: {"b": float("-inf")}})
    {'a': [1.0, None], '2': {'b': None}}
    """
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
        return [plain(v) for v in value.tolist()]
    return none_if_missing(value)


def dumps(obj, **kwargs) -> str:
    """Strict JSON text of ``obj`` (see the module docstring); UTF-8 text, not ASCII escapes.

    Parameters
    ----------
    obj : object
        Dicts, lists, numbers, strings, numpy and pandas scalars.
    **kwargs
        Passed to :func:`json.dumps` (``indent``, ...).

    Returns
    -------
    str
        The JSON text; missing and non-finite numbers are ``null``.

    Examples
    --------
    >>> dumps({"npv": float("nan"), "irr": 0.1})
    '{"npv": null, "irr": 0.1}'
    """
    kwargs.setdefault("ensure_ascii", False)
    try:  # already plain (the usual case): no second walk over a large result
        return json.dumps(obj, allow_nan=False, **kwargs)
    except (TypeError, ValueError):
        return json.dumps(plain(obj), allow_nan=False, **kwargs)
