"""Plan and realisation (issue 25): `mkba.analysis.compare` and `mkba vergelijk`.

The hand-worked pair below has its numbers written out; the property test walks generated
pairs of cases (built from DataFrames) and checks that the contributions add up to the
difference and that the walk explains everything (no "overige verschillen").
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkba.analysis.compare import KINDS, compare
from mkba.analysis.monitor import monitor
from mkba.analysis.versions import case_versions, plan_path
from mkba.base.assumptions import DATA_DIR
from mkba.base.settings import Settings
from mkba.case.read import read_case
from mkba.engine.cba import evaluate
from mkba.run.cli import main
from mkba.uncertainty import monte_carlo

from .conftest import write_case

TASK = ["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"]
COSTS = ["taak_id", "jaar", "actor", "post", "soort", "bedrag", "hoeveelheid", "kengetal",
         "prijsjaar"]
EFFECTS = ["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
           "waarde_per_eenheid", "kengetal", "deadweight", "prijsjaar"]
KENGETAL = ["code", "omschrijving", "waarde", "eenheid", "prijsjaar", "bron"]

#: No CPI indexation (every amount is in prijsjaar 2024, the price year), 10 % discounting,
#: and no forecast years (optimism would not apply anyway: none is set).
HAND = Settings(discount_rate=0.10, peiljaar=2030, price_year=2024)


def _tables(costs, effects, task=("T1", "Buurthuis", "WK036330", "2020", "2022"),
            kengetallen=(("uur", "Uur", "20", "uur", "2024", "illustratief"),)):
    return {"taken": [TASK, list(task)], "kosten": [COSTS, *map(list, costs)],
            "effecten": [EFFECTS, *map(list, effects)],
            "kengetallen": [KENGETAL, *map(list, kengetallen)]}


def _frames(tables):
    return {name: pd.DataFrame(rows[1:], columns=rows[0]) for name, rows in tables.items()}


BEFORE = _tables(
    costs=[("T1", "2020", "gemeente", "Verbouwing", "investering", "1000", "", "", "2024"),
           ("T1", "2020", "stichting", "Exploitatie", "exploitatie", "100", "", "", "2024"),
           ("T1", "2021", "stichting", "Exploitatie", "exploitatie", "100", "", "", "2024"),
           ("T1", "2022", "stichting", "Exploitatie", "exploitatie", "100", "", "", "2024")],
    effects=[("T1", "Bezoeken", "bewoners", "2020", "2022", "10", "5", "", "0,2", "2024"),
             ("T1", "Oud effect", "bewoners", "2021", "2021", "1", "50", "", "", "2024")])
AFTER = _tables(
    costs=[("T1", "2021", "gemeente", "Verbouwing", "investering", "1100", "", "", "2024"),
           ("T1", "2020", "stichting", "Exploitatie", "exploitatie", "120", "", "", "2024"),
           ("T1", "2021", "stichting", "Exploitatie", "exploitatie", "120", "", "", "2024"),
           ("T1", "2022", "stichting", "Exploitatie", "exploitatie", "100", "", "", "2024")],
    effects=[("T1", "Bezoeken", "bewoners", "2020", "2022", "8", "5", "", "0,25", "2024"),
             ("T1", "Nieuw effect", "bewoners", "2022", "2022", "2", "30", "", "", "2024")])


@pytest.fixture(scope="module")
def result():
    return compare(read_case(_frames(BEFORE)), read_case(_frames(AFTER)), HAND, goals=False)


class TestHandWorkedPair:
    """Discount factors 1, 1/1,1 and 1/1,21 for 2020–2022 (base year 2020, r = 10 %)."""

    S = 1 + 1 / 1.1 + 1 / 1.21  # the three years together

    def test_npv_before_and_after_by_hand(self, result):
        rec = result.task("T1")
        # before: costs 1.000 + 100 per year; benefits 10 × 5 × (1 − 0,2) = 40 per year + 50 in 2021
        before = 40 * self.S + 50 / 1.1 - 1000 - 100 * self.S
        # after: 1.100 in 2021; 120, 120, 100; benefits 8 × 5 × 0,75 = 30 per year + 2 × 30 in 2022
        after = (30 * self.S + 60 / 1.21) - (1100 / 1.1 + 120 + 120 / 1.1 + 100 / 1.21)
        assert rec["npv_before"] == pytest.approx(before, abs=1e-9)
        assert rec["npv_after"] == pytest.approx(after, abs=1e-9)
        assert rec["difference"] == pytest.approx(after - before, abs=1e-9)
        assert rec["pv_costs"]["difference"] == pytest.approx(20 + 20 / 1.1, abs=1e-9)

    def test_each_contribution_by_hand(self, result):
        got = [(c["line"], c["kind"], c["amount"]) for c in result.task("T1")["contributions"]]
        expected = [
            # the renovation moves from 2020 to 2021 (at the old 1.000): 1.000 − 1.000/1,1
            ("T1/project/Verbouwing", "timing", 1000 - 1000 / 1.1),
            # ... and costs 100 more, in 2021
            ("T1/project/Verbouwing", "prijs", -100 / 1.1),
            # exploitation 20 more in 2020 and 2021
            ("T1/project/Exploitatie", "prijs", -(20 + 20 / 1.1)),
            # visits 8 instead of 10, at the old deadweight: −2 × 5 × 0,8 per year
            ("T1/project/Bezoeken", "hoeveelheid", -8 * self.S),
            # deadweight 25 % instead of 20 %, at the new quantity: 8 × 5 × −0,05 per year
            ("T1/project/Bezoeken", "aanname", -2 * self.S),
            ("T1/project/Nieuw effect", "nieuw", 60 / 1.21),
            ("T1/project/Oud effect", "vervallen", -50 / 1.1),
        ]
        assert [(line, kind) for line, kind, _ in got] == [(line, kind) for line, kind, _ in
                                                            expected]
        for (_, _, amount), (_, _, hand) in zip(got, expected, strict=True):
            assert amount == pytest.approx(hand, abs=1e-9)

    def test_contributions_add_up_exactly(self, result):
        rec = result.task("T1")
        total = math.fsum(c["amount"] for c in rec["contributions"])
        assert total == pytest.approx(rec["difference"], abs=1e-9)

    def test_texts_say_what_changed(self, result):
        texts = [c["text"] for c in result.task("T1")["contributions"]]
        assert texts[0] == "Verbouwing (gemeente): 2021 in plaats van 2020"
        assert texts[1] == "Verbouwing (gemeente): 2021 samen € 100 hoger dan bij het besluit"
        assert texts[2] == "Exploitatie (stichting): 2020–2021 samen € 40 hoger dan bij het besluit"
        assert texts[3] == "Bezoeken (bewoners): 8 per jaar in plaats van 10"
        assert texts[4] == "Bezoeken (bewoners): deadweight 25 % in plaats van 20 %"
        assert texts[5] == "Nieuw sinds het besluit: Nieuw effect (bewoners), 2022"
        assert texts[6] == "Vervallen sinds het besluit: Oud effect (bewoners), 2021"

    def test_waterfall_runs_from_before_to_after(self, result):
        w = result.waterfall("T1", "project", largest=3)
        rec = result.task("T1")
        assert w["step"].iloc[0] == "NCW bij het besluit"
        assert w["step"].iloc[-2] == "overige 4 verschillen"
        assert w["cumulative"].iloc[-2] == pytest.approx(rec["npv_after"], abs=1e-9)
        assert w["amount"].iloc[-1] == rec["npv_after"]


def test_kengetal_and_task_steps_by_hand():
    """A kengetal that rises (20 → 25 per hour) and a task that runs one year longer."""
    before = _tables(
        costs=[("T1", y, "vrijwilligers", "Inzet", "vrijwilligersinzet", "", "10", "uur", "")
               for y in ("2020", "2021", "2022")], effects=[])
    after = _tables(
        costs=[("T1", y, "vrijwilligers", "Inzet", "vrijwilligersinzet", "", "10", "uur", "")
               for y in ("2020", "2021", "2022", "2023")], effects=[],
        task=("T1", "Buurthuis", "WK036330", "2020", "2023"),
        kengetallen=(("uur", "Uur", "25", "uur", "2024", "illustratief"),))
    # price year 2024 = the kengetal's: no indexation
    s = Settings(discount_rate=0.10, peiljaar=2030, price_year=2024)
    rec = compare(read_case(_frames(before)), read_case(_frames(after)), s, goals=False).task("T1")
    got = [(c["line"], c["kind"], c["amount"]) for c in rec["contributions"]]
    three = 1 + 1 / 1.1 + 1 / 1.21
    # the longer period comes first and changes nothing on its own (there is no 2023 row yet),
    # so it has no contribution; then the kengetal: 10 hours × 5 more per hour in 2020–2022;
    # then the 2023 row (a year added to the post) at 25 per hour
    assert [g[:2] for g in got] == [("T1/project/kengetal uur", "prijs"),
                                    ("T1/project/Inzet", "timing")]
    assert got[0][2] == pytest.approx(-10 * 5 * three, abs=1e-9)
    assert got[1][2] == pytest.approx(-10 * 25 / 1.331, abs=1e-9)
    assert rec["contributions"][1]["text"] == "Inzet (vrijwilligers): nu ook in 2023"


# ---------------------------------------------------------------------------------------------
# generated pairs

COST_POSTS = {"Huur": "exploitatie", "Inrichting": "investering", "Inzet": "vrijwilligersinzet"}
EFFECT_NAMES = ["Bezoeken", "Werk", "Minder vernielingen"]
FRACTIONS = ["", "0,1", "0,5"]
PROP_COSTS = [*COSTS, "optimisme", "variant"]
PROP_EFFECTS = [*EFFECTS, "attributie", "afname", "overdracht_van", "optimisme", "variant"]


def _cost_row(draw, start, end, variants):
    post = draw(st.sampled_from(sorted(COST_POSTS)))
    soort = COST_POSTS[post]
    row = {"taak_id": "T1", "jaar": str(draw(st.integers(start, end))),
           "actor": draw(st.sampled_from(["gemeente", "stichting"])), "post": post,
           "soort": soort, "bedrag": "", "hoeveelheid": "", "kengetal": "",
           "prijsjaar": draw(st.sampled_from(["", "2019", "2022"])),
           "optimisme": draw(st.sampled_from(["", "0,2"])),
           "variant": draw(st.sampled_from(variants))}
    if soort == "vrijwilligersinzet":
        row.update(hoeveelheid=str(draw(st.integers(0, 400))), kengetal="uur", prijsjaar="")
    else:
        row["bedrag"] = str(draw(st.integers(-2_000, 90_000)))
    return row


def _effect_row(draw, start, end, variants):
    first = draw(st.integers(start, end))
    row = {"taak_id": "T1", "effect": draw(st.sampled_from(EFFECT_NAMES)),
           "actor": draw(st.sampled_from(["bewoners", "gemeente"])),
           "jaar_van": str(first), "jaar_tot": str(draw(st.integers(first, end + 1))),
           "hoeveelheid": str(draw(st.integers(-20, 300))), "waarde_per_eenheid": "",
           "kengetal": "", "deadweight": draw(st.sampled_from(FRACTIONS)),
           "attributie": draw(st.sampled_from(FRACTIONS)),
           "afname": draw(st.sampled_from(FRACTIONS)),
           "overdracht_van": draw(st.sampled_from(["", "", "uitkering"])),
           "optimisme": draw(st.sampled_from(["", "0,3"])),
           "variant": draw(st.sampled_from(variants))}
    if row["overdracht_van"]:  # a transfer is an agreement: never an optimism correction
        row["optimisme"] = ""
    if draw(st.booleans()):
        row["kengetal"] = draw(st.sampled_from(["uur", "bijstand"]))
    else:
        row["waarde_per_eenheid"] = str(draw(st.integers(1, 2_000)))
    return row


def _mutate(draw, row, fields):
    """A changed copy of ``row``: each named field may get a new value."""
    out = dict(row)
    for name, values in fields.items():
        if draw(st.booleans()):
            out[name] = draw(values)
    return out


def _case(task, costs, effects, kengetallen):
    return read_case({
        "taken": pd.DataFrame([task]),
        "kosten": pd.DataFrame(costs, columns=PROP_COSTS),
        "effecten": pd.DataFrame(effects, columns=PROP_EFFECTS),
        "kengetallen": pd.DataFrame(
            [["uur", "Uur", kengetallen[0], "uur", "2022", "bron"],
             ["bijstand", "Uitkering", kengetallen[1], "jaar", "2024", "bron"]],
            columns=KENGETAL)})


@st.composite
def case_pairs(draw):
    """A decision version and a current version of one task: the current one is the decision
    with rows changed (amounts, quantities, years, fractions), dropped and added, and the
    task's period, optimism and kengetallen changed."""
    end = draw(st.integers(2020, 2024))
    variants = draw(st.sampled_from([[""], ["", "A"], ["A", "B"]]))
    task = {"taak_id": "T1", "naam": "Taak", "wijk_code": "WK036330", "startjaar": "2020",
            "eindjaar": str(end), "optimisme_kosten": draw(st.sampled_from(FRACTIONS)),
            "optimisme_baten": draw(st.sampled_from(FRACTIONS))}
    costs = [_cost_row(draw, 2020, end, variants) for _ in range(draw(st.integers(0, 5)))]
    effects = [_effect_row(draw, 2020, end, variants) for _ in range(draw(st.integers(0, 4)))]
    kengetallen = [str(draw(st.integers(5, 40))), str(draw(st.integers(8_000, 20_000)))]
    new_end = draw(st.integers(2020, 2025))
    task2 = _mutate(draw, task, {"startjaar": st.sampled_from(["2020", "2021"]),
                                 "eindjaar": st.just(str(new_end)),
                                 "optimisme_kosten": st.sampled_from(FRACTIONS),
                                 "optimisme_baten": st.sampled_from(FRACTIONS)})
    if int(task2["eindjaar"]) < int(task2["startjaar"]):
        task2["eindjaar"] = task2["startjaar"]
    years = st.integers(2020, 2025).map(str)
    costs2 = [_mutate(draw, r, {"jaar": years, "bedrag": st.integers(0, 90_000).map(str),
                                "optimisme": st.sampled_from(["", "0,1"])})
              for r in costs if draw(st.integers(0, 4))]  # one in five dropped
    costs2 = [r if r["soort"] != "vrijwilligersinzet" else {**r, "bedrag": ""} for r in costs2]
    # a row may now be valued the other way: an amount instead of hours × kengetal, or back
    costs2 = [r if draw(st.integers(0, 5)) else
              ({**r, "bedrag": "", "hoeveelheid": "40", "kengetal": "uur", "prijsjaar": ""}
               if r["bedrag"] else {**r, "bedrag": "900", "hoeveelheid": "", "kengetal": ""})
              for r in costs2]
    effects2 = [_mutate(draw, r, {"hoeveelheid": st.integers(-20, 300).map(str),
                                  "deadweight": st.sampled_from(FRACTIONS),
                                  "afname": st.sampled_from(FRACTIONS),
                                  "jaar_tot": st.just(r["jaar_tot"]).map(
                                      lambda y: str(int(y) + 1))})
                for r in effects if draw(st.integers(0, 4))]
    costs2 += [_cost_row(draw, 2020, new_end, variants) for _ in range(draw(st.integers(0, 2)))]
    effects2 += [_effect_row(draw, 2020, new_end, variants)
                 for _ in range(draw(st.integers(0, 2)))]
    kengetallen2 = [_mutate(draw, {"v": v}, {"v": st.integers(5, 40_000).map(str)})["v"]
                    for v in kengetallen]
    return (_case(task, costs, effects, kengetallen),
            _case(task2, costs2, effects2, kengetallen2))


