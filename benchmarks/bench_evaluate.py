"""Benchmark: `evaluate` on a case of 1,000 tasks × 20 lines × 30 years (run by hand).

Each task has 10 cost posts with a row per year (300 rows) and 10 effect lines that run for
30 years: 600 line-years per task, 600,000 in all. Reading and validating the CSV files is
timed separately from the computation, and so are the JSON as the command builds it
(``Run.to_dict``: the evaluation's ``to_dict`` plus the process block and the buurtbudget, then
the strict ``dumps``), the imports of a fresh process (the modules ``evaluate`` loads) and the
whole command a user runs, ``mkba evaluate CASE --format json`` (a fresh process: imports,
reading, computing, JSON, printing). Targets: the computation under 1 s (issue 2); read +
validate under 1,5 s, JSON under 0,5 s, the whole command under 3 s (issue 13), under 2 s
(issue 23). The last lines
repeat every figure with its target.

    .venv/bin/python benchmarks/bench_evaluate.py [--tasks 1000] [--repeat 3] [--old SRC]

``--old SRC`` also runs the whole command with the package in ``SRC/mkba`` (for example
``git worktree add --detach SRC <commit>``, or ``git archive <commit> mkba | tar -x -C SRC``
with ``SRC/data`` holding the package data), alternating with today's (the order swapped every
round), so that the two are compared in one run; it also says whether the two JSON texts are
byte-identical. Both packages are compiled to bytecode first (``compileall``), as an
installed package is: an editable install writes no ``.pyc`` here (PYTHONDONTWRITEBYTECODE),
and compiling the sources on every start would add ≈ 0,1 s to both. The load (``uptime``)
is printed before and after.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import mkba as mkba_package
from mkba import evaluate, read_case
from mkba.analysis.pipeline import run

try:
    from mkba.base.jsonout import dumps
except ImportError:  # an older mkba, to compare against (PYTHONPATH=…)
    import json

    def dumps(obj):
        return json.dumps(obj, ensure_ascii=False, indent=2)


#: Runs ``mkba`` from the folder given first, not the installed (editable) package.
OLD_RUNNER = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, sys.argv.pop(1))
try:
    from mkba.run.cli import main
except ImportError:  # before the sub-packages
    from mkba.cli import main
sys.exit(main(sys.argv[1:]))
"""


