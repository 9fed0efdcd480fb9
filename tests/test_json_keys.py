"""English keys throughout the JSON (issue 13): ``mkba evaluate --format json`` (with Monte
Carlo, the process block and the buurtbudget), ``mkba effect --format json`` and the headline
the batch writes to ``batch.json``.

Every key must be in the allowlist below (a new key is a choice, made here on purpose), and no
word of a key may be a Dutch word, apart from the few domain terms listed with their reason.
Dicts whose keys are values from the user's input (source names, kinds, roles) are skipped:
their keys are data, not names.
"""

from __future__ import annotations

import json

import pytest

from mkba.run.cli import main

from .conftest import EXAMPLE, MINIMAL, write_case

#: Dutch domain terms kept as (parts of) keys, each for a reason (README, "Hernoemde sleutels"):
#: wijk / wijken — the CBS unit (and the input column ``wijk_code``, the option ``--wijk``);
#: "district" would be a different thing. buurtbudget — a named Dutch policy instrument (and
#: an input value of ``financiering.soort``). peiljaar — the name of the setting and of the
#: option ``--peiljaar`` (the ``parameters`` block repeats the settings by their names).
#: kengetal — the code of a row of the input table ``kengetallen``.
DOMAIN_TERMS = {"wijk", "wijken", "buurtbudget", "peiljaar", "kengetal"}

#: Words that mark a Dutch key (the keys renamed in issue 13 and their relatives).
DUTCH = {
    "naam", "namen", "jaar", "jaren", "bron", "soort", "toelichting", "baten", "kosten",
    "actief", "nieuw", "vertrokken", "omschrijving", "groep", "vraag", "ontvangen", "besteed",
    "gespaard", "taak", "taken", "inwoners", "verschil", "beter", "waarde", "bedrag", "aantal",
    "gemeente", "opdrachtgever", "uitvoerder", "financier", "rol", "richting", "streefwaarde",
    "startjaar", "eindjaar", "hoeveelheid", "variant_naam", "wijkcode", "bewoners", "doel",
}

#: Dicts whose keys are values from the input (name of the dict's own key).
INPUT_KEYED = {"by_source", "by_kind", "criteria_by_kind", "by_role"}

#: Every key the JSON may have (English, or a domain term above).
ALLOWED = {
    # evaluate: top level and parameters
    "parameters", "tasks", "total", "warnings", "buurtbudget", "base_year", "cpi_derived_years",
    "cpi_series", "discount_rate", "horizon", "market_value_code", "peiljaar", "price_year",
    "scenario", "volunteer_benefit_code", "volunteer_valuation", "wage_code", "npv", "reason",
    # per task and variant
    "task_id", "variant", "name", "wijk_code", "start_year", "end_year", "pv_costs",
    "pv_benefits", "bc_ratio", "irr", "irr_note", "payback_year", "pv_costs_realised",
    "pv_costs_forecast", "pv_benefits_realised", "pv_benefits_forecast", "pv_residual",
    "volunteer", "hours_pv", "method", "methods", "chosen", "kengetal", "note",
    "value_per_hour", "switching_note", "switching_value_per_hour", "pm_break_even", "amount",
    "direction", "text", "by_actor", "actor", "municipality", "pm", "effect", "indicator",
    "pm_score", "explanation", "yearly", "year", "costs", "benefits", "transfers", "net",
    "discount_factor", "pv_net", "cumulative_pv_net", "financing", "by_source", "by_kind",
    "guarantees", "leverage", "leverage_reason", "leverage_rule", "loans", "municipal",
    "others", "own_revenue",
    # issue 19: where the peiljaar and price year came from, the IRR above its cap, the PM
    # break-even per year, and the consistency checks (per check: name, status, message,
    # task and variant; a wijk's count of failed checks in batch.json)
    "peiljaar_source", "price_year_source", "irr_above_cap", "amount_per_year", "checks",
    "message", "checks_failed",
    # uncertainty
    "monte_carlo", "draws", "seed", "importance", "share", "spearman", "not_drawn",
    "npv_mean", "npv_p5", "npv_p50", "npv_p95", "p_npv_positive", "p5", "p50", "p95",
    "p_positive", "sensitivity", "low", "high", "npv_low", "npv_high", "switching_value",
    "switching_in_range", "discount_rates", "rate_costs", "rate_benefits", "source", "kind",
    # process and buurtbudget
    "process", "change_method", "threshold", "criteria", "criteria_by_kind", "met",
    "not_met", "unknown", "description", "target", "value", "n", "suppressed", "coalition",
    "active", "by_role", "joined", "left", "joined_names", "left_names", "survey",
    "question", "group", "scale", "mean", "positive", "share_positive", "ci_low", "ci_high",
    "share_neutral", "share_negative", "previous_year", "change", "change_low", "change_high",
    "n_label", "received", "spent", "saved", "task_ids",
    # effect
    "label", "unit", "effect_unit", "treated", "wijk", "estimate", "p_value",
    "interval_method", "evidence_level", "evidence_reasons", "mde", "comparison_wijken",
    "comparison_names", "balance", "pretrend_estimate", "pretrend_p_value", "placebo",
    "n_years_pre", "n_years_post", "its", "per_wijk", "twfe_naive", "treated_level",
    "comparison_level", "comparison_level_min", "comparison_level_max", "inside_range",
    "outside_range", "treated_trend", "comparison_trend", "std_diff_level", "std_diff_trend",
    "pre_years", "regions_per_draw", "candidates", "every_candidate_once", "sd",
    # effect, issue 20: distinct placebos, the dip check, the noise-aware test, and per effect
    # line whose quantity was to come from an estimate what became of it
    "possible_draws", "smallest_p", "dip", "last_pre_year", "estimate_without_last_pre_year",
    "noise", "typical", "moderated", "ratio", "standard_error", "estimated_quantities", "used",
    "quantity",
    # batch.json: its top level (parameters: the report's), per wijk, and the headline
    "case", "status", "seconds", "workers", "engine", "failed", "skipped", "wijken",
    "scenario_path", "map_file", "plan_path", "key", "html", "notebook", "started", "finished", "error",
    "worker", "inhabitants",
    # vergelijk (plan and realisation) and monitor
    "order", "sources", "before", "after", "difference", "npv_before", "npv_after",
    "verdict", "contributions", "line", "table", "targets", "expected", "expected_year",
    "target_year", "latest_year", "latest_value", "met_current", "versions", "version", "path",
    "current", "decision", "since_decision", "moments",
}


