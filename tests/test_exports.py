"""Every way Excel saves a case ("Opslaan als"), in Dutch and English settings, gives the same
numbers — or a clear refusal naming file, row and column (issue 19, item 3).

A newcomer's case, as built from ``mkba template``: one task with two variants, amounts with
thousands separators, a kengetal and a value with decimals, a percentage. Its expected NPV per
variant is computed by hand below; every export shape must reproduce it exactly.

Shapes (what Excel writes):

- "CSV UTF-8 (door komma's gescheiden)": UTF-8 with BOM; the list separator of the
  settings: ``;`` in Dutch, ``,`` in English;
- "CSV (gescheiden door lijstscheidingsteken)", the Dutch "CSV (puntkomma)": Windows-1252,
  ``;`` in Dutch, ``,`` in English;
- "Unicode-tekst": UTF-16 LE with BOM, tabs;
- "Tekst (tab)": Windows-1252, tabs;
- plus a comma file with every cell quoted and Dutch numbers (Google Sheets in Dutch).

Numbers as Excel shows them: Dutch ``120.000`` and ``18,80``, English ``120,000`` and
``18.80``; percentages ``25%``. Excel quotes a cell only when it holds the separator.
"""

from __future__ import annotations

import codecs
import csv

import pytest

from mkba import CaseError, evaluate, read_case

# CBS 83131NED: CPI 2022→2023 +3,8 %, 2023→2024 +3,3 % (data/kengetallen/...)
CPI_2022_TO_2024 = 1.038 * 1.033
R = 0.0225
D = [(1 + R) ** -t for t in range(3)]  # 2024, 2025, 2026 discounted to 2024

#: The newcomer's case as typed values (numbers, not text).
CASE = {
    "casus": [["naam", "peiljaar", "prijsjaar"], ["Speeltuin", 2030, 2024]],
    "taken": [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
              ["N1", "Speeltuin in beheer van bewoners", "WK036330", 2024, 2026]],
    "kosten": [["taak_id", "jaar", "actor", "post", "soort", "bedrag", "hoeveelheid",
                "kengetal", "prijsjaar", "variant"],
               ["N1", 2024, "gemeente", "Inrichting speeltuin", "investering", 120000, None,
                None, 2024, "bewonersbeheer"]]
    + [["N1", y, "bewoners", "Inzet bewoners", "vrijwilligersinzet", None, 1500,
        "uur_vervanging", None, "bewonersbeheer"] for y in (2024, 2025, 2026)]
    + [["N1", y, "gemeente", "Contract aannemer", "exploitatie", 48000, None, None, 2024,
        "aanbesteding"] for y in (2024, 2025, 2026)],
    "effecten": [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                  "waarde_per_eenheid", "prijsjaar", "deadweight", "variant"],
                 ["N1", "Vermeden onderhoud door de gemeente", "gemeente", 2024, 2026, 1,
                  35500.5, 2024, None, None],
                 ["N1", "Meer speelplezier", "bewoners", 2024, 2026, 2400, 12.75, 2024, 0.25,
                  "bewonersbeheer"]],
    "kengetallen": [["code", "omschrijving", "waarde", "eenheid", "prijsjaar", "bron"],
                    ["uur_vervanging", "Vervangingskosten per uur", 18.8, "uur", 2022,
                     "Kostenhandleiding Zorginstituut 2024, prijspeil 2022"]],
}

#: By hand: bewonersbeheer pays 120.000 in 2024 and 1.500 hours × 18,80 (2022 prices) a year;
#: both variants avoid 35.500,50 a year of municipal maintenance; bewonersbeheer adds
#: 2.400 × 12,75 × (1 − 0,25) of play a year. Price year 2024, base year 2024, r = 2,25 %.
HOURS = 1500 * 18.8 * CPI_2022_TO_2024
EXPECTED = {
    "bewonersbeheer": -120000 - HOURS * sum(D) + (35500.5 + 2400 * 12.75 * 0.75) * sum(D),
    "aanbesteding": -48000 * sum(D) + 35500.5 * sum(D),
}


def _number(value, locale: str) -> str:
    """A number as Excel shows it with thousands separators (#.##0 or #.##0,00)."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    if locale == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _cell(value, column: str, locale: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if column in ("jaar", "jaar_van", "jaar_tot", "startjaar", "eindjaar", "prijsjaar",
                  "peiljaar"):
        return str(value)  # years have no thousands separator in Excel's General format
    if column == "deadweight":
        return f"{value:.0%}"
    return _number(value, locale)


#: (name, locale, separator, encoding, quoting)
SHAPES = [
    ("CSV UTF-8 nl", "nl", ";", "utf-8-sig", csv.QUOTE_MINIMAL),
    ("CSV UTF-8 en", "en", ",", "utf-8-sig", csv.QUOTE_MINIMAL),
    ("CSV (puntkomma) nl", "nl", ";", "cp1252", csv.QUOTE_MINIMAL),
    ("CSV (komma) en", "en", ",", "cp1252", csv.QUOTE_MINIMAL),
    ("Unicode-tekst nl", "nl", "\t", "utf-16", csv.QUOTE_MINIMAL),
    ("Unicode-tekst en", "en", "\t", "utf-16", csv.QUOTE_MINIMAL),
    ("Tekst (tab) nl", "nl", "\t", "cp1252", csv.QUOTE_MINIMAL),
    ("Tekst (tab) en", "en", "\t", "cp1252", csv.QUOTE_MINIMAL),
    ("komma, alles tussen aanhalingstekens, nl", "nl", ",", "utf-8", csv.QUOTE_ALL),
]


def write_export(folder, tables, locale, sep, encoding, quoting):
    """Write ``tables`` as Excel would save each sheet in this shape."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        header = rows[0]
        lines = [header] + [[_cell(v, c, locale) for v, c in zip(row, header, strict=True)]
                            for row in rows[1:]]
        import io

        buf = io.StringIO()
        csv.writer(buf, delimiter=sep, quoting=quoting, lineterminator="\r\n").writerows(lines)
        text = buf.getvalue()
        if encoding == "utf-16":  # Excel: UTF-16 little endian with its byte order mark
            data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
        else:
            data = text.encode(encoding)
        (folder / f"{name}.csv").write_bytes(data)
    return folder


