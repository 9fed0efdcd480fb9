"""``mkba cbs ophalen``, ``grenzen`` and ``cpi``: CBS key figures, wijk boundaries, the CPI.

The fetch and the CBS tables (pandas) are imported inside the command functions: ``mkba
--help`` stays free of pandas (measured start-up cost, README benchmarks).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mkba.base.assumptions import fetched_dir
from mkba.base.errors import CaseError, FetchError
from mkba.evidence.cbs_tables import CATALOGUE
from mkba.run.commands.options import EXIT_INVALID, EXIT_OK, Parser

__all__ = ["add_parsers", "COMMANDS"]


def add_parsers(sub) -> None:
    """Add ``cbs`` with its sub-commands ``ophalen``, ``grenzen`` and ``cpi`` to ``sub``.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-commands of ``mkba``.

    Examples
    --------
    >>> p = Parser(prog="mkba")
    >>> add_parsers(p.add_subparsers(dest="command", parser_class=Parser))
    >>> p.parse_args(["cbs", "ophalen", "--municipality", "GM0114"]).gemeente
    'GM0114'
    """
    years = ", ".join(f"{t.year} {t.table_id}" for t in CATALOGUE.values())
    p = sub.add_parser("cbs", help="haal CBS-wijkcijfers en -kaarten op",
                       description="CBS-cijfers (Kerncijfers wijken en buurten) voor een "
                                   "gemeente ophalen.")
    cbs = p.add_subparsers(dest="cbs_command", title="opdrachten", metavar="OPDRACHT",
                           parser_class=Parser)
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


def cbs(args) -> int:
    """``mkba cbs OPDRACHT``: dispatch to ``ophalen``, ``grenzen`` or ``cpi``."""
    if args.cbs_command == "grenzen":
        return _boundaries(args)
    if args.cbs_command not in ("ophalen", "cpi"):
        print("mkba cbs: geef een opdracht, bijv. mkba cbs ophalen --gemeente GM0114 "
              "(mkba cbs ophalen --help)", file=sys.stderr)
        return EXIT_INVALID
    try:
        return _cpi(args) if args.cbs_command == "cpi" else _fetch(args)
    except FetchError as err:
        for problem in err.problems:
            print(str(problem), file=sys.stderr)
        print("Niets half geschreven; jaren die al compleet waren, blijven staan.",
              file=sys.stderr)
        return EXIT_INVALID


def _boundaries(args) -> int:
    if not re.match(r"^GM\d{4}$", args.gemeente):
        raise CaseError(f"--gemeente: '{args.gemeente}' is geen CBS-gemeentecode (GM + 4 "
                        "cijfers, bijv. GM0363)")
    # pandas: ≈ 0,45 s at import, kept off `import mkba.run.cli` (`mkba --help`)
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


def _cpi(args) -> int:
    # pandas: ≈ 0,45 s at import, kept off `import mkba.run.cli` (`mkba --help`)
    import pandas as pd

    from mkba.sources.cpi import fetch_cpi  # httpx: ≈ 0,1 s more, as above

    path = fetch_cpi(Path(args.map) if args.map else None)
    years = pd.read_csv(path)["year"]
    print(f"geschreven: {path} (CPI {years.min()}–{years.max()}, 2015 = 100)")
    if args.map and Path(args.map).resolve() != fetched_dir().resolve():
        print(f"Let op: mkba leest {path} alleen met MKBA_CBS_DIR={Path(args.map)}",
              file=sys.stderr)
    print("Bron: CBS, Consumentenprijzen; prijsindex 2015=100 (83131NED), CC BY 4.0.")
    return EXIT_OK


def _fetch(args) -> int:
    # pandas: ≈ 0,45 s at import, kept off `import mkba.run.cli` (`mkba --help`)
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
        # httpx: ≈ 0,1 s at import, kept off `import mkba.run.cli`
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


COMMANDS = {"cbs": cbs}
