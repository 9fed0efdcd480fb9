"""The evaluation session as a code-free app (``mkba sessie``), in a real browser.

Playwright drives the system's Chromium (``executable_path``; no browser is ever downloaded).
One test, bounded in time: start the app, wait for the result, move a slider with the
keyboard and wait for the NCW text to change.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from .conftest import EXAMPLE

pytestmark = pytest.mark.slow  # real processes, kernels or a browser: not in make test-fast

STARTUP_SECONDS = 150


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app(tmp_path):
    port = _free_port()
    log = open(tmp_path / "sessie.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mkba.run.cli", "sessie", str(EXAMPLE), "--task", "T2",
         "--variant", "maatschappelijk_aanbesteden", "--port", str(port), "--no-browser",
         "--draws", "100"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, (tmp_path / "sessie.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break  # the server listens
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        # the app and its Voilà server and kernel: one process group, started here
        try:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=20)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


def test_session_app_slider_changes_the_npv(app, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(app, timeout=STARTUP_SECONDS * 1000)
            # the live result: inside the widget's output area (the static result of the
            # notebook's later cell carries the same class, further down)
            ncw = page.locator(".widget-output .mkba-ncw").first
            ncw.wait_for(timeout=STARTUP_SECONDS * 1000)
            before = ncw.inner_text()
            assert before.startswith("NCW €")
            # no code cells in the app
            assert page.locator(".jp-CodeMirrorEditor, .jp-InputPrompt").count() == 0
            assert "from mkba" not in page.content() and "import " not in page.inner_text(
                "body")
            # on a projector (1920×1080) the NCW and the actor table show without scrolling
            box = ncw.bounding_box()
            assert box["y"] + box["height"] <= 1080
            actors = page.locator(".widget-output caption",
                                  has_text="Saldo per actor").first.bounding_box()
            assert actors["y"] + actors["height"] <= 1080
            # sliders are named in Dutch and show Dutch numbers
            assert page.get_by_text("Minder vernielingen in het park: aantal per jaar").count()
            assert page.get_by_text("2,25 %").count()
            handle = page.locator(".noUi-handle").first  # the vandalism count (first input)
            handle.focus()
            for _ in range(10):
                page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "old => { const e = document.querySelector('.widget-output .mkba-ncw');"
                " return e && e.innerText !== old; }", arg=before, timeout=60_000)
            after = ncw.inner_text()
            assert after != before and after.startswith("NCW €")
            page.screenshot(path=str(tmp_path / "sessie-1920.png"))
        finally:
            browser.close()


def test_index_on_a_phone_shows_name_and_npv_without_swiping(tmp_path):
    """Issue 11: on a phone (390 px) the wijk name (the link) and the NCW of every task are
    inside the screen without scrolling sideways."""
    from playwright.sync_api import sync_playwright

    from mkba.run.batch import _write_folder

    task = {"task_id": "T2", "name": "Groenonderhoud De Kolenkit door bewoners",
            "variant": "maatschappelijk_aanbesteden", "npv": 298306.0, "bc_ratio": 1.4}
    records = [{"wijk_code": "WK036339", "name": "De Kolenkit", "html": "WK036339.html",
                "status": "gelukt", "tasks": [task, {**task, "variant": "klassiek_aanbesteden",
                                                       "npv": -490702.0}],
                "inhabitants": 10160, "year": 2019, "buurtbudget": None}]
    _write_folder(tmp_path, records, None, {}, 1.0, 1, "lokaal", "klaar")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto((tmp_path / "index.html").as_uri())
            for locator in (page.get_by_role("link", name="De Kolenkit"),
                            page.get_by_text("298.306"), page.get_by_text("−490.702")):
                box = locator.first.bounding_box()
                assert box is not None and 0 <= box["x"] and box["x"] + box["width"] <= 390, box
        finally:
            browser.close()
