"""The coalition session's arithmetic, record, links and minutes (issue 24), without a server.

The hand-computable case: one task 2019–2022, a cost of 1.000 in 2019, an effect of q units a
year at € 50 with deadweight d (ranges: q 5–15, d 0–30 %), all in prices of 2019 and shown in
2019 prices, discounted at r to 2019. So

    NCW(q, d, r) = −1.000 + q × 50 × (1 − d) × S(r),  S(r) = Σ_{k=0..3} (1 + r)^−k.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace

import pytest

from mkba import evaluate, read_case
from mkba.analysis.coalition import (
    DISCOUNT_INPUT,
    VALUATION_INPUT,
    Coalition,
    Verdict,
    View,
    designated_variant,
)
from mkba.base.assumptions import REPORT_DRAWS
from mkba.base.settings import Settings
from mkba.run.cli import main
from mkba.run.coalition import pages
from mkba.run.coalition.access import Access
from mkba.run.coalition.command import parse_partners
from mkba.run.coalition.minutes import spreads, write_minutes
from mkba.run.coalition.record import RECORD_NAME, Member, Record, partner_scores
from mkba.run.coalition.table import Table
from mkba.uncertainty import load_scenario

from .conftest import EXAMPLE, write_case

Q, D = "T1/Ontmoeting/hoeveelheid", "T1/Ontmoeting/deadweight"
PRICES_2019 = Settings(price_year=2019)


def S(r: float) -> float:
    return sum((1 + r) ** -k for k in range(4))


def ncw(q: float, d: float = 0.1, r: float = 0.0225) -> float:
    return -1000 + q * 50 * (1 - d) * S(r)


@pytest.fixture
def hand_case(tmp_path):
    return write_case(
        tmp_path / "casus",
        effecten=[["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                   "hoeveelheid_laag", "hoeveelheid_hoog", "waarde_per_eenheid", "prijsjaar",
                   "deadweight"],
                  ["T1", "Ontmoeting", "bewoners", "2019", "2022", "10", "5", "15", "50",
                   "2019", "0,1"]],
        bandbreedtes=[["parameter", "laag", "hoog", "toelichting"],
                      [D, "0%", "30%", "Hoeveel was er toch gebeurd?"]])


@pytest.fixture
def hand(hand_case):
    return Coalition(hand_case, "T1", settings=PRICES_2019)


def _views(c: Coalition) -> dict:
    return {"a": c.base.with_value(Q, 5).with_value(DISCOUNT_INPUT, -0.01),
            "b": c.base.with_value(Q, 12).with_value(D, 0.3),
            "c": c.base.with_value(Q, 15)}


class TestVerdicts:
    def test_the_session_inputs_are_the_tornado_and_the_quantities(self, hand):
        assert [i.name for i in hand.inputs] == [Q, D]
        assert hand.base.values == {Q: 10.0, D: 0.1}

    def test_npv_of_each_view_by_hand(self, hand):
        for view, (q, d, r) in zip(_views(hand).values(),
                                   [(5, 0.1, -0.01), (12, 0.3, 0.0225), (15, 0.1, 0.0225)],
                                   strict=True):
            v = hand.verdict(view, chance=False)
            assert v.npv == pytest.approx(ncw(q, d, r), abs=1e-6)
            # B/K = PV benefits / PV costs = q × 50 × (1 − d) × S / 1.000
            assert v.bc_ratio == pytest.approx(q * 50 * (1 - d) * S(r) / 1000)

    def test_a_view_as_a_scenario_gives_the_same_npv_in_evaluate(self, hand, hand_case, tmp_path,
                                                                 capsys):
        view = _views(hand)["b"]
        path = hand.scenario(view).save(tmp_path / "b.json")
        assert main(["evaluate", str(hand_case), "--scenario", str(path), "--price-year",
                     "2019", "--format", "json"]) == 0
        npv = json.loads(capsys.readouterr().out)["tasks"][0]["npv"]
        assert npv == pytest.approx(ncw(12, 0.3), abs=1e-6)

    def test_the_chance_uses_the_reports_draws_and_equals_the_report(self):
        """Issue 24: the session showed 76 % where the report showed 79 % (500 against 2.000
        draws). T2 klassiek is where they differed."""
        from mkba.report.reports import wijk_report

        c = Coalition(EXAMPLE, "T2", "klassiek_aanbesteden")
        mine = c.verdict(c.base)
        report = wijk_report("WK036339", str(EXAMPLE), effects=False)
        assert mine.draws == REPORT_DRAWS == 2000
        assert mine.p_npv_positive == report.p_npv_positive("T2", "klassiek_aanbesteden")
        assert 0 < mine.p_npv_positive < 1

    def test_opens_on_the_designated_variant_not_klassiek(self):
        assert Coalition(EXAMPLE, "T2").variant == "maatschappelijk_aanbesteden"
        assert designated_variant(["klassiek_x", "maatschappelijk"]) == "maatschappelijk"
        assert designated_variant(["a", "b"]) == "a"

    def test_partners_choose_the_rate_so_settings_may_not(self, hand_case):
        with pytest.raises(Exception, match="kiezen de partners"):
            Coalition(hand_case, "T1", settings=Settings(discount_rate=0.03))

    def test_values_outside_the_case_ranges_are_refused(self, hand):
        assert "ligt buiten 5–15" in hand.check(Q, 16)
        assert hand.check(Q, 15) is None
        assert "geen getal" in hand.check(Q, float("nan"))
        assert "varianten" in hand.check(DISCOUNT_INPUT, 0.05)
        assert hand.check(DISCOUNT_INPUT, -0.01) is None
        assert "kies uit" in hand.check(VALUATION_INPUT, "gratis")
        assert "onbekende aanname" in hand.check("T1/Anders/hoeveelheid", 1)


class TestTheTable:
    def test_common_scenario_is_the_median_and_the_most_chosen(self, hand):
        common = hand.common(_views(hand))
        assert common.values[Q] == 12  # sorted 5, 12, 15: the middle
        assert common.values[D] == pytest.approx(0.1)  # 0.1, 0.1, 0.3
        assert common.discount_rate == 0.0225  # two of three
        even = hand.common({"a": hand.base.with_value(Q, 5), "b": hand.base.with_value(Q, 12)})
        assert even.values[Q] == 8.5  # the mean of the middle two
        tie = hand.common({"a": hand.base.with_value(DISCOUNT_INPUT, -0.01),
                           "b": hand.base})
        assert tie.discount_rate == 0.0225  # a tie: the case's own choice

    def test_disagreement_by_hand(self, hand):
        d = hand.disagreement(_views(hand)).set_index("name")
        # q from 5 (a) to 15 (c), d at 0.1 and r at 2.25 % (the common scenario)
        assert d.loc[Q, "swing"] == pytest.approx((15 - 5) * 50 * 0.9 * S(0.0225))
        assert (d.loc[Q, "by_low"], d.loc[Q, "by_high"]) == ("a", "c")
        # d from 0.1 to 0.3 at q = 12: 12 × 50 × 0.2 × S
        assert d.loc[D, "swing"] == pytest.approx(12 * 50 * 0.2 * S(0.0225))
        assert d.loc[D, "by_low"] == "b"
        # r: −1 % (a) against 2,25 % at q = 12, d = 0.1
        assert d.loc[DISCOUNT_INPUT, "swing"] == pytest.approx(540 * (S(-0.01) - S(0.0225)))
        assert d.loc[VALUATION_INPUT, "swing"] == 0
        # the input that drives the disagreement most comes first
        assert d.index[0] == Q
        assert hand.verdict(hand.common(_views(hand)), chance=False).npv == pytest.approx(
            ncw(12))

    def test_a_refused_value_leaves_no_trace(self, hand, tmp_path):
        record = Record(tmp_path / RECORD_NAME)
        table = Table(hand, record, ["a"])
        assert "ligt buiten" in table.set("a", Q, 99)
        assert len(record.changes()) == 0
        assert table.set("a", Q, 7) is None
        assert record.changes()[["deelnemer", "naam", "getal"]].values.tolist() == [
            ["a", Q, 7.0]]

    def test_the_table_is_restored_from_the_record(self, hand, tmp_path):
        record = Record(tmp_path / RECORD_NAME)
        table = Table(hand, record, ["a", "b"])
        table.set("a", Q, 5)
        table.set("b", VALUATION_INPUT, "nul")
        table.score("a", "draagvlak", 4)
        table.reason("a", "Weinig vernielingen.")
        again = Table(hand, Record(tmp_path / RECORD_NAME), ["a", "b"])
        assert again.views["a"].values[Q] == 5
        assert again.views["b"].volunteer_valuation == "nul"
        assert again.scores["a"] == {"draagvlak": 4}
        assert again.reasons["a"] == "Weinig vernielingen."

    def test_adopting_needs_the_complete_verdict(self, hand, tmp_path):
        table = Table(hand, Record(tmp_path / RECORD_NAME), ["a", "b", "c"])
        for p, v in _views(hand).items():
            for name in (Q, D, DISCOUNT_INPUT):
                table.set(p, name, v.get(name))
        assert "nog doorgerekend" in table.adopt()
        table.compute_all()
        assert table.adopt() is None
        assert table.adopted["ncw"] == pytest.approx(ncw(12))
        assert table.record.adoptions()[-1]["waarden"][Q] == 12


def test_scores_fit_the_process_tables(tmp_path):
    """The partners' scores as ``enquete`` rows: the process evaluation's own rules give
    n = 3 and the mean (4 + 4 + 2) / 3, share positive (4 or 5) 2/3."""
    from mkba.evidence.process import survey_results

    record = Record(tmp_path / RECORD_NAME)
    for who, score in (("a", 2), ("a", 4), ("b", 4), ("c", 2)):
        record.write(who, "oordeel", "draagvlak", score)
    rows = partner_scores(record, "T2", 2026)
    assert rows.to_dict("records") == [
        {"taak_id": "T2", "jaar": 2026, "groep": "partners", "vraag": "oordeel_draagvlak",
         "antwoord": "2", "aantal": 1},
        {"taak_id": "T2", "jaar": 2026, "groep": "partners", "vraag": "oordeel_draagvlak",
         "antwoord": "4", "aantal": 2}]
    r = survey_results(SimpleNamespace(enquete=rows), threshold=1).iloc[0]
    assert r["n"] == 3 and r["mean"] == pytest.approx(10 / 3)
    assert r["share_positive"] == pytest.approx(2 / 3)


class TestRecord:
    def test_wal_and_full_sync(self, tmp_path):
        record = Record(tmp_path / RECORD_NAME)
        record.write("a", "aanname", Q, 1)
        conn = sqlite3.connect(tmp_path / RECORD_NAME)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    def test_secrets_are_long_unique_and_kept(self, tmp_path):
        record = Record(tmp_path / RECORD_NAME)
        a, b = record.add_member("a"), record.add_member("b")
        assert len(a.secret) >= 16 and a.secret != b.secret
        assert record.add_member("a").secret == a.secret  # a restarted session keeps links

    def test_many_writers_lose_nothing(self, tmp_path):
        path = tmp_path / RECORD_NAME
        Record(path).close()
        script = textwrap.dedent(f"""
            import sys
            from mkba.run.coalition.record import Record
            r = Record({str(path)!r})
            for i in range(150):
                r.write(sys.argv[1], "aanname", "x", i)
        """)
        procs = [subprocess.Popen([sys.executable, "-c", script, f"p{i}"]) for i in range(4)]
        assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
        changes = Record(path).changes()
        assert len(changes) == 600
        assert changes.groupby("deelnemer")["getal"].apply(sorted).map(
            lambda v: v == list(range(150))).all()

    def test_kill_9_of_a_writer_loses_no_acknowledged_change(self, tmp_path):
        path = tmp_path / RECORD_NAME
        script = textwrap.dedent(f"""
            from mkba.run.coalition.record import Record
            r = Record({str(path)!r})
            i = 0
            while True:
                nr = r.write("a", "aanname", "x", i)
                print(nr, flush=True)
                i += 1
        """)
        proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                text=True)
        acknowledged = []
        deadline = time.monotonic() + 120
        while len(acknowledged) < 200 and time.monotonic() < deadline:
            acknowledged.append(int(proc.stdout.readline()))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in conn.execute("SELECT nr FROM wijzigingen")}
        assert len(acknowledged) == 200 and set(acknowledged) <= stored


class TestAccess:
    members = [Member("gemeente", "deelnemer", "g" * 22),
               Member("bewoners", "deelnemer", "b" * 22),
               Member("projector", "projector", "p" * 22)]

    def test_only_a_known_secret_on_its_own_page(self):
        a = Access(self.members, ["127.0.0.1:8866"])
        assert a.who("g" * 22, "/deelnemer").name == "gemeente"
        assert a.who("p" * 22, "/projector").name == "projector"
        assert a.who("g" * 22, "/projector") is None  # a partner is not the projector
        assert a.who("p" * 22, "/deelnemer") is None
        assert a.who("g" * 21, "/deelnemer") is None and a.who("", "/deelnemer") is None
        assert a.url("http://127.0.0.1:8866", self.members[0]) == \
            "http://127.0.0.1:8866/deelnemer?sleutel=" + "g" * 22

    def test_hosts_and_origins(self):
        a = Access(self.members, ["127.0.0.1:8866", "localhost:8866"])
        assert a.host_allowed("LOCALHOST:8866") and not a.host_allowed("evil.example:8866")
        assert not a.host_allowed("127.0.0.1:8867")
        assert a.origin_allowed("http://127.0.0.1:8866")
        assert not a.origin_allowed("http://evil.example:8866")


class TestPages:
    def test_dutch_figures(self):
        assert pages.verdict_line(Verdict(1234567.4, 1.4, 0.79)) == ("€ 1.234.567", "1,40",
                                                                     "79 %")
        assert pages.verdict_line(Verdict(-5.0, None, None)) == ("€ −5", "–", "…")
        assert pages.verdict_line(None) == ("…", "…", "…")
        # every draw positive is not certainty (issue 21): never "100 %" at the table
        assert pages.verdict_line(Verdict(1.0, 1.1, 1.0))[2] == "meer dan 99 %"
        assert pages.verdict_line(Verdict(-1.0, 0.9, 0.0))[2] == "minder dan 1 %"

    def test_projector_says_who_disagrees_about_what(self, hand, tmp_path):
        table = Table(hand, Record(tmp_path / RECORD_NAME), ["a", "b", "c"])
        for p, v in _views(hand).items():
            for name in (Q, D, DISCOUNT_INPUT):
                table.set(p, name, v.get(name))
        table.compute_all()
        html = pages.projector_html(table.snapshot(), hand)
        assert "Grootste verschil" in html and "Ontmoeting: aantal per jaar" in html
        assert "a 5, c 15" in html
        for p in ("a", "b", "c"):
            assert f"● {p}" not in html  # nobody's page is open

    def test_no_code_on_the_pages(self, hand, tmp_path):
        table = Table(hand, Record(tmp_path / RECORD_NAME), ["a"])
        table.compute_all()
        text = pages.projector_html(table.snapshot(), hand) + pages.partner_header(hand, "a")
        assert "mkba " not in text and "import" not in text and "--" not in text


class TestMinutes:
    def _session(self, tmp_path):
        c = Coalition(EXAMPLE, "T2")
        record = Record(tmp_path / RECORD_NAME)
        record.describe({"casus": str(EXAMPLE.resolve()), "taak": "T2",
                         "variant": c.variant})
        for p in ("gemeente", "bewoners", "corporatie"):
            record.add_member(p)
        table = Table(c, record, ["gemeente", "bewoners", "corporatie"])
        quantity = "T2/Minder vernielingen in het park/hoeveelheid"
        for p, q in (("gemeente", 2), ("bewoners", 10), ("corporatie", 4), ("bewoners", 8)):
            table.set(p, quantity, q)
        table.score("bewoners", "draagvlak", 5)
        table.reason("corporatie", "Vier per jaar is wat de politie telt.")
        table.compute_all()
        return table, quantity

    def test_minutes_and_the_adopted_scenario_that_evaluate_accepts(self, tmp_path, capsys):
        table, quantity = self._session(tmp_path)
        assert table.adopt() is None
        shown = table.adopted["ncw"]
        table.record.close()
        written = write_minutes(tmp_path)
        scenario = load_scenario(written["scenario (vastgesteld)"])
        assert scenario.values[quantity] == 4  # median of 2, 8, 4
        assert main(["evaluate", str(EXAMPLE), "--task", "T2", "--scenario",
                     str(tmp_path / "scenario.json"), "--format", "json"]) == 0
        out = json.loads(capsys.readouterr().out)
        npv = next(t["npv"] for t in out["tasks"] if t["variant"] == table.coalition.variant)
        assert npv == pytest.approx(shown, abs=1e-6)
        # and the independent route: the count set in the table itself
        case = read_case(EXAMPLE)
        e = case.effecten.copy()
        e.loc[e["effect"] == "Minder vernielingen in het park", "hoeveelheid"] = 4.0
        assert npv == pytest.approx(evaluate(case.with_table("effecten", e), task="T2").result(
            "T2", "maatschappelijk_aanbesteden").npv, abs=1e-6)
        # the wijk report (and so the batch) takes the same file and shows the same NCW
        from mkba.report.reports import wijk_report

        report = wijk_report("WK036339", str(EXAMPLE), effects=False, draws=0,
                             scenario_path=str(tmp_path / "scenario.json"))
        mine = next(r for r in report.results if r.variant == table.coalition.variant)
        assert mine.npv == pytest.approx(shown, abs=1e-6)
        html = (tmp_path / "verslag.html").read_text(encoding="utf-8")
        for text in ("gemeente", "gemeente (1 wijziging)", "bewoners (3 wijzigingen)", "stelde de tafel het voorstel vast",
                     "Vier per jaar is wat de politie telt.", "Naar elkaar toe bewogen",
                     "van 8 naar 6"):
            assert text in html, text

    def test_without_adoption_the_proposal_is_written_as_such(self, tmp_path):
        table, _ = self._session(tmp_path)
        table.record.close()
        written = write_minutes(tmp_path)
        assert set(written) == {"voorstel (niet vastgesteld)", "verslag"}
        assert not (tmp_path / "scenario.json").exists()
        assert "Er is geen scenario vastgesteld" in (tmp_path / "verslag.html").read_text()

    def test_spreads_follow_the_session(self, hand):
        import pandas as pd

        log = pd.DataFrame({"deelnemer": ["a", "b", "a"], "soort": ["aanname"] * 3,
                            "naam": [Q, Q, Q], "getal": [5.0, 15.0, 14.0]})
        s = spreads(log, hand, ["a", "b"]).set_index("name")
        assert (s.loc[Q, "widest"], s.loc[Q, "end"]) == (10.0, 1.0)
        assert (s.loc[D, "widest"], s.loc[D, "end"]) == (0.0, 0.0)


class TestCommand:
    def test_partner_names(self):
        assert parse_partners("gemeente,bewoners") == ["gemeente", "bewoners"]
        for bad in ("", "projector", "a/b", "x" * 41, "a,A"):
            with pytest.raises(Exception, match="--deelnemers"):
                parse_partners(bad)

    def test_a_wrong_task_stops_before_any_server(self, tmp_path, capsys):
        assert main(["sessie", str(EXAMPLE), "--task", "T9", "--map", str(tmp_path / "m"),
                     "--no-browser"]) == 2
        assert "onbekende taak 'T9'" in capsys.readouterr().err
        assert not (tmp_path / "m").exists()

    def test_a_folder_of_another_session_is_refused(self, tmp_path, capsys):
        record = Record(tmp_path / RECORD_NAME)
        record.describe({"casus": "/elders/casus", "taak": "T2", "variant": "x"})
        record.close()
        assert main(["sessie", str(EXAMPLE), "--task", "T2", "--map", str(tmp_path),
                     "--no-browser"]) == 2
        assert "hoort bij een sessie over /elders/casus" in capsys.readouterr().err

    def test_minutes_of_a_folder_without_a_session(self, tmp_path, capsys):
        assert main(["sessie-verslag", str(tmp_path)]) == 2
        assert "geen sessie gevonden" in capsys.readouterr().err

    def test_view_holds_its_values(self):
        v = View({Q: 1.0}, 0.0225, "nul")
        assert v.get(VALUATION_INPUT) == "nul" and v.get(DISCOUNT_INPUT) == 0.0225

