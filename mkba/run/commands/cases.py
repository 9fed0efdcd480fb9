"""``mkba validate``, ``evaluate``, ``effect`` and ``template``: the commands on one case.

The package modules are imported inside the command functions: ``mkba --help`` and a refused
command line stay free of pandas (measured start-up cost, README benchmarks).
"""

from __future__ import annotations

from pathlib import Path

from mkba.base.errors import CaseError
from mkba.base.jsonout import dumps
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
    """Add ``validate``, ``evaluate``, ``effect`` and ``template`` to the sub-parsers ``sub``.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-commands of ``mkba``.

    Examples
    --------
    >>> from mkba.run.commands.options import Parser
    >>> p = Parser(prog="mkba")
    >>> add_parsers(p.add_subparsers(dest="command", parser_class=Parser))
    >>> p.parse_args(["evaluate", "casus", "--taak", "T1"]).task
    'T1'
    """
    p = sub.add_parser("validate", help="controleer een casus",
                       description="Controleer een casus en meld elk probleem als "
                                   "bestand:rij:kolom: melding.",
                       epilog="Voorbeeld:\n  mkba validate data/voorbeeld\n"
                              "Afsluitcode 0: in orde; 2: problemen gevonden.")
    p.add_argument("case", metavar="CASUS", help=_CASE_HELP)

    p = sub.add_parser("evaluate", help="bereken de MKBA",
                       description="Bereken per taak en variant de contante waarde van kosten "
                                   "en baten, NCW, B/K, IRR, terugverdienjaar en de verdeling "
                                   "over actoren.",
                       epilog="Voorbeelden:\n  mkba evaluate data/voorbeeld --task T1 "
                              "--discount-rate 3% --format json\n"
                              "  mkba evaluate data/voorbeeld --taak T2 --variant "
                              "klassiek_aanbesteden")
    p.add_argument("case", metavar="CASUS", help=_CASE_HELP)
    p.add_argument("--task", metavar="ID", help="alleen deze taak")
    p.add_argument("--variant", metavar="NAAM",
                   help="alleen deze variant (van elke taak die hem heeft), bijv. "
                        "maatschappelijk_aanbesteden; spaties mogen voor _")
    add_settings_options(p, report=False)
    p.add_argument("--monte-carlo", type=count(0, MAX_DRAWS), default=0, metavar="N",
                   help="voeg Monte Carlo (N trekkingen, hoogstens 1.000.000) en "
                        "gevoeligheidsanalyse toe")
    p.add_argument("--seed", type=count(0), default=0, metavar="N",
                   help="startgetal voor de trekkingen")
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="uitvoer als leesbare tabel (standaard) of als JSON")

    p = sub.add_parser("effect", help="schat het effect van de taken op een indicator",
                       description="Schat met verschil-in-verschillen en vergelijkingswijken "
                                   "het effect op een indicator (CBS-cijfers of eigen "
                                   "metingen), in de eenheid van het wijkprofiel (aantallen "
                                   "per 1.000 inwoners). p-waarde en interval komen uit één "
                                   "rangtoets met placebo's; met minder dan 2 jaren vóór de "
                                   "start volgt geen schatting, met 2-3 jaren heet die "
                                   "indicatief. Zonder --wijk: elke wijk met een taak vanaf "
                                   "zijn eigen startjaar (gespreide start).",
                       epilog="Voorbeeld:\n  mkba effect data/voorbeeld --wijk WK036330 "
                              "--indicator PersonenPerSoortUitkeringBijstand --start-year 2018")
    p.add_argument("case", metavar="CASUS", help=_CASE_HELP)
    p.add_argument("--wijk", metavar="CODE", help="CBS-code van de behandelde wijk of buurt")
    p.add_argument("--indicator", required=True, metavar="NAAM",
                   help="indicator uit metingen of CBS (bijv. PersonenPerSoortUitkeringBijstand)")
    p.add_argument("--start-year", type=int, metavar="JAAR",
                   help="eerste jaar van de taak (standaard: startjaar uit de casus)")
    p.add_argument("--comparisons", type=count(1, 1000), default=10, metavar="K",
                   help="aantal vergelijkingswijken per behandelde wijk (standaard 10)")
    p.add_argument("--placebos", type=count(0, 100_000), default=199, metavar="B",
                   help="maximaal aantal placebo-schattingen (standaard 199)")
    p.add_argument("--seed", type=count(0, 2**32 - 1), default=0, metavar="N",
                   help="startgetal voor de placebo-trekkingen (≥ 0)")
    p.add_argument("--exclude-neighbours", action="store_true",
                   help="laat de andere buurten van de wijk van een behandelde buurt buiten "
                        "de vergelijking (tegen overloop van de taak naar de buren)")
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="uitvoer als leesbare tabel (standaard) of als JSON")

    p = sub.add_parser("template", help="schrijf een leeg invulblad (.xlsx)",
                       description="Schrijf een lege werkmap met één tabblad per tabel en een "
                                   "tabblad 'toelichting'.",
                       epilog="Voorbeeld:\n  mkba template casus.xlsx")
    p.add_argument("file", metavar="BESTAND", help="pad van de nieuwe .xlsx-werkmap")
    p.add_argument("--overschrijf", action="store_true",
                   help="een bestaand bestand vervangen (standaard: weigeren)")


