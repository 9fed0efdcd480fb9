"""The empty template workbook (``mkba template``) and the description of every table."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from mkba.base.cells import neutralise_workbook
from mkba.base.files import atomic_write
from mkba.base.prices import cpi_series
from mkba.case.schema import CASE_TABLE, TABLES, TALLY_TABLE

__all__ = ["write_template", "describe_tables", "PAPER_SURVEY_HELP", "TEMPLATE_SHEET",
           "EXAMPLE_ROWS", "METHOD_HELP"]


def _case_defaults() -> tuple[int, int]:
    """The peiljaar and prijsjaar the template fills in: the fixed rules of the engine (the
    year after the last CPI year, and the last CPI year)."""

    last = int(cpi_series().index.max())
    return last + 1, last

TEMPLATE_SHEET = "toelichting"



#: How to copy a paper survey into the ``enquete`` sheet (shown on the explanation sheet).
PAPER_SURVEY_HELP = (
    ("Procesevaluatie: criteria, partners en enquete (optioneel)",),
    ("criteria: de succescriteria die de partners vooraf afspraken (economisch, "
     "maatschappelijk, draagvlak, spin_off, proces), elk met een indicator uit metingen, CBS "
     "of een enquêtevraag ('vraag' voor alle groepen samen, 'vraag/groep' voor één groep).",),
    ("partners: wie doet mee in welke rol, van jaar_van tot en met jaar_tot (leeg: doet nog "
     "mee).",),
    ("Een papieren enquête overnemen in het tabblad enquete:",),
    ("1. Geef elke vraag een korte naam (bijv. tevreden_buurthuis) en houd die elk jaar gelijk.",),
    ("2. Leg de formulieren per groep (bewoners, gebruikers, vrijwilligers, partners) op een "
     "stapel.",),
    ("3. Turf per vraag hoe vaak elk antwoord is aangekruist: 1 t/m 5 (1 = zeer ontevreden of "
     "zeer mee oneens, 5 = zeer tevreden of zeer mee eens) of ja/nee. Niet ingevuld telt niet "
     "mee.",),
    ("4. Zet elk antwoord met zijn aantal op een eigen regel, bijvoorbeeld:",),
    ("taak_id", "jaar", "groep", "vraag", "antwoord", "aantal"),
    ("T1", 2023, "bewoners", "tevreden_buurthuis", "4", 44),
    ("T1", 2023, "bewoners", "tevreden_buurthuis", "5", 26),
    ("T1", 2023, "vrijwilligers", "gesteund_door_gemeente", "ja", 15),
    ("Of sneller: het tabblad enquete_turflijst, één regel per taak, jaar, groep en vraag, "
     "met in de kolommen 1 t/m 5 (of ja en nee) hoe vaak elk antwoord is aangekruist.",),
    ("taak_id", "jaar", "groep", "vraag", "1", "2", "3", "4", "5", "ja", "nee"),
    ("T1", 2023, "bewoners", "tevreden_buurthuis", 3, 7, 18, 44, 26),
    ("5. Antwoorden 4, 5 en ja tellen als positief. Een groep met minder dan 10 respondenten "
     "wordt niet getoond (privacy).",),
    ("Buurtbudget: een regel in financiering met soort buurtbudget; bedrag = wat de wijk dat "
     "jaar ontving, besteed = wat zij eruit uitgaf. Gespaard = ontvangen min besteed, opgeteld "
     "over de jaren.",),
)


#: An example row (or two) for every table, as a newcomer would fill it in: the explanation
#: sheet shows them under the column table, so every column has an example value.
EXAMPLE_ROWS: dict[str, list[dict]] = {
    "taken": [{"taak_id": "T1", "naam": "Speeltuin in beheer van bewoners",
               "wijk_code": "WK036330", "domein": "groen", "overdrachtsvorm": "convenant",
               "trekker": "Bewonersvereniging Oost", "doel": "Kinderen spelen veilig buiten",
               "startjaar": 2024, "eindjaar": 2028, "horizonjaar": 2033,
               "optimisme_kosten": "10%", "optimisme_baten": "20%",
               "toelichting": "illustratief"}],
    "kosten": [{"taak_id": "T1", "jaar": 2024, "actor": "gemeente", "post": "Inrichting",
                "soort": "investering", "bedrag": "120.000", "prijsjaar": 2024,
                "levensduur": 15, "variant": "bewonersbeheer",
                "toelichting": "bedrag uit de begroting; prijsjaar leeg = euro's van 2024"},
               {"taak_id": "T1", "jaar": 2025, "actor": "vrijwilligers", "post": "Inzet bewoners",
                "soort": "vrijwilligersinzet", "hoeveelheid": "1.500",
                "kengetal": "vervangingskosten_uur", "optimisme": "0%",
                "variant": "bewonersbeheer"}],
    "effecten": [{"taak_id": "T1", "effect": "Vermeden onderhoud door de gemeente",
                  "actor": "gemeente", "jaar_van": 2024, "jaar_tot": 2028, "hoeveelheid": 1,
                  "waarde_per_eenheid": "35.500", "prijsjaar": 2024,
                  "toelichting": "nulalternatief: de gemeente onderhoudt zelf"},
                 {"taak_id": "T1", "effect": "Minder vernielingen", "actor": "bewoners",
                  "jaar_van": 2025, "jaar_tot": 2028, "hoeveelheid": 6,
                  "hoeveelheid_laag": 2, "hoeveelheid_hoog": 10, "verdeling": "pert",
                  "kengetal": "vernieling_delict", "deadweight": "30%", "attributie": "40%",
                  "verdringing": "0", "afname": "10%", "pm": "nee", "optimisme": "20%",
                  "indicator": "vernielingen",
                  "richting": "lager", "variant": "bewonersbeheer"},
                 {"taak_id": "T1", "effect": "Subsidie aan de bewonersvereniging",
                  "actor": "bewonersvereniging", "jaar_van": 2024, "jaar_tot": 2024,
                  "hoeveelheid": 1, "waarde_per_eenheid": "30.000",
                  "overdracht_van": "gemeente", "variant": "bewonersbeheer",
                  "toelichting": "overdracht: de subsidie uit financiering"},
                 {"taak_id": "T1", "effect": "Meer samenhang", "actor": "bewoners",
                  "jaar_van": 2024, "jaar_tot": 2028, "pm": "ja", "pm_score": "+"}],
    "kengetallen": [{"code": "vervangingskosten_uur",
                     "omschrijving": "Vervangingskosten per uur onbetaalde arbeid",
                     "waarde": "18,80", "eenheid": "uur", "prijsjaar": 2022,
                     "bron": "Zorginstituut Nederland, Kostenhandleiding (2024), prijspeil 2022",
                     "laag": "", "hoog": ""},
                    {"code": "vernieling_delict", "omschrijving": "Kosten per delict vernieling",
                     "waarde": "8.809", "eenheid": "delict", "prijsjaar": 2022,
                     "bron": "Zorginstituut Nederland, Kostenhandleiding (2024), prijspeil 2022",
                     "laag": "6.000", "hoog": "12.000"}],
    "financiering": [{"taak_id": "T1", "jaar": 2024, "bron": "gemeente", "soort": "subsidie",
                      "bedrag": "30.000", "variant": "bewonersbeheer"},
                     {"taak_id": "T1", "jaar": 2024, "bron": "gemeente",
                      "soort": "buurtbudget", "bedrag": "10.000", "besteed": "4.200"}],
    "metingen": [{"wijk_code": "WK036330", "indicator": "vernielingen", "jaar": 2023,
                  "waarde": 14, "n": "", "bron": "politie", "taak_id": "T1",
                  "omschrijving": "Vernielingen in de speeltuin", "eenheid": "per jaar"},
                 {"wijk_code": "WK036330", "indicator": "tevreden_bewoners", "jaar": 2025,
                  "waarde": "72%", "n": 96, "bron": "eigen enquête", "taak_id": "T1",
                  "omschrijving": "Bewoners tevreden over de speeltuin", "eenheid": "%"}],
    "doelen": [{"taak_id": "T1", "indicator": "vernielingen", "basisjaar": 2023,
                "streefjaar": 2028, "streefwaarde": 6, "basiswaarde": 14,
                "richting": "lager"}],
    "bandbreedtes": [{"parameter": "T1/Inrichting/factor", "variant": "bewonersbeheer",
                      "laag": "0,9", "hoog": "1,3", "waarde": "1,1", "verdeling": "driehoek",
                      "toelichting": "offertes lopen uiteen"},
                     {"parameter": "vervangingskosten_uur", "laag": "15,00", "hoog": "25,00",
                      "verdeling": "uniform"}],
    "correlaties": [{"parameter_a": "T1/Inrichting/factor",
                     "parameter_b": "T1/Minder vernielingen/hoeveelheid", "rho": "0,5"}],
    "criteria": [{"taak_id": "T1", "soort": "draagvlak",
                  "omschrijving": "Bewoners zijn tevreden over de speeltuin",
                  "indicator": "tevreden_speeltuin", "streefwaarde": "70%",
                  "richting": "hoger", "peiljaar": 2027}],
    "partners": [{"taak_id": "T1", "partner": "Bewonersvereniging Oost", "rol": "uitvoerder",
                  "jaar_van": 2024, "jaar_tot": 2028, "inbreng": "uren, kennis van de buurt"}],
    "enquete": [{"taak_id": "T1", "jaar": 2025, "groep": "bewoners",
                 "vraag": "tevreden_speeltuin", "antwoord": "4", "aantal": 44}],
    TALLY_TABLE: [{"taak_id": "T1", "jaar": 2024, "groep": "bewoners",
                   "vraag": "tevreden_speeltuin", "1": 3, "2": 7, "3": 18, "4": 44, "5": 26},
                  {"taak_id": "T1", "jaar": 2025, "groep": "vrijwilligers",
                   "vraag": "gesteund_door_gemeente", "ja": 15, "nee": 4}],
    CASE_TABLE: [{"naam": "Speeltuin Oost", "peiljaar": 2025, "prijsjaar": 2024,
                  "toelichting": "cijfers tot en met 2024 gerealiseerd"}],
}

#: How ranges, variants and price years work, each with an example (the explanation sheet).
METHOD_HELP = (
    ("Varianten, prijsjaren en bandbreedtes",),
    ("Varianten: geef elke kosten- en effectregel van een alternatief dezelfde naam in de kolom "
     "variant (bijv. bewonersbeheer, aanbesteding). Een regel met lege variant hoort bij alle "
     "varianten van de taak. Ook een regel in financiering of bandbreedtes kan een variant "
     "hebben.",),
    ("Voorbeeld: kosten T1 2025 gemeente 'Contract aannemer' 48.000, variant aanbesteding; en "
     "kosten T1 2025 vrijwilligers 'Inzet bewoners' 1.500 uur, variant bewonersbeheer.",),
    ("Prijsjaren: een bedrag staat in euro's van zijn prijsjaar. Leeg = het eigen jaar van de "
     "regel (jaar bij kosten, jaar_van bij effecten), zoals een bedrag uit de boekhouding. Een "
     "kengetal rekent in zijn eigen prijsjaar. De uitkomsten staan in één prijspeil: het "
     "prijsjaar op het tabblad casus, anders het laatste CPI-jaar.",),
    ("Voorbeeld: 48.000 in jaar 2025 met een lege prijsjaar zijn euro's van 2025; met prijsjaar "
     "2024 euro's van 2024. Een vast bedrag per jaar uit een contract: één regel per jaar.",),
    ("Peiljaar (tabblad casus): jaren vóór het peiljaar zijn gerealiseerd, vanaf het peiljaar "
     "prognose (alleen daar een correctie voor optimisme). Vul het in: dan geeft de casus elk "
     "jaar dezelfde uitkomst.",),
    ("Bandbreedtes: hoeveelheid_laag en hoeveelheid_hoog op een effectregel gelden voor die "
     "regel. Op het tabblad bandbreedtes noemt parameter de aanname: een kengetalcode "
     "(vervangingskosten_uur), discontovoet, TAAK/optimisme_kosten, TAAK/optimisme_baten, "
     "TAAK/EFFECT/VELD (VELD: hoeveelheid, waarde, deadweight, attributie, verdringing, "
     "afname) of TAAK/POST/factor (een factor op een kostenpost). Met variant geldt de "
     "bandbreedte alleen voor die variant.",),
    ("Voorbeeld: parameter 'T1/Minder vernielingen/hoeveelheid', variant bewonersbeheer, laag 2, "
     "hoog 10, verdeling pert. De bandbreedte moet de waarde in de casus bevatten (hier 6); "
     "anders weigert mkba validate haar.",),
    ("Financiering: elke bijdrage heeft een tegenboeking nodig (een kostenpost van de bron van "
     "hetzelfde bedrag, of een overdracht in effecten met overdracht_van = de bron). Eigen "
     "inkomsten (huur, bar) boekt u als overdracht van de betalers aan de exploitant plus de "
     "baat voor de betalers van minstens dat bedrag.",),
)


def _template_method_help(info) -> None:
    from openpyxl.styles import Font  # openpyxl: ≈ 0,1 s at import; read_case imports this module

    info.append([])
    for i, line in enumerate(METHOD_HELP):
        info.append(list(line))
        if i == 0:
            info.cell(row=info.max_row, column=1).font = Font(bold=True)


def _template_examples(info) -> None:
    """Per table its header and an example row (every column explained by example)."""
    from openpyxl.styles import Font  # openpyxl: ≈ 0,1 s at import; read_case imports this module

    info.append([])
    info.append(["Voorbeeldregels per tabblad (kopieer niets hieruit: illustratief)"])
    info.cell(row=info.max_row, column=1).font = Font(bold=True)
    for table, spec in TABLES.items():
        info.append([])
        info.append([f"tabblad {table}"])
        info.cell(row=info.max_row, column=1).font = Font(italic=True)
        info.append(spec.column_names)
        for row in EXAMPLE_ROWS.get(table, []):
            info.append([row.get(c, "") for c in spec.column_names])


def _template_process_help(info) -> None:
    from openpyxl.styles import Font  # openpyxl: ≈ 0,1 s at import; read_case imports this module

    info.append([])
    for i, line in enumerate(PAPER_SURVEY_HELP):
        info.append(list(line))
        if i == 0:
            info.cell(row=info.max_row, column=1).font = Font(bold=True)

_KIND_NL = {
    "text": "tekst",
    "year": "jaartal",
    "int": "geheel getal",
    "number": "getal",
    "fraction": "fractie 0–1 (of %)",
    "bool": "ja/nee",
    "choice": "keuze",
}


def describe_tables() -> pd.DataFrame:
    """Every input column with its meaning and an example value, in Dutch (the template's
    explanation sheet).

    Returns
    -------
    pandas.DataFrame
        One row per table and column.

    Examples
    --------
    >>> describe_tables().columns.tolist()
    ['tabel', 'kolom', 'verplicht', 'type', 'eenheid', 'toegestane waarden', 'uitleg', 'voorbeeld']
    """
    rows = []
    for table in TABLES.values():
        examples = EXAMPLE_ROWS.get(table.name, [])
        for c in table.columns:
            example = next((r[c.name] for r in examples if r.get(c.name) not in (None, "")),
                           "")
            rows.append({
                "tabel": table.name,
                "kolom": c.name,
                "verplicht": "ja" if c.required else "nee",
                "type": _KIND_NL[c.kind],
                "eenheid": c.unit,
                "toegestane waarden": ", ".join(c.allowed),
                "uitleg": c.description,
                "voorbeeld": str(example),
            })
    return pd.DataFrame(rows)


def write_template(path) -> Path:
    """Write the empty input workbook: an explanation sheet and one sheet per table.

    Choice columns get a drop-down list; header cells carry their explanation as a comment.

    Parameters
    ----------
    path : str or pathlib.Path
        The .xlsx file to write.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> out = write_template(Path(tempfile.mkdtemp()) / "casus.xlsx")
    >>> openpyxl.load_workbook(out).sheetnames[:3]
    ['toelichting', 'taken', 'kosten']
    """
    from openpyxl import Workbook  # openpyxl: ≈ 0,1 s at import; read_case imports this module
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    wb = Workbook()
    info = wb.active
    info.title = TEMPLATE_SHEET
    intro = [
        "Invulblad voor een casus van mkba (maatschappelijke kosten-batenanalyse).",
        "Eén tabblad per tabel; laat de kopregel staan. Verplichte kolommen staan hieronder.",
        "Getallen mogen met decimale komma (1.234,50); percentages als 25% of 0,25.",
        "Lege cellen zijn 'onbekend', niet 0 — behalve deadweight, attributie, verdringing en "
        "afname: leeg telt als 0.",
        "Controleer de casus met: mkba validate casus.xlsx",
        "",
    ]
    for line in intro:
        info.append([line])
    info.append(list(describe_tables().columns))
    for cell in info[info.max_row]:
        cell.font = Font(bold=True)
    for rec in describe_tables().itertuples(index=False):
        info.append(list(rec))
    for letter, width in zip("ABCDEFGH", (14, 20, 10, 18, 8, 40, 90, 24), strict=True):
        info.column_dimensions[letter].width = width
    _template_method_help(info)
    _template_process_help(info)
    _template_examples(info)
    for table in TABLES.values():
        ws = wb.create_sheet(table.name)
        ws.append(table.column_names)
        if table.name == CASE_TABLE:  # filled in: a case states its peiljaar and prijsjaar
            ws.append(["", *_case_defaults(), "peiljaar en prijsjaar ingevuld door mkba "
                       "template; pas ze aan"])
        ws.freeze_panes = "A2"
        for i, column in enumerate(table.columns, start=1):
            cell = ws.cell(row=1, column=i)
            cell.font = Font(bold=column.required)
            cell.comment = Comment(column.description, "mkba")
            ws.column_dimensions[get_column_letter(i)].width = max(12, len(column.name) + 4)
            if column.allowed:
                dv = DataValidation(type="list", formula1='"' + ",".join(column.allowed) + '"',
                                    allow_blank=True)
                dv.error = "Kies een van: " + ", ".join(column.allowed)
                ws.add_data_validation(dv)
                letter = get_column_letter(i)
                dv.add(f"{letter}2:{letter}5000")

    neutralise_workbook(wb)  # no text cell is ever a formula
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(path, buf.getvalue())  # never half a workbook
    return path
