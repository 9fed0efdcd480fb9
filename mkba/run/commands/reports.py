"""``mkba report`` and ``mkba batch``: the wijk reports, one or all with an index.

The package modules are imported inside the command functions: ``mkba --help`` and a refused
command line stay free of pandas and nbconvert (measured start-up cost, README benchmarks).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mkba.base.errors import CaseError
from mkba.run.commands.options import (
    EXIT_FAILED,
    EXIT_OK,
    add_settings_options,
    count,
    settings_from_args,
)
from mkba.run.commands.output import printable
from mkba.run.jobs import check_known_wijken

__all__ = ["add_parsers", "COMMANDS", "check_out_dir"]


def add_parsers(sub) -> None:
    """Add ``report`` and ``batch`` to the sub-parsers ``sub``.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-commands of ``mkba``.

    Examples
    --------
    >>> from mkba.run.commands.options import Parser
    >>> p = Parser(prog="mkba")
    >>> add_parsers(p.add_subparsers(dest="command", parser_class=Parser))
    >>> p.parse_args(["batch", "casus", "--uitvoer", "r", "--wijk", "WK1", "--wijk", "WK2"]).wijken
    ['WK1', 'WK2']
    """
    p = sub.add_parser("report", help="maak het rapport van één wijk",
                       description="Voer het wijkrapport (notebook) uit met papermill en "
                                   "schrijf WIJK.html (zonder code) en WIJK.ipynb (ter controle).",
                       epilog="Voorbeeld:\n  mkba report data/voorbeeld --wijk WK036330 "
                              "--out reports/voorbeeld")
    p.add_argument("case", metavar="CASUS", help="map met CSV-bestanden of .xlsx-werkmap")
    p.add_argument("--wijk", required=True, metavar="CODE", help="CBS-code van de wijk of buurt")
    p.add_argument("--out", required=True, metavar="MAP", help="map voor de uitvoer")
    add_settings_options(p, report=True)

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
    p.add_argument("--workers", type=count(1, 256), metavar="N",
                   help="aantal parallelle workers (standaard: aantal processorkernen)")
    p.add_argument("--scheduler", metavar="ADRES",
                   help="Dask: 'local' voor een LocalCluster of tcp://host:8786")
    p.add_argument("--all-wijken", "--all-districts", action="store_true",
                   help="ook alle wijken uit de CBS-cijfers (alleen wijkprofiel)")
    p.add_argument("--wijk", action="append", metavar="CODE", dest="wijken",
                   help="alleen deze wijk (mag vaker)")
    p.add_argument("--force", action="store_true", help="ook ongewijzigde wijken opnieuw maken")
    p.add_argument("--isolate", action="store_true",
                   help="een nieuwe kernel per rapport (trager, volledig gescheiden)")
    p.add_argument("--no-progress", action="store_true", help="geen voortgangsbalk")
    add_settings_options(p, report=True)


def report(args) -> int:
    """``mkba report CASUS --wijk CODE --out MAP``: one wijk report (HTML, notebook, PDF)."""
    # pandas: ≈ 0,45 s at import, kept off `import mkba.run.cli` (`mkba --help`)
    from mkba.case.read import read_case
    from mkba.report.render import check_wijk_code, render_report, report_parameters

    # everything that can be checked is checked before anything is created
    check_wijk_code(args.wijk)
    parameters = settings_from_args(args).to_report_parameters()
    report_parameters(**parameters)
    check_known_wijken([args.wijk], read_case(args.case))  # a typo: exit 2, no empty report
    out_dir = Path(args.out)
    created = check_out_dir(out_dir)
    try:
        out = render_report(args.wijk, args.out, args.case, **parameters)
    except Exception as exc:
        if created:
            _remove_if_empty(out_dir)
        if hasattr(exc, "ename"):  # a cell of the report notebook failed
            print(printable(f"rapport voor {args.wijk} mislukt: {exc.ename}: {exc.evalue}"),
                  file=sys.stderr)
            return EXIT_FAILED
        raise
    print(f"Rapport: {out.html}")
    if args.pdf:
        # subprocess: ≈ 4 ms at import, kept off `import mkba.run.cli`
        from mkba.report.pdf import print_pdf

        print(f"PDF: {print_pdf(out.html)}")
    print(f"Notebook (ter controle): {out.notebook}")
    return EXIT_OK


def check_out_dir(path: Path) -> bool:
    """Refuse an output folder that is a file or not writable; create it if needed.

    Parameters
    ----------
    path : Path
        The ``--out`` folder.

    Returns
    -------
    bool
        True if this call had to create the folder.

    Raises
    ------
    CaseError
        The path is a file, or the folder cannot be made or written.

    Examples
    --------
    >>> import tempfile
    >>> check_out_dir(Path(tempfile.mkdtemp()) / "nieuw")
    True
    """
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


def batch(args) -> int:
    """``mkba batch CASUS --out MAP``: every wijk's report, the index and ``batch.json``."""
    # multiprocessing, tqdm: ≈ 35 ms, kept off `import mkba.run.cli`
    from mkba.run.batch import batch as run_batch

    if not args.case and not args.all_wijken:
        raise CaseError("geef een casus op, of --all-wijken voor alleen wijkprofielen")
    result = run_batch(args.case or None, args.out, workers=args.workers,
                       scheduler=args.scheduler, all_wijken=args.all_wijken, force=args.force,
                       isolate=args.isolate, wijken=args.wijken, progress=not args.no_progress,
                       **settings_from_args(args).to_report_parameters())
    n = len(result.records)
    print(f"{n} wijken: {n - result.n_failed - result.n_skipped} gemaakt, "
          f"{result.n_skipped} overgeslagen, {result.n_failed} mislukt "
          f"({result.seconds:.1f} s, {result.workers} worker(s), {result.engine}).")
    for r in result.records:
        if r["status"] == "mislukt":
            print(printable(f"mislukt: {r['wijk_code']}: {r['error']}"), file=sys.stderr)
    if args.pdf:
        _batch_pdfs(result)
    print(f"Index: {result.index}")
    return EXIT_FAILED if result.n_failed else EXIT_OK


def _batch_pdfs(result) -> None:
    """A PDF next to every report of the batch that has none or an older one."""
    # subprocess: ≈ 4 ms at import, kept off `import mkba.run.cli`
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


COMMANDS = {"report": report, "batch": batch}
