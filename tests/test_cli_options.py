"""Option handling of the command line (issue 21): every option has an English and a Dutch
name, rates are read as a Dutch user types them."""

from __future__ import annotations

import argparse
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mkba.run.cli import build_parser, main
from mkba.run.commands.options import OPTION_NAMES, SAME_IN_BOTH, Parser, rate

ENGLISH = set(OPTION_NAMES) | SAME_IN_BOTH
DUTCH = set(OPTION_NAMES.values()) | SAME_IN_BOTH


def _parsers(parser: Parser, prog: str = "mkba"):
    """(name, parser) of ``parser`` and every sub-command below it."""
    yield prog, parser
    for name, sub in parser.commands():
        yield f"{prog} {name}", sub


def _missing_names(parser: argparse.ArgumentParser) -> list[str]:
    """Every option of every command without an English or without a Dutch name."""
    found = []
    for prog, p in _parsers(parser):
        # every option went through Parser (and so got its aliases)
        assert [a for a in p._actions if a.option_strings] == \
            [a for a in p.options if a.option_strings]
        for action in p.options:
            names = [n for n in action.option_strings if n.startswith("--")]
            if not action.option_strings:
                continue
            if not set(names) & ENGLISH:
                found.append(f"{prog}: {'/'.join(action.option_strings)} heeft geen Engelse naam")
            if not set(names) & DUTCH:
                found.append(f"{prog}: {'/'.join(action.option_strings)} heeft geen "
                             "Nederlandse naam")
    return found


def test_every_option_of_every_command_has_an_english_and_a_dutch_name():
    parser = build_parser()
    assert len(list(_parsers(parser))) >= 10  # mkba, 8 commands, cbs ophalen/grenzen
    assert _missing_names(parser) == []


def test_the_check_finds_an_option_without_a_second_name():
    parser = Parser(prog="mkba")
    parser.add_argument("--kleur")
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    sub.add_parser("x").add_argument("--colour")
    assert _missing_names(parser) == ["mkba: --kleur heeft geen Engelse naam",
                                      "mkba: --kleur heeft geen Nederlandse naam",
                                      "mkba x: --colour heeft geen Engelse naam",
                                      "mkba x: --colour heeft geen Nederlandse naam"]


def test_argument_groups_get_the_aliases_too():
    parser = Parser(prog="mkba")
    parser.add_argument_group("g").add_argument("--threshold")
    parser.add_mutually_exclusive_group().add_argument("--force", action="store_true")
    args = parser.parse_args(["--drempel", "4", "--opnieuw"])
    assert args.threshold == "4" and args.force is True


def test_help_shows_both_names_of_every_option():
    for prog, p in _parsers(build_parser()):
        text = p.format_help()
        for action in p._actions:
            for name in action.option_strings:
                assert name in text, (prog, name)


@pytest.mark.parametrize("english, dutch", [
    (["evaluate", "C", "--task", "T1", "--discount-rate", "0.03", "--price-year", "2022",
      "--base-year", "2020", "--reference-year", "2023", "--format", "json", "--seed", "3",
      "--monte-carlo", "10", "--volunteer-valuation", "nul"],
     ["evaluate", "C", "--taak", "T1", "--discontovoet", "0,03", "--prijsjaar", "2022",
      "--basisjaar", "2020", "--peiljaar", "2023", "--formaat", "json", "--startgetal", "3",
      "--simulaties", "10", "--vrijwilligerswaardering", "nul"]),
    (["batch", "C", "--out", "o", "--district", "WK1", "--threshold", "5", "--workers", "2",
      "--all-districts", "--force", "--no-progress"],
     ["batch", "C", "--uitvoer", "o", "--wijk", "WK1", "--drempel", "5", "--werkers", "2",
      "--alle-wijken", "--opnieuw", "--geen-voortgang"]),
    (["cbs", "ophalen", "--municipality", "GM0114", "--years", "2020", "--level", "buurt",
      "--dir", "m", "--refresh", "--boundaries"],
     ["cbs", "ophalen", "--gemeente", "GM0114", "--jaren", "2020", "--niveau", "buurt",
      "--map", "m", "--vernieuw", "--kaart"]),
])
def test_dutch_and_english_names_mean_the_same(english, dutch):
    parser = build_parser()
    assert parser.parse_args(english) == parser.parse_args(dutch)


