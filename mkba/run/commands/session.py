"""``mkba sessie``: the evaluation session as an app without code (Voilà)."""

from __future__ import annotations

import shutil
import tempfile

from mkba.base.errors import CaseError
from mkba.run.commands.options import EXIT_OK, rate
from mkba.run.jupyter import session_app, session_notebook

__all__ = ["add_parsers", "COMMANDS"]


def add_parsers(sub) -> None:
    """Add ``sessie`` to the sub-parsers ``sub``.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-commands of ``mkba``.

    Examples
    --------
    >>> from mkba.run.commands.options import Parser
    >>> p = Parser(prog="mkba")
    >>> add_parsers(p.add_subparsers(dest="command", parser_class=Parser))
    >>> p.parse_args(["sessie", "casus", "--discontovoet", "0,03"]).discount_rate
    0.03
    """
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
    p.add_argument("--discount-rate", type=rate, default=None, metavar="R",
                   help="discontovoet waarmee de sessie begint, als fractie of percentage "
                        "(standaard 0,0225 = 2,25 %%)")
    p.add_argument("--draws", type=int, default=500, metavar="N",
                   help="Monte Carlo-trekkingen onder de schuifjes (standaard 500)")
    p.add_argument("--port", type=int, default=8866, help="poort (standaard 8866)")
    p.add_argument("--no-browser", action="store_true", help="open geen browser")


def session(args) -> int:
    """``mkba sessie CASUS``: start the session app and wait until Ctrl-C."""
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
        shutil.rmtree(folder, ignore_errors=True)


COMMANDS = {"sessie": session}
