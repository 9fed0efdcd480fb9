"""Reading cases as Dutch municipal exports write them, and every kind of bad input."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from mkba import CaseError, evaluate, read_case, write_template
from mkba.case.numbers import parse_number
from mkba.case.schema import TABLES
from mkba.run.cli import main

from .conftest import MINIMAL, write_case, write_table


class TestParseNumber:
    @pytest.mark.parametrize("text, expected", [
        ("1234", 1234.0), ("1234,5", 1234.5), ("1234.5", 1234.5), ("1.234,50", 1234.5),
        ("1,234.50", 1234.5), ("1.234.567", 1234567.0), ("€ 1.234", 1234.0),
        ("25%", 0.25), ("25 %", 0.25), ("0,25", 0.25), ("-3,5", -3.5), ("−3,5", -3.5),
        ("1 234,5", 1234.5), ("\u00a01.000\u00a0", 1000.0), (",5", 0.5),
    ])
    def test_dutch_and_international(self, text, expected):
        assert parse_number(text) == pytest.approx(expected)

    def test_lone_group_follows_the_file(self):
        assert parse_number("1.234", decimal=",") == 1234.0
        assert parse_number("1.234", decimal=".") == pytest.approx(1.234)
        assert parse_number("1,234", decimal=".") == 1234.0
        assert parse_number("1,234", decimal=",") == pytest.approx(1.234)

    @pytest.mark.parametrize("text", ["twintig", "1,2,3", "1.2.3", "12a", "", "%", "1,000.000,5"])
    def test_not_a_number(self, text):
        with pytest.raises(ValueError):
            parse_number(text)


class TestFormats:
    def _kosten_amount(self, folder):
        return read_case(folder).kosten["bedrag"].tolist()

    def test_semicolon_decimal_comma(self, minimal_case):
        assert self._kosten_amount(minimal_case) == [1000.0]

    def test_comma_separated_decimal_point(self, tmp_path):
        folder = write_case(tmp_path / "c")
        rows = [r[:] for r in MINIMAL["kosten"]]
        rows[1][4] = "1234.5"
        write_table(folder, "kosten", rows, sep=",")
        assert self._kosten_amount(folder) == [1234.5]

    def test_thousands_and_decimal_comma(self, tmp_path):
        folder = write_case(tmp_path / "c")
        rows = [r[:] for r in MINIMAL["kosten"]]
        rows[1][4] = "1.234,50"
        write_table(folder, "kosten", rows)
        assert self._kosten_amount(folder) == [1234.5]

    def test_windows_1252_and_bom(self, tmp_path):
        folder = write_case(tmp_path / "c")
        rows = [r[:] for r in MINIMAL["kosten"]]
        rows[1][3] = "Coördinatie café"
        write_table(folder, "kosten", rows, encoding="cp1252")
        write_table(folder, "taken", MINIMAL["taken"], encoding="utf-8-sig")
        case = read_case(folder)
        assert case.kosten["post"].tolist() == ["Coördinatie café"]
        assert case.taken["taak_id"].tolist() == ["T1"]

    def test_percentages_and_ja_nee(self, tmp_path):
        effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                     "waarde_per_eenheid", "deadweight", "attributie", "pm", "pm_score"],
                    ["T1", "A", "b", "2019", "2020", "1", "10", "25%", "0,1", "nee", ""],
                    ["T1", "B", "b", "2019", "2020", "", "", "", "", "Ja", "++"],
                    ["T1", "C", "b", "2019", "2020", "1", "10", "", "", "", ""]]
        case = read_case(write_case(tmp_path / "c", effecten=effecten))
        e = case.effecten
        assert e["deadweight"].tolist()[0] == 0.25
        assert e["attributie"].tolist()[0] == pytest.approx(0.1)
        assert e["pm"].tolist() == [False, True, False]
        assert pd.isna(e["deadweight"].iloc[2])  # missing stays missing in the table

    def test_headers_are_forgiving(self, tmp_path):
        taken = [["Taak ID", " Naam ", "Wijk-code", "STARTJAAR", "eindjaar"],
                 ["T1", "Buurthuis", "WK036330", "2019", "2022"]]
        case = read_case(write_case(tmp_path / "c", taken=taken))
        assert case.taken["wijk_code"].tolist() == ["WK036330"]

    def test_empty_rows_and_trailing_separators(self, tmp_path):
        folder = write_case(tmp_path / "c")
        text = (folder / "kosten.csv").read_text(encoding="utf-8")
        (folder / "kosten.csv").write_text(text + ";;;;;;;\r\n\r\n", encoding="utf-8")
        assert len(read_case(folder).kosten) == 1

    def test_row_numbers_count_blank_lines(self, tmp_path):
        folder = write_case(tmp_path / "c")
        lines = (folder / "taken.csv").read_text(encoding="utf-8").splitlines()
        (folder / "taken.csv").write_text("\n".join([lines[0], "", lines[1] + "X"]) + "\n",
                                          encoding="utf-8")
        with pytest.raises(CaseError) as err:
            read_case(folder)
        assert str(err.value).startswith("taken.csv:3:eindjaar:")

    def test_absent_optional_tables_are_empty(self, minimal_case):
        case = read_case(minimal_case)
        assert case.financiering.empty and list(case.financiering.columns)[0] == "_row"

    def test_mapping_of_dataframes(self):
        frames = {name: pd.DataFrame(rows[1:], columns=rows[0]) for name, rows in MINIMAL.items()}
        frames["kosten"]["bedrag"] = [1000.0]
        case = read_case(frames)
        assert case.kosten["bedrag"].tolist() == [1000.0]


class TestWorkbook:
    def test_template_has_every_table_and_explanations(self, tmp_path):
        path = write_template(tmp_path / "leeg.xlsx")
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == ["toelichting", *TABLES]
        for name, spec in TABLES.items():
            header = [c.value for c in wb[name][1]]
            assert header == spec.column_names
        explained = {(r[0], r[1]) for r in wb["toelichting"].iter_rows(values_only=True)}
        assert ("effecten", "deadweight") in explained

    def test_filled_template_round_trips(self, tmp_path, minimal_case):
        path = write_template(tmp_path / "casus.xlsx")
        wb = openpyxl.load_workbook(path)
        for name, rows in MINIMAL.items():
            ws = wb[name]
            header = [c.value for c in ws[1]]
            for row in rows[1:]:
                record = dict(zip(rows[0], row, strict=True))
                values = [record.get(h, "") for h in header]
                # typed cells as Excel stores them: numbers as numbers
                ws.append([_excel_value(v) for v in values])
        wb.save(path)
        from_xlsx = evaluate(read_case(path), price_year=2019).result("T1")
        from_csv = evaluate(read_case(minimal_case), price_year=2019).result("T1")
        assert from_xlsx.npv == pytest.approx(from_csv.npv)

    @pytest.mark.slow
    def test_xlsx_problems_name_the_sheet(self, tmp_path):
        path = write_template(tmp_path / "casus.xlsx")
        wb = openpyxl.load_workbook(path)
        wb["taken"].append(["T1", "Buurthuis", "XX1", None, None, None, None, 2019, 2022])
        wb.save(path)
        with pytest.raises(CaseError) as err:
            read_case(path)
        assert "casus.xlsx[taken]:2:wijk_code:" in str(err.value)


def _excel_value(v):
    if v == "":
        return None
    try:
        return float(v.replace(".", "").replace(",", ".")) if any(ch.isdigit() for ch in v) \
            and v.replace(".", "").replace(",", "").isdigit() else v
    except ValueError:
        return v


# --------------------------------------------------------------------------------------
# bad input: each case asserts the message and exit code 2, and that nothing was printed


def _run_validate(folder, capsys):
    code = main(["validate", str(folder)])
    out = capsys.readouterr()
    return code, out.out, out.err


def _changed(table, row, column, value):
    rows = [r[:] for r in MINIMAL[table]]
    rows[row][rows[0].index(column)] = value
    return {table: rows}


BAD = [
    ("unknown task id",
     _changed("kosten", 1, "taak_id", "T9"),
     "kosten.csv:2:taak_id: onbekende taak_id 'T9' (bekend: T1)"),
    ("not a CBS wijk code",
     _changed("taken", 1, "wijk_code", "Transvaal"),
     "taken.csv:2:wijk_code: 'Transvaal': geen CBS-code van een wijk (WKxxxxxx) of buurt"),
    ("text in a number column",
     _changed("kosten", 1, "bedrag", "duizend"),
     "kosten.csv:2:bedrag: 'duizend' is geen getal"),
    ("fraction above 1",
     _changed("effecten", 1, "deadweight", "30"),
     "effecten.csv:2:deadweight: '30' is geen fractie tussen 0 en 1; bedoelt u 30%?"),
    ("fraction above 100 %",
     _changed("effecten", 1, "deadweight", "120%"),
     "effecten.csv:2:deadweight: '1.2': moet een fractie tussen 0 en 1 zijn"),
    ("jaar_tot before jaar_van",
     _changed("effecten", 1, "jaar_tot", "2018"),
     "effecten.csv:2:jaar_tot: jaar_tot ligt vóór jaar_van"),
    ("eindjaar before startjaar",
     _changed("taken", 1, "eindjaar", "2010"),
     "taken.csv:2:eindjaar: eindjaar ligt vóór startjaar"),
    ("unknown kengetal",
     {"kosten": [MINIMAL["kosten"][0], ["T1", "2019", "gemeente", "Uren", "", "10", "uurr", ""]]},
     "kosten.csv:2:kengetal: onbekend kengetal 'uurr' (bekend: uur)"),
    ("prijsjaar outside the CPI series",
     _changed("kosten", 1, "prijsjaar", "1990"),
     "kosten.csv:2:prijsjaar: prijsjaar 1990 valt buiten de CPI-reeks (1996–2024)"),
    ("duplicate task id",
     {"taken": MINIMAL["taken"] + [["T1", "Nog een", "WK036331", "2019", "2022"]]},
     "taken.csv:3:taak_id: 'T1' komt meer dan één keer voor"),
    ("duplicate kengetal code",
     {"kengetallen": MINIMAL["kengetallen"] + [["uur", "Dubbel", "1", "uur", "2022", "x"]]},
     "kengetallen.csv:3:code: 'uur' komt meer dan één keer voor"),
    ("missing required column, closest header suggested",
     {"kosten": [["taak_id", "jaar", "actor", "omschrijving_post", "bedrag"],
                 ["T1", "2019", "gemeente", "Verbouwing", "1000"]]},
     "kosten.csv:1:post: verplichte kolom ontbreekt (bedoelt u 'omschrijving_post'?)"),
    ("misspelled optional column",
     {"effecten": [MINIMAL["effecten"][0][:-1] + ["deadwieght"], MINIMAL["effecten"][1]]},
     "effecten.csv:1:deadwieght: onbekende kolom; bedoelt u 'deadweight'?"),
    ("missing required value",
     _changed("kosten", 1, "actor", ""),
     "kosten.csv:2:actor: verplichte waarde ontbreekt"),
    ("year that is not whole",
     _changed("kosten", 1, "jaar", "2019,5"),
     "kosten.csv:2:jaar: '2019,5' is geen jaartal"),
    ("amount and kengetal both",
     _changed("kosten", 1, "kengetal", "uur"),
     "kosten.csv:2:bedrag: vul bedrag óf hoeveelheid met kengetal in, niet allebei"),
    ("effect without value",
     _changed("effecten", 1, "waarde_per_eenheid", ""),
     "effecten.csv:2:kengetal: kengetal of waarde_per_eenheid ontbreekt (of zet pm op ja)"),
    ("not ja/nee",
     {"effecten": [MINIMAL["effecten"][0] + ["pm"], MINIMAL["effecten"][1] + ["misschien"]]},
     "effecten.csv:2:pm: 'misschien' is geen ja of nee"),
    ("value not allowed",
     {"kosten": [MINIMAL["kosten"][0] + ["soort"], MINIMAL["kosten"][1] + ["lening"]]},
     "kosten.csv:2:soort: 'lening': toegestaan: investering, exploitatie, vrijwilligersinzet"),
    ("laag above hoog",
     {"kengetallen": [MINIMAL["kengetallen"][0] + ["laag", "hoog"],
                      MINIMAL["kengetallen"][1] + ["30", "20"]]},
     "kengetallen.csv:2:laag: laag is groter dan hoog"),
    ("too many cells",
     {"taken": [MINIMAL["taken"][0], MINIMAL["taken"][1] + ["extra"]]},
     "taken.csv:2: meer cellen (6) dan kolommen (5)"),
    ("missing required table",
     {"kosten": None},
     "kosten.csv: verplichte tabel ontbreekt"),
]


@pytest.mark.parametrize("label, changes, message", BAD, ids=[b[0] for b in BAD])
def test_bad_input(tmp_path, capsys, label, changes, message):
    tables = {k: v for k, v in {**MINIMAL, **changes}.items() if v is not None}
    folder = write_case(tmp_path / "c", tables)
    code, out, err = _run_validate(folder, capsys)
    assert code == 2
    assert message in err, err
    assert out == ""


def test_all_problems_reported_at_once(tmp_path, capsys):
    changes = {**_changed("kosten", 1, "bedrag", "veel"),
               **_changed("taken", 1, "wijk_code", "WK1")}
    code, _, err = _run_validate(write_case(tmp_path / "c", **changes), capsys)
    assert code == 2
    assert "taken.csv:2:wijk_code:" in err and "kosten.csv:2:bedrag:" in err
    assert "2 problemen gevonden; niets berekend." in err


def test_evaluate_writes_nothing_on_bad_input(tmp_path, capsys):
    folder = write_case(tmp_path / "c", **_changed("kosten", 1, "bedrag", "veel"))
    assert main(["evaluate", str(folder), "--format", "json"]) == 2
    assert capsys.readouterr().out == ""


def test_missing_path(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "bestaat-niet")]) == 2
    assert "bestaat niet" in capsys.readouterr().err


def test_unknown_file_is_a_warning(minimal_case, capsys):
    (minimal_case / "kostn.csv").write_text("x\n", encoding="utf-8")
    assert main(["validate", str(minimal_case)]) == 0
    assert "kostn.csv: onbekend bestand, overgeslagen; bedoelt u kosten.csv?" in \
        capsys.readouterr().out


def test_valid_case(example_case, capsys):
    code, out, err = _run_validate(example_case, capsys)
    assert code == 0 and out.startswith("In orde:") and err == ""


def test_every_valid_row_is_kept(example_case):
    """Every non-empty data line of every CSV ends up as a row in its table."""
    case = read_case(example_case)
    for name in case.files:
        lines = (example_case / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        data = [line for line in lines[1:] if line.strip(";, ")]
        assert len(case.tables[name]) == len(data), name
