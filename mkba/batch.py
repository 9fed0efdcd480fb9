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
from .assumptions import DATA_DIR, REPORT_NOTEBOOK
from .jsonout import dumps

__all__ = ["batch", "BatchResult", "plan_jobs", "run_job"]

OK, SKIPPED, FAILED = "gelukt", "overgeslagen", "mislukt"
#: What a record carries for the index (from the report's headline, or computed afterwards).
HEADLINE_KEYS = ("naam", "inwoners", "jaar", "taken", "buurtbudget")


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
    package = Path(__file__).parent
    parts = [_hash_files(package.glob("*.py")), _hash_files([notebook]),
             _stamp_files((DATA_DIR / "cbs").rglob("*.*")),
             _stamp_files(_fetched_files()),  # `mkba cbs ophalen` output (cbs_tables)
             _stamp_files((DATA_DIR / "kengetallen").glob("*.csv"))]
    if case_path:
        case = Path(case_path)
        files = [case] if case.is_file() else [p for p in case.iterdir() if p.is_file()]
        parts.append(_hash_files(files))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _fetched_files():
    from .cbs_tables import fetched_dir

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
    from .errors import CaseError
    from .render import check_wijk_code, report_parameters

    params = report_parameters(**parameters)
    case_path = str(Path(case_path).resolve()) if case_path else ""
    codes: list[str] = []
    if case_path:
        from .io import read_case

        codes = list(dict.fromkeys(read_case(case_path).taken["wijk_code"]))
    if all_wijken:
        from .cbs import load_kwb

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
    out = Path(out_dir).resolve()
    # one snapshot of the notebook for the whole batch: editing the notebook while a batch
    # runs must not give some wijken the old and some the new version
    snapshot = out / ".mkba" / f"wijkrapport-{base[:12]}.ipynb"
    if not snapshot.exists():
        from .render import atomic_write

        atomic_write(snapshot, Path(notebook).read_text(encoding="utf-8"))
    return [Job(code, case_path, str(out), params,
                hashlib.sha256(f"{base}|{code}|{dumps(params, sort_keys=True)}".encode())
                .hexdigest(), isolate, str(snapshot)) for code in codes]


_RUNNER = None


def _runner(isolate: bool, threads: int | None = None):
    global _RUNNER
    if _RUNNER is None:
        from .render import KernelRunner

        _RUNNER = KernelRunner(isolate=isolate, threads=threads)
        atexit.register(_RUNNER.close)
    return _RUNNER


def _worker_imports() -> None:
    """What the worker process itself needs for a report (overlaps with the kernel's warm-up)."""
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    from .render import _exporter

    _exporter()


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
    from .render import render_report

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
        return {r["wijk_code"]: r for r in json.loads(path.read_text("utf-8"))["wijken"]}
    except (ValueError, KeyError):
        return {}


def _up_to_date(job: Job, old: dict | None, out_dir: Path) -> bool:
    return bool(old and old.get("key") == job.key and old.get("status") in (OK, SKIPPED)
                and (out_dir / old["html"]).exists() and (out_dir / old["notebook"]).exists())


def _start_pool(workers: int, isolate: bool):
    """A spawn-based process pool whose workers start (and warm their kernels) right away."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    threads = max(1, (os.cpu_count() or 1) // workers)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=init_worker, initargs=(isolate, threads))
    for _ in range(workers):  # make every worker start now, not on its first job
        pool.submit(_noop)
    return pool


def _noop() -> None:
    return None


def _run_local(jobs, progress, pool=None):
    from concurrent.futures import as_completed

    from tqdm import tqdm

    isolate = bool(jobs) and jobs[0].isolate
    if pool is None:
        init_worker(isolate, max(1, os.cpu_count() or 1))
        return [run_job(j) for j in tqdm(jobs, desc="wijkrapporten", unit="wijk",
                                         disable=not progress)]
    out = []
    with pool:
        futures = [pool.submit(run_job, j) for j in jobs]
        for fut in tqdm(as_completed(futures), total=len(futures), desc="wijkrapporten",
                        unit="wijk", disable=not progress):
            out.append(fut.result())
    return out


def _run_dask(jobs, workers, scheduler, progress):
    from dask.distributed import Client, LocalCluster, as_completed
    from tqdm import tqdm

    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = client.map(run_job, jobs, pure=False)  # each worker warms up on its first job
        out = []
        for fut in tqdm(as_completed(futures), total=len(futures), desc="wijkrapporten (Dask)",
                        unit="wijk", disable=not progress):
            out.append(fut.result())
        return out
    finally:
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
        Report parameters (:meth:`mkba.settings.Settings.to_report_parameters`: discount_rate,
        price_year, base_year, horizon, volunteer_valuation, market_value_code, threshold,
        scenario_path), or ``settings=Settings(...)``.
    """
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    requested = max(1, workers or os.cpu_count() or 1)
    # local workers start (spawn, kernel, imports) while the parent plans the jobs
    pool = _start_pool(requested, isolate) if requested > 1 and not scheduler else None
    try:
        jobs = plan_jobs(case_path, out, all_wijken=all_wijken, wijken=wijken,
                         isolate=isolate, notebook=notebook, **parameters)
    except BaseException:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        raise
    previous = _previous(out)
    todo, records = [], []
    for job in jobs:
        old = previous.get(job.wijk_code)
        if not force and _up_to_date(job, old, out):
            records.append({**old, "status": SKIPPED, "seconds": 0.0})
        else:
            todo.append(job)
    workers = requested if pool is not None else max(1, min(requested, max(len(todo), 1)))
    params = jobs[0].parameters
    if not todo:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        done, engine = [], "lokaal"
    elif scheduler:
        done, engine = _run_dask(todo, workers, scheduler, progress), f"dask ({scheduler})"
    else:
        done, engine = _run_local(todo, progress, pool), "lokaal"
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
    result = BatchResult(records, out, time.perf_counter() - started, workers, engine)
    _write_outputs(result, case_path, params)
    return result


