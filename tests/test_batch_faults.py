"""The batch under faults, with real processes: a killed worker, Ctrl-C, SIGTERM, SIGKILL of the
parent, resuming, a second batch into the same folder, and merging with what the folder holds.

Every test is bounded in time (``timeout`` on every wait) and ends every process it started.
The notebooks here write a marker file ``<wijk>.<worker pid>.<kernel pid>`` when a report
starts, so the test knows which processes to watch, and sleep for the wijken named in them.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest

from mkba.base.assumptions import DATA_DIR
from mkba.run.batch import batch
from mkba.run.cli import main

pytestmark = pytest.mark.slow  # real processes, kernels or a browser: not in make test-fast

batch_module = importlib.import_module("mkba.run.batch")  # (mkba.run.batch is also a function)
EXAMPLE = DATA_DIR / "voorbeeld"
WIJKEN = ["WK036330", "WK036339", "WK036360", "WK036394"]
TIMEOUT = 90


def make_notebook(path: Path, markers: Path, sleep_for: list[str], seconds: float = 120,
                  flag: Path | None = None) -> Path:
    """A report notebook that marks its start and sleeps for the wijken in ``sleep_for`` (only
    while ``flag`` exists, when given)."""
    markers.mkdir(parents=True, exist_ok=True)
    params = nbformat.v4.new_code_cell(
        'wijk_code: str = "WK000000"\ncase_path: str = ""\ndiscount_rate: float = 0.0225\n'
        "price_year: int = 0\nbase_year: int = 0\nhorizon: int = 0\nthreshold: int = 10")
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import os, pathlib, time\n"
        f"pathlib.Path({str(markers)!r}, f'{{wijk_code}}.{{os.getppid()}}.{{os.getpid()}}')"
        ".touch()\n"
        f"if wijk_code in {sleep_for!r} and "
        f"({flag is None!r} or pathlib.Path({str(flag)!r}).exists()):\n"
        f"    time.sleep({seconds})\n"
        "print('rapport', wijk_code)")
    nb = nbformat.v4.new_notebook(cells=[params, body])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, path)
    return path


def wait_for(predicate, timeout: float = TIMEOUT, what: str = ""):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def started(markers: Path) -> list[tuple[str, int, int]]:
    out = []
    for p in markers.iterdir():
        code, worker, kernel = p.name.split(".")
        out.append((code, int(worker), int(kernel)))
    return out


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped) counts as gone
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1][0] != "Z"
    except OSError:
        return True


def records(out: Path) -> dict[str, dict]:
    return {r["wijk_code"]: r for r in json.loads((out / "batch.json").read_text())["wijken"]}


def cli_process(out: Path, notebook: Path, tmp: Path, *extra: str) -> subprocess.Popen:
    """`mkba batch` as a user runs it (own session, like a terminal job), with a test notebook."""
    script = ("import functools, sys\nimport mkba.run.batch as b\n"
              f"b.batch = functools.partial(b.batch, notebook={str(notebook)!r})\n"
              "from mkba.run.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    env = {**os.environ, "TMPDIR": str(tmp)}
    env.pop("MKBA_DEBUG", None)
    return subprocess.Popen([sys.executable, "-c", script, "batch", str(EXAMPLE), "--out",
                             str(out), "--no-progress", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True, preexec_fn=_ctrl_c_as_in_a_terminal)


def _ctrl_c_as_in_a_terminal() -> None:
    """A terminal job takes Ctrl-C; a test run started as a background job (``make test &``)
    would pass SIGINT on as ignored, and Python then never raises KeyboardInterrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def tmp_path():
    """A private temporary folder instead of pytest's: on a machine where several pytest runs
    of one user overlap, pytest removes older numbered base folders, which would pull the out
    folder away from under a running batch."""
    path = Path(tempfile.mkdtemp(prefix="mkba-test-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def reaper():
    """Processes a test started or watched: whatever still lives at the end is killed."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def test_a_killed_worker_fails_only_its_wijk(tmp_path, reaper):
    markers = tmp_path / "m"
    nb = make_notebook(tmp_path / "nb.ipynb", markers, ["WK036339"])
    out = tmp_path / "out"
    victims = {}

    def kill_the_sleeper():
        hit = wait_for(lambda: [m for m in started(markers) if m[0] == "WK036339"],
                       what="WK036339 to start")[0]
        victims.update(worker=hit[1], kernel=hit[2])
        reaper.extend([hit[1], hit[2]])
        os.kill(hit[1], signal.SIGKILL)

    killer = threading.Thread(target=kill_the_sleeper, daemon=True)
    killer.start()
    result = batch(str(EXAMPLE), out, workers=2, notebook=nb, progress=False)
    killer.join(5)
    recs = records(out)
    assert set(recs) == set(WIJKEN)
    assert recs["WK036339"]["status"] == "mislukt"
    assert "SIGKILL" in recs["WK036339"]["error"]
    for code in set(WIJKEN) - {"WK036339"}:
        assert recs[code]["status"] == "gelukt" and (out / f"{code}.html").exists()
    assert result.n_failed == 1
    assert "mislukt" in (out / "index.html").read_text(encoding="utf-8")
    # the killed worker's kernel does not outlive it
    wait_for(lambda: not alive(victims["kernel"]), 15, "the orphaned kernel to end")


@pytest.mark.parametrize("how, code, workers", [("sigterm", 143, "2"), ("ctrl-c", 130, "2"),
                                                ("ctrl-c", 130, "1")])
def test_stop_is_clean_and_resumable(tmp_path, reaper, how, code, workers):
    markers, flag = tmp_path / "m", tmp_path / "slow"
    flag.touch()
    nb = make_notebook(tmp_path / "nb.ipynb", markers, WIJKEN[1:], flag=flag)
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    proc = cli_process(out, nb, tmp, "--workers", workers)
    reaper.append(proc.pid)
    # WK036330 is quick: wait until batch.json has it, and both workers are rendering
    wait_for(lambda: (out / "batch.json").exists()
             and records(out).get("WK036330", {}).get("status") == "gelukt",
             what="the first wijk in batch.json")
    running = wait_for(lambda: [m for m in started(markers) if m[0] != "WK036330"]
                       if len(started(markers)) >= 1 + int(workers) else None,
                       what="the sleeping reports")
    pids = [p for m in started(markers) for p in m[1:]]
    reaper.extend(pids)
    assert running
    # a second batch into the same folder refuses at once, with a clear message
    second = subprocess.run([sys.executable, "-m", "mkba.run.cli", "batch", str(EXAMPLE), "--out",
                             str(out)], capture_output=True, text=True, timeout=TIMEOUT)
    assert second.returncode == 2
    assert "er loopt al een batch in deze map" in second.stderr
    assert "Traceback" not in second.stderr
    t0 = time.monotonic()
    if how == "sigterm":
        proc.send_signal(signal.SIGTERM)
    else:  # the terminal sends SIGINT to the foreground process group
        os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - t0 < 20
    assert proc.returncode == code, stderr
    assert "onderbroken" in stderr and "Traceback" not in stderr
    # workers and kernels ended, no temporary files or kernel files left
    wait_for(lambda: not any(alive(p) for p in pids), 15, "workers and kernels to end")
    assert list(tmp.iterdir()) == []
    assert not list(out.glob(".*.tmp"))
    payload = json.loads((out / "batch.json").read_text())
    assert payload["status"] == "onderbroken"
    assert records(out)["WK036330"]["status"] == "gelukt"
    # resume: the finished wijk is skipped, the rest is made
    flag.unlink()
    again = cli_process(out, nb, tmp, "--workers", "1")
    reaper.append(again.pid)
    stdout, stderr = again.communicate(timeout=TIMEOUT)
    assert again.returncode == 0, stderr
    recs = records(out)
    assert recs["WK036330"]["status"] == "overgeslagen"
    assert all(recs[c]["status"] == "gelukt" for c in WIJKEN[1:])


def test_workers_and_kernels_die_with_a_killed_parent(tmp_path, reaper):
    markers = tmp_path / "m"
    nb = make_notebook(tmp_path / "nb.ipynb", markers, WIJKEN)
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    proc = cli_process(out, nb, tmp, "--workers", "2")
    reaper.append(proc.pid)
    wait_for(lambda: len(started(markers)) >= 2, what="two reports to start")
    pids = [p for m in started(markers) for p in m[1:]]
    reaper.extend(pids)
    proc.kill()
    proc.communicate(timeout=10)
    wait_for(lambda: not any(alive(p) for p in pids), 20, "workers and kernels to end")
    # the kernels' connection files and sockets went with them
    wait_for(lambda: not any(tmp.rglob("kernel*")), 10, "kernel files to be removed")


def test_merge_keeps_wijken_of_earlier_runs(tmp_path):
    """A run with --wijk must not drop the other wijken from index.html and batch.json."""
    out = tmp_path / "out"
    nb = make_notebook(tmp_path / "nb.ipynb", tmp_path / "m", [])
    batch(str(EXAMPLE), out, workers=1, notebook=nb, progress=False)
    keys = {c: r["key"] for c, r in records(out).items()}
    batch(str(EXAMPLE), out, workers=1, notebook=nb, progress=False, wijken=["WK036330"],
          force=True)
    recs = records(out)
    assert set(recs) == set(WIJKEN)
    assert {c: r["key"] for c, r in recs.items()} == keys
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f"{c}.html" in index for c in WIJKEN)
    # and the skip keys still work for the other wijken
    again = batch(str(EXAMPLE), out, workers=1, notebook=nb, progress=False)
    assert again.n_skipped == 4


def test_workers_capped_at_the_number_of_wijken(tmp_path, monkeypatch):
    started_pools = []
    original = batch_module.WorkerPool

    class Counting(original):
        def __init__(self, workers, *args, **kwargs):
            started_pools.append(workers)
            super().__init__(workers, *args, **kwargs)

    monkeypatch.setattr(batch_module, "WorkerPool", Counting)
    nb = make_notebook(tmp_path / "nb.ipynb", tmp_path / "m", [])
    result = batch(str(EXAMPLE), tmp_path / "out", workers=8, wijken=["WK036330"],
                   notebook=nb, progress=False)
    assert result.workers == 1 and started_pools == []  # one wijk: no pool, no 8 kernels
    result = batch(str(EXAMPLE), tmp_path / "out2", workers=8,
                   wijken=["WK036330", "WK036339"], notebook=nb, progress=False)
    assert started_pools == [2] and result.workers == 2


def test_second_batch_in_same_process_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    from mkba.run.folder import folder_lock

    with folder_lock(out):
        assert main(["batch", str(EXAMPLE), "--out", str(out), "--no-progress"]) == 2
    assert "er loopt al een batch in deze map" in capsys.readouterr().err
