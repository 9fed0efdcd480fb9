"""Issue 19: your own case gives the right numbers or a clear refusal.

Every item has a test with the expected number computed by hand here (CPI values from CBS
83131NED as in tests/test_cba.py). Cases are built from DataFrames (cells as a user types
them), not from files, so that they are quick to build. The CSV exports of item 3 are in
tests/test_exports.py; the consistency checks and their property tests in tests/test_checks.py.
"""

from __future__ import annotations

import datetime
import json

import numpy as np
import pandas as pd
import pytest

from mkba import CaseError, evaluate, read_case
from mkba.run.cli import main

# CBS 83131NED: CPI 2019 and the published year-on-year changes 2020 … 2024
CPI = {2019: 106.16}
for _year, _change in zip(range(2020, 2025), (1.3, 2.7, 10.0, 3.8, 3.3), strict=True):
    CPI[_year] = CPI[_year - 1] * (1 + _change / 100)
R = 0.0225


def d(t: int, base: int) -> float:
    return (1 + R) ** -(t - base)


def frames(**tables) -> dict:
    """Tables given as header + rows → DataFrames of text cells (as typed in a sheet)."""
    return {name: pd.DataFrame(rows[1:], columns=rows[0]).astype(object)
            for name, rows in tables.items()}


TAKEN = [["taak_id", "naam", "wijk_code", "startjaar", "eindjaar", "optimisme_kosten",
          "optimisme_baten"],
         ["V1", "Buurthuis", "WK036330", "2020", "2022", "", ""]]
CASUS = [["peiljaar", "prijsjaar"], ["2030", "2020"]]
KENGETALLEN = [["code", "omschrijving", "waarde", "eenheid", "prijsjaar", "bron", "laag",
                "hoog"],
               ["uur", "Vervangingskosten per uur", "20", "uur", "2020", "test", "", ""]]


# --------------------------------------------------------------------------------------
# 1. a range belongs to the line it is on (task, effect, variant)

def _variant_case(bandbreedtes=None, maatschappelijk_range=("10000", "16000"),
                  klassiek=9000):
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                 "hoeveelheid_laag", "hoeveelheid_hoog", "waarde_per_eenheid", "prijsjaar",
                 "variant"],
                ["V1", "Bezoeken", "bewoners", "2020", "2022", "12000", *maatschappelijk_range,
                 "2", "2020", "maatschappelijk"],
                ["V1", "Bezoeken", "bewoners", "2020", "2022", str(klassiek), "", "", "2",
                 "2020", "klassiek"]]
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar", "variant"],
              ["V1", "2020", "gemeente", "Inzet", "10000", "2020", ""]]
    tables = {"taken": TAKEN, "kosten": kosten, "effecten": effecten, "casus": CASUS}
    if bandbreedtes:
        tables["bandbreedtes"] = bandbreedtes
    return read_case(frames(**tables))


