"""Numbers and yes/no cells as Dutch municipal exports write them.

- numbers as ``1234.5``, ``1234,5``, ``1.234,50``, ``1,234.50``, ``€ 1.234``; percentages as
  ``25%`` or ``0,25``;
- a lone group such as ``120.000`` or ``1,234`` reads differently in a file with a decimal
  comma (120000) and one with a decimal point (120). Which a file uses is decided from its
  own unambiguous cells (``12,5``, ``1.234,50``, ``1.234.567`` say comma; ``12.5``,
  ``1,234.50`` say point: :func:`decimal_evidence`), else from the other files of the same
  case, else from the separator: ``;`` is what Excel writes with Dutch settings (decimal
  comma). A tab- or comma-separated file gives no such hint (Excel writes tabs in every
  language; comma files come from English Excel and from Dutch Google Sheets alike): there a
  lone group is refused as ambiguous (:class:`AmbiguousNumber`), never guessed;
- ``ja``/``nee`` (also j/n, waar/onwaar, 1/0, yes/no); empty cells are missing, never 0.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["parse_number", "detect_decimal", "decimal_evidence", "is_ambiguous",
           "AmbiguousNumber", "TRUE_WORDS", "FALSE_WORDS"]


class AmbiguousNumber(ValueError):
    """A number that reads as thousands with a decimal comma and as decimals with a decimal
    point (``120.000``, ``1,234``), in a file that does not say which it uses.

    Examples
    --------
    >>> from mkba.case.numbers import parse_number
    >>> try:
    ...     parse_number("120.000", decimal=None)
    ... except AmbiguousNumber as exc:
    ...     print("dubbelzinnig:", exc)
    dubbelzinnig: 120.000
    """


TRUE_WORDS = {"ja", "j", "yes", "y", "waar", "true", "1", "x"}
FALSE_WORDS = {"nee", "n", "no", "onwaar", "false", "0"}
_THOUSANDS_DOT = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_THOUSANDS_COMMA = re.compile(r"[+-]?\d{1,3}(,\d{3})+")
_NUMBERISH = re.compile(r"[+-]?(\d[\d.,]*|[.,]\d+)")
_LONE_GROUP = re.compile(r"[+-]?\d{1,3}[.,]\d{3}")



def _clean(text) -> str:
    """The cell without spaces, euro sign and typographic minus signs."""
    s = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    return s.replace("−", "-").replace("–", "-")


def is_ambiguous(text) -> bool:
    """Whether a cell reads differently with a decimal comma and a decimal point: one group
    of three digits after a single ``.`` or ``,`` (``120.000``, ``-1,500``).

    Parameters
    ----------
    text : object
        A cell; only text can be ambiguous.

    Returns
    -------
    bool
        Whether the cell reads differently under the two conventions.

    Examples
    --------
    >>> is_ambiguous("120.000"), is_ambiguous("1,234"), is_ambiguous("1.234,5")
    (True, True, False)
    >>> is_ambiguous("1.234.567"), is_ambiguous("12,50"), is_ambiguous(120000)
    (False, False, False)
    """
    if not isinstance(text, str):
        return False
    s = _clean(text).rstrip("%")
    return bool(_LONE_GROUP.fullmatch(s))


def decimal_evidence(cells) -> tuple[str | None, str | None, str | None]:
    """What a file's number cells say about its decimal separator: ``(decimal, comma_cell,
    point_cell)`` with ``decimal`` ``","``, ``"."``, ``None`` (no unambiguous cell) or
    ``"conflict"`` (both kinds), and the first cell that showed each kind.

    Parameters
    ----------
    cells : iterable of str
        The number cells of one file, as text.

    Returns
    -------
    tuple of (str or None, str or None, str or None)
        ``(decimal, comma_cell, point_cell)``.

    Examples
    --------
    >>> decimal_evidence(["120.000", "2018", "24,00"])
    (',', '24,00', None)
    >>> decimal_evidence(["120,000", "18.80"])
    ('.', None, '18.80')
    >>> decimal_evidence(["120.000", "4.200"])[0] is None
    True
    >>> decimal_evidence(["1,5", "2.5"])[0]
    'conflict'
    """
    comma = point = None
    for c in cells:
        if not isinstance(c, str) or not c:
            continue
        s = _clean(c).rstrip("%").lstrip("+-")
        if not _NUMBERISH.fullmatch(s) or _LONE_GROUP.fullmatch(s):
            continue
        has_comma, has_dot = "," in s, "." in s
        if has_comma and has_dot:
            kind = "," if s.rfind(",") > s.rfind(".") else "."
        elif has_comma:
            kind = "." if _THOUSANDS_COMMA.fullmatch(s) else ","
        elif has_dot:
            kind = "," if _THOUSANDS_DOT.fullmatch(s) else "."
        else:
            continue
        if kind == "," and comma is None:
            comma = c
        elif kind == "." and point is None:
            point = c
        if comma is not None and point is not None:
            return "conflict", comma, point
    return ("," if comma is not None else "." if point is not None else None), comma, point


def parse_number(text, decimal: str | None = ",") -> float:
    """Parse one number as Dutch and international exports write it.

    Parameters
    ----------
    text : str or number
        The cell. Numbers pass through unchanged.
    decimal : {",", "."} or None
        The file's decimal separator; only decides a lone group such as ``1.234``. ``None``:
        the file does not say, and a lone group raises :class:`AmbiguousNumber`.

    Returns
    -------
    float
        A trailing ``%`` divides by 100.

    Raises
    ------
    ValueError
        When the cell is not a number.

    Examples
    --------
    >>> parse_number("1.234,50")
    1234.5
    >>> parse_number("1,234.50")
    1234.5
    >>> parse_number("25%")
    0.25
    >>> parse_number("0,25")
    0.25
    >>> parse_number("1.234"), parse_number("1.234", decimal=".")
    (1234.0, 1.234)
    >>> parse_number("€ −2.500")
    -2500.0
    >>> parse_number("120.000", decimal=None)
    Traceback (most recent call last):
    ...
    mkba.case.numbers.AmbiguousNumber: 120.000
    """
    if isinstance(text, bool):
        raise ValueError(text)
    if isinstance(text, int | float | np.number):
        return float(text)
    s = _clean(text)
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if not _NUMBERISH.fullmatch(s):
        raise ValueError(text)
    if decimal is None and _LONE_GROUP.fullmatch(s):
        raise AmbiguousNumber(text)
    has_comma, has_dot = "," in s, "." in s
    if has_comma and has_dot:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif has_comma:
        if _THOUSANDS_COMMA.fullmatch(s) and (decimal == "." or s.count(",") > 1):
            s = s.replace(",", "")
        elif s.count(",") > 1:
            raise ValueError(text)
        else:
            s = s.replace(",", ".")
    elif has_dot and s.count(".") > 1:
        if not _THOUSANDS_DOT.fullmatch(s):
            raise ValueError(text)
        s = s.replace(".", "")
    elif has_dot and decimal == "," and _THOUSANDS_DOT.fullmatch(s):
        s = s.replace(".", "")
    value = float(s)
    return value / 100 if percent else value


def detect_decimal(cells: list[str], sep: str) -> str | None:
    r"""The decimal separator of a file from its number cells alone (see module docstring):
    its own evidence, else ``","`` for a ``;`` file, else ``None`` (the file does not say).

    Parameters
    ----------
    cells : list of str
        The number cells of one file, as text.
    sep : str
        The file's field separator (``;``, ``,`` or tab).

    Returns
    -------
    str or None
        ``","``, ``"."`` or None when the file does not say.

    Examples
    --------
    >>> detect_decimal(["120.000"], ";"), detect_decimal(["120.000"], "\t")
    (',', None)
    """
    decimal = decimal_evidence(cells)[0]
    if decimal in (",", "."):
        return decimal
    return "," if sep == ";" else None
