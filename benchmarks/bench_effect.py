"""Benchmark: speed of the effect estimate, and how honest its inference is (run by hand).

Speed (issue 10 targets; issue 20: within 2× of before): a synthetic panel of the size of the
2024 NL table (3.344 wijken × 10 years) — one treated wijk and 20 treated wijken with
staggered starts, each with 199 placebo draws, the pre-trend test, the dip check and (one
wijk) the interrupted time series. With ``--compare-with REF`` the same timing runs for the
code of git revision REF too, in alternating subprocesses (new, old, new, old, …), and the
ratio new/old of the medians is printed; the sections synthetic and national then run for the
old code too (on the same panels).

Honesty (issue 20): the false-positive rate (share of p ≤ 0,05 without any effect) of every
p-value the package prints, how often the printed 95 % intervals miss a known effect, and how
often a null run is called "sterk" and significant —

* ``synthetic``: AR(1) panels (ρ = 0,7, wijk trends, common year shocks; 40 wijken × 10 years)
  with exchangeable wijken, a treated wijk with 2× and 3× the noise, few candidates (8 and 10
  wijken with 2 treated), a wijk chosen after a bad year (dip), and 12 treated wijken sharing
  comparisons (one and two start years);
* ``real``: every Amsterdam wijk (start 2020 or 2021) and every Utrecht buurt (start 2023) in
  ``data/cbs`` in turn pretended treated, several indicators, in the profile's unit;
* ``national``: ``data/cbs_nl_woningen`` (every wijk and buurt of the Netherlands 2013–2025):
  every eligible wijk, and a fixed random sample of buurten, pretended treated from 2019 with
  every region of its level as candidate; rates per indicator and per size class (housing
  stock in 2018), small buurten apart.

Each section prints the command that reproduces it.

    .venv/bin/python benchmarks/bench_effect.py [--only speed|synthetic|real|national]
        [--compare-with main] [--wijken 3344] [--placebos 199] [--reps 200]
        [--synthetic-placebos 99]
        [--national-wijken N] [--national-buurten 1000] [--national-placebos 99]
        [--national-level WK|BU|both]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

#: (gemeente, level, start year, indicators) of the real-data placebo study (data/cbs).
REAL = [("0363", "WK", 2020, ["k_65JaarOfOuder", "k_0Tot15Jaar", "Koopwoningen",
                              "GemiddeldeWOZWaardeVanWoningen", "GemiddeldeHuishoudensgrootte",
                              "PercentageOnbewoond"]),
        ("0363", "WK", 2021, ["Eenpersoonshuishoudens", "AantalInwoners"]),
        ("0344", "BU", 2023, ["k_65JaarOfOuder", "k_0Tot15Jaar", "Eenpersoonshuishoudens",
                              "GemiddeldeHuishoudensgrootte"]),
        ("0344", "WK", 2023, ["k_65JaarOfOuder", "k_0Tot15Jaar"])]

#: The synthetic designs: (name, keyword arguments of synthetic_panel).
SYNTHETIC = [("uitwisselbaar (1× ruis)", {}),
             ("behandelde wijk 2× ruis", {"noise": 2.0}),
             ("behandelde wijk 3× ruis", {"noise": 3.0}),
             ("weinig kandidaten: 8 wijken, 2 behandeld", {"n": 8, "treated": 2}),
             ("weinig kandidaten: 10 wijken, 2 behandeld", {"n": 10, "treated": 2}),
             ("dip: gekozen na een slecht jaar", {"dip_worst": 3}),
             ("kort: 2 jaren vóór, 2 vanaf de start (1× ruis)", {"years": 4, "start": 2012}),
             ("kort: 2 jaren vóór, 2 vanaf de start, 2× ruis", {"years": 4, "start": 2012,
                                                                "noise": 2.0}),
             ("kort: 2 jaren vóór, 2 vanaf de start, 3× ruis", {"years": 4, "start": 2012,
                                                                "noise": 3.0}),
             ("12 wijken, delen vergelijkingswijken", {"n": 60, "treated": 12}),
             ("12 wijken, twee startjaren", {"n": 60, "treated": 12, "staggered": True})]

#: The timing run in a subprocess (for the current code and, with --compare-with, an old one).
TIMING = r"""
import json, sys, time, warnings
import numpy as np, pandas as pd
warnings.filterwarnings("ignore")
from mkba.evidence.counterfactual import estimate_effect
n, placebos = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
years = list(range(2015, 2025))
panel = pd.DataFrame(rng.normal(100, 20, (n, 1)) + rng.normal(0, 2, (1, 10)).cumsum(axis=1)
                     + rng.normal(0, 3, (n, 10)), columns=years,
                     index=[f"WK{i:06d}" for i in range(n)])
