"""Dutch number formats for everything a user reads (tables, reports, messages).

Formatting is delegated to Babel's CLDR data for locale ``nl_NL`` (thousands ``.``,
decimal ``,``); this module only fixes the patterns the suite uses. Missing values are
shown as ``–`` (never as 0).
"""

from __future__ import annotations

import math

from babel.numbers import format_compact_decimal, format_decimal

__all__ = ["fmt_eur", "fmt_eur_compact", "fmt_number", "fmt_pct", "fmt_ratio", "fmt_chance",
           "is_missing"]

LOCALE = "nl_NL"
MISSING = "–"


def is_missing(value) -> bool:
    """True for None and NaN (pandas' NA included).

    Parameters
    ----------
    value : object
        Any value.

    Returns
    -------
    bool
        Whether ``value`` is None, NaN, ``pd.NA`` or ``pd.NaT``.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0)
    (True, True, False)
    >>> import pandas as pd
    >>> is_missing(pd.NA), is_missing(pd.NaT), is_missing("x")
    (True, True, False)
    """
    if value is None:
        return True
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' NA: `NA != NA` is NA, not True
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        return False


def fmt_number(value, decimals: int = 0) -> str:
    """A number in Dutch format.

    Parameters
    ----------
    value : float or None
        The number; None or NaN for missing.
    decimals : int, default 0
        Decimals to show.

    Returns
    -------
    str
        The Dutch text (``1.234.567,89``); ``–`` for a missing value.

    Examples
    --------
    >>> fmt_number(1234567.891, 2)
    '1.234.567,89'
    >>> fmt_number(-160)
    '−160'
    >>> fmt_number(None)
    '–'
    """
    if is_missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(abs(value), format=pattern, locale=LOCALE)
    return ("−" if value < 0 and text.strip("0,") else "") + text


def fmt_eur(value, decimals: int = 0) -> str:
    """An amount in euros, Dutch format; negative amounts get a leading minus.

    Parameters
    ----------
    value : float or None
        The amount in euros; None or NaN for missing.
    decimals : int, default 0
        Decimals to show.

    Returns
    -------
    str
        The Dutch text (``€ 1.234.568``); ``–`` for a missing value.

    Examples
    --------
    >>> fmt_eur(1234567.5)
    '€ 1.234.568'
    >>> fmt_eur(-2500)
    '€ −2.500'
    >>> fmt_eur(18.8, 2)
    '€ 18,80'
    """
    if is_missing(value):
        return MISSING
    text = fmt_number(abs(value), decimals)
    sign = "−" if value < 0 and text.strip("0,.") else ""
    return f"€ {sign}{text}"


def fmt_eur_compact(value) -> str:
    """An amount in euros for plain text: millions with one decimal, else whole thousands
    (below € 10.000 exact to the euro).

    Parameters
    ----------
    value : float or None
        The amount in euros; None or NaN for missing.

    Returns
    -------
    str
        The Dutch text (``€ 1,2 mln``); ``–`` for a missing value.

    Examples
    --------
    >>> fmt_eur_compact(1_234_567)
    '€ 1,2 mln'
    >>> fmt_eur_compact(-45_300)
    '€ −45.000'
    >>> fmt_eur_compact(8_809)
    '€ 8.809'
    """
    if is_missing(value):
        return MISSING
    if abs(value) < 10_000:
        return fmt_eur(value)
    if abs(value) < 1_000_000:
        return fmt_eur(round(value, -3))
    text = format_compact_decimal(abs(value), locale=LOCALE, fraction_digits=1)
    text = text.rstrip(".").replace("\u00a0", " ")
    sign = "−" if value < 0 else ""
    return f"€ {sign}{text}"


def fmt_pct(value, decimals: int = 1) -> str:
    """A fraction as a Dutch percentage.

    Parameters
    ----------
    value : float or None
        The fraction (0.0225 is 2,25 %); None or NaN for missing.
    decimals : int, default 1
        Decimals to show.

    Returns
    -------
    str
        The Dutch text (``2,25 %``); ``–`` for a missing value.

    Examples
    --------
    >>> fmt_pct(0.0225, 2)
    '2,25 %'
    >>> fmt_pct(-0.031)
    '−3,1 %'
    """
    if is_missing(value):
        return MISSING
    text = fmt_number(abs(value) * 100, decimals)
    sign = "−" if value < 0 and text.strip("0,.") else ""
    return f"{sign}{text} %"


def fmt_chance(value) -> str:
    """A chance from a simulation as a Dutch percentage: never "100 %" or "0 %" (a finite
    number of draws cannot show certainty), but "meer dan 99 %" and "minder dan 1 %".

    Parameters
    ----------
    value : float or None
        The chance as a fraction between 0 and 1; None or NaN for missing.

    Returns
    -------
    str
        The Dutch text; ``–`` for a missing value.

    Examples
    --------
    >>> fmt_chance(0.7912), fmt_chance(1.0), fmt_chance(0.995), fmt_chance(0.0)
    ('79 %', 'meer dan 99 %', 'meer dan 99 %', 'minder dan 1 %')
    >>> fmt_chance(0.99), fmt_chance(0.01), fmt_chance(None)
    ('99 %', '1 %', '–')
    """
    if is_missing(value):
        return MISSING
    if value > 0.99:
        return "meer dan 99 %"
    if value < 0.01:
        return "minder dan 1 %"
    return fmt_pct(value, 0)


def fmt_ratio(value, decimals: int = 2) -> str:
    """A ratio such as the benefit/cost ratio.

    Parameters
    ----------
    value : float or None
        The ratio; None or NaN for missing.
    decimals : int, default 2
        Decimals to show.

    Returns
    -------
    str
        The Dutch text (``1,40``); ``–`` for a missing value.

    Examples
    --------
    >>> fmt_ratio(1.4)
    '1,40'
    """
    if is_missing(value):
        return MISSING
    text = fmt_number(abs(value), decimals)
    return ("−" if value < 0 else "") + text
