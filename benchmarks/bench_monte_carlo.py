"""Benchmark: Monte Carlo of one task with 20 lines over 30 years (run by hand).

100,000 draws; every line has a ranged quantity, deadweight and drop-off, the lines share a
ranged kengetal, and the discount rate is ranged too (the worst case for the engine: every
line's discounted sum depends on the draw). The same draws are also evaluated with a plain
Python loop over draws, lines and years (on a sample, extrapolated), and both give the same
NPV. Targets: under 1 second, at least 50× faster than the loop (issue 5); under 0,3 s,
as close as possible to the floor of drawing the inputs alone (issue 13). The parts of one
monte_carlo() call (set-up, drawing, the engine, the importance ranks) are timed apart too.

    .venv/bin/python benchmarks/bench_monte_carlo.py [--draws 100000] [--loop-sample 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from mkba import read_case
from mkba.uncertainty import CHUNK_CELLS, Model, draw_inputs, monte_carlo, uncertain_inputs
from mkba.uncertainty.montecarlo import input_importance


def build_case(lines: int = 20, years: int = 30):
    start = 2020
    end = start + years - 1
    effecten = {"taak_id": [], "effect": [], "actor": [], "jaar_van": [], "jaar_tot": [],
                "hoeveelheid": [], "hoeveelheid_laag": [], "hoeveelheid_hoog": [],
                "kengetal": [], "deadweight": [], "afname": []}
    bandbreedtes = {"parameter": ["discontovoet"], "laag": [0.015], "hoog": [0.04]}
    for i in range(lines):
        name = f"Effect {i}"
        effecten["taak_id"].append("B1")
        effecten["effect"].append(name)
        effecten["actor"].append("gemeente" if i % 2 else "bewoners")
        effecten["jaar_van"].append(start)
        effecten["jaar_tot"].append(end)
        effecten["hoeveelheid"].append(100 + i)
        effecten["hoeveelheid_laag"].append(80 + i)
        effecten["hoeveelheid_hoog"].append(130 + i)
        effecten["kengetal"].append("uur")
        effecten["deadweight"].append(0.2)
        effecten["afname"].append(0.05)
        bandbreedtes["parameter"] += [f"B1/{name}/deadweight", f"B1/{name}/afname"]
        bandbreedtes["laag"] += [0.1, 0.0]
        bandbreedtes["hoog"] += [0.4, 0.15]
    frames = {
        "taken": pd.DataFrame({"taak_id": ["B1"], "naam": ["Benchmark"],
                               "wijk_code": ["WK036330"], "startjaar": [start],
                               "eindjaar": [end]}),
        "kosten": pd.DataFrame({"taak_id": ["B1"] * years, "jaar": range(start, end + 1),
                                "actor": ["gemeente"] * years, "post": ["Exploitatie"] * years,
                                "bedrag": [22_000.0] * years}),
        "effecten": pd.DataFrame(effecten),
        "kengetallen": pd.DataFrame({"code": ["uur"], "omschrijving": ["uur"],
                                     "waarde": [20.0], "eenheid": ["uur"], "prijsjaar": [2024],
                                     "bron": ["benchmark"], "laag": [15.0], "hoog": [30.0]}),
        "bandbreedtes": pd.DataFrame(bandbreedtes),
    }
    return read_case(frames)


def loop_npv(model: Model, values: dict, draws: range) -> list[float]:
    """The plain way: a Python loop over draws, lines and years."""
    ln = model.lines
    task = model.task_id
    out = []
    names = [f"Effect {i}" for i in range(len(ln.q))]
    for d in draws:
        r = values["discontovoet"][d]
        total = 0.0
        for j in range(len(ln.q)):
            if ln.is_cost[j]:
                t = int(ln.lo[j])
                total -= ln.q[j] * ln.v[j] * ln.index[j] * (1 + r) ** -(t - model.base_year)
                continue
            name = names[j - int(ln.is_cost.sum())]
            q = values[f"{task}/{name}/hoeveelheid"][d]
            v = values["uur"][d]
            dw = values[f"{task}/{name}/deadweight"][d]
            keep = 1 - values[f"{task}/{name}/afname"][d]
            for t in range(ln.lo[j], ln.hi[j] + 1):
                total += (q * v * ln.index[j] * (1 - dw) * keep ** (t - ln.y_from[j])
                          * (1 + r) ** -(t - model.base_year))
        out.append(total)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--loop-sample", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    case = build_case()
    monte_carlo(case, "B1", draws=1000, seed=0)  # warm-up: scipy imports
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        mc = monte_carlo(case, "B1", draws=args.draws, seed=42)
        times.append(time.perf_counter() - t0)
    vec = statistics.median(times)
    model = Model(case, "B1")
    inputs = uncertain_inputs(case, model.rate, "B1")
    drawing = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        values = draw_inputs(inputs, args.draws, 42)
        drawing.append(time.perf_counter() - t0)
    draw_s = statistics.median(drawing)
    parts = {"set-up (Model, inputs)": [], "engine (Model.npv)": [], "importance ranks": []}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        m = Model(case, "B1")
        uncertain_inputs(case, m.rate, "B1")
        parts["set-up (Model, inputs)"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        chunk = max(256, CHUNK_CELLS // (m.dynamic_lines(values) + m.years))
        npv = np.concatenate([m.npv({k: v[lo:lo + chunk] for k, v in values.items()},
                                    min(chunk, args.draws - lo))
                              for lo in range(0, args.draws, chunk)])
        parts["engine (Model.npv)"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        input_importance(values, npv)
        parts["importance ranks"].append(time.perf_counter() - t0)
    sample = range(args.loop_sample)
    t0 = time.perf_counter()
    looped = loop_npv(model, values, sample)
    loop_seconds = (time.perf_counter() - t0) * args.draws / args.loop_sample
    same = np.allclose(looped, mc.npv[: args.loop_sample], rtol=1e-10)
    print(f"task with {len(model.lines.q)} lines (20 effect lines × 30 years + 30 cost rows), "
          f"{len(inputs)} ranged inputs, {args.draws:,} draws")
    print(f"vectorised monte_carlo(): median {vec:.3f} s over {args.repeat} runs "
          f"(target < 0.3 s, issue 13); P(NCW > 0) = {mc.p_npv_positive:.3f}")
    print(f"drawing the inputs alone (the floor): median {draw_s:.3f} s; monte_carlo() takes "
          f"{vec / draw_s:.2f}× the floor (target: as close to 1× as possible)")
    print("the other parts: " + "; ".join(f"{name} {statistics.median(t):.3f} s"
                                          for name, t in parts.items()))
    print(f"plain Python loop over draws: {loop_seconds:.1f} s (measured on "
          f"{args.loop_sample:,} draws, extrapolated); speed-up {loop_seconds / vec:.0f}× "
          f"(target ≥ 50×); same NPV on the sample: {same}")


if __name__ == "__main__":
    main()
