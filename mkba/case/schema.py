"""The input tables of a case: columns, types, allowed values — in one place.

Everything that knows about the input format reads it from here: the reader (:mod:`mkba.case.read`),
the value checks (built as pandera schemas by :func:`pandera_schema`), the cross-table checks
(:func:`check_case`), the Excel template and the README's column reference.

Column headers are Dutch because partners type them; the code around them is English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from mkba.base.assumptions import INDICATOR_DIRECTIONS, WIJK_CODE_PATTERN, YEAR_MAX, YEAR_MIN
from mkba.base.errors import Problem

__all__ = [
    "ColumnSpec",
    "TableSpec",
    "TABLES",
    "REQUIRED_TABLES",
    "MUNICIPALITY",
    "DEFAULT_VARIANT",
    "WIJK_CODE_PATTERN",
    "pandera_schema",
    "check_case",
    "parse_parameter",
    "EFFECT_FIELDS",
    "TALLY_TABLE",
    "survey_answers",
]

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
BUURTBUDGET = "buurtbudget"
#: Fields of an effect line that can carry a range (``TAAK/EFFECT/VELD``).
EFFECT_FIELDS = ("hoeveelheid", "waarde", "deadweight", "attributie", "verdringing", "afname")


def parse_parameter(name: str) -> tuple:
    """The parts of a parameter name as used in ``bandbreedtes``, scenarios and sensitivity.

    Returns ``("discount",)``, ``("kengetal", code)``, ``("optimisme_kosten", task)``,
    ``("optimisme_baten", task)``, ``("factor", task, post)`` or
    ``("effect", task, effect, field)``.

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
    """One input table (a CSV file or a sheet of the workbook)."""

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
            _col("bedrag", "number", "Bedrag in euro van het prijsjaar.", unit="euro"),
            _col("hoeveelheid", "number", "Aantal eenheden (bijv. uren) bij een kengetal.",
                 minimum=0),
            _col("kengetal", "text", "Code uit het blad kengetallen (waarde per eenheid)."),
            _col(
                "prijsjaar",
                "year",
                "Prijspeil van bedrag. Leeg: het prijsjaar van de analyse. Bij een kengetal "
                "geldt het prijsjaar van het kengetal.",
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
                 "Prijspeil van waarde_per_eenheid. Leeg: het prijsjaar van de analyse."),
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
            _col("waarde", "number", "Waarde per eenheid in euro.", required=True, unit="euro"),
            _col("eenheid", "text", "De eenheid, bijv. uur, delict, persoon per jaar.",
                 required=True),
            _col("prijsjaar", "year", "Prijspeil van de waarde.", required=True),
            _col("bron", "text", "Bron (publicatie, tabel, jaar), of 'illustratief'.",
                 required=True),
            _col("laag", "number", "Ondergrens voor de gevoeligheidsanalyse.", unit="euro"),
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
            _col("bedrag", "number", "Bedrag in euro (nominaal). Bij buurtbudget: het bedrag "
                 "dat de wijk dat jaar ontving (0 in een jaar zonder nieuw budget).",
                 required=True, unit="euro"),
            _col("besteed", "number", "Alleen bij soort buurtbudget: wat de wijk dat jaar uit "
                 "het buurtbudget uitgaf (ook uit gespaard geld). Leeg = onbekend.",
                 unit="euro", minimum=0),
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
        "attributie, verdringing, afname) of 'TAAK/POST/factor' (een factor op een kostenpost).",
        (
            _col("parameter", "text", "Welke aanname (zie de uitleg van de tabel).",
                 required=True, unique=True),
            _col("laag", "number", "Ondergrens.", required=True),
            _col("hoog", "number", "Bovengrens.", required=True),
            _col("waarde", "number",
                 "Meest waarschijnlijke waarde. Leeg: de waarde uit de casus."),
            _col("verdeling", "choice", "Verdeling tussen laag en hoog. Leeg = driehoek.",
                 allowed=("driehoek", "pert", "normaal", "uniform")),
            _col("toelichting", "text", "Waarom deze bandbreedte (bron, discussie)."),
        ),
        key=("parameter",),
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
}

