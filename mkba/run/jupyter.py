"""Jupyter around the package: outputs stripped on save, and the session as a code-free app.

:func:`strip_outputs` is a Jupyter server ``pre_save_hook``: when JupyterLab (started from the
project's ``.venv``, whose ``etc/jupyter`` gets ``jupyter_server_config.json`` from
``make install``) saves one of the project's notebooks in ``notebooks/``, outputs and execution
counts are dropped, so that running a notebook never leaves outputs for git (the notebooks are
committed without outputs and a test checks that). Other notebooks are saved as they are.

:func:`session_app` serves the evaluation session (``notebooks/evaluatiesessie.ipynb``) with
Voilà (``mkba sessie CASUS``): the same notebook as in JupyterLab, executed with the chosen case
and task written into its parameters cell (by papermill, as literals), shown without code cells.
Voilà fits because the session is already ipywidgets in a notebook: nothing is rewritten for the
projector, and the live kernel keeps the sliders working.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mkba.base.assumptions import NOTEBOOK_DIR
from mkba.base.errors import CaseError

__all__ = ["strip_outputs", "session_notebook", "session_app"]

#: The session notebook the app serves.
SESSION_NOTEBOOK = NOTEBOOK_DIR / "evaluatiesessie.ipynb"


def _is_project_notebook(path: Path) -> bool:
    try:
        return path.resolve().parent == NOTEBOOK_DIR.resolve() and path.suffix == ".ipynb"
    except OSError:
        return False


#: The kernel every project notebook names (what JupyterLab writes for the ipykernel that
#: ``make install`` provides); papermill and the batch run ``python3``.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
#: Notebook metadata a project notebook keeps; the rest (``language_info`` with the Python
#: version, widget state, editor settings) depends on the machine and the session.
KEPT_METADATA = ("jupytext", "kernelspec")
#: Cell metadata that only records the state of the editor (scrolled, hidden, timings).
EDITOR_CELL_METADATA = ("execution", "scrolled", "collapsed", "jupyter", "trusted")


def strip_outputs(model: dict, path: str, contents_manager=None, **kwargs) -> None:
    """Jupyter ``pre_save_hook``: save a project notebook in its committed form.

    Outputs and execution counts are dropped, the notebook metadata is reduced to the
    pairing (``jupytext``) and the project's kernel (:data:`KERNELSPEC`), and cell metadata
    that only records the editor's state goes: running and saving a notebook in JupyterLab
    leaves ``git status`` clean, whatever the local Python version or kernel name. (The paired
    ``.py`` gets no kernel and no jupytext version in its header: ``notebooks/jupytext.toml``.)

    Parameters
    ----------
    model : dict
        The contents model being saved (changed in place).
    path : str
        Its path, relative to the server's root.
    contents_manager : ContentsManager, optional
        The server's contents manager (its ``root_dir``).

    Examples
    --------
    >>> model = {"type": "notebook", "content": {"metadata": {
    ...     "kernelspec": {"name": "venv", "display_name": "venv", "language": "python"},
    ...     "language_info": {"version": "3.11.7"}}, "cells": [
    ...     {"cell_type": "code", "outputs": [{"output_type": "stream"}], "execution_count": 3,
    ...      "metadata": {"scrolled": True, "tags": ["parameters"]}}]}}
    >>> strip_outputs(model, "wijkrapport.ipynb",
    ...               contents_manager=type("CM", (), {"root_dir": str(NOTEBOOK_DIR)})())
    >>> cell = model["content"]["cells"][0]
    >>> cell["outputs"], cell["execution_count"], cell["metadata"]
    ([], None, {'tags': ['parameters']})
    >>> meta = model["content"]["metadata"]
    >>> list(meta), meta["kernelspec"]["name"], meta["kernelspec"]["display_name"]
    (['kernelspec'], 'python3', 'Python 3 (ipykernel)')
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    root = Path(getattr(contents_manager, "root_dir", "") or os.getcwd())
    if not _is_project_notebook(root / path.lstrip("/")):
        return
    content = model["content"]
    metadata = content.get("metadata") or {}
    kept = {k: metadata[k] for k in KEPT_METADATA if k in metadata}
    kept["kernelspec"] = dict(KERNELSPEC)
    if isinstance(kept.get("jupytext"), dict):
        kept["jupytext"] = {k: v for k, v in kept["jupytext"].items()
                            if k != "text_representation"}
    content["metadata"] = kept
    for cell in content.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        meta = cell.get("metadata", {})
        for key in EDITOR_CELL_METADATA:
            meta.pop(key, None)


def session_notebook(case_path, out_dir, *, task: str = "", variant: str = "",
                     discount_rate: float | None = None, scenario_dir: str = "",
                     draws: int = 500) -> Path:
    """The session notebook with its parameters set (papermill writes them as literals, the
    notebook is not executed here), as ``out_dir/evaluatiesessie.ipynb``.

    The case is read first, so that a wrong case, task or variant is a Dutch message before
    any server starts.
    """
    import nbformat
    from papermill.parameterize import parameterize_notebook

    from mkba.report.session import Session

    case_path = Path(case_path).resolve()
    s = Session(case_path, task or None, variant or None,
                **({"discount_rate": discount_rate} if discount_rate is not None else {}))
    params = {"case_path": str(case_path), "task": s.task, "variant": s.variant,
              "scenario_dir": str(Path(scenario_dir).resolve()) if scenario_dir
              else str((NOTEBOOK_DIR / "scenarios").resolve()), "draws": int(draws)}
    if discount_rate is not None:
        params["discount_rate"] = float(discount_rate)
    from papermill.iorw import load_notebook_node

    nb = parameterize_notebook(load_notebook_node(str(SESSION_NOTEBOOK)), params)
    out = Path(out_dir) / SESSION_NOTEBOOK.name
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return out


def session_app(notebook: Path, *, port: int = 8866, open_browser: bool = True,
                extra: list[str] | None = None) -> subprocess.Popen:
    """Start Voilà on ``notebook`` (no code cells, dark-free default theme); returns the
    process. The caller waits for it or stops it."""
    try:
        import voila  # noqa: F401
    except ImportError as err:  # pragma: no cover - voila is a dependency
        raise CaseError("mkba sessie heeft Voilà nodig (pip install voila)") from err
    cmd = [sys.executable, "-m", "voila", str(notebook), f"--port={port}",
           "--Voila.ip=127.0.0.1", "--strip_sources=True", "--show_tracebacks=False",
           f"--Voila.open_browser={open_browser}", *(extra or [])]
    return subprocess.Popen(cmd, cwd=str(notebook.parent))
