"""The input tables of a case: columns, types, allowed values — in one place.

Everything that knows about the input format reads it from here: the reader (:mod:`mkba.io`),
the value checks (built as pandera schemas by :func:`pandera_schema`), the cross-table checks
(:func:`check_case`), the Excel template and the README's column reference.

Column headers are Dutch because partners type them; the code around them is English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from .assumptions import WIJK_CODE_PATTERN, YEAR_MAX, YEAR_MIN
from .errors import Problem

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
]

#: Actor name of the municipality (case-insensitive) in kosten/effecten/financiering.
MUNICIPALITY = "gemeente"
#: Variant name used when a task names no variant.
DEFAULT_VARIANT = "project"
#: CBS wijk code (WK + 4-digit gemeente + 2 characters; Amsterdam uses letters since 2022)
#: or buurt code (BU + 4-digit gemeente + 4 characters).

PM_SCORES = ("--", "-", "0", "+", "++")
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
                allowed=("subsidie", "gift", "crowdfunding", "sponsoring", "lening",
                         "garantstelling", "eigen_inkomsten"),
            ),
            _col("bedrag", "number", "Bedrag in euro (nominaal).", required=True, unit="euro"),
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

    Cells are parsed first (Dutch numbers, ``ja``/``nee``) by :mod:`mkba.io`; this schema then
    checks ranges, allowed values, code patterns, required values and uniqueness. Every
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
