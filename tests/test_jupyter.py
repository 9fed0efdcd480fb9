"""Running a notebook in JupyterLab leaves no outputs for git: the venv's Jupyter server
config (installed by ``make install``) strips them when a project notebook is saved."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import nbformat
import pytest

pytestmark = pytest.mark.slow  # real processes, kernels or a browser: not in make test-fast

SCRIPT = textwrap.dedent("""
    import asyncio, json, sys
    import nbformat
    from jupyter_server.serverapp import ServerApp

    root = sys.argv[1]
    app = ServerApp()
    app.initialize(argv=[f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
                         "--ServerApp.port=0"], new_httpserver=False)
    cm = app.contents_manager
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=3)
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"},
                                           execution_count=3)]
    nb.cells = [cell]
    model = {"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))}

    async def save():
        for path in ("notebooks/proef.ipynb", "elders/proef.ipynb"):
            out = cm.save(dict(model, content=json.loads(json.dumps(model["content"]))), path)
            if asyncio.iscoroutine(out):
                await out

    asyncio.run(save())
    print(type(cm).__name__, repr(cm.pre_save_hook))
""")


def test_jupyterlab_strips_outputs_of_project_notebooks_on_save(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "elders").mkdir()
    env = dict(os.environ, MKBA_NOTEBOOKS=str(tmp_path / "notebooks"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                          text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "strip_outputs" in done.stdout  # the hook came from the venv's config
    ours = nbformat.read(tmp_path / "notebooks" / "proef.ipynb", as_version=4)
    assert ours.cells[0].outputs == [] and ours.cells[0].execution_count is None
    # a notebook outside the project's notebooks/ keeps its outputs
    other = nbformat.read(tmp_path / "elders" / "proef.ipynb", as_version=4)
    assert other.cells[0].outputs and other.cells[0].execution_count == 3


def test_scenarios_folder_is_ignored():
    from mkba.report.session import PROJECT_ROOT

    ignored = (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "notebooks/scenarios/" in ignored
    assert json.loads((PROJECT_ROOT / "jupyter-config" / "jupyter_server_config.json")
                      .read_text())["ContentsManager"]["pre_save_hook"] \
        == "mkba.run.jupyter.strip_outputs"


SAVE_AS_JUPYTERLAB = textwrap.dedent("""
    import asyncio, json, sys
    from jupyter_server.serverapp import ServerApp

    root, paths = sys.argv[1], sys.argv[2:]
    app = ServerApp()
    app.initialize(argv=[f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
                         "--ServerApp.port=0"], new_httpserver=False)
    cm = app.contents_manager

    async def maybe(x):
        return await x if asyncio.iscoroutine(x) else x

    async def run():
        for path in paths:
            nb = (await maybe(cm.get(path, content=True, type="notebook")))["content"]
            nb = json.loads(json.dumps(nb))
            # what the JupyterLab front end sends after running every cell in another kernel
            nb["metadata"]["kernelspec"] = {"display_name": "Python (mkba-venv)",
                                            "language": "python", "name": "mkba-venv"}
            nb["metadata"]["language_info"] = {
                "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                "pygments_lexer": "ipython3", "version": "3.11.9"}
            nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
            for i, cell in enumerate(nb["cells"]):
                if cell["cell_type"] == "code":
                    cell["execution_count"] = i + 1
                    cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                                        "text": "uitvoer\\n"}]
                    cell["metadata"].update(scrolled=True, jupyter={"outputs_hidden": False},
                                            execution={"iopub.status.idle": "2026-01-01"})
            await maybe(cm.save({"type": "notebook", "format": "json", "content": nb}, path))

    asyncio.run(run())
""")


def test_saving_in_jupyterlab_leaves_git_status_clean(tmp_path):
    """Issue 21: run and save each project notebook as JupyterLab does (through the venv's
    Jupyter server: its jupytext contents manager and the save hook), with another kernel name
    and Python version: the .ipynb and its paired .py are byte for byte the committed ones."""
    import shutil

    from mkba.base.assumptions import NOTEBOOK_DIR

    repo = tmp_path / "repo"
    shutil.copytree(NOTEBOOK_DIR, repo / "notebooks",
                    ignore=shutil.ignore_patterns("scenarios", ".ipynb_checkpoints"))
    (repo / ".gitignore").write_text(".ipynb_checkpoints/\n", encoding="utf-8")

    def git(*args):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                              cwd=repo, capture_output=True, text=True, check=True).stdout

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "committed form")
    names = sorted(p.name for p in (repo / "notebooks").glob("*.ipynb"))
    assert names == ["evaluatiesessie.ipynb", "verkenning.ipynb", "wijkrapport.ipynb"]
    env = dict(os.environ, MKBA_NOTEBOOKS=str(repo / "notebooks"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    done = subprocess.run([sys.executable, "-c", SAVE_AS_JUPYTERLAB, str(repo),
                           *(f"notebooks/{n}" for n in names)],
                          capture_output=True, text=True, env=env, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Saving wijkrapport.py in format py:percent" in done.stderr  # the pair was written
    assert git("status", "--porcelain") == "", git("diff")
