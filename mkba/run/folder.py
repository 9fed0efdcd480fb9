"""The output folder of a batch: its lock, the records of earlier runs, left-over temp files.

A batch holds ``out/.mkba/batch.lock`` while it runs; a second batch into the same folder stops
at once (:class:`BatchBusy`). ``batch.json`` of an earlier run is read back so unchanged wijken
are skipped; a file written by an mkba before issue 13 (Dutch headline keys) is read with its
keys renamed, so one ``batch.json`` never mixes both.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path

from mkba.base.errors import CaseError, Problem
from mkba.run.jobs import OK, SKIPPED, Job

__all__ = ["BatchBusy", "folder_lock", "sweep_temporary", "previous_records", "english_record",
           "up_to_date", "OLD_HEADLINE_KEYS", "OLD_TASK_KEYS", "OLD_BUDGET_KEYS"]

#: The Dutch keys a batch.json of mkba before issue 13 had, and their names now: a record read
#: back from such a file is renamed, so one batch.json never mixes both (its own wijken that are
#: not made again keep their headline figures).
OLD_HEADLINE_KEYS = {"naam": "name", "inwoners": "inhabitants", "jaar": "year", "taken": "tasks"}
OLD_TASK_KEYS = {"taak": "task_id", "naam": "name"}
OLD_BUDGET_KEYS = {"jaar": "year", "gespaard": "saved", "ontvangen": "received", "besteed": "spent"}


class BatchBusy(CaseError):
    """Another batch is writing into the same folder (the CLI exits with 2).

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The batch's folder.
    pid : str
        The process that holds it.

    Examples
    --------
    >>> print(BatchBusy("uit", "4242"))  # doctest: +NORMALIZE_WHITESPACE
    uit: er loopt al een batch in deze map (proces 4242); wacht tot die klaar is, of kies een
    andere --out
    """

    def __init__(self, out_dir, pid: str):
        self.out_dir, self.pid = out_dir, pid
        super().__init__([Problem(str(out_dir), None, None,
                                  f"er loopt al een batch in deze map (proces {pid}); wacht tot "
                                  "die klaar is, of kies een andere --out")])


@contextmanager
def folder_lock(out: Path):
    """Hold ``out/.mkba/batch.lock`` for the whole batch; a second batch into the same folder
    stops at once with :class:`BatchBusy`. The lock ends with the process (also on SIGKILL).

    Parameters
    ----------
    out : pathlib.Path
        The batch's folder.

    Yields
    ------
    None
        While the lock is held.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> with folder_lock(out):
    ...     (out / ".mkba" / "batch.lock").exists()
    True
    """
    try:
        import fcntl  # POSIX only
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


def sweep_temporary(out: Path) -> None:
    """Remove the temporary files of interrupted writes (``.NAME.XXXX.tmp``, see
    :func:`mkba.base.files.write_atomically`); safe because this batch holds the folder's lock.

    Parameters
    ----------
    out : pathlib.Path
        The batch's folder.

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> _ = (out / ".WK036330.html.ab12.tmp").write_text("half")
    >>> sweep_temporary(out)
    >>> list(out.iterdir())
    []
    """
    for folder in (out, out / ".mkba"):
        for tmp in folder.glob(".*.tmp"):
            try:
                tmp.unlink()
            except OSError:
                pass


def previous_records(out_dir: Path) -> dict[str, dict]:
    """The records of the folder's ``batch.json`` by wijk code (English keys); empty when
    there is none or it cannot be read.

    Parameters
    ----------
    out_dir : pathlib.Path
        The batch's folder.

    Returns
    -------
    dict of str to dict
        Record by wijk code.

    Examples
    --------
    >>> import tempfile
    >>> previous_records(Path(tempfile.mkdtemp()))
    {}
    """
    path = out_dir / "batch.json"
    if not path.exists():
        return {}
    try:
        return {r["wijk_code"]: english_record(r)
                for r in json.loads(path.read_text("utf-8"))["wijken"]}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def english_record(record: dict) -> dict:
    """A batch.json record with the Dutch headline keys of an older mkba renamed.

    Parameters
    ----------
    record : dict
        A record.

    Returns
    -------
    dict
        A copy with English keys.

    Examples
    --------
    >>> r = english_record({"wijk_code": "WK1", "naam": "A", "taken": [{"taak": "T1"}],
    ...                     "buurtbudget": {"jaar": 2024, "gespaard": 5.0}})
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


def up_to_date(job: Job, old: dict | None, out_dir: Path) -> bool:
    """True when the wijk's earlier record has the same key, succeeded, and its files exist.

    Parameters
    ----------
    job : Job
        The wijk's job (its ``key``).
    old : dict or None
        The wijk's earlier record.
    out_dir : pathlib.Path
        The batch's folder.

    Returns
    -------
    bool
        Whether it can be skipped.

    Examples
    --------
    >>> job = Job("WK036330", "", "/uit", {}, "k")
    >>> up_to_date(job, None, Path("/uit"))
    False
    """
    return bool(old and old.get("key") == job.key and old.get("status") in (OK, SKIPPED)
                and (out_dir / old["html"]).exists() and (out_dir / old["notebook"]).exists())
