"""The report checks itself (issue 19): on generated cases (hypothesis, built from DataFrames)
every consistency check holds, and each defect of the issue, reintroduced, makes a check fail.

A defect is reintroduced by putting the old code back for the duration of one test (the old
price-year rule, optimism on transfers, a range keyed by name only) or by tampering with one
figure the way a stale or inconsistent number would (an actor dropped, a transfer half
booked, a difference computed from other numbers, a payback year hidden by the IRR cap).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mkba import evaluate, read_case
from mkba.analysis.checks import failed, read_amount, run_checks

YEARS = (2019, 2023)


def _frames(tables: dict) -> dict:
    return {k: pd.DataFrame(v[1:], columns=v[0]).astype(object) for k, v in tables.items()}


_cost = st.fixed_dictionaries({
    "year": st.integers(*YEARS), "actor": st.sampled_from(["gemeente", "stichting"]),
    "amount": st.integers(100, 90_000), "own_year": st.booleans(),
    "variant": st.sampled_from(["", "", "a", "b"])})
_effect = st.fixed_dictionaries({
    "start": st.integers(*YEARS), "length": st.integers(1, 4),
    "actor": st.sampled_from(["gemeente", "bewoners", "stichting"]),
    "qty": st.integers(1, 500), "value": st.integers(1, 400), "own_year": st.booleans(),
    "dw": st.sampled_from(["", "10%", "0,5"]), "drop": st.sampled_from(["", "20%"]),
    "ranged": st.booleans(), "variant": st.sampled_from(["", "a", "b"])})
_subsidy = st.fixed_dictionaries({
    "year": st.integers(*YEARS), "amount": st.integers(1_000, 50_000),
    "variant": st.sampled_from(["", "a", "b"])})


def build_case(costs, effects, subsidies, optimism: str, peiljaar: int, book_subsidies=True):
    """A case from generated lines: costs and effects (some with an empty prijsjaar, some
    with a range on the line), municipal subsidies to the stichting in financiering, each
    booked as a transfer of the same amount, optimism on benefits, a stated peiljaar."""
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar", "variant"]] + [
        ["G1", str(c["year"]), c["actor"], f"post {i}", str(c["amount"]),
         "" if c["own_year"] else "2019", c["variant"]] for i, c in enumerate(costs)]
    kosten.append(["G1", "2019", "stichting", "basis", "1000", "2019", ""])
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                 "hoeveelheid_laag", "hoeveelheid_hoog", "waarde_per_eenheid", "prijsjaar",
                 "deadweight", "afname", "overdracht_van", "variant"]]
    for i, e in enumerate(effects):
        lo, hi = (str(max(0, e["qty"] - 50)), str(e["qty"] + 80)) if e["ranged"] else ("", "")
        effecten.append(["G1", f"effect {i % 3}", e["actor"], str(e["start"]),
                         str(min(e["start"] + e["length"] - 1, YEARS[1])), str(e["qty"]), lo, hi,
                         str(e["value"]), "" if e["own_year"] else "2020", e["dw"], e["drop"],
                         "", e["variant"]])
    financiering = [["taak_id", "jaar", "bron", "soort", "bedrag", "variant"]]
    for i, s in enumerate(subsidies):
        financiering.append(["G1", str(s["year"]), "gemeente", "subsidie", str(s["amount"]),
                             s["variant"]])
        if book_subsidies:
            effecten.append(["G1", f"subsidie {i}", "stichting", str(s["year"]), str(s["year"]),
                             "1", "", "", str(s["amount"]), "", "", "", "gemeente",
                             s["variant"]])
    taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar", "optimisme_baten",
              "optimisme_kosten"], ["G1", "Gegenereerd", "WK036330", str(YEARS[0]),
                                    str(YEARS[1]), optimism, optimism]]
    tables = {"taken": taken, "kosten": kosten, "effecten": effecten,
              "financiering": financiering,
              "casus": [["peiljaar", "prijsjaar"], [str(peiljaar), "2024"]]}
    return _frames(tables)


def check_all(frames, draws: int = 300):
    from mkba.analysis.pipeline import run
    from mkba.base.settings import Settings

    case = read_case(frames)
    done = run(case, Settings(draws=draws, seed=1))
    return done, list(done.checks)


_cases = st.tuples(st.lists(_cost, max_size=5), st.lists(_effect, max_size=5),
                   st.lists(_subsidy, max_size=3), st.sampled_from(["", "20%"]),
                   st.integers(2019, 2025))
_settings = settings(max_examples=20, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow])


def _names(checks) -> set:
    return {c.name for c in failed(checks)}


@_settings
@given(_cases)
def test_checks_hold_for_correct_cases(args):
    frames = build_case(*args)
    try:
        done, checks = check_all(frames)
    except Exception as exc:  # a generated range must fit its line: the reader says so
        from mkba import CaseError

        assert isinstance(exc, CaseError), exc
        return
    assert failed(checks) == [], [c.message for c in failed(checks)]
    names = {c.name for c in checks}
    assert {"saldi", "overdrachten", "prijspeil", "financiering", "pagina_een",
            "peiljaar"} <= names


# --------------------------------------------------------------------------------------
# each defect, reintroduced, makes a check fail

def _old_price_factors(lines, value_col, kengetallen, price_year, cpi, year_col="jaar"):
    """The code before issue 19: an empty prijsjaar meant 'already in price year P'."""
    from mkba.base.prices import index_factor

    k = kengetallen.set_index("code")
    from_ref = lines["kengetal"].notna().to_numpy()
    refs = lines["kengetal"].where(from_ref)
    value = np.where(from_ref, refs.map(k["waarde"]).to_numpy(dtype=float, na_value=np.nan),
                     lines[value_col].to_numpy(dtype=float, na_value=np.nan))
    own = lines["prijsjaar"].to_numpy(dtype=float, na_value=np.nan)
    ref = refs.map(k["prijsjaar"]).to_numpy(dtype=float, na_value=np.nan)
    year = np.where(from_ref, ref, own)
    year = np.where(np.isnan(year), price_year, year).astype(int)
    return value, np.asarray(index_factor(year, price_year, cpi), dtype=float)


@_settings
@given(st.lists(_cost, min_size=1, max_size=4), st.lists(_effect, min_size=1, max_size=4))
def test_the_old_price_year_rule_is_caught(costs, effects):
    # at least one line with an empty prijsjaar in a year other than the price year 2024
    costs = [{**costs[0], "own_year": True, "variant": ""}, *costs[1:]]
    frames = build_case(costs, effects, [], "", 2030)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("mkba.engine.flows.price_factors", _old_price_factors)
        case = read_case(frames)
        ev = evaluate(case)
        checks = run_checks(ev, case=case, params={})
    assert "prijspeil" in _names(checks)


def _old_optimism_factor(kind, base, opt, forecast):
    direction = np.where(np.asarray(kind) == 0, 1.0, -1.0) * np.sign(base)
    return 1.0 + direction * np.where(forecast, opt, 0.0)


@_settings
@given(st.lists(_subsidy, min_size=1, max_size=3))
def test_optimism_on_transfers_is_caught(subsidies):
    frames = build_case([], [], subsidies, "20%", 2019)  # every year a forecast
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("mkba.engine.flows.optimism_factor", _old_optimism_factor)
        mp.setattr("mkba.engine.flows.contract_optimism", lambda opt, is_transfer: opt)
        case = read_case(frames)
        checks = run_checks(evaluate(case), case=case, params={})
    assert "overdrachten" in _names(checks)


@_settings
@given(st.integers(1, 399), st.integers(401, 900), st.integers(1, 100))
def test_a_range_leaking_to_the_other_variant_is_caught(q_b, q_a, value):
    """Variant a's line carries a range that does not contain variant b's point value. The
    old code keyed a range by its name only, so b's line was drawn from a's range. The range
    starts at q_a - 1 >= 400 > q_b, so b's point always lies outside it."""
    from mkba.case.ranges import UncertainInput

    effects = [{"start": 2019, "length": 5, "actor": "bewoners", "qty": q_a, "value": value,
                "own_year": False, "dw": "", "drop": "", "ranged": True, "variant": "a"},
               {"start": 2019, "length": 5, "actor": "bewoners", "qty": q_b, "value": value,
                "own_year": False, "dw": "", "drop": "", "ranged": False, "variant": "b"}]
    frames = build_case([], effects, [], "", 2030)
    frames["effecten"]["effect"] = "effect 0"  # one effect name in both variants
    frames["effecten"].loc[0, ["hoeveelheid_laag", "hoeveelheid_hoog"]] = [str(q_a - 1),
                                                                            str(q_a + 50)]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(UncertainInput, "target", property(lambda self: self.name))
        mp.setattr(UncertainInput, "applies_to", lambda self, variant: True)
        _, checks = check_all(frames, draws=200)
    bad = [c for c in failed(checks) if c.name == "monte_carlo"]
    assert bad and bad[0].variant == "b" and "effect 0/hoeveelheid" in bad[0].message


