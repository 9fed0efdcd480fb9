"""Bad and hostile input: every row of the corpus gives a Dutch message and exit code 2 (or 1
for a failure of the machine), never a traceback, and creates nothing it should not."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from mkba import read_case
from mkba.base.assumptions import DATA_DIR
from mkba.base.errors import CaseError
from mkba.case import raw as mkba_raw
from mkba.run.cli import main

from .conftest import MINIMAL, documentation_text, write_case

EXAMPLE = DATA_DIR / "voorbeeld"
import importlib  # noqa: E402

batch_module = importlib.import_module("mkba.run.batch")
distributed_module = importlib.import_module("mkba.run.distributed")


def run_cli(argv) -> int:
    """`main` as the console script runs it: argparse's SystemExit becomes the exit code."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def case_with(tmp_path, **changes) -> Path:
    return write_case(tmp_path / "casus", **changes)


def kosten_bytes(tmp_path, data: bytes) -> Path:
    folder = case_with(tmp_path)
    (folder / "kosten.csv").write_bytes(data)
    return folder


def template_xlsx(tmp_path) -> Path:
    path = tmp_path / "t.xlsx"
    assert main(["template", str(path)]) == 0
    return path


def broken_xml_xlsx(tmp_path) -> Path:
    good = template_xlsx(tmp_path)
    bad = tmp_path / "kapot.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]  # cut off in the middle of the XML
            zout.writestr(item, data)
    return bad


def scenario(tmp_path, text: str | bytes) -> Path:
    path = tmp_path / "scenario.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", "index.html")


