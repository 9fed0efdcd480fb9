"""Benchmark: `mkba vergelijk` (plan and realisation) on generated cases (run by hand).

The decision version has N tasks of 10 cost posts × 30 years and 10 effects (as
``bench_evaluate.py``); the current version changes, per task, the amounts of 2 posts, the
quantity of 1 effect and the deadweight of another, drops 1 post and adds 1 effect: 6 steps per
task. The walk evaluates the task once per step (``mkba.engine.cba.evaluate`` as a black box),
so its floor is the number of steps times one evaluation of one task; the figure to watch is
the ratio of the two.

    .venv/bin/python benchmarks/bench_compare.py [--tasks 10 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_evaluate import build_case  # noqa: E402

from mkba import evaluate, read_case  # noqa: E402
from mkba.analysis.compare import compare  # noqa: E402


def changed(folder: Path, out: Path) -> Path:
    """The 'current' version of a generated case: 6 changes per task."""
    out.mkdir()
    for name in ("taken", "kosten", "effecten"):
        df = pd.read_csv(folder / f"{name}.csv", sep=";", dtype=str, keep_default_na=False)
        if name == "kosten":
            df = df[df["post"] != "post 9"].copy()
            up = df["post"].isin(["post 1", "post 2"])
            df.loc[up, "bedrag"] = (df.loc[up, "bedrag"].astype(int) * 11 // 10).astype(str)
        if name == "effecten":
            e0, e1 = df["effect"] == "effect 0", df["effect"] == "effect 1"
            df.loc[e0, "hoeveelheid"] = (df.loc[e0, "hoeveelheid"].astype(int) + 5).astype(str)
            df.loc[e1, "deadweight"] = "0,3"
            new = df[e1].assign(effect="effect nieuw")
            df = pd.concat([df, new], ignore_index=True)
        df.to_csv(out / f"{name}.csv", sep=";", index=False)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    for n in args.tasks:
        with tempfile.TemporaryDirectory() as tmp:
            before_dir = Path(tmp) / "besluit"
            before_dir.mkdir()
            build_case(before_dir, n)
            after_dir = changed(before_dir, Path(tmp) / "nu")
            before, after = read_case(before_dir), read_case(after_dir)
            times, steps = [], 0
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                result = compare(before, after, goals=False)
                times.append(time.perf_counter() - t0)
                steps = len(result.contributions)
            one = []
            small = read_case(before_dir)  # one task's evaluation: the floor of one step
            for _ in range(args.repeat * 5):
                t0 = time.perf_counter()
                evaluate(small, task="T0000")
                one.append(time.perf_counter() - t0)
            med, floor = statistics.median(times), statistics.median(one)
            print(f"{n} taken, {steps} bijdragen: vergelijk {med:.2f} s (mediaan van "
                  f"{args.repeat}); één taak doorrekenen {floor * 1000:.1f} ms; "
                  f"{med / max(steps, 1) * 1000:.1f} ms per bijdrage = "
                  f"{med / max(steps, 1) / floor:.1f}× één doorrekening")


if __name__ == "__main__":
    main()
