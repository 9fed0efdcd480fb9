"""Versions of a case kept beside it: the decision (``besluit/``) and dated moments
(``versies/JJJJ-naam/``).

A case folder may hold earlier versions of itself::

    casus/                    the case as it is now (taken.csv, kosten.csv, ...)
    casus/besluit/            the case the council decided on (a full case folder or a
                              workbook besluit.xlsx)
    casus/versies/2017-besluit/
    casus/versies/2021-tussenevaluatie/
                              dated moments: a folder or an .xlsx workbook whose name starts
                              with the year (JJJJ), then an optional name

Each version is a complete case in itself (it may hold only the tasks it is about). mkba
never reads these subfolders as part of the current case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PLAN_NAME", "VERSIONS_DIR", "Version", "case_versions", "plan_path"]

#: The folder (or ``besluit.xlsx``) beside the current files with the decision version.
PLAN_NAME = "besluit"
#: The folder with dated versions.
VERSIONS_DIR = "versies"
_DATED = re.compile(r"^(\d{4})(?:[-_ ]+(.+))?$")
_WORKBOOK = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Version:
    """One version of a case: its label, year (``None`` when its name gives none), path, and
    whether it is the current case itself.

    Parameters
    ----------
    label : str
        The folder's name (``2017-besluit``), or ``nu``.
    year : int or None
        The year its name gives.
    path : pathlib.Path
        Its folder or workbook.
    current : bool, default False
        It is the current case itself.
    decision : bool, default False
        It is the decision version.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> [(v.label, v.year, v.decision) for v in case_versions(DATA_DIR / "voorbeeld")]
    [('2017-besluit', 2017, True), ('2021-tussenevaluatie', 2021, False), ('nu', None, False)]
    """

    label: str
    year: int | None
    path: Path
    current: bool = False
    #: the decision version (``besluit/`` or a dated version whose name says ``besluit``)
    decision: bool = False


def _is_case(path: Path) -> bool:
    return path.is_dir() or (path.is_file() and path.suffix.lower() in _WORKBOOK)


def _dated(folder: Path) -> list[Version]:
    out = []
    root = folder / VERSIONS_DIR
    if not root.is_dir():
        return out
    for child in sorted(root.iterdir()):
        if child.name.startswith(".") or not _is_case(child):
            continue
        name = child.stem if child.is_file() else child.name
        m = _DATED.match(name)
        if m:
            out.append(Version(name, int(m.group(1)), child,
                               decision=PLAN_NAME in name.casefold()))
    return out


def _plan_here(folder: Path) -> Path | None:
    for candidate in (folder / PLAN_NAME, *(folder / f"{PLAN_NAME}{s}" for s in _WORKBOOK)):
        if _is_case(candidate):
            return candidate
    return None


def case_versions(case) -> list[Version]:
    """Every version of a case, oldest first, the current case last.

    The decision version ``besluit/`` (no year of its own) comes first, then the dated
    versions in ``versies/`` by year and name. A name in ``versies/`` that does not start with
    a year is not a version (it is left out).

    Parameters
    ----------
    case : str or Path
        The case folder (a workbook has no versions beside it: only itself is returned).

    Returns
    -------
    list of Version

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for name in ("versies/2021-tussenevaluatie", "versies/2017-besluit", "versies/oud"):
    ...     (root / name).mkdir(parents=True)
    >>> [(v.label, v.year, v.decision) for v in case_versions(root)]
    [('2017-besluit', 2017, True), ('2021-tussenevaluatie', 2021, False), ('nu', None, False)]
    """
    folder = Path(case)
    versions: list[Version] = []
    if folder.is_dir():
        plan = _plan_here(folder)
        if plan is not None:
            versions.append(Version(PLAN_NAME, None, plan, decision=True))
        versions += sorted(_dated(folder), key=lambda v: (v.year, v.label))
    return [*versions, Version("nu", None, folder, current=True)]


def plan_path(case, plan=None) -> Path | None:
    """The decision version of a case: ``plan`` when given, else ``besluit/`` (or
    ``besluit.xlsx``) beside the current files, else the oldest dated version whose name says
    ``besluit``, else ``None``.

    Parameters
    ----------
    case : str or pathlib.Path
        The case folder.
    plan : str or pathlib.Path, optional
        The decision version named by hand.

    Returns
    -------
    pathlib.Path or None
        The decision version, or None.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> plan_path(root) is None
    True
    >>> (root / "versies" / "2017-besluit").mkdir(parents=True)
    >>> plan_path(root).name
    '2017-besluit'
    >>> plan_path(root, plan="elders").name
    'elders'
    """
    if plan is not None:
        return Path(plan)
    folder = Path(case)
    if not folder.is_dir():
        return None
    here = _plan_here(folder)
    if here is not None:
        return here
    decisions = [v for v in case_versions(folder) if v.decision and v.year is not None]
    return decisions[0].path if decisions else None