PROPERTY = Settings(peiljaar=2022)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case_pairs())
def test_contributions_add_up_on_generated_pairs(pair):
    before, after = pair
    result = compare(before, after, PROPERTY, goals=False)
    compared = [t for t in result.tasks if t["status"] == "compared"]
    params = PROPERTY.evaluation()
    for rec in compared:
        # npv_before and npv_after are what evaluate gives (with the common base year)
        for case, key in ((before, "npv_before"), (after, "npv_after")):
            ev = evaluate(case, **{**params, "base_year": rec["base_year"]})
            assert rec[key] == pytest.approx(ev.result("T1", rec["variant"]).npv, abs=1e-9)
        amounts = [c["amount"] for c in rec["contributions"]]
        scale = max(1.0, *(abs(a) for a in amounts), abs(rec["npv_before"]))
        assert math.fsum(amounts) == pytest.approx(rec["difference"], abs=1e-9 * scale)
        assert {c["kind"] for c in rec["contributions"]} <= set(KINDS)
        # the walk explains everything: nothing is left for "overige verschillen"
        assert not [c for c in rec["contributions"] if c["table"] == "overig"]
    assert result.warnings == () or all("startjaar" in w for w in result.warnings)


@settings(max_examples=5, deadline=None)
@given(case_pairs())
def test_a_version_compared_with_itself_has_no_contributions(pair):
    before, _ = pair
    result = compare(before, before, PROPERTY, goals=False)
    assert all(t["difference"] == 0 for t in result.tasks)
    assert result.contributions.empty


