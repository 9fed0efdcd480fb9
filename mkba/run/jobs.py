"""The jobs of a batch: one per wijk, with a fingerprint of its inputs, and how a worker runs one.

A job's key is a fingerprint of everything its report depends on (case files, CBS data,
notebook, package code, parameters): a re-run skips a wijk whose key is unchanged. A worker
process keeps one Jupyter kernel for all its jobs (:func:`init_worker`); :func:`run_job`
never raises — a failure becomes the wijk's record, with a Dutch message.
"""

from __future__ import annotations

import atexit
import difflib
import errno
import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from mkba.analysis.versions import PLAN_NAME, VERSIONS_DIR  # light: re, pathlib

# Only light imports at module level: a worker process imports this module first and should
# start its kernel at once; pandas, papermill and nbconvert load while the kernel warms up.
from mkba.base.assumptions import DATA_DIR, REPORT_NOTEBOOK, fetched_dir
from mkba.base.errors import CaseError, Problem
from mkba.base.files import atomic_write
from mkba.base.jsonout import dumps

__all__ = ["Job", "plan_jobs", "check_known_wijken", "run_job", "init_worker",
           "inputs_fingerprint", "hash_files", "failure_message", "close_runner",
           "set_kernel_folder", "OK", "SKIPPED", "FAILED", "HEADLINE_KEYS"]

OK, SKIPPED, FAILED = "gelukt", "overgeslagen", "mislukt"
#: What a record carries for the index (from the report's headline, or computed afterwards).
HEADLINE_KEYS = ("name", "inhabitants", "year", "tasks", "buurtbudget")


def hash_files(paths) -> str:
    """SHA-256 of the names and contents of ``paths`` (in sorted order).

    Parameters
    ----------
    paths : iterable of pathlib.Path
        The files.

    Returns
    -------
    str
        The hex digest.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_text("x")
    >>> hash_files([p]) == hash_files([str(p)]) != hash_files([])
    True
    """
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
    """Fingerprint of everything a report depends on except its parameters.

    Parameters
    ----------
    case_path : str or None
        The case folder or workbook (None: profile-only reports).
    notebook : Path
        The report notebook.

    Returns
    -------
    str
        A hex digest: the package code, the notebook, the CBS data (shipped and fetched, by
        size and time), the kengetallen, the case files and the versions kept beside them
        (``besluit/``, ``versies/``: their files and where they are).

    Examples
    --------
    >>> len(inputs_fingerprint(None))
    64
    """
    package = Path(__file__).resolve().parents[1]
    # the code and the report's templates and style sheets (HTML and CSS live beside the code)
    code = [p for p in package.rglob("*") if p.is_file() and p.suffix != ".pyc"]
    parts = [hash_files(sorted(code)), hash_files([notebook]),
             _stamp_files((DATA_DIR / "cbs").rglob("*.*")),
             _stamp_files(_fetched_files()),  # `mkba cbs ophalen` output (cbs_tables)
             _stamp_files((DATA_DIR / "kengetallen").glob("*.csv"))]
    if case_path:
        case = Path(case_path)
        files = [case] if case.is_file() else [p for p in case.iterdir() if p.is_file()]
        parts.append(hash_files(files))
        if case.is_dir():  # the versions kept beside it (the report compares with them)
            kept = sorted(p for sub in (PLAN_NAME, VERSIONS_DIR) for p in (case / sub).rglob("*")
                          if p.is_file())
            parts.append(hash_files(kept) + "|".join(str(p.relative_to(case)) for p in kept))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _fetched_files():
    folder = fetched_dir()
    return [p for p in folder.glob("*.*") if p.is_file()] if folder.is_dir() else []


