"""One Settings object through every path; range checks; strict JSON (issues 13 and 15.5).

The figures are checked against a hand calculation on a small case whose amounts are all in
the price year 2019 (so no CPI factor enters): a renovation of € 1.000 and 100 volunteer
hours at € 18,80 in 2019; a benefit of 10 × € 50 × (1 − 0,1) = € 450 a year, 2019–2022.
"""

from __future__ import annotations

import json
import math

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mkba.base.errors import CaseError
from mkba.base.jsonout import dumps, none_if_missing, plain
from mkba.base.settings import REPORT_FIELDS, Settings
from mkba.report.render import notebook_headline, report_parameters
from mkba.run.cli import main

from .conftest import MINIMAL, write_case

HOURS, WAGE, RENOVATION, YEARLY = 100, 18.80, 1000.0, 10 * 50 * (1 - 0.1)
WIJK = "WK036330"


def hand_npv(rate: float, volunteers: bool) -> float:
    """NPV by hand: base year 2019 = startjaar, four benefit years, costs in 2019."""
    benefits = sum(YEARLY / (1 + rate) ** t for t in range(4))
    costs = RENOVATION + (HOURS * WAGE if volunteers else 0.0)
    return benefits - costs


@pytest.fixture
def case(tmp_path):
    kosten = [["taak_id", "jaar", "actor", "post", "soort", "bedrag", "hoeveelheid", "kengetal",
               "prijsjaar"],
              ["T1", "2019", "gemeente", "Verbouwing", "investering", "1.000", "", "", "2019"],
              ["T1", "2019", "bewoners", "Vrijwilligers", "vrijwilligersinzet", "", "100", "uur",
               ""]]
    kengetallen = [MINIMAL["kengetallen"][0],
                   ["uur", "Vervangingskosten per uur", "18,80", "uur", "2019", "test"]]
    return write_case(tmp_path / "casus", kosten=kosten, kengetallen=kengetallen)


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"naam": "sessie", "parameters": {
        "discount_rate": 0.01, "volunteer_valuation": "vervangingskosten"}, "waarden": {}}),
        encoding="utf-8")
    return path