def bad_keys(value, path: str = "") -> list[str]:
    """The paths of keys that are not allowed or that contain a Dutch word."""
    out = []
    if isinstance(value, list):
        for v in value:
            out += bad_keys(v, path + "[]")
    elif isinstance(value, dict):
        for k, v in value.items():
            words = set(k.split("_")) - DOMAIN_TERMS
            if k not in ALLOWED or words & DUTCH:
                out.append(f"{path}.{k}")
            if k not in INPUT_KEYED:
                out += bad_keys(v, f"{path}.{k}")
            else:  # the keys are input values; what they hold is checked again
                for sub in v.values():
                    out += bad_keys(sub, f"{path}.{k}.*")
    return out


def keys_seen(value) -> set[str]:
    if isinstance(value, list):
        return set().union(*map(keys_seen, value)) if value else set()
    if isinstance(value, dict):
        return set(value).union(*(keys_seen(v) for k, v in value.items()
                                  if k not in INPUT_KEYED))
    return set()


def test_the_walk_finds_dutch_keys():
    """The check can fail: the keys as they were before issue 13."""
    old = {"tasks": [{"task_id": "T1", "naam": "Buurthuis",
                      "financing": {"per_bron": {"gemeente": 1.0}, "by_source": {"naam": 1}},
                      "discount_rates": [{"r_baten": 0.0225, "rate_costs": 0.0225}],
                      "process": {"coalition": [{"jaar": 2020, "actief": 3, "nieuw_namen": [],
                                                 "by_role": {"opdrachtgever": 1}}]}}],
           "wijken": [{"inwoners": 3, "verschil": 1, "p_beter": 0.5, "taak_id": "T1"}]}
    # every old key is found, also where it sits among allowed ones; a value-keyed dict
    # (by_source, by_role) is not flagged for its keys
    assert bad_keys(old) == [".tasks[].naam", ".tasks[].financing.per_bron",
                             ".tasks[].financing.per_bron.gemeente",
                             ".tasks[].discount_rates[].r_baten",
                             ".tasks[].process.coalition[].jaar",
                             ".tasks[].process.coalition[].actief",
                             ".tasks[].process.coalition[].nieuw_namen",
                             ".wijken[].inwoners", ".wijken[].verschil", ".wijken[].p_beter",
                             ".wijken[].taak_id"]


