"""The evaluation session: live controls, scenario round trip, non-interactive run."""

from __future__ import annotations

import json

import pytest

from mkba import evaluate, read_case
from mkba.cli import main
from mkba.reports import NOTEBOOK_DIR
from mkba.session import Session
from mkba.uncertainty import load_scenario

from .conftest import EXAMPLE

VARIANT = "maatschappelijk_aanbesteden"


def test_changing_an_assumption_changes_the_result():
    s = Session(EXAMPLE, "T2", VARIANT)
    before = s.result()
    base = evaluate(read_case(EXAMPLE)).result("T2", VARIANT)
    assert before.npv == pytest.approx(base.npv)
    s.set("T2/Minder vernielingen in het park/hoeveelheid", 8.0)
    after = s.result()
    # 2 more incidents a year avoided (2019–2025), each worth the vandalism kengetal
    # (8,809 in 2022 prices) × (1 − 0.3) × (1 − 0.4): the benefit grows by a third of the line
    line = base.waterfall().set_index("step").loc["baten: Minder vernielingen in het park",
                                                  "amount"]
    assert after.pv_benefits - before.pv_benefits == pytest.approx(line * 2 / 6)
    s.set("volunteer_valuation", "nul")
    zero = s.result().by_actor().set_index("actor")
    assert zero.loc["bewoners", "pv_costs"] == 0


def test_saved_scenario_round_trips_to_the_command_line(tmp_path, capsys):
    s = Session(EXAMPLE, "T2", VARIANT, scenario_dir=tmp_path)
    s.set("vervangingskosten_uur", 12.5)
    s.set("discount_rate", 0.03)
    s.set("optimisme_kosten", 0.1)
    path = s.save("partners 22-11")
    assert path.name == "partners_22-11.json" and path.exists()
    back = load_scenario(path)
    assert back.values["vervangingskosten_uur"] == 12.5
    assert back.parameters["discount_rate"] == 0.03
    assert main(["evaluate", str(EXAMPLE), "--task", "T2", "--scenario", str(path),
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    entry = next(t for t in data["tasks"] if t["variant"] == VARIANT)
    assert entry["npv"] == pytest.approx(s.result().npv)
    assert data["parameters"]["discount_rate"] == 0.03


def test_widget_recomputes_on_a_slider_change(tmp_path):
    s = Session(EXAMPLE, "T2", VARIANT, scenario_dir=tmp_path)
    box = s.widget()
    sliders = [c for c in box.children if c.__class__.__name__ == "FloatSlider"]
    target = next(c for c in sliders if c.description.endswith("/hoeveelheid"))
    npv_before = s.result().npv
    target.value = target.max
    assert s.values[target.description] == target.max
    assert s.result().npv > npv_before
    button = next(c for c in box.children if c.__class__.__name__ == "HBox").children[1]
    button.click()
    assert (tmp_path / "sessie.json").exists()


def test_unknown_assumption_is_refused():
    from mkba import CaseError

    s = Session(EXAMPLE, "T2", VARIANT)
    with pytest.raises(CaseError, match="onbekende aanname"):
        s.set("bestaat_niet", 1)
    with pytest.raises(CaseError, match="geen variant"):
        Session(EXAMPLE, "T2", "bestaat_niet")

# the session notebook is executed in tests/test_notebook_figures.py (figures, text)