@dataclass(frozen=True)
class Job:
    """One wijk's report: where its inputs are, where it goes, and its fingerprint ``key``.

    Parameters
    ----------
    wijk_code : str
        The wijk.
    case_path : str
        The case.
    out_dir : str
        Where the report goes.
    parameters : dict
        The report parameters.
    key : str
        Fingerprint of the inputs, parameters and code (:func:`hash_files`).
    isolate : bool, default False
        A new kernel for this report.
    notebook : str, default REPORT_NOTEBOOK
        The notebook to execute.

    Examples
    --------
    >>> job = Job("WK036330", "data/voorbeeld", "uit", {}, "abc")
    >>> job.wijk_code, job.isolate
    ('WK036330', False)
    """

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
    """The jobs of a batch: every wijk with a task, or every wijk of the CBS data.

    Parameters
    ----------
    case_path : str or None
        The case (None with ``all_wijken``).
    out_dir : path
        The batch's output folder (the notebook snapshot goes to its ``.mkba`` folder).
    all_wijken : bool
        Also every wijk in the CBS figures.
    wijken : iterable of str, optional
        Only these wijken (in the case's order, then the others in the order given).
    isolate : bool
        A fresh kernel per report.
    notebook : path
        The report notebook.
    **parameters
        Report parameters (:func:`mkba.report.render.report_parameters`).

    Returns
    -------
    list of Job

    Examples
    --------
    >>> import tempfile
    >>> jobs = plan_jobs(str(DATA_DIR / "voorbeeld"), tempfile.mkdtemp(), wijken=["WK036330"])
    >>> [j.wijk_code for j in jobs], len(jobs[0].key)
    (['WK036330'], 64)
    """
    # asyncio, jinja2: ≈ 50 ms at import, kept off `import mkba.run.cli`
    from mkba.report.render import check_wijk_code, report_parameters

    params = report_parameters(**parameters)
    case_path = str(Path(case_path).resolve()) if case_path else ""
    codes: list[str] = []
    case = None
    if case_path:
        from mkba.case.read import read_case  # pandas: ≈ 0,3 s at import, kept off the batch worker

        case = read_case(case_path)
        codes = list(dict.fromkeys(case.taken["wijk_code"]))
    if all_wijken:
        # pandas: ≈ 0,3 s at import, kept off the batch worker
        from mkba.evidence.cbs import load_kwb

        kwb = load_kwb()
        latest = kwb[kwb["region_type"] == "Wijk"]
        codes += sorted(set(latest["region_code"]) - set(codes))
    if wijken:
        codes = [c for c in codes if c in set(wijken)] + [c for c in wijken if c not in codes]
    for code in codes:
        check_wijk_code(code)
    if wijken:
        check_known_wijken(wijken, case)
    if not codes:
        raise CaseError("geen wijken om een rapport van te maken (geen taken in de casus; "
                        "gebruik --all-wijken voor alle wijken in de CBS-cijfers)")
    base = inputs_fingerprint(case_path, Path(notebook))
    if params.get("scenario_path"):
        base += hash_files([params["scenario_path"]])
    if params.get("map_file"):  # --kaart: a changed map file makes new reports
        base += hash_files([params["map_file"]])
    if params.get("plan_path"):  # --plan: so does a changed decision version
        plan = Path(params["plan_path"])
        base += hash_files([plan] if plan.is_file() else
                           sorted(p for p in plan.rglob("*") if p.is_file()))
    out = Path(out_dir).resolve()
    # one snapshot of the notebook for the whole batch: editing the notebook while a batch
    # runs must not give some wijken the old and some the new version
    snapshot = out / ".mkba" / f"wijkrapport-{base[:12]}.ipynb"
    if not snapshot.exists():
        atomic_write(snapshot, Path(notebook).read_text(encoding="utf-8"))
    return [Job(code, case_path, str(out), params,
                hashlib.sha256(f"{base}|{code}|{dumps(params, sort_keys=True)}".encode())
                .hexdigest(), isolate, str(snapshot)) for code in codes]


def check_known_wijken(codes, case=None) -> None:
    """Refuse wijk codes that are neither in the case nor in the CBS figures (a typo would
    give an empty report), naming the closest codes of the case.

    Parameters
    ----------
    codes : iterable of str
        The codes asked for (``--wijk``), already checked to be CBS codes in form.
    case : mkba.case.tables.Case, optional
        The case; its wijken (``taken`` and ``metingen``) are known, and the suggestions.

    Raises
    ------
    CaseError
        One problem per unknown code: "WK999999 staat niet in de casus en niet in de
        CBS-cijfers; bedoelt u WK036339 (De Kolenkit) ...?".

    Examples
    --------
    >>> from mkba.case.read import read_case
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> check_known_wijken(["WK036330", "WK034401"], case)  # in the case; in the CBS figures
    >>> check_known_wijken(["WK063330"], case)  # two digits swapped
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: --wijk: WK063330 staat niet in de casus en niet in de CBS-cijfers;
    bedoelt u WK036330 (Transvaalbuurt), ...?
    """
    own = [] if case is None else list(dict.fromkeys(
        [*case.taken["wijk_code"], *case.metingen["wijk_code"]]))
    rest = [c for c in dict.fromkeys(codes) if c not in set(own)]
    if not rest:
        return
    from mkba.evidence.cbs import load_kwb, region_names  # pandas: only for a code not in the case

    kwb = load_kwb()
    unknown = [c for c in rest if c not in set(kwb["region_code"])]
    if not unknown:
        return
    names = region_names(kwb)
    problems = []
    for code in unknown:
        close = difflib.get_close_matches(code, own, n=3, cutoff=0.0)
        hint = ("; bedoelt u " + ", ".join(f"{c} ({names.get(c, 'zonder naam')})" for c in close)
                + "?") if close else " (de casus heeft geen wijken)"
        problems.append(Problem("--wijk", None, None,
                                f"{code} staat niet in de casus en niet in de CBS-cijfers{hint}"))
    raise CaseError(problems)


# ------------------------------------------------------------------ this process's kernel

_RUNNER = None
#: Where this worker's kernel keeps its connection file and sockets (the pool's folder, which
#: the parent removes even when a worker was killed).
_TMP_ROOT: dict = {"path": None}
_WARM = {"done": False}


