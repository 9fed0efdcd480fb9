"""Batch generation of wijk reports: a local process pool or Dask distributed.

One job per wijk. Every worker process keeps one Jupyter kernel (:class:`KernelRunner`), so
the kernel start and the imports are paid once per worker. A failing wijk is recorded and the
others go on; the command's exit code counts the failures. Reports, ``batch.json`` and
``index.html`` are written atomically. A re-run skips a wijk whose inputs (case files, CBS
data, notebook, package code) and parameters are unchanged and whose outputs exist, unless
``force``.

Past one machine the same jobs run on Dask distributed (``scheduler="tcp://host:8786"``, or
``"local"`` for a LocalCluster): every worker needs mkba installed and the case and output
folder on a shared path; start workers with one thread each (``dask worker --nthreads 1``),
because each worker thread drives one kernel.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

# Only light imports at module level: a worker process imports this module first and should
# start its kernel at once; pandas, papermill and nbconvert load while the kernel warms up.
from mkba.base.assumptions import DATA_DIR, REPORT_NOTEBOOK
from mkba.base.errors import CaseError, Problem
from mkba.base.jsonout import dumps

__all__ = ["batch", "BatchResult", "BatchInterrupted", "BatchBusy", "WorkerPool", "plan_jobs",
           "run_job", "check_scheduler"]

OK, SKIPPED, FAILED = "gelukt", "overgeslagen", "mislukt"
#: What a record carries for the index (from the report's headline, or computed afterwards).
HEADLINE_KEYS = ("name", "inhabitants", "year", "tasks", "buurtbudget")
#: The Dutch keys a batch.json of mkba before issue 13 had, and their names now: a record read
#: back from such a file is renamed, so one batch.json never mixes both (its own wijken that are
#: not made again keep their headline figures).
OLD_HEADLINE_KEYS = {"naam": "name", "inwoners": "inhabitants", "jaar": "year", "taken": "tasks"}
OLD_TASK_KEYS = {"taak": "task_id", "naam": "name"}
OLD_BUDGET_KEYS = {"jaar": "year", "gespaard": "saved", "ontvangen": "received", "besteed": "spent"}


def _hash_files(paths) -> str:
    h = hashlib.sha256()
    for p in sorted(Path(x) for x in paths):
        h.update(str(p.name).encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _stamp_files(paths) -> str:
    """Cheap fingerprint of large data files: name, size and modification time."""
    h = hashlib.sha256()
    for p in sorted(Path(x) for x in paths):
        st = p.stat()
        h.update(f"{p.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def inputs_fingerprint(case_path: str | None, notebook: Path = REPORT_NOTEBOOK) -> str:
    """Fingerprint of everything a report depends on except its parameters."""
    package = Path(__file__).resolve().parents[1]
    parts = [_hash_files(package.rglob("*.py")), _hash_files([notebook]),
             _stamp_files((DATA_DIR / "cbs").rglob("*.*")),
             _stamp_files(_fetched_files()),  # `mkba cbs ophalen` output (cbs_tables)
             _stamp_files((DATA_DIR / "kengetallen").glob("*.csv"))]
    if case_path:
        case = Path(case_path)
        files = [case] if case.is_file() else [p for p in case.iterdir() if p.is_file()]
        parts.append(_hash_files(files))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _fetched_files():
    from mkba.evidence.cbs_tables import fetched_dir

    folder = fetched_dir()
    return [p for p in folder.glob("*.*") if p.is_file()] if folder.is_dir() else []


@dataclass(frozen=True)
class Job:
    wijk_code: str
    case_path: str
    out_dir: str
    parameters: dict
    key: str
    isolate: bool = False
    notebook: str = str(REPORT_NOTEBOOK)


def plan_jobs(case_path: str | None, out_dir, *, all_wijken: bool = False,
              wijken=None, isolate: bool = False, notebook=REPORT_NOTEBOOK,
              **parameters) -> list[Job]:
    """The jobs of a batch: every wijk with a task, or every wijk of the CBS data."""
    from mkba.base.errors import CaseError
    from mkba.report.render import check_wijk_code, report_parameters

    params = report_parameters(**parameters)
    case_path = str(Path(case_path).resolve()) if case_path else ""
    codes: list[str] = []
    if case_path:
        from mkba.case.read import read_case

        codes = list(dict.fromkeys(read_case(case_path).taken["wijk_code"]))
    if all_wijken:
        from mkba.evidence.cbs import load_kwb

        kwb = load_kwb()
        latest = kwb[kwb["region_type"] == "Wijk"]
        codes += sorted(set(latest["region_code"]) - set(codes))
    if wijken:
        codes = [c for c in codes if c in set(wijken)] + [c for c in wijken if c not in codes]
    for code in codes:
        check_wijk_code(code)
    if not codes:
        raise CaseError("geen wijken om een rapport van te maken (geen taken in de casus; "
                        "gebruik --all-wijken voor alle wijken in de CBS-cijfers)")
    base = inputs_fingerprint(case_path, Path(notebook))
    if params.get("scenario_path"):
        base += _hash_files([params["scenario_path"]])
    if params.get("map_file"):  # --kaart: a changed map file makes new reports
        base += _hash_files([params["map_file"]])
    out = Path(out_dir).resolve()
    # one snapshot of the notebook for the whole batch: editing the notebook while a batch
    # runs must not give some wijken the old and some the new version
    snapshot = out / ".mkba" / f"wijkrapport-{base[:12]}.ipynb"
    if not snapshot.exists():
        from mkba.base.files import atomic_write

        atomic_write(snapshot, Path(notebook).read_text(encoding="utf-8"))
    return [Job(code, case_path, str(out), params,
                hashlib.sha256(f"{base}|{code}|{dumps(params, sort_keys=True)}".encode())
                .hexdigest(), isolate, str(snapshot)) for code in codes]


_RUNNER = None
#: Where this worker's kernel keeps its connection file and sockets (the pool's folder, which
#: the parent removes even when a worker was killed).
_TMP_ROOT: dict = {"path": None}


def _runner(isolate: bool, threads: int | None = None):
    global _RUNNER
    if _RUNNER is None:
        from mkba.report.render import KernelRunner

        _RUNNER = KernelRunner(isolate=isolate, threads=threads, tmp_root=_TMP_ROOT["path"])
        atexit.register(_RUNNER.close)
    return _RUNNER


def _worker_imports() -> None:
    """What the worker process itself needs for a report (overlaps with the kernel's warm-up)."""
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    from mkba.report.render import html_exporter

    html_exporter()


_WARM = {"done": False}


def init_worker(isolate: bool = False, threads: int | None = None) -> None:
    """Start and warm this worker's kernel; while the kernel works, load the worker's own
    modules in this (single) thread."""
    if _WARM["done"]:
        return
    _runner(isolate, threads).warm(meanwhile=_worker_imports)
    _WARM["done"] = True


def run_job(job: Job) -> dict:
    """Render one report (in a worker process); never raises: errors become the record."""
    from mkba.report.render import render_report

    started = time.perf_counter()
    record = {"wijk_code": job.wijk_code, "key": job.key, "html": f"{job.wijk_code}.html",
              "started": time.time(),
              "notebook": f"{job.wijk_code}.ipynb", "error": None, "worker": os.getpid()}
    try:
        init_worker(job.isolate, 1)  # no-op once warm (a pool's initializer already did it)
        out = render_report(job.wijk_code, job.out_dir, job.case_path or None,
                            runner=_runner(job.isolate), notebook=Path(job.notebook),
                            **job.parameters)
        record["status"] = OK
        if out.headline is not None:  # name, inhabitants, NPV per task, as the report shows
            record.update({k: out.headline.get(k) for k in HEADLINE_KEYS})
            # how many consistency checks failed in the report (issue 19), for the index
            record["checks_failed"] = out.headline.get("checks_failed")
    except Exception as exc:  # one failing wijk must not stop the batch
        record["status"] = FAILED
        record["error"] = _short_error(exc)
    record["seconds"] = round(time.perf_counter() - started, 3)
    record["finished"] = time.time()
    return record


def _short_error(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip()[:500]


@dataclass
class BatchResult:
    """What a batch did: one record per wijk, and where the index is."""

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


def _previous(out_dir: Path) -> dict[str, dict]:
    path = out_dir / "batch.json"
    if not path.exists():
        return {}
    try:
        return {r["wijk_code"]: _english_record(r)
                for r in json.loads(path.read_text("utf-8"))["wijken"]}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def _english_record(record: dict) -> dict:
    """A batch.json record with the Dutch headline keys of an older mkba renamed.

    Examples
    --------
    >>> r = _english_record({"wijk_code": "WK1", "naam": "A", "taken": [{"taak": "T1"}],
    ...                      "buurtbudget": {"jaar": 2024, "gespaard": 5.0}})
    >>> r["name"], r["tasks"], r["buurtbudget"]
    ('A', [{'task_id': 'T1'}], {'year': 2024, 'saved': 5.0})
    """
    out = {OLD_HEADLINE_KEYS.get(k, k): v for k, v in record.items()}
    if isinstance(out.get("tasks"), list):
        out["tasks"] = [{OLD_TASK_KEYS.get(k, k): v for k, v in task.items()}
                        if isinstance(task, dict) else task for task in out["tasks"]]
    if isinstance(out.get("buurtbudget"), dict):
        out["buurtbudget"] = {OLD_BUDGET_KEYS.get(k, k): v
                              for k, v in out["buurtbudget"].items()}
    return out


def _up_to_date(job: Job, old: dict | None, out_dir: Path) -> bool:
    return bool(old and old.get("key") == job.key and old.get("status") in (OK, SKIPPED)
                and (out_dir / old["html"]).exists() and (out_dir / old["notebook"]).exists())


class _Stop(BaseException):
    """SIGTERM in the parent: stop the batch like Ctrl-C (never caught by ``except Exception``)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class BatchInterrupted(Exception):
    """The batch was stopped (Ctrl-C or SIGTERM); what was finished is in batch.json."""

    def __init__(self, signum: int, done: int, remaining: int, out_dir: Path):
        self.signum, self.done, self.remaining, self.out_dir = signum, done, remaining, out_dir
        super().__init__(f"batch onderbroken ({signal_name(signum)}): {done} wijken klaar, "
                         f"{remaining} niet gemaakt")

    @property
    def exit_code(self) -> int:
        """128 + signal number, as a shell reports it: 130 for Ctrl-C, 143 for SIGTERM."""
        return 128 + self.signum


class BatchBusy(CaseError):
    """Another batch is writing into the same folder (the CLI exits with 2)."""

    def __init__(self, out_dir, pid: str):
        self.out_dir, self.pid = out_dir, pid
        super().__init__([Problem(str(out_dir), None, None,
                                  f"er loopt al een batch in deze map (proces {pid}); wacht tot "
                                  "die klaar is, of kies een andere --out")])


def signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signaal {signum}"


def _die_with_parent(parent_pid: int) -> None:
    """End this process when its parent ends, even by SIGKILL: Linux's PR_SET_PDEATHSIG, and
    elsewhere a thread that watches the parent's pid."""
    import signal
    import threading

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass

    def watch():
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True, name="mkba-parent-watch").start()


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def _worker_main(conn, isolate: bool, threads: int, tmp_root: str, parent_pid: int) -> None:
    """A local batch worker: one kernel, jobs from the parent one at a time, a record back.

    The worker has its own process group, so a Ctrl-C in the terminal reaches only the parent,
    which then stops the workers in order; SIGTERM ends the kernel and removes its files.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    _die_with_parent(parent_pid)
    if os.getppid() != parent_pid:  # the parent died before we could watch it
        return
    _TMP_ROOT["path"] = tmp_root
    try:
        try:
            init_worker(isolate, threads)
        except Exception:  # run_job tries again and records the error with the wijk
            pass
        while True:
            try:
                job = conn.recv()
            except (EOFError, OSError):
                break
            if job is None:
                break
            conn.send(run_job(job))
    finally:
        if _RUNNER is not None:
            _RUNNER.close()
        try:  # the last worker out removes the pool's (then empty) folder
            os.rmdir(tmp_root)
        except OSError:
            pass


class _Worker:
    def __init__(self, process, conn):
        self.process, self.conn, self.job = process, conn, None


class WorkerPool:
    """Local worker processes (spawn) that each keep one kernel, and know which job each holds.

    A worker that dies (killed, out of memory) fails only the wijk it was rendering; a new
    worker takes its place and the other jobs go on. :meth:`stop` ends every worker (SIGTERM,
    after a grace period SIGKILL) and removes their kernel files. Workers end with the parent
    (:func:`_die_with_parent`), and their kernels with them (ipykernel watches its parent).
    """

    GRACE = 5.0

    def __init__(self, workers: int, isolate: bool = False, threads: int | None = None):
        import tempfile
        from multiprocessing import get_context

        self._ctx = get_context("spawn")
        self.isolate = isolate
        self.threads = threads or max(1, (os.cpu_count() or 1) // workers)
        self.tmp_root = tempfile.mkdtemp(prefix="mkba-batch-")
        self.workers: list[_Worker] = []
        self.failed_starts = 0
        for _ in range(workers):
            self._spawn()

    @property
    def size(self) -> int:
        return len(self.workers)

    def _spawn(self) -> None:
        parent_conn, child_conn = self._ctx.Pipe()
        process = self._ctx.Process(
            target=_worker_main, name="mkba-worker", daemon=True,
            args=(child_conn, self.isolate, self.threads, self.tmp_root, os.getpid()))
        process.start()
        child_conn.close()
        self.workers.append(_Worker(process, parent_conn))

    def shrink(self, n: int) -> None:
        """Keep at most ``n`` workers (no more kernels than jobs)."""
        surplus, self.workers = self.workers[max(1, n):], self.workers[:max(1, n)]
        self._end(surplus)

    def run(self, jobs, on_record) -> None:
        """Run ``jobs``; call ``on_record(record)`` in this process as each one ends."""
        from collections import deque
        from multiprocessing.connection import wait

        queue = deque(jobs)
        while queue or any(w.job is not None for w in self.workers):
            for w in self.workers:
                if w.job is None and queue and w.process.is_alive():
                    w.job = queue.popleft()
                    try:
                        w.conn.send(w.job)
                    except OSError:  # died just now; handled below
                        pass
            waitables = [w.conn for w in self.workers if w.job is not None]
            waitables += [w.process.sentinel for w in self.workers]
            ready = set(wait(waitables, timeout=1.0))
            for w in list(self.workers):
                if w.job is not None and w.conn in ready:
                    try:
                        record = w.conn.recv()
                    except (EOFError, OSError):
                        record = None
                    if record is not None:
                        w.job = None
                        on_record(record)
                        continue
                if w.process.sentinel in ready or not w.process.is_alive():
                    w.process.join(1.0)
                    self.workers.remove(w)
                    w.conn.close()
                    if w.job is not None:
                        on_record(_dead_worker_record(w.job, w.process.exitcode))
                    else:
                        self.failed_starts += 1
                    if self.failed_starts > 3 + 2 * len(jobs):
                        raise RuntimeError("de workers stoppen steeds bij het starten")
                    if queue:
                        self._spawn()
            if not self.workers and queue:
                self._spawn()

    def _end(self, workers) -> None:
        import signal

        for w in workers:
            try:
                w.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + 0.2
        for w in workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                try:
                    os.kill(w.process.pid, signal.SIGTERM)
                except OSError:
                    pass
        deadline = time.monotonic() + self.GRACE
        for w in workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(2.0)
            w.conn.close()

    def stop(self) -> None:
        """End every worker (and so every kernel); remove the workers' temporary files."""
        import shutil

        workers, self.workers = self.workers, []
        self._end(workers)
        shutil.rmtree(self.tmp_root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _dead_worker_record(job: Job, exitcode) -> dict:
    how = (f"signaal {signal_name(-exitcode)}" if isinstance(exitcode, int) and exitcode < 0
           else f"afsluitcode {exitcode}")
    now = time.time()
    return {"wijk_code": job.wijk_code, "key": job.key, "html": f"{job.wijk_code}.html",
            "notebook": f"{job.wijk_code}.ipynb", "started": now, "finished": now,
            "seconds": 0.0, "worker": None, "status": FAILED,
            "error": f"het workerproces stopte tijdens dit rapport ({how}); "
                     "de andere wijken gingen door"}


def _run_local(jobs, progress, pool, on_record):
    from tqdm import tqdm

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


#: Seconds to wait for a Dask scheduler before giving up with a message.
CONNECT_TIMEOUT = 10


def _connect(scheduler: str):
    """A Dask client for a scheduler address, or a CaseError within CONNECT_TIMEOUT seconds."""
    from dask.distributed import Client

    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise CaseError(f"kan de Dask-scheduler {scheduler} niet bereiken binnen "
                        f"{CONNECT_TIMEOUT} s ({type(exc).__name__}); draait hij, en "
                        "klopt het adres?") from exc


def _run_dask(jobs, workers, scheduler, progress, on_record, client=None):
    from dask.distributed import Client, LocalCluster, as_completed
    from tqdm import tqdm

    cluster = None
    own = client is None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    elif client is None:
        client = _connect(scheduler)
    try:
        futures = client.map(run_job, jobs, pure=False)  # each worker warms up on its first job
        for fut in tqdm(as_completed(futures), total=len(futures), desc="wijkrapporten (Dask)",
                        unit="wijk", disable=not progress):
            on_record(fut.result())
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()


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
    notebook : path
        The report notebook (default ``notebooks/wijkrapport.ipynb``).
    **parameters
        Report parameters (:meth:`mkba.base.settings.Settings.to_report_parameters`: discount_rate,
        price_year, base_year, horizon, volunteer_valuation, market_value_code, threshold,
        scenario_path), or ``settings=Settings(...)``.
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
    client = _connect(scheduler) if scheduler and scheduler != "local" else None
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
    with _folder_lock(out), _sigterm_stops():
        _sweep_temporary(out)
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
            _sweep_temporary(out)


def _batch_locked(case_path, out, pool, requested, scheduler, all_wijken, force, isolate,
                  wijken, progress, notebook, parameters, started, client=None) -> BatchResult:
    import signal

    jobs = plan_jobs(case_path, out, all_wijken=all_wijken, wijken=wijken,
                     isolate=isolate, notebook=notebook, **parameters)
    previous = _previous(out)
    todo, records = [], []
    for job in jobs:
        old = previous.get(job.wijk_code)
        if not force and _up_to_date(job, old, out):
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
    state = _State(out, previous, case_path, params, workers, engine, started)
    for r in records:
        state.add(r, write=False)
    done: list[dict] = []

    def finished(record):
        done.append(record)
        state.add(record)

    try:
        if todo and scheduler:
            _run_dask(todo, workers, scheduler, progress, finished, client)
        elif todo:
            _run_local(todo, progress, pool, finished)
    except (KeyboardInterrupt, _Stop) as exc:
        signum = exc.signum if isinstance(exc, _Stop) else signal.SIGINT
        old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
        try:  # a second Ctrl-C must not break off the clean-up (it takes seconds)
            if pool is not None:
                pool.stop()
            _close_own_runner()
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
    result = BatchResult(records, out, time.perf_counter() - started, workers, engine)
    state.write(status="klaar")
    return result


def _close_own_runner() -> None:
    """Stop the kernel this process started for an in-process batch (``workers=1``)."""
    global _RUNNER
    if _RUNNER is not None:
        _RUNNER.close()
        _RUNNER = None
        _WARM["done"] = False


class _State:
    """What the folder holds: the wijken of earlier runs plus those this run finished.

    ``batch.json`` is rewritten (atomically) as wijken finish, at most once a second, so an
    interrupted or killed run leaves a file that the next run resumes from.
    """

    INTERVAL = 1.0

    def __init__(self, out, previous, case_path, parameters, workers, engine, started):
        self.out, self.case_path, self.parameters = out, case_path, parameters
        self.workers, self.engine, self.started = workers, engine, started
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
                       self.workers, self.engine, status, index=index)
        self.last = time.monotonic()


def check_scheduler(address: str) -> str:
    """``"local"`` or a Dask scheduler address (``tcp://host:port``); else a CaseError.

    Examples
    --------
    >>> check_scheduler("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> check_scheduler("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: invoer: --scheduler 'file:///etc/passwd' is geen Dask-adres ...
    """
    import re

    from mkba.base.errors import CaseError

    if address == "local" or re.fullmatch(r"(tcp|tls)://[A-Za-z0-9.\-\[\]:]+:\d{1,5}", address):
        return address
    raise CaseError(f"--scheduler {address!r} is geen Dask-adres (gebruik 'local' of "
                    "tcp://host:poort, bijv. tcp://127.0.0.1:8786)")


def _folder_lock(out: Path):
    """Hold ``out/.mkba/batch.lock`` for the whole batch; a second batch into the same folder
    stops at once with :class:`BatchBusy`. The lock ends with the process (also on SIGKILL)."""
    from contextlib import contextmanager

    @contextmanager
    def lock():
        try:
            import fcntl
        except ImportError:  # not on POSIX: no lock
            yield
            return
        path = out / ".mkba" / "batch.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                other = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                raise BatchBusy(out, other) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)

    return lock()


def _sigterm_stops():
    """While the batch runs, SIGTERM stops it like Ctrl-C (clean-up, then exit 143)."""
    import signal
    import threading
    from contextlib import contextmanager

    @contextmanager
    def handler():
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def stop(signum, frame):
            raise _Stop(signum)

        old = signal.signal(signal.SIGTERM, stop)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, old)

    return handler()


