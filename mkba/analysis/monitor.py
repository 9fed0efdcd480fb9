"""The monitor: the NCW of every task at every kept moment, with its Monte Carlo interval.

A council that decided on a task in 2017 and looks at it again in 2021 and 2026 wants to see
whether the verdict converges or drifts. :func:`monitor` evaluates every version of a case
(:func:`mkba.analysis.versions.case_versions`) with the same settings, one price year and per
task one base year, and draws the uncertainty of each with the same seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from mkba.analysis.pipeline import run
from mkba.analysis.versions import Version, case_versions
from mkba.base.errors import CaseError
from mkba.base.jsonout import dumps, plain
from mkba.base.settings import Settings
from mkba.engine.cba import evaluate
from mkba.uncertainty import monte_carlo

__all__ = ["DEFAULT_DRAWS", "Monitor", "monitor"]

#: Monte Carlo draws per moment when none are chosen (the interval's ends move by well under
#: 1 % of its width between seeds at this size for the example case).
DEFAULT_DRAWS = 2_000

#: Columns of :attr:`Monitor.table`.
COLUMNS = ["version", "year", "current", "decision", "task_id", "variant", "name", "wijk_code",
           "base_year", "npv", "npv_p5", "npv_p50", "npv_p95", "p_npv_positive", "draws"]


@dataclass(frozen=True)
class Monitor:
    """The NCW of each task and variant at each moment, and its 5–95 % Monte Carlo interval.

    ``table`` has one row per version, task and variant (columns :data:`COLUMNS`), oldest
    version first; ``versions`` lists the versions found (also those without the task).

    Parameters
    ----------
    parameters : dict
        The evaluation parameters used.
    versions : tuple of Version
        The versions found.
    table : pandas.DataFrame
        One row per version, task and variant.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> monitor(DATA_DIR / "voorbeeld", Settings(draws=200), task="T3")
    <Monitor 3 momenten, 1 taak/variant-combinaties>
    """

    parameters: dict
    versions: tuple[Version, ...]
    table: pd.DataFrame = field(repr=False)

    def __repr__(self) -> str:
        return (f"<Monitor {len(self.versions)} momenten, "
                f"{self.table[['task_id', 'variant']].drop_duplicates().shape[0]} "
                "taak/variant-combinaties>")

    def of(self, task_id: str, variant: str | None = None) -> pd.DataFrame:
        """The moments of one task and variant (``variant`` may be left out with one)."""
        t = self.table[self.table["task_id"] == task_id]
        variants = list(dict.fromkeys(t["variant"]))
        if not variants:
            raise CaseError(f"taak {task_id} staat in geen enkele versie")
        if variant is None:
            if len(variants) > 1:
                raise CaseError(f"taak {task_id} heeft varianten ({', '.join(variants)}); "
                                "kies er één")
            variant = variants[0]
        return t[t["variant"] == variant].reset_index(drop=True)

    def since_decision(self, task_id: str, variant: str | None = None) -> float | None:
        """The NCW now minus the NCW in the decision version (``None`` without both)."""
        t = self.of(task_id, variant)
        now, then = t[t["current"]], t[t["decision"]]
        if now.empty or then.empty:
            return None
        return float(now["npv"].iloc[0] - then["npv"].iloc[0])

    def to_dict(self) -> dict:
        """Plain types only (JSON-ready), English keys: ``parameters``, ``versions`` and per
        task and variant its ``moments`` and ``since_decision``."""
        tasks = []
        for (task, variant), g in self.table.groupby(["task_id", "variant"], sort=False):
            first = g.iloc[0]
            tasks.append({
                "task_id": task, "variant": variant, "name": first["name"],
                "wijk_code": first["wijk_code"], "base_year": int(first["base_year"]),
                "since_decision": self.since_decision(task, variant),
                "moments": g[["version", "year", "current", "decision", "npv", "npv_p5",
                              "npv_p50", "npv_p95", "p_npv_positive", "draws"]]
                .to_dict("records")})
        return plain({"parameters": self.parameters,
                      "versions": [{"version": v.label, "year": v.year, "path": str(v.path),
                                    "current": v.current, "decision": v.decision}
                                   for v in self.versions],
                      "tasks": tasks})

    def to_json(self, **kwargs) -> str:
        return dumps(self.to_dict(), **kwargs)

    def plot(self, task_id: str, variant: str | None = None, ax=None):
        """The NCW with its interval at each moment (:func:`mkba.figures.plots.plot_monitor`;
        the figures layer sits above the results it draws, so it is imported when called)."""
        # figures (matplotlib ≈ 0,4 s at import): a result's plot imports them when called
        from mkba.figures.plots import plot_monitor

        return plot_monitor(self.of(task_id, variant), ax=ax)


def _base_years(settings: Settings, versions, cases) -> dict[str, int | None]:
    """Per task one base year: the chosen one, else its ``startjaar`` in the decision
    version (else in the oldest version that holds it)."""
    if settings.base_year is not None:
        return {}
    order = sorted(range(len(versions)), key=lambda i: (not versions[i].decision, i))
    out: dict[str, int] = {}
    for i in order:
        taken = cases[i].taken
        for t, start in zip(taken["taak_id"], taken["startjaar"], strict=True):
            out.setdefault(t, int(start))
    return out


def monitor(case, settings: Settings | None = None, *, task=None,
            kwb=None) -> Monitor:
    """The NCW and its Monte Carlo interval of every task at every version of a case.

    Parameters
    ----------
    case : str or Path
        The case folder, with ``besluit/`` and/or ``versies/JJJJ-naam/`` beside its files.
    settings : Settings, optional
        Applied to every version; ``draws`` (default :data:`DEFAULT_DRAWS`) and ``seed`` are
        the Monte Carlo's. The price year is the chosen one, else the current case's own, else
        the default; the base year of a task is the chosen one, else its ``startjaar`` in the
        decision version.
    task : str or collection of str, optional
        Only this task (or these tasks).
    kwb : DataFrame, optional
        CBS figures for estimated quantities.

    Returns
    -------
    Monitor

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> m = monitor(DATA_DIR / "voorbeeld", Settings(draws=200), task="T3")
    >>> now = m.of("T3").iloc[-1]
    >>> now["version"], bool(now["npv_p5"] <= now["npv"] <= now["npv_p95"])
    ('nu', True)
    """

    settings = (settings or Settings()).validate()
    draws = settings.draws or DEFAULT_DRAWS
    versions = case_versions(case)
    quiet = replace(settings, draws=0)
    runs = [run(v.path, quiet, task=None, kwb=kwb) for v in versions]
    cases = [r.case for r in runs]
    # one price year for every moment: the chosen one, else the one the current case is
    # computed in (its own, or the default)
    price_year = settings.price_year or runs[-1].evaluation.parameters["price_year"]
    base = _base_years(settings, versions, cases)
    rows = []
    for v, r, c in zip(versions, runs, cases, strict=True):
        ids = [t for t in c.taken["taak_id"] if _wanted(t, task)]
        for t in ids:
            params = {**r.parameters, "price_year": price_year}
            if t in base:
                params["base_year"] = base[t]
            ev = evaluate(c, task=t, **params)
            for res in ev.results():
                mc = monte_carlo(c, t, res.variant, draws=draws, seed=settings.seed, **params)
                rows.append({"version": v.label, "year": v.year, "current": v.current,
                             "decision": v.decision, "task_id": t, "variant": res.variant,
                             "name": res.name, "wijk_code": res.wijk_code,
                             "base_year": res.base_year, "npv": res.npv,
                             "npv_p5": mc.percentile(5), "npv_p50": mc.percentile(50),
                             "npv_p95": mc.percentile(95),
                             "p_npv_positive": mc.p_npv_positive, "draws": draws})
    if task is not None and not rows:
        raise CaseError(f"onbekende taak '{task}'")
    parameters = {**runs[-1].evaluation.parameters, "draws": draws, "seed": settings.seed,
                  "base_year": settings.base_year}
    parameters["price_year"] = price_year
    return Monitor(plain(parameters), tuple(versions), pd.DataFrame(rows, columns=COLUMNS))


def _wanted(task_id: str, task) -> bool:
    """Whether ``task_id`` is asked for: ``task`` is None (all), one id, or a collection."""
    if task is None:
        return True
    return task_id == task if isinstance(task, str) else task_id in set(task)
