"""The session's record: every change, per partner, with its time, in an embedded SQLite
database (``sessie.sqlite`` in the session's folder) that survives a killed server.

Why SQLite (the standard library's :mod:`sqlite3`): a real database in one file, many writers
(WAL mode: readers never block the writer, writers wait for each other up to
:data:`BUSY_SECONDS`), and a committed change is on disk before the page shows its result
(``synchronous=FULL``), so ``kill -9`` of the server, or of the machine, loses nothing that any
screen showed. Each change is one row; nothing is ever updated or deleted, so the record is
also the session's history (the minutes read it back).

The tables have Dutch names and columns: the file is the session's evidence and may be opened
by anyone with a SQLite browser.

- ``sessie`` (naam, waarde): what the session is about (casus, taak, variant, gemaakt, versie).
- ``deelnemers`` (volgorde, naam, rol, geheim): the partners and the projector, each with the
  secret of their link.
- ``wijzigingen`` (nr, tijd, deelnemer, soort, naam, getal, tekst): every change. ``soort`` is
  ``aanname`` (an input, the discount rate or the valuation of volunteer hours: the number in
  ``getal``, a valuation in ``tekst``), ``oordeel`` (a score 1–5 on a success criterion),
  ``toelichting`` (the partner's reason) or ``vastgesteld`` (the scenario the table adopted,
  as JSON in ``tekst``).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mkba.base.errors import CaseError

__all__ = ["Record", "Member", "RECORD_NAME", "KINDS", "SECRET_BYTES", "partner_scores",
           "SCORE_KINDS"]

#: The record's file name in the session folder.
RECORD_NAME = "sessie.sqlite"
#: The kinds of change.
KINDS = ("aanname", "oordeel", "toelichting", "vastgesteld")
#: The success criteria partners score (mkba.case.schema.CRITERION_KINDS without proces).
SCORE_KINDS = ("economisch", "maatschappelijk", "draagvlak", "spin_off")
#: Random bytes in a link's secret: ``secrets.token_urlsafe(16)`` is 22 characters.
SECRET_BYTES = 16
#: How long a writer waits for another writer before giving up.
BUSY_SECONDS = 10
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessie (naam TEXT PRIMARY KEY, waarde TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deelnemers (
    volgorde INTEGER NOT NULL,
    naam TEXT PRIMARY KEY,
    rol TEXT NOT NULL CHECK (rol IN ('deelnemer', 'projector')),
    geheim TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS wijzigingen (
    nr INTEGER PRIMARY KEY AUTOINCREMENT,
    tijd TEXT NOT NULL,
    deelnemer TEXT NOT NULL,
    soort TEXT NOT NULL CHECK (soort IN ('aanname', 'oordeel', 'toelichting', 'vastgesteld')),
    naam TEXT NOT NULL,
    getal REAL,
    tekst TEXT);
"""


@dataclass(frozen=True)
class Member:
    """A partner (or the projector) and the secret of their link.

    Parameters
    ----------
    name : str
        The partner's name (or ``projector``).
    role : str
        ``deelnemer`` or ``projector``.
    secret : str
        The secret in their link.

    Examples
    --------
    >>> import tempfile
    >>> record = Record(Path(tempfile.mkdtemp()) / "sessie.sqlite")
    >>> m = record.add_member("gemeente")
    >>> m.name, m.role, len(m.secret) >= 16
    ('gemeente', 'deelnemer', True)
    """

    name: str
    role: str
    secret: str


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="milliseconds")


