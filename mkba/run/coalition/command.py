"""The commands ``mkba sessie`` and ``mkba sessie-verslag``: their arguments and what they do.

Kept apart from :mod:`mkba.run.cli` (which only registers them): the session server imports
Panel (≈ 1,1 s), so it is imported when ``mkba sessie`` runs, not for ``mkba --help``.
"""

from __future__ import annotations

import errno
import re
import time
from pathlib import Path

from mkba.base.assumptions import REPORT_DRAWS, REPORT_SEED
from mkba.base.errors import CaseError

__all__ = ["add_parsers", "session_command", "minutes_command", "parse_partners",
           "DEFAULT_PARTNERS", "MAX_PARTNERS"]

#: The partners of a session when ``--deelnemers`` is not given (and the folder is new).
DEFAULT_PARTNERS = ("gemeente", "bewoners", "corporatie", "welzijn", "fondsen")
#: Most partners in one session (each gets a link and a QR code on the projector).
MAX_PARTNERS = 12
_NAME = re.compile(r"^[^\x00-\x1f\x7f,/\\]{1,40}$")


def parse_partners(text: str) -> list[str]:
    """The partners from ``--deelnemers`` (comma-separated), checked.

    Parameters
    ----------
    text : str
        The names, comma-separated.

    Returns
    -------
    list of str
        The names, in order.

    Examples
    --------
    >>> parse_partners(" gemeente, bewoners ,corporatie")
    ['gemeente', 'bewoners', 'corporatie']
    >>> parse_partners("gemeente,Gemeente")
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: invoer: --deelnemers: 'Gemeente' staat er twee keer in
    """
    names = [n.strip() for n in str(text).split(",")]
    names = [n for n in names if n]
    if not names:
        raise CaseError("--deelnemers: geef minstens één partner, bijv. gemeente,bewoners")
    if len(names) > MAX_PARTNERS:
        raise CaseError(f"--deelnemers: hooguit {MAX_PARTNERS} partners ({len(names)} gegeven)")
    seen: set[str] = set()
    for n in names:
        if not _NAME.match(n):
            raise CaseError(f"--deelnemers: '{n}' is geen bruikbare naam (1–40 tekens, geen "
                            "komma, schuine streep of stuurtekens)")
        if n.lower() == "projector":
            raise CaseError("--deelnemers: 'projector' is de naam van het grote scherm")
        if n.lower() in seen:
            raise CaseError(f"--deelnemers: '{n}' staat er twee keer in")
        seen.add(n.lower())
    return names


def add_parsers(sub, case_help: str) -> None:
    """Add ``sessie`` and ``sessie-verslag`` to the ``mkba`` command's subparsers.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The subparsers of the ``mkba`` command.
    case_help : str
        The help text of the case argument (shared by every command).

    Examples
    --------
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="mkba")
    >>> add_parsers(parser.add_subparsers(dest="command"), "de casus")
    >>> args = parser.parse_args(["sessie", "data/voorbeeld", "--task", "T2"])
    >>> args.command, args.case, args.task
    ('sessie', 'data/voorbeeld', 'T2')
    """
    p = sub.add_parser(
        "sessie", help="de evaluatiesessie met de partners, ieder op een eigen apparaat",
        description="Start de evaluatiesessie over één taak: elke partner opent een eigen "
                    "link (of scant de QR-code op het grote scherm) en zet de aannames op "
                    "wat hij of zij verwacht; de projector toont de uitkomst per partner, "
                    "waar ze het meest verschillen en een gezamenlijk voorstel. Elke "
                    "wijziging komt in het verslag in MAP (sessie.sqlite). Stop met Ctrl-C.",
        epilog="Voorbeeld:\n  mkba sessie data/voorbeeld --task T2 "
               "--deelnemers gemeente,bewoners,corporatie --map sessie-t2\n"
               "Daarna: mkba sessie-verslag sessie-t2\n"
               "Afsluitcode 0: gestopt; 2: foute invoer of de poort is bezet.")
    p.add_argument("case", metavar="CASUS", help=case_help)
    p.add_argument("--task", default="", metavar="ID", help="taak (standaard: de eerste)")
    p.add_argument("--variant", default="", metavar="NAAM",
                   help="variant (standaard: de variant die de casus voorstelt, niet de "
                        "klassieke)")
    p.add_argument("--deelnemers", default="", metavar="NAMEN",
                   help="partners, met komma's (standaard: " + ",".join(DEFAULT_PARTNERS)
                        + "; een bestaande map houdt zijn partners)")
    p.add_argument("--map", default="", metavar="MAP",
                   help="map voor het verslag (standaard: sessie-TAAK-DATUM-TIJD hier); een "
                        "bestaande map gaat verder waar de sessie bleef")
    p.add_argument("--lan", action="store_true",
                   help="ook bereikbaar voor telefoons en laptops op het netwerk van de zaal "
                        "(standaard alleen deze computer)")
    p.add_argument("--port", type=int, default=8866, metavar="POORT",
                   help="poort (standaard 8866; 0: een vrije)")
    p.add_argument("--no-browser", action="store_true", help="open de projector niet vanzelf")

    p = sub.add_parser(
        "sessie-verslag", help="het verslag van een evaluatiesessie en het vastgestelde scenario",
        description="Maak van het verslag in MAP (sessie.sqlite) een leesbaar verslag "
                    "(verslag.html: wie wat vond, waar ze naar elkaar toe kwamen, de oordelen) "
                    "en het vastgestelde scenario (scenario.json) voor mkba evaluate, report en "
                    "batch met --scenario.",
        epilog="Voorbeeld:\n  mkba sessie-verslag sessie-t2\n"
               "  mkba evaluate data/voorbeeld --task T2 --scenario sessie-t2/scenario.json")
    p.add_argument("map", metavar="MAP", help="de map van de sessie")