panel.loc["WK000000", 2020:] += 10
treated20 = {f"WK{i:06d}": 2019 + i % 3 for i in range(1, 21)}
for w, s in treated20.items():
    panel.loc[w, s:] += 10
out = {}
for name, treated in (("single", {"WK000000": 2020}), ("staggered", treated20)):
    t0 = time.perf_counter()
    est = estimate_effect(panel, treated, n_placebo=placebos)
    out[name] = [time.perf_counter() - t0, est.estimate, est.ci_low, est.ci_high, est.p_value]
print(json.dumps(out))
"""


def command(args, part: str, **extra) -> str:
    """The command line that reproduces one section."""
    opts = " ".join(f"--{k.replace('_', '-')} {v}" for k, v in extra.items())
    return f"$ .venv/bin/python benchmarks/bench_effect.py --only {part} {opts}".rstrip()


def _rate(value, n) -> str:
    return "–" if value is None or n == 0 else f"{100 * value:5.1f} %"


# ---------------------------------------------------------------------------------- speed


def _old_tree(ref: str) -> Path:
    """The package at git revision ``ref``, unpacked in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="mkba-old-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "mkba", "data/cbs",
                              "tests/__init__.py"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def _time_once(tree: Path, args) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([PY, "-c", TIMING, str(args.wijken), str(args.placebos)], env=env,
                         check=True, capture_output=True, text=True, cwd=str(tree)).stdout
    return json.loads(out.strip().splitlines()[-1])


def speed(args) -> None:
    print(f"Snelheid: panel {args.wijken} wijken × 10 jaar, {args.placebos} placebo's "
          f"(belasting {os.getloadavg()[0]:.1f})")
    print("  " + command(args, "speed", repeat=args.repeat,
                         **({"compare_with": args.compare_with} if args.compare_with else {})))
    trees = {"nu": ROOT}
    if args.compare_with:
        trees[args.compare_with] = _old_tree(args.compare_with)
    times: dict = {(k, part): [] for k in trees for part in ("single", "staggered")}
    last: dict = {}
    for _ in range(args.repeat):  # in turns: new, old, new, old, …
        for key, tree in trees.items():
            res = _time_once(tree, args)
            for part in ("single", "staggered"):
                times[(key, part)].append(res[part][0])
            last[key] = res
    for part, label, target in (("single", "1 wijk", 0.1), ("staggered",
                                                             "20 wijken, gespreide start", 1.0)):
        for key in trees:
            t = times[(key, part)]
            est = last[key][part]
            print(f"  {label} [{key}]: schatting {est[1]:.2f} [{est[2]:.2f}; {est[3]:.2f}] "
                  f"(echt 10), p {est[4]:.3f}; seconden mediaan {statistics.median(t):.3f} "
                  f"(min {min(t):.3f}, max {max(t):.3f}, {len(t)} keer)")
        if args.compare_with:
            ratio = (statistics.median(times[("nu", part)])
                     / statistics.median(times[(args.compare_with, part)]))
            print(f"  {label}: nu / {args.compare_with} = {ratio:.2f} (doel ≤ 2; "
                  f"absoluut doel < {target:g} s op een rustige machine)")
    print(f"  belasting na afloop {os.getloadavg()[0]:.1f}")


# ------------------------------------------------------------------------------ synthetic


