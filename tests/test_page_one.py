"""Page one of the wijk report, as residents read it: grammar, wording and notices, on several
cases (one task, two variants, no trekker, no doelen, a scenario)."""

from __future__ import annotations

import re

import pytest

from mkba.base.formatting import fmt_chance, fmt_eur_compact
from mkba.report import reports
from mkba.report.reports import wijk_report
from mkba.report.sections import summary as page_one
from mkba.report.text import targets_sentence
from mkba.uncertainty import Scenario

from .conftest import EXAMPLE, write_case

#: A chance as the report writes it: never 100 % or 0 % (a simulation cannot show certainty).
CHANCE = r"(meer dan 99 %|minder dan 1 %|\d+ %)"


def text_of(html) -> str:
    """Visible text of an HTML fragment, one space between words (inline tags such as <b> and
    <bdi> are no word break)."""
    html = re.sub(r"</?(b|bdi|i|em|strong|span|a)\b[^>]*>", "", str(html))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" .", ".").strip()


@pytest.fixture(scope="module")
def one_task():
    return wijk_report("WK036330", str(EXAMPLE), effects=False, draws=400)


@pytest.fixture(scope="module")
def two_variants():
    return wijk_report("WK036339", str(EXAMPLE), effects=False, draws=400)


class TestOneTask:
    def test_word_order_and_trekker(self, one_task):
        page = text_of(one_task.summary())
        assert "Sinds 2018 voert Bewonersstichting Transvaal deze taak uit (convenant)." in page
        assert "Sinds 2018 Bewonersstichting" not in page

    def test_targets_counted_in_correct_dutch(self, one_task):
        # metingen.csv: bezoekers_buurthuis 12.600 in 2024 ≥ target 12.000 (met);
        # tevreden_over_buurt 0,71 in 2023 < target 0,75 (not met): 1 of 2
        assert "Doelen: 1 van de 2 doelen is gehaald." in text_of(one_task.summary())

    def test_volunteer_time_is_not_paid(self, one_task):
        page = text_of(one_task.summary())
        vol = one_task.results[0].by_actor().set_index("actor").loc["vrijwilligers", "pv_costs"]
        assert f"Vrijwilligers zetten tijd in ter waarde van {fmt_eur_compact(vol)}." in page
        assert "betaalt: vrijwilligers" not in page

    def test_illustrative_values_are_named(self, one_task):
        page = text_of(one_task.summary())
        # effecten.csv: the note of this line says "illustratief bedrag"; kengetal
        # bijstand_jaar (used by the bijstand line) has bron "ILLUSTRATIEF, geen bron"
        assert "illustratief" in page
        assert "Vermeden exploitatie gemeentelijk buurthuis" in page
        assert "Minder bijstand door doorstroom van vrijwilligers naar werk" in page

    def test_one_chance_everywhere(self, one_task):
        """P(NCW > 0) on page one, in the uncertainty text and in the figure title is one
        number (from one Monte Carlo run)."""
        chances = set(re.findall(CHANCE, text_of(one_task.summary())))
        unc = text_of(one_task.section_uncertainty())
        found = re.findall(rf"Kans dat de baten groter zijn dan de kosten: {CHANCE}", unc)
        mc = one_task.uncertainty[("T1", "project")]["monte_carlo"]
        # independent: the share of draws with NPV > 0
        share = float((mc.npv > 0).mean())
        assert found == [fmt_chance(share)]
        assert fmt_chance(share) in chances

    def test_data_age(self, one_task, monkeypatch):
        page = text_of(one_task.summary())
        year = one_task.profile.year
        assert f"De wijkcijfers van het CBS in dit rapport zijn van {year}." in page
        monkeypatch.setattr(page_one, "report_year", lambda: year + 4)
        assert "4 jaar ouder dan dit rapport" in text_of(one_task.summary())
        monkeypatch.setattr(page_one, "report_year", lambda: year + 3)
        assert "ouder dan dit rapport" not in text_of(one_task.summary())

    def test_names_not_codes(self, one_task):
        assert "gemeente Amsterdam" in text_of(one_task.title())
        assert "GM0363" not in one_task.title()._repr_html_()
        profile = one_task.section_profile()._repr_html_()
        for code in one_task.profile.similar:
            assert code not in profile
        assert "rapport.profile" not in profile