def _sweep_temporary(out: Path) -> None:
    """Remove the temporary files of interrupted writes (``.NAME.XXXX.tmp``, see
    :func:`mkba.report.render.atomic_write`); safe because this batch holds the folder's lock."""
    for folder in (out, out / ".mkba"):
        for tmp in folder.glob(".*.tmp"):
            try:
                tmp.unlink()
            except OSError:
                pass


def _headlines(case_path, codes, parameters) -> dict[str, dict]:
    """Name, inhabitants and MKBA headline per wijk, computed in the parent (for wijken whose
    report failed or did not show its headline), by the rules the report uses."""
    from mkba.base.errors import CaseError
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
        from mkba.analysis.pipeline import run
        from mkba.base.settings import Settings

        done = run(case_path, Settings.from_report_parameters(**parameters), kwb=kwb)
        results = done.evaluation.results()
        from mkba.analysis.checks import failed, run_checks
        from mkba.evidence.process import buurtbudget_summary

        for code, head in heads.items():
            head["tasks"] = headline_tasks([r for r in results if r.wijk_code == code])
            head["buurtbudget"] = buurtbudget_summary(done.case, code)
            mine = {r.task_id for r in results if r.wijk_code == code}
            # the report's consistency checks (issue 19), without its Monte Carlo runs
            head["checks_failed"] = len(failed(run_checks(
                done.evaluation.subset(mine), case=done.case, params=done.parameters))) \
                if mine else 0
    return heads


