"""``mkba vergelijk`` and ``mkba monitor``: plan and realisation, and a task across moments.

The package modules are imported inside the command functions: ``mkba --help`` stays free of
pandas (measured start-up cost, README benchmarks).
"""

from __future__ import annotations

from mkba.run.commands.options import (
    EXIT_OK,
    MAX_DRAWS,
    add_settings_options,
    count,
    settings_from_args,
)
from mkba.run.commands.output import json_printable, printable

__all__ = ["add_parsers", "COMMANDS"]

_CASE_HELP = "map met CSV-bestanden of .xlsx-werkmap"


def add_parsers(sub) -> None:
    """Add ``vergelijk`` and ``monitor`` to the sub-parsers ``sub``.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-commands of ``mkba``.

    Examples
    --------
    >>> from mkba.run.commands.options import Parser
    >>> p = Parser(prog="mkba")
    >>> add_parsers(p.add_subparsers(dest="command", parser_class=Parser))
    >>> p.parse_args(["vergelijk", "oud", "nu", "--taak", "T1"]).task
    'T1'
    >>> p.parse_args(["monitor", "casus", "--simulaties", "500"]).monte_carlo
    500
    """
    p = sub.add_parser(
        "vergelijk",
        help="vergelijk het besluit met de evaluatie: waardoor verschoof de NCW?",
        description="Vergelijk twee versies van een casus (het besluit en een latere "
                    "evaluatie) per taak en variant, met dezelfde instellingen: NCW, kosten, "
                    "baten, B/K en saldo per actor van allebei, het verschil opgesplitst in "
                    "bijdragen (prijs, hoeveelheid, timing, nieuw, vervallen, aanname) die "
                    "precies optellen tot het verschil, en welke doelen en criteria gehaald "
                    "zijn.",
        epilog="Voorbeelden:\n  mkba vergelijk data/voorbeeld/versies/2017-besluit data/voorbeeld"
               "\n  mkba vergelijk besluit.xlsx casus.xlsx --task T1 --format json")
    p.add_argument("before", metavar="BESLUIT", help="de casus bij het besluit (" + _CASE_HELP
                   + ")")
    p.add_argument("after", metavar="EVALUATIE", help="de casus nu (" + _CASE_HELP + ")")
    p.add_argument("--task", metavar="ID", help="alleen deze taak")
    add_settings_options(p, report=False)
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="uitvoer als leesbare tabel (standaard) of als JSON")

    p = sub.add_parser(
        "monitor", help="de NCW van elke taak op elk bewaard moment, met Monte Carlo-interval",
        description="De NCW van elke taak en variant op elk bewaard moment van een casus "
                    "(besluit/ en versies/JJJJ-naam/ naast de bestanden, de casus zelf als "
                    "laatste), met het 5–95 %%-interval van Monte Carlo en het verschil sinds "
                    "het besluit.",
        epilog="Voorbeeld:\n  mkba monitor data/voorbeeld --task T1 --monte-carlo 5000")
    p.add_argument("case", metavar="CASUS", help="map van de casus, met besluit/ of versies/")
    p.add_argument("--task", metavar="ID", help="alleen deze taak")
    add_settings_options(p, report=False)
    p.add_argument("--monte-carlo", type=count(1, MAX_DRAWS), default=None, metavar="N",
                   help="trekkingen per moment (standaard 2.000, hoogstens 1.000.000)")
    p.add_argument("--seed", type=count(0), default=0, metavar="N",
                   help="startgetal voor de trekkingen (hetzelfde voor elk moment)")
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="uitvoer als leesbare tabel (standaard) of als JSON")


def compare(args) -> int:
    """``mkba vergelijk BESLUIT EVALUATIE``: the comparison as text or JSON."""
    # pandas: ≈ 0,3 s at import, kept off `import mkba.run.cli`
    from mkba.analysis.compare import compare as compare_versions

    result = compare_versions(args.before, args.after, settings_from_args(args), task=args.task)
    if args.format == "json":
        print(json_printable(result.to_json()))
    else:
        # pandas: ≈ 0,3 s at import, kept off `import mkba.run.cli`
        from mkba.report.versions_console import comparison_text

        print(printable(comparison_text(result)), end="")
    return EXIT_OK


def monitor(args) -> int:
    """``mkba monitor CASUS``: the NCW with its interval at every moment, as text or JSON."""
    # pandas: ≈ 0,3 s at import, kept off `import mkba.run.cli`
    from mkba.analysis.monitor import monitor as monitor_case

    result = monitor_case(args.case, settings_from_args(args), task=args.task)
    if args.format == "json":
        print(json_printable(result.to_json()))
    else:
        # pandas: ≈ 0,3 s at import, kept off `import mkba.run.cli`
        from mkba.report.versions_console import monitor_text

        print(printable(monitor_text(result)), end="")
    return EXIT_OK


COMMANDS = {"vergelijk": compare, "monitor": monitor}
