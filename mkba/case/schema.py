"""The input tables of a case: columns, types, allowed values — in one place.

Everything that knows about the input format reads it from here: the reader (:mod:`mkba.case.read`),
the value checks (pandera schemas, :mod:`mkba.case.values`), the rules within one row
(:mod:`mkba.case.rows`), the cross-table checks (:mod:`mkba.case.crosscheck`), the survey
transformation (:mod:`mkba.case.survey`), the Excel template and the column reference in the
documentation.

Column headers are Dutch because partners type them; the code around them is English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import import_module

from mkba.base.assumptions import WIJK_CODE_PATTERN

__all__ = [
    "ColumnSpec",
    "TableSpec",
    "TABLES",
    "REQUIRED_TABLES",
    "MUNICIPALITY",
    "DEFAULT_VARIANT",
    "WIJK_CODE_PATTERN",
    "parse_parameter",
    "EFFECT_FIELDS",
    "TALLY_TABLE",
    "CASE_TABLE",
    "normalise_header",
]

#: Names that moved to their own module when this one was split by concern (issue 23); still
#: importable from here (loaded on first use, so the modules can import this one).
_MOVED = {"pandera_schema": "mkba.case.values", "check_rows": "mkba.case.rows",
          "check_case": "mkba.case.crosscheck", "survey_answers": "mkba.case.survey"}


def __getattr__(name: str):
    if name in _MOVED:
        return getattr(import_module(_MOVED[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Actor name of the municipality (case-insensitive) in kosten/effecten/financiering.
MUNICIPALITY = "gemeente"
#: Variant name used when a task names no variant.
DEFAULT_VARIANT = "project"
#: CBS wijk code (WK + 4-digit gemeente + 2 characters; Amsterdam uses letters since 2022)
#: or buurt code (BU + 4-digit gemeente + 4 characters).

PM_SCORES = ("--", "-", "0", "+", "++")
#: Kinds of success criteria (Werkwijzer: economisch, maatschappelijk, draagvlak, spin-off; plus
#: proces for agreements about the collaboration itself).
CRITERION_KINDS = ("economisch", "maatschappelijk", "draagvlak", "spin_off", "proces")
PARTNER_ROLES = ("opdrachtgever", "facilitator", "partner", "uitvoerder", "financier")
#: Survey answers: a 1–5 Likert scale or ja/nee; 4, 5 and ja count as positive.
SURVEY_ANSWERS = ("1", "2", "3", "4", "5", "ja", "nee")
POSITIVE_ANSWERS = ("4", "5", "ja")
#: The survey as a tally sheet (one row per question, one column per answer).
TALLY_TABLE = "enquete_turflijst"
#: The case-level settings (one row: peiljaar, prijsjaar).
CASE_TABLE = "casus"
BUURTBUDGET = "buurtbudget"
#: Fields of an effect line that can carry a range (``TAAK/EFFECT/VELD``).
EFFECT_FIELDS = ("hoeveelheid", "waarde", "deadweight", "attributie", "verdringing", "afname")


def parse_parameter(name: str) -> tuple:
    """The parts of a parameter name as used in ``bandbreedtes``, scenarios and sensitivity.

    Returns ``("discount",)``, ``("kengetal", code)``, ``("optimisme_kosten", task)``,
    ``("optimisme_baten", task)``, ``("factor", task, post)`` or
    ``("effect", task, effect, field)``.

    Parameters
    ----------
    name : str
        The parameter name.

    Returns
    -------
    tuple
        The parts (see above).

    Examples
    --------
    >>> parse_parameter("T1/Minder vernielingen/deadweight")
    ('effect', 'T1', 'Minder vernielingen', 'deadweight')
    >>> parse_parameter("vervangingskosten_uur"), parse_parameter("discontovoet")
    (('kengetal', 'vervangingskosten_uur'), ('discount',))
    """
    parts = [p.strip() for p in str(name).split("/")]
    if len(parts) == 1:
        return ("discount",) if parts[0] == "discontovoet" else ("kengetal", parts[0])
    if len(parts) == 2:
        if parts[1] in ("optimisme_kosten", "optimisme_baten"):
            return (parts[1], parts[0])
        raise ValueError(f"'{name}': na de taak verwacht optimisme_kosten of optimisme_baten")
    task, middle, fld = parts[0], "/".join(parts[1:-1]), parts[-1]
    if fld == "factor":
        return ("factor", task, middle)
    if fld not in EFFECT_FIELDS:
        raise ValueError(f"'{name}': onbekend veld '{fld}' (kies uit factor, "
                         + ", ".join(EFFECT_FIELDS) + ")")
    return ("effect", task, middle, fld)


@dataclass(frozen=True)
class ColumnSpec:
    """One input column.

    ``kind`` is one of ``text``, ``year``, ``int``, ``number``, ``fraction``, ``bool``,
    ``choice``; ``required`` means the column must exist and every row needs a value.

    Parameters
    ----------
    name : str
        The column name as the user writes it.
    kind : str
        ``text``, ``year``, ``int``, ``number``, ``fraction``, ``bool`` or ``choice``.
    description : str
        What the column means, in Dutch (the template and the docs show it).
    required : bool, default False
        The column must exist and every row needs a value.
    unit : str, optional
        The unit of a number (``euro``, ``uur``, ...).
    allowed : tuple of str, default ()
        The allowed values of a ``choice`` column.
    minimum : float, optional
        The smallest allowed number.
    pattern : str, optional
        A regular expression every value must match.
    unique : bool, default False
        No two rows may have the same value.

    Examples
    --------
    >>> TABLES["taken"].columns[0].name, TABLES["taken"].columns[0].required
    ('taak_id', True)
    """

    name: str
    kind: str
    description: str
    required: bool = False
    unit: str = ""
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    pattern: str | None = None
    unique: bool = False


@dataclass(frozen=True)
class TableSpec:
    """One input table (a CSV file or a sheet of the workbook).

    Parameters
    ----------
    name : str
        The table name (file ``NAME.csv`` or sheet ``NAME``).
    description : str
        What the table holds, in Dutch.
    columns : tuple of ColumnSpec
        Its columns, in the template's order.
    key : tuple of str, default ()
        The columns that identify a row (unique together).

    Examples
    --------
    >>> spec = TABLES["taken"]
    >>> spec.name, spec.column_names[:3]
    ('taken', ['taak_id', 'naam', 'wijk_code'])
    """

    name: str
    description: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


def _col(name, kind, description, **kw) -> ColumnSpec:
    return ColumnSpec(name=name, kind=kind, description=description, **kw)


_VARIANT = _col(
    "variant",
    "text",
    "Naam van het alternatief (bijv. maatschappelijk_aanbesteden). Leeg: de regel hoort bij "
    "alle varianten van de taak. Zonder varianten heet het alternatief 'project'.",
)
_TASK_REF = _col("taak_id", "text", "Code van de taak uit het blad taken.", required=True)
_FINANCING_VARIANT = _col(
    "variant",
    "text",
    "Variant (alternatief) waarbij deze financiering hoort, bijv. maatschappelijk_aanbesteden. "
    "Leeg: hoort bij alle varianten van de taak.",
)
_RANGE_VARIANT = _col(
    "variant",
    "text",
    "Variant waarvan de regels deze bandbreedte krijgen. Leeg: elke regel met deze naam, in "
    "alle varianten (de uitvoer zegt dan voor welke varianten hij geldt).",
)
_PRICE_YEAR_OWN = (
    "Prijspeil van {what} (het jaar waarin het bedrag in euro's van dat jaar staat). Leeg: "
    "het eigen jaar van de regel ({year}), zoals een bedrag uit de boekhouding; na het laatste "
    "CPI-jaar geldt het laatste CPI-jaar. {extra}")

#: the columns that name one survey question (table enquete and its tally sheet)
_SURVEY_KEY = (
    _TASK_REF,
    _col("jaar", "year", "Jaar van de enquête.", required=True),
    _col("groep", "text",
         "Wie antwoordde: bewoners, gebruikers, vrijwilligers, partners, ...",
         required=True),
    _col("vraag", "text", "Korte naam van de vraag (dezelfde naam elk jaar).",
         required=True),
)

TABLES: dict[str, TableSpec] = {
    "taken": TableSpec(
        "taken",
        "Eén regel per overgedragen taak.",
        (
            _col("taak_id", "text", "Korte unieke code, bijv. T1.", required=True, unique=True),
            _col("naam", "text", "Naam van de taak.", required=True),
            _col(
                "wijk_code",
                "text",
                "CBS-code van de wijk (WK + 6 tekens) of buurt (BU + 8 tekens).",
                required=True,
                pattern=WIJK_CODE_PATTERN,
            ),
            _col("domein", "text", "Beleidsdomein, bijv. welzijn, groen, cultuur, werk."),
            _col(
                "overdrachtsvorm",
                "choice",
                "Vorm van de formele overdracht.",
                allowed=("convenant", "subsidie", "opdracht", "eigendomsoverdracht", "geen"),
            ),
            _col("trekker", "text", "Partij die de taak trekt (bijv. bewonersvereniging)."),
            _col("doel", "text", "De stip aan de horizon in één zin."),
            _col("startjaar", "year", "Eerste jaar van de analyseperiode.", required=True),
            _col("eindjaar", "year", "Laatste jaar van de analyseperiode (inclusief).",
                 required=True),
            _col("horizonjaar", "year",
                 "Laatste jaar van de batenhorizon (inclusief): effecten tellen tot dit jaar "
                 "mee, ook na eindjaar, en investeringen krijgen hier hun restwaarde. Leeg: "
                 "eindjaar."),
            _col("optimisme_kosten", "fraction",
                 "Correctie voor optimisme: kosten × (1 + deze fractie). Leeg = 0."),
            _col("optimisme_baten", "fraction",
                 "Correctie voor optimisme: baten × (1 − deze fractie). Leeg = 0."),
            _col("toelichting", "text", "Vrije toelichting."),
        ),
        key=("taak_id",),
    ),
    "kosten": TableSpec(
        "kosten",
        "Eén regel per kostenpost per jaar. Vul bedrag in, óf hoeveelheid met kengetal "
        "(bijv. vrijwilligersuren × vervangingskosten per uur).",
        (
            _TASK_REF,
            _col("jaar", "year", "Jaar waarin de kosten vallen.", required=True),
            _col("actor", "text", "Wie draagt de kosten (gemeente, bewoners, fonds, ...).",
                 required=True),
            _col("post", "text", "Omschrijving van de kostenpost.", required=True),
            _col(
                "soort",
                "choice",
                "Soort kosten.",
                allowed=("investering", "exploitatie", "vrijwilligersinzet", "in_natura"),
            ),
            _col("bedrag", "number", "Bedrag in euro van het prijsjaar (zie prijsjaar).",
                 unit="euro"),
            _col("hoeveelheid", "number", "Aantal eenheden (bijv. uren) bij een kengetal.",
                 minimum=0),
            _col("kengetal", "text", "Code uit het blad kengetallen (waarde per eenheid)."),
            _col(
                "prijsjaar",
                "year",
                _PRICE_YEAR_OWN.format(what="bedrag", year="jaar",
                                       extra="Bij een kengetal geldt het prijsjaar van het "
                                             "kengetal."),
            ),
            _col("optimisme", "fraction",
                 "Correctie voor optimisme voor deze regel (in plaats van optimisme_kosten "
                 "van de taak)."),
            _col("levensduur", "int",
                 "Bij een investering: levensduur in jaren. Wat aan het eind van de horizon "
                 "nog over is (lineair), telt als restwaarde.", minimum=1),
            _VARIANT,
            _col("toelichting", "text", "Vrije toelichting."),
        ),
    ),
    "effecten": TableSpec(
        "effecten",
        "Eén regel per effect. Waarde per jaar = hoeveelheid × waarde × (1 − deadweight) × "
        "(1 − attributie) × (1 − verdringing) × (1 − afname)^(jaar − jaar_van).",
        (
            _TASK_REF,
            _col("effect", "text", "Omschrijving van het effect.", required=True),
            _col("actor", "text", "Wie heeft er baat bij.", required=True),
            _col("jaar_van", "year", "Eerste jaar van het effect.", required=True),
            _col("jaar_tot", "year", "Laatste jaar van het effect (inclusief).", required=True),
            _col("hoeveelheid", "number",
                 "Aantal eenheden per jaar (negatief voor een nadelig effect). "
                 "Niet nodig bij een PM-post."),
            _col("hoeveelheid_laag", "number",
                 "Ondergrens van de hoeveelheid (gevoeligheidsanalyse, Monte Carlo)."),
            _col("hoeveelheid_hoog", "number", "Bovengrens van de hoeveelheid."),
            _col("verdeling", "choice",
                 "Verdeling van de hoeveelheid tussen laag en hoog (Monte Carlo). Leeg = "
                 "driehoek.", allowed=("driehoek", "pert", "normaal", "uniform")),
            _col("kengetal", "text", "Code uit het blad kengetallen."),
            _col("waarde_per_eenheid", "number",
                 "Eigen waarde per eenheid in euro (in plaats van een kengetal).", unit="euro"),
            _col("prijsjaar", "year",
                 _PRICE_YEAR_OWN.format(what="waarde_per_eenheid", year="jaar_van",
                                        extra="Een vast nominaal bedrag per jaar (een "
                                              "contract) geeft u per jaar een eigen regel.")),
            _col("deadweight", "fraction",
                 "Deel dat ook zonder de taak was gebeurd (0–1 of %). Leeg = 0."),
            _col("attributie", "fraction", "Deel dat aan anderen toe te schrijven is. Leeg = 0."),
            _col("verdringing", "fraction", "Deel dat elders verloren gaat. Leeg = 0."),
            _col("afname", "fraction",
                 "Jaarlijkse afname na het eerste jaar (drop-off). Leeg = 0."),
            _col("overdracht_van", "text",
                 "Bij een overdracht (bijv. een uitkering die stopt): de actor die evenveel "
                 "verliest. Telt niet mee in het maatschappelijk saldo."),
            _col("pm", "bool", "ja: niet in geld uit te drukken (PM-post). Leeg = nee."),
            _col("pm_score", "choice", "Kwalitatieve score van een PM-post.", allowed=PM_SCORES),
            _col("optimisme", "fraction",
                 "Correctie voor optimisme voor deze regel (in plaats van optimisme_baten van "
                 "de taak)."),
            _col("indicator", "text",
                 "Indicator (CBS of metingen) waarop het effect rust. Met een lege hoeveelheid "
                 "wordt de hoeveelheid per jaar geschat met mkba effect (verschil-in-"
                 "verschillen), met het interval als bandbreedte."),
            _col("richting", "choice",
                 "Bij een geschatte hoeveelheid: welke kant van de indicator is verbetering? "
                 "Leeg: de bekende richting van de indicator (bijv. bijstand: lager).",
                 allowed=("hoger", "lager")),
            _VARIANT,
            _col("toelichting", "text", "Vrije toelichting, bijv. de onderbouwing."),
        ),
    ),
    "kengetallen": TableSpec(
        "kengetallen",
        "Schaduwprijzen en andere waarden per eenheid, elk met bron en prijsjaar.",
        (
            _col("code", "text", "Unieke code waarmee kosten en effecten ernaar verwijzen.",
                 required=True, unique=True),
            _col("omschrijving", "text", "Wat de waarde is.", required=True),
            _col("waarde", "number",
                 "Waarde per eenheid in euro (niet negatief: een nadelig effect krijgt een "
                 "negatieve hoeveelheid).", required=True, unit="euro"),
            _col("eenheid", "text", "De eenheid, bijv. uur, delict, persoon per jaar.",
                 required=True),
            _col("prijsjaar", "year", "Prijspeil van de waarde.", required=True),
            _col("bron", "text", "Bron (publicatie, tabel, jaar), of 'illustratief'.",
                 required=True),
            _col("laag", "number", "Ondergrens voor de gevoeligheidsanalyse (niet negatief).",
                 unit="euro"),
            _col("hoog", "number", "Bovengrens voor de gevoeligheidsanalyse.", unit="euro"),
        ),
        key=("code",),
    ),
    "financiering": TableSpec(
        "financiering",
        "Wie brengt het geld in: één regel per bron per jaar.",
        (
            _TASK_REF,
            _col("jaar", "year", "Jaar.", required=True),
            _col("bron", "text", "Wie financiert (gemeente, fonds, bewoners, ...).", required=True),
            _col(
                "soort",
                "choice",
                "Soort financiering.",
                required=True,
                allowed=("subsidie", "gift", "crowdfunding", "sponsoring", "in_natura",
                         "lening", "garantstelling", "eigen_inkomsten", "buurtbudget"),
            ),
            _col("bedrag", "number", "Bedrag in euro (nominaal, niet negatief: wat er binnenkomt). "
                 "Bij buurtbudget: het bedrag dat de wijk dat jaar ontving (0 in een jaar "
                 "zonder nieuw budget).", required=True, unit="euro"),
            _col("besteed", "number", "Alleen bij soort buurtbudget: wat de wijk dat jaar uit "
                 "het buurtbudget uitgaf (ook uit gespaard geld). Leeg = onbekend.",
                 unit="euro", minimum=0),
            _FINANCING_VARIANT,
        ),
    ),
    "metingen": TableSpec(
        "metingen",
        "Eigen metingen van indicatoren (bezoekers, vrijwilligers, tevredenheid, ...).",
        (
            _col("wijk_code", "text", "CBS-code van wijk of buurt.", required=True,
                 pattern=WIJK_CODE_PATTERN),
            _col("indicator", "text", "Naam van de indicator.", required=True),
            _col("jaar", "year", "Jaar van de meting.", required=True),
            _col("waarde", "number", "Gemeten waarde.", required=True),
            _col("n", "int", "Steekproefomvang bij een enquête.", minimum=1),
            _col("bron", "text", "Bron van de meting."),
            _col("taak_id", "text", "Taak waar de meting bij hoort (optioneel)."),
            _col("omschrijving", "text",
                 "Nederlandse naam van de indicator in rapporten (bijv. 'Bezoekers van het "
                 "buurthuis'); leeg: de naam van de indicator."),
            _col("eenheid", "text",
                 "Eenheid van de waarde (bijv. 'bezoekers per jaar', '%'); staat bij elk getal "
                 "en elke as van de effectschatting."),
        ),
        key=("wijk_code", "indicator", "jaar"),
    ),
    "doelen": TableSpec(
        "doelen",
        "De stip aan de horizon, meetbaar gemaakt.",
        (
            _TASK_REF,
            _col("indicator", "text", "Indicator (uit metingen of CBS).", required=True),
            _col("basisjaar", "year", "Jaar van de uitgangssituatie.", required=True),
            _col("streefjaar", "year", "Jaar waarin het doel bereikt moet zijn.", required=True),
            _col("streefwaarde", "number", "Waarde die het doel is.", required=True),
            _col("basiswaarde", "number",
                 "Waarde in het basisjaar. Leeg: uit metingen of CBS-cijfers."),
            _col("richting", "choice", "Moet de indicator omhoog of omlaag? Leeg = hoger.",
                 allowed=("hoger", "lager")),
        ),
    ),
    "bandbreedtes": TableSpec(
        "bandbreedtes",
        "Onzekere aannames met hun bandbreedte, voor de gevoeligheidsanalyse en Monte Carlo. "
        "parameter is een kengetalcode, 'discontovoet', 'TAAK/optimisme_kosten', "
        "'TAAK/optimisme_baten', 'TAAK/EFFECT/VELD' (VELD: hoeveelheid, waarde, deadweight, "
        "attributie, verdringing, afname) of 'TAAK/POST/factor' (een factor op een kostenpost). "
        "Met variant geldt de bandbreedte alleen voor de regels van die variant.",
        (
            _col("parameter", "text", "Welke aanname (zie de uitleg van de tabel).",
                 required=True),
            _RANGE_VARIANT,
            _col("laag", "number", "Ondergrens.", required=True),
            _col("hoog", "number", "Bovengrens.", required=True),
            _col("waarde", "number",
                 "Meest waarschijnlijke waarde. Leeg: de waarde uit de casus."),
            _col("verdeling", "choice", "Verdeling tussen laag en hoog. Leeg = driehoek.",
                 allowed=("driehoek", "pert", "normaal", "uniform")),
            _col("toelichting", "text", "Waarom deze bandbreedte (bron, discussie)."),
        ),
        key=("parameter", "variant"),
    ),
    "correlaties": TableSpec(
        "correlaties",
        "Samenhang tussen onzekere aannames, via een Gaussische copula: rho is de correlatie "
        "van de onderliggende normale verdelingen; de rangcorrelatie van de trekkingen is "
        "(6/π)·arcsin(rho/2), bijna gelijk aan rho.",
        (
            _col("parameter_a", "text", "Eerste aanname (zoals in bandbreedtes).", required=True),
            _col("parameter_b", "text", "Tweede aanname.", required=True),
            _col("rho", "number", "Correlatie tussen −1 en 1.", required=True),
        ),
    ),
    # ---- process evaluation (issue 14): success criteria, the coalition, the survey
    "criteria": TableSpec(
        "criteria",
        "Succescriteria die de partners vooraf afspraken, in vier soorten (economisch, "
        "maatschappelijk, draagvlak, spin-off) plus proces. Elk criterium rust op een "
        "indicator: uit metingen, uit de CBS-cijfers, of een vraag uit de enquête (dan telt "
        "het aandeel positieve antwoorden, 0–1; 'vraag/groep' voor één groep).",
        (
            _TASK_REF,
            _col("soort", "choice", "Soort criterium.", required=True, allowed=CRITERION_KINDS),
            _col("omschrijving", "text", "Het criterium in één zin.", required=True),
            _col("indicator", "text",
                 "Indicator uit metingen of CBS, of een vraag uit het blad enquete "
                 "('vraag' of 'vraag/groep').", required=True),
            _col("streefwaarde", "number",
                 "Waarde die gehaald moet worden (bij een enquêtevraag een aandeel 0–1, bijv. "
                 "0,7 of 70%).", required=True),
            _col("richting", "choice", "Moet de indicator omhoog of omlaag? Leeg = hoger.",
                 allowed=("hoger", "lager")),
            _col("peiljaar", "year",
                 "Jaar waarin het criterium beoordeeld wordt: de laatste meting tot en met dit "
                 "jaar telt. Leeg: de laatste meting."),
        ),
    ),
    "partners": TableSpec(
        "partners",
        "De coalitie: wie doet mee, in welke rol en wanneer. Eén regel per partner per periode "
        "(een partner die van rol wisselt krijgt een nieuwe regel).",
        (
            _TASK_REF,
            _col("partner", "text", "Naam van de partner.", required=True),
            _col("rol", "choice", "Rol in de coalitie.", required=True, allowed=PARTNER_ROLES),
            _col("jaar_van", "year", "Eerste jaar waarin de partner meedoet.", required=True),
            _col("jaar_tot", "year",
                 "Laatste jaar waarin de partner meedeed (inclusief). Leeg: doet nog mee (tot "
                 "het eindjaar van de taak)."),
            _col("inbreng", "text", "Wat de partner inbrengt (geld, uren, ruimte, kennis)."),
        ),
    ),
    "enquete": TableSpec(
        "enquete",
        "Antwoorden op een enquête, geteld: één regel per taak, jaar, groep, vraag en antwoord "
        "met het aantal respondenten dat dat antwoord gaf. Overnemen van papieren formulieren: "
        "turf per vraag hoe vaak elk antwoord is gegeven en zet elk antwoord met zijn aantal op "
        "een eigen regel. Antwoorden 1–5 (1 = zeer mee oneens of zeer ontevreden, 5 = zeer mee "
        "eens of zeer tevreden) of ja/nee; 4, 5 en ja tellen als positief.",
        (
            *_SURVEY_KEY,
            _col("antwoord", "choice", "Het antwoord: 1 tot en met 5, of ja/nee.",
                 required=True, allowed=SURVEY_ANSWERS),
            _col("aantal", "int", "Aantal respondenten met dit antwoord.", required=True,
                 minimum=0),
        ),
        key=("taak_id", "jaar", "groep", "vraag", "antwoord"),
    ),
    TALLY_TABLE: TableSpec(
        TALLY_TABLE,
        "Hetzelfde als enquete, maar als turflijst om een stapel papieren formulieren over te "
        "nemen: één regel per taak, jaar, groep en vraag, met per antwoord (kolommen 1 tot en "
        "met 5, ja, nee) hoe vaak het werd gegeven. Een lege cel = niemand gaf dat antwoord "
        "(0). Een vraag is óf 1–5 óf ja/nee. Beide bladen mogen naast elkaar bestaan, maar "
        "niet voor dezelfde taak, jaar, groep en vraag.",
        (
            *_SURVEY_KEY,
            *(_col(a, "int", f"Aantal respondenten met antwoord {a}.", minimum=0)
              for a in SURVEY_ANSWERS),
        ),
        key=("taak_id", "jaar", "groep", "vraag"),
    ),
    CASE_TABLE: TableSpec(
        CASE_TABLE,
        "Instellingen van de hele casus, één regel. peiljaar: het eerste jaar dat prognose is "
        "(eerdere jaren zijn gerealiseerd, zonder correctie voor optimisme); prijsjaar: het "
        "prijspeil waarin de uitkomsten staan. Zonder deze tabel gelden vaste regels (zie de "
        "uitvoer): dezelfde casus geeft elk jaar dezelfde uitkomst.",
        (
            _col("naam", "text", "Naam van de casus (bijv. 'Maatschappelijk aanbesteden "
                 "Amsterdam-Noord 2026')."),
            _col("peiljaar", "year",
                 "Eerste prognosejaar: jaren vóór het peiljaar zijn gerealiseerd. Leeg: het jaar "
                 "na het laatste CPI-jaar (vaste regel)."),
            _col("prijsjaar", "year",
                 "Prijspeil van de uitkomsten (euro's van dit jaar). Leeg: het laatste CPI-jaar."),
            _col("toelichting", "text", "Vrije toelichting, bijv. wanneer de cijfers zijn "
                 "bijgewerkt."),
        ),
    ),
}

#: Tables a case must have; the others may be absent (then they are empty).
REQUIRED_TABLES = ("taken", "kosten")


def normalise_header(header: str) -> str:
    """Header as the reader compares it: lower case, trimmed, spaces and dashes to ``_``.

    Parameters
    ----------
    header : str
        A header cell as written.

    Returns
    -------
    str
        The normalised name.

    Examples
    --------
    >>> normalise_header("\\ufeff Waarde per eenheid ")
    'waarde_per_eenheid'
    """
    text = header.replace("\ufeff", "").strip().casefold()
    return re.sub(r"[\s\-]+", "_", text)