def set_kernel_folder(path: str | None) -> None:
    """Keep this process's kernel files in ``path`` (a local pool's temporary folder).

    Parameters
    ----------
    path : str or None
        The folder; None for the default.

    Examples
    --------
    >>> set_kernel_folder(None)
    """
    _TMP_ROOT["path"] = path


def _runner(isolate: bool, threads: int | None = None):
    global _RUNNER
    if _RUNNER is None:
        from mkba.report.render import KernelRunner  # the worker's kernel starts first

        _RUNNER = KernelRunner(isolate=isolate, threads=threads, tmp_root=_TMP_ROOT["path"])
        atexit.register(_RUNNER.close)
    return _RUNNER


def _worker_imports() -> None:
    """What the worker process itself needs for a report (overlaps with the kernel's warm-up)."""
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    # asyncio, jinja2: ≈ 50 ms at import, kept off `import mkba.run.cli`
    from mkba.report.render import html_exporter

    html_exporter()


def init_worker(isolate: bool = False, threads: int | None = None) -> None:
    """Start and warm this process's kernel; while the kernel works, load the worker's own
    modules in this (single) thread. A no-op once warm.

    Parameters
    ----------
    isolate : bool
        A fresh kernel per report.
    threads : int, optional
        Threads the kernel's numerical libraries may use.
    """
    if _WARM["done"]:
        return
    _runner(isolate, threads).warm(meanwhile=_worker_imports)
    _WARM["done"] = True


def close_runner() -> None:
    """Stop the kernel this process started (a worker at its end, or an in-process batch).

    Examples
    --------
    >>> close_runner()  # nothing started: nothing to do
    """
    global _RUNNER
    if _RUNNER is not None:
        _RUNNER.close()
        _RUNNER = None
        _WARM["done"] = False


def run_job(job: Job) -> dict:
    """Render one report (in a worker process); never raises: errors become the record.

    Parameters
    ----------
    job : Job

    Returns
    -------
    dict
        The wijk's record for ``batch.json``: status, timing, the headline figures of the
        report, or the Dutch error (:func:`failure_message`).
    """
    # asyncio, jinja2: ≈ 50 ms at import, kept off `import mkba.run.cli`
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
        record["error"] = failure_message(exc)
    record["seconds"] = round(time.perf_counter() - started, 3)
    record["finished"] = time.time()
    return record


#: Dutch words for the operating-system errors a batch meets (others keep the system's text).
OS_ERRORS = {
    errno.ENOSPC: "de schijf is vol",
    errno.EDQUOT: "de schijfruimte (quotum) is op",
    errno.EACCES: "geen toestemming",
    errno.EPERM: "geen toestemming",
    errno.ENOENT: "bestand of map bestaat niet",
    errno.EROFS: "de schijf is alleen-lezen",
    errno.EIO: "lees- of schrijffout van de schijf",
    errno.EMFILE: "te veel open bestanden",
    errno.ENAMETOOLONG: "de bestandsnaam is te lang",
    errno.EISDIR: "dit is een map, geen bestand",
    errno.ENOTDIR: "een deel van het pad is geen map",
}
_KERNEL_OS_ERROR = re.compile(r"\[Errno (\d+)\] ([^:]*)(?:: '(.*)')?", re.DOTALL)


def failure_message(exc: BaseException) -> str:
    """The Dutch line a failed wijk gets in ``batch.json`` and the index (at most 500 chars).

    An operating-system error (in this process, or raised in the report's kernel) is named in
    Dutch with the file it was about; anything else keeps its type and message.

    Parameters
    ----------
    exc : BaseException
        What the report raised (a cell's error carries ``ename`` and ``evalue``).

    Returns
    -------
    str

    Examples
    --------
    >>> failure_message(OSError(28, "No space left on device", "/uit/WK036330.html"))
    'de schijf is vol bij het schrijven van /uit/WK036330.html'
    >>> failure_message(ValueError("kapot"))
    'ValueError: kapot'
    """
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    if isinstance(exc, OSError):
        number, text, filename = exc.errno, exc.strerror or str(exc), exc.filename
    else:
        match = _KERNEL_OS_ERROR.match(str(evalue)) if ename in _OS_ERROR_NAMES else None
        number, text, filename = ((int(match.group(1)), match.group(2), match.group(3))
                                  if match else (None, None, None))
    if number is not None:
        where = ""
        if filename:
            full = number in (errno.ENOSPC, errno.EDQUOT)
            where = f" bij het schrijven van {filename}" if full else f": {filename}"
        return f"{OS_ERRORS.get(number, text)}{where}"[:500]
    return f"{ename}: {evalue}".strip()[:500]


_OS_ERROR_NAMES = {"OSError", "IOError", "PermissionError", "FileNotFoundError",
                   "IsADirectoryError", "NotADirectoryError"}