# (id, setup(tmp_path, monkeypatch) -> argv, exit code, what stderr says)
CORPUS = [
    ("binary file", lambda t, m: ["validate", kosten_bytes(t, b"PK\x03\x04\x00\x00\x14\x00")],
     2, "kosten.csv: dit is geen tekstbestand"),
    ("undecodable bytes", lambda t, m: ["validate", kosten_bytes(
        t, b"taak_id;jaar;actor;post\r\nT1;2019;\x81\x8d;x\r\n")], 2, "onbekende tekencodering"),
    ("field over 131.072 characters", lambda t, m: ["validate", kosten_bytes(
        t, b'taak_id;jaar;actor;post\r\nT1;2019;"' + b"x" * 140_000 + b'";x\r\n')],
     2, "kosten.csv:2: regel niet te lezen als CSV"),
    ("cell over 32.767 characters", lambda t, m: ["validate", case_with(t, kosten=[
        MINIMAL["kosten"][0], ["T1", "2019", "gemeente", "x" * 40_000, "1", "", "", "2019"]])],
     2, "kosten.csv:2: cel 4 is te lang (40.000 tekens"),
    ("folder named kosten.csv", lambda t, m: ["validate", _folder_csv(t)],
     2, "kosten.csv: is een map"),
    ("xlsx with broken XML", lambda t, m: ["validate", broken_xml_xlsx(t)], 2, "kapot.xlsx"),
    ("text file named .xlsx", lambda t, m: ["validate", _fake_xlsx(t)],
     2, "geen geldige .xlsx-werkmap"),
    ("too many rows", lambda t, m: (m.setattr(mkba_raw, "MAX_ROWS", 1),
                                    ["validate", case_with(t, kosten=[
                                        MINIMAL["kosten"][0], MINIMAL["kosten"][1],
                                        MINIMAL["kosten"][1]])])[1],
     2, "meer dan 1 regels"),
    ("file too big", lambda t, m: (m.setattr(mkba_raw, "MAX_FILE_BYTES", 50),
                                   ["validate", case_with(t)])[1], 2, "bestand is te groot"),
    ("xlsx unpacks too big", lambda t, m: (m.setattr(mkba_raw, "MAX_XLSX_UNPACKED_BYTES", 1000),
                                           ["validate", template_xlsx(t)])[1],
     2, "uitgepakt te groot"),
    ("--monte-carlo -5", lambda t, m: ["evaluate", EXAMPLE, "--monte-carlo", "-5"],
     2, "-5 moet minstens 0 zijn"),
    ("--monte-carlo 10 million", lambda t, m: ["evaluate", EXAMPLE, "--monte-carlo", "10000000"],
     2, "10000000 moet hoogstens 1.000.000 zijn"),
    ("--seed -1", lambda t, m: ["evaluate", EXAMPLE, "--seed", "-1"], 2, "--seed"),
    ("--placebos -1", lambda t, m: ["effect", EXAMPLE, "--indicator", "x", "--placebos", "-1"],
     2, "--placebos"),
    ("--comparisons -5", lambda t, m: ["effect", EXAMPLE, "--indicator", "x",
                                       "--comparisons", "-5"], 2, "--comparisons"),
    ("--workers -3", lambda t, m: ["batch", EXAMPLE, "--out", t / "o", "--workers", "-3"],
     2, "--workers"),
    ("scenario nested too deep", lambda t, m: ["evaluate", EXAMPLE, "--scenario",
                                               scenario(t, "[" * 200_000 + "]" * 200_000)],
     2, "te diep genest"),
    ("scenario with a text discount rate", lambda t, m: ["evaluate", EXAMPLE, "--scenario",
     scenario(t, json.dumps({"naam": "x", "waarden": {},
                             "parameters": {"discount_rate": "hoog"}}))],
     2, "discount_rate 'hoog' is geen getal"),
    ("scenario with a null discount rate", lambda t, m: ["evaluate", EXAMPLE, "--scenario",
     scenario(t, json.dumps({"naam": "x", "waarden": {}, "parameters": {"discount_rate": None}}))],
     2, "discount_rate None is geen getal"),
    ("scenario is an endless device", lambda t, m: ["evaluate", EXAMPLE, "--scenario",
                                                    "/dev/zero"], 2, "/dev/zero"),
    ("scenario too big", lambda t, m: ["evaluate", EXAMPLE, "--scenario",
                                       scenario(t, b" " * 2_000_000 + b"{}")], 2, "te groot"),
    ("--out is a file (report)", lambda t, m: ["report", EXAMPLE, "--wijk", "WK036330", "--out",
                                               _a_file(t)], 2, "is een bestand, geen map"),
    ("--out is a file (batch)", lambda t, m: ["batch", EXAMPLE, "--out", _a_file(t)],
     2, "kan de uitvoermap niet maken"),
    ("--out not writable (batch)", lambda t, m: (m.setattr(os, "access", lambda *a, **k: False),
                                                 ["batch", EXAMPLE, "--out", t / "ro"])[1],
     2, "uitvoermap is niet schrijfbaar"),
    ("--out not writable (report)", lambda t, m: (m.setattr(os, "access", lambda *a, **k: False),
                                                  ["report", EXAMPLE, "--wijk", "WK036330",
                                                   "--out", t / "ro"])[1],
     2, "map is niet schrijfbaar"),
    ("template onto a folder", lambda t, m: ["template", _folder(t, "leeg.xlsx")],
     2, "is een map"),
    ("template over a filled-in workbook", lambda t, m: ["template", template_xlsx(t)],
     2, "bestaat al"),
    ("--scheduler tcp://127.0.0.1:1", lambda t, m: (m.setattr(distributed_module, "CONNECT_TIMEOUT", 2),
                                                    ["batch", EXAMPLE, "--out", t / "d",
                                                     "--scheduler", "tcp://127.0.0.1:1"])[1],
     2, "kan de Dask-scheduler tcp://127.0.0.1:1 niet bereiken"),
    ("--scheduler file://", lambda t, m: ["batch", EXAMPLE, "--out", t / "d", "--scheduler",
                                          "file:///etc/passwd"], 2, "geen Dask-adres"),
    ("report on an invalid case", lambda t, m: ["report", case_with(t, kosten=[
        MINIMAL["kosten"][0], ["T1", "2019", "gemeente", "x", "veel", "", "", "2019"]]),
        "--wijk", "WK036330", "--out", t / "nieuw"], 2, "kosten.csv:2:bedrag"),
    ("disk full while writing index.html", lambda t, m: (
        m.setattr(batch_module, "_write_outputs", _disk_full),
        ["batch", EXAMPLE, "--out", t / "vol", "--wijk", "WK036330", "--workers", "1",
         "--no-progress"])[1], 1, "de schijf is vol (index.html)"),
]


