"""The batch index at national scale (issue 21): a page of gemeenten, a page per gemeente with
its wijken by name, a search box that works from the files alone, no file names for readers."""

from __future__ import annotations

import errno
import html
import json
import re
import shutil
from pathlib import Path

import pytest

from mkba.report.index import index_pages, reader_name


def _record(code, name=None, status="gelukt", tasks=(), inhabitants=1000.0, **extra):
    return {"wijk_code": code, "html": f"{code}.html", "notebook": f"{code}.ipynb",
            "status": status, "name": name, "tasks": list(tasks), "inhabitants": inhabitants,
            "year": 2024, "buurtbudget": None, "error": extra.pop("error", None), **extra}


TASK = {"task_id": "T2", "name": "Groenonderhoud", "variant": "project", "npv": 298306.0,
        "bc_ratio": 1.4}
RECORDS = [
    _record("WK036339", "De Kolenkit", tasks=[TASK]),
    _record("WK036330", "Transvaalbuurt"),
    _record("WK168000", None),  # no name in the record: from the CBS names
    _record("WK168001", None, status="mislukt", error="de schijf is vol bij het schrijven "
            "van /uit/WK168001.html"),
    _record("WK011400", "Emmen-Centrum"),
]
NAMES = {"GM0363": "Amsterdam", "GM1680": "Aa en Hunze", "GM0114": "Emmen",
         "WK168000": "Wijk 00 Annen"}


