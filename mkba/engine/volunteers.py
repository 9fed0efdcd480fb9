"""The valuation of volunteer hours: which methods a case can use, the settings, and the value
per hour of a ``vrijwilligersinzet`` cost line under the chosen method (replacement cost, market
value of the service, the volunteer's forgone net wage, or nothing).

The rules and their sources are in :mod:`mkba.base.assumptions` ("volunteer_valuation").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.base.assumptions import MARKET_VALUE_CODE, VOLUNTEER_METHODS, WAGE_CODE
from mkba.base.errors import CaseError
from mkba.base.prices import index_factor

__all__ = ["available_methods", "volunteer_settings", "kengetal_value", "volunteer_units",
           "volunteer_values", "VOLUNTEER_METHODS", "MARKET_VALUE_CODE", "WAGE_CODE"]


def available_methods(kengetallen: pd.DataFrame, market_value_code: str = MARKET_VALUE_CODE,
                      wage_code: str = WAGE_CODE) -> list[str]:
    """The volunteer valuation methods this case can use (a method that needs a kengetal
    is left out when the case lacks it).

    Parameters
    ----------
    kengetallen : DataFrame
        The case's kengetallen (column ``code``).
    market_value_code, wage_code : str
        The kengetallen that value an hour at the market price and at the net wage.

    Returns
    -------
    list of str
        The usable methods, in the order of :data:`VOLUNTEER_METHODS`.

    Examples
    --------
    >>> import pandas as pd
    >>> available_methods(pd.DataFrame({"code": ["marktprijs_uur"]}))
    ['vervangingskosten', 'marktwaarde', 'nul']
    """
    codes = set(kengetallen["code"])
    need = {"marktwaarde": market_value_code, "gederfd_loon": wage_code}
    return [m for m in VOLUNTEER_METHODS if m not in need or need[m] in codes]


def volunteer_settings(volunteer=None) -> dict:
    """Normalise the volunteer settings: a dict with method, market_value_code, wage_code and
    benefit_code (a tuple ``(method, market_value_code)`` is accepted too).

    Parameters
    ----------
    volunteer : dict, tuple or None
        The chosen settings; missing or ``None`` values take the defaults.

    Returns
    -------
    dict
        ``method``, ``market_value_code``, ``wage_code`` and ``benefit_code``.

    Raises
    ------
    CaseError
        For a method that is not one of :data:`VOLUNTEER_METHODS`.

    Examples
    --------
    >>> volunteer_settings(("marktwaarde", None))["market_value_code"]
    'marktprijs_uur'
    >>> volunteer_settings({"method": "nul"})["method"]
    'nul'
    """
    out = {"method": "vervangingskosten", "market_value_code": MARKET_VALUE_CODE,
           "wage_code": WAGE_CODE, "benefit_code": None}
    if isinstance(volunteer, tuple):
        volunteer = {"method": volunteer[0], "market_value_code": volunteer[1]}
    out.update({k: v for k, v in (volunteer or {}).items() if v is not None})
    if out["method"] not in VOLUNTEER_METHODS:
        raise CaseError(f"waardering vrijwilligersuren '{out['method']}': kies uit "
                        + ", ".join(VOLUNTEER_METHODS))
    return out


def kengetal_value(kengetallen, code, price_year, cpi, what) -> tuple[float, float]:
    """(value in its own price year, CPI factor to P) of one kengetal; a Dutch error if absent.

    Parameters
    ----------
    kengetallen : DataFrame
        The case's kengetallen (``code``, ``waarde``, ``prijsjaar``).
    code : str
        The kengetal.
    price_year : int
        The analysis's price year P.
    cpi : Series
        The CPI by year (:func:`mkba.base.prices.cpi_series`).
    what : str
        What needs the kengetal, for the message.

    Returns
    -------
    tuple of float
        The value and the factor that brings it to P.

    Examples
    --------
    >>> import pandas as pd
    >>> k = pd.DataFrame({"code": ["uur"], "waarde": [20.0], "prijsjaar": [2024]})
    >>> from mkba.base.prices import cpi_series
    >>> kengetal_value(k, "uur", 2024, cpi_series(), "vrijwilligers")
    (20.0, 1.0)
    """
    row = kengetallen[kengetallen["code"] == code]
    if row.empty:
        raise CaseError(f"{what}: kengetal '{code}' ontbreekt in kengetallen")
    return (float(row["waarde"].iloc[0]),
            float(index_factor(int(row["prijsjaar"].iloc[0]), price_year, cpi)))


def volunteer_units(k: pd.DataFrame, unit: np.ndarray, kengetallen: pd.DataFrame,
                    price_year: int, cpi: pd.Series, method: str, market_code: str | None,
                    wage_code: str | None = WAGE_CODE):
    """Value per volunteer hour in price year P under the chosen method (cost lines of soort
    ``vrijwilligersinzet`` with hours × kengetal).

    Parameters
    ----------
    k : DataFrame
        Cost lines (``soort``, ``kengetal``).
    unit : ndarray
        Each line's value per hour in P under replacement cost.
    kengetallen : DataFrame
        The case's kengetallen.
    price_year : int
        The price year P.
    cpi : Series
        The CPI by year.
    method : str
        One of :data:`VOLUNTEER_METHODS`.
    market_code, wage_code : str or None
        The kengetallen of the market price and of the net wage per hour.

    Returns
    -------
    ndarray
        The value per hour of each line in P.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mkba.base.prices import cpi_series
    >>> k = pd.DataFrame({"soort": ["vrijwilligersinzet"], "kengetal": ["uur"]})
    >>> volunteer_units(k, np.array([15.0]), pd.DataFrame(), 2024, cpi_series(), "nul", None)
    array([0.])
    """
    v, i, _ = volunteer_values(k, unit, np.ones(len(k)), kengetallen, price_year, cpi,
                                {"method": method, "market_value_code": market_code,
                                 "wage_code": wage_code})
    return v * i


def volunteer_values(k, value, index, kengetallen, price_year, cpi, vol):
    """(value, index, ref) per cost line after applying the volunteer valuation method.

    Parameters
    ----------
    k : DataFrame
        Cost lines (``soort``, ``kengetal``).
    value, index : ndarray
        Each line's value per unit and its CPI factor to P before the method.
    kengetallen : DataFrame
        The case's kengetallen.
    price_year : int
        The price year P.
    cpi : Series
        The CPI by year.
    vol : dict
        The volunteer settings (:func:`volunteer_settings`).

    Returns
    -------
    tuple of ndarray
        Value, CPI factor and kengetal reference per line.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from mkba.base.prices import cpi_series
    >>> k = pd.DataFrame({"soort": ["vrijwilligersinzet", "exploitatie"],
    ...                   "kengetal": ["uur", None]})
    >>> v, i, ref = volunteer_values(k, np.array([15.0, 100.0]), np.ones(2), pd.DataFrame(),
    ...                              2024, cpi_series(), volunteer_settings({"method": "nul"}))
    >>> v.tolist(), ref[0] is None  # the volunteer line no longer refers to its kengetal
    ([0.0, 100.0], True)
    """
    ref = k["kengetal"].to_numpy(dtype=object)
    per_hour = ((k["soort"] == "vrijwilligersinzet").fillna(False).to_numpy(dtype=bool)
                & k["kengetal"].notna().to_numpy())
    method = vol["method"]
    if method == "vervangingskosten" or not per_hour.any():
        return value, index, ref
    if method == "nul":
        return (np.where(per_hour, 0.0, value), index,
                np.where(per_hour, None, ref).astype(object))
    code = vol["market_value_code"] if method == "marktwaarde" else vol["wage_code"]
    what = ("marktwaarde van vrijwilligersuren (marktprijs van de dienst; geef "
            "market_value_code op)" if method == "marktwaarde" else
            "gederfd nettoloon van vrijwilligers (geef wage_code op)")
    mv, mi = kengetal_value(kengetallen, code, price_year, cpi, what)
    return (np.where(per_hour, mv, value), np.where(per_hour, mi, index),
            np.where(per_hour, code, ref).astype(object))
