"""The ``mkba`` command: thin — parse arguments, call one package function, print or write.

Exit codes: 0 success, 2 invalid input (a case, a parameter or the command line), 1 any
other failure (for ``batch``: one or more wijken failed).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from mkba.base.errors import CaseError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2

_ARGPARSE_NL = [
    (r"the following arguments are required: (.*)", r"deze argumenten ontbreken: \1"),
    (r"unrecognized arguments: (.*)", r"onbekende argumenten: \1"),
    (r"argument (\S+): invalid (\w+) value: (.*)", r"argument \1: ongeldige waarde \3"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)",
     r"argument \1: ongeldige keuze \2 (kies uit \3)"),
    (r"argument (\S+): expected one argument", r"argument \1: verwacht één waarde"),
]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """ArgumentParser that speaks Dutch to the user."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        self.add_argument("-h", "--help", action="help", help="toon deze hulp en stop")

    def error(self, message):
        for pattern, replacement in _ARGPARSE_NL:
            message = re.sub(pattern, replacement, message)
        self.print_usage(sys.stderr)
        self.exit(EXIT_INVALID, f"{self.prog}: fout: {message}\n")


def _count(low: int, high: int | None = None):
    """An argparse type: a whole number between ``low`` and ``high`` (Dutch message)."""

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


#: Most Monte Carlo draws `evaluate` accepts (memory stays bounded: draws run in chunks).
MAX_DRAWS = 1_000_000


def _add_settings_options(p: argparse.ArgumentParser, *, report: bool) -> None:
    """The options that make a :class:`mkba.base.settings.Settings` — the same for evaluate, report
    and batch. Every default is None ("not chosen"): the scenario's value, else the default;
    a value given here always beats the scenario's."""
    from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD, VOLUNTEER_METHODS

    p.add_argument("--discount-rate", type=float, default=None, metavar="R",
                   help="reële discontovoet als fractie (standaard: die van het scenario, "
                        "anders 0.0225 = 2,25 %%)")
    p.add_argument("--price-year", type=int, default=None, metavar="JAAR",
                   help="prijspeil van alle bedragen (standaard: prijsjaar uit de tabel "
                        "casus, anders het laatste CPI-jaar)")
    p.add_argument("--base-year", type=int, default=None, metavar="JAAR",
                   help="jaar waarnaar contant gemaakt wordt (standaard: startjaar van de taak)")
    p.add_argument("--horizon", type=int, default=None, metavar="N",
                   help="batenhorizon: N jaar (1–200) vanaf startjaar (ook na eindjaar; "
                        "standaard horizonjaar of eindjaar van de taak); restwaarde aan het eind")
    p.add_argument("--volunteer-valuation", choices=list(VOLUNTEER_METHODS), default=None,
                   help="waardering van een vrijwilligersuur (standaard: die van het scenario, "
                        "anders vervangingskosten)")
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
        p.add_argument("--threshold", type=_count(0), default=SMALL_NUMBER_THRESHOLD,
                       metavar="N", help="aantallen onder deze drempel worden niet getoond "
                                         f"(standaard {SMALL_NUMBER_THRESHOLD})")
        p.add_argument("--pdf", action="store_true",
                       help="maak naast elk HTML-rapport ook een PDF (A4; nodig: chromium)")
        p.add_argument("--kaart", metavar="BESTAND.geojson", default=None, dest="map_file",
                       help="eigen wijk- of buurtgrenzen (GeoJSON, RD New of lengte-/"
                            "breedtegraden) in plaats van de opgehaalde of meegeleverde kaart")


def _settings(args):
    """The command line's settings, checked — and the scenario file too, before any work."""
    from mkba.base.settings import Settings

    settings = Settings.from_args(args).validate()
    if settings.scenario:
        from mkba.uncertainty import load_scenario

        load_scenario(settings.scenario)
    if settings.map_file:  # read now, with the checks of every map: codes and coordinates
        from mkba.evidence.geo import read_boundaries

        read_boundaries(settings.map_file)
    return settings


def _report_parameters(args) -> dict:
    return _settings(args).to_report_parameters()


