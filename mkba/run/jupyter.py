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


def strip_outputs(model: dict, path: str, contents_manager=None, **kwargs) -> None:
    """Jupyter ``pre_save_hook``: drop outputs and execution counts of a project notebook.

    Examples
    --------
    >>> model = {"type": "notebook", "content": {"cells": [
    ...     {"cell_type": "code", "outputs": [{"output_type": "stream"}], "execution_count": 3}]}}
    >>> strip_outputs(model, "wijkrapport.ipynb",
    ...               contents_manager=type("CM", (), {"root_dir": str(NOTEBOOK_DIR)})())
    >>> model["content"]["cells"][0]["outputs"], model["content"]["cells"][0]["execution_count"]
    ([], None)
    """
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    root = Path(getattr(contents_manager, "root_dir", "") or os.getcwd())
    if not _is_project_notebook(root / path.lstrip("/")):
        return
    for cell in model["content"].get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)