def _headlines(case_path, codes, parameters) -> dict[str, dict]:
    """Name, inhabitants and MKBA headline per wijk, computed in the parent (for wijken whose
    report failed or did not show its headline), by the rules the report uses."""
    from .cbs import load_kwb, region_names
    from .errors import CaseError
    from .indicators import profile_year
    from .reports import headline_tasks

    kwb = load_kwb()
    names = region_names(kwb)
    inh = kwb[(kwb["indicator"] == "AantalInwoners") & kwb["value"].notna()]
    inh = inh.set_index(["region_code", "year"])["value"]
    heads = {c: {"naam": names.get(c, c), "inwoners": None, "jaar": None, "taken": [],
                 "buurtbudget": None} for c in codes}
    for code in codes:
        try:
            year = profile_year(kwb, code)  # the year the report's profile shows
        except CaseError:  # no CBS figures for this code
            continue
        value = inh.get((code, year))
        if value is not None and value >= parameters["threshold"]:  # else suppressed
            heads[code].update(inwoners=float(value), jaar=year)
    if case_path:
        from .pipeline import run
        from .settings import Settings

        done = run(case_path, Settings.from_report_parameters(**parameters), kwb=kwb)
        results = done.evaluation.results()
        from .process import buurtbudget_summary

        for code, head in heads.items():
            head["taken"] = headline_tasks([r for r in results if r.wijk_code == code])
            head["buurtbudget"] = buurtbudget_summary(done.case, code)
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
    """The index cell of a wijk's buurtbudget (mkba.process.buurtbudget_summary)."""
    from .formatting import fmt_eur

    if not budget:
        return "–"
    return (f"{fmt_eur(budget['gespaard'])} ({budget['jaar']}; ontvangen "
            f"{fmt_eur(budget['ontvangen'])}, besteed {fmt_eur(budget['besteed'])})")


def _write_outputs(result: BatchResult, case_path, parameters) -> None:
    from .formatting import fmt_eur, fmt_number, fmt_ratio
    from .render import atomic_write, esc

    rows = []
    for r in result.records:
        tasks = "<br>".join(
            f"{esc(t['taak'])} {esc(t['naam'])}"
            + ("" if t["variant"] == "project"
               else f" ({esc(str(t['variant']).replace('_', ' '))})")
            + f": {fmt_eur(t['npv'])} ({fmt_ratio(t['bc_ratio'])})" for t in r["taken"]) or "–"
        name = esc(r["naam"] or r["wijk_code"])
        link = (f"<a href='{esc(r['html'])}'>{name}</a>" if r["status"] != FAILED
                else f"{name} <span class='mislukt'>(mislukt: {esc(r['error'])})</span>")
        inh = "–" if r["inwoners"] is None else f"{fmt_number(r['inwoners'])} ({r['jaar']})"
        rows.append(f"<tr><td>{link}</td><td class='npv'>{tasks}</td><td>{inh}</td>"
                    f"<td>{_budget_cell(r.get('buurtbudget'))}</td>"
                    f"<td class='code'>{esc(r['wijk_code'])}</td>"
                    f"<td class='status'>{esc(r['status'])}</td></tr>")
    n = len(result.records)
    summary = (f"{n} wijken; {n - result.n_failed - result.n_skipped} gemaakt, "
               f"{result.n_skipped} ongewijzigd overgeslagen, {result.n_failed} mislukt. "
               f"Gemaakt op {time.strftime('%d-%m-%Y %H:%M')} in "
               f"{fmt_number(result.seconds, 1)} seconden met {result.workers} worker(s) "
               f"({esc(result.engine)}).")
    from .maps import index_map_html  # draws only when a map file exists
    from .render import nbsp

    atomic_write(result.index, INDEX.format(summary=summary, rows=nbsp("\n".join(rows)),
                                            kaart=index_map_html(result.records)))
    payload = {"case": case_path or None, "parameters": parameters,
               "seconds": round(result.seconds, 3), "workers": result.workers,
               "engine": result.engine, "failed": result.n_failed,
               "skipped": result.n_skipped, "wijken": result.records}
    atomic_write(result.json, dumps(payload, indent=2))
