"""Assumptions, their units and their sources — one home (the reports print the ones used).

Every default that shapes a result lives here with its unit and source, so that a report can
list exactly what it assumed and an analyst can see where to change it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Assumption", "ASSUMPTIONS", "DATA_DIR", "DISCOUNT_RATE", "NOTEBOOK_DIR",
           "REPORT_NOTEBOOK", "REPORT_DRAWS", "REPORT_SEED", "WIJK_CODE_PATTERN",
           "DISCOUNT_RATE_VARIANTS",
           "HEALTH_CONVENTION", "IRR_MIN_INVESTMENT_SHARE", "IRR_MAX_SHOWN", "INDICATOR_DIRECTIONS",
           "DISCOUNT_RATE_RANGE", "MAX_AMOUNT", "MAX_HORIZON", "MARKET_VALUE_CODE",
           "SMALL_NUMBER_THRESHOLD", "VOLUNTEER_METHODS", "VOLUNTEER_VALUATION", "WAGE_CODE",
           "YEAR_MIN", "YEAR_MAX", "fetched_dir"]

#: Folder with the shipped data (CBS, kengetallen, example case); override with ``MKBA_DATA``.
DATA_DIR = Path(os.environ.get("MKBA_DATA", Path(__file__).resolve().parents[2] / "data"))
#: Folder with the notebooks; override with ``MKBA_NOTEBOOKS``.
NOTEBOOK_DIR = Path(os.environ.get("MKBA_NOTEBOOKS", DATA_DIR.parent / "notebooks"))
REPORT_NOTEBOOK = NOTEBOOK_DIR / "wijkrapport.ipynb"


def fetched_dir() -> Path:
    """Folder with what ``mkba cbs ophalen`` and ``mkba cbs cpi`` fetched: ``MKBA_CBS_DIR``,
    else ``<data>/cbs_opgehaald`` (read each time: tests and users may change it).

    Returns
    -------
    pathlib.Path
        The folder (it may not exist yet).

    Examples
    --------
    >>> fetched_dir().name in ("cbs_opgehaald",) or "MKBA_CBS_DIR" in os.environ
    True
    """
    env = os.environ.get("MKBA_CBS_DIR")
    return Path(env) if env else DATA_DIR / "cbs_opgehaald"
#: A CBS wijk code (WK + gemeente + 2) or buurt code (BU + gemeente + 4).
WIJK_CODE_PATTERN = r"^(WK\d{4}[0-9A-Z]{2}|BU\d{4}[0-9A-Z]{4})$"


@dataclass(frozen=True)
class Assumption:
    """A default value with its unit and source.

    Parameters
    ----------
    name : str
        Key of the assumption (``discontovoet``, ``prijsjaar``, ...).
    value : float or int or str
        The default value, in ``unit``.
    unit : str
        Unit of ``value`` (``fractie``, ``jaar``, ...).
    source : str
        Where the value comes from (guideline, edition, page).
    description : str
        What the value is used for, in Dutch.
    label : str, optional
        Short Dutch label for tables; empty for none.

    Examples
    --------
    >>> a = Assumption("discontovoet", 0.0225, "fractie per jaar", "Werkgroep discontovoet 2020",
    ...                "reële risicovrije discontovoet")
    >>> a.name, a.value
    ('discontovoet', 0.0225)
    """

    name: str
    value: float | int | str
    unit: str
    source: str
    description: str
    label: str = ""

    def shown(self) -> str:
        """The value as a user reads it (Dutch number format)."""
        if isinstance(self.value, float) and self.unit.startswith("fractie"):
            # babel via formatting: ≈ 12 ms, kept off `import mkba.run.cli`
            from mkba.base.formatting import fmt_pct

            return fmt_pct(self.value, 2)
        return str(self.value)


#: Real discount rate, as a fraction per year.
DISCOUNT_RATE = 0.0225
#: Discount rates accepted from a user or a scenario. The guidance is silent on bounds; our
#: choice: −5 % to 20 % covers every rate the Dutch guidance and its variants use (the
#: risk-free −1 % to 4 %) with room to spare, and rejects typing errors such as 2.25 for
#: 2,25 % or −0,99 (which made an NPV of 10^23).
DISCOUNT_RATE_RANGE = (-0.05, 0.20)
#: Years of a case, a price year and a base year.
YEAR_MIN, YEAR_MAX = 1900, 2100
#: Longest analysis period (--horizon), in years.
MAX_HORIZON = 200
#: Largest absolute number accepted in an input cell or a scenario (€ 1 biljoen = 10^12): far
#: above any task, far below where sums overflow.
MAX_AMOUNT = 1e12
#: Valuations of a volunteer hour, the default first (see :func:`mkba.evaluate`).
VOLUNTEER_METHODS = ("vervangingskosten", "marktwaarde", "gederfd_loon", "nul")
VOLUNTEER_VALUATION = VOLUNTEER_METHODS[0]
#: Default kengetal codes for a volunteer hour: market price of the service, forgone net wage
#: (opportunity cost of the volunteer's own time). The net wage is not shipped: no source in
#: data/kengetallen gives one, so the case must supply ``nettoloon_uur`` with its source
#: (``productiviteit_uur`` is an employer's gross labour cost, the value of lost production,
#: which is not what a volunteer gives up in free time).
MARKET_VALUE_CODE, WAGE_CODE = "marktprijs_uur", "nettoloon_uur"
#: Counts below this are not shown, nor figures computed from them.
SMALL_NUMBER_THRESHOLD = 10
#: Monte Carlo draws and seed of the wijk report's uncertainty section; the evaluation session
#: shows the chance NPV > 0 from the same draws (one number for one question everywhere).
REPORT_DRAWS, REPORT_SEED = 2000, 0
#: Real risk-free rate of the Werkgroep discontovoet 2020 (the standard rate is this plus a
#: risk premium of 3,25 %); only for costs/benefits shown to be entirely risk-free.
RISK_FREE_RATE = -0.01
_DISCOUNT_SOURCE = ("Rapport Werkgroep discontovoet 2020 (kabinetsbesluit, in werking "
                    "1 januari 2021); toelichting Steunpunt Economische Expertise, "
                    "rwseconomie.nl/discontovoet")
#: Discount-rate variants shown by default: (label, r costs, r benefits, source). Only what
#: the Dutch guidance names; a higher rate is left out because no current source gives one
#: for this kind of project (the 4,5 % for public physical investments was the 2015 rule).
DISCOUNT_RATE_VARIANTS = (
    ("standaard 2,25 %", DISCOUNT_RATE, DISCOUNT_RATE,
     _DISCOUNT_SOURCE + ": standaarddiscontovoet 2,25 % reëel (risicovrij −1 % plus "
     "risicopremie 3,25 %)"),
    ("risicovrij −1 % (alleen voor aantoonbaar risicoloze kosten en baten)", RISK_FREE_RATE,
     RISK_FREE_RATE,
     _DISCOUNT_SOURCE + ": risicovrije voet −1 %, alleen bij stevig onderbouwde volledig "
     "risicovrije kosten of baten en een horizon tot 100 jaar"),
)
#: The cost-effectiveness (KEA) convention of health economics: not an MKBA variant, offered
#: only on explicit request and labelled as such.
HEALTH_CONVENTION = (
    "kosteneffectiviteitsconventie gezondheidszorg (geen MKBA): kosten 4 %, effecten 1,5 %",
    0.04, 0.015,
    "Zorginstituut Nederland, Richtlijn voor het uitvoeren van economische evaluaties in de "
    "gezondheidszorg (2016): kosten 4 %, effecten 1,5 %; bedoeld voor "
    "kosteneffectiviteitsanalyse, niet voor een MKBA")
#: The IRR and payback year are shown only after a real investment phase: the outlays before
#: the first positive year are at least this share of the average later net benefit per year.
IRR_MIN_INVESTMENT_SHARE = 0.10
#: An IRR above this (100 % a year) is not shown as a number even after an investment phase:
#: it only says that the outlay is small next to the yearly benefits, not what the task
#: returns. The guidance ranks projects by NPV (Algemene leidraad MKBA, CPB/PBL 2013, § 9);
#: it gives no cap, so the cap is a choice of mkba, shown in the output.
IRR_MAX_SHOWN = 1.0
#: The direction of improvement of CBS indicators whose direction is not in doubt ("lager":
#: fewer is better). An effect line with an estimated quantity takes its sign from its own
#: ``richting`` or from here, never from whether a ``doelen`` row exists.
INDICATOR_DIRECTIONS = {
    **dict.fromkeys((
        "PersonenPerSoortUitkeringBijstand", "PersonenPerSoortUitkeringWW",
        "PersonenPerSoortUitkeringAO", "HuishOnderOfRondSociaalMinimum",
        "HuishoudensMetEenLaagInkomen", "HuishoudensTot110VanSociaalMinimum",
        "HuishoudensTot120VanSociaalMinimum", "GeweldsEnSeksueleMisdrijven",
        "TotaalDiefstalUitWoningSchuurED", "VernielingMisdrijfTegenOpenbareOrde"), "lager"),
    **dict.fromkeys((
        "Nettoarbeidsparticipatie", "GemiddeldInkomenPerInwoner",
        "GemiddeldInkomenPerInkomensontvanger", "GemGestandaardiseerdInkomenVanHuish"),
        "hoger"),
}

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
            "SROI-conventie (de MKBA-leidraad zegt hier niets over: eigen keuze)",
            "Een lege deadweight, attributie, verdringing of afname telt als 0.",
            "lege fracties",
        ),
        Assumption(
            "peiljaar",
            "het peiljaar van de casus (tabel casus); zonder: het jaar na het laatste "
            "CPI-jaar",
            "jaar",
            "Eigen keuze (de leidraad is stil): HM Treasury Green Book (2022), optimism bias "
            "geldt voor ramingen, niet voor gerealiseerde bedragen. Nooit de datum van vandaag: "
            "dezelfde casus geeft elk jaar dezelfde uitkomst",
            "Jaren vóór het peiljaar zijn gerealiseerd (geen correctie voor optimisme), "
            "jaren vanaf het peiljaar zijn prognose. Zonder peiljaar in de casus geldt een "
            "vaste regel: de eerste jaren zonder gepubliceerde CPI zijn prognose.",
            "peiljaar",
        ),
        Assumption(
            "empty_price_year",
            "het eigen jaar van de regel",
            "jaar",
            "Eigen keuze (de leidraad rekent in prijzen van één jaar en zegt niet hoe een "
            "ontbrekend prijspeil te lezen): bedragen uit de boekhouding zijn nominaal, dus in "
            "prijzen van het jaar waarin ze vallen",
            "Een lege prijsjaar bij een eigen bedrag betekent: in euro's van het eigen jaar van "
            "de regel (jaar van een kostenregel, jaar_van van een effectregel; na het laatste "
            "CPI-jaar het laatste CPI-jaar). Zo hangt geen regel af van het gekozen prijspeil: "
            "een ander prijspeil vermenigvuldigt elke contante waarde met één CPI-factor.",
            "lege prijsjaar",
        ),
        Assumption(
            "optimism_transfers",
            "geen correctie op overdrachten",
            "regel",
            "Eigen keuze: een overdracht (kolom overdracht van, bijv. een subsidie) is een "
            "afspraak tussen actoren; optimism bias (Green Book) gaat over ramingen van kosten en "
            "effecten, en 'ongunstiger' voor de een is gunstiger voor de ander",
            "Overdrachten krijgen aan geen van beide kanten een correctie voor optimisme, zodat "
            "het saldo van de gemeente een contractuele subsidie niet kleiner toont dan ze is.",
            "optimisme en overdrachten",
        ),
        Assumption(
            "optimism_sign",
            "elke post ongunstiger",
            "regel",
            "HM Treasury Green Book (2022) en Supplementary Green Book Guidance: Optimism "
            "Bias; de Nederlandse leidraad noemt geen teken, dus eigen keuze",
            "Correctie voor optimisme o: kosten × (1 + o), negatieve kosten × (1 − o), baten "
            "× (1 − o), nadelige effecten × (1 + o); alleen in prognosejaren.",
            "correctie voor optimisme",
        ),
        Assumption(
            "discount_rate_variants",
            "2,25 % en risicovrij −1 %",
            "fractie per jaar (reëel)",
            _DISCOUNT_SOURCE,
            "De NCW staat standaard ook bij de risicovrije voet; een hogere voet alleen waar "
            "een bron hem geeft (geen). De gezondheidsconventie (kosten 4 %, effecten 1,5 %) "
            "hoort bij kosteneffectiviteitsanalyse en komt alleen op verzoek, zo gelabeld.",
            "varianten discontovoet",
        ),
        Assumption(
            "volunteer_valuation",
            "vervangingskosten",
            "euro per uur",
            "Werkwijzer MKBA in het sociale domein (2017) en Kostenhandleiding Zorginstituut "
            "Nederland: geen vaste Nederlandse waarde; keuze, met alle methoden naast elkaar",
            "Een vrijwilligersuur tegen vervangingskosten (kengetal van de regel), marktprijs "
            "van de dienst, gederfd nettoloon (kengetal nettoloon_uur: wat de vrijwilliger "
            "zelf had verdiend, met bron uit de casus; mkba levert geen waarde, want geen "
            "meegeleverde bron geeft er een), of nul. Een keuze, geen onzekerheid: Monte Carlo "
            "trekt er niet over; elke uitvoer toont de NCW per methode en de omslagwaarde "
            "per uur.",
            "waardering vrijwilligersuur",
        ),
        Assumption(
            "irr_investment_share",
            IRR_MIN_INVESTMENT_SHARE,
            "fractie",
            "Eigen keuze: zonder investeringsfase is de IRR geen rendement",
            "IRR en terugverdienjaar alleen als de uitgaven vóór het eerste positieve jaar "
            "minstens dit deel zijn van de latere netto baten per jaar; anders 'n.v.t.'.",
            "drempel IRR",
        ),
        Assumption(
            "irr_max_shown",
            IRR_MAX_SHOWN,
            "fractie per jaar",
            "Eigen keuze: de leidraad (CPB/PBL 2013) rangschikt op NCW en noemt geen grens",
            "Een IRR boven 100 % per jaar wordt niet als getal getoond maar als 'meer dan "
            "100 % per jaar': de uitgaven vooraf zijn dan klein naast de jaarlijkse baten. Het "
            "terugverdienjaar blijft staan.",
            "grens IRR",
        ),
        Assumption(
            "leverage",
            "bijdragen van anderen per gemeente-euro",
            "verhouding",
            "Eigen keuze (geen Nederlandse richtlijn voor de hefboom)",
            "Telt subsidie, gift, crowdfunding, sponsoring en in natura; een garantstelling "
            "telt aan geen van beide kanten, leningen en eigen inkomsten staan apart.",
            "hefboom",
        ),
        Assumption(
            "estimated_quantity",
            "netto, zonder deadweight",
            "regel",
            "Algemene MKBA-leidraad (CPB/PBL 2013): een effect is het verschil met het "
            "nulalternatief; een verschil-in-verschillenschatting is dat al",
            "Een effect met een geschatte hoeveelheid (indicator, lege hoeveelheid) mag geen "
            "deadweight hebben (fout bij het inlezen); het teken volgt uit de richting van de "
            "indicator.",
            "geschatte hoeveelheid",
        ),
        Assumption(
            "totals",
            "alleen bij één basisjaar en één variant per taak",
            "regel",
            "Algemene MKBA-leidraad (CPB/PBL 2013): varianten zijn alternatieven, geen "
            "optelsom; contante waarden alleen optellen in hetzelfde basisjaar",
            "Een totaal over taken bestaat alleen voor taken met hetzelfde basisjaar en één "
            "gekozen variant per taak.",
            "totalen",
        ),
        Assumption(
            "small_number_threshold",
            SMALL_NUMBER_THRESHOLD,
            "aantal",
            "Gangbare praktijk van statistische bureaus (CBS: geen cijfers over kleine groepen)",
            "Aantallen onder deze drempel, en cijfers die daarop rusten, worden niet getoond.",
            "drempel kleine aantallen",
        ),
        Assumption(
            "effect_min_pre_years",
            2,
            "jaren",
            "Eigen keuze (de MKBA-leidraden zeggen hier niets over): met één jaar vóór de "
            "start is een verschil-in-verschillen niet van toeval of een eenmalige uitschieter "
            "te onderscheiden en is geen pre-trendtoets mogelijk",
            "Minder jaren met een meting vóór de start: geen effectschatting.",
            "minimum jaren vóór de start (effect)",
        ),
        Assumption(
            "effect_strong_pre_years",
            4,
            "jaren",
            "Eigen keuze: vanaf 4 jaren vóór de start zijn niveau en trend van de wijk en de "
            "vergelijkingswijken te vergelijken; met 2–3 jaren heet een schatting 'indicatief'",
            "Minder jaren vóór de start: de effectschatting is hooguit indicatief.",
            "jaren vóór de start voor 'sterk' bewijs (effect)",
        ),
    )
}
