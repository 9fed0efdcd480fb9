"""Benchmark: the effect estimate for one wijk against 3,344 wijken over 10 years (by hand).

A synthetic panel of the size of the 2024 NL table (3,344 wijken × 10 years), one treated
wijk, 10 comparison wijken, 199 placebo estimates and the pre-trend check. Target (issue 3):
seconds, not minutes.

    .venv/bin/python benchmarks/bench_effect.py [--wijken 3344] [--placebos 199]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from mkba.counterfactual import estimate_effect


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wijken", type=int, default=3344)
    ap.add_argument("--placebos", type=int, default=199)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    years = list(range(2015, 2025))
    panel = pd.DataFrame(rng.normal(100, 20, (args.wijken, 1))
                         + rng.normal(0, 2, (1, 10)).cumsum(axis=1)
                         + rng.normal(0, 3, (args.wijken, 10)), columns=years,
                         index=[f"WK{i:06d}" for i in range(args.wijken)])
    panel.loc["WK000000", 2020:] += 10
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        est = estimate_effect(panel, {"WK000000": 2020}, n_placebo=args.placebos)
        times.append(time.perf_counter() - t0)
    print(f"panel {args.wijken} wijken × {len(years)} jaar, {args.placebos} placebo's")
    print(f"estimate {est.estimate:.2f} [{est.ci_low:.2f}; {est.ci_high:.2f}] (true 10), "
          f"pretrend p {est.pretrend_p_value:.2f}")
    print(f"seconds per estimate: median {statistics.median(times):.2f} "
          f"(min {min(times):.2f}, max {max(times):.2f}) over {args.repeat} runs")


if __name__ == "__main__":
    main()
