"""Notebooks, the wijk report (papermill + HTML) and the batch (pool, Dask, skip, failures)."""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mkba import CaseError, evaluate, read_case
from mkba.base.assumptions import DATA_DIR
from mkba.base.files import atomic_write
from mkba.base.formatting import fmt_eur
from mkba.report.render import nbsp
from mkba.report.reports import NOTEBOOK_DIR, render_report, wijk_report
from mkba.run.batch import batch

from .conftest import EXAMPLE, MINIMAL, write_case

TEST_NOTEBOOK = Path(__file__).parent / "data" / "notebooks" / "testrapport.ipynb"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED_PARAMETERS = {
    "wijkrapport.ipynb": ["wijk_code", "case_path", "discount_rate", "price_year", "base_year",
                          "horizon", "volunteer_valuation", "market_value_code", "wage_code",
                          "volunteer_benefit_code", "peiljaar", "threshold", "scenario_path",
                          "map_file", "plan_path"],
    "verkenning.ipynb": ["gemeente_code", "year", "case_path", "indicator", "threshold"],
    "evaluatiesessie.ipynb": ["case_path", "task", "variant", "discount_rate", "scenario_dir",
                              "draws"],
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
class TestNotebookRules:
    def test_one_parameters_cell_first_code_cell(self, path):
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1
        first_code = next(c for c in nb.cells if c.cell_type == "code")
        assert first_code is tagged[0]

    def test_no_def_or_class_and_no_outputs(self, path):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert not cell.get("outputs") and cell.get("execution_count") is None
            tree = ast.parse("\n".join(line for line in cell.source.splitlines()
                                       if not line.startswith(("%", "!"))))
            for node in ast.walk(tree):
                assert not isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Lambda
                                      | ast.AsyncFunctionDef), f"{path.name}: {cell.source}"

    def test_parameters_are_literals_papermill_can_read(self, path):
        from papermill.inspection import _infer_parameters
        from papermill.iorw import load_notebook_node

        names = [p.name for p in _infer_parameters(load_notebook_node(str(path)))]
        nb = nbformat.read(path, as_version=4)
        if path.name in EXPECTED_PARAMETERS:
            assert names == EXPECTED_PARAMETERS[path.name]
        cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        for node in ast.parse(cell.source).body:
            assert isinstance(node, ast.AnnAssign | ast.Assign)
            ast.literal_eval(node.value)  # no derived values in the parameters cell
        for line in cell.source.splitlines():
            assert "#" in line, f"parameter without a comment: {line}"

    def test_paired_script_in_sync(self, path):
        import jupytext

        script = path.with_suffix(".py")
        assert script.exists(), "notebooks are paired with a py:percent script"
        a = jupytext.read(path)
        b = jupytext.read(script)
        assert [c.source for c in a.cells] == [c.source for c in b.cells]


# --------------------------------------------------------------------------------------
# the real report on the example case


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("rapport")
    render_report("WK036330", out, str(EXAMPLE))
    return out


