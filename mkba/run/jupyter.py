"""Jupyter around the package: outputs stripped on save.

:func:`strip_outputs` is a Jupyter server ``pre_save_hook``: when JupyterLab (started from the
project's ``.venv``, whose ``etc/jupyter`` gets ``jupyter_server_config.json`` from
``make install``) saves one of the project's notebooks in ``notebooks/``, outputs and execution
counts are dropped, so that running a notebook never leaves outputs for git (the notebooks are
committed without outputs and a test checks that). Other notebooks are saved as they are.

The evaluation session notebook (``notebooks/evaluatiesessie.ipynb``) is the analyst's
version of the session, in JupyterLab; ``mkba sessie`` serves the session to every partner's
device from one process (:mod:`mkba.run.coalition`), no longer this notebook under Voilà
(which started a kernel per page visit).
"""

from __future__ import annotations

import os
from pathlib import Path

from mkba.base.assumptions import NOTEBOOK_DIR

__all__ = ["strip_outputs"]


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
    **kwargs
        Other arguments Jupyter passes (ignored).

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