def _add_cbs_parser(sub) -> None:
    from mkba.evidence.cbs_tables import CATALOGUE

    years = ", ".join(f"{t.year} {t.table_id}" for t in CATALOGUE.values())
    p = sub.add_parser("cbs", help="haal CBS-wijkcijfers en -kaarten op",
                       description="CBS-cijfers (Kerncijfers wijken en buurten) voor een "
                                   "gemeente ophalen.")
    cbs = p.add_subparsers(dest="cbs_command", title="opdrachten", metavar="OPDRACHT",
                           parser_class=_Parser)
    o = cbs.add_parser(
        "ophalen", help="haal de cijfers (en met --kaart de wijkgrenzen) van een gemeente op",
        description="Haal per jaar de tabel 'Kerncijfers wijken en buurten' van het CBS op "
                    "(open data, OData), gefilterd op de gemeente, en schrijf per jaar een "
                    "lange tabel met herkomst naar MAP (standaard MKBA_CBS_DIR of "
                    "data/cbs_opgehaald). mkba leest die map vanzelf naast data/cbs. Een "
                    "tweede keer worden alleen ontbrekende jaren opgehaald.",
        epilog="Voorbeelden:\n  mkba cbs ophalen --gemeente GM0114\n"
               "  mkba cbs ophalen --gemeente GM0114 --jaren 2019-2024 --niveau buurt --kaart\n"
               "  mkba cbs ophalen --gemeente GM0363 --indeling omzetting.csv\n"
               f"Tabellen per jaar: {years}.\n"
               "Bron: CBS (CC BY 4.0); kaart: Kadaster / CBS, Wijk- en buurtkaart via PDOK.\n"
               "Afsluitcode 0: gelukt; 2: fout (geen verbinding, time-out, HTTP-fout, "
               "onbekende tabel, onvolledige download); dan is er niets half geschreven.")
    o.add_argument("--gemeente", required=True, metavar="GMxxxx",
                   help="CBS-code van de gemeente, bijv. GM0114 (Emmen)")
    o.add_argument("--jaren", default="", metavar="JAREN",
                   help="jaren, bijv. 2019-2024 of 2019,2021 (standaard: alle bekende jaren)")
    o.add_argument("--niveau", choices=["wijk", "buurt"], default="wijk",
                   help="wijk: gemeente en wijken (standaard); buurt: ook de buurten")
    o.add_argument("--map", default="", metavar="MAP",
                   help="map voor de bestanden (standaard MKBA_CBS_DIR of data/cbs_opgehaald); "
                        "zet MKBA_CBS_DIR op deze map zodat mkba hem leest")
    o.add_argument("--vernieuw", action="store_true",
                   help="haal ook de jaren op die er al zijn (nieuwe CBS-versie)")
    o.add_argument("--tabel", action="append", default=[], metavar="JAAR=CODE",
                   help="tabelcode voor een jaar toevoegen of vervangen, bijv. 2025=86165NED")
    o.add_argument("--indeling", default="", metavar="BESTAND",
                   help="omzettabel oud_code;nieuw_code;gewicht voor veranderde wijkgrenzen")
    o.add_argument("--kaart", action="store_true",
                   help="haal ook de wijk- (of buurt)grenzen op bij PDOK (GeoJSON, RD New)")
    g = cbs.add_parser(
        "grenzen", help="toon welke wijk- of buurtcodes tussen jaren verdwenen of verschenen",
        description="Vergelijk per jaar de wijk- (of buurt)codes van een gemeente in de "
                    "CBS-cijfers (meegeleverd en opgehaald) en toon wat verdween, verscheen of "
                    "volgens het CBS van grens of code veranderde.",
        epilog="Voorbeeld:\n  mkba cbs grenzen --gemeente GM0363\n"
               "Afsluitcode 0 (ook als er wijzigingen zijn); 2 bij een foute code.")
    g.add_argument("--gemeente", required=True, metavar="GMxxxx", help="CBS-code van de gemeente")
    g.add_argument("--niveau", choices=["wijk", "buurt"], default="wijk",
                   help="wijk (standaard) of buurt")
    c = cbs.add_parser(
        "cpi", help="haal de CPI-reeks (prijsindex, 83131NED) opnieuw op bij het CBS",
        description="Haal de jaarlijkse consumentenprijsindex (CBS 83131NED, alle bestedingen, "
                    "2015 = 100) op en schrijf cpi_83131NED.csv naar MAP (standaard "
                    "MKBA_CBS_DIR of data/cbs_opgehaald). mkba gebruikt die jaren voor de "
                    "meegeleverde reeks (die tot en met 2024 loopt).",
        epilog="Voorbeeld:\n  mkba cbs cpi\n"
               "Afsluitcode 0: gelukt; 2: fout (geen verbinding, time-out, HTTP-fout, "
               "onvolledige of onjuiste reeks); dan is er niets geschreven.")
    c.add_argument("--map", default="", metavar="MAP",
                   help="map voor het bestand (standaard MKBA_CBS_DIR of data/cbs_opgehaald)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mkba",
        description="Maatschappelijke kosten-batenanalyse (MKBA) van maatschappelijk "
                    "aanbestede taken, per wijk.",
        epilog="Voorbeeld:\n  mkba validate data/voorbeeld\n  mkba evaluate data/voorbeeld",
    )
    sub = parser.add_subparsers(dest="command", title="opdrachten", metavar="OPDRACHT",
                                parser_class=_Parser)

    p = sub.add_parser("validate", help="controleer een casus",
                       description="Controleer een casus en meld elk probleem als "
                                   "bestand:rij:kolom: melding.",
                       epilog="Voorbeeld:\n  mkba validate data/voorbeeld\n"
                              "Afsluitcode 0: in orde; 2: problemen gevonden.")
    p.add_argument("case", metavar="CASUS", help="map met CSV-bestanden of .xlsx-werkmap")

    p = sub.add_parser("evaluate", help="bereken de MKBA",
                       description="Bereken per taak en variant de contante waarde van kosten "
                                   "en baten, NCW, B/K, IRR, terugverdienjaar en de verdeling "
                                   "over actoren.",
                       epilog="Voorbeeld:\n  mkba evaluate data/voorbeeld --task T1 "
                              "--discount-rate 0.03 --format json")
    p.add_argument("case", metavar="CASUS", help="map met CSV-bestanden of .xlsx-werkmap")
    p.add_argument("--task", metavar="ID", help="alleen deze taak")
    _add_settings_options(p, report=False)
    p.add_argument("--monte-carlo", type=_count(0, MAX_DRAWS), default=0, metavar="N",
                   help="voeg Monte Carlo (N trekkingen, hoogstens 1.000.000) en "
                        "gevoeligheidsanalyse toe")
    p.add_argument("--seed", type=_count(0), default=0, help="startgetal voor de trekkingen")
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
    p.add_argument("case", metavar="CASUS", help="map met CSV-bestanden of .xlsx-werkmap")
    p.add_argument("--wijk", metavar="CODE", help="CBS-code van de behandelde wijk of buurt")
    p.add_argument("--indicator", required=True, metavar="NAAM",
                   help="indicator uit metingen of CBS (bijv. PersonenPerSoortUitkeringBijstand)")
    p.add_argument("--start-year", type=int, metavar="JAAR",
                   help="eerste jaar van de taak (standaard: startjaar uit de casus)")
    p.add_argument("--comparisons", type=_count(1, 1000), default=10, metavar="K",
                   help="aantal vergelijkingswijken per behandelde wijk (standaard 10)")
    p.add_argument("--placebos", type=_count(0, 100_000), default=199, metavar="B",
                   help="maximaal aantal placebo-schattingen (standaard 199)")
    p.add_argument("--seed", type=_count(0, 2**32 - 1), default=0,
                   help="startgetal voor de placebo-trekkingen (≥ 0)")
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="uitvoer als leesbare tabel (standaard) of als JSON")

    p = sub.add_parser("report", help="maak het rapport van één wijk",
                       description="Voer het wijkrapport (notebook) uit met papermill en "
                                   "schrijf WIJK.html (zonder code) en WIJK.ipynb (ter controle).",
                       epilog="Voorbeeld:\n  mkba report data/voorbeeld --wijk WK036330 "
                              "--out reports/voorbeeld")
    p.add_argument("case", metavar="CASUS", help="map met CSV-bestanden of .xlsx-werkmap")
    p.add_argument("--wijk", required=True, metavar="CODE", help="CBS-code van de wijk of buurt")
    p.add_argument("--out", required=True, metavar="MAP", help="map voor de uitvoer")
    _add_settings_options(p, report=True)

    p = sub.add_parser("batch", help="maak de rapporten van alle wijken, met een index",
                       description="Maak een rapport per wijk met een taak (of per wijk in de "
                                   "CBS-cijfers met --all-wijken), plus index.html en batch.json. "
                                   "Ongewijzigde wijken worden overgeslagen (tenzij --force).",
                       epilog="Voorbeelden:\n  mkba batch data/voorbeeld --out reports/voorbeeld"
                              "\n  mkba batch data/voorbeeld --out reports/nl --all-wijken "
                              "--workers 2\n  mkba batch data/voorbeeld --out reports/dask "
                              "--scheduler local\n"
                              "Afsluitcode 1 als één of meer wijken mislukten.")
    p.add_argument("case", metavar="CASUS", nargs="?", default="",
                   help="map met CSV-bestanden of .xlsx-werkmap (mag leeg met --all-wijken)")
    p.add_argument("--out", required=True, metavar="MAP", help="map voor de uitvoer")
    p.add_argument("--workers", type=_count(1, 256), metavar="N",
                   help="aantal parallelle workers (standaard: aantal processorkernen)")
    p.add_argument("--scheduler", metavar="ADRES",
                   help="Dask: 'local' voor een LocalCluster of tcp://host:8786")
    p.add_argument("--all-wijken", action="store_true",
                   help="ook alle wijken uit de CBS-cijfers (alleen wijkprofiel)")
    p.add_argument("--wijk", action="append", metavar="CODE", dest="wijken",
                   help="alleen deze wijk (mag vaker)")
    p.add_argument("--force", action="store_true", help="ook ongewijzigde wijken opnieuw maken")
    p.add_argument("--isolate", action="store_true",
                   help="een nieuwe kernel per rapport (trager, volledig gescheiden)")
    p.add_argument("--no-progress", action="store_true", help="geen voortgangsbalk")
    _add_settings_options(p, report=True)

    p = sub.add_parser("sessie", help="de evaluatiesessie als app zonder code (projector)",
                       description="Start de evaluatiesessie (notebooks/evaluatiesessie.ipynb) "
                                   "als webapp zonder codecellen (Voilà): schuifjes naast de "
                                   "uitkomst. Stop met Ctrl-C. Bewaarde scenario's komen in "
                                   "notebooks/scenarios/.",
                       epilog="Voorbeeld:\n  mkba sessie data/voorbeeld --task T2 "
                              "--variant maatschappelijk_aanbesteden")
    p.add_argument("case", metavar="CASUS", help="map met CSV-bestanden of .xlsx-werkmap")
    p.add_argument("--task", default="", metavar="ID", help="taak (standaard: de eerste)")
    p.add_argument("--variant", default="", metavar="NAAM",
                   help="variant van de taak (standaard: de eerste)")
    p.add_argument("--discount-rate", type=float, default=None, metavar="R",
                   help="discontovoet waarmee de sessie begint (standaard 0.0225)")
    p.add_argument("--draws", type=int, default=500, metavar="N",
                   help="Monte Carlo-trekkingen onder de schuifjes (standaard 500)")
    p.add_argument("--port", type=int, default=8866, help="poort (standaard 8866)")
    p.add_argument("--no-browser", action="store_true", help="open geen browser")

    _add_cbs_parser(sub)

    p = sub.add_parser("template", help="schrijf een leeg invulblad (.xlsx)",
                       description="Schrijf een lege werkmap met één tabblad per tabel en een "
                                   "tabblad 'toelichting'.",
                       epilog="Voorbeeld:\n  mkba template casus.xlsx")
    p.add_argument("file", metavar="BESTAND", help="pad van de nieuwe .xlsx-werkmap")
    p.add_argument("--overschrijf", action="store_true",
                   help="een bestaand bestand vervangen (standaard: weigeren)")
    return parser


