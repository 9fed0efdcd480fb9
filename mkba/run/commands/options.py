"""Option handling of ``mkba``, in one place: the Dutch parser, every option's English and
Dutch name, and the value types of the command line.

Every option has an English and a Dutch name (``--discount-rate`` and ``--discontovoet``),
both shown by ``--help``. A command adds an option under one of its names; :class:`Parser`
adds the other from :data:`OPTION_NAMES`, so a command added later gets its aliases from the
same table (``tests/test_cli_options.py`` checks that every option of every command has both).

This module imports only the standard library and stdlib-only ``mkba.base`` modules:
``mkba --help`` needs it before pandas.
"""

from __future__ import annotations

import argparse
import re
import sys

from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD, VOLUNTEER_METHODS
from mkba.base.settings import Settings

__all__ = ["Parser", "OPTION_NAMES", "SAME_IN_BOTH", "with_aliases", "count", "rate",
           "add_settings_options", "settings_from_args", "EXIT_OK", "EXIT_FAILED",
           "EXIT_INVALID", "MAX_DRAWS"]

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2

#: Most Monte Carlo draws `evaluate` accepts (memory stays bounded: draws run in chunks).
MAX_DRAWS = 1_000_000

#: English option name → Dutch option name. A command may use either; the parser adds the other.
OPTION_NAMES: dict[str, str] = {
    "--help": "--hulp",
    "--task": "--taak",
    "--discount-rate": "--discontovoet",
    "--price-year": "--prijsjaar",
    "--base-year": "--basisjaar",
    "--volunteer-valuation": "--vrijwilligerswaardering",
    "--market-value-code": "--marktprijscode",
    "--wage-code": "--looncode",
    "--volunteer-benefit-code": "--vrijwilligersbatencode",
    "--reference-year": "--peiljaar",
    "--threshold": "--drempel",
    "--monte-carlo": "--simulaties",
    "--draws": "--trekkingen",
    "--seed": "--startgetal",
    "--format": "--formaat",
    "--district": "--wijk",
    "--start-year": "--startjaar",
    "--comparisons": "--vergelijkingswijken",
    "--exclude-neighbours": "--zonder-buren",
    "--out": "--uitvoer",
    "--workers": "--werkers",
    "--scheduler": "--planner",
    "--all-districts": "--alle-wijken",
    "--force": "--opnieuw",
    "--isolate": "--apart",
    "--no-progress": "--geen-voortgang",
    "--port": "--poort",
    "--no-browser": "--geen-browser",
    "--municipality": "--gemeente",
    "--years": "--jaren",
    "--level": "--niveau",
    "--dir": "--map",
    "--refresh": "--vernieuw",
    "--table": "--tabel",
    "--mapping": "--indeling",
    "--boundaries": "--kaart",
    "--overwrite": "--overschrijf",
    "--participants": "--deelnemers",
}
#: Option names that are the same word in English and Dutch.
SAME_IN_BOTH = frozenset({"--horizon", "--scenario", "--pdf", "--indicator", "--variant",
                          "--placebos", "--plan", "--lan"})
_DUTCH_TO_ENGLISH = {dutch: english for english, dutch in OPTION_NAMES.items()}
assert len(_DUTCH_TO_ENGLISH) == len(OPTION_NAMES), "a Dutch name stands for two English ones"

_ARGPARSE_NL = [
    (r"the following arguments are required: (.*)", r"deze argumenten ontbreken: \1"),
    (r"unrecognized arguments: (.*)", r"onbekende argumenten: \1"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"argument \1: ongeldige waarde \3"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
     r"argument \1: ongeldige keuze \2 (kies uit \3)"),
    (r"argument (\S+): expected one argument", r"argument \1: verwacht één waarde"),
    (r"ambiguous option: (\S+) could match (.*)", r"optie \1 is niet eenduidig: \2"),
]


def with_aliases(names) -> tuple[str, ...]:
    """The option names with the other language's name added (given names first).

    Parameters
    ----------
    names : sequence of str
        The names a command gives (``"--discount-rate"``, or ``"-h", "--help"``).

    Returns
    -------
    tuple of str
        The same names followed by the partner of each long name in :data:`OPTION_NAMES`
        that is not given already. A positional argument's name is returned unchanged.

    Examples
    --------
    >>> with_aliases(["--discount-rate"])
    ('--discount-rate', '--discontovoet')
    >>> with_aliases(["--peiljaar"])
    ('--peiljaar', '--reference-year')
    >>> with_aliases(["--horizon"]), with_aliases(["case"])
    (('--horizon',), ('case',))
    """
    names = tuple(names)
    extra = []
    for name in names:
        partner = OPTION_NAMES.get(name) or _DUTCH_TO_ENGLISH.get(name)
        if partner and partner not in names and partner not in extra:
            extra.append(partner)
    return names + tuple(extra)


