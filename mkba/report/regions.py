"""Names of CBS regions for what readers see: a wijk, buurt or gemeente by its name, never by
its code (codes appear only in the report's appendix, beside the name)."""

from __future__ import annotations

import functools

__all__ = ["region_name", "region_label"]


@functools.lru_cache(maxsize=1)
def _region_names() -> dict:
    from mkba.evidence.cbs import load_kwb, region_names  # the CBS table: loaded once

    return region_names(load_kwb()).to_dict()


def region_name(code: str) -> str:
    """The CBS name of a region code (the code itself when the name is unknown).

    Parameters
    ----------
    code : str
        A CBS region code.

    Returns
    -------
    str
        The name, or the code.

    Examples
    --------
    >>> region_name("GM0363"), region_name("WK999999")
    ('Amsterdam', 'WK999999')
    """
    return str(_region_names().get(code, code))


def region_label(code: str) -> str:
    """A region as a reader knows it: its name, never its code. A wijk or buurt whose name the
    CBS tables at hand lack (the shipped national table has codes only; ``mkba cbs ophalen``
    brings names) is "wijk NN van <gemeente>" when the gemeente's name is known (CBS numbers
    wijken within their gemeente), else "wijk zonder naam in de CBS-cijfers"; its code is in
    the report's appendix.

    Parameters
    ----------
    code : str
        A CBS region code.

    Returns
    -------
    str
        The region's name as a reader knows it.

    Examples
    --------
    >>> region_label("WK036330")
    'Transvaalbuurt'
    >>> region_label("WK999999")
    'wijk zonder naam in de CBS-cijfers'
    """
    name = _region_names().get(code)
    if name and name != code:
        return str(name)
    kind = {"WK": "wijk", "BU": "buurt", "GM": "gemeente"}.get(code[:2], "gebied")
    if kind in ("wijk", "buurt") and len(code) >= 8:
        gemeente = _region_names().get("GM" + code[2:6])
        if gemeente:
            return f"{kind} {code[6:]} van {gemeente}"
    return f"{kind} zonder naam in de CBS-cijfers"
