"""What the wijk report's section "Plan en werkelijkheid" shows for the tasks of one wijk: the
comparison of the decision version with the case now and, when the case keeps dated versions,
the monitor across them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from mkba.analysis.compare import Comparison, compare
from mkba.analysis.monitor import DEFAULT_DRAWS, Monitor, monitor
from mkba.analysis.versions import case_versions, plan_path
from mkba.base.errors import CaseError
from mkba.base.settings import Settings

__all__ = ["PlanRealisation", "plan_and_realisation"]


@dataclass(frozen=True)
class PlanRealisation:
    """The decision version (``label``, ``path``), the comparison of it with the case now
    and the monitor (``None`` without dated versions, or with a plan named by hand); or, when
    the decision version cannot be read, the ``error`` (the rest of a report is still made).

    Parameters
    ----------
    label : str
        The decision version's label.
    path : pathlib.Path
        Its folder or workbook.
    comparison : Comparison, optional
        The comparison of plan and now.
    monitor : Monitor, optional
        The NCW at every moment.
    error : str, optional
        Why the decision version could not be read, in Dutch.

    Examples
    --------
    :func:`plan_and_realisation` fills it; a decision version that cannot be read keeps
    only the error:

    >>> p = PlanRealisation("2017-besluit", Path("versies/2017-besluit"),
    ...                     error="besluit.xlsx: geen blad 'taken'")
    >>> p.comparison is None, p.error
    (True, "besluit.xlsx: geen blad 'taken'")
    """

    label: str
    path: Path
    comparison: Comparison | None = None
    monitor: Monitor | None = None
    error: str | None = None

    @property
    def compared(self) -> list[dict]:
        """The task and variant records that are in both versions."""
        if self.comparison is None:
            return []
        return [t for t in self.comparison.tasks if t["status"] == "compared"]


def plan_and_realisation(case_path, plan: str | None, settings: Settings | None,
                         tasks, *, kwb=None, draws: int = DEFAULT_DRAWS
                         ) -> PlanRealisation | None:
    """The comparison and the monitor of some tasks, or ``None`` when the case keeps no
    decision version or it holds none of these tasks.

    Parameters
    ----------
    case_path : str or Path
        The case now.
    plan : str, optional
        The decision version (default: the one kept beside the case,
        :func:`mkba.analysis.versions.plan_path`).
    settings : Settings, optional
        Applied to every version.
    tasks : collection of str
        The tasks to compare (those of one wijk).
    kwb : DataFrame, optional
        CBS figures.
    draws : int
        Monte Carlo draws per moment for the monitor.

    Returns
    -------
    PlanRealisation or None

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> p = plan_and_realisation(DATA_DIR / "voorbeeld", None, None, ["T1"], draws=100)
    >>> p.label, [t["task_id"] for t in p.compared], len(p.monitor.of("T1"))
    ('2017-besluit', ['T1'], 3)
    >>> plan_and_realisation(DATA_DIR / "voorbeeld", None, None, ["T2"]) is None
    True
    """
    path = plan_path(case_path, plan)
    if path is None or not tasks:
        return None
    label = path.stem if path.is_file() else path.name
    settings = settings or Settings()
    try:
        comparison = compare(path, case_path, settings, task=list(tasks), kwb=kwb)
    except CaseError as err:
        return PlanRealisation(label, path, error=str(err))
    found = PlanRealisation(label, path, comparison)
    if not found.compared:
        return None
    if plan is None and sum(not v.current for v in case_versions(case_path)) > 1:
        both = list(dict.fromkeys(t["task_id"] for t in found.compared))
        watched = monitor(case_path, replace(settings, draws=draws or DEFAULT_DRAWS),
                          task=both, kwb=kwb)
        found = replace(found, monitor=watched)
    return found