class TestRangesPerVariant:
    #: klassiek: −10.000 + 9.000 × 2 a year over 2020–2022, price year 2020, base 2020
    klassiek = -10_000 + 9000 * 2 * sum(d(t, 2020) for t in (2020, 2021, 2022))
    maatschappelijk = -10_000 + 12000 * 2 * sum(d(t, 2020) for t in (2020, 2021, 2022))

    def test_point_values_by_hand(self):
        ev = evaluate(_variant_case(), discount_rate=R)
        assert ev.result("V1", "klassiek").npv == pytest.approx(self.klassiek, rel=1e-12)
        assert ev.result("V1", "maatschappelijk").npv == pytest.approx(self.maatschappelijk,
                                                                       rel=1e-12)

    def test_the_other_variant_is_not_drawn(self):
        from mkba.uncertainty import monte_carlo, sensitivity

        case = _variant_case()
        mc = monte_carlo(case, "V1", "klassiek", draws=2000, seed=1, discount_rate=R)
        # nothing uncertain in klassiek: every draw is its point value (before: median
        # −1.200.489 against a point of −1.333.555 in the case)
        assert np.ptp(mc.npv) == 0 and mc.npv[0] == pytest.approx(self.klassiek, rel=1e-12)
        assert sensitivity(case, "V1", "klassiek", discount_rate=R).empty
        own = monte_carlo(case, "V1", "maatschappelijk", draws=2000, seed=1, discount_rate=R)
        assert own.percentile(5) < self.maatschappelijk < own.percentile(95)
        # draws of the quantity stay within 10.000–16.000: NPV within its two ends
        low = -10_000 + 10000 * 2 * sum(d(t, 2020) for t in (2020, 2021, 2022))
        high = -10_000 + 16000 * 2 * sum(d(t, 2020) for t in (2020, 2021, 2022))
        assert low - 1e-6 <= own.npv.min() and own.npv.max() <= high + 1e-6

    def test_the_variant_difference_contains_its_point(self):
        from mkba.uncertainty import compare_variants

        cv = compare_variants(_variant_case(), "V1", draws=3000, seed=0, discount_rate=R)
        diff = cv["differences"].iloc[0]
        assert diff["variant"] == "maatschappelijk" and diff["compared_with"] == "klassiek"
        assert diff["difference"] == pytest.approx(self.maatschappelijk - self.klassiek)
        assert diff["p5"] < diff["difference"] < diff["p95"]

    def test_a_range_without_variant_that_misses_a_line_is_refused_by_validate(self, tmp_path):
        """The same refusal in validate as in evaluate (before: validate "In orde")."""
        bandbreedtes = [["parameter", "laag", "hoog"],
                        ["V1/Bezoeken/hoeveelheid", "10000", "16000"]]
        with pytest.raises(CaseError) as err:
            _variant_case(bandbreedtes, maatschappelijk_range=("", ""))
        text = str(err.value)
        assert "bandbreedtes:2:parameter:" in text
        assert "de waarde in de casus (9.000" in text and "variant 'klassiek'" in text

    def test_a_range_for_one_variant_is_accepted_and_drawn_there_only(self):
        from mkba.uncertainty import monte_carlo

        bandbreedtes = [["parameter", "variant", "laag", "hoog"],
                        ["V1/Bezoeken/hoeveelheid", "maatschappelijk", "10000", "16000"]]
        case = _variant_case(bandbreedtes, maatschappelijk_range=("", ""))
        assert np.ptp(monte_carlo(case, "V1", "klassiek", draws=500, discount_rate=R).npv) == 0
        assert np.ptp(monte_carlo(case, "V1", "maatschappelijk", draws=500,
                                  discount_rate=R).npv) > 0

    def test_a_shared_range_says_it_holds_for_every_variant(self):
        bandbreedtes = [["parameter", "laag", "hoog"],
                        ["V1/Bezoeken/hoeveelheid", "8000", "16000"]]
        with pytest.raises(CaseError, match="verschillende waarden"):
            _variant_case(bandbreedtes, maatschappelijk_range=("", ""))
        case = _variant_case(bandbreedtes, maatschappelijk_range=("", ""), klassiek=12000)
        notes = [str(w) for w in case.warnings]
        assert any("geldt daarom voor de varianten klassiek en maatschappelijk" in n
                   for n in notes), notes

    def test_a_range_on_volunteer_hours_is_drawn(self):
        """A factor on the hours of a volunteer post is an uncertainty (drawn), unlike the
        value of an hour (a method choice, listed as not drawn)."""
        from mkba.uncertainty import monte_carlo

        kosten = [["taak_id", "jaar", "actor", "post", "soort", "hoeveelheid", "kengetal"],
                  ["V1", "2020", "vrijwilligers", "Uren", "vrijwilligersinzet", "100", "uur"]]
        b = [["parameter", "laag", "hoog"], ["V1/Uren/factor", "0,5", "1,5"]]
        case = read_case(frames(taken=TAKEN, kosten=kosten, kengetallen=KENGETALLEN,
                                bandbreedtes=b, casus=CASUS))
        mc = monte_carlo(case, "V1", draws=1000, seed=2, discount_rate=R)
        assert mc.fixed == ()
        # 100 hours × 20 × factor in [0,5; 1,5]: NPV between −3.000 and −1.000
        assert -3000 - 1e-6 <= mc.npv.min() < mc.npv.max() <= -1000 + 1e-6