def _aliasing(container, parser):
    """Make ``container.add_argument`` (an argument group) add the aliases too, and record
    the option in ``parser.options``."""
    def add_argument(*names, **kwargs):
        action = type(container).add_argument(container, *with_aliases(names), **kwargs)
        parser.options.append(action)
        return action

    container.add_argument = add_argument
    return container


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """ArgumentParser that speaks Dutch and gives every option its English and Dutch name.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`argparse.ArgumentParser`.

    Examples
    --------
    >>> p = Parser(prog="mkba")
    >>> _ = p.add_argument("--discount-rate", type=rate)
    >>> p.parse_args(["--discontovoet", "3%"]).discount_rate
    0.03
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        #: every argument added, in order (argparse keeps its own list private)
        self.options: list[argparse.Action] = []
        #: sub-command name → its parser
        self.subcommands: dict[str, argparse.ArgumentParser] = {}
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        self.add_argument("-h", "--help", action="help", help="toon deze hulp en stop")

    def add_argument(self, *names, **kwargs):
        action = super().add_argument(*with_aliases(names), **kwargs)
        self.options.append(action)
        return action

    def add_argument_group(self, *args, **kwargs):
        return _aliasing(super().add_argument_group(*args, **kwargs), self)

    def add_mutually_exclusive_group(self, **kwargs):
        return _aliasing(super().add_mutually_exclusive_group(**kwargs), self)

    def add_subparsers(self, **kwargs):
        action = super().add_subparsers(**kwargs)
        self.subcommands = action.choices  # filled as sub-parsers are added
        return action

    def commands(self, prog: str = ""):
        """(command, parser) of every sub-command below this parser, depth first.

        Examples
        --------
        >>> p = Parser(prog="mkba")
        >>> sub = p.add_subparsers(dest="command", parser_class=Parser)
        >>> _ = sub.add_parser("cbs").add_subparsers(parser_class=Parser).add_parser("ophalen")
        >>> [name for name, _ in p.commands()]
        ['cbs', 'cbs ophalen']
        """
        for name, sub in self.subcommands.items():
            yield f"{prog} {name}".strip(), sub
            if isinstance(sub, Parser):
                yield from sub.commands(f"{prog} {name}")

    def _get_option_tuples(self, option_string):
        # A prefix such as --disc matches both names of one option (--discount-rate and
        # --discontovoet); argparse would call that ambiguous. Keep one match per option, so
        # that a prefix is ambiguous only between different options (the first element of
        # each tuple is the action, in every Python 3.11+ version of this private method).
        seen, unique = set(), []
        for match in super()._get_option_tuples(option_string):
            if id(match[0]) not in seen:
                seen.add(id(match[0]))
                unique.append(match)
        return unique

    def error(self, message):
        for pattern, replacement in _ARGPARSE_NL:
            message = re.sub(pattern, replacement, message)
        self.print_usage(sys.stderr)
        self.exit(EXIT_INVALID, f"{self.prog}: fout: {message}\n")


def count(low: int, high: int | None = None):
    """An argparse type: a whole number between ``low`` and ``high`` (Dutch message).

    Parameters
    ----------
    low, high : int
        The smallest and (optionally) the largest number accepted.

    Returns
    -------
    callable
        Text → int, raising :class:`argparse.ArgumentTypeError` with a Dutch message.

    Examples
    --------
    >>> count(1, 10)("3")
    3
    >>> count(1, 10)("12")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: 12 moet hoogstens 10 zijn
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is geen geheel getal") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} moet minstens {low} zijn")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(
                f"{value} moet hoogstens {high:_} zijn".replace("_", "."))
        return value

    parse.__name__ = "geheel getal"
    return parse


_NOT_FINITE = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan"}
_RATE = re.compile(r"\s*([+-]?)(\d+(?:[.,]\d+)?|[.,]\d+)\s*(%?)\s*")


def rate(text: str) -> float:
    """An argparse type: a rate or fraction as a Dutch user types it.

    ``0.03``, ``0,03``, ``3%``, ``3 %`` and ``2,25%`` are all accepted; a number with ``%`` is
    divided by 100. (The range is checked by :class:`mkba.base.settings.Settings`.) Written
    here rather than with :func:`mkba.case.numbers.parse_number`, which imports numpy and knows
    thousands separators a rate never has.

    Parameters
    ----------
    text : str
        What the user typed.

    Returns
    -------
    float

    Examples
    --------
    >>> rate("0,03"), rate("3%"), rate("2,25 %"), rate("0.0225"), rate("-1%")
    (0.03, 0.03, 0.0225, 0.0225, -0.01)
    >>> rate("3 procent")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: '3 procent' is geen fractie of percentage (bijv. 0,0225 of 2,25%)
    """
    if text.strip().lower() in _NOT_FINITE:  # Settings explains why it cannot be used
        return float(text)
    match = _RATE.fullmatch(text)
    if not match:
        raise argparse.ArgumentTypeError(
            f"'{text}' is geen fractie of percentage (bijv. 0,0225 of 2,25%)")
    sign, number, percent = match.groups()
    digits = number.replace(",", ".")
    if percent:  # divide in decimal text, so 2,25 % is exactly 0.0225 and not 0.022500000000000003
        whole, _, frac = digits.partition(".")
        whole = whole.rjust(3, "0")
        digits = f"{whole[:-2]}.{whole[-2:]}{frac}"
    return float(sign + digits)


