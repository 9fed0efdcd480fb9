"""The evaluation session: live controls, scenario round trip, non-interactive run."""

from __future__ import annotations

import json

import pytest

from mkba import evaluate, read_case
from mkba.report.reports import NOTEBOOK_DIR
from mkba.report.session import Session
from mkba.run.cli import main
from mkba.uncertainty import load_scenario

from .conftest import EXAMPLE, documentation_text

VARIANT = "maatschappelijk_aanbesteden"


@pytest.mark.slow
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


@pytest.mark.slow
def test_saved_scenario_round_trips_to_the_command_line(tmp_path, capsys):
    s = Session(EXAMPLE, "T2", VARIANT, scenario_dir=tmp_path)
    s.set("T2/Vergoeding bewonerscollectief/factor", 1.2)
    s.set("discount_rate", 0.03)
    s.set("optimisme_kosten", 0.1)
    path = s.save("partners 22-11")
    assert path.name == "partners_22-11.json" and path.exists()
    back = load_scenario(path)
    assert back.values["T2/Vergoeding bewonerscollectief/factor"] == 1.2
    assert back.parameters["discount_rate"] == 0.03
    assert main(["evaluate", str(EXAMPLE), "--task", "T2", "--scenario", str(path),
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    entry = next(t for t in data["tasks"] if t["variant"] == VARIANT)
    assert entry["npv"] == pytest.approx(s.result().npv)
    assert data["parameters"]["discount_rate"] == 0.03


@pytest.mark.slow
def test_widget_recomputes_on_a_slider_change(tmp_path):
    s = Session(EXAMPLE, "T2", VARIANT, scenario_dir=tmp_path)
    s.widget()
    name = "T2/Minder vernielingen in het park/hoeveelheid"
    target = s.sliders[name]
    npv_before = s.result().npv
    target.value = target.max
    assert s.values[name] == target.max
    assert s.result().npv > npv_before
    s.save_button.click()
    assert (tmp_path / "sessie.json").exists()


def test_unknown_assumption_is_refused():
    from mkba import CaseError

    s = Session(EXAMPLE, "T2", VARIANT)
    with pytest.raises(CaseError, match="onbekende aanname"):
        s.set("bestaat_niet", 1)
    with pytest.raises(CaseError, match="geen variant"):
        Session(EXAMPLE, "T2", "bestaat_niet")

# the session notebook is executed in tests/test_notebook_figures.py (figures, text)


class TestNamesAndFormats:
    """Sliders carry the partners' words and Dutch numbers, and only what matters."""

    @pytest.mark.slow
    def test_only_assumptions_that_affect_the_task_and_variant(self):
        # from the example case (ranges in bandbreedtes.csv and kengetallen.csv): in T2
        # 'maatschappelijk aanbesteden' the vandalism effect and the collective's fee belong to
        # this variant; the hovenier's contract belongs to 'klassiek aanbesteden'; the ranged
        # kengetallen bijles_student_uur (T3) and bijstand_jaar (T1) are other tasks'
        names = {i.name for i in Session(EXAMPLE, "T2", VARIANT).inputs}
        assert names == {"T2/Minder vernielingen in het park/hoeveelheid",
                         "T2/Vergoeding bewonerscollectief/factor"}
        klassiek = {i.name for i in Session(EXAMPLE, "T2", "klassiek_aanbesteden").inputs}
        assert klassiek == {"T2/Contract hovenier/factor"}
        # T1 uses bijstand_jaar (its bijstand line), not T3's bijles_student_uur
        t1 = {i.name for i in Session(EXAMPLE, "T1", None).inputs}
        assert "bijstand_jaar" in t1 and "bijles_student_uur" not in t1

    def test_dutch_labels(self):
        s = Session(EXAMPLE, "T2", VARIANT)
        assert s.label("vervangingskosten_uur") == (
            "Vervangingskosten per uur onbetaalde arbeid (vrijwilligerswerk) (€ per uur)")
        assert s.label("T2/Minder vernielingen in het park/hoeveelheid") == (
            "Minder vernielingen in het park: aantal per jaar")
        assert s.label("T2/Vergoeding bewonerscollectief/factor") == (
            "Vergoeding bewonerscollectief: factor op de kosten")
        assert s.label("discount_rate") == "discontovoet (reëel)"

    def test_dutch_formats(self):
        s = Session(EXAMPLE, "T1", None)
        assert s.shown("bijstand_jaar", 15000) == "€ 15.000"
        assert s.shown("vervangingskosten_uur", 18.8) == "€ 18,80"
        assert s.shown("discount_rate", 0.0225) == "2,25 %"
        assert s.shown("optimisme_kosten", 0.1) == "10 %"
        assert s.shown("T1/Minder bijstand door doorstroom van vrijwilligers naar werk/"
                       "deadweight", 0.5) == "50 %"

    def test_slider_readout_follows_the_slider(self, tmp_path):
        import ipywidgets as w

        s = Session(EXAMPLE, "T2", VARIANT, scenario_dir=tmp_path)
        box = s.widget()
        slider = s.sliders["discount_rate"]
        slider.value = 0.04

        def labels(widget):
            if isinstance(widget, w.Label):
                yield widget.value
            for child in getattr(widget, "children", ()):
                yield from labels(child)

        assert "4,00 %" in list(labels(box))
        assert s.discount_rate == 0.04

    def test_result_tables_in_dutch(self):
        from mkba.uncertainty import compare_variants, sensitivity

        s = Session(EXAMPLE, "T2", VARIANT)
        sens = sensitivity(s.case, "T2", VARIANT)
        html = s.sensitivity_table(sens)._repr_html_()
        assert "NCW bij laag" in html and "switching_value" not in html
        assert "Minder vernielingen in het park: aantal per jaar" in html
        assert "€\u00a0" in html and "npv_low" not in html
        cv = compare_variants(s.case, "T2", draws=200, seed=1)
        html = s.variants_table(cv)._repr_html_()
        assert "klassiek aanbesteden" in html and "klassiek_aanbesteden" not in html
        assert "kans NCW &gt; 0" in html


def test_saved_scenario_is_found_by_the_printed_command(monkeypatch, capsys):
    """The notebook saves into notebooks/scenarios/ (next to it); the message prints a command
    that works from the project folder, as the README says."""
    import os

    from mkba.report.session import PROJECT_ROOT

    readme = documentation_text()
    assert "notebooks/scenarios/NAAM.json" in readme
    assert "notebooks/scenarios/" in (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8")
    s = Session(EXAMPLE, "T2", VARIANT, scenario_dir=NOTEBOOK_DIR / "scenarios")
    s.set("discount_rate", 0.031)
    path = s.save(f"test-{os.getpid()}")
    try:
        command = s.command(path)
        assert f"--scenario notebooks/scenarios/test-{os.getpid()}.json" in command
        assert command.startswith("mkba evaluate data/voorbeeld --task T2")
        monkeypatch.chdir(PROJECT_ROOT)
        assert main(command.split()[1:] + ["--format", "json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["parameters"]["discount_rate"] == 0.031
    finally:
        path.unlink()


class TestTheAnalystsNotebook:
    """Issue 24: the session notebook is the analyst's version; what partners saw wrong in
    it under Voilà is fixed here too."""

    def test_opens_on_the_variant_the_case_designates(self):
        assert Session(EXAMPLE, "T2").variant == VARIANT  # was klassiek_aanbesteden

    def test_no_command_lines_in_the_intro_and_no_second_live_looking_npv(self):
        import nbformat

        nb = nbformat.read(NOTEBOOK_DIR / "evaluatiesessie.ipynb", as_version=4)
        intro = nb.cells[0].source
        assert "mkba " not in intro and "`" not in intro
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "sessie.view()" not in code  # the stale copy of the live result is gone
        assert "sessie.reference_view()" in code
        assert "seed=0" in code and "seed=1" not in code  # the report's seed

    def test_the_reference_block_is_the_case_and_does_not_follow_the_sliders(self):
        s = Session(EXAMPLE, "T2")
        before = s.reference_view()._repr_html_()
        s.set("T2/Minder vernielingen in het park/hoeveelheid", 2.0)
        assert s.reference_view()._repr_html_() == before
        assert "De casus zoals ingediend" in before
        assert s.view()._repr_html_() != s.reference_view()._repr_html_()
