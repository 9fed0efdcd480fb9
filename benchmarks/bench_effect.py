"""Benchmark: speed of the effect estimate, and how honest its inference is (by hand).

Speed (issue 10 targets): a synthetic panel of the size of the 2024 NL table (3.344 wijken ×
10 years) — one treated wijk (target < 2 s) and 20 treated wijken with staggered starts
(target < 5 s), each with 199 placebo draws, the pre-trend test and (one wijk) the interrupted
time series.

Honesty: the false-positive rate (share of p ≤ 0,05 without any effect) of every p-value the
package prints, and how often the printed 95 % intervals miss a known effect —

* on real CBS data (data/cbs): every Amsterdam wijk (start 2020 or 2021) and every Utrecht
  buurt (start 2023) in turn pretended treated, several indicators, in the profile's unit;
* on a synthetic AR(1) panel (ρ = 0,7, wijk-specific trends, common year shocks): one treated
  wijk, and 12 treated wijken sharing comparison wijken (one and two start years).

    .venv/bin/python benchmarks/bench_effect.py [--wijken 3344] [--placebos 199] [--reps 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from mkba.evidence.calibration import placebo_study, study_rates
from mkba.evidence.counterfactual import estimate_effect
from mkba.evidence.panel import indicator_panel

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root
from tests.test_counterfactual import ar1_panel as _test_panel  # noqa: E402  one generator

#: (gemeente, level, start year, indicators) of the real-data placebo study.
REAL = [("0363", "WK", 2020, ["k_65JaarOfOuder", "k_0Tot15Jaar", "Koopwoningen",
                              "GemiddeldeWOZWaardeVanWoningen", "GemiddeldeHuishoudensgrootte",
                              "PercentageOnbewoond"]),
        ("0363", "WK", 2021, ["Eenpersoonshuishoudens", "AantalInwoners"]),
        ("0344", "BU", 2023, ["k_65JaarOfOuder", "k_0Tot15Jaar", "Eenpersoonshuishoudens",
                              "GemiddeldeHuishoudensgrootte"]),
        ("0344", "WK", 2023, ["k_65JaarOfOuder", "k_0Tot15Jaar"])]


def ar1_panel(seed, n=60, **kwargs):
    """The synthetic AR(1) panel of the tests (``tests/test_counterfactual.py``), 60 wijken."""
    return _test_panel(seed, n=n, **kwargs)


def synthetic_rates(reps, effect=2.0, n_placebo=99, **kwargs) -> dict:
    """Rejection rates without an effect and miss rates with ``effect``, over ``reps`` panels."""
    counts = {"p_value": [], "pretrend_p_value": [], "its_p_value": [], "interval_misses": [],
              "its_interval_misses": []}
    for seed in range(reps):
        panel, starts = ar1_panel(seed, **kwargs)
        est = estimate_effect(panel, starts, n_placebo=n_placebo, seed=seed)
        counts["p_value"].append(est.p_value <= 0.05)
        if est.pretrend_p_value is not None:
            counts["pretrend_p_value"].append(est.pretrend_p_value <= 0.05)
        if est.its:
            counts["its_p_value"].append(est.its["p_value"] <= 0.05)
        panel, starts = ar1_panel(seed, effect=effect, **kwargs)
        est = estimate_effect(panel, starts, n_placebo=n_placebo, seed=seed)
        counts["interval_misses"].append(not est.ci_low <= effect <= est.ci_high)
        if est.its:
            counts["its_interval_misses"].append(
                not est.its["ci_low"] <= effect <= est.its["ci_high"])
    return {k: (float(np.mean(v)) if v else None, len(v)) for k, v in counts.items()}


def _rate(pair) -> str:
    value, n = pair
    return "–" if value is None else f"{100 * value:5.1f} % (n={n})"


def speed(args) -> None:
    rng = np.random.default_rng(0)
    years = list(range(2015, 2025))
    panel = pd.DataFrame(rng.normal(100, 20, (args.wijken, 1))
                         + rng.normal(0, 2, (1, 10)).cumsum(axis=1)
                         + rng.normal(0, 3, (args.wijken, 10)), columns=years,
                         index=[f"WK{i:06d}" for i in range(args.wijken)])
    panel.loc["WK000000", 2020:] += 10
    treated20 = {f"WK{i:06d}": 2019 + i % 3 for i in range(1, 21)}
    for w, s in treated20.items():
        panel.loc[w, s:] += 10
    print(f"Snelheid: panel {args.wijken} wijken × {len(years)} jaar, {args.placebos} placebo's")
    for name, treated, target in (("1 wijk", {"WK000000": 2020}, 2.0),
                                  ("20 wijken, gespreide start", treated20, 5.0)):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            est = estimate_effect(panel, treated, n_placebo=args.placebos)
            times.append(time.perf_counter() - t0)
        print(f"  {name}: schatting {est.estimate:.2f} [{est.ci_low:.2f}; {est.ci_high:.2f}] "
              f"(echt 10), p {est.p_value:.3f}; seconden: mediaan "
              f"{statistics.median(times):.2f} (min {min(times):.2f}, max {max(times):.2f}, "
              f"{args.repeat} keer; doel < {target:.0f} s)")


def real(args) -> None:
    from mkba.evidence.cbs import load_kwb

    kwb = load_kwb()
    print("Echte CBS-cijfers: elke wijk/buurt om de beurt 'behandeld' zonder echt effect "
          "(p ≤ 0,05 = vals alarm; het interval mist dan 0)")
    total = {"p": [0, 0], "pre": [0, 0]}
    for gm, level, start, indicators in REAL:
        for ind in indicators:
            p = indicator_panel(ind, kwb=kwb)
            p = p[(p.index.str[:2] == level) & (p.index.str[2:6] == gm)]
            study = placebo_study(p, start, n_placebo=args.placebos)
            r = study_rates(study)
            for key, col in (("p", "p_value"), ("pre", "pretrend_p_value")):
                v, n = r[col]
                if n:
                    total[key][0] += v * n
                    total[key][1] += n
            print(f"  GM{gm} {level} start {start} {ind} ({p.attrs['unit']}): "
                  f"{r['n']} schattingen, {r['refused']} geweigerd; p-waarde "
                  f"{_rate(r['p_value'])}; "
                  f"interval mist 0 {_rate(r['interval_excludes_truth'])}; pre-trend "
                  f"{_rate(r['pretrend_p_value'])}")
    for key, label in (("p", "p-waarde effect (= interval mist 0)"), ("pre", "pre-trendtoets")):
        hits, n = total[key]
        print(f"  samen: {label}: {100 * hits / n:.1f} % vals alarm over {n} schattingen")


def synthetic(args) -> None:
    print(f"Synthetisch AR(1)-panel (60 wijken × 10 jaar, ρ = 0,7), {args.reps} herhalingen, "
          "echt effect 2 voor de dekking")
    for name, kwargs in (("1 wijk", {}), ("12 wijken, delen vergelijkingswijken",
                                          {"treated": 12}),
                         ("12 wijken, twee startjaren", {"treated": 12, "staggered": True})):
        t0 = time.perf_counter()
        r = synthetic_rates(args.reps, **kwargs)
        print(f"  {name}: vals alarm p {_rate(r['p_value'])}, pre-trend "
              f"{_rate(r['pretrend_p_value'])}, tijdreeks {_rate(r['its_p_value'])}; interval "
              f"mist het echte effect {_rate(r['interval_misses'])}, tijdreeks "
              f"{_rate(r['its_interval_misses'])} ({time.perf_counter() - t0:.1f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wijken", type=int, default=3344)
    ap.add_argument("--placebos", type=int, default=199)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--reps", type=int, default=200, help="herhalingen synthetisch panel")
    ap.add_argument("--only", choices=["speed", "real", "synthetic"])
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    for part in (speed, real, synthetic):
        if args.only in (None, part.__name__):
            part(args)


if __name__ == "__main__":
    main()
