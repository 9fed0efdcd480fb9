"""Every figure a notebook draws appears in its output (the session notebook lost two of its
three figures: the first figure, drawn inside ``plt.rc_context``, switched inline plotting off
again for the rest of the kernel's life)."""

from __future__ import annotations

import json
import re

import nbformat
import pytest

from mkba.report.reports import NOTEBOOK_DIR

from .conftest import EXAMPLE

pytestmark = pytest.mark.slow  # real processes, kernels or a browser: not in make test-fast


def image_outputs(nb) -> list[int]:
    """Per code cell the number of images in its outputs (as image/png, or embedded in HTML
    as a PNG or SVG data URI)."""
    counts = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        n = 0
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            n += "image/png" in data
            html = str(data.get("text/html", ""))
            n += html.count("data:image/png") + html.count("data:image/svg+xml")
        counts.append(n)
    return counts


def drawing_cells(nb) -> list[bool]:
    """Per code cell: does it call a plot function (``plot_…(``)?"""
    return [any(re.search(r"\bplot_\w+\(", line) for line in c.source.splitlines()
                if not line.lstrip().startswith(("from ", "import ")))
            for c in nb.cells if c.cell_type == "code"]


def _execute(nb, tmp_path, **parameters):
    import papermill as pm

    return pm.execute_notebook(nb, str(tmp_path / "uit.ipynb"), parameters=parameters,
                               cwd=str(NOTEBOOK_DIR), progress_bar=False)


def test_every_figure_of_several_plot_cells_appears(tmp_path):
    """Three plot cells in a row, one of them run twice (a re-run): four images."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    setup = ("import pandas as pd\nfrom mkba.figures.plots import plot_indicator\n"
             "s = pd.DataFrame({'wijk': [1.0, 2.0, 3.0], 'gemeente': [2.0, 2.0, 2.5]},"
             " index=[2019, 2020, 2021])")
    plot = "plot_indicator(s, title='x', ylabel='y');"
    nb.cells = [nbformat.v4.new_code_cell(setup)] + [nbformat.v4.new_code_cell(plot)
                                                     for _ in range(4)]
    path = tmp_path / "figuren.ipynb"
    nbformat.write(nb, path)
    out = _execute(str(path), tmp_path)
    assert image_outputs(out) == [0, 1, 1, 1, 1]


def test_session_notebook_shows_all_its_figures(tmp_path):
    src = NOTEBOOK_DIR / "evaluatiesessie.ipynb"
    out = _execute(str(src), tmp_path, case_path=str(EXAMPLE), draws=300,
                   scenario_dir=str(tmp_path / "sc"))
    counts = image_outputs(out)
    draws = drawing_cells(out)
    assert sum(draws) >= 3  # tornado, Monte Carlo, variants
    for n, drawn in zip(counts, draws, strict=True):
        if drawn:
            assert n == 1, (counts, draws)
    # and the result view (waterfall) as an embedded image
    assert sum(counts) >= 4
    text = json.dumps(out)
    assert "Traceback" not in text and "NCW" in text


# verkenning: its figure is counted in tests/test_reports.py::test_verkenning_notebook_runs
