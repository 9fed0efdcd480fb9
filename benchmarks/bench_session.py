"""Benchmark: the coalition session (``mkba sessie``) as partners meet it.

Measured with a real server process and Chromium (the system's; Playwright), per round:

- **start**: from starting the command to the printed links (the port is bound then);
- **first result**: from opening a partner's link to its NCW on screen (target < 5 s);
- **change → projector**: from a partner moving a slider to the projector showing that
  partner's new NCW, and to its chance NCW > 0 (the Monte Carlo comes last);
- **page loads**: 30 loads of a partner page in a row; the server's memory (RSS) before and
  after, and its child processes (none: no kernels);
- **stop**: from SIGTERM to the process gone and the port free (target < 10 s).

    .venv/bin/python benchmarks/bench_session.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mkba.base.assumptions import DATA_DIR

EXAMPLE = DATA_DIR / "voorbeeld"


def one_round(browser, folder: Path) -> dict:
    import psutil

    out = folder / "out.txt"
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkba.run.cli", "sessie", str(EXAMPLE), "--task", "T2",
         "--deelnemers", "gemeente,bewoners,corporatie", "--map", str(folder / "map"),
         "--port", "0", "--no-browser"], stdout=open(out, "w"),  # noqa: SIM115
        stderr=subprocess.DEVNULL, start_new_session=True)
    while "Stop met Ctrl-C" not in out.read_text():
        assert proc.poll() is None
        time.sleep(0.05)
    figures = {"start": time.monotonic() - started}
    text = out.read_text()
    projector_url = re.search(r"(http://\S+/projector\?sleutel=\S+)", text).group(1)
    links = dict(re.findall(r"^  (\S+)\s+(http://\S+/deelnemer\?sleutel=\S+)$", text, re.M))
    port = int(re.search(r":(\d+)/", projector_url).group(1))
    try:
        projector = browser.new_page(viewport={"width": 1280, "height": 720})
        projector.goto(projector_url)
        projector.locator("[data-oordelen]").wait_for()
        page = browser.new_page(viewport={"width": 390, "height": 844})
        t = time.monotonic()
        page.goto(links["gemeente"])
        page.locator("[data-ncw]", has_text="€").wait_for()
        figures["first result"] = time.monotonic() - t
        row = projector.locator("[data-oordelen] tr", has_text="gemeente").first
        before = row.inner_text()
        t = time.monotonic()
        page.locator(".noUi-handle").first.focus()
        page.keyboard.press("Home")
        row.locator("[data-ncw]", has_text="196.585").wait_for()
        figures["change → projector NCW"] = time.monotonic() - t
        row.filter(has_not_text="…").wait_for()
        figures["change → projector chance"] = time.monotonic() - t
        assert row.inner_text() != before
        server = psutil.Process(proc.pid)
        rss = server.memory_info().rss
        for _ in range(30):
            p = browser.new_page(viewport={"width": 390, "height": 844})
            p.goto(links["bewoners"])
            p.locator("[data-ncw]", has_text="€").wait_for()
            p.close()
        figures["RSS growth after 30 loads (MB)"] = (server.memory_info().rss - rss) / 1e6
        figures["child processes"] = len(server.children(recursive=True))
        t = time.monotonic()
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen()
        figures["stop (SIGTERM → gone, port free)"] = time.monotonic() - t
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return figures


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox"])
        for i in range(args.rounds):
            with tempfile.TemporaryDirectory() as tmp:
                results.append(one_round(browser, Path(tmp)))
            print(f"round {i + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in results[-1].items()),
                  flush=True)
        browser.close()
    print(f"load average: {os.getloadavg()[0]:.2f}")
    for key in results[0]:
        values = [r[key] for r in results]
        print(f"{key:38s} median {statistics.median(values):7.2f}  "
              f"(min {min(values):.2f}, max {max(values):.2f})")


if __name__ == "__main__":
    main()
