"""Benchmark: `evaluate` on a case of 1,000 tasks × 20 lines × 30 years (run by hand).

Each task has 10 cost posts with a row per year (300 rows) and 10 effect lines that run for
30 years: 600 line-years per task, 600,000 in all. Reading and validating the CSV files is
timed separately from the computation, and so are the JSON (``to_dict`` + strict ``dumps``)
and the whole command a user runs, ``mkba evaluate CASE --format json`` (a fresh process:
imports, reading, computing, JSON, printing). Targets: the computation under 1 s (issue 2);
read + validate under 1,5 s, JSON under 0,5 s, the whole command under 3 s (issue 13).

    .venv/bin/python benchmarks/bench_evaluate.py [--tasks 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mkba import evaluate, read_case

try:
    from mkba.base.jsonout import dumps
except ImportError:  # an older mkba, to compare against (PYTHONPATH=…)
    import json

    def dumps(obj):
        return json.dumps(obj, ensure_ascii=False, indent=2)


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
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
        dict_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        text = dumps(data)  # as the command writes it (compact)
        dumps_s = time.perf_counter() - t0
        mkba = Path(sys.executable).with_name("mkba")
        cli = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            done = subprocess.run([str(mkba), "evaluate", str(folder), "--format", "json"],
                                  capture_output=True, env={**os.environ}, check=True)
            cli.append(time.perf_counter() - t0)
        assert len(done.stdout) > len(text) // 2
    line_years = len(ev.cashflows)
    print(f"tasks: {args.tasks}, cost rows: {len(case.kosten):,}, effect lines: "
          f"{len(case.effecten):,}, flow rows (line-years, transfers both sides): {line_years:,}")
    print(f"read_case (parse + validate CSV): {read_s:.2f} s; target < 1.5 s")
    print(f"evaluate: median {statistics.median(times):.3f} s over {args.repeat} runs "
          f"(min {min(times):.3f}, max {max(times):.3f}); target < 1 s")
    print(f"JSON: to_dict {dict_s:.2f} s + dumps {dumps_s:.2f} s = {dict_s + dumps_s:.2f} s "
          f"({len(text) / 1e6:.1f} MB); target < 0.5 s")
    print(f"whole command `mkba evaluate CASE --format json`: median "
          f"{statistics.median(cli):.2f} s over {args.repeat} runs (min {min(cli):.2f}); "
          "target < 3 s")


if __name__ == "__main__":
    main()
