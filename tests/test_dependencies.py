"""Every declared dependency earns its place (issue 23): mkba or a notebook imports it, or
pyproject.toml says on the line above it why it is there without being imported."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Distribution name → the module it is imported as, where they differ.
MODULE = {"numpy-financial": "numpy_financial", "babel": "babel", "jinja2": "jinja2"}


def _dependencies() -> list[tuple[str, str]]:
    """(name, the comment lines just above it) for each entry of project.dependencies."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = text[text.index("dependencies = ["):]
    block = block[:block.index("\n]")]
    out, comment = [], []
    for line in block.splitlines()[1:]:
        line = line.strip()
        if line.startswith("#"):
            comment.append(line)
        elif line.startswith('"'):
            out.append((re.split(r"[<>=\[ ;\"]", line[1:])[0].lower(), " ".join(comment)))
            comment = []
    return out


def _imported(module: str) -> bool:
    pattern = re.compile(rf"^\s*(import|from)\s+{module}\b", re.M)
    files = [*(ROOT / "mkba").rglob("*.py"), *(ROOT / "notebooks").glob("*.py")]
    return any(pattern.search(p.read_text(encoding="utf-8")) for p in files)


def test_every_dependency_is_imported_or_explained():
    deps = _dependencies()
    assert len(deps) > 15 and ("pandas", "") in deps
    unexplained = [name for name, comment in deps
                   if not _imported(MODULE.get(name, name.replace("-", "_")))
                   and "not imported" not in comment.lower()
                   and "not used directly" not in comment.lower()]
    assert unexplained == []


def test_the_check_can_fail():
    assert not _imported("a_module_nobody_imports")
    assert _imported("pandas")
