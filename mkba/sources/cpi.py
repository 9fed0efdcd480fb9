"""``mkba cbs cpi``: refresh the CPI series (CBS 83131NED, all expenditure, 2015 = 100).

The shipped series (``data/cbs`` and ``data/kengetallen``, see :mod:`mkba.base.prices`) reaches
2024, with 2020–2024 derived from CBS's published year-on-year changes. A case with amounts in
prices of a later year needs the newer CPI: :func:`fetch_cpi` asks the CBS feed for the yearly
index of "Alle bestedingen" (``Perioden`` ``YYYYJJ00``, category ``T001112``), checks it (every
year a finite index between 1 and 10 000, consecutive years, 2015 = 100) and writes
``cpi_83131NED.csv`` to :func:`mkba.base.assumptions.fetched_dir`.
:func:`mkba.base.prices.cpi_series` then uses the published values from that file in front of
the shipped ones.

Network faults, deadline, size cap and hosts as for the KWB (:mod:`mkba.sources.http`).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from mkba.base.assumptions import fetched_dir
from mkba.base.cells import write_csv
from mkba.base.errors import FetchError
from mkba.base.prices import CPI_FETCHED_NAME
from mkba.evidence.cbs import key_stem
from mkba.sources.http import Deadline, Http, cbs_url, checked_base

__all__ = ["fetch_cpi", "CPI_TABLE", "ALL_EXPENDITURE"]

CPI_TABLE = "83131NED"
#: Key of "000000 Alle bestedingen" in the table's Bestedingscategorieen dimension.
ALL_EXPENDITURE = "T001112"
_PERIOD = re.compile(r"^(\d{4})JJ00$")


def _keys(props: list) -> tuple[str, str, str]:
    def key(test) -> str | None:
        return next((p["Key"] for p in props if isinstance(p, dict)
                     and isinstance(p.get("Key"), str) and p["Key"].isidentifier() and test(p)),
                    None)

    category = key(lambda p: p["Key"] == "Bestedingscategorieen")
    period = key(lambda p: p.get("Type") == "TimeDimension")
    index = key(lambda p: p.get("Type") == "Topic" and key_stem(p["Key"]) == "CPI")
    if not (category and period and index):
        raise FetchError(f"tabel {CPI_TABLE} heeft niet de verwachte kolommen "
                         "(Bestedingscategorieen, Perioden, CPI); is het de CPI-tabel?")
    return category, period, index


def _series(rows: list, category: str, period: str, index: str) -> pd.Series:
    values: dict[int, float] = {}
    for row in rows:
        if not isinstance(row, dict) or not str(row.get(category, "")).startswith(ALL_EXPENDITURE):
            continue
        m = _PERIOD.match(str(row.get(period, "")).strip())
        if not m:
            continue
        year, value = int(m.group(1)), row.get(index)
        if value is None:
            continue
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or not 1 <= value <= 10_000):
            raise FetchError(f"tabel {CPI_TABLE}, {year}: {str(value)[:30]!r} is geen "
                             "prijsindex; niets geschreven")
        if not 1900 <= year <= 2100 or year in values:
            raise FetchError(f"tabel {CPI_TABLE}: jaar {year} onverwacht of dubbel; niets "
                             "geschreven")
        values[year] = float(value)
    if not values:
        raise FetchError(f"tabel {CPI_TABLE} gaf geen jaarcijfers voor alle bestedingen; niets "
                         "geschreven")
    series = pd.Series(values).sort_index()
    gaps = sorted(set(range(series.index.min(), series.index.max() + 1)) - set(series.index))
    if gaps:
        raise FetchError(f"tabel {CPI_TABLE}: de reeks mist {', '.join(map(str, gaps[:5]))}; "
                         "niets geschreven")
    if abs(series.get(2015, float("nan")) - 100) > 0.5:
        raise FetchError(f"tabel {CPI_TABLE}: de index is niet 2015 = 100 (2015: "
                         f"{series.get(2015)}); niets geschreven")
    return series


def fetch_cpi(out_dir=None, *, http: Http | None = None, base: str | None = None) -> Path:
    """Fetch the yearly CPI (2015 = 100) from CBS 83131NED into ``out_dir``.

    Parameters
    ----------
    out_dir : path, optional
        Default :func:`mkba.base.assumptions.fetched_dir`.
    http : Http, optional
        The client (tests pass one with a recorded transport).
    base : str, optional
        Base URL of the OData feed; default ``MKBA_CBS_URL`` or :data:`mkba.sources.http.CBS_URL`.

    Returns
    -------
    Path
        ``cpi_83131NED.csv``: ``year``, ``CPI_2015eq100``, ``cbs_table``, ``downloaded_at``,
        ``query``.

    Examples
    --------
    >>> fetch_cpi(base="http://cbs.example.nl/odata")
    Traceback (most recent call last):
    ...
    mkba.base.errors.FetchError: cbs ophalen: base='http://cbs.example.nl/odata' moet met
    https:// beginnen (http:// alleen voor een server op deze computer)
    """
    base = cbs_url() if base is None else checked_base(base, "base")
    out = Path(out_dir) if out_dir is not None else fetched_dir()
    root = f"{base}/{CPI_TABLE}"
    own = http is None
    http = http or Http()
    http.allow(base)
    deadline = Deadline(what=f"tabel {CPI_TABLE} (CPI)")
    try:
        props = http.get_all(f"{root}/DataProperties", {"$format": "json"}, deadline=deadline,
                             what=f"tabel {CPI_TABLE} (DataProperties)")
        category, period, index = _keys(props)
        params = {"$format": "json",
                  "$filter": f"startswith({category},'{ALL_EXPENDITURE}') and "
                             f"substringof('JJ',{period})",
                  "$select": f"{category},{period},{index}"}
        rows = http.get_all(f"{root}/TypedDataSet", params, deadline=deadline,
                            what=f"tabel {CPI_TABLE} (CPI per jaar)")
        query = http.url_of(f"{root}/TypedDataSet", params)
    finally:
        if own:
            http.close()
    series = _series(rows, category, period, index)
    frame = pd.DataFrame({"year": series.index.astype(int), "CPI_2015eq100": series.to_numpy(),
                          "cbs_table": CPI_TABLE,
                          "downloaded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                          "query": query})
    path = out / CPI_FETCHED_NAME
    write_csv(frame, path, index=False)
    return path
