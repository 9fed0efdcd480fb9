"""Shared fixtures: small cases written as the CSV text a user would have."""

from __future__ import annotations

import atexit
import csv
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

from mkba.base.assumptions import DATA_DIR

# Tests never write to the user's home: the CBS cache goes to a temporary folder (read by
# mkba.evidence.cbs when the table is first loaded; inherited by the CLI subprocesses and notebook
# kernels the tests start).
_CACHE = tempfile.mkdtemp(prefix="mkba-test-cache-")
os.environ["MKBA_CACHE"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

EXAMPLE = DATA_DIR / "voorbeeld"

# Property tests explore new random cases on every developer's run; CI (`.ci/run` sets
# HYPOTHESIS_PROFILE=ci) draws the same cases every time, so that its verdict on a commit does
# not depend on a random draw (a failure there is reproducible with the same profile).
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

#: Measured slow tests (tests/slow_tests.txt): marked ``slow`` here so that ``make test-fast``
#: stays under a minute; tests that start processes, kernels or browsers carry the marker in
#: their own file.
SLOW_TESTS = frozenset(
    line.strip() for line in (Path(__file__).parent / "slow_tests.txt").read_text(
        encoding="utf-8").splitlines() if line.strip() and not line.startswith("#"))


#: Every node id collected in this run, before ``-m`` deselects any (for the check that the
#: list names only tests that exist).
COLLECTED: set[str] = set()


@pytest.hookimpl(tryfirst=True)  # before the mark plugin deselects by marker
def pytest_collection_modifyitems(config, items):
    for item in items:
        COLLECTED.add(item.nodeid)
        if any(_names(item.nodeid, listed) for listed in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


def _names(nodeid: str, listed: str) -> bool:
    """Whether a line of slow_tests.txt names this test: itself, its function (all
    parameters) or its class."""
    return nodeid == listed or nodeid.startswith((listed + "[", listed + "::"))

#: A minimal valid case (semicolon, decimal comma), the starting point that tests change.
MINIMAL = {
    "taken": [
        ["taak_id", "naam", "wijk_code", "startjaar", "eindjaar"],
        ["T1", "Buurthuis", "WK036330", "2019", "2022"],
    ],
    "kosten": [
        ["taak_id", "jaar", "actor", "post", "bedrag", "hoeveelheid", "kengetal", "prijsjaar"],
        ["T1", "2019", "gemeente", "Verbouwing", "1.000", "", "", "2019"],
    ],
    "effecten": [
        ["taak_id", "effect", "actor", "jaar_van", "jaar_tot", "hoeveelheid",
         "waarde_per_eenheid", "deadweight"],
        ["T1", "Ontmoeting", "bewoners", "2019", "2022", "10", "50", "0,1"],
    ],
    "kengetallen": [
        ["code", "omschrijving", "waarde", "eenheid", "prijsjaar", "bron"],
        ["uur", "Vervangingskosten per uur", "18,80", "uur", "2022", "Kostenhandleiding"],
    ],
}


def write_table(folder: Path, name: str, rows, sep: str = ";", encoding: str = "utf-8") -> Path:
    path = folder / f"{name}.csv"
    with open(path, "w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return path


def write_case(folder: Path, tables: dict | None = None, **changes) -> Path:
    """Write MINIMAL (or ``tables``) with some tables replaced, as CSV files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    tables = dict(MINIMAL if tables is None else tables)
    tables.update(changes)
    for name, rows in tables.items():
        if rows is not None:
            write_table(folder, name, rows)
    return folder


@pytest.fixture
def minimal_case(tmp_path) -> Path:
    return write_case(tmp_path / "casus")


@pytest.fixture(scope="session")
def example_case() -> Path:
    return EXAMPLE


def documentation_text() -> str:
    """The README and every page of the documentation site (docs/), as one text: what a user
    can read about mkba."""
    root = Path(__file__).resolve().parents[1]
    pages = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    return "\n".join(p.read_text(encoding="utf-8") for p in pages)
