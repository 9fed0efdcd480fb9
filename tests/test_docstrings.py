"""Every public function and class has a numpydoc docstring the API reference can show (issue 23).

numpydoc's own validator runs over every name in a module's ``__all__`` and in ``mkba.__all__``
(:mod:`tests.docstring_check`) and the test fails on the codes that matter to a reader:

- GL08: no docstring at all (numpydoc then reports no other code, so this must count);
- PR01: a parameter is not in the Parameters section;
- PR02: the Parameters section names a parameter the function does not have;
- RT01: the function returns (or yields) a value but has no Returns (Yields) section —
  numpydoc raises it only when the source has ``return value`` or ``yield``;
- EX01: no Examples section (the examples run as doctests: ``--doctest-modules``).

Style codes (SS*, GL*, ES01, SA01) are counted by ``python -m tests.docstring_check`` but not
enforced: they are about wording, not about what the reference shows.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.docstring_check import ENFORCED, public_names, validate_all

#: Names the check cannot apply to yet, each with the reason. Keep it short and honest: an entry
#: that no longer fails makes the test fail (remove it).
ALLOWED: dict[str, tuple[set[str], str]] = {
    # numpydoc reads an Enum's signature from EnumMeta.__call__ (value, names, module, ...):
    # those are Python's functional Enum API, not parameters of this class
    "mkba.engine.flows.FlowKind": ({"PR01"}, "an IntEnum: its members are its API"),
    # Examples that cannot run as a fast doctest: each starts a web server, a Jupyter kernel or
    # changes the fate of the calling process; tests/test_sessie_server.py,
    # tests/test_batch_faults.py and tests/test_batch_index.py run them for real
    "mkba.run.coalition.server.build_server": ({"EX01"}, "binds a Panel server to a port"),
    "mkba.run.coalition.server.run_server": ({"EX01"}, "serves until SIGTERM"),
    "mkba.run.jobs.init_worker": ({"EX01"}, "starts and warms a Jupyter kernel"),
    "mkba.run.jobs.run_job": ({"EX01"}, "renders a report in a Jupyter kernel"),
    "mkba.run.pool.die_with_parent": ({"EX01"}, "would tie the test process to its parent"),
    # NOT DONE (a defect, not an exemption): these two modules are being moved and split by
    # another engineer (issue 23, modules by concern); their docstrings are to be written
    # there. Remove the entries when they land.
    "mkba.analysis.compare.": ({"PR01", "RT01", "EX01"}, "being split; docstrings to do"),
    "mkba.evidence.process.": ({"PR01", "RT01", "EX01"}, "being moved; docstrings to do"),
}


def _allowed(name: str) -> set[str]:
    for prefix, (codes, _why) in ALLOWED.items():
        if name == prefix or (prefix.endswith(".") and name.startswith(prefix)):
            return codes
    return set()


def failures(results: dict[str, list[tuple[str, str]]]) -> dict[str, list[str]]:
    """``{name: ["PR01 message", ...]}`` for the enforced codes that are not allowed."""
    found = {}
    for name, errors in results.items():
        bad = [f"{code} {msg}" for code, msg in errors
               if code in ENFORCED and code not in _allowed(name)]
        if bad:
            found[name] = bad
    return found


@pytest.fixture(scope="module")
def results():
    return validate_all()


def test_every_public_name_has_parameters_returns_and_examples(results):
    bad = failures(results)
    assert not bad, "\n".join(f"{name}: {'; '.join(msgs)}" for name, msgs in bad.items())


def test_the_allow_list_is_still_needed(results):
    stale = []
    for prefix, (codes, _why) in ALLOWED.items():
        hit = {code for name, errors in results.items()
               if name == prefix or (prefix.endswith(".") and name.startswith(prefix))
               for code, _ in errors if code in codes}
        if codes - hit:
            stale.append(f"{prefix}: {sorted(codes - hit)} no longer fail")
    assert not stale, "\n".join(stale)


def test_the_check_covers_every_layer():
    layers = {name.split(".")[1] for name in public_names()}
    assert {"base", "case", "engine", "uncertainty", "evidence", "sources", "analysis",
            "figures", "report", "run"} <= layers


def _documented(rate: float, years: int = 1) -> float:
    """Discount one euro.

    Parameters
    ----------
    rate : float
        The rate.
    years : int, default 1
        How many years.

    Returns
    -------
    float
        The factor.

    Examples
    --------
    >>> _documented(0.0, 3)
    1.0
    """
    return (1 + rate) ** -years


@pytest.mark.parametrize("section, code", [
    ("Parameters", "PR01"), ("Returns", "RT01"), ("Examples", "EX01")])
def test_removing_a_section_fails_the_check(monkeypatch, section, code):
    from numpydoc.validate import validate

    name = f"{__name__}._documented"
    assert not failures({name: validate(name)["errors"]})
    doc = textwrap.dedent(_documented.__doc__)
    start = doc.index(section)
    end = min((doc.index(s) for s in ("Parameters", "Returns", "Examples")
               if doc.index(s) > start), default=len(doc))
    monkeypatch.setattr(_documented, "__doc__", doc[:start] + doc[end:])
    assert code in "".join(failures({name: validate(name)["errors"]}).get(name, []))


def test_a_name_without_a_docstring_fails(monkeypatch):
    from numpydoc.validate import validate

    name = f"{__name__}._documented"
    monkeypatch.setattr(_documented, "__doc__", None)
    assert [m[:4] for m in failures({name: validate(name)["errors"]})[name]] == ["GL08"]


def test_a_parameter_documented_that_does_not_exist_fails(monkeypatch):
    from numpydoc.validate import validate

    name = f"{__name__}._documented"
    monkeypatch.setattr(_documented, "__doc__", _documented.__doc__.replace(
        "years : int", "months : int"))
    codes = {msg[:4] for msg in failures({name: validate(name)["errors"]})[name]}
    assert codes == {"PR01", "PR02"}