def _folder_csv(tmp_path):
    folder = case_with(tmp_path)
    (folder / "kosten.csv").unlink()
    (folder / "kosten.csv").mkdir()
    return folder


def _fake_xlsx(tmp_path):
    path = tmp_path / "casus.xlsx"
    path.write_text("taak_id;naam\nT1;x\n")
    return path


def _a_file(tmp_path):
    path = tmp_path / "bestand"
    path.write_text("x")
    return path


def _folder(tmp_path, name):
    path = tmp_path / name
    path.mkdir()
    return path


@pytest.mark.parametrize("setup, code, message", [c[1:] for c in CORPUS],
                         ids=[c[0] for c in CORPUS])
@pytest.mark.slow
def test_bad_input_corpus(tmp_path, monkeypatch, capsys, setup, code, message):
    monkeypatch.delenv("MKBA_DEBUG", raising=False)
    argv = setup(tmp_path, monkeypatch)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert run_cli(argv) == code
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    if code == 2:  # nothing created by a refused command (the lock folder of a batch aside)
        after = sorted(p.name for p in tmp_path.rglob("*") if ".mkba" not in p.parts
                       and p.name != ".mkba")
        assert after == before


def test_unexpected_errors_show_a_traceback_only_with_mkba_debug(monkeypatch, capsys):
    from mkba.run import cli
    def boom(args):
        raise RuntimeError("stuk")

    monkeypatch.setitem(cli.COMMANDS, "validate", boom)
    monkeypatch.delenv("MKBA_DEBUG", raising=False)
    assert main(["validate", "x"]) == 1
    err = capsys.readouterr().err
    assert "onverwachte fout (RuntimeError: stuk)" in err and "Traceback" not in err
    monkeypatch.setenv("MKBA_DEBUG", "1")
    assert main(["validate", "x"]) == 1
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.slow
def test_evaluate_into_a_closed_pipe_is_quiet(tmp_path):
    """`mkba evaluate … | head`: no BrokenPipeError traceback, exit 0."""
    exe = Path(sys.executable).parent / "mkba"
    proc = subprocess.Popen([str(exe), "evaluate", str(EXAMPLE), "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "0"})
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away, like `head` after its lines
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_report_on_invalid_case_creates_nothing(tmp_path, capsys):
    bad = case_with(tmp_path, taken=[MINIMAL["taken"][0], ["T1", "x", "WK036330", "twee", "2022"]])
    out = tmp_path / "rapporten"
    assert main(["report", str(bad), "--wijk", "WK036330", "--out", str(out)]) == 2
    assert "taken.csv:2:startjaar" in capsys.readouterr().err
    assert not out.exists()


def test_dollar_signs_in_names_are_not_mathtext(tmp_path):
    """An actor `bewoners $\\nietbestaand{x}$ stichting` passes validate and draws as written."""
    from mkba import evaluate
    from mkba.base.html import figure_html
    from mkba.figures.plots import detached, plot_actors

    rows = [list(r) for r in MINIMAL["kosten"]]
    rows[1][2] = r"bewoners $\nietbestaand{x}$ stichting"
    result = evaluate(read_case(case_with(tmp_path, kosten=rows))).result("T1")
    with detached():
        ax = plot_actors(result)
    html = figure_html(ax)  # would raise ValueError from matplotlib's mathtext parser
    assert html.startswith('<div class="figuur-kader"><img')
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert r"bewoners $\nietbestaand{x}$ stichting" in labels


def test_utf16_csv_from_excel_is_read(tmp_path):
    """Excel's "Unicode-tekst" is UTF-16 with a BOM and tabs."""
    folder = tmp_path / "casus"
    kosten = [list(r) for r in MINIMAL["kosten"]]
    kosten[1][4] = "1.000,50"
    write_case(folder, kosten=kosten)
    for name in ("taken", "kosten"):
        text = (folder / f"{name}.csv").read_text(encoding="utf-8").replace(";", "\t")
        (folder / f"{name}.csv").write_bytes(text.encode("utf-16"))
    case = read_case(folder)
    assert case.kosten["bedrag"].tolist() == [1000.5]
    assert case.taken["naam"].tolist() == ["Buurthuis"]


def test_row_numbers_count_records_not_lines(tmp_path):
    """A quoted cell with a line break is one spreadsheet row."""
    folder = case_with(tmp_path)
    (folder / "kosten.csv").write_text(
        "taak_id;jaar;actor;post;bedrag\r\nT1;2019;gemeente;\"twee\r\nregels\";1\r\n"
        "T1;2019;gemeente;x;veel\r\n", encoding="utf-8")
    with pytest.raises(CaseError) as err:
        read_case(folder)
    assert [str(p) for p in err.value.problems] == ["kosten.csv:3:bedrag: 'veel' is geen getal"]


def test_terminal_escape_codes_are_printed_escaped(tmp_path, capsys):
    folder = case_with(tmp_path)
    rows = [list(r) for r in MINIMAL["kosten"]]
    rows[0].append("\x1b[2J\x1b]0;gekaapt\x07")  # an unknown column: its name is printed
    for r in rows[1:]:
        r.append("")
    write_case(folder, kosten=rows)
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J" in out


def _workbook(tmp_path, edit) -> Path:
    path = template_xlsx(tmp_path)
    wb = openpyxl.load_workbook(path)
    for name, rows in (("taken", MINIMAL["taken"]), ("kosten", MINIMAL["kosten"])):
        ws = wb[name]
        ws.delete_rows(1, ws.max_row)
        for row in rows:
            ws.append(row)
    edit(wb)
    out = tmp_path / "casus.xlsx"
    wb.save(out)
    return out


def test_second_sheet_for_a_table_is_an_error_not_a_silent_winner(tmp_path):
    def add_twin(wb):
        twin = wb.copy_worksheet(wb["kosten"])
        twin.title = "kosten "
        twin.sheet_state = "hidden"

    with pytest.raises(CaseError) as err:
        read_case(_workbook(tmp_path, add_twin))
    assert "casus.xlsx[kosten ]: tweede tabblad voor tabel kosten" in str(err.value)


def test_hidden_sheets_and_formulas_are_warned(tmp_path):
    def edit(wb):
        wb["effecten"].sheet_state = "hidden"
        wb["kosten"]["F2"] = "=500*2"  # hoeveelheid; openpyxl stores no cached value

    case = read_case(_workbook(tmp_path, edit))
    warnings = [str(w) for w in case.warnings]
    assert any("casus.xlsx[effecten]: tabblad is verborgen" in w for w in warnings)
    assert any("casus.xlsx[kosten]: tabblad bevat formules" in w for w in warnings)


def test_template_overwrites_only_when_asked(tmp_path, capsys):
    path = template_xlsx(tmp_path)
    path.write_bytes(b"ingevuld")
    assert main(["template", str(path)]) == 2
    assert path.read_bytes() == b"ingevuld"
    assert main(["template", str(path), "--overschrijf"]) == 0
    assert openpyxl.load_workbook(path).sheetnames[0] == "toelichting"


def test_monte_carlo_memory_is_bounded_and_chunks_change_nothing(monkeypatch):
    """Chunked draws give the same numbers; the working set follows MC_MEMORY_BYTES."""
    import tracemalloc

    import numpy as np

    from mkba import uncertainty
    from mkba.uncertainty import montecarlo
    case = read_case(EXAMPLE)
    whole = uncertainty.monte_carlo(case, "T1", draws=3000, seed=7)
    monkeypatch.setattr(montecarlo, "MC_MEMORY_BYTES", 2_000_000)
    tracemalloc.start()
    chunked = uncertainty.monte_carlo(case, "T1", draws=3000, seed=7)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    np.testing.assert_allclose(chunked.npv, whole.npv, rtol=1e-12)
    # lines of T1 × 3000 draws × 64 arrays would be far above this without chunks
    lines = len(uncertainty.Model(case, "T1").lines.q)
    assert 8 * 64 * lines * 3000 > 4 * 2_000_000
    assert peak < 4 * 2_000_000 + 64 * 3000 * 8 + 5_000_000


def test_cli_input_limits_are_documented():
    readme = documentation_text()
    for text in ("32.767 tekens", "1.000.000 regels", "100 MB", "1.000.000 trekkingen"):
        assert text in readme

