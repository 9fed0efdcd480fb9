"""The report as printed (PDF) and as read with assistive technology (WCAG 2.1 AA basics).

One report of the example case is made with ``mkba report --pdf`` (the real command, the real
Chromium); the tests read its PDF text and its HTML.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from mkba import evaluate, read_case
from mkba.base.formatting import fmt_eur, fmt_ratio
from mkba.run.cli import main

from .conftest import EXAMPLE

WIJK = "WK036330"  # Transvaalbuurt, task T1 of the example case


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    out = tmp_path_factory.mktemp("print")
    assert main(["report", str(EXAMPLE), "--wijk", WIJK, "--out", str(out), "--pdf"]) == 0
    return out


def _squeeze(text: str) -> str:
    """Text without any whitespace (line breaks in table cells, no-break spaces)."""
    return re.sub(r"\s+", "", text.replace("\u00a0", " "))


def _pdf_text(path) -> str:
    return subprocess.run([shutil.which("pdftotext"), str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.slow
class TestPdf:
    @pytest.mark.slow
    def test_pdf_is_a4_and_next_to_the_html(self, printed):
        pdf = printed / f"{WIJK}.pdf"
        assert pdf.read_bytes()[:5] == b"%PDF-"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                              check=True).stdout
        # A4 is 595 × 842 pt
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
        assert size and float(size[1]) == pytest.approx(595.3, abs=1) \
            and float(size[2]) == pytest.approx(841.9, abs=1)

    def test_cost_benefit_table_is_printed_in_full(self, printed):
        """Every column header and every figure of the cost-benefit table is in the PDF's
        text (the wide table used to be cut at the page edge: 'NCW € 87.54', no B/K …)."""
        text = _pdf_text(printed / f"{WIJK}.pdf")
        start = text.index("Kosten en baten voor de samenleving")
        section = _squeeze(text[start:])
        # the columns a council reads first in one table (issue 21: "saldo gemeente" was
        # hidden behind a scroll at 1280 px), period, IRR and payback in a second one
        headers = ["taak", "variant", "kosten (CW)", "baten (CW)", "saldo (NCW)", "B/K",
                   "saldo gemeente"]
        timing = ["taak", "variant", "periode", "IRR", "terugverdiend"]
        for h in headers + timing:
            assert _squeeze(h) in section, h
        # the figures, from the case by the package's evaluation (formatted as printed)
        r = evaluate(read_case(EXAMPLE), task="T1").result("T1", "project")
        figures = [fmt_eur(r.pv_costs), fmt_eur(r.pv_benefits), fmt_eur(r.npv),
                   fmt_ratio(r.bc_ratio), fmt_eur(r.municipality["npv"]),
                   f"{r.start_year}–{r.end_year}"]
        # independent check of the identity the table shows: NCW = baten − kosten
        assert r.npv == pytest.approx(r.pv_benefits - r.pv_costs)
        for f in figures:
            assert _squeeze(f) in section, f
        # the row of the table in order (pdftotext -layout keeps a table row on one line):
        # the header row, then the task's cells (one variant: –)
        layout = subprocess.run([shutil.which("pdftotext"), "-layout",
                                 str(printed / f"{WIJK}.pdf"), "-"], capture_output=True,
                                text=True, check=True).stdout
        lines = [_squeeze(line) for line in layout.splitlines()]
        head = lines.index(_squeeze("".join(headers)))
        assert _squeeze("–" + "".join(figures[:5])) in lines[head + 1]

    def test_wide_tables_are_not_clipped(self, printed):
        """The kengetallen' source column was cut mid-word: every source is printed whole."""
        text = _squeeze(_pdf_text(printed / f"{WIJK}.pdf"))
        case = read_case(EXAMPLE)
        used = set(case.kosten["kengetal"].dropna()) | set(case.effecten["kengetal"].dropna())
        for bron in case.kengetallen.loc[case.kengetallen["code"].isin(used), "bron"]:
            # hyphenation may add a hyphen at a line break: compare without hyphens
            assert _squeeze(bron).replace("-", "") in text.replace("-", "").replace("‐", "")

    def test_print_css_lays_tables_out_in_full(self, printed):
        page = (printed / f"{WIJK}.html").read_text(encoding="utf-8")
        css = page[page.index("@media print"):page.index("</style>")]
        assert "display: table" in css and "overflow: visible" in css
        assert "break-after: avoid" in css

    def test_no_chromium_is_a_dutch_message(self, printed, monkeypatch, capsys):
        monkeypatch.setenv("MKBA_CHROMIUM", "bestaat-niet-chromium")
        from mkba.base.errors import CaseError
        from mkba.report.pdf import print_pdf

        with pytest.raises(CaseError, match="Chromium nodig"):
            print_pdf(printed / f"{WIJK}.html", printed / "x.pdf")
        assert not (printed / "x.pdf").exists()


