"""The catalogue of CBS "Kerncijfers wijken en buurten" tables per year, with the source of each id.

Kept free of heavy imports: the ``mkba`` command shows it in ``mkba cbs ophalen --help``.
"""

from __future__ import annotations

from dataclasses import dataclass

from mkba.base.assumptions import fetched_dir

__all__ = ["CATALOGUE", "KwbTable", "fetched_dir"]  # fetched_dir: from mkba.base.assumptions


@dataclass(frozen=True)
class KwbTable:
    """One KWB table: reference year, CBS table id and where the id was verified.

    Parameters
    ----------
    year : int
        The reference year.
    table_id : str
        The CBS table id (``85984NED``).
    source : str
        Where the id was verified (a CBS page).

    Examples
    --------
    >>> CATALOGUE[2024].table_id
    '85984NED'
    """

    year: int
    table_id: str
    source: str


_CBS_PAGE = "https://www.cbs.nl/nl-nl/cijfers/detail/{}"
#: KWB table per reference year. Left out: 2013 (82339NED, per its CBS page its region
#: dimension is "Regio's", not "Wijken en buurten": the filter is unverified) — add it with
#: ``--tabel 2013=82339NED`` when you have checked it. 2025 (86165NED): CBS's own page and
#: catalogue could not be reached from where this was written; the id is the one that nine
#: independent public projects give for "Kerncijfers wijken en buurten 2025", citing
#: https://www.cbs.nl/nl-nl/cijfers/detail/86165NED, one of them with a row it verified against
#: the CBS OData table (Almere GM0034); CBS's national housing stock for 2025 downloaded from
#: the v4 feed under this id is shipped in data/cbs_nl_woningen. ``make test-online`` checks the
#: title of every id below against CBS's own TableInfos.
CATALOGUE: dict[int, KwbTable] = {t.year: t for t in [
    KwbTable(2014, "82931NED", _CBS_PAGE.format("82931NED") + " (titel 'Kerncijfers wijken en "
             "buurten 2014')"),
    KwbTable(2015, "83220NED", "data/cbs/README.md: StatLine-export 'Kerncijfers wijken en "
             "buurten 2015' (elakyc15/Group-7)"),
    KwbTable(2016, "83487NED", _CBS_PAGE.format("83487NED") + " (titel 'Kerncijfers wijken en "
             "buurten 2016')"),
    KwbTable(2017, "83765NED", _CBS_PAGE.format("83765NED") + " (titel 'Kerncijfers wijken en "
             "buurten 2017'); data/cbs/README.md"),
    KwbTable(2018, "84286NED", _CBS_PAGE.format("84286NED") + " (titel 'Kerncijfers wijken en "
             "buurten 2018')"),
    KwbTable(2019, "84583NED", "data/cbs/README.md: OData-export 84583NED en StatLine-export "
             "'Kerncijfers wijken en buurten 2019'"),
    KwbTable(2020, "84799NED", "data/cbs/README.md: 'Kerncijfers_wijken_en_buurten_2020' "
             "(tommasozf/amsterdam-green-gentrification)"),
    KwbTable(2021, "85039NED", _CBS_PAGE.format("85039NED") + " (titel 'Kerncijfers wijken en "
             "buurten 2021')"),
    KwbTable(2022, "85318NED", _CBS_PAGE.format("85318NED") + " (titel 'Kerncijfers wijken en "
             "buurten 2022')"),
    KwbTable(2023, "85618NED", _CBS_PAGE.format("85618NED") + " (titel 'Kerncijfers wijken en "
             "buurten 2023')"),
    KwbTable(2024, "85984NED", "data/cbs/meta/TableInfos_85984NED.json (CBS TableInfos: "
             "'Kerncijfers wijken en buurten 2024')"),
    KwbTable(2025, "86165NED", _CBS_PAGE.format("86165NED") + " (zoals geciteerd door negen "
             "openbare projecten; CBS-pagina zelf niet bereikt — live nagegaan met make "
             "test-online)"),
]}