def _npvs(folder) -> dict:
    ev = evaluate(read_case(folder), discount_rate=R)
    return {v: ev.result("N1", v).npv for v in ("aanbesteding", "bewonersbeheer")}


def test_the_reference_numbers_are_the_hand_calculation():
    """The case as typed values (DataFrames) gives the hand-computed NPVs."""
    import pandas as pd

    frames = {k: pd.DataFrame(v[1:], columns=v[0]).astype(object) for k, v in CASE.items()}
    ev = evaluate(read_case(frames), discount_rate=R)
    for variant, expected in EXPECTED.items():
        assert ev.result("N1", variant).npv == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("shape", SHAPES, ids=[s[0] for s in SHAPES])
def test_every_excel_export_gives_the_same_numbers(tmp_path, shape):
    _name, locale, sep, encoding, quoting = shape
    folder = write_export(tmp_path / "casus", CASE, locale, sep, encoding, quoting)
    got = _npvs(folder)
    for variant, expected in EXPECTED.items():
        assert got[variant] == pytest.approx(expected, rel=1e-12), variant


def test_unicode_text_equals_its_semicolon_twin(tmp_path):
    """The newcomer's two-variant case saved as "Unicode-tekst" gives the same numbers (to
    the cent, every actor) as the same case saved as "CSV (puntkomma)"."""
    tab = write_export(tmp_path / "tab", CASE, "nl", "\t", "utf-16", csv.QUOTE_MINIMAL)
    semi = write_export(tmp_path / "semi", CASE, "nl", ";", "cp1252", csv.QUOTE_MINIMAL)
    a, b = evaluate(read_case(tab)), evaluate(read_case(semi))
    assert (tab / "kosten.csv").read_bytes()[:2] == codecs.BOM_UTF16_LE
    assert a.totals[["pv_costs", "pv_benefits", "npv"]].equals(
        b.totals[["pv_costs", "pv_benefits", "npv"]])
    assert a.actors["npv"].round(6).tolist() == b.actors["npv"].round(6).tolist()


def test_a_tab_file_that_does_not_say_its_decimals_is_refused(tmp_path):
    """Only lone groups (120.000, 48.000) and no decimals anywhere in the case: 120.000 could
    be 120000 or 120. The reader refuses with file, row and column instead of guessing."""
    tables = {k: v for k, v in CASE.items() if k in ("taken", "kosten")}
    tables["kosten"] = [r[:6] + [None, None] + r[8:] if i else r
                        for i, r in enumerate(tables["kosten"]) if i == 0 or r[5] is not None]
    folder = write_export(tmp_path / "t", tables, "nl", "\t", "utf-16", csv.QUOTE_MINIMAL)
    with pytest.raises(CaseError) as err:
        read_case(folder)
    text = str(err.value)
    assert "kosten.csv:2:bedrag: '120.000' is dubbelzinnig" in text
    assert "120000" in text and "120" in text


def test_mixed_decimal_marks_in_one_file_are_refused(tmp_path):
    folder = write_export(tmp_path / "m", CASE, "nl", ";", "utf-8-sig", csv.QUOTE_MINIMAL)
    text = (folder / "effecten.csv").read_text(encoding="utf-8-sig")
    (folder / "effecten.csv").write_text(text.replace("12,75", "12.75"), encoding="utf-8-sig")
    with pytest.raises(CaseError, match=r"effecten.csv:3:waarde_per_eenheid: '12.75' heeft een "
                                        r"decimale punt"):
        read_case(folder)


def test_separator_is_decided_by_the_header(tmp_path):
    """A tab file whose text cells hold commas and semicolons: the header decides (tab),
    not the count of characters in the first line."""
    tables = {k: [list(r) for r in v] for k, v in CASE.items()}
    tables["taken"][0] = tables["taken"][0]
    tables["taken"][1][1] = "Speeltuin; beheer, onderhoud; spelen"
    folder = write_export(tmp_path / "s", tables, "nl", "\t", "utf-16", csv.QUOTE_MINIMAL)
    case = read_case(folder)
    assert case.taken["naam"].tolist() == ["Speeltuin; beheer, onderhoud; spelen"]
    assert _npvs(folder)["aanbesteding"] == pytest.approx(EXPECTED["aanbesteding"], rel=1e-12)
