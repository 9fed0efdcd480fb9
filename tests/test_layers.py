"""The package's layers: a module imports only from its own layer or from layers below it,
and never another module's private names.

The layers follow the data flow (docs/code.md, "Opbouw van de code"): a case is read and checked
(``case``), CBS figures and effect estimates are added (``evidence``), the process evaluation
beside the MKBA is counted (``process``: criteria, coalition, survey, buurtbudget; it reads the
case and evidence's indicators), what is fetched from the network (CBS OData, PDOK, the CPI) comes in through one layer (``sources``, which turns answers
into the tables and boundaries of ``evidence``), the MKBA is computed
(``engine``) with its uncertainty (``uncertainty``), everything is put together for one run
(``analysis``), shown (``report``) and run from the command line or a batch (``run``);
``base`` holds what every layer uses (settings, assumptions, errors, formatting, JSON, files,
HTML pieces). The ``figures`` draw the results of the layers below them and sit above them;
a result may offer ``plot*()`` methods that import its figure when called (as statsmodels'
results do): the only upward import allowed, and only inside such a method.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mkba"
LAYERS = ("base", "case", "evidence", "process", "sources", "engine", "uncertainty", "analysis",
          "figures", "report", "run")
#: The one upward import allowed: a result's ``plot*()`` method imports its figure lazily.
LAZY_FIGURES = "mkba.figures"
#: Modules that open network connections; only the sources layer may import them.
NETWORK_MODULES = {"httpx", "httpcore", "requests", "urllib3", "aiohttp", "socket", "ssl",
                   "http.client", "urllib.request", "ftplib", "smtplib", "cbsodata"}


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
    """(line, imported module, imported names, enclosing function) for every import of mkba in
    ``path``, also those inside functions (imported on first use)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) \
                else function
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    raise AssertionError(f"{path}:{child.lineno}: relative import (use mkba.…)")
                if child.module and child.module.split(".")[0] == "mkba":
                    yield child.lineno, child.module, [a.name for a in child.names], function
            elif isinstance(child, ast.Import):
                for a in child.names:
                    if a.name.split(".")[0] == "mkba":
                        yield child.lineno, a.name, [], function
            yield from visit(child, inner)

    yield from visit(tree, None)


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


#: Issue 23: no module over this many lines (split it along its concerns instead).
MAX_LINES = 700


def _too_long(paths, root: Path = PACKAGE, limit: int = MAX_LINES) -> list[str]:
    """``path: N lines`` (relative to ``root``) for every file longer than ``limit`` lines."""
    found = []
    for path in paths:
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            found.append(f"{path.relative_to(root).as_posix()}: {n} lines")
    return found


def test_no_module_is_over_700_lines():
    """Issue 23: a module holds one concern; 700 lines is the ceiling (counted over every
    module of the package, ``__init__.py`` included)."""
    assert _too_long(sorted(PACKAGE.rglob("*.py"))) == []


def test_the_length_check_can_fail(tmp_path):
    long = tmp_path / "long.py"
    long.write_text("x = 1\n" * (MAX_LINES + 1), encoding="utf-8")
    short = tmp_path / "short.py"
    short.write_text("x = 1\n" * MAX_LINES, encoding="utf-8")
    assert _too_long([long, short], tmp_path) == [f"long.py: {MAX_LINES + 1} lines"]


def test_every_module_belongs_to_a_layer():
    unknown = [str(p.relative_to(PACKAGE)) for p in MODULES if _layer(_module_name(p)) in (None, -1)]
    assert unknown == []


def _violations(path: Path, package: Path = PACKAGE) -> list[str]:
    own = _layer(_module_name(path, package))
    found = []
    for line, module, names, function in _imports(path):
        if module == "mkba":  # the facade: names from it may come from any layer
            found.append(f"{path.name}:{line}: imports from the facade mkba ({names})")
            continue
        target = _layer(module)
        if target is None or target == -1:
            found.append(f"{path.name}:{line}: {module} is in no layer")
        elif target > own and not (module.startswith(LAZY_FIGURES) and function
                                   and function.startswith("plot")):
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


def test_figures_are_imported_upward_only_by_plot_methods(tmp_path):
    """A result's plot() may import its figure when called; any other upward import of the
    figures (at the top of a module, or in another function) is flagged."""
    fake = tmp_path / "mkba"
    (fake / "engine").mkdir(parents=True)
    ok = fake / "engine" / "ok.py"
    ok.write_text("class R:\n    def plot(self, ax=None):\n"
                  "        from mkba.figures.plots import plot_yearly\n"
                  "        return plot_yearly(self, ax=ax)\n")
    assert _violations(ok, fake) == []
    bad = fake / "engine" / "bad.py"
    bad.write_text("from mkba.figures.plots import COLORS\n"
                   "def summary():\n    from mkba.figures.plots import plot_yearly\n")
    assert _violations(bad, fake) == [
        "bad.py:1: engine imports upward from mkba.figures.plots",
        "bad.py:3: engine imports upward from mkba.figures.plots"]


