"""The value checks of every input table as pandera schemas: ranges, allowed values, code
patterns, required values and uniqueness, each with its Dutch message.

The specs are in :mod:`mkba.case.schema`; the reader (:mod:`mkba.case.read`) parses the cells
first and then validates each table with :func:`pandera_schema`.

pandera is imported only when a table may break a rule: importing it (with pydantic,
typeguard and, where installed, hypothesis) took 0,22 s of the 2 s budget of a whole
``mkba evaluate`` (issue 23). :func:`values_valid` first asks the same questions of the
parsed columns with pandas, each as pandera's built-in check asks it; when every answer is
yes pandera would report nothing, and it is not loaded. Otherwise pandera validates the
table and words the problems, as before. ``tests/test_fast_paths.py`` checks that the two
agree on generated tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mkba.base.assumptions import YEAR_MAX, YEAR_MIN
from mkba.case.schema import TABLES, ColumnSpec

if TYPE_CHECKING:
    import pandera.pandas as pa

__all__ = ["pandera_schema", "values_valid"]


def values_valid(table: str, df: pd.DataFrame) -> bool:
    """Whether every value check of :func:`pandera_schema` holds for ``df`` (then pandera
    would report nothing); ``False`` when one may not.

    Each rule as pandera asks it: a required column has no missing value, a unique column
    no value twice (``Series.is_unique``; two missing values count as twice), and every
    value present lies in the year range or 0–1, is at least the minimum, is one of the
    allowed values and starts with a match of the pattern (``str.match``).

    Examples
    --------
    >>> import pandas as pd
    >>> values_valid("kengetallen", pd.DataFrame({"code": ["a", "b"], "prijsjaar": [2020, 2021]}))
    True
    >>> values_valid("kengetallen", pd.DataFrame({"code": ["a", "a"]}))
    False
    """
    for spec in TABLES[table].columns:
        if spec.name not in df:
            continue  # a missing column is the reader's to report (required=False)
        series = df[spec.name]
        missing = series.isna().to_numpy(dtype=bool)
        if spec.required and missing.any():
            return False
        if spec.unique and not series.is_unique:
            return False
        values = series[~missing]
        if values.empty:
            continue
        holds = []
        if spec.kind == "year":
            holds.append((values >= YEAR_MIN) & (values <= YEAR_MAX))
        if spec.kind == "fraction":
            holds.append((values >= 0) & (values <= 1))
        if spec.minimum is not None:
            holds.append(values >= spec.minimum)
        if spec.allowed:
            holds.append(values.isin(list(spec.allowed)))
        if spec.pattern:
            holds.append(values.str.match(spec.pattern, na=False))
        if not all(bool(h.all()) for h in holds):
            return False
    return True


def _value_checks(spec: ColumnSpec) -> list[pa.Check]:
    import pandera.pandas as pa  # 0,22 s to import: only when a table may break a rule

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
    import pandera.pandas as pa  # 0,22 s to import: only when a table may break a rule

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
