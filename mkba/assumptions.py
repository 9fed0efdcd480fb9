"""Assumptions, their units and their sources — one home (the reports print the ones used).

Every default that shapes a result lives here with its unit and source, so that a report can
list exactly what it assumed and an analyst can see where to change it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Assumption", "ASSUMPTIONS", "DATA_DIR", "DISCOUNT_RATE", "NOTEBOOK_DIR",
           "REPORT_NOTEBOOK", "WIJK_CODE_PATTERN"]

#: Folder with the shipped data (CBS, kengetallen, example case); override with ``MKBA_DATA``.
DATA_DIR = Path(os.environ.get("MKBA_DATA", Path(__file__).resolve().parents[1] / "data"))
#: Folder with the notebooks; override with ``MKBA_NOTEBOOKS``.
NOTEBOOK_DIR = Path(os.environ.get("MKBA_NOTEBOOKS", DATA_DIR.parent / "notebooks"))
REPORT_NOTEBOOK = NOTEBOOK_DIR / "wijkrapport.ipynb"
#: A CBS wijk code (WK + gemeente + 2) or buurt code (BU + gemeente + 4).
WIJK_CODE_PATTERN = r"^(WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$"


@dataclass(frozen=True)
class Assumption:
    """A default value with its unit and source."""

    name: str
    value: float | int | str
    unit: str
    source: str
    description: str
    label: str = ""

    def shown(self) -> str:
        """The value as a user reads it (Dutch number format)."""
        if isinstance(self.value, float) and self.unit.startswith("fractie"):
            from .formatting import fmt_pct

            return fmt_pct(self.value, 2)
        return str(self.value)


#: Real discount rate, as a fraction per year.
DISCOUNT_RATE = 0.0225

ASSUMPTIONS: dict[str, Assumption] = {
    a.name: a
    for a in (
        Assumption(
            "discount_rate",
            DISCOUNT_RATE,
            "fractie per jaar (reëel)",
            "Rapport Werkgroep discontovoet 2020 (Ministerie van Financiën), kabinetsbesluit "
            "2021: 2,25 % reëel voor MKBA's",
            "Discontovoet waarmee kosten en baten naar het basisjaar worden teruggerekend.",
            "discontovoet",
        ),
        Assumption(
            "price_year",
            "laatste jaar van de CPI-reeks",
            "jaar",
            "CBS 83131NED, Consumentenprijzen; prijsindex 2015=100",
            "Alle bedragen worden met de CPI naar dit prijspeil omgerekend.",
            "prijspeil",
        ),
        Assumption(
            "base_year",
            "startjaar van de taak",
            "jaar",
            "Algemene MKBA-leidraad (CPB/PBL, 2013): contante waarde in één basisjaar",
            "Jaar waarnaar kosten en baten contant worden gemaakt.",
            "basisjaar",
        ),
        Assumption(
            "missing_fractions",
            0,
            "fractie",
            "SROI-conventie (de MKBA-leidraad zegt hier niets over: keuze van mkba)",
            "Een lege deadweight, attributie, verdringing of afname telt als 0.",
            "lege fracties",
        ),
        Assumption(
            "small_number_threshold",
            10,
            "aantal",
            "Gangbare praktijk van statistische bureaus (CBS: geen cijfers over kleine groepen)",
            "Aantallen onder deze drempel, en cijfers die daarop rusten, worden niet getoond.",
            "drempel kleine aantallen",
        ),
    )
}