@pytest.mark.slow
class TestReport:
    def test_outputs_exist(self, rendered):
        assert (rendered / "WK036330.html").exists() and (rendered / "WK036330.ipynb").exists()
        assert not list(rendered.glob("*.tmp"))

    def test_html_has_headline_npv_pm_and_sources(self, rendered):
        page = (rendered / "WK036330.html").read_text(encoding="utf-8")
        res = evaluate(read_case(EXAMPLE)).result("T1")
        assert nbsp(fmt_eur(res.npv)) in page
        assert "Minder eenzaamheid bij ouderen" in page and "++" in page
        assert "Kostenhandleiding" in page and "Bron: CBS" in page
        assert "vervangingskosten_uur" in page  # every kengetal used, with its source

    def test_notebook_carries_the_headline_for_the_index(self, rendered):
        import csv

        from mkba.report.render import notebook_headline

        head = notebook_headline(nbformat.read(rendered / "WK036330.ipynb", as_version=4))
        ev = evaluate(read_case(EXAMPLE))
        expected = [(r.task_id, r.variant, r.npv, r.bc_ratio) for r in ev.results()
                    if r.task_id == "T1"]
        assert [(t["task_id"], t["variant"], t["npv"], t["bc_ratio"]) for t in head["tasks"]] \
            == [(a, b, pytest.approx(c), pytest.approx(d)) for a, b, c, d in expected]
        assert head["name"] == "Transvaalbuurt"
        # the profile's year: the latest with at least half the indicators of the richest year
        with open(DATA_DIR / "cbs" / "kwb_core_long.csv", encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f) if r["region_code"] == "WK036330" and r["value"]]
        per_year: dict[int, set] = {}
        for r in rows:
            per_year.setdefault(int(r["year"]), set()).add(r["indicator"])
        richest = max(len(v) for v in per_year.values())
        year = max(y for y, v in per_year.items() if len(v) >= richest / 2)
        inh = next(float(r["value"]) for r in rows
                   if int(r["year"]) == year and r["indicator"] == "AantalInwoners")
        assert (head["year"], head["inhabitants"]) == (year, inh)
        json.dumps(head)  # plain JSON values only

    def test_html_has_no_code_no_traceback_and_is_self_contained(self, rendered):
        page = (rendered / "WK036330.html").read_text(encoding="utf-8")
        assert "wijk_report(" not in page and "from mkba" not in page
        assert "Traceback" not in page and "Error" not in page
        assert "<script" not in page.lower()
        assert not re.search(r"(src|href)=[\"']https?://", page)
        assert "data:image/svg+xml;base64," in page
        assert "@page { size: A4" in page and "width=device-width" in page
        # figures (SVG) scale to the width of the screen; the phone rules are for screens only
        assert "img.figuur { display: block; max-width: 100%; height: auto; }" in page
        assert "@media screen and (max-width: 48rem)" in page
        assert '<div class="figuur-kader"><img' in page

    def test_notebook_keeps_parameters(self, rendered):
        nb = nbformat.read(rendered / "WK036330.ipynb", as_version=4)
        params = nb.metadata["papermill"]["parameters"]
        # not chosen is None (the scenario's value, else the default), shown resolved
        assert params["wijk_code"] == "WK036330" and params["discount_rate"] is None
        page = (rendered / "WK036330.html").read_text(encoding="utf-8")
        assert re.search(r"<td>discontovoet</td>\s*<td>2,25\s%</td>", page)
        assert not any("mkba-reset" in c.metadata.get("tags", []) for c in nb.cells)

    def test_plain_dutch_summary(self):
        r = wijk_report("WK036330", str(EXAMPLE), effects=False)
        text = r.summary()._repr_html_()
        assert "kost de taak de samenleving" in text and "Het meest wint:" in text

    def test_profile_only_report(self):
        r = wijk_report("WK036301", None, effects=False)
        assert r.evaluation is None and r.profile is not None
        assert "geen taak overgedragen" in r.summary()._repr_html_()
        assert "Geen maatschappelijke kosten-batenanalyse" in r.section_mkba()._repr_html_()


@pytest.mark.slow
def test_input_names_are_escaped(tmp_path):
    taken = [MINIMAL["taken"][0] + ["trekker"],
             ["T1", "<script>alert('x')</script>", "WK036330", "2019", "2022",
              "Bewoners & <b>Co</b>"]]
    kosten = [r[:] for r in MINIMAL["kosten"]]
    kosten[1][2] = "<img src=x onerror=alert(1)>"
    case = write_case(tmp_path / "c", taken=taken, kosten=kosten)
    r = wijk_report("WK036330", str(case), effects=False)
    page = "".join(s._repr_html_() for s in (r.title(), r.summary(), r.section_mkba(),
                                             r.section_assumptions()))
    assert "<script>" not in page and "<img src=x" not in page and "<b>Co</b>" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x" in page


class TestParameterSafety:
    def test_wijk_code_must_be_a_cbs_code(self, tmp_path):
        evil = "WK036330'); import os; os.system('touch /tmp/pwned')  #"
        with pytest.raises(CaseError, match="geen CBS-code"):
            render_report(evil, tmp_path, str(EXAMPLE))
        assert not list(tmp_path.iterdir())

    def test_numbers_must_be_numbers(self, tmp_path):
        with pytest.raises(CaseError, match="fractie"):
            render_report("WK036330", tmp_path, str(EXAMPLE), discount_rate="0.1; 1/0")
        with pytest.raises(CaseError, match="geheel getal"):
            render_report("WK036330", tmp_path, str(EXAMPLE), threshold="__import__('os')")

    def test_papermill_writes_strings_as_literals(self):
        from papermill.translators import PythonTranslator

        code = PythonTranslator.codify({"case_path": "x'); import os; ('"})
        tree = ast.parse(code)
        assert all(isinstance(n, ast.Assign | ast.AnnAssign) for n in tree.body)