# --------------------------------------------------------------------------------------
# 2. financing per variant

def test_financing_belongs_to_its_variant():
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                 "waarde_per_eenheid", "prijsjaar", "overdracht_van", "variant"],
                ["V1", "Crowdfunding", "stichting", "2020", "2020", "1", "5000", "2020",
                 "bewoners", "maatschappelijk"],
                ["V1", "Onderhoud", "gemeente", "2020", "2022", "1", "1000", "2020", "",
                 "klassiek"]]
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar", "variant"],
              ["V1", "2020", "gemeente", "Subsidie stichting", "20000", "2020",
               "maatschappelijk"],
              ["V1", "2020", "gemeente", "Contract", "30000", "2020", "klassiek"]]
    financiering = [["taak_id", "jaar", "bron", "soort", "bedrag", "variant"],
                    ["V1", "2020", "bewoners", "crowdfunding", "5000", "maatschappelijk"],
                    ["V1", "2020", "gemeente", "subsidie", "20000", "maatschappelijk"]]
    case = read_case(frames(taken=TAKEN, kosten=kosten, effecten=effecten,
                            financiering=financiering, casus=CASUS))
    assert case.warnings == ()
    ev = evaluate(case)
    klassiek, own = ev.result("V1", "klassiek"), ev.result("V1", "maatschappelijk")
    assert klassiek.financing["total"] == 0 and klassiek.financing["leverage"] is None
    assert klassiek.financing["leverage_reason"] == "geen financiering vastgelegd"
    # 5.000 from others per 20.000 municipal euros
    assert own.financing["leverage"] == pytest.approx(5000 / 20000)
    entry = next(t for t in ev.to_dict()["tasks"] if t["variant"] == "klassiek")
    assert entry["financing"]["by_source"] == {}


# --------------------------------------------------------------------------------------
# 4. own revenue must have a counterpart

def _revenue_case(booked: bool):
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"]] + [
        ["V1", y, "stichting", "Exploitatie", "50000", "2020"] for y in ("2020", "2021", "2022")]
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                 "waarde_per_eenheid", "prijsjaar", "overdracht_van"]]
    if booked:
        effecten += [["V1", "Zaalhuur", "stichting", "2020", "2022", "1", "41000", "2020",
                      "huurders"],
                     ["V1", "Gebruik van zalen", "huurders", "2020", "2022", "1", "41000",
                      "2020", ""]]
    financiering = [["taak_id", "jaar", "bron", "soort", "bedrag"]] + [
        ["V1", y, "huurders", "eigen_inkomsten", "41000"] for y in ("2020", "2021", "2022")]
    return read_case(frames(taken=TAKEN, kosten=kosten, effecten=effecten,
                            financiering=financiering, casus=CASUS))


def test_own_revenue_without_counterpart_is_warned():
    case = _revenue_case(booked=False)
    text = " ".join(str(w) for w in case.warnings)
    assert "financiering:2:bedrag: eigen inkomsten van 'huurders' voor taak V1 in 2020–2022 " \
           "(€ 123.000) staan niet in de rekening" in text
    assert "overdracht_van = 'huurders'" in text


def test_own_revenue_booked_as_transfer_and_users_benefit():
    """Rent 41.000 a year: the stichting gets it (a transfer from the renters), the renters'
    benefit is at least the rent. The NPV rises by the rent, the stichting's balance too."""
    without, booked = _revenue_case(False), _revenue_case(True)
    assert booked.warnings == ()
    a, b = evaluate(without).result("V1"), evaluate(booked).result("V1")
    pv_rent = 41_000 * sum(d(t, 2020) for t in (2020, 2021, 2022))
    assert b.npv - a.npv == pytest.approx(pv_rent, rel=1e-12)
    actors = b.by_actor().set_index("actor")["npv"]
    assert actors["stichting"] == pytest.approx(-50_000 * sum(
        d(t, 2020) for t in (2020, 2021, 2022)) + pv_rent, rel=1e-12)
    assert actors["huurders"] == pytest.approx(0.0, abs=1e-6)