#: Tables a case must have; the others may be absent (then they are empty).
REQUIRED_TABLES = ("taken", "kosten")


def _value_checks(spec: ColumnSpec) -> list[pa.Check]:
    checks: list[pa.Check] = []
    if spec.kind == "year":
        checks.append(
            pa.Check.in_range(YEAR_MIN, YEAR_MAX,
                              error=f"jaartal moet tussen {YEAR_MIN} en {YEAR_MAX} liggen")
        )
    if spec.kind == "fraction":
        checks.append(
            pa.Check.in_range(0, 1, error="moet een fractie tussen 0 en 1 zijn (0,25 of 25%)")
        )
    if spec.minimum is not None:
        checks.append(
            pa.Check.ge(spec.minimum, error=f"mag niet kleiner zijn dan {spec.minimum:g}")
        )
    if spec.allowed:
        allowed = ", ".join(spec.allowed)
        checks.append(pa.Check.isin(list(spec.allowed), error=f"toegestaan: {allowed}"))
    if spec.pattern:
        checks.append(
            pa.Check.str_matches(
                spec.pattern,
                error="geen CBS-code van een wijk (WKxxxxxx) of buurt (BUxxxxxxxx)",
            )
        )
    return checks


def pandera_schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema that checks the values of a parsed table.

    Cells are parsed first (Dutch numbers, ``ja``/``nee``) by :mod:`mkba.case.read`; this schema
    then checks ranges, allowed values, code patterns, required values and uniqueness. Every
    check carries its Dutch message as ``error``.

    Examples
    --------
    >>> import pandas as pd
    >>> schema = pandera_schema("kengetallen")
    >>> sorted(schema.columns)[:3]
    ['bron', 'code', 'eenheid']
    """
    spec = TABLES[table]
    columns = {
        c.name: pa.Column(
            checks=_value_checks(c),
            nullable=not c.required,
            unique=c.unique,
            required=False,  # missing columns are reported by the reader, with a suggestion
            coerce=False,
        )
        for c in spec.columns
    }
    return pa.DataFrameSchema(columns, strict=False)


def _problem(files, table, row, column, message) -> Problem:
    return Problem(files.get(table, f"{table}.csv"), int(row) if row is not None else None,
                   column, message)


def _is_set(series: pd.Series) -> pd.Series:
    return series.notna()


def check_rows(table: str, df: pd.DataFrame, files: dict[str, str]) -> list[Problem]:
    """Rules within one row: one of two columns, order of years, PM posts.

    ``df`` carries the source row number in column ``_row``.
    """
    problems: list[Problem] = []

    def add(mask, column, message):
        for row in df.loc[mask, "_row"]:
            problems.append(_problem(files, table, row, column, message))

    if table == "taken":
        add(df["eindjaar"] < df["startjaar"], "eindjaar", "eindjaar ligt vóór startjaar")
        add(df["horizonjaar"].notna() & (df["horizonjaar"] < df["startjaar"]), "horizonjaar",
            "horizonjaar ligt vóór startjaar")
    elif table == "kosten":
        has_amount = _is_set(df["bedrag"])
        has_qty = _is_set(df["hoeveelheid"])
        has_ref = _is_set(df["kengetal"])
        add(has_amount & (has_qty | has_ref), "bedrag",
            "vul bedrag óf hoeveelheid met kengetal in, niet allebei")
        add(~has_amount & has_qty & ~has_ref, "kengetal", "hoeveelheid zonder kengetal")
        add(~has_amount & ~has_qty & has_ref, "hoeveelheid", "kengetal zonder hoeveelheid")
        add(~has_amount & ~has_qty & ~has_ref, "bedrag",
            "geen bedrag en geen hoeveelheid met kengetal")
        add(_is_set(df["levensduur"]) & (df["soort"] != "investering"), "levensduur",
            "levensduur hoort alleen bij een investering (soort investering)")
    elif table == "effecten":
        add(df["jaar_tot"] < df["jaar_van"], "jaar_tot", "jaar_tot ligt vóór jaar_van")
        priced = ~df["pm"].fillna(False).astype(bool)
        has_value = _is_set(df["waarde_per_eenheid"])
        has_ref = _is_set(df["kengetal"])
        add(priced & ~_is_set(df["hoeveelheid"]) & ~_is_set(df["indicator"]), "hoeveelheid",
            "hoeveelheid ontbreekt (vul hem in, noem een indicator om hem te schatten, of zet "
            "pm op ja)")
        both = _is_set(df["hoeveelheid_laag"]) & _is_set(df["hoeveelheid_hoog"])
        add(both & (df["hoeveelheid_laag"] > df["hoeveelheid_hoog"]), "hoeveelheid_laag",
            "hoeveelheid_laag is groter dan hoeveelheid_hoog")
        add(both & _is_set(df["hoeveelheid"]) & ((df["hoeveelheid"] < df["hoeveelheid_laag"])
                                                 | (df["hoeveelheid"] > df["hoeveelheid_hoog"])),
            "hoeveelheid", "hoeveelheid ligt buiten hoeveelheid_laag–hoeveelheid_hoog")
        estimated = priced & ~_is_set(df["hoeveelheid"]) & _is_set(df["indicator"])
        add(estimated & (df["deadweight"].fillna(0) != 0), "deadweight",
            "een geschatte hoeveelheid (verschil-in-verschillen met vergelijkingswijken) is al "
            "netto: wat zonder de taak was gebeurd zit er al uit; laat deadweight leeg of 0")
        add(estimated & ~_is_set(df["richting"]) & ~df["indicator"].isin(
            list(INDICATOR_DIRECTIONS)), "richting",
            "geef richting op (hoger of lager): van deze indicator is niet bekend welke kant "
            "verbetering is")
        add(priced & has_value & has_ref, "waarde_per_eenheid",
            "vul kengetal óf waarde_per_eenheid in, niet allebei")
        add(priced & ~has_value & ~has_ref, "kengetal",
            "kengetal of waarde_per_eenheid ontbreekt (of zet pm op ja)")
        same = _is_set(df["overdracht_van"]) & (
            df["overdracht_van"].str.casefold() == df["actor"].str.casefold()
        )
        add(same, "overdracht_van", "overdracht_van is dezelfde actor als actor")
    elif table == "kengetallen":
        add(_is_set(df["laag"]) & _is_set(df["hoog"]) & (df["laag"] > df["hoog"]), "laag",
            "laag is groter dan hoog")
        add(_is_set(df["laag"]) & (df["laag"] > df["waarde"]), "laag", "laag is groter dan waarde")
        add(_is_set(df["hoog"]) & (df["hoog"] < df["waarde"]), "hoog", "hoog is kleiner dan waarde")
    elif table == "doelen":
        add(df["streefjaar"] <= df["basisjaar"], "streefjaar", "streefjaar ligt niet na basisjaar")
    elif table == "bandbreedtes":
        add(df["laag"] > df["hoog"], "laag", "laag is groter dan hoog")
        w = df["waarde"]
        add(w.notna() & ((w < df["laag"]) | (w > df["hoog"])), "waarde",
            "waarde ligt buiten laag–hoog")
    elif table == "correlaties":
        add((df["rho"] < -1) | (df["rho"] > 1), "rho", "rho moet tussen −1 en 1 liggen")
        add(df["parameter_a"] == df["parameter_b"], "parameter_b",
            "een aanname kan niet met zichzelf correleren")
    elif table == "metingen":
        dup = df.duplicated(["wijk_code", "indicator", "jaar"], keep="first")
        add(dup, "jaar", "dubbele meting (zelfde wijk_code, indicator en jaar)")
    elif table in ("financiering", "partners"):
        problems += _check_process_rows(table, df, files)
    return problems


def _check_process_rows(table: str, df: pd.DataFrame, files: dict[str, str]) -> list[Problem]:
    """Row rules of the process tables and of buurtbudget rows (issue 14)."""
    problems: list[Problem] = []

    def add(mask, column, message):
        for row in df.loc[mask, "_row"]:
            problems.append(_problem(files, table, row, column, message))

    if table == "financiering":
        if "besteed" in df:
            add(_is_set(df["besteed"]) & (df["soort"] != BUURTBUDGET), "besteed",
                "besteed hoort alleen bij soort buurtbudget")
            add((df["soort"] == BUURTBUDGET) & (df["bedrag"] < 0), "bedrag",
                "een buurtbudget kan niet negatief zijn (uitgaven staan in besteed)")
    elif table == "partners":
        add(_is_set(df["jaar_tot"]) & (df["jaar_tot"] < df["jaar_van"]), "jaar_tot",
            "jaar_tot ligt vóór jaar_van")
        end = df["jaar_tot"].astype("Float64").fillna(float(YEAR_MAX))
        for (_task, partner), g in df.assign(_end=end).groupby(["taak_id", "partner"],
                                                               sort=False):
            g = g.sort_values("jaar_van", kind="stable")
            previous_end = None
            for row, start, stop in g[["_row", "jaar_van", "_end"]].itertuples(index=False):
                if previous_end is not None and start <= previous_end:
                    problems.append(_problem(
                        files, table, row, "jaar_van",
                        f"'{partner}' doet in {int(start)} al mee volgens een andere regel "
                        "(periodes van één partner mogen niet overlappen)"))
                previous_end = stop if previous_end is None else max(previous_end, stop)
    return problems


def _unknown_refs(values: pd.Series, known: set[str]) -> pd.Series:
    return values.notna() & ~values.isin(known)


def _known_list(known) -> str:
    known = sorted(known)
    shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
    return shown or "(geen)"


def check_case(tables: dict[str, pd.DataFrame], files: dict[str, str],
               cpi_years: range) -> list[Problem]:
    """Rules across tables: task ids, kengetal codes, price years within the CPI series.

    Parameters
    ----------
    tables : dict of DataFrame
        Parsed tables, each with its source row number in ``_row``.
    files : dict of str
        Table name to the file name shown in messages.
    cpi_years : range
        Years for which a CPI exists; every prijsjaar must fall within it.
    """
    problems: list[Problem] = []
    task_ids = set(tables["taken"]["taak_id"].dropna())
    codes = set(tables["kengetallen"]["code"].dropna())
    first, last = cpi_years.start, cpi_years.stop - 1
    for name, df in tables.items():
        if df.empty:
            continue
        if name != "taken" and "taak_id" in df:
            bad = _unknown_refs(df["taak_id"], task_ids)
            for row, value in df.loc[bad, ["_row", "taak_id"]].itertuples(index=False):
                problems.append(_problem(files, name, row, "taak_id",
                                         f"onbekende taak_id '{value}' (bekend: "
                                         f"{_known_list(task_ids)})"))
        if "kengetal" in df:
            bad = _unknown_refs(df["kengetal"], codes)
            for row, value in df.loc[bad, ["_row", "kengetal"]].itertuples(index=False):
                problems.append(_problem(files, name, row, "kengetal",
                                         f"onbekend kengetal '{value}' (bekend: "
                                         f"{_known_list(codes)})"))
        if "prijsjaar" in df:
            year = df["prijsjaar"]
            bad = year.notna() & ((year < first) | (year > last))
            for row, value in df.loc[bad, ["_row", "prijsjaar"]].itertuples(index=False):
                problems.append(_problem(files, name, row, "prijsjaar",
                                         f"prijsjaar {int(value)} valt buiten de CPI-reeks "
                                         f"({first}–{last})"))
    problems += _check_parameters(tables, files, task_ids, codes)
    problems += _check_buurtbudget(tables, files)
    problems += _check_survey(tables, files)
    return problems


def survey_answers(tables) -> pd.DataFrame:
    """The survey as one tidy table: the ``enquete`` rows plus the ``enquete_turflijst`` rows
    unfolded (one row per filled-in answer cell; an empty cell means nobody gave that answer
    and adds nothing), with ``_source`` (table name), ``_row`` and ``_column`` for messages.

    Examples
    --------
    >>> import pandas as pd
    >>> tally = pd.DataFrame({"_row": [2], "taak_id": ["T1"], "jaar": [2023],
    ...                       "groep": ["bewoners"], "vraag": ["tevreden"], "1": [None],
    ...                       "2": [1], "3": [None], "4": [7], "5": [2], "ja": [None],
    ...                       "nee": [None]})
    >>> empty = pd.DataFrame(columns=["_row", "taak_id", "jaar", "groep", "vraag", "antwoord",
    ...                               "aantal"])
    >>> out = survey_answers({"enquete": empty, TALLY_TABLE: tally})
    >>> out[["antwoord", "aantal"]].values.tolist()
    [['2', 1], ['4', 7], ['5', 2]]
    """
    keys = ["taak_id", "jaar", "groep", "vraag"]
    e = tables["enquete"]
    tidy = e.assign(_source="enquete", _column="antwoord")[
        ["_source", "_row", "_column", *keys, "antwoord", "aantal"]]
    tally = tables.get(TALLY_TABLE)
    if tally is None or tally.empty:
        return tidy.reset_index(drop=True)
    long = tally.melt(id_vars=["_row", *keys], value_vars=list(SURVEY_ANSWERS),
                      var_name="antwoord", value_name="aantal").dropna(subset=["aantal"])
    long = long.assign(_source=TALLY_TABLE, _column=long["antwoord"])
    long = long.sort_values(["_row", "antwoord"], key=lambda c: c.map(
        {a: i for i, a in enumerate(SURVEY_ANSWERS)}) if c.name == "antwoord" else c)
    long["aantal"] = long["aantal"].astype("Int64")
    out = pd.concat([tidy, long[tidy.columns]], ignore_index=True)
    out["jaar"] = out["jaar"].astype("Int64")
    out["aantal"] = out["aantal"].astype("Int64")
    return out


def _check_survey(tables, files) -> list[Problem]:
    """Survey rules over ``enquete`` and ``enquete_turflijst`` together: an answer counted
    twice, and a question that mixes 1–5 with ja/nee."""
    if tables["enquete"].empty and tables.get(TALLY_TABLE, pd.DataFrame()).empty:
        return []
    a = survey_answers(tables).rename(columns={"_source": "source", "_row": "row",
                                               "_column": "column"})
    problems = []
    key = ["taak_id", "jaar", "groep", "vraag", "antwoord"]
    dup = a.duplicated(key, keep="first")
    first = a.groupby(key, sort=False)["source"].transform("first")
    for rec, source in zip(a[dup].itertuples(index=False), first[dup], strict=True):
        where = "op een eerdere regel" if source == rec.source else f"in het blad {source}"
        problems.append(_problem(files, rec.source, rec.row, rec.column,
                                 f"dit antwoord staat al {where} (zelfde taak_id, jaar, "
                                 "groep en vraag)"))
    yes_no = a["antwoord"].isin(["ja", "nee"])
    for (_task, question), g in a.assign(_yn=yes_no).groupby(["taak_id", "vraag"],
                                                             sort=False):
        if g["_yn"].nunique() > 1:
            first = g["_yn"].iloc[0]
            for rec in g[g["_yn"] != first].itertuples(index=False):
                problems.append(_problem(
                    files, rec.source, rec.row, rec.column,
                    f"vraag '{question}' heeft al antwoorden " + ("ja/nee" if first else "1–5")
                    + " op een eerdere regel; één vraag is óf 1–5 óf ja/nee"))
    return problems


def _check_buurtbudget(tables, files) -> list[Problem]:
    """A wijk cannot spend more buurtbudget than it received and saved so far."""
    f = tables["financiering"]
    if f.empty or "besteed" not in f:
        return []
    f = f[f["soort"] == BUURTBUDGET]
    wijk = tables["taken"].set_index("taak_id")["wijk_code"]
    f = f[f["taak_id"].isin(wijk.index)]
    if f.empty:
        return []
    from mkba.base.formatting import fmt_eur

    f = f.assign(_wijk=f["taak_id"].map(wijk), _spent=f["besteed"].fillna(0.0))
    problems = []
    for code, g in f.groupby("_wijk", sort=False):
        balance = 0.0
        for year, y in g.groupby("jaar", sort=True):
            balance += float(y["bedrag"].sum()) - float(y["_spent"].sum())
            if balance < -0.005:
                row = int(y.loc[y["_spent"] > 0, "_row"].max()) if (y["_spent"] > 0).any() \
                    else int(y["_row"].max())
                problems.append(_problem(
                    files, "financiering", row, "besteed",
                    f"wijk {code} besteedt in {int(year)} meer buurtbudget dan er ontvangen en "
                    f"gespaard was (tekort {fmt_eur(-balance)})"))
                break
    return problems


def _check_parameters(tables, files, task_ids, codes) -> list[Problem]:
    """Every name in ``bandbreedtes`` and ``correlaties`` must point at something that exists."""
    problems = []
    kosten, effecten = tables["kosten"], tables["effecten"]
    # .tolist(): iterating a string column element by element is slow on large cases
    posts = set(zip(kosten["taak_id"].tolist(), kosten["post"].tolist(), strict=True)) \
        if len(tables["bandbreedtes"]) else set()
    effects = set(zip(effecten["taak_id"].tolist(), effecten["effect"].tolist(), strict=True))
    named = set(tables["bandbreedtes"]["parameter"])

    def check(name) -> str | None:
        try:
            parts = parse_parameter(name)
        except ValueError as exc:
            return str(exc)
        kind = parts[0]
        if kind == "kengetal" and parts[1] not in codes:
            return f"'{name}' is geen kengetal, geen 'discontovoet' en geen pad TAAK/..."
        if kind in ("optimisme_kosten", "optimisme_baten", "factor", "effect") \
                and parts[1] not in task_ids:
            return f"onbekende taak '{parts[1]}' in '{name}'"
        if kind == "factor" and (parts[1], parts[2]) not in posts:
            return f"taak {parts[1]} heeft geen kostenpost '{parts[2]}'"
        if kind == "effect" and (parts[1], parts[2]) not in effects:
            return f"taak {parts[1]} heeft geen effect '{parts[2]}'"
        return None

    b = tables["bandbreedtes"]
    for row, name, low, high in b[["_row", "parameter", "laag", "hoog"]].itertuples(index=False):
        message = check(name)
        if message:
            problems.append(_problem(files, "bandbreedtes", row, "parameter", message))
            continue
        parts = parse_parameter(name)
        fraction = parts[0] in ("optimisme_kosten", "optimisme_baten") or (
            parts[0] == "effect" and parts[3] in ("deadweight", "attributie", "verdringing",
                                                  "afname"))
        if fraction and (low < 0 or high > 1):
            problems.append(_problem(files, "bandbreedtes", row, "laag",
                                     "een fractie moet tussen 0 en 1 liggen (0,25 of 25%)"))
        if parts[0] in ("kengetal", "factor") and low < 0:
            problems.append(_problem(files, "bandbreedtes", row, "laag",
                                     f"'{name}' kan niet negatief zijn"))
    c = tables["correlaties"]
    ranged = named | {k for k, lo, hi in tables["kengetallen"][["code", "laag", "hoog"]]
                      .itertuples(index=False) if pd.notna(lo) or pd.notna(hi)}
    ranged |= {f"{t}/{e}/hoeveelheid" for t, e, lo, hi in effecten[
        ["taak_id", "effect", "hoeveelheid_laag", "hoeveelheid_hoog"]].itertuples(index=False)
        if pd.notna(lo) or pd.notna(hi)}
    for row, a, b_ in c[["_row", "parameter_a", "parameter_b"]].itertuples(index=False):
        for column, name in (("parameter_a", a), ("parameter_b", b_)):
            if name not in ranged:
                problems.append(_problem(files, "correlaties", row, column,
                                         f"'{name}' heeft geen bandbreedte (zet hem in "
                                         "bandbreedtes, of geef het kengetal laag/hoog)"))
    return problems


def normalise_header(header: str) -> str:
    """Header as the reader compares it: lower case, trimmed, spaces and dashes to ``_``.

    Examples
    --------
    >>> normalise_header("\\ufeff Waarde per eenheid ")
    'waarde_per_eenheid'
    """
    text = header.replace("\ufeff", "").strip().casefold()
    return re.sub(r"[\s\-]+", "_", text)
