"""Numbers and yes/no cells as Dutch municipal exports write them.

- numbers as ``1234.5``, ``1234,5``, ``1.234,50``, ``1,234.50``, ``€ 1.234``; percentages as
  ``25%`` or ``0,25``. A lone ``1.234`` is read as one thousand two hundred thirty-four in a
  file whose numbers use a decimal comma (the Dutch default, and the default for ``;`` files),
  and as 1.234 in a file whose numbers use a decimal point;
- ``ja``/``nee`` (also j/n, waar/onwaar, 1/0, yes/no); empty cells are missing, never 0.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["parse_number", "detect_decimal", "TRUE_WORDS", "FALSE_WORDS"]

TRUE_WORDS = {"ja", "j", "yes", "y", "waar", "true", "1", "x"}
FALSE_WORDS = {"nee", "n", "no", "onwaar", "false", "0"}
_THOUSANDS_DOT = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")
_THOUSANDS_COMMA = re.compile(r"[+-]?\d{1,3}(,\d{3})+")
_NUMBERISH = re.compile(r"[+-]?(\d[\d.,]*|[.,]\d+)")
_COMMA_DECIMAL = re.compile(r"[+-]?\d{1,3}(\.\d{3})*,\d+%?|[+-]?\d+,\d+%?")
_POINT_DECIMAL = re.compile(r"[+-]?\d+\.\d+%?")



def parse_number(text, decimal: str = ",") -> float:
    """Parse one number as Dutch and international exports write it.

    Parameters
    ----------
    text : str or number
        The cell. Numbers pass through unchanged.
    decimal : {",", "."}
        The file's decimal separator; only decides a lone group such as ``1.234``.

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
    """
    if isinstance(text, bool):
        raise ValueError(text)
    if isinstance(text, int | float | np.number):
        return float(text)
    s = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("€", "")
    s = s.replace("−", "-").replace("–", "-")
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if not _NUMBERISH.fullmatch(s):
        raise ValueError(text)
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


def detect_decimal(cells: list[str], sep: str) -> str:
    """The decimal separator of a file, from its number cells (see module docstring)."""
    if any(_COMMA_DECIMAL.fullmatch(c) for c in cells):
        return ","
    if any(_POINT_DECIMAL.fullmatch(c) and not _THOUSANDS_DOT.fullmatch(c) for c in cells):
        return "."
    return "," if sep == ";" else "."
