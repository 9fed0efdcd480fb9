"""Benchmark: the batch index of all 3,443 NL wijken (``mkba batch --all-wijken``), old and new.

What the parent process does after the last report: write ``batch.json`` and the index. The
records are those of a national batch (every wijk in the CBS figures, profile only, plus the
example's tasks on four Amsterdam wijken); no reports are rendered. Old and new code run in
turns in fresh processes (a git worktree of the old commit on ``PYTHONPATH``), so the machine's
load hits both alike; the figures are the median of ``--repeat`` runs.

    .venv/bin/python benchmarks/bench_index.py --old-tree /tmp/mkba-old [--repeat 3]

(make the old tree with ``git worktree add --detach /tmp/mkba-old 5abbe4f``.)
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUN = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
import mkba.run.batch
from mkba.run.batch import _write_folder
records = json.loads(Path(sys.argv[1]).read_text())
out = Path(sys.argv[2])
t1 = time.perf_counter()
_write_folder(out, records, None, {"threshold": 10}, 1.0, 2, "lokaal", "klaar")
t2 = time.perf_counter()
size = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
print(json.dumps({"import": t1 - t0, "write": t2 - t1, "files": len(list(out.iterdir())),
                  "bytes": size, "module": mkba.run.batch.__file__}))
"""


def national_records() -> list[dict]:
    """One record per wijk of the CBS figures, as a national batch leaves them."""
    from mkba.evidence.cbs import load_kwb, region_names

    kwb = load_kwb()
    names = region_names(kwb)
    wijken = sorted(set(kwb.loc[kwb["region_type"] == "Wijk", "region_code"]))
    inh = kwb[(kwb["indicator"] == "AantalInwoners") & kwb["value"].notna()]
    inh = inh.sort_values("year").drop_duplicates("region_code", keep="last")
    inh = inh.set_index("region_code")
    task = {"task_id": "T1", "name": "Buurthuis De Ster", "variant": "project",
            "npv": 120000.0, "bc_ratio": 1.3}
    records = []
    for code in wijken:
        row = inh.loc[code] if code in inh.index else None
        records.append({
            "wijk_code": code, "key": "k", "html": f"{code}.html",
            "notebook": f"{code}.ipynb", "status": "gelukt", "error": None, "seconds": 20.0,
            "name": names.get(code, code),
            "inhabitants": None if row is None else float(row["value"]),
            "year": None if row is None else int(row["year"]),
            "tasks": [task] if code in ("WK036330", "WK036339", "WK036360", "WK036394") else [],
            "buurtbudget": None})
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old-tree", required=True, help="worktree of the old commit")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-index-"))
    records = national_records()
    data = tmp / "records.json"
    data.write_text(json.dumps(records), encoding="utf-8")
    print(f"{len(records)} wijken, load {os.getloadavg()[0]:.2f}")
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for i in range(args.repeat):
        for label, tree in (("old", args.old_tree), ("new", str(ROOT))):
            out = tmp / f"{label}{i}"
            out.mkdir()
            env = dict(os.environ, PYTHONPATH=tree)
            t0 = time.perf_counter()
            # cwd outside both trees: `python -c` puts the cwd before PYTHONPATH
            done = subprocess.run([sys.executable, "-c", RUN, str(data), str(out)], env=env,
                                  cwd=tmp, capture_output=True, text=True, check=True)
            where = json.loads(done.stdout.strip().splitlines()[-1])["module"]
            assert where.startswith(tree), (where, tree)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            r["process"] = time.perf_counter() - t0
            runs[label].append(r)
    for label, rs in runs.items():
        med = {k: statistics.median(r[k] for r in rs) for k in ("import", "write", "process")}
        print(f"{label}: write {med['write']:.2f} s (import {med['import']:.2f} s, whole process "
              f"{med['process']:.2f} s), {rs[0]['files']} files, "
              f"{rs[0]['bytes'] / 1e6:.1f} MB")
    ratio = (statistics.median(r["write"] for r in runs["new"])
             / statistics.median(r["write"] for r in runs["old"]))
    print(f"new / old (write): {ratio:.2f}; load now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
