"""The Dutch sentences of a plan-and-realisation comparison (:mod:`mkba.analysis.compare`).

Every contribution to the change in NCW gets one sentence that says what changed in the
input, in the words of the case ("De exploitatie 2018–2024 viel € 49.000 hoger uit dan bij
het besluit"). The amounts in these sentences are the amounts *as entered* (summed over the
years named); the contribution itself (in present value, euros of the price year) is a
separate field.
"""

from __future__ import annotations

import math

from mkba.base.formatting import fmt_eur, fmt_number, fmt_pct, is_missing

__all__ = ["year_ranges", "value_text", "column_label", "changes_text"]

#: How a column is named in a sentence, and how its value is written.
_COLUMNS = {
    "bedrag": ("bedrag", "eur"),
    "hoeveelheid": ("hoeveelheid", "number"),
    "kengetal": ("kengetal", "text"),
    "waarde_per_eenheid": ("waarde per eenheid", "eur2"),
    "prijsjaar": ("prijsjaar", "year"),
    "deadweight": ("deadweight", "pct"),
    "attributie": ("attributie", "pct"),
    "verdringing": ("verdringing", "pct"),
    "afname": ("afname per jaar", "pct"),
    "optimisme": ("correctie voor optimisme", "pct"),
    "optimisme_kosten": ("correctie voor optimisme op de kosten", "pct"),
    "optimisme_baten": ("correctie voor optimisme op de baten", "pct"),
    "levensduur": ("levensduur (jaren)", "year"),
    "startjaar": ("startjaar", "year"),
    "eindjaar": ("eindjaar", "year"),
    "horizonjaar": ("horizonjaar", "year"),
    "waarde": ("waarde", "eur2"),
    "jaar_van": ("eerste jaar", "year"),
    "jaar_tot": ("laatste jaar", "year"),
}


def year_ranges(years) -> str:
    """Years as Dutch ranges.

    Parameters
    ----------
    years : iterable of int
        The years, ascending.

    Returns
    -------
    str
        The Dutch text; empty without years.

    Examples
    --------
    >>> year_ranges([2018, 2019, 2020, 2024])
    '2018–2020 en 2024'
    >>> year_ranges([2021, 2023, 2025, 2026])
    '2021, 2023 en 2025–2026'
    >>> year_ranges([])
    ''
    """
    ys = sorted({int(y) for y in years})
    runs: list[tuple[int, int]] = []
    for y in ys:
        if runs and y == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], y)
        else:
            runs.append((y, y))
    parts = [str(a) if a == b else f"{a}–{b}" for a, b in runs]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " en " + parts[-1]


def value_text(column: str, value) -> str:
    """One input value as a user reads it (missing: "leeg").

    Parameters
    ----------
    column : str
        The input column (decides the format: percentage, euro, number).
    value : object
        The value; None or NaN is "leeg".

    Returns
    -------
    str
        The Dutch text.

    Examples
    --------
    >>> value_text("deadweight", 0.5), value_text("bedrag", 48000.0), value_text("kengetal", None)
    ('50 %', '€ 48.000', 'leeg')
    >>> value_text("waarde_per_eenheid", 24.0), value_text("waarde_per_eenheid", 17.5)
    ('€ 24', '€ 17,50')
    """
    if is_missing(value):
        return "leeg"
    style = _COLUMNS.get(column, (column, "text"))[1]
    if style == "eur":
        return fmt_eur(value)
    if style == "eur2":
        return fmt_eur(value, 0 if float(value).is_integer() else 2)
    if style == "number":
        return fmt_number(value, 0 if float(value).is_integer() else 2)
    if style == "pct":
        return fmt_pct(value, 0 if round(float(value) * 100, 6).is_integer() else 1)
    if style == "year":
        return str(int(value))
    return str(value)


def column_label(column: str) -> str:
    """How a column is named in a sentence.

    Parameters
    ----------
    column : str
        The input column.

    Returns
    -------
    str
        Its name in a Dutch sentence.

    Examples
    --------
    >>> column_label("afname")
    'afname per jaar'
    """
    return _COLUMNS.get(column, (column, "text"))[0]


def changes_text(changes) -> str:
    """``column: new (was old)`` for each changed column, joined with semicolons.

    Parameters
    ----------
    changes : iterable of (str, object, object)
        Column, old value and new value.

    Returns
    -------
    str
        The Dutch text.

    Examples
    --------
    >>> changes_text([("deadweight", 0.5, 0.6), ("afname", 0.2, None)])
    'deadweight 60 % in plaats van 50 %; afname per jaar leeg in plaats van 20 %'
    """
    return "; ".join(f"{column_label(c)} {value_text(c, new)} in plaats van {value_text(c, old)}"
                     for c, old, new in changes)


def more_or_less(amount: float, more: str = "hoger", less: str = "lager") -> str:
    """``more`` or ``less`` by the sign of ``amount``.

    Examples
    --------
    >>> more_or_less(-3.0), more_or_less(2.0, "meer", "minder")
    ('lager', 'meer')
    """
    return more if amount > 0 else less


def is_whole(value: float) -> bool:
    """Whether ``value`` is a whole number (for 0 or 2 decimals in a sentence).

    Examples
    --------
    >>> is_whole(3.0), is_whole(2.5)
    (True, False)
    """
    return math.isfinite(value) and float(value).is_integer()
