"""Benchmark: `evaluate` on a case of 1,000 tasks × 20 lines × 30 years (run by hand).

Each task has 10 cost posts with a row per year (300 rows) and 10 effect lines that run for
30 years: 600 line-years per task, 600,000 in all. Reading and validating the CSV files is
timed separately from the computation. Target (issue 2): the computation under 1 second.

    .venv/bin/python benchmarks/bench_evaluate.py [--tasks 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mkba import evaluate, read_case


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
        ev.to_dict()
        dict_s = time.perf_counter() - t0
    line_years = len(ev.cashflows)
    print(f"tasks: {args.tasks}, cost rows: {len(case.kosten):,}, effect lines: "
          f"{len(case.effecten):,}, flow rows (line-years, transfers both sides): {line_years:,}")
    print(f"read_case (parse + validate CSV): {read_s:.2f} s")
    print(f"evaluate: median {statistics.median(times):.3f} s over {args.repeat} runs "
          f"(min {min(times):.3f}, max {max(times):.3f}); target < 1 s")
    print(f"to_dict (JSON-ready results of every task): {dict_s:.2f} s")


if __name__ == "__main__":
    main()
