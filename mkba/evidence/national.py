"""Real CBS housing figures for every gemeente, wijk and buurt of the Netherlands, 2013–2025
(``data/cbs_nl_woningen``): read into the long table of :func:`mkba.evidence.cbs.load_kwb`
and turned into panels for the national calibration of the effect estimates."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from mkba.base.assumptions import DATA_DIR, SMALL_NUMBER_THRESHOLD

__all__ = ["NL_WONINGEN", "INDICATORS", "load_nl_woningen", "national_panel"]

#: The shipped file (provenance in its folder's README).
NL_WONINGEN = DATA_DIR / "cbs_nl_woningen" / "kwb_woningen_nl_2013_2025.csv.gz"
#: The indicators in it, with their Dutch names.
INDICATORS = {"Woningvoorraad": "Woningvoorraad",
              "HuurwoningenTotaal": "Huurwoningen (% van de woningvoorraad)",
              "Koopwoningen": "Koopwoningen (% van de woningvoorraad)"}
_TYPES = {"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt", "NL": "Land"}


@lru_cache(maxsize=2)
def _read(path: str) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype={"region_code": str, "gemeente_code": str, "note": str,
                                   "gemeente_name": str, "unit": str, "stem": str},
                      low_memory=False)
    return pd.DataFrame({
        "region_code": raw["region_code"], "region_type": raw["region_type"].map(_TYPES),
        "gemeente_code": raw["gemeente_code"], "region_name": raw["gemeente_name"],
        "year": raw["year"].astype(int), "indicator": raw["stem"],
        "value": raw["value"].astype(float), "unit": raw["unit"],
        "quality": "cbs", "source_file": f"{Path(path).name} ({raw['table_id'].iloc[0]}…)"
                                          if len(raw) else Path(path).name})


def load_nl_woningen(path: str | Path | None = None) -> pd.DataFrame:
    """The national housing figures as a tidy long table with the columns of
    :func:`mkba.evidence.cbs.load_kwb` (``region_code``, ``region_type`` Gemeente/Wijk/Buurt,
    ``gemeente_code``, ``region_name`` (gemeenten only, where known), ``year``,
    ``indicator`` (Woningvoorraad, HuurwoningenTotaal, Koopwoningen), ``value``, ``unit``,
    ``quality``, ``source_file``). A missing or secret cell has no row (never 0).

    Read once per process (≈ 1,5 s; 559.160 rows).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The file; by default the shipped ``data/cbs_nl_woningen``.

    Returns
    -------
    pandas.DataFrame
        The long table.

    Examples
    --------
    >>> nl = load_nl_woningen()
    >>> len(nl), sorted(nl["indicator"].unique())
    (559160, ['HuurwoningenTotaal', 'Koopwoningen', 'Woningvoorraad'])
    >>> q = "region_code == 'NL00' and indicator == 'Woningvoorraad' and year in (2013, 2025)"
    >>> nl.query(q)["value"].tolist()  # the national housing stock (README of the data)
    [7449298.0, 8274478.0]
    """
    return _read(str(NL_WONINGEN if path is None else path)).copy()


def national_panel(indicator: str, level: str = "WK", data: pd.DataFrame | None = None,
                   threshold: int = SMALL_NUMBER_THRESHOLD) -> pd.DataFrame:
    """One indicator for every region of a level (``WK`` wijken, ``BU`` buurten, ``GM``
    gemeenten) as a panel (regions × years), as published; a count below the small-number
    threshold is missing, as in :func:`mkba.evidence.panel.indicator_panel`.
    ``attrs["unit"]`` and ``attrs["label"]`` as there.

    Parameters
    ----------
    indicator : str
        ``Woningvoorraad``, ``HuurwoningenTotaal`` or ``Koopwoningen``.
    level : str, default "WK"
        ``WK``, ``BU`` or ``GM``.
    data : pandas.DataFrame, optional
        The national figures; by default :func:`load_nl_woningen`.
    threshold : int, default 10
        Small-number threshold.

    Returns
    -------
    pandas.DataFrame
        Regions × years.

    Examples
    --------
    >>> p = national_panel("HuurwoningenTotaal", "WK")
    >>> p.shape[1], p.attrs["unit"], bool(p.index.str.startswith("WK").all())
    (13, '%', True)
    """
    data = load_nl_woningen() if data is None else data
    sub = data[(data["indicator"] == indicator) & data["region_code"].str.startswith(level)]
    unit = str(sub["unit"].iloc[0]) if len(sub) else ""
    value = sub["value"]
    if unit == "aantal":
        value = value.where(value >= threshold)
    wide = sub.assign(value=value).pivot_table(index="region_code", columns="year",
                                               values="value", aggfunc="first", dropna=False)
    wide = wide.astype(float)
    wide.columns = wide.columns.astype(int)
    wide.index.name, wide.columns.name = "region_code", "year"
    wide.attrs = {"unit": unit, "label": INDICATORS.get(indicator, indicator)}
    return wide
