"""The empty template workbook (``mkba template``) and the description of every table."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from mkba.case.schema import (
    TABLES,
)

__all__ = ["write_template", "describe_tables", "PAPER_SURVEY_HELP", "TEMPLATE_SHEET"]

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


def _template_process_help(info) -> None:
    from openpyxl.styles import Font

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
    """Every input column with its meaning, in Dutch (the template's explanation sheet).

    Examples
    --------
    >>> describe_tables().columns.tolist()
    ['tabel', 'kolom', 'verplicht', 'type', 'eenheid', 'toegestane waarden', 'uitleg']
    """
    rows = []
    for table in TABLES.values():
        for c in table.columns:
            rows.append({
                "tabel": table.name,
                "kolom": c.name,
                "verplicht": "ja" if c.required else "nee",
                "type": _KIND_NL[c.kind],
                "eenheid": c.unit,
                "toegestane waarden": ", ".join(c.allowed),
                "uitleg": c.description,
            })
    return pd.DataFrame(rows)


def write_template(path) -> Path:
    """Write the empty input workbook: an explanation sheet and one sheet per table.

    Choice columns get a drop-down list; header cells carry their explanation as a comment.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> out = write_template(Path(tempfile.mkdtemp()) / "casus.xlsx")
    >>> openpyxl.load_workbook(out).sheetnames[:3]
    ['toelichting', 'taken', 'kosten']
    """
    from openpyxl import Workbook
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
    for letter, width in zip("ABCDEFG", (14, 20, 10, 18, 8, 40, 90), strict=True):
        info.column_dimensions[letter].width = width
    _template_process_help(info)
    for table in TABLES.values():
        ws = wb.create_sheet(table.name)
        ws.append(table.column_names)
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
    from mkba.base.cells import neutralise_workbook
    from mkba.base.files import atomic_write

    neutralise_workbook(wb)  # no text cell is ever a formula
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write(path, buf.getvalue())  # never half a workbook
    return path