def test_example_t1_books_its_rent():
    """The example's T1: the rent of 41.000 a year (prijsjaar 2018) over 2018–2027 adds
    41.000 × CPI[2024]/CPI[2018] × Σ 1,0225^−t (t = 0…9) to the NPV (was −490.702)."""
    from tests.conftest import EXAMPLE

    case = read_case(EXAMPLE)
    ev = evaluate(case)
    cpi_2018 = 103.44
    annuity = sum(1.0225 ** -t for t in range(10))
    rent = 41_000 * CPI[2024] / cpi_2018 * annuity
    without = case.with_table("effecten", case.effecten[~case.effecten["effect"].isin(
        ["Huur van zalen", "Gebruik van zalen door huurders"])])
    assert ev.result("T1").npv - evaluate(without).result("T1").npv == pytest.approx(
        rent, rel=1e-9)
    assert ev.result("T1").npv == pytest.approx(-22_613, abs=1)
    assert "bewonersstichting" in set(ev.result("T1").by_actor()["actor"])


# --------------------------------------------------------------------------------------
# 5. an empty prijsjaar is the line's own year

def _price_case():
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"],
              ["V1", "2020", "gemeente", "Kost", "100000", "2020"]]
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                 "waarde_per_eenheid", "prijsjaar"],
                ["V1", "Baat", "bewoners", "2020", "2020", "1", "110000", ""]]
    return read_case(frames(taken=TAKEN, kosten=kosten, effecten=effecten))


def test_empty_prijsjaar_never_flips_the_sign():
    """Before: NCW +10.000 at --price-year 2020 and −11.133 at 2024 (the empty prijsjaar
    was read as 'already in 2024 prices'). The benefit of 2020 is in euros of 2020."""
    case = _price_case()
    at_2020 = evaluate(case, price_year=2020, discount_rate=R).result("V1").npv
    at_2024 = evaluate(case, price_year=2024, discount_rate=R).result("V1").npv
    assert at_2020 == pytest.approx(10_000, rel=1e-12)
    assert at_2024 == pytest.approx(10_000 * CPI[2024] / CPI[2020], rel=1e-12)  # 12.113
    assert round(at_2024) == 12113


def test_the_rule_is_shown_in_the_output(capsys):
    from mkba.base.assumptions import ASSUMPTIONS

    assert "eigen jaar van de regel" in ASSUMPTIONS["empty_price_year"].description
    ev = evaluate(_price_case())
    assert ev.parameters["price_year_source"] == "regel"


# --------------------------------------------------------------------------------------
# 6. no optimism correction on transfers

def test_a_contracted_subsidy_keeps_its_size():
    """Optimism 20 % on benefits, forecast from 2020 (peiljaar): a municipal subsidy of
    30.000 in 2021 stays 30.000 on both sides (before: 24.000, saldo gemeente 20 % better)."""
    taken = [TAKEN[0], ["V1", "Buurthuis", "WK036330", "2020", "2022", "", "20%"]]
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                 "waarde_per_eenheid", "prijsjaar", "overdracht_van"],
                ["V1", "Subsidie", "stichting", "2021", "2021", "1", "30000", "2020",
                 "gemeente"],
                ["V1", "Bezoeken", "bewoners", "2021", "2021", "1", "10000", "2020", ""]]
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"],
              ["V1", "2020", "stichting", "Exploitatie", "5000", "2020"]]
    case = read_case(frames(taken=taken, kosten=kosten, effecten=effecten,
                            casus=[["peiljaar"], ["2020"]]))
    r = evaluate(case, price_year=2020, discount_rate=R).result("V1")
    assert r.municipality["npv"] == pytest.approx(-30_000 * d(2021, 2020), rel=1e-12)
    # the benefit does get its correction: 10.000 × (1 − 0,2)
    assert r.npv == pytest.approx(-5_000 + 8_000 * d(2021, 2020), rel=1e-12)