#: Private attributes of other libraries' objects that mkba reads on purpose (matplotlib keeps
#: a figure's suptitle only there; ``_repr_html_`` is IPython's display protocol).
FOREIGN_PRIVATE = {"_suptitle", "_repr_html_"}


def _private_attributes(path: Path) -> list[str]:
    """``x._name`` on anything but ``self``/``cls``/``super()``: a private attribute of another
    object (an override calling its parent's implementation reads its own)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def own(value) -> bool:
        return (isinstance(value, ast.Name) and value.id in ("self", "cls")) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "super")

    return [f"{path.name}:{n.lineno}: {ast.unparse(n)}" for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr.startswith("_")
            and not n.attr.startswith("__") and n.attr not in FOREIGN_PRIVATE
            and not own(n.value)]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_reads_another_objects_private_attributes(path):
    assert _private_attributes(path) == []


def test_the_attribute_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(estimate, self):\n    return estimate._panel, self._own, "
                   "super()._parent\n")
    assert _private_attributes(bad) == ["bad.py:2: estimate._panel"]


def _network_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
        for name in names:
            if name in NETWORK_MODULES or name.split(".")[0] in NETWORK_MODULES - {"http"}:
                found.append(f"{path.name}:{node.lineno}: {name}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_sources_layer_touches_the_network(path):
    """Issue 23: all network access in one layer (CBS OData, PDOK, CPI)."""
    if _layer(_module_name(path)) == LAYERS.index("sources"):
        return
    assert _network_imports(path) == []


def test_the_network_check_can_fail(tmp_path):
    bad = tmp_path / "leak.py"
    bad.write_text("import httpx\nfrom urllib.request import urlopen\n", encoding="utf-8")
    assert len(_network_imports(bad)) == 2


def _import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """mkba module → the mkba modules it imports (also inside functions)."""
    names = {_module_name(p, package) for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        me = _module_name(path, package)
        targets = set()
        for _line, module, imported, _function in _imports(path):
            for candidate in [f"{module}.{n}" for n in imported] + [module]:
                if candidate in names and candidate != me:
                    targets.add(candidate)
                    break
        graph[me] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycles():
    """Issue 23: `evidence/cbs.py → cbs_fetch → cbs` and `cbs_fetch → indicators → cbs` were
    circles hidden by imports inside functions. No module is in a cycle, counting those too."""
    assert _cycles(_import_graph()) == []


def test_the_cycle_check_can_fail():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_dir_of_the_package_is_the_public_api_once():
    """`dir(mkba)` lists every public name once, also after some were loaded, and no helper
    of the lazy loading (it listed `import_module`, and loaded names twice)."""
    import mkba

    mkba.evaluate  # noqa: B018 (loads the name into the module's globals)
    names = dir(mkba)
    assert len(names) == len(set(names))
    assert set(names) == set(mkba.__all__) | {"__version__"}
    assert "import_module" not in names


def _bare_function_imports(path: Path) -> list[str]:
    """Imports inside a function without a comment saying why (issue 23: keep function-level
    imports only for a measured start-up cost, and say so where they are). A comment counts on
    the import's own lines, on the line above it, or above or on the first import of the run of
    imports it stands in (one comment for a block of imports of one library)."""
    source = path.read_text(encoding="utf-8")
    comments = {tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT}
    imports: dict[int, ast.stmt] = {}

    def visit(node, inside):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                imports[child.lineno] = (child, inside)
            visit(child, inside or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(source), False)
    ends = {node.end_lineno: line for line, (node, _inside) in imports.items()}
    found = []
    for line, (node, inside) in sorted(imports.items()):
        if not inside:
            continue
        first = line
        while first - 1 in ends:  # the run of imports this one stands in
            first = ends[first - 1]
        if not (comments & set(range(node.lineno, node.end_lineno + 1))
                or comments & set(range(first - 1, imports[first][0].end_lineno + 1))):
            found.append(f"{path.name}:{line}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_function_level_imports_say_why(path):
    """Issue 23: an import inside a function hides what a module depends on; it stays there only
    for a measured start-up cost, and its comment says which (moved to the top otherwise)."""
    assert _bare_function_imports(path) == []


def test_the_function_import_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef f():\n    # matplotlib: 0,5 s, only when drawn\n"
                   "    import matplotlib\n    import matplotlib.pyplot\n\n    import json\n"
                   "    x = 1\n    import re\n\n\n"
                   "def g():\n    import csv  # only for CSV\n    import zipfile\n",
                   encoding="utf-8")
    # one comment covers a run of imports (matplotlib, csv + zipfile); json and re have none
    assert _bare_function_imports(bad) == ["bad.py:9: import json", "bad.py:11: import re"]