class TestTwoVariants:
    @pytest.mark.slow
    def test_variants_in_words_and_compared(self, two_variants):
        page = text_of(two_variants.summary())
        assert "klassiek_aanbesteden" not in page and "maatschappelijk_aanbesteden" not in page
        assert "Variant: klassiek aanbesteden" in page
        res = {r.variant: r for r in two_variants.results}
        kl, ma = res["klassiek_aanbesteden"], res["maatschappelijk_aanbesteden"]
        # the municipality gains in both variants (it stops maintaining the park itself), so
        # the sentence compares its balance; by hand: saldo(ma) − saldo(kl), NCW(ma) − NCW(kl)
        d_gem = ma.municipality["npv"] - kl.municipality["npv"]
        d_npv = ma.npv - kl.npv
        assert d_gem > 0 and d_npv > 0
        assert (f"Voor de gemeente is het saldo bij maatschappelijk aanbesteden "
                f"{fmt_eur_compact(d_gem)} hoger dan bij klassiek aanbesteden; voor de "
                f"samenleving is het saldo {fmt_eur_compact(d_npv)} hoger.") in page

    def test_klassiek_variant_does_not_say_residents_do_the_work(self, two_variants):
        html = text_of(two_variants.summary())
        klassiek = html[html.index("Variant: klassiek"):html.index("Variant: maatschappelijk")]
        assert "Bewonerscollectief" not in klassiek and "voert" not in klassiek
        assert "Bij maatschappelijk aanbesteden voert Bewonerscollectief Kolenkit" in text_of(
            html)

    def test_one_chance_per_variant_everywhere(self, two_variants):
        """The variants table, the per-variant text and page one show one P(NCW > 0)."""
        page = text_of(two_variants.summary())
        unc = text_of(two_variants.section_uncertainty())
        for r in two_variants.results:
            mc = two_variants.uncertainty[(r.task_id, r.variant)]["monte_carlo"]
            p = fmt_chance(float((mc.npv > 0).mean()))  # independent: share of draws > 0
            label = r.variant.replace("_", " ")
            row = re.search(rf"{label} € −?[\d.]+ [\d,–]+ {CHANCE}", unc)
            assert row and row[1] == p, (label, p)
            assert unc.count(f"Kans dat de baten groter zijn dan de kosten: {p}") >= 1
            assert f"Variant: {label}" in page
            part = page[page.index(f"Variant: {label}"):]
            assert re.search(rf"De kans dat de baten groter zijn dan de kosten is {CHANCE}",
                             part)[1] == p

    def test_cost_comparison_with_a_paying_municipality(self):
        """The sentence the issue asks for, when the municipality pays in the reference."""
        class R:
            def __init__(self, variant, gem, npv):
                self.variant, self.municipality, self.npv = variant, {"npv": gem}, npv

        kl, ma = R("klassiek_aanbesteden", -200_000, 50_000), R("maatschappelijk", -150_000,
                                                               80_000)
        text = text_of(reports.compare_variants_sentence([kl, ma]))
        # 200.000 − 150.000 = 50.000 less, 50.000 / 200.000 = 25 %; NCW 80.000 − 50.000
        assert text == ("Maatschappelijk kost de gemeente € 50.000 (25 %) minder dan "
                        "klassiek aanbesteden; voor de samenleving is het saldo € 30.000 hoger.")


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    case = write_case(tmp_path_factory.mktemp("kaal") / "casus")
    return wijk_report("WK036330", str(case), effects=False, draws=0)


class TestWithoutTrekkerAndDoelen:

    def test_no_trekker(self, bare):
        assert "Sinds 2019 voeren bewoners of ondernemers deze taak uit." in text_of(
            bare.summary())

    def test_no_doelen_no_sentence(self, bare):
        assert "Doelen" not in text_of(bare.summary())
        assert "kans" not in text_of(bare.summary()).lower()  # no Monte Carlo asked