def test_optimism_on_a_transfer_line_is_refused():
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                 "waarde_per_eenheid", "overdracht_van", "optimisme"],
                ["V1", "Subsidie", "stichting", "2021", "2021", "1", "30000", "gemeente",
                 "20%"]]
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag"],
              ["V1", "2020", "stichting", "Exploitatie", "5000"]]
    with pytest.raises(CaseError, match="effecten:2:optimisme: een overdracht"):
        read_case(frames(taken=TAKEN, kosten=kosten, effecten=effecten))


# --------------------------------------------------------------------------------------
# 7. a subsidy is matched per funder and recipient, not per year total

def _subsidy_case(transfer: bool):
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"],
              ["V1", "2020", "gemeente", "Eigen uren", "50000", "2020"],
              ["V1", "2020", "stichting", "Exploitatie", "40000", "2020"]]
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
                 "waarde_per_eenheid", "prijsjaar", "overdracht_van"]]
    if transfer:
        effecten.append(["V1", "Subsidie", "stichting", "2020", "2020", "1", "30000", "2020",
                         "gemeente"])
    financiering = [["taak_id", "jaar", "bron", "soort", "bedrag"],
                    ["V1", "2020", "gemeente", "subsidie", "30000"]]
    return read_case(frames(taken=TAKEN, kosten=kosten, effecten=effecten,
                            financiering=financiering, casus=CASUS))


def test_unbooked_subsidy_is_found_despite_other_municipal_costs():
    case = _subsidy_case(transfer=False)
    text = " ".join(str(w) for w in case.warnings)
    assert "financiering:2:bedrag: bijdrage van 'gemeente' aan taak V1 in 2020 (€ 30.000) " \
           "heeft geen tegenboeking" in text
    # booked as a transfer: saldo gemeente −50.000 − 30.000, no warning
    booked = _subsidy_case(transfer=True)
    assert booked.warnings == ()
    assert evaluate(booked, price_year=2020).result("V1").municipality["npv"] == \
        pytest.approx(-80_000)


def test_validate_prints_the_warning(tmp_path, capsys):
    folder = tmp_path / "c"
    folder.mkdir()
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"],
              ["V1", "2020", "gemeente", "Eigen uren", "50000", "2020"],
              ["V1", "2020", "stichting", "Exploitatie", "40000", "2020"]]
    financiering = [["taak_id", "jaar", "bron", "soort", "bedrag"],
                    ["V1", "2020", "gemeente", "subsidie", "30000"]]
    for name, rows in (("taken", TAKEN), ("kosten", kosten), ("financiering", financiering)):
        (folder / f"{name}.csv").write_text("\n".join(";".join(r) for r in rows) + "\n",
                                            encoding="utf-8")
    assert main(["validate", str(folder)]) == 0
    assert "waarschuwing: financiering.csv:2:bedrag: bijdrage van 'gemeente'" in \
        capsys.readouterr().out


# --------------------------------------------------------------------------------------
# 8. results do not change with the calendar

class _Date(datetime.date):
    today_value = datetime.date(2026, 6, 1)

    @classmethod
    def today(cls):
        return cls.today_value


def _calendar_case(casus: bool):
    taken = [TAKEN[0], ["V1", "Buurthuis", "WK036330", "2024", "2027", "20%", ""]]
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"]] + [
        ["V1", str(y), "gemeente", "Exploitatie", "100000", "2024"] for y in range(2024, 2028)]
    tables = {"taken": taken, "kosten": kosten}
    if casus:
        tables["casus"] = [["peiljaar", "prijsjaar"], ["2026", "2024"]]
    return read_case(frames(**tables))


@pytest.mark.parametrize("today", [datetime.date(2026, 6, 1), datetime.date(2027, 1, 2)])
def test_the_same_case_gives_the_same_npv_next_year(monkeypatch, today):
    monkeypatch.setattr(datetime, "date", type("D", (_Date,), {"today_value": today}))
    # peiljaar 2026 from the case: 2024 and 2025 realised, 2026–2027 + 20 %
    stated = evaluate(_calendar_case(True), discount_rate=R).result("V1").npv
    assert stated == pytest.approx(-100_000 * (1 + d(2025, 2024))
                                   - 120_000 * (d(2026, 2024) + d(2027, 2024)), rel=1e-12)
    # no casus table: the fixed rule, peiljaar = the year after the last CPI year (2025)
    rule = evaluate(_calendar_case(False), discount_rate=R)
    assert rule.parameters["peiljaar"] == 2025 and rule.parameters["peiljaar_source"] == "regel"
    assert rule.result("V1").npv == pytest.approx(
        -100_000 - 120_000 * (d(2025, 2024) + d(2026, 2024) + d(2027, 2024)), rel=1e-12)