def _visible(page: str) -> str:
    """The text of a page as a reader sees it (tags and scripts removed)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture(scope="module")
def pages():
    return index_pages(RECORDS, summary="5 wijken.", names=NAMES, maps=False)


class TestNationalPage:
    def test_one_row_per_gemeente_sorted_by_name_with_a_link(self, pages):
        page = pages["index.html"]
        rows = re.findall(r'<a href="(GM\d{4})\.html"><bdi>([^<]+)</bdi></a>', page)
        assert rows == [("GM1680", "Aa en Hunze"), ("GM0363", "Amsterdam"), ("GM0114", "Emmen")]

    def test_counts_of_wijken_tasks_and_the_npv_where_there_are_tasks(self, pages):
        body = re.search(r"<tbody>(.*)</tbody>", pages["index.html"], re.S).group(1)
        rows = {}
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
            cells = [_visible(c.replace("<br>", " / ")).replace("  ", " ").strip()
                     for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            rows[cells[0]] = cells[1:]
        # Amsterdam: 2 wijken, 1 task with its NCW; Aa en Hunze: 2 wijken (1 failed), no task
        assert rows == {"Aa en Hunze": ["2 / 1 mislukt", "–", "–"],
                        "Amsterdam": ["2", "1", "Groenonderhoud: €\u00a0298.306"],
                        "Emmen": ["1", "–", "–"]}

    def test_a_gemeente_with_many_tasks_shows_three_and_links_to_the_rest(self):
        tasks = [dict(TASK, task_id=f"T{i}", name=f"Taak {i}") for i in range(5)]
        recs = [_record("WK036339", "De Kolenkit", tasks=tasks), _record("WK011400", "Centrum")]
        page = index_pages(recs, summary="", names=NAMES, maps=False)["index.html"]
        text = _visible(page)
        assert "Taak 0" in text and "Taak 2" in text and "Taak 3" not in text
        assert '<a href="GM0363.html">en 2 andere</a>' in page


class TestGemeentePage:
    def test_wijken_by_name_with_links_to_their_reports(self, pages):
        page = pages["GM0363.html"]
        links = re.findall(r'<a href="(WK\d{6})\.html"><bdi>([^<]+)</bdi></a>', page)
        assert links == [("WK036339", "De Kolenkit"), ("WK036330", "Transvaalbuurt")]
        assert '<a href="index.html">← Alle gemeenten</a>' in page
        assert "Wijkrapporten <bdi>Amsterdam</bdi>" in page

    def test_names_from_the_cbs_figures_and_a_failed_wijk_without_link(self, pages):
        page = pages["GM1680.html"]
        assert '<a href="WK168000.html"><bdi>Wijk 00 Annen</bdi></a>' in page
        assert "WK168001.html\"" not in page  # the failed report is not linked
        assert "<bdi>wijk WK168001</bdi> <span class=\"mislukt\">(mislukt: de schijf is vol" \
            in page

    def test_one_gemeente_makes_index_html_its_page(self):
        pages = index_pages(RECORDS[:2], summary="2 wijken.", names=NAMES, maps=False)
        assert sorted(pages) == ["index.html", "zoeken.js", "zoekindex.js"]
        assert "Wijkrapporten <bdi>Amsterdam</bdi>" in pages["index.html"]
        assert "Alle gemeenten" not in pages["index.html"]


class TestSearchData:
    def test_every_gemeente_and_wijk_with_its_link(self, pages):
        text = pages["zoekindex.js"]
        assert text.startswith("window.MKBA_ZOEKINDEX = ") and text.endswith(";\n")
        rows = json.loads(text[len("window.MKBA_ZOEKINDEX = "):-2])
        assert ["De Kolenkit", "Amsterdam, WK036339", "WK036339.html"] in rows
        assert ["Aa en Hunze", "gemeente, 2 wijken", "GM1680.html"] in rows
        assert ["Emmen", "gemeente, 1 wijk", "GM0114.html"] in rows
        # a failed wijk leads to its gemeente's page, not to a missing report
        assert ["wijk WK168001", "Aa en Hunze, WK168001", "GM1680.html"] in rows
        assert len(rows) == 3 + 5

    def test_the_search_script_is_the_shipped_one(self, pages):
        assert "MKBA_ZOEKINDEX" in pages["zoeken.js"] and "textContent" in pages["zoeken.js"]
        assert "innerHTML" not in pages["zoeken.js"]


class TestHostileNames:
    EVIL = "<script>alert(1)</script>\u202eDe \"Ster\" & co"

    def test_names_are_escaped_and_bidi_controls_removed_everywhere(self):
        recs = [_record("WK036339", self.EVIL, tasks=[dict(TASK, name=self.EVIL)]),
                _record("WK011400", "Centrum")]
        pages = index_pages(recs, summary="", names={**NAMES, "GM0114": self.EVIL},
                            maps=False)
        for name, text in pages.items():
            if name == "zoeken.js":
                continue
            assert "<script>alert" not in text and "\u202e" not in text, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;De &#34;Ster&#34; &amp; co" in \
            pages["GM0363.html"]
        # the search data is pure ASCII: no character of a name can end the script
        assert pages["zoekindex.js"].isascii() and "\\u202e" not in pages["zoekindex.js"]

    def test_reader_name(self):
        assert reader_name("a\u2066b\u2069\x1bc", "WK1") == "ab c"
        assert reader_name("", "BU03630000") == "buurt BU03630000"


def test_no_map_file_names_for_readers(tmp_path):
    """The map of a gemeente carries its source, never the file's name (issue 21)."""
    from mkba.report.maps import SHIPPED_GEO, read_boundaries

    shipped = sorted(SHIPPED_GEO.glob("amsterdam_*.geojson"))[0]  # the 2019 wijken
    codes = list(read_boundaries(shipped).rings)[:3]
    recs = [_record(c, f"Wijk {i}") for i, c in enumerate(codes)] + [_record("WK011400", "C")]
    pages = index_pages(recs, summary="", names=NAMES)
    page = pages["GM0363.html"]
    assert "<figure>" in page and "data:image/svg+xml;base64" in page
    assert "geojson" not in _visible(page) and "data/cbs" not in page
    assert "<figure>" not in pages["GM0114.html"]  # no boundary file: no map, no sentence


def test_batch_writes_the_pages_with_names_from_the_cbs_figures(tmp_path):
    """The batch's index uses the CBS names (shipped tables) for gemeenten."""
    from mkba.run.batch import _write_folder

    recs = [_record("WK036339", "De Kolenkit"), _record("WK034401", None)]
    _write_folder(tmp_path, recs, None, {}, 1.0, 1, "lokaal", "klaar")
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<a href="GM0363.html"><bdi>Amsterdam</bdi></a>' in index
    assert '<a href="GM0344.html"><bdi>Utrecht</bdi></a>' in index
    for name in ("GM0363.html", "GM0344.html", "zoekindex.js", "zoeken.js", "batch.json"):
        assert (tmp_path / name).exists()


# ----------------------------------------------------------------- a wijk that fails on a full disk