def evaluate_json(capsys, *argv) -> dict:
    assert main(["evaluate", *map(str, argv), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


# --------------------------------------------------------------------------------------
# precedence: defaults < scenario < what the user gives


class TestPrecedence:
    def test_hand_calculation_defaults(self, case, capsys):
        data = evaluate_json(capsys, case, "--price-year", "2019")
        assert data["parameters"]["discount_rate"] == 0.0225
        assert data["tasks"][0]["npv"] == pytest.approx(hand_npv(0.0225, True), abs=1e-6)

    def test_scenario_fills_what_was_not_given(self, case, scenario, capsys):
        data = evaluate_json(capsys, case, "--price-year", "2019", "--scenario", scenario)
        assert data["parameters"]["discount_rate"] == 0.01
        assert data["tasks"][0]["npv"] == pytest.approx(hand_npv(0.01, True), abs=1e-6)

    def test_explicit_value_beats_the_scenario_even_when_it_equals_the_default(
            self, case, scenario, capsys):
        data = evaluate_json(capsys, case, "--price-year", "2019", "--scenario", scenario,
                             "--discount-rate", "0.0225", "--volunteer-valuation", "nul")
        assert data["parameters"]["discount_rate"] == 0.0225
        assert data["parameters"]["volunteer_valuation"] == "nul"
        assert data["tasks"][0]["npv"] == pytest.approx(hand_npv(0.0225, False), abs=1e-6)

    @given(rate=st.floats(-0.05, 0.2), chosen=st.none() | st.floats(-0.05, 0.2),
           valuation=st.sampled_from(["vervangingskosten", "marktwaarde", "nul", None]))
    @settings(max_examples=60, deadline=None)
    def test_merge_rule(self, rate, chosen, valuation):
        merged = Settings(discount_rate=chosen, volunteer_valuation=valuation).merge(
            {"discount_rate": rate, "volunteer_valuation": "nul"}).evaluation()
        assert merged["discount_rate"] == (rate if chosen is None else chosen)
        assert merged["volunteer_valuation"] == ("nul" if valuation is None else valuation)
        assert Settings(discount_rate=chosen).evaluation()["discount_rate"] == (
            0.0225 if chosen is None else chosen)


# --------------------------------------------------------------------------------------
# evaluate, report and batch: the same settings, the same figures


ARGS = ["--price-year", "2019", "--discount-rate", "0.03", "--volunteer-valuation", "nul"]


def test_report_and_batch_pass_the_same_settings(case, scenario, tmp_path, monkeypatch):
    """The command line builds one Settings for report and batch (no notebook run here)."""
    import mkba.report.render
    import mkba.run.batch

    seen = {}

    def fake_render(wijk, out, case_path, **params):
        seen["report"] = params
        raise CaseError("gestopt")

    def fake_batch(case_path, out, **kw):
        seen["batch"] = {k: kw[k] for k in REPORT_FIELDS}
        raise CaseError("gestopt")

    monkeypatch.setattr(mkba.report.render, "render_report", fake_render)
    monkeypatch.setattr(mkba.run.batch, "batch", fake_batch)
    common = [*ARGS, "--scenario", str(scenario)]
    assert main(["report", str(case), "--wijk", WIJK, "--out", str(tmp_path / "r"),
                 *common]) == 2
    assert main(["batch", str(case), "--out", str(tmp_path / "b"), *common]) == 2
    expected = Settings(discount_rate=0.03, price_year=2019, volunteer_valuation="nul",
                        scenario=str(scenario)).to_report_parameters()
    assert seen["report"] == seen["batch"] == expected
    assert expected["base_year"] is None and expected["threshold"] == 10


@pytest.mark.slow
def test_evaluate_report_and_batch_give_the_same_figures(case, scenario, tmp_path, capsys):
    """Through the real notebook: explicit options beat the scenario on every path."""
    expected = hand_npv(0.03, False)
    data = evaluate_json(capsys, case, *ARGS, "--scenario", scenario)
    assert data["tasks"][0]["npv"] == pytest.approx(expected, abs=1e-6)

    out = tmp_path / "rapport"
    assert main(["report", str(case), "--wijk", WIJK, "--out", str(out), *ARGS,
                 "--scenario", str(scenario)]) == 0
    head = notebook_headline(nbformat.read(out / f"{WIJK}.ipynb", as_version=4))
    assert head["tasks"][0]["npv"] == pytest.approx(expected, abs=1e-6)

    out = tmp_path / "batch"
    assert main(["batch", str(case), "--out", str(out), "--workers", "1", "--no-progress",
                 *ARGS, "--scenario", str(scenario)]) == 0
    record = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert record["parameters"]["discount_rate"] == 0.03
    assert record["parameters"]["volunteer_valuation"] == "nul"
    assert record["wijken"][0]["tasks"][0]["npv"] == pytest.approx(expected, abs=1e-6)


# --------------------------------------------------------------------------------------
# the object itself


class TestSettingsObject:
    def test_frozen(self):
        with pytest.raises(AttributeError):
            Settings().discount_rate = 0.1  # type: ignore[misc]

    def test_report_parameters_round_trip(self, scenario):
        s = Settings(discount_rate=0.03, horizon=10, volunteer_valuation="marktwaarde",
                     market_value_code="x", threshold=5, scenario=str(scenario))
        params = s.to_report_parameters()
        assert list(params) == list(REPORT_FIELDS)
        assert Settings.from_report_parameters(**params) == s
        assert report_parameters(**params) == params
        assert s.to_dict()["horizon"] == 10 and s.to_dict()["draws"] == 0

    def test_unknown_report_parameter(self):
        with pytest.raises(CaseError, match="onbekende instelling"):
            Settings.from_report_parameters(discount_rat=0.03)

    def test_notebook_parameters_cell_is_the_settings(self):
        """The wijk report's parameters cell lists exactly the report fields with the
        defaults of Settings (so the notebook cannot drift from the package)."""
        import ast

        from mkba.base.assumptions import REPORT_NOTEBOOK

        nb = nbformat.read(REPORT_NOTEBOOK, as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        values = {n.target.id: ast.literal_eval(n.value) for n in ast.parse(cell.source).body}
        assert list(values)[2:] == list(REPORT_FIELDS)
        assert {k: values[k] for k in REPORT_FIELDS} == Settings().to_report_parameters()
        call = next(c for c in nb.cells if "wijk_report(" in c.source).source
        assert all(f"{k}={k}" in call for k in REPORT_FIELDS)

    def test_numpy_numbers_become_plain(self):
        import numpy as np

        s = Settings(discount_rate=np.float64(0.03), price_year=np.int64(2020)).validate()
        assert type(s.discount_rate) is float and type(s.price_year) is int


# --------------------------------------------------------------------------------------
# issue 15.5: range checks with Dutch messages and exit 2, strict JSON


@pytest.mark.parametrize("argv, message", [
    (["--base-year", "99999"], "basisjaar 99999 moet tussen 1900 en 2100 liggen"),
    (["--base-year", "-5"], "basisjaar -5 moet tussen 1900 en 2100 liggen"),
    (["--price-year", "3000"], "prijsjaar 3000 moet tussen 1900 en 2100 liggen"),
    (["--horizon", "201"], "horizon 201 moet tussen 1 en 200 jaar liggen"),
    (["--horizon", "100000000"], "horizon 100000000 moet tussen 1 en 200 jaar liggen"),
    (["--horizon", "0"], "horizon 0 moet tussen 1 en 200 jaar liggen"),
    (["--discount-rate", "-0.99"], "discontovoet -0,99 ligt buiten -5 % – 20 %"),
    (["--discount-rate", "2.25"], "discontovoet 2,25 ligt buiten -5 % – 20 %"),
    (["--discount-rate", "inf"], "discontovoet inf moet een eindig getal zijn"),
    (["--discount-rate", "nan"], "discontovoet nan moet een eindig getal zijn"),
])
def test_settings_out_of_range(minimal_case, capsys, argv, message):
    assert main(["evaluate", str(minimal_case), "--format", "json", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing half-written
    assert f"instellingen: {message}" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("argv, message", [
    (["evaluate", "CASE", "--monte-carlo", "-5"],
     "argument --monte-carlo/--simulaties: -5 moet minstens 0"),
    (["evaluate", "CASE", "--seed", "-1"], "argument --seed/--startgetal: -1 moet minstens 0"),
    (["effect", "CASE", "--indicator", "x", "--placebos", "-1"],
     "argument --placebos: -1 moet minstens 0"),
    (["effect", "CASE", "--indicator", "x", "--comparisons", "-5"],
     "argument --comparisons/--vergelijkingswijken: -5 moet minstens 1"),
    (["batch", "CASE", "--out", "OUT", "--workers", "-3"],
     "argument --workers/--werkers: -3 moet minstens 1"),
    (["batch", "CASE", "--out", "OUT", "--workers", "0"],
     "argument --workers/--werkers: 0 moet minstens 1"),
    (["report", "CASE", "--wijk", WIJK, "--out", "OUT", "--threshold", "-1"],
     "argument --threshold/--drempel: -1 moet minstens 0"),
])
def test_counts_out_of_range(minimal_case, tmp_path, capsys, argv, message):
    argv = [str(minimal_case) if a == "CASE" else str(tmp_path / "o") if a == "OUT" else a
            for a in argv]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def _scenario(tmp_path, text: str):
    path = tmp_path / "s.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, message", [
    ('{"waarden": {"uur": Infinity}}', "'uur': inf is geen eindig getal"),
    ('{"waarden": {"uur": 1e999}}', "'uur': inf is geen eindig getal"),
    ('{"waarden": {"uur": NaN}}', "'uur': nan is geen eindig getal"),
    ('{"waarden": {"T1/optimisme_baten": 5}}', "optimisme_baten 5 moet een fractie tussen 0 en 1"),
    ('{"waarden": {"T1/Ontmoeting/deadweight": -0.2}}',
     "deadweight -0.2 moet een fractie tussen 0 en 1"),
    ('{"waarden": {"discontovoet": -0.99}}', "discontovoet -0,99 ligt buiten -5 % – 20 %"),
    ('{"parameters": {"discount_rate": -0.99}}', "discontovoet -0,99 ligt buiten -5 % – 20 %"),
    ('{"parameters": {"discount_rate": "0.03"}}', "discontovoet '0.03' moet een eindig getal"),
    ('{"parameters": {"discount_rate": null}, "waarden": {"uur": true}}', "'uur': True is geen getal"),
    ('{"parameters": {"volunteer_valuation": "gratis"}}', "waardering vrijwilligersuren 'gratis'"),
    ('{"waarden": {"uur": -3}}', "kengetal -3 kan niet negatief zijn"),
    ('{"waarden": {"T1/Verbouwing/factor": 1e300}}', "is groter dan het maximum"),
])
@pytest.mark.parametrize("command", ["evaluate", "report", "batch"])
def test_absurd_scenario_values(minimal_case, tmp_path, capsys, text, message, command):
    path = _scenario(tmp_path, text)
    out = tmp_path / "uit"
    argv = {"evaluate": ["evaluate", str(minimal_case), "--format", "json"],
            "report": ["report", str(minimal_case), "--wijk", WIJK, "--out", str(out)],
            "batch": ["batch", str(minimal_case), "--out", str(out)]}[command]
    assert main([*argv, "--scenario", str(path)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert captured.out == "" and not out.exists()


def test_308_digit_amount_is_rejected(tmp_path, capsys):
    kosten = [r[:] for r in MINIMAL["kosten"]]
    kosten[1][4] = "9" * 308  # 10^308: finite as a float, infinite once indexed to prices
    case = write_case(tmp_path / "c", kosten=kosten)
    assert main(["evaluate", str(case), "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert "kosten.csv:2:bedrag: '99999999999999999999… (308 tekens)' is te groot" \
        in captured.err
    assert captured.out == ""


def test_amount_just_below_the_cap_is_accepted(tmp_path, capsys):
    kosten = [r[:] for r in MINIMAL["kosten"]]
    kosten[1][4] = "1.000.000.000.000"  # exactly 10^12 is allowed
    case = write_case(tmp_path / "c", kosten=kosten)
    data = evaluate_json(capsys, case, "--price-year", "2019")
    assert data["tasks"][0]["pv_costs"] == 1e12


class TestStrictJson:
    def test_dumps_never_writes_nan_or_infinity(self):
        text = dumps({"a": float("nan"), "b": [float("inf"), -float("inf")], "c": 1.5})
        assert json.loads(text) == {"a": None, "b": [None, None], "c": 1.5}
        assert "NaN" not in text and "Infinity" not in text

    @given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
                        lambda kids: st.lists(kids, max_size=3)
                        | st.dictionaries(st.text(max_size=3), kids, max_size=3), max_leaves=20))
    @settings(max_examples=200, deadline=None)
    def test_any_structure_gives_strict_json(self, value):
        text = dumps(value)
        back = json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))
        assert back == json.loads(json.dumps(plain(value)))

    def test_none_if_missing(self):
        import numpy as np
        import pandas as pd

        assert none_if_missing(np.float64("nan")) is None
        assert none_if_missing(pd.NaT) is None
        assert none_if_missing(np.int64(7)) == 7 and type(none_if_missing(np.int64(7))) is int
        assert none_if_missing(True) is True

    @pytest.mark.slow
    def test_evaluate_json_is_strict(self, example_case, capsys):
        """T3 of the example has no IRR, T1 sensitivity rows without a switching value (NaN
        inside): the JSON says null, never a bare NaN."""
        assert main(["evaluate", str(example_case), "--format", "json", "--monte-carlo",
                     "200"]) == 0
        text = capsys.readouterr().out
        data = json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))
        by_task = {t["task_id"]: t for t in data["tasks"]}
        assert by_task["T3"]["irr"] is None
        assert any(s["switching_value"] is None for s in by_task["T1"]["sensitivity"])
        assert all(math.isfinite(t["npv"]) for t in data["tasks"])


class TestEvaluateTakesSettings:
    """mkba.evaluate(case, settings=...) is the same computation as the separate arguments."""

    def test_same_figures_as_separate_arguments(self, example_case):
        from mkba import evaluate, read_case
        from mkba.base.settings import Settings

        case = read_case(example_case)
        # marktwaarde with another kengetal as the market price, so that the code is used
        chosen = dict(discount_rate=0.03, volunteer_valuation="marktwaarde", horizon=15,
                      price_year=2022, peiljaar=2021, market_value_code="productiviteit_uur",
                      base_year=2019)
        def npvs(ev):
            return [(r.task_id, r.variant, r.npv) for r in ev.results()]

        via_settings = npvs(evaluate(case, settings=Settings(**chosen)))
        assert via_settings == npvs(evaluate(case, **chosen))
        assert via_settings != npvs(evaluate(case))  # the settings took effect

    def test_settings_and_an_argument_together_are_refused(self, example_case):
        from mkba import CaseError, evaluate, read_case
        from mkba.base.settings import Settings

        case = read_case(example_case)
        with pytest.raises(CaseError, match="niet allebei.*discount_rate"):
            evaluate(case, discount_rate=0.04, settings=Settings(discount_rate=0.03))
        # also when the separate value equals the default: it was given, so it is not dropped
        with pytest.raises(CaseError, match="niet allebei.*volunteer_valuation"):
            evaluate(case, volunteer_valuation="vervangingskosten",
                     settings=Settings(volunteer_valuation="nul"))
        with pytest.raises(CaseError, match="niet allebei.*discount_rate"):
            evaluate(case, discount_rate=0.0225, settings=Settings(discount_rate=0.03))
        with pytest.raises(CaseError, match="horizon -1"):
            evaluate(case, settings=Settings(horizon=-1))

    def test_a_scenario_is_not_silently_dropped(self, example_case, tmp_path):
        from mkba import CaseError, evaluate, read_case
        from mkba.base.settings import Settings

        scenario = tmp_path / "s.json"
        scenario.write_text('{"naam": "s", "waarden": {}}', encoding="utf-8")
        with pytest.raises(CaseError, match="geen scenario"):
            evaluate(read_case(example_case), settings=Settings(scenario=str(scenario)))
