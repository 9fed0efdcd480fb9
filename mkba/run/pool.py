"""The local process pool of a batch: worker processes that each keep one kernel.

A Ctrl-C in the terminal reaches only the parent (each worker has its own process group),
which stops the workers in order; SIGTERM stops the batch like Ctrl-C (:func:`sigterm_stops`);
a worker ends with its parent even when the parent is killed (:func:`die_with_parent`). A worker
that dies fails only the wijk it was rendering (:func:`dead_worker_record`).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import deque
from contextlib import contextmanager
from multiprocessing import get_context
from multiprocessing.connection import wait

from mkba.run.jobs import FAILED, Job, close_runner, init_worker, run_job, set_kernel_folder

__all__ = ["WorkerPool", "Stop", "sigterm_stops", "signal_name", "die_with_parent",
           "dead_worker_record"]


class Stop(BaseException):
    """SIGTERM in the parent: stop the batch like Ctrl-C (never caught by ``except Exception``).

    Parameters
    ----------
    signum : int
        The signal.

    Examples
    --------
    >>> import signal
    >>> int(Stop(signal.SIGTERM).signum)
    15
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def signal_name(signum: int) -> str:
    """The name of a signal number.

    Parameters
    ----------
    signum : int
        The signal number.

    Returns
    -------
    str
        Its name (``SIGTERM``).

    Examples
    --------
    >>> signal_name(15), signal_name(99)
    ('SIGTERM', 'signaal 99')
    """
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signaal {signum}"


def die_with_parent(parent_pid: int) -> None:
    """End this process when its parent ends, even by SIGKILL: Linux's PR_SET_PDEATHSIG, and
    elsewhere a thread that watches the parent's pid.

    Parameters
    ----------
    parent_pid : int
        The parent's process id.
    """
    try:
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
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    die_with_parent(parent_pid)
    if os.getppid() != parent_pid:  # the parent died before we could watch it
        return
    set_kernel_folder(tmp_root)
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
        close_runner()
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
    (:func:`die_with_parent`), and their kernels with them (ipykernel watches its parent).

    Parameters
    ----------
    workers : int
        Worker processes.
    isolate : bool, default False
        A new kernel for every report.
    threads : int, optional
        Threads per kernel's numeric libraries.

    Examples
    --------
    No process starts until the first job:

    >>> pool = WorkerPool(2)
    >>> pool.stop()
    """

    GRACE = 5.0

    def __init__(self, workers: int, isolate: bool = False, threads: int | None = None):
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
                        on_record(dead_worker_record(w.job, w.process.exitcode))
                    else:
                        self.failed_starts += 1
                    if self.failed_starts > 3 + 2 * len(jobs):
                        raise RuntimeError("de workers stoppen steeds bij het starten")
                    if queue:
                        self._spawn()
            if not self.workers and queue:
                self._spawn()

    def _end(self, workers) -> None:
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
        workers, self.workers = self.workers, []
        self._end(workers)
        shutil.rmtree(self.tmp_root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def dead_worker_record(job: Job, exitcode) -> dict:
    """The record of a wijk whose worker process died while rendering it.

    Parameters
    ----------
    job : Job
        The wijk's job.
    exitcode : int
        The worker's exit code (minus the signal number when a signal ended it).

    Returns
    -------
    dict
        The record, with status ``mislukt``.

    Examples
    --------
    >>> job = Job("WK036330", "", "/uit", {}, "k")
    >>> dead_worker_record(job, -9)["error"]
    'het workerproces stopte tijdens dit rapport (signaal SIGKILL); de andere wijken gingen door'
    """
    how = (f"signaal {signal_name(-exitcode)}" if isinstance(exitcode, int) and exitcode < 0
           else f"afsluitcode {exitcode}")
    now = time.time()
    return {"wijk_code": job.wijk_code, "key": job.key, "html": f"{job.wijk_code}.html",
            "notebook": f"{job.wijk_code}.ipynb", "started": now, "finished": now,
            "seconds": 0.0, "worker": None, "status": FAILED,
            "error": f"het workerproces stopte tijdens dit rapport ({how}); "
                     "de andere wijken gingen door"}


@contextmanager
def sigterm_stops():
    """While the batch runs, SIGTERM stops it like Ctrl-C (clean-up, then exit 143): the
    handler raises :class:`Stop` (only in the main thread, where signals arrive).

    Yields
    ------
    None
        While the batch runs.

    Examples
    --------
    >>> import signal
    >>> before = signal.getsignal(signal.SIGTERM)
    >>> with sigterm_stops():
    ...     signal.getsignal(signal.SIGTERM) is before
    False
    >>> signal.getsignal(signal.SIGTERM) is before
    True
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Stop(signum)

    old = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)