def test_a_variant_in_one_version_only_has_no_contributions():
    before = _tables(costs=[("T1", "2020", "gemeente", "Huur", "exploitatie", "100", "", "", "2024")],
                     effects=[])
    after = _tables(costs=[("T1", "2020", "gemeente", "Huur", "exploitatie", "100", "", "", "2024")],
                    effects=[])
    after["kosten"][0] = [*COSTS, "variant"]
    after["kosten"][1] = [*after["kosten"][1], ""]
    after["kosten"].append(["T1", "2020", "gemeente", "Extra", "exploitatie", "50", "", "", "",
                            "uitgebreid"])
    after["kosten"].append(["T1", "2021", "gemeente", "Extra", "exploitatie", "50", "", "", "",
                            "sober"])
    result = compare(read_case(_frames(before)), read_case(_frames(after)), HAND, goals=False)
    status = {t["variant"]: t["status"] for t in result.tasks}
    assert status == {"sober": "new", "uitgebreid": "new", "project": "dropped"}
    assert all(t["contributions"] == [] for t in result.tasks)
    assert result.contributions.empty


# ---------------------------------------------------------------------------------------------
# versions of the example case and the monitor

EXAMPLE = DATA_DIR / "voorbeeld"


def test_the_example_keeps_a_decision_and_an_interim_version():
    versions = case_versions(EXAMPLE)
    assert [v.label for v in versions] == ["2017-besluit", "2021-tussenevaluatie", "nu"]
    assert plan_path(EXAMPLE) == EXAMPLE / "versies" / "2017-besluit"