@_settings
@given(st.lists(_subsidy, min_size=1, max_size=3), st.lists(_cost, max_size=3))
def test_an_unbooked_subsidy_is_caught(subsidies, costs):
    # the municipality's own costs never stand in for a subsidy of another amount
    costs = [{**c, "actor": "gemeente", "amount": c["amount"] + 60_000, "variant": ""}
             for c in costs]
    subsidies = [{**s, "variant": ""} for s in subsidies]
    frames = build_case(costs, [], subsidies, "", 2030, book_subsidies=False)
    case = read_case(frames)
    checks = run_checks(evaluate(case), case=case, params={})
    assert "financiering" in _names(checks)


def test_financing_of_the_wrong_variant_is_caught():
    other = {"start": 2019, "length": 2, "actor": "bewoners", "qty": 3, "value": 40,
             "own_year": False, "dw": "", "drop": "", "ranged": False, "variant": "b"}
    frames = build_case([], [other], [{"year": 2020, "amount": 5000, "variant": "a"}], "", 2030)
    frames["financiering"].loc[0, "variant"] = "b"  # booked in a, financed in b
    case = read_case(frames)
    bad = failed(run_checks(evaluate(case), case=case, params={}))
    assert [c.name for c in bad] == ["financiering"] and "variant 'b'" in bad[0].message