class Record:
    """The session's SQLite record (see the module docstring); safe to use from several
    threads (one connection per thread) and several processes.

    Parameters
    ----------
    path : str or pathlib.Path
        The SQLite file (created when missing).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> r = Record(folder / RECORD_NAME)
    >>> r.describe({"casus": "data/voorbeeld", "taak": "T2"})
    >>> gemeente = r.add_member("gemeente")
    >>> len(gemeente.secret) >= 16
    True
    >>> r.write("gemeente", "aanname", "T2/x/hoeveelheid", 8)
    1
    >>> r.changes()[["deelnemer", "soort", "naam", "getal"]].to_dict("records")
    [{'deelnemer': 'gemeente', 'soort': 'aanname', 'naam': 'T2/x/hoeveelheid', 'getal': 8.0}]
    >>> r.close()
    """

    def __init__(self, path):
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        with self._connect() as conn:
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS,
                                       check_same_thread=False)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
            except sqlite3.Error as err:
                raise CaseError(f"{self.path}: kan het verslag van de sessie niet openen "
                                f"({err})") from err
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this object opened (in any thread)."""
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # ------------------------------------------------------------------ the session

    def describe(self, meta: dict) -> None:
        """Store what the session is about (only keys not stored yet: the first wins)."""
        with self._connect() as conn:
            conn.executemany("INSERT OR IGNORE INTO sessie (naam, waarde) VALUES (?, ?)",
                             [(k, str(v)) for k, v in {"versie": SCHEMA_VERSION,
                                                       "gemaakt": _now(), **meta}.items()])

    def meta(self) -> dict:
        """What the session is about (strings)."""
        return dict(self._connect().execute("SELECT naam, waarde FROM sessie").fetchall())

    def members(self) -> list[Member]:
        """The partners and the projector, in the order they were added."""
        rows = self._connect().execute(
            "SELECT naam, rol, geheim FROM deelnemers ORDER BY volgorde").fetchall()
        return [Member(*row) for row in rows]

    def add_member(self, name: str, role: str = "deelnemer") -> Member:
        """Add a partner (or the projector) with a new secret; an existing one keeps its
        secret."""
        with self._connect() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO deelnemers (volgorde, naam, rol, geheim) VALUES "
                "((SELECT COALESCE(MAX(volgorde), 0) + 1 FROM deelnemers), ?, ?, ?)",
                (name, role, secrets.token_urlsafe(SECRET_BYTES)))
        return next(m for m in self.members() if m.name == name)

    # ------------------------------------------------------------------ changes

    def write(self, member: str, kind: str, name: str, number: float | None = None,
              text: str | None = None) -> int:
        """Record one change (committed, on disk) and return its number."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind of change {kind!r}")
        with self._connect() as conn:
            cur = conn.execute(
                "INSERT INTO wijzigingen (tijd, deelnemer, soort, naam, getal, tekst) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (_now(), member, kind, name, None if number is None else float(number), text))
            return int(cur.lastrowid)

    def changes(self) -> pd.DataFrame:
        """Every change in the order it was made."""
        return pd.read_sql_query("SELECT * FROM wijzigingen ORDER BY nr", self._connect())

    def latest(self) -> dict:
        """Per member the last value of each thing they set:
        ``{member: {(soort, naam): getal or tekst}}`` (adoptions left out)."""
        out: dict = {}
        for member, kind, name, number, text in self._connect().execute(
                "SELECT deelnemer, soort, naam, getal, tekst FROM wijzigingen "
                "WHERE soort != 'vastgesteld' ORDER BY nr"):
            out.setdefault(member, {})[(kind, name)] = text if number is None else number
        return out

    def adoptions(self) -> list[dict]:
        """The adopted scenarios, oldest first (each: nr, tijd and the stored JSON)."""
        rows = self._connect().execute(
            "SELECT nr, tijd, tekst FROM wijzigingen WHERE soort = 'vastgesteld' ORDER BY nr")
        return [{"nr": nr, "tijd": tijd, **json.loads(tekst)} for nr, tijd, tekst in rows]


def partner_scores(record: Record, task: str, year: int | None = None) -> pd.DataFrame:
    """The partners' scores on the success criteria as rows of the case's ``enquete`` table
    (taak_id, jaar, groep, vraag, antwoord, aantal): group ``partners``, question
    ``oordeel_<soort>`` (``oordeel_draagvlak``, …), the answer 1–5 and how many partners gave
    it. Each partner's last score counts. A criterion in ``criteria`` with indicator
    ``oordeel_draagvlak/partners`` then takes its value from the session (the process
    evaluation's rules, :mod:`mkba.evidence.process`, apply as to any survey).

    Parameters
    ----------
    record : Record
        The session's record.
    task : str
        The task.
    year : int, optional
        The year of the scores; by default this year.

    Returns
    -------
    pandas.DataFrame
        The ``enquete`` rows.

    Examples
    --------
    >>> import tempfile
    >>> r = Record(Path(tempfile.mkdtemp()) / RECORD_NAME)
    >>> _ = r.write("gemeente", "oordeel", "draagvlak", 3)
    >>> _ = r.write("gemeente", "oordeel", "draagvlak", 4)
    >>> _ = r.write("bewoners", "oordeel", "draagvlak", 4)
    >>> partner_scores(r, "T2", 2026).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'taak_id': 'T2', 'jaar': 2026, 'groep': 'partners', 'vraag': 'oordeel_draagvlak',
     'antwoord': '4', 'aantal': 2}
    """
    year = year or dt.date.today().year
    rows = [{"vraag": f"oordeel_{name}", "antwoord": str(int(value))}
            for member, chosen in record.latest().items()
            for (kind, name), value in chosen.items() if kind == "oordeel"]
    columns = ["taak_id", "jaar", "groep", "vraag", "antwoord", "aantal"]
    if not rows:
        return pd.DataFrame(columns=columns)
    counted = (pd.DataFrame(rows).groupby(["vraag", "antwoord"], sort=True).size()
               .rename("aantal").reset_index())
    counted.insert(0, "groep", "partners")
    counted.insert(0, "jaar", int(year))
    counted.insert(0, "taak_id", task)
    counted["aantal"] = counted["aantal"].astype(int)
    return counted[columns]