rate.__name__ = "fractie"


def add_settings_options(p: argparse.ArgumentParser, *, report: bool) -> None:
    """Add the options that make a :class:`mkba.base.settings.Settings`.

    The same for ``evaluate``, ``report`` and ``batch``. Every default is None ("not chosen"):
    the scenario's value, else the default; a value given here always beats the scenario's.

    Parameters
    ----------
    p : argparse.ArgumentParser
        The command's parser.
    report : bool
        Also the options of a report (``--threshold``, ``--pdf``, ``--kaart``).

    Examples
    --------
    >>> p = Parser(prog="mkba evaluate")
    >>> add_settings_options(p, report=False)
    >>> p.parse_args(["--prijsjaar", "2023"]).price_year
    2023
    """
    p.add_argument("--discount-rate", type=rate, default=None, metavar="R",
                   help="reële discontovoet, als fractie of percentage: 0,03 of 3%% "
                        "(standaard: die van het scenario, anders 0,0225 = 2,25 %%)")
    p.add_argument("--price-year", type=int, default=None, metavar="JAAR",
                   help="prijspeil van alle bedragen (standaard: prijsjaar uit de tabel "
                        "casus, anders het laatste CPI-jaar)")
    p.add_argument("--base-year", type=int, default=None, metavar="JAAR",
                   help="jaar waarnaar contant gemaakt wordt (standaard: startjaar van de taak)")
    p.add_argument("--horizon", type=int, default=None, metavar="N",
                   help="batenhorizon: N jaar (1–200) vanaf startjaar (ook na eindjaar; "
                        "standaard horizonjaar of eindjaar van de taak); restwaarde aan het eind")
    p.add_argument("--volunteer-valuation", choices=list(VOLUNTEER_METHODS), default=None,
                   metavar="METHODE",
                   help="waardering van een vrijwilligersuur: " + ", ".join(VOLUNTEER_METHODS)
                        + " (standaard: die van het scenario, anders vervangingskosten)")
    p.add_argument("--market-value-code", metavar="CODE", default=None,
                   help="kengetal met de marktprijs per uur van de dienst (standaard "
                        "marktprijs_uur)")
    p.add_argument("--wage-code", metavar="CODE", default=None,
                   help="kengetal met het gederfde nettoloon per uur, met bron in de casus "
                        "(standaard nettoloon_uur)")
    p.add_argument("--volunteer-benefit-code", metavar="CODE", default=None,
                   help="kengetal met de waarde van vrijwilligerswerk voor de vrijwilliger per "
                        "uur (standaard geen)")
    p.add_argument("--peiljaar", type=int, default=None, metavar="JAAR",
                   help="eerste prognosejaar; eerdere jaren zijn gerealiseerd en krijgen geen "
                        "correctie voor optimisme (standaard: peiljaar uit de tabel casus, "
                        "anders het jaar na het laatste CPI-jaar; nooit de datum van vandaag)")
    p.add_argument("--scenario", metavar="BESTAND", default=None,
                   help="scenario (JSON) met gekozen aannames, bijv. uit de evaluatiesessie; "
                        "een optie die u zelf opgeeft gaat voor")
    if report:
        p.add_argument("--threshold", type=count(0), default=SMALL_NUMBER_THRESHOLD,
                       metavar="N", help="aantallen onder deze drempel worden niet getoond "
                                         f"(standaard {SMALL_NUMBER_THRESHOLD})")
        p.add_argument("--pdf", action="store_true",
                       help="maak naast elk HTML-rapport ook een PDF (A4; nodig: chromium)")
        p.add_argument("--kaart", metavar="BESTAND.geojson", default=None, dest="map_file",
                       help="eigen wijk- of buurtgrenzen (GeoJSON, RD New of lengte-/"
                            "breedtegraden) in plaats van de opgehaalde of meegeleverde kaart")
        p.add_argument("--plan", metavar="MAP", default=None, dest="plan_path",
                       help="de versie van de casus waarover besloten is, voor de sectie 'Plan "
                            "en werkelijkheid' (standaard: besluit/ of versies/JJJJ-…besluit…/ "
                            "naast de casus)")


def settings_from_args(args):
    """The command line's :class:`mkba.base.settings.Settings`, checked — and the scenario
    file too, before any work.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.

    Returns
    -------
    mkba.base.settings.Settings

    Examples
    --------
    >>> p = Parser(prog="mkba evaluate")
    >>> add_settings_options(p, report=False)
    >>> settings_from_args(p.parse_args(["--discontovoet", "3%"])).discount_rate
    0.03
    """
    settings = Settings.from_args(args).validate()
    if settings.scenario:
        from mkba.uncertainty import load_scenario  # pandas: only when a scenario is given

        load_scenario(settings.scenario)
    if settings.map_file:  # read now, with the checks of every map: codes and coordinates
        from mkba.evidence.geo import read_boundaries  # only when a map file is given

        read_boundaries(settings.map_file)
    if settings.plan_path:  # read now: a plan that cannot be read stops before any work
        from mkba.case.read import read_case  # pandas: only when a plan is given

        read_case(settings.plan_path)
    return settings