def _cmd_validate(args) -> int:
    from mkba.case.read import read_case

    case = read_case(args.case)
    for w in case.warnings:
        print(_printable(f"waarschuwing: {w}"))
    counts = ", ".join(f"{len(df)} {name}" for name, df in case.tables.items() if len(df))
    print(f"In orde: {args.case} ({counts}).")
    return EXIT_OK


def _cmd_evaluate(args) -> int:
    from mkba.analysis.pipeline import run
    from mkba.base.jsonout import dumps

    result = run(args.case, _settings(args), task=args.task)
    if args.format == "json":
        # compact: the pure-Python encoder that indent= needs takes seconds on large cases
        print(_json_printable(dumps(result.to_dict())))
    else:
        from mkba.report.console import evaluation_text

        print(_printable(evaluation_text(result.evaluation, result.uncertainty,
                                         result.scenario,
                                         [c.to_dict() for c in result.checks])))
    return EXIT_OK


def _cmd_effect(args) -> int:
    from mkba.case.read import read_case
    from mkba.evidence.treatment import effect_for_case

    est = effect_for_case(read_case(args.case), args.indicator, wijk=args.wijk,
                          start_year=args.start_year, n_comparisons=args.comparisons,
                          n_placebo=args.placebos, seed=args.seed)
    if args.format == "json":
        print(_json_printable(est.to_json(indent=2)))
    else:
        from mkba.report.console import effect_text

        print(_printable(effect_text(est)))
    return EXIT_OK


