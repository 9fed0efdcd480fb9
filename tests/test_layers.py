"""The package's layers: a module imports only from its own layer or from layers below it,
and never another module's private names.

The layers follow the data flow (docs/code.md, "Opbouw van de code"): a case is read and checked
(``case``), CBS figures and effect estimates are added (``evidence``), the MKBA is computed
(``engine``) with its uncertainty (``uncertainty``), everything is put together for one run
(``analysis``), shown (``report``) and run from the command line or a batch (``run``);
``base`` holds what every layer uses (settings, assumptions, errors, formatting, JSON, files,
HTML pieces, figures).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mkba"
LAYERS = ("base", "case", "evidence", "engine", "uncertainty", "analysis", "report", "run")


def _module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> int | None:
    """The layer of ``mkba.<layer>...`` (``None`` for the top-level ``mkba`` facade)."""
    parts = module.split(".")
    if parts[0] != "mkba" or len(parts) < 2:
        return None
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else -1


def _imports(path: Path):
    """(line, imported module, imported names) for every import of mkba in ``path``,
    also those inside functions (imported on first use)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                raise AssertionError(f"{path}:{node.lineno}: relative import (use mkba.…)")
            if node.module and node.module.split(".")[0] == "mkba":
                yield node.lineno, node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "mkba":
                    yield node.lineno, a.name, []


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def test_every_module_belongs_to_a_layer():
    unknown = [str(p.relative_to(PACKAGE)) for p in MODULES if _layer(_module_name(p)) in (None, -1)]
    assert unknown == []


def _violations(path: Path, package: Path = PACKAGE) -> list[str]:
    own = _layer(_module_name(path, package))
    found = []
    for line, module, names in _imports(path):
        if module == "mkba":  # the facade: names from it may come from any layer
            found.append(f"{path.name}:{line}: imports from the facade mkba ({names})")
            continue
        target = _layer(module)
        if target is None or target == -1:
            found.append(f"{path.name}:{line}: {module} is in no layer")
        elif target > own:
            found.append(f"{path.name}:{line}: {LAYERS[own]} imports upward from {module}")
        found += [f"{path.name}:{line}: private name {n} from {module}"
                  for n in names if n.startswith("_")]
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down_and_stay_public(path):
    assert _violations(path) == []


def test_the_check_catches_an_upward_and_a_private_import(tmp_path):
    """The rule itself can fail: a base module importing the engine, or a private name."""
    fake = tmp_path / "mkba"
    (fake / "base").mkdir(parents=True)
    bad = fake / "base" / "bad.py"
    bad.write_text("def f():\n    from mkba.engine.cba import _task_frame\n")
    assert _violations(bad, fake) == ["bad.py:2: base imports upward from mkba.engine.cba",
                                      "bad.py:2: private name _task_frame from mkba.engine.cba"]


#: Private attributes of other libraries' objects that mkba reads on purpose (matplotlib keeps
#: a figure's suptitle only there; ``_repr_html_`` is IPython's display protocol).
FOREIGN_PRIVATE = {"_suptitle", "_repr_html_"}


def _private_attributes(path: Path) -> list[str]:
    """``x._name`` on anything but ``self``/``cls``: a private attribute of another object."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.name}:{n.lineno}: {ast.unparse(n)}" for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr.startswith("_")
            and not n.attr.startswith("__") and n.attr not in FOREIGN_PRIVATE
            and not (isinstance(n.value, ast.Name) and n.value.id in ("self", "cls"))]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_reads_another_objects_private_attributes(path):
    assert _private_attributes(path) == []


def test_the_attribute_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(estimate, self):\n    return estimate._panel, self._own\n")
    assert _private_attributes(bad) == ["bad.py:2: estimate._panel"]


def test_dir_of_the_package_is_the_public_api_once():
    """`dir(mkba)` lists every public name once, also after some were loaded, and no helper
    of the lazy loading (it listed `import_module`, and loaded names twice)."""
    import mkba

    mkba.evaluate  # noqa: B018 (loads the name into the module's globals)
    names = dir(mkba)
    assert len(names) == len(set(names))
    assert set(names) == set(mkba.__all__) | {"__version__"}
    assert "import_module" not in names
