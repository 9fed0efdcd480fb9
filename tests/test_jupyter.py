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