def _cmd_report(args) -> int:
    from mkba.case.read import read_case
    from mkba.report.render import check_wijk_code, render_report, report_parameters

    # everything that can be checked is checked before anything is created
    check_wijk_code(args.wijk)
    report_parameters(**_report_parameters(args))
    read_case(args.case)
    out_dir = Path(args.out)
    created = _check_out_dir(out_dir)
    try:
        out = render_report(args.wijk, args.out, args.case, **_report_parameters(args))
    except Exception as exc:
        if created:
            _remove_if_empty(out_dir)
        if hasattr(exc, "ename"):  # a cell of the report notebook failed
            print(_printable(f"rapport voor {args.wijk} mislukt: {exc.ename}: {exc.evalue}"),
                  file=sys.stderr)
            return EXIT_FAILED
        raise
    print(f"Rapport: {out.html}")
    if args.pdf:
        from mkba.report.pdf import print_pdf

        print(f"PDF: {print_pdf(out.html)}")
    print(f"Notebook (ter controle): {out.notebook}")
    return EXIT_OK


def _check_out_dir(path: Path) -> bool:
    """Refuse an output folder that is a file or not writable (CaseError); True if this call
    had to create it."""
    import os

    if path.exists() and not path.is_dir():
        raise CaseError(f"--out {path} is een bestand, geen map")
    existed = path.exists()
    parent = next((p for p in [path, *path.absolute().parents] if p.exists()), path)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CaseError(f"--out {path}: map is niet schrijfbaar")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CaseError(f"--out {path}: kan de map niet maken ({exc.strerror or exc})") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise CaseError(f"--out {path}: map is niet schrijfbaar")
    return not existed