def test_a_full_disk_names_the_file_in_dutch(tmp_path, monkeypatch):
    """Issue 23: the record of a wijk that failed on a full disk says so in Dutch and names the
    file (it said "OSError: [Errno 28] No space left on device", without the file)."""
    import mkba.report.render as render
    from mkba.base.files import atomic_write
    from mkba.run import jobs

    def write_fails(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")  # as write() raises it

    def fake_render(wijk_code, out_dir, *args, **kwargs):
        monkeypatch.setattr(Path, "write_text", write_fails)
        atomic_write(Path(out_dir) / f"{wijk_code}.html", "<html>")

    monkeypatch.setattr(jobs, "init_worker", lambda *a, **k: None)
    monkeypatch.setattr(jobs, "_runner", lambda *a, **k: None)
    monkeypatch.setattr(render, "render_report", fake_render)
    job = jobs.Job("WK036330", "", str(tmp_path), {}, "k")
    record = jobs.run_job(job)
    assert record["status"] == "mislukt"
    assert record["error"] == (f"de schijf is vol bij het schrijven van "
                               f"{tmp_path / 'WK036330.html'}")
    assert list(tmp_path.iterdir()) == []  # no half file


@pytest.mark.parametrize("ename, evalue, message", [
    ("OSError", "[Errno 28] No space left on device: '/uit/f.png'",
     "de schijf is vol bij het schrijven van /uit/f.png"),
    ("PermissionError", "[Errno 13] Permission denied: '/uit/a.csv'",
     "geen toestemming: /uit/a.csv"),
    ("OSError", "[Errno 28] No space left on device", "de schijf is vol"),
    ("ValueError", "[Errno 28] lijkt erop", "ValueError: [Errno 28] lijkt erop"),
])
def test_an_os_error_in_the_report_kernel_is_dutch(ename, evalue, message):
    from mkba.run.jobs import failure_message

    class CellError(Exception):
        pass

    exc = CellError()
    exc.ename, exc.evalue = ename, evalue
    assert failure_message(exc) == message


# -------------------------------------------------------------------- in a browser, on a phone

@pytest.fixture
def national(tmp_path):
    pages = index_pages(RECORDS, summary="5 wijken.", names=NAMES, maps=False)
    for name, text in pages.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for r in RECORDS:
        (tmp_path / r["html"]).write_text(f"<h1>{r['wijk_code']}</h1>", encoding="utf-8")
    return tmp_path


@pytest.mark.slow  # a browser: not in make test-fast
def test_search_works_offline_from_file_on_a_phone(national):
    """At 390 px, opened from disk with the network off: typing a wijk's name lists it, the
    page never scrolls sideways, and the result leads to the report."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox"])
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844},
                                          offline=True)
            requests = []
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.goto((national / "index.html").as_uri())
            field = page.get_by_label("Zoek een gemeente of wijk")
            field.fill("kolenk")
            result = page.get_by_role("link", name="De Kolenkit")
            result.wait_for(timeout=5000)
            assert page.locator("#zoekstatus").inner_text() == "1 gevonden."
            field.fill("annen")  # a name from the CBS figures, without its accents or case
            page.get_by_role("link", name="Wijk 00 Annen").wait_for(timeout=5000)
            field.fill("emmen")  # the gemeente and its wijk
            assert page.locator("#zoekresultaten li").count() == 2
            field.fill("xyzzy")
            assert page.locator("#zoekstatus").inner_text() == "Geen gemeente of wijk gevonden."
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            field.fill("kolenkit")
            field.press("Enter")
            page.wait_for_url("**/WK036339.html", timeout=5000)
            assert all(u.startswith("file://") for u in requests), requests
            page.goto((national / "GM1680.html").as_uri())
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.get_by_role("link", name="Wijk 00 Annen").wait_for(timeout=5000)
        finally:
            browser.close()


# ----------------------------------------------------------------- second reading (issue 23)

def test_a_variant_with_a_bidi_override_loses_it_on_the_index():
    """The index's templates strip bidi controls from every string, as the report's do (the
    old f-string index escaped the variant with esc(), which dropped them)."""
    task = {**TASK, "variant": "maat\u202eschappelijk_aanbesteden"}
    pages = index_pages([_record("WK036339", "De \u202eKolenkit", tasks=[task])], summary="",
                        names=NAMES)
    for page in pages.values():
        assert not re.search("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", page)
    assert "maatschappelijk aanbesteden" in "".join(pages.values())


def test_the_batch_fingerprint_covers_templates_and_style_sheets(monkeypatch):
    """Editing a report template or report.css makes the batch's reports again: the input
    fingerprint hashes the templates beside the code (before: only *.py files)."""
    from mkba.run import jobs

    hashed = []
    real = jobs.hash_files

    def recording(paths):
        paths = list(paths)
        hashed.extend(Path(p).name for p in paths)
        return real(paths)

    monkeypatch.setattr(jobs, "hash_files", recording)
    jobs.inputs_fingerprint(None)
    assert {"report.css", "summary.html.j2", "index_gemeente.html.j2", "zoeken.js"} <= set(hashed)
