"""Pages in a real browser (the coalition session's own browser tests are in
``tests/test_sessie_server.py``).

Playwright drives the system's Chromium (``executable_path``; no browser is ever downloaded).
"""

from __future__ import annotations

import shutil

import pytest

pytestmark = pytest.mark.slow  # a browser: not in make test-fast


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