@pytest.fixture(scope="module")
def example_monitor():
    return monitor(EXAMPLE, Settings(draws=500, seed=3), task="T1")


def test_monitor_moments_are_evaluate_and_monte_carlo_of_each_version(example_monitor):
    """Each moment's NCW is `evaluate` of that version at one price year and the decision's
    base year; its interval is the Monte Carlo of that version with the same seed."""
    rows = example_monitor.of("T1")
    assert list(rows["version"]) == ["2017-besluit", "2021-tussenevaluatie", "nu"]
    params = {**Settings().evaluation(), "price_year": example_monitor.parameters["price_year"],
              "base_year": 2018}
    for version, row in zip(case_versions(EXAMPLE), rows.itertuples(), strict=True):
        case = read_case(version.path)
        assert row.npv == pytest.approx(evaluate(case, task="T1", **params).result("T1").npv,
                                        abs=1e-6)
        mc = monte_carlo(case, "T1", draws=500, seed=3, **params)
        assert (row.npv_p5, row.npv_p95) == (mc.percentile(5), mc.percentile(95))
        assert row.npv_p5 <= row.npv_p95


def test_monitor_plot_draws_each_moment_with_its_interval(example_monitor):
    """`Monitor.plot` imported its figure from `mkba.base.plots`, a module moved to the figures
    layer (ModuleNotFoundError; found when issue 23's function-level imports were reviewed)."""
    import matplotlib

    matplotlib.use("Agg")
    rows = example_monitor.of("T1")
    ax = example_monitor.plot("T1")
    dots = ax.lines[0].get_ydata()  # the NCW per moment, oldest first
    assert list(dots) == pytest.approx(list(rows["npv"]))
    bars = ax.collections[0].get_segments()  # the 5–95 % interval per moment
    assert [b[0][1] for b in bars] == pytest.approx(list(rows["npv_p5"]))
    assert [b[1][1] for b in bars] == pytest.approx(list(rows["npv_p95"]))