@pytest.fixture(scope="module")
def example_run():
    from mkba.analysis.pipeline import run
    from mkba.base.settings import Settings
    from tests.conftest import EXAMPLE

    return run(EXAMPLE, Settings(draws=500, seed=0))


def test_the_example_passes_every_check(example_run):
    assert failed(example_run.checks) == []


def test_a_dropped_actor_and_a_half_transfer_are_caught(example_run):
    ev = example_run.evaluation
    actors = ev.actors[ev.actors["actor"] != "werkenden"].reset_index(drop=True)
    flows = ev.cashflows
    half = flows.drop(index=flows.index[(flows["kind"] == "overdracht")
                                        & (flows["amount"] < 0)][:1])
    broken = dataclasses.replace(ev, actors=actors, cashflows=half)
    names = _names(run_checks(broken))
    assert {"saldi", "overdrachten"} <= names


def test_a_stale_npv_on_page_one_is_caught(example_run):
    ev = example_run.evaluation
    totals = ev.totals.copy()
    totals.loc[0, "npv"] = totals.loc[0, "npv"] + 250_000  # not benefits − costs any more
    names = _names(run_checks(dataclasses.replace(ev, totals=totals)))
    assert {"saldi", "pagina_een"} <= names


def test_a_variant_difference_from_other_numbers_is_caught(example_run):
    from mkba.uncertainty import compare_variants

    cv = compare_variants(example_run.case, "T2", draws=500, seed=0)
    assert _names(run_checks(example_run.evaluation, variants={"T2": cv})) == set()
    wrong = {**cv, "differences": cv["differences"].assign(
        difference=cv["differences"]["difference"].round(-5))}  # "€ 100.000" for 210.766
    assert "varianten" in _names(run_checks(example_run.evaluation, variants={"T2": wrong}))


def test_a_payback_year_hidden_by_the_irr_cap_is_caught(example_run):
    ev = example_run.evaluation
    totals = ev.totals.copy()
    capped = totals["irr_capped"].astype(bool)
    assert capped.any()
    totals.loc[capped, "payback_year"] = pd.NA  # the old rule: n.v.t. when above the cap
    assert "terugverdienjaar" in _names(run_checks(dataclasses.replace(ev, totals=totals)))


def test_a_failed_check_heads_the_evaluate_output(example_run):
    from mkba.report.console import evaluation_text

    ev = example_run.evaluation
    totals = ev.totals.copy()
    totals.loc[0, "npv"] += 250_000
    broken = dataclasses.replace(ev, totals=totals)
    text = evaluation_text(broken, checks=[c.to_dict() for c in run_checks(broken)])
    assert text.startswith("LET OP: ")


def test_read_amount_inverts_the_formats():
    from mkba.base.formatting import fmt_eur, fmt_eur_compact

    for v in (8_809, 491_000, 1_900_515, -22_613, 2_640_000_000):
        assert abs(read_amount(fmt_eur_compact(v)) - v) <= max(0.5, 0.05 * abs(v))
        assert read_amount(fmt_eur(v)) == round(v)


@given(st.floats(-5e9, 5e9, allow_nan=False))
def test_compact_value_is_what_the_page_shows(v):
    """The check's rounding is the page's: reading fmt_eur_compact's text back gives it."""
    from mkba.analysis.checks import compact_half_step, compact_value
    from mkba.base.formatting import fmt_eur_compact

    assert read_amount(fmt_eur_compact(v)) == pytest.approx(float(compact_value([v])[0]),
                                                            abs=1e-6)
    assert abs(compact_value([v])[0] - v) <= compact_half_step([v])[0] + 1e-6


@settings(max_examples=15, deadline=None)
@given(st.lists(_cost, min_size=1, max_size=5), st.lists(_effect, max_size=5),
       st.sampled_from([2015, 2018, 2020, 2022]))
def test_another_price_year_multiplies_every_present_value(costs, effects, other):
    """Issue 19, item 5: --price-year P' instead of 2024 multiplies every present value
    (total, per actor) by CPI[P'] / CPI[2024] and never changes a sign."""
    from mkba.base.prices import cpi_series

    case = read_case(build_case(costs, effects, [], "20%", 2021))
    cpi = cpi_series()
    factor = float(cpi[other] / cpi[2024])
    a, b = evaluate(case, price_year=2024), evaluate(case, price_year=other)
    for col in ("pv_costs", "pv_benefits", "npv"):
        assert b.totals[col].to_numpy() == pytest.approx(factor * a.totals[col].to_numpy(),
                                                         rel=1e-9, abs=1e-6)
    assert (np.sign(b.totals["npv"].round(6)) == np.sign(a.totals["npv"].round(6))).all()
    assert b.actors["npv"].to_numpy() == pytest.approx(factor * a.actors["npv"].to_numpy(),
                                                       rel=1e-9, abs=1e-6)