def synthetic_rates(reps: int, effect: float = 2.0, n_placebo: int = 99, **kwargs) -> dict:
    """Rejection rates without an effect (DiD, pre-trend, ITS), "sterk and significant" and
    "waarschijnlijk geen toeval" without an effect, and miss rates with ``effect``."""
    from mkba.evidence.calibration import synthetic_panel
    from mkba.evidence.counterfactual import estimate_effect

    counts: dict = {k: [] for k in ("p_value", "pretrend_p_value", "its_p_value",
                                    "sterk_significant", "no_accident", "interval_misses",
                                    "its_interval_misses", "placebos", "width")}
    for seed in range(reps):
        panel, starts = synthetic_panel(seed, **kwargs)
        est = estimate_effect(panel, starts, n_placebo=n_placebo, seed=seed)
        counts["placebos"].append(est.placebo["n"])
        counts["p_value"].append(est.p_value is not None and est.p_value <= 0.05)
        if est.pretrend_p_value is not None:
            counts["pretrend_p_value"].append(est.pretrend_p_value <= 0.05)
        if est.its:
            counts["its_p_value"].append(est.its["p_value"] <= 0.05)
        counts["sterk_significant"].append(est.evidence_level == "sterk"
                                           and est.p_value is not None and est.p_value <= 0.05)
        counts["no_accident"].append("waarschijnlijk geen toeval" in est.plain_text())
        panel, starts = synthetic_panel(seed, effect=effect, **kwargs)
        est = estimate_effect(panel, starts, n_placebo=n_placebo, seed=seed)
        if est.ci_low is not None:
            counts["interval_misses"].append(not est.ci_low <= effect <= est.ci_high)
            counts["width"].append(est.ci_high - est.ci_low)
        if est.its and est.its["ci_low"] is not None:
            counts["its_interval_misses"].append(
                not est.its["ci_low"] <= effect <= est.its["ci_high"])
    out = {k: ((float(np.mean(v)) if v else None), len(v)) for k, v in counts.items()}
    out["placebos"] = (float(np.median(counts["placebos"])), reps)
    out["width"] = (float(np.median(counts["width"])) if counts["width"] else None,
                    len(counts["width"]))
    return out


def synthetic(args) -> None:
    print(f"Synthetisch AR(1)-panel (ρ = 0,7), {args.reps} herhalingen per opzet, "
          f"{args.synthetic_placebos} placebo's, echt effect 2 voor de dekking "
          f"(belasting {os.getloadavg()[0]:.1f})")
    print("  " + command(args, "synthetic", reps=args.reps,
                         synthetic_placebos=args.synthetic_placebos))
    for name, kwargs in SYNTHETIC:
        t0 = time.perf_counter()
        r = synthetic_rates(args.reps, n_placebo=args.synthetic_placebos, **kwargs)
        print(f"  {name}: vals alarm p {_rate(*r['p_value'])}, pre-trend "
              f"{_rate(*r['pretrend_p_value'])}, tijdreeks {_rate(*r['its_p_value'])}; "
              f"'sterk' én p ≤ 0,05 {_rate(*r['sterk_significant'])}, 'waarschijnlijk geen "
              f"toeval' {_rate(*r['no_accident'])}; interval mist het echte effect "
              f"{_rate(*r['interval_misses'])} (n={r['interval_misses'][1]}), tijdreeks "
              f"{_rate(*r['its_interval_misses'])}; breedte interval (mediaan) "
              f"{'–' if r['width'][0] is None else format(r['width'][0], '.2f')}; "
              "placebo's (mediaan) "
              f"{r['placebos'][0]:.0f} ({time.perf_counter() - t0:.0f} s)")


# ----------------------------------------------------------------------------------- real


def real(args) -> None:
    from mkba.evidence.calibration import placebo_study, study_rates
    from mkba.evidence.cbs import load_kwb
    from mkba.evidence.panel import indicator_panel

    kwb = load_kwb()
    print("Echte CBS-cijfers (data/cbs): elke wijk/buurt om de beurt 'behandeld' zonder echt "
          f"effect (p ≤ 0,05 = vals alarm) (belasting {os.getloadavg()[0]:.1f})")
    print("  " + command(args, "real", placebos=args.placebos))
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
                  f"{_rate(*r['p_value'])}; interval mist 0 "
                  f"{_rate(*r['interval_excludes_truth'])}; pre-trend "
                  f"{_rate(*r['pretrend_p_value'])}")
    for key, label in (("p", "p-waarde effect (= interval mist 0)"), ("pre", "pre-trendtoets")):
        hits, n = total[key]
        print(f"  samen: {label}: {100 * hits / n:.1f} % vals alarm over {n} schattingen")


# ------------------------------------------------------------------------------- national


