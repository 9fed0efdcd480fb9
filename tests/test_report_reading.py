"""The wijk report as residents read it (issue 21): on paper, on a phone and on a screen, with
no code in sight and names that cannot turn the text around them.

Two reports are made with the real command (``mkba report --pdf``: papermill, the page
template, Chromium): the example's De Kolenkit (two variants, the widest tables) and a case
whose names are the hostile ones of the other tests, with a right-to-left override in the
name of the actor that pays most. Then:

- the PDF (``pdftotext -bbox``): type sizes, nothing past the right margin, no page left
  mostly empty;
- the HTML in Chromium (Playwright, the system's browser) at 390 px and at 1280 px: no
  page-level sideways scroll, every figure inside the screen, the "saldo gemeente" column
  visible at 1280 px without scrolling, wide tables that scroll in their frame with a hint;
- the visible text of both reports, HTML and PDF: no identifiers, module or function names,
  CBS keys, region codes, commands or words of the project's own process;
- the text of the PDF around the override: amounts in their order.

DejaVu Sans (the font Chromium finds here) makes a word box 1,164 × the type size (measured:
10 pt type, 11,64 pt boxes), so 8 pt type is a 9,3 pt box and 10 pt a 11,6 pt box.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
import statistics
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mkba.run.cli import main

from .conftest import EXAMPLE, MINIMAL, write_case

pytestmark = pytest.mark.slow  # real kernels, Chromium and PDF: not in make test-fast

#: Word box height of DejaVu Sans per point of type (pdftotext -bbox).
BOX_PER_PT = 1.164
#: A4 with the report's margins (@page: 14 mm left and right).
PAGE_WIDTH, RIGHT_MARGIN = 595.28, 14 / 25.4 * 72
RLO, PDF_MARK = "\u202e", "\u202c"
#: The hostile names (tests/test_reports.py, tests/test_hostile_input.py) and an override.
HOSTILE = {"task": "<script>alert('x')</script> Buurthuis",
           "trekker": "Bewoners & <b>Co</b>",
           "actor": "<img src=x onerror=alert(1)>",
           "payer": f"Stichting {RLO}ABC{PDF_MARK}",
           "effect": r"Ontmoeting $\nietbestaand{x}$"}


def hostile_case(folder: Path) -> Path:
    taken = [MINIMAL["taken"][0] + ["trekker"],
             ["T1", HOSTILE["task"], "WK036330", "2019", "2022", HOSTILE["trekker"]]]
    kosten = [MINIMAL["kosten"][0],
              ["T1", "2019", HOSTILE["actor"], "Verbouwing", "1.000", "", "", "2019"],
              ["T1", "2019", HOSTILE["payer"], "Inrichting", "421.000", "", "", "2019"]]
    effecten = [r[:] for r in MINIMAL["effecten"]]
    effecten[1][1] = HOSTILE["effect"]
    return write_case(folder, taken=taken, kosten=kosten, effecten=effecten)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """{name: html path} of the two reports, each with its PDF beside it."""
    out = tmp_path_factory.mktemp("lezen")
    case = hostile_case(out / "casus")
    made = {}
    for name, (wijk, path) in {"voorbeeld": ("WK036339", EXAMPLE),
                               "vijandig": ("WK036330", case)}.items():
        folder = out / name
        assert main(["report", str(path), "--wijk", wijk, "--out", str(folder), "--pdf"]) == 0
        made[name] = folder / f"{wijk}.html"
    return made


# ---------------------------------------------------------------------------------- paper


def pdf_words(pdf: Path) -> list[tuple[float, float, list]]:
    """Per page: width, height and the word boxes (x0, y0, x1, y1, text)."""
    out = subprocess.run([shutil.which("pdftotext"), "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    pages = []
    for m in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        words = [(float(a), float(b), float(c), float(d), html_lib.unescape(t)) for a, b, c, d, t
                 in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                               r'yMax="([\d.]+)">(.*?)</word>', m[3])]
        pages.append((float(m[1]), float(m[2]), words))
    return pages


def empty_below(pdf: Path, tmp: Path, margin_mm: float = 16) -> list[float]:
    """Per page the share of the text area below the last ink (rendered at 30 dpi)."""
    import numpy as np
    from PIL import Image

    subprocess.run([shutil.which("pdftoppm"), "-r", "30", "-gray", str(pdf), str(tmp / "p")],
                   check=True)
    shares = []
    for f in sorted(tmp.glob("p-*.pgm")):
        a = np.asarray(Image.open(f))
        m = round(margin_mm / 25.4 * 30)
        body = a[m:a.shape[0] - m]
        ink = np.flatnonzero((body < 235).any(axis=1))
        shares.append(1 - (ink[-1] + 1 if len(ink) else 0) / body.shape[0])
    return shares


def test_word_box_measure_matches_type_size(tmp_path):
    """The ratio the thresholds rest on, measured on a page with known type sizes."""
    page = tmp_path / "maat.html"
    page.write_text('<html><body style="font-family: sans-serif"><p style="font-size: 10pt">'
                    'tien</p><p style="font-size: 8pt">acht</p></body></html>', encoding="utf-8")
    from mkba.report.pdf import print_pdf

    words = {w[4]: w[3] - w[1] for w in pdf_words(print_pdf(page))[0][2]}
    assert words["tien"] == pytest.approx(10 * BOX_PER_PT, abs=0.15)
    assert words["acht"] == pytest.approx(8 * BOX_PER_PT, abs=0.15)


@pytest.mark.parametrize("name", ["voorbeeld", "vijandig"])
def test_pdf_type_is_readable_and_nothing_passes_the_edge(reports, name, tmp_path):
    pdf = reports[name].with_suffix(".pdf")
    pages = pdf_words(pdf)
    heights = [w[3] - w[1] for _, _, words in pages for w in words]
    # tables 8,5 pt, text 10,5 pt, figure labels 9–11,5 pt: nothing under 8 pt
    small = [w[4] for _, _, words in pages for w in words if w[3] - w[1] < 8 * BOX_PER_PT]
    assert statistics.median(heights) >= 8.4 * BOX_PER_PT, statistics.median(heights)
    assert len(small) <= 0.005 * len(heights), small[:20]
    # body text of page one at 10,5 pt (≥ 10 pt)
    body = [w for w in pages[0][2] if w[4] in ("kost", "samenleving", "oplevert", "levert")]
    assert body and min(w[3] - w[1] for w in body) >= 10 * BOX_PER_PT
    # nothing past the right margin (1 pt tolerance)
    past = [(i + 1, w[4]) for i, (width, _, words) in enumerate(pages) for w in words
            if w[2] > width - RIGHT_MARGIN + 1]
    assert past == []
    # no page but the last is left more than a third empty by a figure or table that
    # refused to break
    empty = empty_below(pdf, tmp_path)
    assert max(empty[:-1]) <= 0.35, [f"{e:.0%}" for e in empty]


def test_long_tables_break_with_a_repeated_header(tmp_path):
    """A table longer than a page (the report's own template, style sheet and Chromium)
    breaks between rows and repeats its header row at the top of the next page; a row is
    never split."""
    from markupsafe import Markup

    from mkba.report.blocks import Table
    from mkba.report.pdf import print_pdf
    from mkba.report.templating import render

    rows = [[f"K{i}", f"post {i}", "€ 1.000"] for i in range(1, 121)]
    table = Table.of("Kostenregels", ["regel", "kolomkop", "bedrag"], rows)
    page = tmp_path / "lang.html"
    page.write_text(str(render("report.html.j2", title="Lange tabel",
                               body=Markup("<h2>Lang</h2>") + table.__html__())),
                    encoding="utf-8")
    pages = pdf_words(print_pdf(page))
    assert len(pages) >= 2
    for _, _, words in pages:
        top = sorted(words, key=lambda w: w[1])
        texts = [w[4] for w in top]
        assert "kolomkop" in texts, texts[:10]  # the header row on every page
    # every row whole on one page: each label once, with its amount on the same line
    labels = [w for _, _, words in pages for w in words if re.fullmatch(r"K\d+", w[4])]
    assert sorted(int(w[4][1:]) for w in labels) == list(range(1, 121))


# ---------------------------------------------------------------------------------- screens


def _layout(page, width: int) -> dict:
    return page.evaluate("""(width) => {
      const out = {scroll: document.documentElement.scrollWidth, figures: [], tables: [],
                   key: null};
      for (const img of document.querySelectorAll('img.figuur')) {
        const r = img.getBoundingClientRect();
        out.figures.push([r.left, r.right]);
      }
      for (const f of document.querySelectorAll('.tabel-kader')) {
        const r = f.getBoundingClientRect();
        const hint = f.querySelector('.schuif-hint');
        out.tables.push({right: r.right, scrolls: f.scrollWidth > f.clientWidth,
                         hint: !!(hint && hint.offsetParent !== null),
                         caption: f.querySelector('caption').innerText});
      }
      const cap = [...document.querySelectorAll('caption')].find(
        c => c.innerText.startsWith('Kosten en baten per taak en variant'));
      if (cap) {
        const table = cap.closest('table'), frame = cap.closest('.tabel-kader');
        const th = [...table.querySelectorAll('th')].find(t => t.innerText === 'saldo gemeente');
        const r = th.getBoundingClientRect(), fr = frame.getBoundingClientRect();
        out.key = {right: r.right, frame: fr.right, scrolls: frame.scrollWidth > frame.clientWidth + 1};
      }
      return out;
    }""", width)


def test_phone_and_screen(reports, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox"])
        try:
            for name, path in reports.items():
                for width in (390, 1280):
                    page = browser.new_page(viewport={"width": width, "height": 844})
                    page.goto(path.as_uri())
                    page.screenshot(path=str(tmp_path / f"{name}-{width}.png"), full_page=True)
                    got = _layout(page, width)
                    # the page itself never scrolls sideways
                    assert got["scroll"] <= width, (name, width, got["scroll"])
                    # every figure within the screen
                    assert got["figures"], name
                    for left, right in got["figures"]:
                        assert left >= 0 and right <= width + 0.5, (name, width, right)
                    # a table that scrolls in its frame says so on a phone
                    for t in got["tables"]:
                        assert t["right"] <= width + 0.5, (name, width, t)
                        if width == 390 and t["scrolls"]:
                            assert t["hint"], (name, t["caption"])
                    if width == 1280:
                        # the council's column is in sight without scrolling
                        key = got["key"]
                        assert key and not key["scrolls"], key
                        assert key["right"] <= key["frame"] <= width, key
                    page.close()
        finally:
            browser.close()


# ---------------------------------------------------------------------------------- no code


#: What readers must never see (the appendix' table of codes excepted, where every code
#: stands beside its name).
CODE_PATTERNS = {
    "identifier": r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b",
    "CBS key": r"\b[A-Z][a-z]+(?:[A-Z][a-z0-9]*){2,}\b|\bk_\d",
    "module or function": r"\bmkba\.[a-z_]|\b[a-z_]+\(\)|\b\w+\.(?:py|csv|geojson|json|ipynb)\b",
    "command": r"\bmkba (?:report|batch|cbs|evaluate|validate|effect|template|sessie)\b"
               r"|(?<![\w-])--[a-z]",
    "process": r"(?i)\b(?:issue|readme|todo|fixme|pytest|traceback)\b",
    "region code": r"\b(?:WK|BU|GM)\d{4}[0-9A-Z]{0,4}\b",
}


def code_in(text: str) -> dict[str, list[str]]:
    found = {k: sorted(set(re.findall(p, text))) for k, p in CODE_PATTERNS.items()}
    return {k: v for k, v in found.items() if v}


def test_the_scan_finds_what_the_issue_found():
    """The scan can fail: the texts the issue quotes from the old reports are caught."""
    old = ("(mkba.read_kwb) Keuze mkba (issue 9) tevreden_park "
           "PersonenPerSoortUitkeringBijstand klassiek_aanbesteden WK020202 "
           "Geen kaart: haal de grenzen op met mkba cbs ophalen --gemeente GM0363 --kaart")
    assert set(code_in(old)) == set(CODE_PATTERNS)
    assert code_in("Transvaalbuurt, gemeente Amsterdam: NCW € 1,2 mln (B/K 1,40).") == {}


class _Visible(HTMLParser):
    """The text a reader sees: not the style sheet or the title, not the appendix' codes."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "title", "script") or ("class", "codes") in attrs:
            self._skip.append(tag)
        elif self._skip and tag == self._skip[-1]:
            self._skip.append(tag)

    def handle_endtag(self, tag):
        if self._skip and tag == self._skip[-1]:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_html_text(path: Path) -> str:
    parser = _Visible()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


def visible_pdf_text(path: Path) -> str:
    text = subprocess.run([shutil.which("pdftotext"), str(path.with_suffix(".pdf")), "-"],
                          capture_output=True, text=True, check=True).stdout
    return text[:re.search(r"De namen in dit rapport\s+staan voor codes", text).start()]


def _without_input_names(text: str) -> str:
    """The hostile case's own names are what its user typed: they may look like code."""
    for n in HOSTILE.values():
        for part in re.split(r"\s+", n.replace(RLO, "").replace(PDF_MARK, "")):
            text = text.replace(part, " ")
    return text


@pytest.mark.parametrize("name", ["voorbeeld", "vijandig"])
def test_no_code_in_the_text_readers_see(reports, name):
    path = reports[name]
    for text in (visible_html_text(path), visible_pdf_text(path)):
        # the appendix: a code beside its name ("… (kengetal vervangingskosten_uur)"; in the
        # PDF a line may break inside it)
        text = re.sub(r"\(kengetal\s+[^)]*\)", "", text)
        if name == "vijandig":
            text = _without_input_names(text)
        assert code_in(text) == {}


def test_every_code_in_the_appendix_stands_beside_its_name(reports):
    page = reports["voorbeeld"].read_text(encoding="utf-8")
    codes = page[page.index('<div class="codes">'):]
    rows = re.findall(r"<tr>\s*<td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", codes)
    assert ("CBS-code wijk", "WK036339", "De Kolenkit") in rows
    assert ("CBS-code gemeente", "GM0363", "Amsterdam") in rows
    assert all(r[2].strip() and r[2] != r[1] for r in rows), rows


# ---------------------------------------------------------------------------------- direction


def test_a_right_to_left_override_does_not_turn_the_amounts(reports):
    path = reports["vijandig"]
    page = path.read_text(encoding="utf-8")
    pdf = subprocess.run([shutil.which("pdftotext"), str(path.with_suffix(".pdf")), "-"],
                         capture_output=True, text=True, check=True).stdout
    for text in (page, pdf):
        assert RLO not in text and PDF_MARK not in text
    # the name is isolated where it is shown
    assert "<bdi>Stichting ABC</bdi>" in page
    # page one: "Het meest betaalt: Stichting ABC (€ …)", digits in reading order
    flat = re.sub(r"\s+", " ", pdf)
    m = re.search(r"Het meest betaalt: Stichting ABC \((€ [\d.]+)\)", flat)
    assert m, flat[:2000]
    assert not re.search(r"\)[\d.]+ €\(", flat)