def _print(text: str = "") -> None:
    print(text, flush=True)


def session_command(args) -> int:
    """``mkba sessie``: prepare everything, bind the port, print the links, serve.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments of ``mkba sessie``.

    Returns
    -------
    int
        The exit status once the server stops.

    Examples
    --------
    The arguments are checked before anything is prepared (a session's server is tested in
    ``tests/test_sessie_server.py``):

    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="mkba")
    >>> add_parsers(parser.add_subparsers(dest="command"), "de casus")
    >>> session_command(parser.parse_args(["sessie", "data/voorbeeld", "--port", "70000"]))
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: invoer: --port 70000: kies een poort van 1 tot 65535 (of 0)
    """
    # pandas and the session server: ≈ 0,4-1,5 s at import, kept off `import mkba.run.cli`
    from mkba.analysis.coalition import Coalition
    from mkba.report.text import variant_label
    from mkba.run.coalition.access import Access, hold_folder
    from mkba.run.coalition.record import RECORD_NAME, Record
    from mkba.run.coalition.server import build_server, run_server
    from mkba.run.coalition.table import Table
    from mkba.sources.lan import lan_address

    if not 0 <= args.port <= 65535:
        raise CaseError(f"--port {args.port}: kies een poort van 1 tot 65535 (of 0)")
    wanted = parse_partners(args.deelnemers) if args.deelnemers else None
    address = lan_address() if args.lan else "127.0.0.1"
    case_path = Path(args.case).resolve()
    folder = Path(args.map) if args.map else None
    existing = Record(folder / RECORD_NAME).meta() if folder and (
        folder / RECORD_NAME).is_file() else {}
    if existing and existing.get("casus") != str(case_path):
        raise CaseError(f"{folder}: deze map hoort bij een sessie over {existing.get('casus')}"
                        "; kies een andere map met --map")
    if existing and args.task and existing.get("taak") != args.task:
        raise CaseError(f"{folder}: deze map hoort bij de sessie over taak "
                        f"{existing.get('taak')}; kies een andere map met --map")
    coalition = Coalition(case_path, args.task or existing.get("taak") or None,
                          args.variant or existing.get("variant") or None)
    if existing and existing.get("variant") != coalition.variant:
        raise CaseError(f"{folder}: deze map hoort bij variant {existing.get('variant')}")
    folder = folder or Path(f"sessie-{coalition.task}-{time.strftime('%Y%m%d-%H%M')}")
    held = hold_folder(folder)  # noqa: F841 (held until the process ends)
    record = Record(folder / RECORD_NAME)
    record.describe({"casus": str(case_path), "taak": coalition.task,
                     "variant": coalition.variant, "trekkingen": REPORT_DRAWS,
                     "startgetal": REPORT_SEED})
    known = [m.name for m in record.members() if m.role == "deelnemer"]
    for name in (wanted or ([] if known else list(DEFAULT_PARTNERS))):
        if name not in known:
            record.add_member(name)
    record.add_member("projector", "projector")
    members = record.members()
    table = Table(coalition, record, [m.name for m in members if m.role == "deelnemer"])
    table.compute_all()  # what the pages show first, before anyone can open them
    hosts = [address] if args.lan else ["127.0.0.1", "localhost"]
    access = Access(members, [], windows=table.open_windows)
    try:
        server, base = build_server(table, access, address=address, port=args.port,
                                    hosts=hosts)
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise CaseError(f"poort {args.port} is al in gebruik (loopt er al een sessie?); "
                            "stop die, of kies een andere poort met --port") from err
        raise CaseError(f"kan niet luisteren op {address}:{args.port} ({err})") from err
    projector = next(access.url(base, m) for m in members if m.role == "projector")
    width = max(len(m.name) for m in members)

    def listening():
        variant = "" if coalition.variant == "project" else \
            f" ({variant_label(coalition.variant)})"
        _print(f"Evaluatiesessie over {coalition.task} {coalition.name}{variant}")
        _print(f"Verslag: {(folder / RECORD_NAME).resolve()}")
        if args.lan:
            _print(f"Op het netwerk van de zaal: {base} (telefoons en laptops moeten op "
                   "hetzelfde wifi-netwerk zitten).")
        else:
            _print(f"Alleen op deze computer ({base}); met --lan ook voor telefoons en laptops "
                   "aan tafel.")
        _print("Projector (open op het grote scherm):")
        _print(f"  {projector}")
        _print("Eigen link per partner (ook als QR-code op de projector):")
        for m in members:
            if m.role == "deelnemer":
                _print(f"  {m.name.ljust(width)}  {access.url(base, m)}")
        _print(f"Stop met Ctrl-C. Daarna het verslag: mkba sessie-verslag {folder}")

    code = run_server(server, table, on_listening=listening,
                      open_url=None if args.no_browser else projector)
    record.close()
    _print("Sessie gestopt.")
    return code


def minutes_command(args) -> int:
    """``mkba sessie-verslag MAP``: the minutes and the adopted scenario.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed arguments (``map``).

    Returns
    -------
    int
        The exit status (0).

    Examples
    --------
    >>> import argparse, tempfile
    >>> minutes_command(argparse.Namespace(map=tempfile.mkdtemp()))
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: invoer: ...: geen sessie gevonden (verwacht sessie.sqlite; ...
    """
    # pandas: ≈ 0,5 s at import, kept off `import mkba.run.cli`
    from mkba.run.coalition.minutes import write_minutes

    written = write_minutes(Path(args.map))
    for what, path in written.items():
        _print(f"{what}: {path}")
    return 0