def national(args) -> None:
    from mkba.evidence.calibration import national_study, rates_by_size
    from mkba.evidence.national import INDICATORS, load_nl_woningen

    data = load_nl_woningen(ROOT / "data" / "cbs_nl_woningen"
                            / "kwb_woningen_nl_2013_2025.csv.gz")
    print("Landelijk (data/cbs_nl_woningen, CBS 2013–2025): elke wijk en een vaste steekproef "
          "van buurten om de beurt 'behandeld' vanaf 2019, zonder echt effect, alle regio's "
          f"van hetzelfde niveau als kandidaat (belasting {os.getloadavg()[0]:.1f})")
    print("  " + command(args, "national", national_level=args.national_level,
                         national_wijken=args.national_wijken,
                         national_buurten=args.national_buurten,
                         national_placebos=args.national_placebos))
    levels = {"WK": args.national_wijken, "BU": args.national_buurten}
    if args.national_level != "both":
        levels = {args.national_level: levels[args.national_level]}
    for level, sample in levels.items():
        for indicator in INDICATORS:
            t0 = time.perf_counter()
            study = national_study(indicator, level, 2019, sample=sample or None, seed=20,
                                   n_placebo=args.national_placebos, data=data)
            table = rates_by_size(study)
            print(f"  {level} {indicator} ({study.attrs['eligible']} van "
                  f"{study.attrs['regions']} regio's met genoeg jaren; {len(study)} "
                  f"schattingen, {study.attrs['refused']} geweigerd; "
                  f"{time.perf_counter() - t0:.0f} s; belasting {os.getloadavg()[0]:.1f}):")
            for name, row in table.iterrows():
                print(f"    {name:<28} n={int(row['n']):>5}  vals alarm p "
                      f"{_pct(row['p_value'])}, pre-trend {_pct(row['pretrend_p_value'])}, "
                      f"tijdreeks {_pct(row['its_p_value'])}; 'sterk' én p ≤ 0,05 "
                      f"{_pct(row['sterk_and_significant'])}")


def _pct(v) -> str:
    return "  –  " if pd.isna(v) else f"{100 * v:4.1f} %"


def _run_old(args, part: str) -> None:
    """Run one honesty section for the code of ``--compare-with`` in a subprocess: the
    package is the old one; the calibration helpers (panel generator, national study) come
    from this checkout's files, so both codes see the same panels."""
    tree = _old_tree(args.compare_with)
    argv = [PY, str(Path(__file__).resolve()), "--only", part, "--tag", args.compare_with,
            "--reps", str(args.reps), "--synthetic-placebos", str(args.synthetic_placebos),
            "--national-wijken", str(args.national_wijken), "--national-buurten",
            str(args.national_buurten), "--national-placebos", str(args.national_placebos),
            "--national-level", args.national_level]
    env = {**os.environ, "PYTHONPATH": str(tree), "MKBA_BENCH_OLD": "1"}
    subprocess.run(argv, env=env, check=True, cwd=str(tree))


def _helpers_from_this_checkout() -> None:
    """With an old package on the path: load this checkout's calibration helpers in its
    place (they use only the old package's estimate_effect)."""
    import importlib.util

    for name in ("national", "calibration"):
        spec = importlib.util.spec_from_file_location(f"mkba.evidence.{name}",
                                                      ROOT / "mkba" / "evidence" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    sys.modules["mkba.evidence.national"].NL_WONINGEN = (
        ROOT / "data" / "cbs_nl_woningen" / "kwb_woningen_nl_2013_2025.csv.gz")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wijken", type=int, default=3344)
    ap.add_argument("--placebos", type=int, default=199)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--compare-with", metavar="REF",
                    help="git-revisie om de snelheid mee te vergelijken (om de beurt)")
    ap.add_argument("--reps", type=int, default=200, help="herhalingen synthetisch panel")
    ap.add_argument("--synthetic-placebos", type=int, default=99)
    ap.add_argument("--national-wijken", type=int, default=0,
                    help="steekproef van wijken (0: alle)")
    ap.add_argument("--national-buurten", type=int, default=1000)
    ap.add_argument("--national-placebos", type=int, default=99)
    ap.add_argument("--national-level", choices=["WK", "BU", "both"], default="both")
    ap.add_argument("--only", choices=["speed", "synthetic", "real", "national"])
    ap.add_argument("--tag", default="nu", help=argparse.SUPPRESS)
    args = ap.parse_args()
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    if os.environ.get("MKBA_BENCH_OLD"):
        _helpers_from_this_checkout()
        ROOT_FILE = Path(os.environ["PYTHONPATH"])  # noqa: N806  the old tree
        print(f"[code van {args.tag}, uit {ROOT_FILE}]")
    for part in (speed, synthetic, real, national):
        if args.only in (None, part.__name__):
            if args.compare_with and part in (synthetic, national):
                _run_old(args, part.__name__)
                print(f"[code van nu ({ROOT})]")
            part(args)


if __name__ == "__main__":
    main()