def build_case(folder: Path, n_tasks: int, years: int = 30, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    ids = [f"T{i:04d}" for i in range(n_tasks)]
    start = 2000
    pd.DataFrame({
        "taak_id": ids, "naam": [f"Taak {i}" for i in ids],
        "wijk_code": [f"WK{363:04d}{i % 100:02d}" for i in range(n_tasks)],
        "startjaar": start, "eindjaar": start + years - 1,
    }).to_csv(folder / "taken.csv", sep=";", index=False)
    task = np.repeat(ids, 10 * years)
    post = np.tile(np.repeat(np.arange(10), years), n_tasks)
    year = np.tile(np.arange(start, start + years), 10 * n_tasks)
    pd.DataFrame({
        "taak_id": task, "jaar": year,
        "actor": np.where(post % 3 == 0, "gemeente", "bewoners"),
        "post": [f"post {p}" for p in post],
        "bedrag": rng.integers(100, 10_000, len(task)), "prijsjaar": 2015,
    }).to_csv(folder / "kosten.csv", sep=";", index=False)
    n = 10 * n_tasks
    pd.DataFrame({
        "taak_id": np.repeat(ids, 10), "effect": [f"effect {i % 10}" for i in range(n)],
        "actor": np.where(np.arange(n) % 2, "gemeente", "bewoners"),
        "jaar_van": start, "jaar_tot": start + years - 1,
        "hoeveelheid": rng.integers(1, 100, n), "waarde_per_eenheid": rng.integers(10, 500, n),
        "prijsjaar": 2015, "deadweight": "0,2", "afname": "0,05",
        "overdracht_van": np.where(np.arange(n) % 10 == 0, "rijk", ""),
    }).to_csv(folder / "effecten.csv", sep=";", index=False)
    return folder


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    """The load averages (1, 5, 15 min) as ``uptime`` shows them."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--old", type=Path, default=None,
                    help="folder holding an older mkba/ to compare the whole command with")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = build_case(Path(tmp), args.tasks)
        t0 = time.perf_counter()
        case = read_case(folder)
        read_s = time.perf_counter() - t0
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            ev = evaluate(case)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        data = ev.to_dict()
        ev_dict_s = time.perf_counter() - t0
        done = run(case)  # what the command runs (evaluation, no uncertainty)
        t0 = time.perf_counter()
        data = done.to_dict()  # + process block per task and the buurtbudget
        dict_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        text = dumps(data)  # as the command writes it (compact)
        dumps_s = time.perf_counter() - t0
        imports = []
        for _ in range(args.repeat):  # a fresh process: the modules the command loads
            done_imports = subprocess.run(
                [sys.executable, "-c", "import time; t = time.perf_counter(); "
                 "import mkba.run.cli, mkba.analysis.pipeline, mkba.base.jsonout, "
                 "mkba.process.block, mkba.process.buurtbudget, mkba.uncertainty; "
                 "print(time.perf_counter() - t)"],
                capture_output=True, text=True, check=True)
            imports.append(float(done_imports.stdout))
        mkba = Path(sys.executable).with_name("mkba")
        for src in [Path(mkba_package.__file__).parent] + (
                [] if args.old is None else [args.old.resolve() / "mkba"]):
            compileall.compile_dir(src, quiet=1)
        print(f"load before: {_load()}")
        cli, cli_old = [], []
        cpu = {"new": [], "old": []}  # user + system CPU seconds of each run: less noisy
        new_cmd = [str(mkba), "evaluate", str(folder), "--format", "json"]
        old_cmd = [sys.executable, "-c", OLD_RUNNER, str(args.old.resolve()) if args.old else "",
                   "evaluate", str(folder), "--format", "json"]
        outputs = {}
        for i in range(args.repeat):
            turns = [("new", new_cmd, cli)] + ([] if args.old is None else
                                                [("old", old_cmd, cli_old)])
            for name, cmd, times_ in (turns if i % 2 == 0 else turns[::-1]):
                c0 = _children_cpu()
                t0 = time.perf_counter()
                done = subprocess.run(cmd, capture_output=True, env={**os.environ}, check=True)
                times_.append(time.perf_counter() - t0)
                cpu[name].append(_children_cpu() - c0)
                outputs[name] = done.stdout
        print(f"load after: {_load()}")
        assert len(outputs["new"]) > len(text) // 2
    line_years = len(ev.cashflows)
    print(f"tasks: {args.tasks}, cost rows: {len(case.kosten):,}, effect lines: "
          f"{len(case.effecten):,}, flow rows (line-years, transfers both sides): {line_years:,}")
    print(f"read_case (parse + validate CSV): {read_s:.2f} s; target < 1.5 s")
    print(f"evaluate: median {statistics.median(times):.3f} s over {args.repeat} runs "
          f"(min {min(times):.3f}, max {max(times):.3f}); target < 1 s")
    print(f"JSON: Run.to_dict {dict_s:.2f} s (of which Evaluation.to_dict {ev_dict_s:.2f} s) "
          f"+ dumps {dumps_s:.2f} s = {dict_s + dumps_s:.2f} s ({len(text) / 1e6:.1f} MB); "
          "target < 0.5 s")
    print("imports of a fresh process (run.cli, analysis.pipeline, jsonout, process, "
          f"uncertainty): "
          f"median {statistics.median(imports):.2f} s over {args.repeat} (min {min(imports):.2f})")
    print(f"whole command `mkba evaluate CASE --format json`: median "
          f"{statistics.median(cli):.2f} s over {args.repeat} runs (min {min(cli):.2f}); "
          "target < 2 s")
    print(f"  CPU (user + system) of the command: median {statistics.median(cpu['new']):.2f} s "
          f"(min {min(cpu['new']):.2f})")
    if cli_old:
        print(f"the same command with the old package ({args.old}), alternating: median "
              f"{statistics.median(cli_old):.2f} s (min {min(cli_old):.2f}); new/old "
              f"{statistics.median(cli) / statistics.median(cli_old):.2f}")
        print(f"  CPU (user + system): median {statistics.median(cpu['old']):.2f} s (min "
              f"{min(cpu['old']):.2f}); new/old "
              f"{statistics.median(cpu['new']) / statistics.median(cpu['old']):.2f}")
        print("JSON of old and new byte-identical: "
              f"{'yes' if outputs['old'] == outputs['new'] else 'NO'}")
    print("\nsummary (figure / target / met):")
    for name, value, target in (
            ("read + validate", read_s, 1.5),
            ("evaluate (median)", statistics.median(times), 1.0),
            ("JSON (Run.to_dict + dumps)", dict_s + dumps_s, 0.5),
            ("imports (median, fresh process)", statistics.median(imports), None),
            ("whole command (median)", statistics.median(cli), 2.0)):
        verdict = "" if target is None else ("yes" if value < target else "NO")
        limit = "–" if target is None else f"< {target:.1f} s"
        print(f"  {name:34s} {value:6.2f} s   {limit:8s} {verdict}")


if __name__ == "__main__":
    main()
