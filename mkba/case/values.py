"""The value checks of every input table as pandera schemas: ranges, allowed values, code
patterns, required values and uniqueness, each with its Dutch message.

The specs are in :mod:`mkba.case.schema`; the reader (:mod:`mkba.case.read`) parses the cells
first and then validates each table with :func:`pandera_schema`.
"""

from __future__ import annotations

import pandera.pandas as pa

from mkba.base.assumptions import YEAR_MAX, YEAR_MIN
from mkba.case.schema import TABLES, ColumnSpec

__all__ = ["pandera_schema"]


def _value_checks(spec: ColumnSpec) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if spec.kind == "year":
        checks.append(
            pa.Check.in_range(YEAR_MIN, YEAR_MAX,
                              error=f"jaartal moet tussen {YEAR_MIN} en {YEAR_MAX} liggen")
        )
    if spec.kind == "fraction":
        checks.append(
            pa.Check.in_range(0, 1, error="moet een fractie tussen 0 en 1 zijn (0,25 of 25%)")
        )
    if spec.minimum is not None:
        checks.append(
            pa.Check.ge(spec.minimum, error=f"mag niet kleiner zijn dan {spec.minimum:g}")
        )
    if spec.allowed:
        allowed = ", ".join(spec.allowed)
        checks.append(pa.Check.isin(list(spec.allowed), error=f"toegestaan: {allowed}"))
    if spec.pattern:
        checks.append(
            pa.Check.str_matches(
                spec.pattern,
                error="geen CBS-code van een wijk (WKxxxxxx) of buurt (BUxxxxxxxx)",
            )
        )
    return checks


def pandera_schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema that checks the values of a parsed table.

    Cells are parsed first (Dutch numbers, ``ja``/``nee``) by :mod:`mkba.case.read`; this schema
    then checks ranges, allowed values, code patterns, required values and uniqueness. Every
    check carries its Dutch message as ``error``.

    Parameters
    ----------
    table : str
        The table's name (a key of :data:`mkba.case.schema.TABLES`).

    Returns
    -------
    pandera.DataFrameSchema
        The schema.

    Examples
    --------
    >>> import pandas as pd
    >>> schema = pandera_schema("kengetallen")
    >>> sorted(schema.columns)[:3]
    ['bron', 'code', 'eenheid']
    """
    spec = TABLES[table]
    columns = {
        c.name: pa.Column(
            checks=_value_checks(c),
            nullable=not c.required,
            unique=c.unique,
            required=False,  # missing columns are reported by the reader, with a suggestion
            coerce=False,
        )
        for c in spec.columns
    }
    return pa.DataFrameSchema(columns, strict=False)
