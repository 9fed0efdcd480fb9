"""The ``mkba`` command: thin — parse arguments, call one package function, print or write.

Exit codes: 0 success, 2 invalid input (a case, a parameter or the command line), 1 any
other failure (for ``batch``: one or more wijken failed).

The commands live in :mod:`mkba.run.commands`, one module per group; option names (English
and Dutch) and value types in :mod:`mkba.run.commands.options`. This module puts them together
and is the console script's entry point (``mkba.run.cli:main``).
"""

from __future__ import annotations

import argparse
import sys

from mkba.base.errors import CaseError
from mkba.run.commands import cases, cbs, reports, session, versions
from mkba.run.commands.options import EXIT_INVALID, OPTION_NAMES, SAME_IN_BOTH, Parser
from mkba.run.commands.output import UserFacingErrors, printable

__all__ = ["main", "build_parser", "option_table", "COMMANDS", "GROUPS"]

#: The command groups, in the order ``mkba --help`` lists them.
GROUPS = (cases, versions, reports, session, cbs)
#: Command name → function of the parsed arguments returning the exit code.
COMMANDS = {name: func for group in GROUPS for name, func in group.COMMANDS.items()}


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``mkba`` with every command.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> build_parser().parse_args(["evaluate", "casus", "--discontovoet", "2,5%"]).discount_rate
    0.025
    """
    parser = Parser(
        prog="mkba",
        description="Maatschappelijke kosten-batenanalyse (MKBA) van maatschappelijk "
                    "aanbestede taken, per wijk.",
        epilog="Voorbeeld:\n  mkba validate data/voorbeeld\n  mkba evaluate data/voorbeeld\n"
               "Elke optie heeft een Nederlandse en een Engelse naam, bijv. --discontovoet en "
               "--discount-rate.",
    )
    sub = parser.add_subparsers(dest="command", title="opdrachten", metavar="OPDRACHT",
                                parser_class=Parser)
    for group in GROUPS:
        group.add_parsers(sub)
    return parser


def option_table() -> str:
    """The Markdown table of every option: Dutch name, English name, the commands that have it.

    Made from the parser itself, so the documentation (``docs/opdrachten.md``, through the
    MkDocs hook) cannot drift from ``--help``.

    Returns
    -------
    str

    Examples
    --------
    >>> print(option_table().splitlines()[4])
    | `--discontovoet` | `--discount-rate` | batch, evaluate, monitor, report, vergelijk |
    """

    used: dict[str, set[str]] = {}
    extra: dict[str, set[str]] = {}  # older names that still work (--all-wijken)
    for command, parser in build_parser().commands():
        for action in parser.options:
            names = [n for n in action.option_strings if n.startswith("--")]
            english = next((n for n in names if n in OPTION_NAMES or n in SAME_IN_BOTH), None)
            if english is None:
                continue
            used.setdefault(english, set()).add("alle" if english == "--help" else command)
            extra.setdefault(english, set()).update(
                set(names) - {english, OPTION_NAMES.get(english, english)})
    lines = ["| Nederlands | Engels | bij |", "|---|---|---|"]
    for english in [*OPTION_NAMES, *sorted(SAME_IN_BOTH)]:
        if english in used:
            dutch = f"`{OPTION_NAMES.get(english, english)}`"
            if extra[english]:
                dutch += " (ook " + ", ".join(f"`{n}`" for n in sorted(extra[english])) + ")"
            lines.append(f"| {dutch} | `{english}` | {', '.join(sorted(used[english]))} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mkba`` console script: no traceback unless ``MKBA_DEBUG`` is set.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 success, 1 failure, 2 invalid input.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> main(["validate", str(DATA_DIR / "voorbeeld")])  # doctest: +ELLIPSIS
    In orde: .../voorbeeld (... taken, ...).
    0
    """
    guard = UserFacingErrors()
    with guard:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe (`| head`) shows here, inside the guard
        return code
    return guard.exit_code


def _main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INVALID
    try:
        return COMMANDS[args.command](args)
    except CaseError as err:
        for problem in err.problems:
            print(printable(str(problem)), file=sys.stderr)
        n = len(err.problems)
        print(f"{n} {'probleem' if n == 1 else 'problemen'} gevonden; niets berekend.",
              file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
