"""Run numpydoc's validator over every public name of mkba (used by ``test_docstrings.py``).

A public name is one in a module's ``__all__`` (every module under ``mkba/``) or in
``mkba.__all__``. A name re-exported by another module is validated once, where it is defined.

Count the error codes (issue 23, "Docs beside the README")::

    .venv/bin/python -m tests.docstring_check            # counts per code
    .venv/bin/python -m tests.docstring_check PR01 EX01  # and the names with those codes
"""

from __future__ import annotations

import collections
import importlib
import inspect
import pkgutil
import sys

import mkba

#: The codes the test enforces: a docstring at all (GL08: without one numpydoc reports
#: nothing else), every parameter documented (PR01), no documented parameter that does not
#: exist (PR02), a Returns/Yields section where the function returns (RT01), and an Examples
#: section (EX01).
ENFORCED = ("GL08", "PR01", "PR02", "RT01", "EX01")


def module_names() -> list[str]:
    """Every module of the package (imported by name; none has import side effects)."""
    names = ["mkba"]
    for info in pkgutil.walk_packages(mkba.__path__, "mkba."):
        names.append(info.name)
    return sorted(names)


def public_names() -> dict[str, str]:
    """``{defining name: listed name}`` for every public function and class, once each."""
    found: dict[str, str] = {}
    for modname in module_names():
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue  # constants (tables, mappings) have no Parameters to document
            if not obj.__module__.startswith("mkba"):
                continue  # re-exported from a library (markupsafe.Markup): documented there
            defining = f"{obj.__module__}.{obj.__qualname__}"
            found.setdefault(defining, f"{modname}.{name}")
    return dict(sorted(found.items()))


def validate_all() -> dict[str, list[tuple[str, str]]]:
    """``{name: [(code, message), ...]}`` from ``numpydoc.validate.validate`` for each name."""
    from numpydoc.validate import validate

    return {name: validate(name)["errors"] for name in public_names()}


def returns_value(name: str) -> bool:
    """Whether numpydoc saw a ``return value`` or ``yield`` in the source (RT01 applies)."""
    from numpydoc.validate import Validator

    doc = Validator._load_obj(name)
    try:
        source = inspect.getsource(doc)
    except (OSError, TypeError):
        return False
    return "return " in source or "yield" in source


def counts(results) -> collections.Counter:
    """How many names have each error code."""
    return collections.Counter(code for errs in results.values() for code in {c for c, _ in errs})


def main(argv: list[str]) -> None:
    results = validate_all()
    total = counts(results)
    print(f"{len(results)} public functions and classes")
    for code, n in sorted(total.items()):
        print(f"{code:6} {n:4}")
    for code in argv:
        print(f"\n{code}:")
        for name, errs in results.items():
            if any(c == code for c, _ in errs):
                print("  ", name)


if __name__ == "__main__":
    main(sys.argv[1:])