@pytest.mark.parametrize("done,total,expected", [
    (0, 1, "het doel is (nog) niet gehaald."), (1, 1, "het doel is gehaald."),
    (0, 2, "geen van de 2 doelen is gehaald."), (1, 3, "1 van de 3 doelen is gehaald."),
    (2, 3, "2 van de 3 doelen zijn gehaald."), (3, 3, "alle 3 doelen zijn gehaald.")])
def test_targets_sentence(done, total, expected):
    assert targets_sentence(done, total) == expected


def test_scenario_is_named_with_what_it_changes(tmp_path):
    path = Scenario("partners november", {"vervangingskosten_uur": 12.5},
                    {"discount_rate": 0.03, "volunteer_valuation": "vervangingskosten"},
                    "lagere waarde vrijwilligersuur").save(tmp_path / "s.json")
    r = wijk_report("WK036330", str(EXAMPLE), effects=False, draws=0, scenario_path=str(path))
    page = text_of(r.summary())
    assert "scenario partners november (lagere waarde vrijwilligersuur)" in page
    assert "niet de aannames uit de casus" in page
    # the assumption by its name in the case (kengetallen.csv: omschrijving), not its code
    assert "discontovoet 3,00 %" in page and "vervangingskosten_uur" not in page
    assert ("Vervangingskosten per uur onbetaalde arbeid (vrijwilligerswerk) (€ per uur) "
            "12,50") in page


def test_targets_use_the_indicators_dutch_name_in_table_and_chart(one_task):
    """metingen.csv names bezoekers_buurthuis 'Bezoekers van het buurthuis' (omschrijving):
    the targets table and the chart's axis show that name, never the code."""
    import matplotlib.pyplot as plt

    from mkba.figures.plots import plot_targets

    html = str(one_task.section_targets())
    assert "Bezoekers van het buurthuis" in text_of(html)
    assert "bezoekers_buurthuis" not in html
    t = one_task.targets.assign(label=["Bezoekers van het buurthuis", "Tevreden over de buurt"])
    ax = plot_targets(t)
    ticks = " ".join(x.get_text() for x in ax.get_yticklabels())
    plt.close(ax.figure)
    assert "Bezoekers van het buurthuis (T1, 2024)" in ticks.replace("\n", " ")
    assert "bezoekers_buurthuis" not in ticks


# ---------------------------------------------------------------- amounts that add up


def _euros(text: str) -> float:
    """'€ 1.039.000' → 1039000; '€ 12,3 mln' → 12300000 (read back by hand, not by mkba)."""
    t = text.replace("€", "").replace("−", "-").strip()
    if t.endswith("mln"):
        return float(t[:-3].replace(",", ".")) * 1e6
    return float(t.replace(".", ""))


def test_page_one_sentence_adds_up_on_the_example(two_variants):
    """Issue 21: "levert € 1 mln op" next to "€ 741.000" and "€ 298.000 meer" did not add up."""
    page = text_of(two_variants.summary())
    for costs, benefits, diff in re.findall(
            r"kost de taak de samenleving (€ [\d.,]+(?: mln)?)\. Wat we in geld kunnen "
            r"uitdrukken, levert (€ [\d.,]+(?: mln)?) op\. Dat is (€ [\d.,]+(?: mln)?) "
            r"(?:meer|minder)", page):
        assert abs(_euros(benefits) - _euros(costs)) == pytest.approx(_euros(diff))
    assert "levert € 1.039.000 op. Dat is € 298.000 meer" in page


@pytest.mark.parametrize("costs,benefits", [(740_816, 1_039_122), (999_499, 1_000_501),
                                            (5_000, 12_500), (12_340_000, 11_960_000)])
def test_rounded_amounts_add_up(costs, benefits):
    from mkba.report.text import page_one_amounts

    c, b, d, shown = page_one_amounts(costs, benefits)
    assert _euros(b) - _euros(c) == pytest.approx(_euros(d))
    assert _euros(d) == pytest.approx(shown)