@pytest.mark.slow
def test_evaluate_json_has_english_keys(capsys):
    assert main(["evaluate", str(EXAMPLE), "--format", "json", "--monte-carlo", "200",
                 "--seed", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert bad_keys(data) == []
    # the walk really went through the blocks the renames are about
    seen = keys_seen(data)
    assert {"by_source", "by_kind", "explanation", "rate_costs", "rate_benefits", "source",
            "kind", "description", "question", "group", "by_role", "joined_names",
            "left_names", "received", "spent", "saved", "task_ids", "monte_carlo",
            "sensitivity", "pm_break_even"} <= seen
    task = next(t for t in data["tasks"] if t["task_id"] == "T1")
    # values from the input stay as they are: sources, kinds and roles as the user wrote them
    assert "gemeente" in task["financing"]["by_source"]
    assert set(task["process"]["criteria_by_kind"]) >= {"draagvlak", "economisch"}
    assert set(task["process"]["coalition"][0]["by_role"]) == {
        "opdrachtgever", "facilitator", "partner", "uitvoerder", "financier"}


def test_effect_json_has_english_keys(tmp_path, capsys):
    taken = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
             ["T1", "Buurthuis", "WK036330", "2020", "2022"],
             ["T2", "Groen", "WK036339", "2021", "2022"]]
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag"],
              ["T1", "2020", "gemeente", "Verbouwing", "1.000"],
              ["T2", "2021", "gemeente", "Plantsoen", "1.000"]]
    case = write_case(tmp_path / "c", **{**MINIMAL, "taken": taken, "kosten": kosten})
    assert main(["effect", str(case), "--indicator", "k_65JaarOfOuder", "--placebos", "40",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["estimate"] is not None and data["per_wijk"]  # a full estimate was walked
    assert bad_keys(data) == []


def test_batch_json_has_english_keys(tmp_path):
    """batch.json, with the headline per wijk as the batch computes it for a failed report."""
    from mkba.report.render import report_parameters
    from mkba.run.batch import _headlines, _write_folder

    heads = _headlines(str(EXAMPLE), ["WK036330", "WK036339"], report_parameters())
    assert bad_keys(list(heads.values())) == []
    kolenkit = heads["WK036339"]
    assert kolenkit["tasks"] and kolenkit["buurtbudget"]["saved"] is not None
    assert set(kolenkit) == {"name", "inhabitants", "year", "tasks", "buurtbudget",
                             "checks_failed"}
    records = [{"wijk_code": code, "key": "k", "html": f"{code}.html", "started": 0.0,
                "notebook": f"{code}.ipynb", "error": None, "worker": 1, "status": "gelukt",
                "seconds": 1.0, "finished": 1.0, **head} for code, head in heads.items()]
    _write_folder(tmp_path, records, str(EXAMPLE), report_parameters(), 1.0, 1, "lokaal",
                  "klaar", index=False)
    payload = json.loads((tmp_path / "batch.json").read_text(encoding="utf-8"))
    assert payload["wijken"][1]["tasks"] and bad_keys(payload) == []


def test_a_resumed_batch_reads_old_headline_keys_in_english(tmp_path):
    """A batch.json of an older mkba: its records come back with the English keys (never
    both), also the buurtbudget and the tasks, so that a wijk that is not made again keeps its
    figures in the index (the index crashed on an old buurtbudget: KeyError 'saved')."""
    from mkba.report.render import report_parameters
    from mkba.run.batch import _write_folder
    from mkba.run.folder import previous_records

    old = {"wijk_code": "WK036339", "key": "k", "html": "WK036339.html", "status": "gelukt",
           "naam": "De Kolenkit", "inwoners": 10160.0, "jaar": 2019,
           "taken": [{"taak": "T2", "naam": "Groen", "variant": "project", "npv": 1.0,
                      "bc_ratio": None}],
           "buurtbudget": {"jaar": 2023, "gespaard": 100.0, "ontvangen": 500.0,
                           "besteed": 400.0}}
    (tmp_path / "batch.json").write_text(json.dumps({"wijken": [old]}), encoding="utf-8")
    record = previous_records(tmp_path)["WK036339"]
    assert record == {"wijk_code": "WK036339", "key": "k", "html": "WK036339.html",
                      "status": "gelukt", "name": "De Kolenkit", "inhabitants": 10160.0,
                      "year": 2019,
                      "tasks": [{"task_id": "T2", "name": "Groen", "variant": "project",
                                 "npv": 1.0, "bc_ratio": None}],
                      "buurtbudget": {"year": 2023, "saved": 100.0, "received": 500.0,
                                      "spent": 400.0}}
    _write_folder(tmp_path, [record], str(EXAMPLE), report_parameters(), 1.0, 1, "lokaal",
                  "klaar", index=True)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "De Kolenkit" in index and "ontvangen" in index and "500" in index


@pytest.mark.slow
def test_vergelijk_and_monitor_json_have_english_keys(capsys):
    """The comparison of the example's decision version with the case now (with targets and
    criteria) and the monitor across its versions."""
    plan = EXAMPLE / "versies" / "2017-besluit"
    assert main(["vergelijk", str(plan), str(EXAMPLE), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert bad_keys(data) == []
    assert {"contributions", "by_actor", "targets", "criteria", "expected", "met_current",
            "verdict", "sources"} <= keys_seen(data)
    assert main(["monitor", str(EXAMPLE), "--task", "T1", "--monte-carlo", "100",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert bad_keys(data) == [] and {"moments", "since_decision", "versions"} <= keys_seen(data)
