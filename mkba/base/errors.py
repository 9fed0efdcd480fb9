"""Errors a user can act on: every problem names its file, row and column.

The CLI, the notebooks and the tests all handle input problems through :class:`CaseError`,
which carries a list of :class:`Problem` objects and prints them as ``file:row:column: message``.
Messages are in Dutch because users read them; identifiers stay English.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CaseError", "FetchError", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One problem in an input file.

    Parameters
    ----------
    file : str
        File name as the user knows it (``kosten.csv`` or ``casus.xlsx[kosten]``).
    row : int or None
        Row number as a spreadsheet shows it: the header is row 1, the first data row is 2.
    column : str or None
        Column header.
    message : str
        What is wrong, in Dutch.

    Examples
    --------
    >>> str(Problem("kosten.csv", 5, "bedrag", "'twintig' is geen getal"))
    "kosten.csv:5:bedrag: 'twintig' is geen getal"
    >>> str(Problem("kosten.csv", 7, None, "meer cellen (12) dan kolommen (10)"))
    'kosten.csv:7: meer cellen (12) dan kolommen (10)'
    >>> str(Problem("kosten.csv", None, None, "verplicht bestand ontbreekt"))
    'kosten.csv: verplicht bestand ontbreekt'
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None and self.column is None:
            return f"{self.file}: {self.message}"
        row = "" if self.row is None else str(self.row)
        if self.column is None:
            return f"{self.file}:{row}: {self.message}"
        return f"{self.file}:{row}:{self.column}: {self.message}"


class CaseError(ValueError):
    """A case (or a parameter) cannot be used; holds every problem found, not just the first.

    Parameters
    ----------
    problems : list of Problem, Problem or str
        Every problem found; a single problem or a plain message is wrapped in a list.

    Examples
    --------
    >>> err = CaseError([Problem("taken.csv", 3, "startjaar", "'twee' is geen jaartal")])
    >>> print(err)
    taken.csv:3:startjaar: 'twee' is geen jaartal
    >>> len(err.problems)
    1
    """

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("invoer", None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class FetchError(CaseError):
    """Fetching from CBS or PDOK failed: no connection, a time-out, an HTTP error, an answer
    that is too big, too slow, from another server or not what was asked. The message says
    what happened and what to do, in Dutch; nothing was written (the CLI exits with 2).

    Parameters
    ----------
    message : str
        What happened and what to do, in Dutch.
    source : str, default "cbs ophalen"
        The command or source that failed; printed before the message.

    Examples
    --------
    >>> print(FetchError("opendata.cbs.nl antwoordde niet"))
    cbs ophalen: opendata.cbs.nl antwoordde niet
    """

    def __init__(self, message: str, source: str = "cbs ophalen"):
        super().__init__([Problem(source, None, None, message)])