def test_rounded_amounts_add_up_for_any_amounts():
    from hypothesis import given
    from hypothesis import strategies as st

    from mkba.report.text import page_one_amounts

    @given(st.floats(0, 5e8), st.floats(0, 5e8))
    def check(costs, benefits):
        c, b, d, shown = page_one_amounts(costs, benefits)
        assert _euros(b) - _euros(c) == pytest.approx(_euros(d), abs=1e-6)
        # the rounded difference stays within one rounding unit of the exact one
        unit = 1 if max(costs, benefits) < 1e4 else 1e3 if max(costs, benefits) < 1e7 else 1e5
        assert abs(shown - (benefits - costs)) <= unit + 1e-6

    check()


def test_a_simulated_chance_is_never_certain(two_variants):
    """The maatschappelijk variant's draws are all positive: "meer dan 99 %", never 100 %."""
    mc = two_variants.uncertainty[("T2", "maatschappelijk_aanbesteden")]["monte_carlo"]
    assert float((mc.npv > 0).mean()) > 0.99  # by the draws themselves
    for text in (text_of(two_variants.summary()), text_of(two_variants.section_uncertainty())):
        assert "100 %" not in text and "meer dan 99 %" in text


def test_price_year_and_peiljaar_are_named_once(two_variants):
    page = text_of(two_variants.summary())
    peil = two_variants.results[0].parameters["peiljaar"]
    assert page.count("prijspeil") == 1 and page.count("peiljaar") == 1
    assert f"euro's van {two_variants.parameters['price_year']} (prijspeil)" in page
    # the example's casus table states the peiljaar: page one says where it came from
    assert f"Bedragen tot {peil} (het peiljaar, uit de casus) zijn gerealiseerd" in page


def test_comparison_wijken_come_from_where_the_docs_say_and_are_named(one_task):
    """docs/wijkprofiel.md: the 5 wijken most like this one, same level, never a wijk with a
    task of its own; shown by name (their codes only in the appendix' table of codes)."""
    from mkba.evidence.cbs import load_kwb, region_names
    from mkba.report.regions import region_label

    r = one_task
    task_wijken = set(r.case.taken["wijk_code"])
    kwb = load_kwb()
    in_year = set(kwb.loc[kwb["year"] == r.profile.year, "region_code"])
    assert len(r.profile.similar) == 5
    for code in r.profile.similar:
        assert code.startswith("WK") and code not in task_wijken and code in in_year
    names = region_names(kwb)
    profile = text_of(r.section_profile())
    for code in r.profile.similar:
        assert names[code] in profile and code not in profile
    appendix = str(r.section_appendix())
    for code in r.profile.similar:
        assert f"<td>{code}</td><td>{names[code]}</td>" in appendix
    # a wijk the shipped tables have no name for is not shown by its code
    assert region_label("WK020202") == "wijk zonder naam in de CBS-cijfers"


def test_effect_details_name_the_wijken():
    """The technical table of an effect names the treated and comparison wijken (the issue
    found "WK020202" there)."""
    from mkba.evidence.counterfactual import EffectEstimate
    from mkba.report.sections.effects import technical_rows

    est = EffectEstimate("PersonenPerSoortUitkeringBijstand", (("WK036330", 2018),), -4.7,
                         -9.0, -0.4, 0.03, "verschil-in-verschillen", "rangtoets",
                         ("WK036331", "WK036342", "WK020202"), None, {"n": 99}, 4, 2, (),
                         unit="per 1.000 inwoners", label="Personen met bijstand")
    rows = dict(technical_rows(est))
    assert rows["Indicator"] == "Personen met bijstand"
    assert rows["Behandelde wijk(en)"] == "Transvaalbuurt (vanaf 2018)"
    assert rows["Vergelijkingswijken"] == ("Indische Buurt West, Hoofdweg e.o., wijk zonder "
                                           "naam in de CBS-cijfers")
    assert not re.search(r"\b(WK|GM)\d{4}", " ".join(rows.values()))
