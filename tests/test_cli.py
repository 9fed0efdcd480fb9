"""The command line: the contract users and scripts rely on."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from mkba import evaluate, read_case
from mkba.run.cli import main


@pytest.mark.slow
def test_evaluate_json_fields(example_case, capsys):
    assert main(["evaluate", str(example_case), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["parameters"]["discount_rate"] == 0.0225
    assert data["parameters"]["price_year"] == 2024
    entry = data["tasks"][0]
    for field in ("task_id", "variant", "pv_costs", "pv_benefits", "npv", "bc_ratio", "irr",
                  "payback_year", "by_actor", "pm", "financing", "warnings"):
        assert field in entry
    assert {"actor", "pv_costs", "pv_benefits", "npv"} <= set(entry["by_actor"][0])
    assert entry["financing"]["leverage"] is not None


@pytest.mark.slow
def test_evaluate_json_matches_package(example_case, capsys):
    main(["evaluate", str(example_case), "--format", "json", "--task", "T3",
          "--discount-rate", "0.04", "--price-year", "2022", "--base-year", "2020",
          "--horizon", "3"])
    data = json.loads(capsys.readouterr().out)
    res = evaluate(read_case(example_case), discount_rate=0.04, price_year=2022,
                   base_year=2020, horizon=3, task="T3").result("T3")
    assert [t["task_id"] for t in data["tasks"]] == ["T3"]
    assert data["tasks"][0]["npv"] == pytest.approx(res.npv)
    assert data["tasks"][0]["end_year"] == 2021


@pytest.mark.slow
def test_evaluate_table_is_dutch(example_case, capsys):
    assert main(["evaluate", str(example_case), "--task", "T1"]) == 0
    out = capsys.readouterr().out
    assert "Netto contante waarde (NCW)" in out
    assert "prijspeil 2024, discontovoet 2,25 %" in out
    assert "Niet in geld uitgedrukt (PM-posten):" in out
    assert "++  Minder eenzaamheid bij ouderen" in out
    assert "€ " in out
    assert not re.search(r"\bnan\b|<NA>|None", out, flags=re.IGNORECASE)


@pytest.mark.slow
def test_template_command(tmp_path, capsys):
    out = tmp_path / "sub" / "casus.xlsx"
    assert main(["template", str(out)]) == 0
    assert openpyxl.load_workbook(out).sheetnames[0] == "toelichting"
    assert main(["template", str(tmp_path / "casus.csv")]) == 2


def test_usage_errors_are_dutch(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate"])
    assert exit_.value.code == 2
    assert "deze argumenten ontbreken: CASUS" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", "x", "--format", "pdf"])
    assert "ongeldige keuze" in capsys.readouterr().err


def test_help_is_dutch(capsys):
    with pytest.raises(SystemExit):
        main(["evaluate", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("gebruik: mkba evaluate")
    assert re.search(r"Voorbeelden?:", out) and "discontovoet" in out


@pytest.mark.slow
def test_console_script(example_case):
    """The installed entry point, as a user runs it."""
    exe = shutil.which("mkba", path=str(Path(sys.executable).parent))
    assert exe, "mkba console script not installed"
    done = subprocess.run([exe, "validate", str(example_case)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("In orde")


# --------------------------------------------------------------------------- issue 21

@pytest.mark.parametrize("argv_extra", [[], ["--scenario", "x.json"]])
def test_report_with_a_mistyped_wijk_exits_2_naming_the_closest(example_case, tmp_path, capsys,
                                                                argv_extra):
    """`mkba report … --wijk WK063330` (two digits swapped) wrote an empty report with exit 0:
    now exit 2, the closest wijken of the case by code and name, and nothing written."""
    out = tmp_path / "r"
    argv = ["report", str(example_case), "--wijk", "WK063330", "--out", str(out)]
    if argv_extra:
        scenario = tmp_path / "x.json"
        scenario.write_text('{"naam": "x", "parameters": {}}', encoding="utf-8")
        argv += ["--scenario", str(scenario)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--wijk: WK063330 staat niet in de casus en niet in de CBS-cijfers; bedoelt u " \
           "WK036330 (Transvaalbuurt)" in err
    assert not out.exists()


def test_batch_with_a_mistyped_wijk_exits_2(example_case, tmp_path, capsys):
    out = tmp_path / "b"
    assert main(["batch", str(example_case), "--out", str(out), "--wijk", "WK036339",
                 "--wijk", "WK999999", "--no-progress"]) == 2
    assert "WK999999 staat niet in de casus" in capsys.readouterr().err
    assert not list(out.glob("*.html"))


def test_evaluate_one_variant(example_case, capsys):
    """`mkba evaluate --variant NAAM`: only that variant, of the tasks that have it; the figures
    are those of the same task and variant in the full evaluation."""
    assert main(["evaluate", str(example_case), "--format", "json"]) == 0
    full = {(t["task_id"], t["variant"]): t for t in json.loads(capsys.readouterr().out)["tasks"]}
    assert main(["evaluate", str(example_case), "--format", "json",
                 "--variant", "Klassiek aanbesteden"]) == 0
    only = json.loads(capsys.readouterr().out)["tasks"]
    assert [(t["task_id"], t["variant"]) for t in only] == [("T2", "klassiek_aanbesteden")]
    for key in ("npv", "pv_costs", "pv_benefits", "by_actor"):
        assert only[0][key] == full[("T2", "klassiek_aanbesteden")][key]
    assert main(["evaluate", str(example_case), "--variant", "maatschappelijk_aanbesteden",
                 "--taak", "T2"]) == 0
    text = capsys.readouterr().out
    assert "variant maatschappelijk_aanbesteden" in text and "klassiek" not in text


def test_evaluate_unknown_variant_names_the_closest(example_case, capsys):
    assert main(["evaluate", str(example_case), "--variant", "klasiek"]) == 2
    err = capsys.readouterr().err
    assert "--variant 'klasiek': geen taak heeft deze variant; bedoelt u klassiek_aanbesteden" \
        in err