INDEX = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Wijkrapporten</title>
<style>
body {{ font-family: "Segoe UI", Roboto, Arial, sans-serif; max-width: 70rem; margin: 0 auto;
       padding: 1rem; color: #1d2329; }}
h1 {{ color: #1f4e79; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.92rem; display: block;
         overflow-x: auto; }}
th, td {{ padding: 0.3rem 0.6rem; border-bottom: 1px solid #e3e7eb; text-align: left;
          vertical-align: top; }}
th {{ background: #f1f4f7; }}
caption {{ text-align: left; font-weight: 600; padding: 0.2rem 0; }}
.mislukt {{ color: #b71c1c; font-weight: bold; }}
@media (max-width: 40rem) {{
  /* on a phone: name and NCW first and visible without swiping; code and status below */
  table, caption, thead, tbody, tr, th, td {{ display: block; }}
  thead {{ position: absolute; left: -9999px; }}
  tr {{ border-bottom: 1px solid #c9d1d9; padding: 0.4rem 0; }}
  td {{ border: none; padding: 0.1rem 0; }}
  td.code, td.status {{ color: #4a5560; font-size: 0.85rem; display: inline-block;
                        margin-right: 0.6rem; }}
}}
</style></head><body>
<h1>Wijkrapporten</h1>
<p>{summary}</p>
{kaart}
<table><caption>Per wijk de naam (link naar het rapport), de taken met hun NCW en B/K, het
aantal inwoners, het gespaarde buurtbudget, de CBS-code en de status</caption>
<thead><tr><th scope="col">wijk</th><th scope="col">taken: NCW (B/K)</th>
<th scope="col">inwoners</th><th scope="col">buurtbudget: gespaard</th><th scope="col">code</th>
<th scope="col">status</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<p>NCW = netto contante waarde (baten min kosten) voor de samenleving. Buurtbudget: wat de wijk
aan het eind van het laatste jaar gespaard heeft (ontvangen min besteed, nominaal). Bron
wijkcijfers: CBS.</p>
</body></html>
"""


def _budget_cell(budget: dict | None) -> str:
    """The index cell of a wijk's buurtbudget (mkba.evidence.process.buurtbudget_summary)."""
    from mkba.base.formatting import fmt_eur

    if not budget:
        return "–"
    return (f"{fmt_eur(budget['saved'])} ({budget['year']}; ontvangen "
            f"{fmt_eur(budget['received'])}, besteed {fmt_eur(budget['spent'])})")


def _write_outputs(out, *args, **kwargs) -> None:
    """Write ``batch.json`` and ``index.html``: ``(out, records, case_path, parameters, seconds,
    workers, engine, status, index=True)``, or the former ``(result, case_path, parameters)``."""
    if isinstance(out, BatchResult):
        case_path, parameters = args
        return _write_folder(out.out_dir, out.records, case_path, parameters, out.seconds,
                             out.workers, out.engine, "klaar")
    return _write_folder(out, *args, **kwargs)


def _write_folder(out: Path, records: list[dict], case_path, parameters, seconds: float,
                  workers: int, engine: str, status: str, index: bool = True) -> None:
    """Write ``batch.json`` (and ``index.html``) for every wijk the folder holds."""
    from mkba.base.files import atomic_write
    from mkba.base.formatting import fmt_eur, fmt_number, fmt_ratio
    from mkba.base.html import esc

    n_failed = sum(r.get("status") == FAILED for r in records)
    n_skipped = sum(r.get("status") == SKIPPED for r in records)
    payload = {"case": case_path or None, "parameters": parameters, "status": status,
               "seconds": round(seconds, 3), "workers": workers,
               "engine": engine, "failed": n_failed, "skipped": n_skipped, "wijken": records}
    atomic_write(out / "batch.json", dumps(payload, indent=2))
    if not index:
        return
    rows = []
    for r in records:
        tasks = "<br>".join(
            f"{esc(t['task_id'])} {esc(t['name'])}"
            + ("" if t["variant"] == "project"
               else f" ({esc(str(t['variant']).replace('_', ' '))})")
            + f": {fmt_eur(t['npv'])} ({fmt_ratio(t['bc_ratio'])})"
            for t in r.get("tasks") or []) or "–"
        name = esc(r.get("name") or r["wijk_code"])
        link = (f"<a href='{esc(r['html'])}'>{name}</a>" if r.get("status") != FAILED
                else f"{name} <span class='mislukt'>(mislukt: {esc(r.get('error'))})</span>")
        inh = ("–" if r.get("inhabitants") is None
               else f"{fmt_number(r['inhabitants'])} ({r.get('year')})")
        rows.append(f"<tr><td>{link}</td><td class='npv'>{tasks}</td><td>{inh}</td>"
                    f"<td>{_budget_cell(r.get('buurtbudget'))}</td>"
                    f"<td class='code'>{esc(r['wijk_code'])}</td>"
                    f"<td class='status'>{esc(r.get('status'))}"
                    + (f" <span class='mislukt'>({r['checks_failed']} controle(s) mislukt: "
                       "zie pagina één)</span>" if r.get("checks_failed") else "")
                    + "</td></tr>")
    n = len(records)
    made = sum(r.get("status") == OK for r in records)
    summary = (f"{n} wijken; {made} gemaakt, {n_skipped} ongewijzigd overgeslagen, "
               f"{n_failed} mislukt. Laatste run op {time.strftime('%d-%m-%Y %H:%M')} in "
               f"{fmt_number(seconds, 1)} seconden met {workers} worker(s) ({esc(engine)}).")
    if status == "onderbroken":
        summary += (" Deze run is onderbroken; start hem opnieuw om de ontbrekende wijken te "
                    "maken.")
    from mkba.base.html import nbsp
    from mkba.report.maps import index_map_html  # draws only when a map file exists

    atomic_write(out / "index.html", INDEX.format(summary=summary, rows=nbsp("\n".join(rows)),
                                                  kaart=index_map_html(
                                                      records, (parameters or {}).get("map_file"))))
