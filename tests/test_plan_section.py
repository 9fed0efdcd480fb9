"""The section "Plan en werkelijkheid" of the wijk report (issue 25): shown with a decision
version beside the case, empty without one, and a plain message with an unreadable one."""

from __future__ import annotations

import re
import shutil

import pytest

from mkba.analysis.compare import compare
from mkba.analysis.versions import plan_path
from mkba.report.reports import wijk_report
from mkba.report.sections.plan import signed

from .conftest import EXAMPLE


@pytest.fixture(scope="module")
def transvaal():
    return wijk_report("WK036330", str(EXAMPLE), effects=False, draws=200)


def test_the_section_shows_both_verdicts_the_waterfall_and_the_monitor(transvaal):
    html = transvaal.section_plan()._repr_html_()
    assert '<h2 id="plan-en-werkelijkheid">Plan en werkelijkheid</h2>' in html
    rec = compare(plan_path(EXAMPLE), EXAMPLE, task="T1", goals=False).task("T1")
    assert rec["verdict"] in html
    # the waterfall and the monitor, each with a text alternative naming its numbers
    assert html.count('class="figuur"') == 2
    assert "Watervalgrafiek van de NCW bij het besluit" in html
    assert "De NCW op elk bewaard moment" in html
    # the largest contribution's sentence, with its amount
    largest = max(rec["contributions"], key=lambda c: abs(c["amount"]))
    assert f"{signed(largest['amount'])} ({largest['kind']}): {largest['text']}" in html
    assert "Productie van doorgestroomde vrijwilligers" in html
    # targets and criteria: expected at the decision, measured now
    assert "Doelen: bij het besluit verwacht, nu gemeten" in html
    assert "nee (doel nu: ja)" in html  # 15.000 visitors expected, 12.600 measured, 12.000 now


def test_no_section_for_a_wijk_without_a_decision_version():
    r = wijk_report("WK036339", str(EXAMPLE), effects=False, draws=0)
    assert r.plan is None
    assert "Plan en werkelijkheid" not in r.section_plan()._repr_html_()


def test_an_unreadable_decision_version_is_said_and_the_report_still_made(tmp_path):
    case = tmp_path / "casus"
    shutil.copytree(EXAMPLE, case)
    kosten = case / "versies" / "2017-besluit" / "kosten.csv"
    kosten.write_text(kosten.read_text(encoding="utf-8").replace("42.000", "veel", 1),
                      encoding="utf-8")
    r = wijk_report("WK036330", str(case), effects=False, draws=0)
    html = r.section_plan()._repr_html_()
    assert "kon niet worden gelezen" in html and "kosten.csv" in html
    assert "Kosten en baten per taak" in r.section_mkba()._repr_html_()


def test_plan_path_names_another_decision_version(tmp_path):
    """--plan MAP: a version kept elsewhere (here: the interim evaluation as 'the plan')."""
    other = EXAMPLE / "versies" / "2021-tussenevaluatie"
    r = wijk_report("WK036330", str(EXAMPLE), effects=False, draws=0, plan_path=str(other))
    assert r.plan.label == "2021-tussenevaluatie"
    html = r.section_plan()._repr_html_()
    assert "(<bdi>2021-tussenevaluatie</bdi>)" in html  # a name from input is isolated
    assert re.search(r"De NCW op elk bewaard moment", html) is None  # no monitor with --plan


def test_report_with_a_missing_plan_exits_2_before_anything_is_made(tmp_path, capsys):
    from mkba.run.cli import main

    out = tmp_path / "rapporten"
    assert main(["report", str(EXAMPLE), "--wijk", "WK036330", "--out", str(out),
                 "--plan", str(tmp_path / "bestaat-niet")]) == 2
    assert "--plan" in capsys.readouterr().err and not out.exists()


def test_the_report_parameters_carry_the_plan_as_an_absolute_path():
    from mkba.report.render import report_parameters

    plan = EXAMPLE / "versies" / "2021-tussenevaluatie"
    assert report_parameters(plan_path=str(plan))["plan_path"] == str(plan.resolve())
    assert report_parameters()["plan_path"] is None
