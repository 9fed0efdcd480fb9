"""The catalogue of CBS "Kerncijfers wijken en buurten" tables per year, with the source of each id.

Kept free of heavy imports: the ``mkba`` command shows it in ``mkba cbs ophalen --help``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CATALOGUE", "KwbTable", "fetched_dir"]


@dataclass(frozen=True)
class KwbTable:
    """One KWB table: reference year, CBS table id and where the id was verified."""

    year: int
    table_id: str
    source: str


_CBS_PAGE = "https://www.cbs.nl/nl-nl/cijfers/detail/{}"
#: KWB table per reference year. Left out: 2013 (82339NED, per its CBS page its region
#: dimension is "Regio's", not "Wijken en buurten": the filter is unverified) and 2025
#: (86165NED appears only in third-party code; no CBS page found) — add them with
#: ``--tabel JAAR=CODE`` when you have checked them.
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
]}


def fetched_dir() -> Path:
    """Folder with fetched CBS files: ``MKBA_CBS_DIR``, else ``<data>/cbs_opgehaald``."""
    env = os.environ.get("MKBA_CBS_DIR")
    return Path(env) if env else _data_dir() / "cbs_opgehaald"


def _data_dir() -> Path:
    from mkba.base.assumptions import DATA_DIR

    return DATA_DIR
