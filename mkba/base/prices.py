"""CPI indexation and discounting.

Sign convention (written once, here): amounts are positive euros; a cost line is a cost and
an effect line is a benefit. The net flow of a year is benefits − costs; discounting multiplies
every flow of year ``t`` by ``(1 + r) ** -(t - B)`` with base year ``B``.

The CPI series is CBS table 83131NED (all expenditure, 2015 = 100). Shipped: the published
annual index for 1996–2019 and, for 2020–2024, the index extended by CBS's published
year-on-year changes (one decimal), because the index file stops at 2019 (see
``data/kengetallen/README.md``): **the shipped series reaches 2024**. ``mkba cbs cpi``
(:func:`mkba.sources.cpi.fetch_cpi`) fetches the published index from CBS into
``cpi_83131NED.csv`` in the fetched folder (``MKBA_CBS_DIR``, default ``data/cbs_opgehaald``);
its years are used in front of the shipped ones (published values replace derived ones) and the
series then reaches CBS's latest year.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from mkba.base.assumptions import DATA_DIR, fetched_dir
from mkba.base.errors import CaseError

__all__ = ["cpi_series", "index_factor", "discount_factors", "derived_cpi_years",
           "CPI_FETCHED_NAME", "fetched_cpi_path"]

CPI_INDEX_FILE = DATA_DIR / "cbs" / "cpi_83131NED_yearly_2015eq100.csv"
CPI_CHANGE_FILE = DATA_DIR / "kengetallen" / "cpi_jaarmutatie_83131NED_2012_2024.csv"
#: Name of the CPI file ``mkba cbs cpi`` writes in the fetched folder.
CPI_FETCHED_NAME = "cpi_83131NED.csv"


def fetched_cpi_path():
    """Where ``mkba cbs cpi`` puts the refreshed series (it may not exist).

    Returns
    -------
    pathlib.Path
        The file (in :func:`~mkba.base.assumptions.fetched_dir`).

    Examples
    --------
    >>> fetched_cpi_path().parent == fetched_dir()
    True
    """
    return fetched_dir() / CPI_FETCHED_NAME


def _stamp() -> tuple:
    path = fetched_cpi_path()
    try:
        st = path.stat()
    except OSError:
        return ()
    return (str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=2)
def _load_cpi_at(stamp: tuple) -> tuple[pd.Series, tuple[int, ...]]:
    index = pd.read_csv(CPI_INDEX_FILE, usecols=["year", "CPI_2015eq100"])
    cpi = dict(zip(index["year"].astype(int), index["CPI_2015eq100"].astype(float), strict=True))
    if stamp:
        fetched = pd.read_csv(stamp[0], usecols=["year", "CPI_2015eq100"])
        years = fetched["year"].astype(int)
        values = pd.to_numeric(fetched["CPI_2015eq100"], errors="coerce")
        if values.isna().any() or not years.is_monotonic_increasing or not (
                (values > 0) & (values < 1e4)).all():
            raise CaseError(f"{stamp[0]}: geen geldige CPI-reeks (haal hem opnieuw op met "
                            "mkba cbs cpi)")
        cpi.update(dict(zip(years, values.astype(float), strict=True)))
    changes = pd.read_csv(CPI_CHANGE_FILE)
    derived = []
    for row in changes.sort_values("jaar_tot").itertuples(index=False):
        if row.jaar_tot in cpi:
            continue
        if row.jaar_van not in cpi:
            raise CaseError(f"CPI-reeks heeft een gat vóór {row.jaar_tot}")
        cpi[int(row.jaar_tot)] = cpi[int(row.jaar_van)] * (1 + row.jaarmutatie_cpi_pct / 100)
        derived.append(int(row.jaar_tot))
    series = pd.Series(cpi, name="cpi").sort_index()
    series.index.name = "year"
    return series, tuple(derived)


def _load_cpi() -> tuple[pd.Series, tuple[int, ...]]:
    return _load_cpi_at(_stamp())


def cpi_series() -> pd.Series:
    """Yearly CPI (2015 = 100), indexed by year: 1996–2024 as shipped, up to CBS's latest
    year after ``mkba cbs cpi``.

    Returns
    -------
    pandas.Series
        CPI (2015 = 100) indexed by year.

    Examples
    --------
    >>> cpi = cpi_series()
    >>> int(cpi.index.min()), int(cpi.index.max()) >= 2024
    (1996, True)
    >>> float(cpi[2015])
    100.0
    """
    return _load_cpi()[0].copy()


def derived_cpi_years() -> tuple[int, ...]:
    """Years whose CPI is derived from published year-on-year changes, not published itself.

    Returns
    -------
    tuple of int
        The derived years, ascending.

    Examples
    --------
    >>> derived_cpi_years() if not fetched_cpi_path().exists() else (2020, 2021, 2022, 2023, 2024)
    (2020, 2021, 2022, 2023, 2024)
    """
    return _load_cpi()[1]


def index_factor(from_year, to_year: int, cpi: pd.Series | None = None) -> np.ndarray:
    """Factor that brings an amount from price level ``from_year`` to ``to_year``.

    ``CPI[to_year] / CPI[from_year]``, element-wise for an array of years.

    Parameters
    ----------
    from_year : int or array_like of int
        Price level (year) of the amount(s).
    to_year : int
        Price level (year) to bring them to.
    cpi : pandas.Series, optional
        CPI by year; by default :func:`cpi_series`.

    Returns
    -------
    numpy.ndarray
        The factor, one per ``from_year``.

    Examples
    --------
    >>> round(float(index_factor(2015, 2019)), 4)
    1.0616
    >>> index_factor([2019, 2019], 2019).tolist()
    [1.0, 1.0]
    """
    cpi = cpi_series() if cpi is None else cpi
    years = np.atleast_1d(np.asarray(from_year, dtype=int))
    missing = sorted(set(years.tolist()) - set(cpi.index) | ({to_year} - set(cpi.index)))
    if missing:
        raise CaseError(
            f"geen CPI voor {', '.join(map(str, missing))} "
            f"(reeks {cpi.index.min()}–{cpi.index.max()})"
        )
    factor = cpi[to_year] / cpi.reindex(years).to_numpy()
    return factor if np.ndim(from_year) else factor[0]


def discount_factors(years, base_year, rate: float) -> np.ndarray:
    """Discount factor ``(1 + r) ** -(t - B)`` for each year ``t``.

    Parameters
    ----------
    years : array_like of int
        Years of the flows.
    base_year : int or array_like of int
        Base year ``B`` (one, or one per flow).
    rate : float
        Real discount rate as a fraction (0.0225 is 2.25 %).

    Returns
    -------
    numpy.ndarray
        One factor per year (1 in the base year).

    Notes
    -----
    Years before the base year get a factor above 1 (compounded forward).

    References
    ----------
    Algemene MKBA-leidraad (CPB/PBL, 2013), hoofdstuk 7; discount rate 2.25 % real since 2021.

    Examples
    --------
    >>> discount_factors([2020, 2021, 2022], 2020, 0.0225).round(6).tolist()
    [1.0, 0.977995, 0.956474]
    """
    if rate <= -1:
        raise CaseError(f"discontovoet {rate} moet groter zijn dan −1")
    t = np.asarray(years, dtype=float) - np.asarray(base_year, dtype=float)
    return np.power(1.0 + rate, -t)