# ---------------------------------------------------------------- accessibility


class _Page(HTMLParser):
    """Collects tables (caption, header scopes), images (alt) and the title."""

    def __init__(self):
        super().__init__()
        self.tables, self.images, self.title, self._in = [], [], "", None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.tables.append({"caption": "", "th": 0, "th_scoped": 0})
        elif tag == "caption":
            self._in = "caption"
        elif tag == "th" and self.tables:
            self.tables[-1]["th"] += 1
            self.tables[-1]["th_scoped"] += a.get("scope") in ("col", "row")
        elif tag == "img":
            self.images.append(a.get("alt"))
        elif tag == "title":
            self._in = "title"

    def handle_endtag(self, tag):
        if tag in ("caption", "title"):
            self._in = None

    def handle_data(self, data):
        if self._in == "caption":
            self.tables[-1]["caption"] += data
        elif self._in == "title":
            self.title += data


def _contrast(fg: str, bg: str = "#ffffff") -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours (relative luminance, written out)."""
    def lum(hex_):
        hex_ = hex_.lstrip("#")
        if len(hex_) == 3:
            hex_ = "".join(c * 2 for c in hex_)
        chans = [int(hex_[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in chans]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula_reference_values():
    # WCAG reference points: black on white 21:1, white on white 1:1, #767676 on white 4.54:1
    assert _contrast("#000000") == pytest.approx(21.0)
    assert _contrast("#ffffff") == pytest.approx(1.0)
    assert _contrast("#767676") == pytest.approx(4.54, abs=0.01)


@pytest.fixture(scope="module")
def page(printed):
    text = (printed / f"{WIJK}.html").read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(text)
    return text, parsed


class TestAccessibility:

    def test_title_names_the_wijk(self, page):
        assert page[1].title == f"Wijkrapport Transvaalbuurt ({WIJK})"

    def test_every_table_has_a_caption_and_scoped_headers(self, page):
        tables = page[1].tables
        assert len(tables) >= 10
        for t in tables:
            assert t["caption"].strip(), t
            assert t["th"] and t["th_scoped"] == t["th"], t

    def test_every_figure_says_what_it_shows(self, page):
        alts = page[1].images
        assert len(alts) >= 8
        for alt in alts:
            assert alt and alt.strip().lower() not in ("figuur", "figure", "image", "grafiek")
            assert len(alt.split()) >= 3, alt
        assert any("Kosten en baten per jaar" in a for a in alts)

    def test_text_colours_have_contrast(self, page):
        css = page[0][page[0].index("<style>"):page[0].index("</style>")]
        colours = re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", css)
        assert len(colours) >= 4
        for c in colours:
            assert _contrast(c) >= 4.5, c
        # the notice box: text on its background
        assert _contrast("#1d2329", "#fff6e5") >= 4.5

    def test_no_code_or_internal_references(self, page):
        text = re.sub(r"<[^>]+>", " ", page[0][page[0].index("<body>"):])
        assert "rapport.profile" not in text and "Issue" not in text
        # the gemeente by name (its code only in the appendix' table of codes, beside its name)
        assert "GM0363" not in text[:text.index("De namen in dit rapport staan voor codes")]
        # indicator labels in the page-one and targets sections (the effect section is
        # another part of the report)
        before_effects = text[:text.index("Komt het door de taak?")]
        assert "bezoekers_buurthuis" not in before_effects
        assert "Bezoekers van het buurthuis" in before_effects  # the case's omschrijving

    def test_euro_amounts_never_break(self, page):
        body = page[0][page[0].index("<body>"):]
        assert "€ " not in body
        assert re.search(r"€\u00a0−?\d", body)
        assert not re.search(r"\d %", body)


@pytest.mark.slow
def test_batch_pdf_next_to_every_report(tmp_path, monkeypatch, capsys):
    """``mkba batch --pdf``: a PDF next to every report made (not for a failed wijk)."""
    import importlib

    from .test_reports import TEST_NOTEBOOK

    batch_module = importlib.import_module("mkba.run.batch")

    original = batch_module.batch
    monkeypatch.setattr(batch_module, "batch",
                        lambda *a, **k: original(*a, notebook=TEST_NOTEBOOK, **k))
    out = tmp_path / "b"
    code = main(["batch", str(EXAMPLE), "--out", str(out), "--workers", "1", "--no-progress",
                 "--wijk", "WK036330", "--wijk", "WK036339", "--pdf"])
    assert code == 1  # the test notebook fails on purpose for WK036339
    assert (out / "WK036330.pdf").read_bytes()[:5] == b"%PDF-"
    assert not (out / "WK036339.pdf").exists()
    assert "PDF: 1 gemaakt" in capsys.readouterr().out
    assert "rapport WK036330" in _pdf_text(out / "WK036330.pdf")


# ---------------------------------------------------------------- colour-blind-safe figures

#: Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
CVD = {
    "protanopie": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopie": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopie": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}


def _lab(linear):
    """CIE L*a*b* (D65) of a linear-RGB colour."""
    import numpy as np

    x, y, z = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                        [0.0193, 0.1192, 0.9505]]) @ np.clip(linear, 0, 1)

    def f(t):
        return np.cbrt(t) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x / 0.9505), f(y / 1.0), f(z / 1.089)
    return np.array([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)])


def _linear(hex_):
    import numpy as np

    c = np.array([int(hex_.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _cvd_distance(a: str, b: str) -> float:
    """Smallest CIE76 colour difference of two colours over the three dichromacies."""
    import numpy as np

    return min(float(np.linalg.norm(_lab(np.array(m) @ _linear(a))
                                    - _lab(np.array(m) @ _linear(b)))) for m in CVD.values())


def test_costs_and_benefits_are_told_apart_without_colour_vision():
    from mkba.figures.plots import COLORS, HATCH

    # the old red/green pair is what the test must catch (ΔE ≈ 16 for deuteranopes)
    assert _cvd_distance("#c62828", "#2e7d32") < 40
    assert _cvd_distance(COLORS["kosten"], COLORS["baten"]) >= 40
    assert HATCH["kosten"] and HATCH["kosten"] != HATCH["baten"]


def test_figure_colours_have_graphic_contrast():
    from mkba.figures.plots import COLORS

    for name, colour in COLORS.items():
        assert _contrast(colour) >= 3.0, name


def test_cost_bars_are_hatched_and_labelled():
    import matplotlib

    matplotlib.use("Agg")
    from mkba.figures.plots import detached, plot_waterfall, plot_yearly

    r = evaluate(read_case(EXAMPLE), task="T2").result("T2", "maatschappelijk_aanbesteden")
    with detached():
        ax = plot_yearly(r)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any("kosten" in t for t in labels) and any("baten" in t for t in labels)
        assert any(p.get_hatch() for p in ax.patches)
        ax = plot_waterfall(r)
        ticks = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
        # every label whole (the waterfall cut them at 20 characters)
        assert "kosten: Vergoeding bewonerscollectief" in ticks
        assert "baten: Vermeden onderhoud door gemeentelijke groendienst" in ticks
        hatched = [p for p in ax.patches if p.get_hatch()]
        costs = [p for p in ax.patches if p.get_width() < 0 and p.get_y() > 0.5]
        assert hatched and len(hatched) == len(costs)


# ---------------------------------------------------------------- traceability appendix


def test_appendix_lists_every_line_with_its_inputs(printed):
    """Each cost and effect line of T1 (read here with the csv module, not with mkba) is in the
    appendix with its quantity, value, source, fractions and note."""
    import csv
    import html as html_lib

    page = html_lib.unescape((printed / f"{WIJK}.html").read_text(encoding="utf-8"))
    appendix = page[page.index("Bijlage: alle regels van de berekening"):]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", appendix)).replace("\u00a0", " ")
    with open(EXAMPLE / "effecten.csv", encoding="utf-8") as f:
        effects = [r for r in csv.DictReader(f, delimiter=";") if r["taak_id"] == "T1"]
    with open(EXAMPLE / "kosten.csv", encoding="utf-8") as f:
        costs = [r for r in csv.DictReader(f, delimiter=";") if r["taak_id"] == "T1"]
    assert effects and costs
    for e in effects:
        assert e["effect"] in text
        if e["pm"] == "ja":
            continue
        for field in ("deadweight", "attributie", "afname"):
            if e[field]:
                assert f"{e[field].rstrip('%')} %" in text, (e["effect"], field)
        if e["toelichting"]:
            assert e["toelichting"] in text
    for c in costs:
        assert c["post"] in text
        if c["bedrag"]:
            assert f"€ {c['bedrag']}" in text  # the csv writes 120.000: shown as € 120.000
    # the volunteer line: hours × the kengetal, with the kengetal's source
    hours = {c["hoeveelheid"] for c in costs if c["kengetal"] == "vervangingskosten_uur"}
    assert any(f"{h} × € 18,80" in text for h in hours)
    assert "kengetal vervangingskosten_uur" in text and "Kostenhandleiding" in text
    # a repeated yearly line is one row with its years
    assert "Coördinator (0,6 fte)" in text and text.count("Coördinator (0,6 fte)") == 1
