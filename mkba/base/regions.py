"""CBS region codes: which level a code is, and whether it is one at all.

A gemeente is ``GM`` + 4 digits; a wijk ``WK`` + the gemeente's 4 digits + 2 positions; a
buurt ``BU`` + the wijk's 6 positions + 2 more. The wijk and buurt positions are digits "in
principle", but may be capital letters when a gemeente has a hundred or more wijken (or a wijk a
hundred or more buurten) — Amsterdam's wijk ``WK0363AA`` since 2022 (CBS, *Toelichting Wijk- en
Buurtkaart 2020, 2021 en 2022*, ch. 2 "Algemene gegevens kerncijfers"). Anything else —
lower case, spaces, ``<``, ``/``, ``..`` — is not a code, and a code that reaches a file name, a
report or a CSV is checked in full here first.

Only the standard library is imported.
"""

from __future__ import annotations

import re

__all__ = ["LEVELS", "region_level", "region_problem", "gemeente_of"]

#: Level → (prefix, full pattern).
LEVELS = {
    "gemeente": ("GM", re.compile(r"GM\d{4}")),
    "wijk": ("WK", re.compile(r"WK\d{4}[0-9A-Z]{2}")),
    "buurt": ("BU", re.compile(r"BU\d{4}[0-9A-Z]{4}")),
}


def region_level(code) -> str | None:
    """``"gemeente"``, ``"wijk"`` or ``"buurt"`` for a valid CBS code, else ``None``.

    Parameters
    ----------
    code : str
        A CBS region code (``GM0363``, ``WK036330``, ``BU03630000``).

    Returns
    -------
    str or None
        The level, or None.

    Examples
    --------
    >>> region_level("WK011408"), region_level("BU0363AA01"), region_level("WK0114<sc")
    ('wijk', 'buurt', None)
    >>> region_level("WK0114/../"), region_level(" GM0114"), region_level(None)
    (None, None, None)
    """
    if not isinstance(code, str):
        return None
    for level, (_prefix, pattern) in LEVELS.items():
        if pattern.fullmatch(code):
            return level
    return None


def gemeente_of(code: str) -> str | None:
    """The gemeente code of a valid region code.

    Parameters
    ----------
    code : str
        A CBS gemeente, wijk or buurt code.

    Returns
    -------
    str or None
        ``GM`` plus the four digits, or None when ``code`` is not valid.

    Examples
    --------
    >>> gemeente_of("BU01140801"), gemeente_of("nonsense")
    ('GM0114', None)
    """
    return "GM" + code[2:6] if region_level(code) else None


def region_problem(code, gemeente: str | None = None,
                   levels: tuple[str, ...] = ("gemeente", "wijk", "buurt")) -> str | None:
    """Why ``code`` is not a valid code of one of ``levels`` within ``gemeente`` (Dutch), or
    ``None`` when it is.

    Parameters
    ----------
    code : str
        The region code to check.
    gemeente : str, optional
        The gemeente the region must lie in (``GM0114``); None for any.
    levels : tuple of str, default ("gemeente", "wijk", "buurt")
        The levels allowed.

    Returns
    -------
    str or None
        The Dutch problem, or None when the code is valid.

    Examples
    --------
    >>> region_problem("WK011408", "GM0114") is None
    True
    >>> region_problem("BU01140801", "GM0114", ("gemeente", "wijk"))
    "'BU01140801' is een buurtcode; verwacht: gemeente of wijk"
    >>> region_problem("WK036301", "GM0114")
    "'WK036301' ligt niet in GM0114"
    >>> region_problem("WK0114<script>")
    "'WK0114<script>' is geen CBS-code (GM + 4 cijfers, WK + 6 of BU + 8 tekens)"
    """
    level = region_level(code)
    shown = repr(str(code)[:40])
    if level is None:
        return f"{shown} is geen CBS-code (GM + 4 cijfers, WK + 6 of BU + 8 tekens)"
    if level not in levels:
        return f"{shown} is een {level}code; verwacht: {' of '.join(levels)}"
    if gemeente is not None and code[2:6] != gemeente[2:6]:
        return f"{shown} ligt niet in {gemeente}"
    return None