def validate(args) -> int:
    """``mkba validate CASUS``: read and check a case; print its warnings and a summary."""
    # pandas: ≈ 0,45 s at import, kept off `import mkba.run.cli` (`mkba --help`)
    from mkba.case.read import read_case

    case = read_case(args.case)
    for w in case.warnings:
        print(printable(f"waarschuwing: {w}"))
    counts = ", ".join(f"{len(df)} {name}" for name, df in case.tables.items() if len(df))
    print(f"In orde: {args.case} ({counts}).")
    return EXIT_OK


def evaluate(args) -> int:
    """``mkba evaluate CASUS``: the MKBA as a readable table or as JSON."""
    # pandas: ≈ 0,45 s at import, kept off `import mkba.run.cli` (`mkba --help`)
    from mkba.analysis.pipeline import run

    result = run(args.case, settings_from_args(args), task=args.task, variant=args.variant)
    if args.format == "json":
        # compact: the pure-Python encoder that indent= needs takes seconds on large cases
        print(json_printable(dumps(result.to_dict())))
    else:
        # pandas: ≈ 0,45 s at import, kept off `import mkba.run.cli` (`mkba --help`)
        from mkba.report.console import evaluation_text

        text = evaluation_text(result.evaluation, result.uncertainty, result.scenario,
                               [c.to_dict() for c in result.checks])
        if result.estimates:  # issue 20: what became of each quantity from an estimate
            text += "\n\nHoeveelheden uit effectschattingen:\n" + "\n".join(
                f"  {r.sentence()}" for r in result.estimates)
        print(printable(text))
    return EXIT_OK


def effect(args) -> int:
    """``mkba effect CASUS --indicator NAAM``: the estimated effect on one indicator."""
    # pandas, statsmodels: ≈ 1,9 s at import, kept off `import mkba.run.cli`
    from mkba.case.read import read_case
    from mkba.evidence.treatment import effect_for_case

    est = effect_for_case(read_case(args.case), args.indicator, wijk=args.wijk,
                          start_year=args.start_year, n_comparisons=args.comparisons,
                          n_placebo=args.placebos, seed=args.seed,
                          exclude_neighbours=args.exclude_neighbours)
    if args.format == "json":
        print(json_printable(est.to_json(indent=2)))
    else:
        # pandas: ≈ 0,45 s at import, kept off `import mkba.run.cli` (`mkba --help`)
        from mkba.report.console import effect_text

        print(printable(effect_text(est)))
    return EXIT_OK


def template(args) -> int:
    """``mkba template BESTAND.xlsx``: the empty input workbook (never over a filled one)."""
    # pandas: ≈ 0,45 s at import, kept off `import mkba.run.cli` (`mkba --help`)
    from mkba.case.template import write_template

    path = Path(args.file)
    if path.suffix.lower() != ".xlsx":
        raise CaseError(f"{path}: de naam moet op .xlsx eindigen")
    if path.is_dir():
        raise CaseError(f"{path} is een map; geef de naam van een nieuw .xlsx-bestand")
    if path.exists() and not args.overschrijf:
        raise CaseError(f"{path} bestaat al (misschien al ingevuld); kies een andere naam of "
                        "gebruik --overschrijf")
    write_template(path)
    print(f"Invulblad geschreven: {path}")
    return EXIT_OK


COMMANDS = {"validate": validate, "evaluate": evaluate, "effect": effect, "template": template}