def test_the_peiljaar_and_its_source_are_printed(capsys):
    from tests.conftest import EXAMPLE

    assert main(["evaluate", str(EXAMPLE), "--task", "T3"]) == 0
    assert "Peiljaar 2026 (uit de tabel casus)" in capsys.readouterr().out
    assert main(["evaluate", str(EXAMPLE), "--task", "T3", "--peiljaar", "2020"]) == 0
    assert "Peiljaar 2020 (opgegeven)" in capsys.readouterr().out


# --------------------------------------------------------------------------------------
# 9. the PM break-even is a present value, with the equal amount per year

def test_pm_break_even_per_year():
    effecten = [["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "pm", "pm_score"],
                ["V1", "Samenhang", "bewoners", "2020", "2022", "ja", "+"]]
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag", "prijsjaar"],
              ["V1", "2020", "gemeente", "Inzet", "90000", "2020"]]
    r = evaluate(read_case(frames(taken=TAKEN, kosten=kosten, effecten=effecten, casus=CASUS)),
                 discount_rate=R).result("V1")
    per_year = 90_000 / sum(d(t, 2020) for t in (2020, 2021, 2022))  # € 30.666
    be = r.pm_break_even
    assert be["amount"] == pytest.approx(90_000) and be["amount_per_year"] == pytest.approx(
        per_year, rel=1e-12)
    shown = f"{round(per_year):,}".replace(",", ".")
    assert be["text"] == ("de PM-posten moeten samen minstens € 90.000 (contante waarde, dat is "
                          f"€ {shown} per jaar over 2020–2022) waard zijn om de NCW "
                          "positief te maken")


def test_example_t3_break_even_per_year():
    """T3 of the example: NCW −373.106 over 2019–2024 → 373.106 / Σ 1,0225^−t (t = 0…5)."""
    from tests.conftest import EXAMPLE

    r = evaluate(read_case(EXAMPLE)).result("T3")
    per_year = -r.npv / sum(1.0225 ** -t for t in range(6))
    assert r.pm_break_even["amount_per_year"] == pytest.approx(per_year, rel=1e-12)
    assert round(per_year) == 65_694


# --------------------------------------------------------------------------------------
# 11. forgone wage is a net wage with a source, never an employer's labour cost

def _volunteer_case(with_net_wage: bool):
    kosten = [["taak_id", "jaar", "actor", "post", "soort", "hoeveelheid", "kengetal"],
              ["V1", "2020", "vrijwilligers", "Uren", "vrijwilligersinzet", "100", "uur"]]
    k = [KENGETALLEN[0], KENGETALLEN[1],
         ["productiviteit_uur", "Productiviteitskosten per uur", "39,88", "uur", "2020",
          "Kostenhandleiding", "", ""]]
    if with_net_wage:
        k.append(["nettoloon_uur", "Nettoloon per uur", "16", "uur", "2020",
                  "eigen bron van de gemeente (test)", "", ""])
    return read_case(frames(taken=TAKEN, kosten=kosten, kengetallen=k, casus=CASUS))


def test_gederfd_loon_uses_the_net_wage():
    r = evaluate(_volunteer_case(True), discount_rate=R).result("V1")
    methods = {m["method"]: m for m in r.volunteer["methods"]}
    assert methods["gederfd_loon"]["kengetal"] == "nettoloon_uur"
    assert methods["gederfd_loon"]["npv"] == pytest.approx(-100 * 16)  # not 100 × 39,88
    table = r.volunteer_table()
    assert "gederfd nettoloon" in set(table["waardering vrijwilligersuur"])


def test_gederfd_loon_without_a_net_wage_says_so():
    r = evaluate(_volunteer_case(False), discount_rate=R).result("V1")
    m = next(m for m in r.volunteer["methods"] if m["method"] == "gederfd_loon")
    assert m["npv"] is None and "nettoloon_uur" in m["note"] and "met bron" in m["note"]