def test_monitor_change_since_decision_is_the_comparisons_difference(example_monitor):
    c = compare(plan_path(EXAMPLE), EXAMPLE, task="T1", goals=False)
    assert example_monitor.since_decision("T1") == pytest.approx(c.task("T1")["difference"],
                                                                 abs=1e-6)


# ---------------------------------------------------------------------------------------------
# the command line


def _write(folder, tables):
    return write_case(folder, tables)


def test_vergelijk_json_equals_evaluate_of_each_version(tmp_path, capsys):
    """npv_before/npv_after are what `mkba evaluate` gives for each version, same settings."""
    before, after = _write(tmp_path / "besluit", BEFORE), _write(tmp_path / "nu", AFTER)
    options = ["--discount-rate", "0.10", "--peiljaar", "2030", "--price-year", "2024"]
    assert main(["vergelijk", str(before), str(after), *options, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rec = data["tasks"][0]
    for folder, key in ((before, "npv_before"), (after, "npv_after")):
        assert main(["evaluate", str(folder), *options, "--format", "json"]) == 0
        evaluated = json.loads(capsys.readouterr().out)["tasks"][0]
        assert rec[key] == pytest.approx(evaluated["npv"], abs=1e-9)
    assert math.fsum(c["amount"] for c in rec["contributions"]) == pytest.approx(
        rec["difference"], abs=1e-9)
    assert [c["kind"] for c in rec["contributions"]] == [
        "timing", "prijs", "prijs", "hoeveelheid", "aanname", "nieuw", "vervallen"]
    assert data["parameters"]["discount_rate"] == 0.10 and data["parameters"]["price_year"] == 2024


def test_vergelijk_table_says_both_verdicts(tmp_path, capsys):
    before, after = _write(tmp_path / "besluit", BEFORE), _write(tmp_path / "nu", AFTER)
    assert main(["vergelijk", str(before), str(after), "--discontovoet", "10%",
                 "--prijsjaar", "2024"]) == 0
    out = capsys.readouterr().out
    assert "Bij het besluit was de NCW" in out and "Waardoor" in out
    assert "Nieuw sinds het besluit: Nieuw effect (bewoners), 2022" in out


def test_vergelijk_with_a_missing_version_exits_2_without_output(tmp_path, capsys):
    after = _write(tmp_path / "nu", AFTER)
    assert main(["vergelijk", str(tmp_path / "bestaat-niet"), str(after)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "bestaat niet" in captured.err


def test_monitor_json(capsys):
    assert main(["monitor", str(EXAMPLE), "--task", "T1", "--monte-carlo", "200",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    moments = data["tasks"][0]["moments"]
    assert [m["version"] for m in moments] == ["2017-besluit", "2021-tussenevaluatie", "nu"]
    assert all(m["npv_p5"] <= m["npv_p95"] for m in moments)
    assert data["tasks"][0]["since_decision"] == pytest.approx(
        moments[-1]["npv"] - moments[0]["npv"])


# ---------------------------------------------------------------------------------------------
# the batch: the index column "sinds besluit", and a changed version makes the reports again


def test_batch_records_get_the_change_since_the_decision():
    from mkba.report.render import report_parameters
    from mkba.run.batch import _since_decision

    records = [{"wijk_code": "WK036330", "tasks": [{"task_id": "T1", "variant": "project"}]},
               {"wijk_code": "WK036339",
                "tasks": [{"task_id": "T2", "variant": "klassiek_aanbesteden"}]}]
    assert _since_decision(str(EXAMPLE), records, report_parameters())
    c = compare(plan_path(EXAMPLE), EXAMPLE, goals=False)
    assert records[0]["since_decision"] == [
        {"task_id": "T1", "variant": "project", "difference": c.task("T1")["difference"]}]
    assert records[1]["since_decision"] == []  # T2 has no decision version
    assert "since_decision" not in records[0]["tasks"][0]  # the report's headline as it was


def test_index_shows_the_column_sinds_besluit_only_with_a_decision():
    from mkba.report.index import index_pages

    task = {"task_id": "T1", "name": "Buurthuis", "variant": "project", "npv": -1000.0,
            "bc_ratio": 0.9}
    rec = {"wijk_code": "WK036330", "html": "WK036330.html", "status": "gelukt",
           "name": "Transvaalbuurt"}
    without = index_pages([{**rec, "tasks": [task]}], summary="", maps=False)["index.html"]
    assert "sinds besluit" not in without
    since = [{"task_id": "T1", "variant": "project", "difference": 60278.4}]
    page = index_pages([{**rec, "tasks": [task], "since_decision": since}], summary="",
                       maps=False)["index.html"]
    assert '<th scope="col">sinds besluit</th>' in page
    # one task in the wijk: the change alone (the header, or on a phone a word, says what)
    assert '<td class="sinds"><span class="smal">sinds besluit: </span>€\xa0+60.278' in page


def test_a_changed_version_changes_the_inputs_fingerprint(tmp_path):
    """A report compares with the versions beside the case: editing one must make it again."""
    import shutil

    from mkba.run.jobs import inputs_fingerprint

    case = tmp_path / "casus"
    shutil.copytree(EXAMPLE, case)
    before = inputs_fingerprint(str(case))
    kosten = case / "versies" / "2017-besluit" / "kosten.csv"
    kosten.write_text(kosten.read_text(encoding="utf-8").replace("42.000", "43.000"),
                      encoding="utf-8")
    assert inputs_fingerprint(str(case)) != before


def test_index_names_the_task_when_a_wijk_has_several():
    from mkba.report.index import index_pages

    tasks = [{"task_id": "T1", "name": "Buurthuis", "variant": "project", "npv": 1.0,
              "bc_ratio": 1.0},
             {"task_id": "T5", "name": "Speeltuin", "variant": "project", "npv": 2.0,
              "bc_ratio": 1.0}]
    rec = {"wijk_code": "WK036330", "html": "WK036330.html", "status": "gelukt",
           "name": "Transvaalbuurt", "tasks": tasks,
           "since_decision": [{"task_id": "T5", "variant": "project", "difference": -1200.0}]}
    page = index_pages([rec], summary="", maps=False)["index.html"]
    cell = page.split('<td class="sinds">', 1)[1].split("</td>", 1)[0]
    assert cell == '<span class="smal">sinds besluit: </span><bdi>Speeltuin</bdi>: €\xa0−1.200'


def test_the_monitor_draws_its_figure():
    """Monitor.plot draws one dot per moment (it imported the figures from their old place)."""
    from mkba.base.settings import Settings
    from mkba.figures.plots import detached

    mon = monitor(EXAMPLE, Settings(draws=100), task="T1")
    with detached():
        ax = mon.plot("T1")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2017 besluit", "2021\ntussenevaluatie",
                                                            "nu"]