# --------------------------------------------------------------------------------------
# batch: with a tiny notebook that fails on purpose for WK036339


def _records(out):
    return {r["wijk_code"]: r for r in json.loads((out / "batch.json").read_text())["wijken"]}


@pytest.mark.slow
class TestBatch:
    def test_failure_isolation_and_outputs(self, tmp_path):
        out = tmp_path / "b"
        result = batch(str(EXAMPLE), out, workers=2, notebook=TEST_NOTEBOOK, progress=False)
        recs = _records(out)
        assert set(recs) == {"WK036330", "WK036339", "WK036360", "WK036394"}
        assert recs["WK036339"]["status"] == "mislukt"
        assert "kapot met opzet" in recs["WK036339"]["error"]
        assert result.n_failed == 1
        for code in ("WK036330", "WK036360", "WK036394"):
            assert recs[code]["status"] == "gelukt" and (out / f"{code}.html").exists()
        assert not (out / "WK036339.html").exists()
        index = (out / "index.html").read_text(encoding="utf-8")
        assert "WK036330.html" in index and "mislukt" in index
        assert "Transvaalbuurt" in index
        # the test notebook shows no headline: the batch computes it, also for the failed wijk
        assert recs["WK036339"]["name"] not in (None, "WK036339")
        assert not list(out.glob(".*.tmp"))
        # the reports ran in (at most two) worker processes, never in this one
        pids = {r["worker"] for r in recs.values()}
        assert result.workers == 2 and 1 <= len(pids) <= 2 and os.getpid() not in pids

    def test_index_shows_the_headline_of_each_report(self, tmp_path, monkeypatch):
        batch_module = importlib.import_module("mkba.run.batch")

        def not_here(*args, **kwargs):
            raise AssertionError("the report carries its headline; nothing to compute again")

        monkeypatch.setattr(batch_module, "_headlines", not_here)
        out = tmp_path / "b"
        batch(str(EXAMPLE), out, workers=1, wijken=["WK036330"], progress=False)
        res = evaluate(read_case(EXAMPLE)).result("T1")
        rec = _records(out)["WK036330"]
        assert rec["name"] == "Transvaalbuurt"
        assert [t["npv"] for t in rec["tasks"]] == [pytest.approx(res.npv)]
        index = (out / "index.html").read_text(encoding="utf-8")
        assert nbsp(fmt_eur(res.npv)) in index and "Transvaalbuurt" in index
        assert '<a href="WK036330.html"><bdi>Transvaalbuurt</bdi></a>' in index  # name = link

    def test_computed_headline_follows_the_reports_rules(self, tmp_path):
        """A notebook without a headline (the test notebook): the batch computes it, and gets
        what the report itself would have shown (same profile year, same task figures)."""
        batch(str(EXAMPLE), tmp_path / "b", workers=1, wijken=["WK036330", "WK036339"],
              notebook=TEST_NOTEBOOK, progress=False)
        recs = _records(tmp_path / "b")
        for code in ("WK036330", "WK036339"):  # one rendered, one failed
            expected = json.loads(json.dumps(wijk_report(code, str(EXAMPLE)).headline()))
            assert {k: recs[code][k] for k in expected} == expected

    def test_skip_unchanged_and_force(self, tmp_path):
        out = tmp_path / "b"
        batch(str(EXAMPLE), out, workers=1, notebook=TEST_NOTEBOOK, progress=False,
              wijken=["WK036330", "WK036360"])
        again = batch(str(EXAMPLE), out, workers=1, notebook=TEST_NOTEBOOK, progress=False,
                      wijken=["WK036330", "WK036360"])
        assert again.n_skipped == 2
        changed = batch(str(EXAMPLE), out, workers=1, notebook=TEST_NOTEBOOK, progress=False,
                        wijken=["WK036330", "WK036360"], discount_rate=0.03)
        assert changed.n_skipped == 0
        forced = batch(str(EXAMPLE), out, workers=1, notebook=TEST_NOTEBOOK, progress=False,
                       wijken=["WK036330", "WK036360"], discount_rate=0.03, force=True)
        assert forced.n_skipped == 0
        (out / "WK036330.html").unlink()
        missing = batch(str(EXAMPLE), out, workers=1, notebook=TEST_NOTEBOOK, progress=False,
                        wijken=["WK036330", "WK036360"], discount_rate=0.03)
        assert _records(out)["WK036330"]["status"] == "gelukt" and missing.n_skipped == 1

    def test_failed_wijk_is_retried(self, tmp_path):
        out = tmp_path / "b"
        batch(str(EXAMPLE), out, workers=1, notebook=TEST_NOTEBOOK, progress=False,
              wijken=["WK036339"])
        again = batch(str(EXAMPLE), out, workers=1, notebook=TEST_NOTEBOOK, progress=False,
                      wijken=["WK036339"])
        assert again.n_skipped == 0 and again.n_failed == 1

    def test_dask_local_cluster(self, tmp_path):
        out = tmp_path / "d"
        result = batch(str(EXAMPLE), out, workers=2, scheduler="local", notebook=TEST_NOTEBOOK,
                       progress=False)
        assert result.engine == "dask (local)"
        recs = _records(out)
        assert sum(r["status"] == "gelukt" for r in recs.values()) == 3
        assert recs["WK036339"]["status"] == "mislukt"

    def test_dask_scheduler_over_tcp(self, tmp_path):
        """As past one machine: a separate `dask scheduler` and `dask worker` processes, and
        `mkba batch --scheduler tcp://…` from the command line."""
        import time

        dask = Path(sys.executable).parent / "dask"
        exe = Path(sys.executable).parent / "mkba"
        info = tmp_path / "scheduler.json"
        with open(tmp_path / "dask.log", "w") as log:
            procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                       "--no-dashboard", "--scheduler-file", str(info)],
                                      stdout=log, stderr=log, cwd=tmp_path)]
            try:
                deadline = time.monotonic() + 60
                while not info.exists() and time.monotonic() < deadline:
                    time.sleep(0.2)
                address = json.loads(info.read_text())["address"]
                procs.append(subprocess.Popen(
                    [str(dask), "worker", address, "--nthreads", "1", "--nworkers", "2",
                     "--no-dashboard"], stdout=log, stderr=log, cwd=tmp_path))
                out = tmp_path / "out"
                done = subprocess.run([str(exe), "batch", str(EXAMPLE), "--out", str(out),
                                       "--scheduler", address, "--no-progress"],
                                      capture_output=True, text=True, timeout=600)
                assert done.returncode == 0, done.stdout + done.stderr
                payload = json.loads((out / "batch.json").read_text())
                assert payload["engine"] == f"dask ({address})"
                assert [r["status"] for r in payload["wijken"]] == ["gelukt"] * 4
                assert all((out / f"{r['wijk_code']}.html").exists() for r in payload["wijken"])
            finally:
                for proc in reversed(procs):
                    proc.terminate()
                    proc.wait(timeout=60)

    def test_cli_exit_code_counts_failures(self, tmp_path, capsys, monkeypatch):
        batch_module = importlib.import_module("mkba.run.batch")
        from mkba.run.cli import main

        monkeypatch.setattr(batch_module, "REPORT_NOTEBOOK", TEST_NOTEBOOK)
        original = batch_module.batch

        def with_test_notebook(*args, **kwargs):
            return original(*args, notebook=TEST_NOTEBOOK, **kwargs)

        monkeypatch.setattr(batch_module, "batch", with_test_notebook)
        code = main(["batch", str(EXAMPLE), "--out", str(tmp_path / "c"), "--workers", "1",
                     "--no-progress"])
        captured = capsys.readouterr()
        assert code == 1
        assert "1 mislukt" in captured.out and "mislukt: WK036339" in captured.err

    def test_all_wijken_needs_known_codes(self, tmp_path):
        with pytest.raises(CaseError, match="geen wijken"):
            batch(None, tmp_path / "x", notebook=TEST_NOTEBOOK, progress=False)


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "rapport.html"
    atomic_write(target, "oud")

    def fail(*args):
        raise OSError("schijf vol")

    monkeypatch.setattr("mkba.base.files.os.replace", fail)
    with pytest.raises(OSError, match="schijf vol"):
        atomic_write(target, "nieuw")
    assert target.read_text() == "oud"
    assert [p.name for p in tmp_path.iterdir()] == ["rapport.html"]  # no temporary file left