def _remove_if_empty(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass


def _cmd_batch(args) -> int:
    from mkba.run.batch import batch

    if not args.case and not args.all_wijken:
        raise CaseError("geef een casus op, of --all-wijken voor alleen wijkprofielen")
    result = batch(args.case or None, args.out, workers=args.workers, scheduler=args.scheduler,
                   all_wijken=args.all_wijken, force=args.force, isolate=args.isolate,
                   wijken=args.wijken, progress=not args.no_progress,
                   **_report_parameters(args))
    n = len(result.records)
    print(f"{n} wijken: {n - result.n_failed - result.n_skipped} gemaakt, "
          f"{result.n_skipped} overgeslagen, {result.n_failed} mislukt "
          f"({result.seconds:.1f} s, {result.workers} worker(s), {result.engine}).")
    for r in result.records:
        if r["status"] == "mislukt":
            print(_printable(f"mislukt: {r['wijk_code']}: {r['error']}"), file=sys.stderr)
    if args.pdf:
        _batch_pdfs(result)
    print(f"Index: {result.index}")
    return EXIT_FAILED if result.n_failed else EXIT_OK


def _batch_pdfs(result) -> None:
    """A PDF next to every report of the batch that has none or an older one."""
    from mkba.report.pdf import print_pdf

    made = 0
    for r in result.records:
        html = result.out_dir / r["html"]
        if r["status"] == "mislukt" or not html.exists():
            continue
        pdf = html.with_suffix(".pdf")
        if not pdf.exists() or pdf.stat().st_mtime < html.stat().st_mtime:
            print_pdf(html, pdf)
            made += 1
    print(f"PDF: {made} gemaakt in {result.out_dir}")


def _cmd_template(args) -> int:
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


def _cmd_sessie(args) -> int:
    import tempfile

    from mkba.run.jupyter import session_app, session_notebook

    if args.draws < 0:
        raise CaseError(f"--draws {args.draws} moet ≥ 0 zijn")
    folder = tempfile.mkdtemp(prefix="mkba-sessie-")
    nb = session_notebook(args.case, folder, task=args.task, variant=args.variant,
                          discount_rate=args.discount_rate, draws=args.draws)
    print(f"Evaluatiesessie: http://127.0.0.1:{args.port}/ (stop met Ctrl-C)", flush=True)
    proc = session_app(nb, port=args.port, open_browser=not args.no_browser)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
        return EXIT_OK
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def _cmd_cbs(args) -> int:
    if args.cbs_command == "grenzen":
        return _cbs_boundaries(args)
    if args.cbs_command not in ("ophalen", "cpi"):
        print("mkba cbs: geef een opdracht, bijv. mkba cbs ophalen --gemeente GM0114 "
              "(mkba cbs ophalen --help)", file=sys.stderr)
        return EXIT_INVALID
    from mkba.base.errors import FetchError

    try:
        return _cbs_cpi(args) if args.cbs_command == "cpi" else _cbs_fetch(args)
    except FetchError as err:
        for problem in err.problems:
            print(str(problem), file=sys.stderr)
        print("Niets half geschreven; jaren die al compleet waren, blijven staan.",
              file=sys.stderr)
        return EXIT_INVALID


def _cbs_boundaries(args) -> int:
    if not re.match(r"^GM\d{4}$", args.gemeente):
        raise CaseError(f"--gemeente: '{args.gemeente}' is geen CBS-gemeentecode (GM + 4 "
                        "cijfers, bijv. GM0363)")
    from mkba.evidence.cbs import load_kwb
    from mkba.evidence.cbs_boundaries import boundary_changes, describe_changes, read_flags

    kind = "Buurt" if args.niveau == "buurt" else "Wijk"
    kwb = load_kwb()
    changes = boundary_changes(kwb, args.gemeente, kind,
                               flags=read_flags(gemeente_code=args.gemeente))
    years = sorted(kwb.loc[(kwb["gemeente_code"] == args.gemeente)
                           & (kwb["region_type"] == kind), "year"].unique())
    print(f"{args.gemeente}, {args.niveau}en, jaren in de cijfers: "
          f"{', '.join(map(str, years)) or 'geen'}")
    if changes.empty:
        print("Geen codes verdwenen of verschenen tussen deze jaren.")
    for line in describe_changes(changes, limit=10):
        print(line)
    return EXIT_OK


def _cbs_cpi(args) -> int:
    import pandas as pd

    from mkba.base.assumptions import fetched_dir
    from mkba.sources.cpi import fetch_cpi

    path = fetch_cpi(Path(args.map) if args.map else None)
    years = pd.read_csv(path)["year"]
    print(f"geschreven: {path} (CPI {years.min()}–{years.max()}, 2015 = 100)")
    if args.map and Path(args.map).resolve() != fetched_dir().resolve():
        print(f"Let op: mkba leest {path} alleen met MKBA_CBS_DIR={Path(args.map)}",
              file=sys.stderr)
    print("Bron: CBS, Consumentenprijzen; prijsindex 2015=100 (83131NED), CC BY 4.0.")
    return EXIT_OK


def _cbs_fetch(args) -> int:
    from mkba.base.assumptions import fetched_dir
    from mkba.evidence.cbs_boundaries import apply_fetch_mapping
    from mkba.sources.kwb import fetch_kwb, parse_years

    tables = {}
    for item in args.tabel:
        year, _, code = item.partition("=")
        if not (year.strip().isdigit() and code.strip()):
            raise CaseError(f"--tabel: '{item}' moet de vorm JAAR=CODE hebben, bijv. "
                            "2025=86165NED")
        tables[int(year)] = code.strip().upper()
    years = parse_years(args.jaren) if args.jaren else None
    if years is not None and tables:
        years = sorted(set(years) | set(tables))
    out = Path(args.map) if args.map else fetched_dir()
    result = fetch_kwb(args.gemeente, years, niveau=args.niveau, out_dir=out,
                       refresh=args.vernieuw, tables=tables,
                       progress=lambda m: print(m, file=sys.stderr))
    for path in result.written:
        print(f"geschreven: {path}")
    if result.skipped:
        print(f"al aanwezig (niet opnieuw opgehaald; --vernieuw om toch te halen): "
              f"{len(result.skipped)} bestand(en)")
    if args.indeling:
        path = apply_fetch_mapping(args.gemeente, args.indeling, out)
        print(f"omgezet naar de nieuwe indeling: {path}")
    if args.kaart:
        from mkba.sources.pdok import fetch_map

        path = fetch_map(args.gemeente, niveau=args.niveau, out_dir=out,
                         years=years, refresh=args.vernieuw)
        print(f"kaart: {path}")
    for w in result.warnings:
        print(f"waarschuwing: {w}", file=sys.stderr)
    if args.map and Path(args.map).resolve() != fetched_dir().resolve():
        print(f"Let op: mkba leest {out} alleen met MKBA_CBS_DIR={out}", file=sys.stderr)
    print("Bron: CBS, Kerncijfers wijken en buurten (CC BY 4.0).")
    return EXIT_OK


COMMANDS = {"validate": _cmd_validate, "evaluate": _cmd_evaluate, "effect": _cmd_effect,
            "report": _cmd_report, "batch": _cmd_batch, "template": _cmd_template,
            "sessie": _cmd_sessie, "cbs": _cmd_cbs}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mkba`` console script: no traceback unless ``MKBA_DEBUG`` is set."""
    guard = _UserFacingErrors()
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
            print(_printable(str(problem)), file=sys.stderr)
        n = len(err.problems)
        print(f"{n} {'probleem' if n == 1 else 'problemen'} gevonden; niets berekend.",
              file=sys.stderr)
        return EXIT_INVALID


# --------------------------------------------------------------------------------------
# every failure as a Dutch message (a traceback only with MKBA_DEBUG set)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _printable(text: str) -> str:
    r"""Text from input files without terminal escape codes or bidi overrides.

    Examples
    --------
    >>> _printable("bewoners\x1b[2J\x1b]0;pwned\x07")
    'bewoners\\x1b[2J\\x1b]0;pwned\\x07'
    """
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


_C1 = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _json_printable(text: str) -> str:
    """JSON text with the control characters JSON leaves raw written as ``\\uXXXX``."""
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"waarschuwing: {_printable(str(message))}", file=file or sys.stderr)


class _UserFacingErrors:
    """Context manager: unexpected errors become one Dutch line on stderr and an exit code.

    Ctrl-C → 130, SIGTERM of a batch → 143, a closed pipe (``mkba evaluate … | head``) → 0
    quietly, a full disk or another OS error → 1, anything else → 1 with the error's type.
    With ``MKBA_DEBUG`` set, the traceback is shown as well.
    """

    exit_code = EXIT_OK

    def __enter__(self):
        import warnings

        warnings.showwarning = _show_warning
        return self

    def __exit__(self, etype, exc, tb):
        import errno
        import os

        if exc is None or isinstance(exc, SystemExit):
            return False
        from mkba.run.batch import BatchInterrupted

        debug = bool(os.environ.get("MKBA_DEBUG"))
        if debug:
            import traceback

            traceback.print_exception(etype, exc, tb, file=sys.stderr)
        if isinstance(exc, BrokenPipeError):  # the reader went away: stop quietly
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            code, message = EXIT_OK, None
        elif isinstance(exc, BatchInterrupted):
            code = exc.exit_code
            message = (f"{exc}. Wat klaar is staat in {exc.out_dir / 'batch.json'}; dezelfde "
                       "opdracht opnieuw gaat verder waar deze bleef.")
        elif isinstance(exc, KeyboardInterrupt):
            code, message = 130, "onderbroken (Ctrl-C); niets geschreven."
        elif isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            code = EXIT_FAILED
            message = (f"de schijf is vol{_where(exc)}; er is geen half bestand achtergebleven. "
                       "Maak ruimte en probeer het opnieuw.")
        elif isinstance(exc, OSError):
            code = EXIT_FAILED
            message = f"kan niet lezen of schrijven{_where(exc)}: {exc.strerror or exc}"
        elif isinstance(exc, MemoryError):
            code = EXIT_FAILED
            message = "te weinig geheugen voor deze opdracht; maak de invoer kleiner."
        else:
            code = EXIT_FAILED
            message = (f"onverwachte fout ({type(exc).__name__}: {_printable(str(exc))[:300]})."
                       " Zet MKBA_DEBUG=1 voor de details en meld het bij de beheerder.")
        if message:
            try:
                print(f"mkba: {message}", file=sys.stderr)
            except OSError:
                pass
        self.exit_code = code
        return True


def _where(exc: OSError) -> str:
    return f" ({exc.filename})" if getattr(exc, "filename", None) else ""


if __name__ == "__main__":
    sys.exit(main())
