"""``mkba sessie`` and ``mkba sessie-verslag``: the evaluation session with the partners, each
on their own device, and its minutes.

The arguments and the work live in :mod:`mkba.run.coalition.command`; the session server
imports Panel (≈ 1,1 s), so it is imported when ``mkba sessie`` runs, not for ``mkba --help``.
"""

from __future__ import annotations

from mkba.run.coalition.command import add_parsers as _add_session_parsers
from mkba.run.coalition.command import minutes_command, session_command

__all__ = ["add_parsers", "COMMANDS"]


def add_parsers(sub) -> None:
    """Add ``sessie`` and ``sessie-verslag`` to the sub-parsers ``sub``.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The sub-commands of ``mkba``.

    Examples
    --------
    >>> from mkba.run.commands.options import Parser
    >>> p = Parser(prog="mkba")
    >>> add_parsers(p.add_subparsers(dest="command", parser_class=Parser))
    >>> a = p.parse_args(["sessie", "casus", "--participants", "gemeente,bewoners", "--lan"])
    >>> a.deelnemers, a.lan
    ('gemeente,bewoners', True)
    >>> p.parse_args(["sessie-verslag", "sessie-t2"]).map
    'sessie-t2'
    """
    _add_session_parsers(sub, "map met CSV-bestanden of .xlsx-werkmap")


COMMANDS = {"sessie": session_command, "sessie-verslag": minutes_command}