@pytest.mark.slow
def test_report_command(tmp_path):
    exe = Path(sys.executable).parent / "mkba"
    done = subprocess.run([str(exe), "report", str(EXAMPLE), "--wijk", "WK036394", "--out",
                           str(tmp_path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "WK036394.html").exists()
    assert "Rapport:" in done.stdout


@pytest.mark.slow
def test_verkenning_notebook_runs(tmp_path):
    import papermill as pm

    out = pm.execute_notebook(str(NOTEBOOK_DIR / "verkenning.ipynb"), str(tmp_path / "v.ipynb"),
                              parameters={"gemeente_code": "GM0344", "case_path": str(EXAMPLE)},
                              cwd=str(NOTEBOOK_DIR), progress_bar=False)
    text = json.dumps(out)
    assert "Traceback" not in text
    assert "WK034401" in text  # Utrecht's wijken side by side
    # every plot cell shows its figure (tests/test_notebook_figures.py)
    from .test_notebook_figures import drawing_cells, image_outputs

    draws = drawing_cells(out)
    assert sum(draws) >= 1
    assert all(n == 1 for n, d in zip(image_outputs(out), draws, strict=True) if d)


@pytest.mark.slow
def test_reused_kernel_does_not_leak_variables(tmp_path):
    """A report cannot see what an earlier report in the same worker defined."""
    from mkba.report.reports import KernelRunner

    def notebook(code):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        p = nbformat.v4.new_code_cell("x = 1  # parameter")
        p.metadata["tags"] = ["parameters"]
        nb.cells = [p, nbformat.v4.new_code_cell(code)]
        return nb

    runner = KernelRunner()
    try:
        runner.run(notebook("leftover = 'geheim'"), {"x": 1}, cwd=str(tmp_path))
        out = runner.run(notebook("print('leftover' in globals(), x)"), {"x": 2},
                         cwd=str(tmp_path))
    finally:
        runner.close()
    assert out.cells[-1].outputs[0]["text"].strip() == "False 2"


def test_batch_runs_on_a_snapshot_of_the_notebook(tmp_path):
    """Editing the notebook during a batch must not mix versions: jobs use a copy."""
    from mkba.run.batch import plan_jobs

    jobs = plan_jobs(str(EXAMPLE), tmp_path, notebook=TEST_NOTEBOOK)
    snapshot = Path(jobs[0].notebook)
    assert snapshot.parent == tmp_path / ".mkba" and snapshot.read_bytes() == \
        TEST_NOTEBOOK.read_bytes()
    assert {j.notebook for j in jobs} == {str(snapshot)}


#: Modules a report does not use (seaborn is used since the Monte Carlo figure per actor, so
#: the kernel warm-up loads it; a batch worker loads none of them). ipywidgets comes with
#: seaborn (its optional widgets module): ≈ 0,35 s once per kernel, measured under load.
HEAVY_UNUSED = ("statsmodels.api", "rfc3987_syntax", "dask", "distributed",
                "ipywidgets", "openpyxl")


def _imported_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout.split()
    return set(out)


@pytest.mark.slow
def test_batch_worker_imports_no_pandas():
    """A worker process renders (papermill, nbconvert) but computes nothing itself."""
    # a local worker starts in mkba.run.pool; a job runs in mkba.run.jobs
    mods = _imported_after("import mkba.run.pool, mkba.run.jobs\nmkba.run.jobs._worker_imports()\n"
                           "import mkba.report.render, jupyter_client.manager")
    assert {"papermill", "nbformat", "nbconvert"} <= mods
    assert not mods & {"pandas", "pandera", "numpy", "matplotlib", *HEAVY_UNUSED}


@pytest.mark.slow
def test_kernel_warm_up_loads_only_what_a_report_uses():
    from mkba.report.render import WARM_UP

    code = WARM_UP.replace("get_ipython().displayhook.do_full_cache = False\n", "")
    mods = _imported_after(code)
    assert {"pandas", "matplotlib.pyplot", "statsmodels.regression.linear_model",
            "seaborn"} <= mods
    assert not mods & ({"papermill", "nbconvert", *HEAVY_UNUSED} - {"ipywidgets"})


def test_the_volunteer_valuation_is_the_net_wage_everywhere():
    """The report's cost-benefit section names 'gederfd nettoloon' (issue 19: what the volunteer
    gives up, net), never the employer's productivity cost, and says which kengetal is missing
    in words (found by the second reader of issue 23)."""
    r = wijk_report("WK036330", str(EXAMPLE), effects=False, draws=0)
    html = r.section_mkba()._repr_html_()
    assert "gederfd nettoloon" in html and "productiviteitskosten" not in html
    assert "geen kengetal voor het nettoloon per uur" in html