# --------------------------------------------------------------------------------------
# 12. negative values are refused with an explanation

@pytest.mark.parametrize("table, column, rows, message", [
    ("kengetallen", "waarde", [KENGETALLEN[0], ["uur", "Uur", "-20", "uur", "2020", "x", "",
                                                 ""]], "kan niet negatief zijn"),
    ("kengetallen", "laag", [KENGETALLEN[0], ["uur", "Uur", "20", "uur", "2020", "x", "-5",
                                               "30"]], "laag kan niet negatief zijn"),
    ("financiering", "bedrag", [["taak_id", "jaar", "bron", "soort", "bedrag"],
                                ["V1", "2020", "fonds", "gift", "-1000"]],
     "kan niet negatief zijn; een aflossing"),
])
def test_negative_values_are_refused(table, column, rows, message):
    kosten = [["taak_id", "jaar", "actor", "post", "bedrag"],
              ["V1", "2020", "gemeente", "Inzet", "1000"]]
    with pytest.raises(CaseError, match=f"{table}:2:{column}: .*{message}"):
        read_case(frames(taken=TAKEN, kosten=kosten, **{table: rows}))


# --------------------------------------------------------------------------------------
# the template explains everything with an example, and its examples are a valid case

def test_template_examples_are_a_valid_case_with_passing_checks():
    from mkba.analysis.checks import failed, run_checks
    from mkba.case.schema import TABLES
    from mkba.case.template import EXAMPLE_ROWS, describe_tables

    tables = {t: pd.DataFrame(rows, columns=TABLES[t].column_names).astype(object)
              for t, rows in EXAMPLE_ROWS.items()}
    case = read_case(tables)
    assert [str(w) for w in case.warnings] == []
    ev = evaluate(case)
    assert failed(run_checks(ev, case=case, params={})) == []
    described = describe_tables()
    assert (described["voorbeeld"] != "").all()


def test_template_explains_ranges_variants_and_price_years(tmp_path):
    import openpyxl

    from mkba import write_template

    wb = openpyxl.load_workbook(write_template(tmp_path / "leeg.xlsx"))
    text = " ".join(str(c) for row in wb["toelichting"].iter_rows(values_only=True)
                    for c in row if c)
    for needle in ("Varianten:", "Prijsjaren:", "Bandbreedtes:", "Peiljaar",
                   "T1/Minder vernielingen/hoeveelheid", "tabblad bandbreedtes"):
        assert needle in text, needle
    casus = [list(r) for r in wb["casus"].iter_rows(values_only=True)]
    assert casus[0][:3] == ["naam", "peiljaar", "prijsjaar"] and casus[1][1:3] == [2025, 2024]


# --------------------------------------------------------------------------------------
# JSON and the notebook display

def test_json_carries_checks_and_sources(capsys):
    from tests.conftest import EXAMPLE

    assert main(["evaluate", str(EXAMPLE), "--task", "T2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["parameters"]["peiljaar_source"] == "casus"
    assert {c["status"] for c in data["checks"]} == {"ok"}
    t2 = {t["variant"]: t for t in data["tasks"]}
    assert t2["maatschappelijk_aanbesteden"]["irr_above_cap"] is True
    assert t2["maatschappelijk_aanbesteden"]["payback_year"] is not None


def test_result_tables_show_dutch_formats():
    from tests.conftest import EXAMPLE

    ev = evaluate(read_case(EXAMPLE))
    shown = repr(ev.result("T1").by_actor()) + ev.summary()._repr_html_()
    assert "€ −22.613" in repr(ev.summary()) or "€ −22.613" in ev.summary()._repr_html_()
    assert "e+06" not in shown and "NaN" not in shown and "." not in \
        repr(ev.result("T1").by_actor()).split("€")[0].split("\n")[-1]
    assert ev.result("T1").by_actor()["npv"].dtype == float
    assert "name" in ev.totals.columns and "naam" not in ev.totals.columns
    assert "explanation" in ev.pm.columns
