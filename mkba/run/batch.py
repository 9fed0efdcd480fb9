"""Batch generation of wijk reports: a local process pool or Dask distributed, and the index.

One job per wijk (:mod:`mkba.run.jobs`). Every local worker process keeps one Jupyter kernel
(:mod:`mkba.run.pool`), so the kernel start and the imports are paid once per worker; past one
machine the same jobs run on Dask (:mod:`mkba.run.distributed`). A failing wijk is recorded and
the others go on; the command's exit code counts the failures. Reports, ``batch.json`` and the
index pages (:mod:`mkba.report.index`) are written atomically. A re-run skips a wijk whose
inputs (case files, CBS data, notebook, package code) and parameters are unchanged and whose
outputs exist, unless ``force``; the folder is locked while a batch runs
(:mod:`mkba.run.folder`).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

# Light imports at module level (the CLI's error guard imports this module); pandas and
# the report machinery load when a batch runs.
from mkba.analysis.versions import plan_path
from mkba.base.assumptions import REPORT_NOTEBOOK
from mkba.base.errors import CaseError, Problem
from mkba.base.files import atomic_write
from mkba.base.jsonout import dumps
from mkba.base.settings import Settings
from mkba.run.distributed import check_scheduler, connect, run_dask
from mkba.run.folder import folder_lock, previous_records, sweep_temporary, up_to_date
from mkba.run.jobs import (
    FAILED,
    HEADLINE_KEYS,
    SKIPPED,
    close_runner,
    init_worker,
    plan_jobs,
    run_job,
)
from mkba.run.pool import Stop, WorkerPool, signal_name, sigterm_stops

__all__ = ["batch", "BatchResult", "BatchInterrupted", "WorkerPool", "plan_jobs", "run_job",
           "check_scheduler"]


@dataclass
class BatchResult:
    """What a batch did: one record per wijk, and where the index is.

    Parameters
    ----------
    records : list of dict
        One record per wijk (``batch.json``).
    out_dir : pathlib.Path
        The batch's folder (with ``index.html`` and ``batch.json``).
    seconds : float
        How long it took.
    workers : int
        Worker processes used.
    engine : str
        ``lokaal`` (the process pool or one process) or ``dask (<scheduler>)``.

    Examples
    --------
    >>> r = BatchResult([], Path("uit"), 1.5, 2, "pool")
    >>> r.index.name, r.json.name
    ('index.html', 'batch.json')
    """

    records: list[dict]
    out_dir: Path
    seconds: float
    workers: int
    engine: str
    index: Path = field(init=False)
    json: Path = field(init=False)

    def __post_init__(self):
        self.index = self.out_dir / "index.html"
        self.json = self.out_dir / "batch.json"

    @property
    def n_failed(self) -> int:
        return sum(r["status"] == FAILED for r in self.records)

    @property
    def n_skipped(self) -> int:
        return sum(r["status"] == SKIPPED for r in self.records)


class BatchInterrupted(Exception):
    """The batch was stopped (Ctrl-C or SIGTERM); what was finished is in batch.json.

    Parameters
    ----------
    signum : int
        The signal that stopped the batch (``SIGINT`` for Ctrl-C, ``SIGTERM``).
    done : int
        Wijken finished.
    remaining : int
        Wijken not done.
    out_dir : pathlib.Path
        The batch's folder.

    Examples
    --------
    >>> import signal
    >>> err = BatchInterrupted(signal.SIGINT, 3, 2, Path("uit"))
    >>> err.done, err.remaining
    (3, 2)
    """

    def __init__(self, signum: int, done: int, remaining: int, out_dir: Path):
        self.signum, self.done, self.remaining, self.out_dir = signum, done, remaining, out_dir
        super().__init__(f"batch onderbroken ({signal_name(signum)}): {done} wijken klaar, "
                         f"{remaining} niet gemaakt")

    @property
    def exit_code(self) -> int:
        """128 + signal number, as a shell reports it: 130 for Ctrl-C, 143 for SIGTERM."""
        return 128 + self.signum


def _run_local(jobs, progress, pool, on_record):
    with tqdm(total=len(jobs), desc="wijkrapporten", unit="wijk", disable=not progress) as bar:
        def done(record):
            on_record(record)
            bar.update(1)

        if pool is None:
            isolate = bool(jobs) and jobs[0].isolate
            init_worker(isolate, max(1, os.cpu_count() or 1))
            for job in jobs:
                done(run_job(job))
        else:
            pool.run(jobs, done)


def batch(case_path: str | None, out_dir, *, workers: int | None = None,
          scheduler: str | None = None, all_wijken: bool = False, force: bool = False,
          isolate: bool = False, wijken=None, progress: bool = True,
          notebook=REPORT_NOTEBOOK, **parameters) -> BatchResult:
    """Render the report of every wijk with a task (or every wijk) into ``out_dir``.

    Parameters
    ----------
    case_path : str or None
        The case; None with ``all_wijken`` for profile-only reports.
    out_dir : path
        Output folder: ``<wijk>.html``, ``<wijk>.ipynb``, ``index.html``, ``batch.json``.
    workers : int, optional
        Parallel workers (default: the number of cores).
    scheduler : str, optional
        ``"local"`` for a Dask LocalCluster, or a Dask scheduler address; default a local
        process pool.
    all_wijken : bool
        Also every wijk in the CBS data (profile-only reports for wijken without a task).
    force : bool
        Re-render wijken whose inputs did not change.
    isolate : bool
        A fresh kernel per report (slower; no shared kernel state at all).
    wijken : iterable of str, optional
        Only these wijken.
    progress : bool, default True
        Show a progress bar.
    notebook : path
        The report notebook (default ``notebooks/wijkrapport.ipynb``).
    **parameters
        Report parameters (:meth:`mkba.base.settings.Settings.to_report_parameters`: discount_rate,
        price_year, base_year, horizon, volunteer_valuation, market_value_code, threshold,
        scenario_path), or ``settings=Settings(...)``.

    Returns
    -------
    BatchResult
        What was written.

    Examples
    --------
    Arguments are checked before a worker starts (running a batch is tested in
    ``tests/test_batch_faults.py``):

    >>> import tempfile
    >>> batch("data/voorbeeld", tempfile.mkdtemp(), scheduler="ergens")
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: invoer: --scheduler 'ergens' is geen Dask-adres ...
    """
    started = time.perf_counter()
    out = Path(out_dir)
    if scheduler:
        scheduler = check_scheduler(scheduler)
    existing = next((p for p in [out, *out.absolute().parents] if p.exists()), out)
    if existing == out and not out.is_dir():
        raise CaseError([Problem(str(out), None, None, "kan de uitvoermap niet maken (er "
                                 "staat een bestand met die naam)")])
    if not os.access(existing, os.W_OK | os.X_OK):
        raise CaseError([Problem(str(out), None, None, "uitvoermap is niet schrijfbaar")])
    client = connect(scheduler) if scheduler and scheduler != "local" else None
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if client is not None:
            client.close()
        raise CaseError([Problem(str(out), None, None, "kan de uitvoermap niet maken "
                                 f"({exc.strerror or exc})")]) from exc
    requested = max(1, workers or os.cpu_count() or 1)
    if wijken:  # never more kernels than wijken
        requested = min(requested, len(set(wijken)))
    with folder_lock(out), sigterm_stops():
        sweep_temporary(out)
        # local workers start (spawn, kernel, imports) while the parent plans the jobs
        pool = WorkerPool(requested, isolate) if requested > 1 and not scheduler else None
        try:
            return _batch_locked(case_path, out, pool, requested, scheduler, all_wijken, force,
                                 isolate, wijken, progress, notebook, parameters, started,
                                 client)
        finally:
            if pool is not None:
                pool.stop()
            if client is not None:
                client.close()
            sweep_temporary(out)


def _batch_locked(case_path, out, pool, requested, scheduler, all_wijken, force, isolate,
                  wijken, progress, notebook, parameters, started, client=None) -> BatchResult:
    jobs = plan_jobs(case_path, out, all_wijken=all_wijken, wijken=wijken,
                     isolate=isolate, notebook=notebook, **parameters)
    previous = previous_records(out)
    todo, records = [], []
    for job in jobs:
        old = previous.get(job.wijk_code)
        if not force and up_to_date(job, old, out):
            records.append({**old, "status": SKIPPED, "seconds": 0.0})
        else:
            todo.append(job)
    if pool is not None:
        if todo:
            pool.shrink(len(todo))
        else:
            pool.stop()
    workers = (pool.size if pool is not None and todo else
               max(1, min(requested, len(todo))) if scheduler else 1)
    params = jobs[0].parameters
    engine = f"dask ({scheduler})" if scheduler and todo else "lokaal"
    # the names for the index, read now (while the workers start), so that the index of an
    # interrupted run is written at once
    state = _State(out, previous, case_path, params, workers, engine, started, _region_names())
    for r in records:
        state.add(r, write=False)
    done: list[dict] = []

    def finished(record):
        done.append(record)
        state.add(record)

    try:
        if todo and scheduler:
            run_dask(todo, workers, scheduler, progress, finished, client)
        elif todo:
            _run_local(todo, progress, pool, finished)
    except (KeyboardInterrupt, Stop) as exc:
        signum = exc.signum if isinstance(exc, Stop) else signal.SIGINT
        old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
        try:  # a second Ctrl-C must not break off the clean-up (it takes seconds)
            if pool is not None:
                pool.stop()
            close_runner()
            state.write(status="onderbroken")
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)
        raise BatchInterrupted(int(signum), len(done), len(todo) - len(done), out) from None
    records += done
    order = {j.wijk_code: i for i, j in enumerate(jobs)}
    records.sort(key=lambda r: order[r["wijk_code"]])
    # the reports carry their own headline figures; only a failed report (or a notebook
    # that shows none) needs them computed here
    missing = [r for r in records if any(k not in r for k in HEADLINE_KEYS)]
    if missing:
        heads = _headlines(case_path, [r["wijk_code"] for r in missing], params)
        for r in missing:
            r.update(heads[r["wijk_code"]])
            state.add(r, write=False)
    if _since_decision(case_path, records, params):
        for r in records:
            state.add(r, write=False)
    result = BatchResult(records, out, time.perf_counter() - started, workers, engine)
    state.write(status="klaar")
    return result


class _State:
    """What the folder holds: the wijken of earlier runs plus those this run finished.

    ``batch.json`` is rewritten (atomically) as wijken finish, at most once a second, so an
    interrupted or killed run leaves a file that the next run resumes from.
    """

    INTERVAL = 1.0

    def __init__(self, out, previous, case_path, parameters, workers, engine, started,
                 names=None):
        self.out, self.case_path, self.parameters = out, case_path, parameters
        self.workers, self.engine, self.started = workers, engine, started
        self.names = names
        self.records: dict[str, dict] = dict(previous)
        self.last = 0.0

    def add(self, record: dict, write: bool = True) -> None:
        self.records[record["wijk_code"]] = record
        if write and time.monotonic() - self.last >= self.INTERVAL:
            self.write(status="bezig", index=False)

    def write(self, status: str, index: bool = True) -> None:
        seconds = time.perf_counter() - self.started
        records = list(self.records.values())
        _write_outputs(self.out, records, self.case_path, self.parameters, seconds,
                       self.workers, self.engine, status, index=index, names=self.names)
        self.last = time.monotonic()


def _headlines(case_path, codes, parameters) -> dict[str, dict]:
    """Name, inhabitants and MKBA headline per wijk, computed in the parent (for wijken whose
    report failed or did not show its headline), by the rules the report uses."""
    # pandas, statsmodels, the report: ≈ 2 s; kept off the CLI's error guard
    from mkba.evidence.cbs import load_kwb, region_names
    from mkba.evidence.indicators import profile_year
    from mkba.report.reports import headline_tasks

    kwb = load_kwb()
    names = region_names(kwb)
    inh = kwb[(kwb["indicator"] == "AantalInwoners") & kwb["value"].notna()]
    inh = inh.set_index(["region_code", "year"])["value"]
    heads = {c: {"name": names.get(c, c), "inhabitants": None, "year": None, "tasks": [],
                 "buurtbudget": None, "checks_failed": 0} for c in codes}
    for code in codes:
        try:
            year = profile_year(kwb, code)  # the year the report's profile shows
        except CaseError:  # no CBS figures for this code
            continue
        value = inh.get((code, year))
        if value is not None and value >= parameters["threshold"]:  # else suppressed
            heads[code].update(inhabitants=float(value), year=year)
    if case_path:
        # pandas: ≈ 0,4 s at import, kept off the CLI's error guard
        from mkba.analysis.pipeline import run

        done = run(case_path, Settings.from_report_parameters(**parameters), kwb=kwb)
        results = done.evaluation.results()
        # pandas: ≈ 0,4 s at import, kept off the CLI's error guard
        from mkba.analysis.checks import failed, run_checks
        from mkba.process.buurtbudget import buurtbudget_summary

        for code, head in heads.items():
            head["tasks"] = headline_tasks([r for r in results if r.wijk_code == code])
            head["buurtbudget"] = buurtbudget_summary(done.case, code)
            mine = {r.task_id for r in results if r.wijk_code == code}
            # the report's consistency checks (issue 19), without its Monte Carlo runs
            head["checks_failed"] = len(failed(run_checks(
                done.evaluation.subset(mine), case=done.case, params=done.parameters))) \
                if mine else 0
    return heads



def _since_decision(case_path, records, parameters) -> bool:
    """Per record the change in NCW since the decision of each of its tasks that has one
    (``since_decision``: ``task_id``, ``variant``, ``difference``; the index column "sinds
    besluit"), when the case keeps a decision version
    (:func:`mkba.analysis.versions.plan_path`); computed here, for every wijk at once, with
    the report's settings. Returns whether there is one."""

    plan = plan_path(case_path, parameters.get("plan_path")) if case_path else None
    if plan is None:
        return False
    # pandas: ≈ 0,4 s at import, kept off the CLI's error guard
    from mkba.analysis.compare import compare

    settings = Settings.from_report_parameters(**parameters)
    try:
        tasks = compare(plan, case_path, settings, goals=False).tasks
    except CaseError as err:  # the reports say what is wrong with the plan; the index stays
        print(f"waarschuwing: sinds besluit niet berekend: {err}", file=sys.stderr)
        return False
    change = {(t["task_id"], t["variant"]): t["difference"] for t in tasks
              if t["status"] == "compared"}
    for r in records:  # beside the report's own headline (which it leaves as it is)
        r["since_decision"] = [
            {"task_id": t.get("task_id"), "variant": t.get("variant"),
             "difference": change[(t.get("task_id"), t.get("variant"))]}
            for t in r.get("tasks") or [] if (t.get("task_id"), t.get("variant")) in change]
    return True


def _write_outputs(out, *args, **kwargs) -> None:
    """Write ``batch.json`` and the index: ``(out, records, case_path, parameters, seconds,
    workers, engine, status, index=True)``, or the former ``(result, case_path, parameters)``."""
    if isinstance(out, BatchResult):
        case_path, parameters = args
        return _write_folder(out.out_dir, out.records, case_path, parameters, out.seconds,
                             out.workers, out.engine, "klaar")
    return _write_folder(out, *args, **kwargs)


def _write_folder(out: Path, records: list[dict], case_path, parameters, seconds: float,
                  workers: int, engine: str, status: str, index: bool = True,
                  names: dict | None = None) -> None:
    """Write ``batch.json`` (and the index pages) for every wijk the folder holds; ``names``
    (region code → name) default to those of the CBS figures."""
    n_failed = sum(r.get("status") == FAILED for r in records)
    n_skipped = sum(r.get("status") == SKIPPED for r in records)
    payload = {"case": case_path or None, "parameters": parameters, "status": status,
               "seconds": round(seconds, 3), "workers": workers,
               "engine": engine, "failed": n_failed, "skipped": n_skipped, "wijken": records}
    atomic_write(out / "batch.json", dumps(payload, indent=2))
    if not index:
        return
    from mkba.base.formatting import fmt_number  # babel: only at the end of a batch
    from mkba.report.index import index_pages

    summary = (f"Laatste run op {time.strftime('%d-%m-%Y %H:%M')} in "
               f"{fmt_number(seconds, 1)} seconden met {workers} worker(s) ({engine}).")
    if status == "onderbroken":
        summary += (" Deze run is onderbroken; start hem opnieuw om de ontbrekende wijken te "
                    "maken.")
    pages = index_pages(records, summary=summary,
                        names=_region_names() if names is None else names,
                        map_file=(parameters or {}).get("map_file"),
                        # an interrupted batch writes its index quickly, without maps; the
                        # next run draws them
                        maps=status != "onderbroken")
    for name, text in pages.items():  # index.html last: it links to the others
        if name != "index.html":
            atomic_write(out / name, text)
    atomic_write(out / "index.html", pages["index.html"])


def _region_names() -> dict[str, str]:
    """Name per region code from the CBS figures (shipped and fetched); empty when they
    cannot be read (the index then calls regions by their code)."""
    from mkba.evidence.cbs import load_kwb, region_names  # pandas: only for the index

    try:
        return region_names(load_kwb()).to_dict()
    except (CaseError, OSError, ValueError):
        return {}