def test_the_old_mixed_name_all_wijken_still_works():
    parser = build_parser()
    assert parser.parse_args(["batch", "--out", "o", "--all-wijken"]).all_wijken is True


class TestRate:
    @pytest.mark.parametrize("text, value", [
        ("0.03", 0.03), ("0,03", 0.03), ("3%", 0.03), ("3 %", 0.03), (" 3% ", 0.03),
        ("2,25%", 0.0225), ("2.25 %", 0.0225), ("0,0225", 0.0225), ("-1%", -0.01),
        ("+4%", 0.04), (",5", 0.5), ("0", 0.0), ("12,5%", 0.125), ("150%", 1.5),
    ])
    def test_accepted_spellings(self, text, value):
        assert rate(text) == value  # exactly: 2,25 % is 0.0225, not 0.022500000000000003

    @pytest.mark.parametrize("text", ["3 procent", "", "1.000,5", "3%%", "abc", "0,0,3",
                                      "3e-2", "%"])
    def test_refused_with_a_dutch_message(self, text):
        with pytest.raises(argparse.ArgumentTypeError, match="geen fractie of percentage"):
            rate(text)

    @given(st.decimals(min_value=-50, max_value=50, places=4, allow_nan=False))
    def test_percent_is_the_number_divided_by_100(self, d):
        text = f"{d:f}".replace(".", ",")
        assert rate(text + "%") == float(Decimal(f"{d:f}") / 100)
        assert rate(text) == float(Decimal(f"{d:f}"))


@pytest.mark.parametrize("spelling", ["0,03", "3%", "3 %"])
def test_evaluate_accepts_dutch_rates(example_case, capsys, spelling):
    assert main(["evaluate", str(example_case), "--task", "T1", "--format", "json",
                 "--discount-rate", spelling]) == 0
    assert json.loads(capsys.readouterr().out)["parameters"]["discount_rate"] == 0.03


@pytest.mark.parametrize("command", ["evaluate", "report", "batch"])
def test_help_shows_dutch_decimals(command, capsys):
    # (the session sets its discount rate on the partners' pages, not on the command line)
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    assert "0,0225" in out and "0.0225" not in out


def test_the_documentation_lists_both_names_of_every_option():
    """docs/opdrachten.md carries the table made from the parser (MkDocs hook), and that table
    has both names of every option of every command."""
    from pathlib import Path

    from mkba.run.cli import option_table

    page = (Path(__file__).resolve().parents[1] / "docs" / "opdrachten.md").read_text("utf-8")
    assert "<!-- opties -->" in page
    table = option_table()
    for prog, p in _parsers(build_parser()):
        for action in p.options:
            for name in action.option_strings:
                if name.startswith("--"):
                    assert f"`{name}`" in table, (prog, name)


@pytest.mark.parametrize("prefix, key, value", [("--disc", "discount_rate", 0.03),
                                                ("--discon", "discount_rate", 0.03),
                                                ("--pr", "price_year", 2024)])
def test_a_prefix_of_both_names_of_one_option_is_not_ambiguous(prefix, key, value, example_case,
                                                               capsys):
    """Every option has an English and a Dutch name; a prefix that fits only the two names of
    one option (--disc: --discount-rate, --discontovoet) works as it did before the Dutch names
    (found by the second reader of issue 23)."""
    assert main(["evaluate", str(example_case), "--t", "T1", "--format", "json", prefix,
                 str(value)]) == 0
    assert json.loads(capsys.readouterr().out)["parameters"][key] == value


def test_a_prefix_of_two_options_is_still_ambiguous(example_case, capsys):
    with pytest.raises(SystemExit) as stop:  # --price-year/--prijsjaar or --peiljaar
        main(["evaluate", str(example_case), "--p", "2024"])
    assert stop.value.code == 2 and "niet eenduidig" in capsys.readouterr().err
