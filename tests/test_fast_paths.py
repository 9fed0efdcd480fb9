"""Fast paths give exactly what the plain per-object code gives (issue 13, speed)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mkba import read_case

from .conftest import EXAMPLE

# --------------------------------------------------------------------------------------
# reading a CSV by columns (pandas' C parser) gives what the csv module gives, cell by cell

# \xa0 and \u2003: white space that str.strip() removes too (a blank first cell)
_CELL = st.text(alphabet="ab 1,.;\t-%€\xa0\u2003", max_size=4)


@given(rows=st.lists(st.lists(_CELL, min_size=0, max_size=5), min_size=1, max_size=8),
       sep=st.sampled_from([";", ",", "\t"]), end=st.sampled_from(["\n", "\r\n"]),
       final=st.sampled_from(["", "\n", "\n\n"]))
@pytest.mark.slow
@settings(max_examples=300, deadline=None)
def test_csv_by_columns_equals_cell_by_cell(rows, sep, end, final):
    from pathlib import Path

    from mkba.case.raw import _read_csv_cells, _read_csv_columns

    text = end.join(sep.join(r) for r in rows) + final
    fast = _read_csv_columns(text, sep, Path("t.csv"), "kosten")
    slow = _read_csv_cells(text, sep, Path("t.csv"), "kosten")
    if fast is None:  # not plain: the cell-by-cell reader decides
        return
    assert fast.header == slow.header and fast.header_row == slow.header_row
    assert fast.numbers == slow.numbers
    for i in range(len(slow.header)):
        assert list(fast.column(i)) == slow.column(i)


def test_plain_csv_is_read_by_columns(tmp_path):
    from pathlib import Path

    from mkba.case.raw import _read_csv_columns

    text = "a;b\n1;2\n\n3;4\n"
    raw = _read_csv_columns(text, ";", Path("t.csv"), "kosten")
    assert raw is not None and raw.numbers == [2, 4] and list(raw.column(1)) == ["2", "4"]


def test_example_files_read_the_same_both_ways():
    from mkba.case.raw import _decode, _read_csv_cells, _read_csv_columns

    by_columns = 0
    for path in sorted(EXAMPLE.glob("*.csv")):
        text = _decode(path.read_bytes())
        sep = max([";", ",", "\t"], key=next(x for x in text.splitlines() if x.strip()).count)
        fast = _read_csv_columns(text, sep, path, path.stem)
        slow = _read_csv_cells(text, sep, path, path.stem)
        if fast is None:
            continue
        by_columns += 1
        assert (fast.header, fast.header_row, fast.numbers) == (
            slow.header, slow.header_row, slow.numbers)
        assert all(list(fast.column(i)) == slow.column(i) for i in range(len(slow.header)))
    assert by_columns >= 3


def test_two_pass_row_sort_equals_a_stable_argsort():
    """The bucket + merge sort of the importance ranks gives numpy's stable argsort, also with
    ties, constant values, skewed and negative values, and more values than 16-bit buckets."""
    import numpy as np

    from mkba.uncertainty.montecarlo import _sort

    rng = np.random.default_rng(11)
    for x in (rng.random(5000), rng.normal(size=5000) * 1e6, np.round(rng.random(5000), 2),
              np.full(5000, 3.0), rng.lognormal(0, 3, 5000), -rng.random(5000) ** 8,
              rng.random(70_000), np.array([2.0])):
        order, ordered = _sort(x)
        assert np.array_equal(order, np.argsort(x, kind="stable"))
        assert np.array_equal(ordered, np.sort(x))


def test_importance_equals_spearman_input_by_input():
    """The ranks of all inputs at once give scipy's Spearman ρ of each (ties included)."""
    import numpy as np
    from scipy.stats import spearmanr

    from mkba.uncertainty.montecarlo import input_importance

    rng = np.random.default_rng(4)
    values = {"a": rng.random(3000), "b": np.round(rng.random(3000), 1),  # many ties
              "c": rng.normal(size=3000), "vast": np.full(3000, 2.0)}
    npv = 3 * values["a"] - values["b"] + 0.1 * rng.normal(size=3000)
    got = input_importance(values, npv).set_index("name")
    assert "vast" not in got.index  # no variation: no rank correlation
    for name in ("a", "b", "c"):
        assert got.loc[name, "spearman"] == pytest.approx(spearmanr(values[name], npv)[0],
                                                          abs=1e-12)
    assert got["share"].sum() == pytest.approx(1.0)


def test_case_has_an_explicit_field_per_table():
    """No __getattr__: every input table is a documented, read-only property (issue 13)."""
    from mkba.case.schema import TABLES
    from mkba.case.tables import Case

    assert "__getattr__" not in vars(Case)
    case = read_case(EXAMPLE)
    for name in TABLES:
        assert isinstance(vars(Case)[name], property) and vars(Case)[name].__doc__
        assert getattr(case, name) is case.tables[name]
    with pytest.raises(AttributeError):
        case.kostenn  # noqa: B018  (a typo is an error, not a table)


def test_monte_carlo_chunks_do_not_change_the_result():
    import numpy as np

    from mkba.uncertainty import monte_carlo

    case = read_case(EXAMPLE)
    a = monte_carlo(case, "T4", draws=3001, seed=9, chunk=7)  # many ragged chunks
    b = monte_carlo(case, "T4", draws=3001, seed=9)  # the default (cache-sized) chunks
    c = monte_carlo(case, "T4", draws=3001, seed=9, chunk=3001)  # one chunk
    # the same draws; only the matrix products' rounding may differ (BLAS blocks by size)
    for x in (a, b):
        assert np.allclose(x.npv, c.npv, rtol=1e-12, atol=1e-6)
        assert np.allclose(x.actor_npv.to_numpy(), c.actor_npv.to_numpy(), rtol=1e-12,
                           atol=1e-6)
    assert np.array_equal(b.npv, monte_carlo(case, "T4", draws=3001, seed=9).npv)


@pytest.mark.parametrize("params", [{}, {"discount_rate": 0.04, "price_year": 2020,
                                          "horizon": 3},
                                     {"volunteer_valuation": "nul", "base_year": 2018}])
def test_evaluation_to_dict_equals_the_results_one_by_one(params):
    """Evaluation.to_dict turns the long tables into records in one pass; the result is the
    same JSON text as each result's own to_dict (example: variants, financing, PM posts,
    transfers, tasks without an IRR)."""
    from mkba import evaluate
    from mkba.base.jsonout import dumps

    ev = evaluate(read_case(EXAMPLE), **params)
    fast = ev.to_dict()["tasks"]
    slow = [r.to_dict() for r in ev.results()]
    assert dumps(fast) == dumps(slow)
    assert any(t["pm"] for t in fast) and any(len(t["yearly"]) > 1 for t in fast)
    assert any(t["financing"]["by_source"] for t in fast)
    assert any(t["pm_break_even"] for t in fast) and any(t["municipality"]["npv"] for t in fast)


@pytest.mark.slow
def test_evaluate_json_without_criteria_loads_no_statsmodels(minimal_case):
    """The process block of a case without success criteria needs none of the indicator rules
    (statsmodels' OLS: ≈ 1,5 s of a 1.000-task `mkba evaluate --format json`); a case with
    criteria does load them."""
    import subprocess
    import sys

    def modules_after(case) -> set[str]:
        code = ("import contextlib, io, sys\nfrom mkba.run.cli import main\n"
                "with contextlib.redirect_stdout(io.StringIO()):\n"
                f"    assert main(['evaluate', {str(case)!r}, '--format', 'json']) == 0\n"
                "print(' '.join(sys.modules))")
        return set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True).stdout.split())

    loaded = modules_after(minimal_case)
    assert not {"statsmodels", "mkba.evidence.indicators"} & loaded
    # a case whose values break no rule needs no pandera (0,22 s to import; issue 23)
    assert "pandera" not in loaded
    assert "mkba.evidence.indicators" in modules_after(EXAMPLE)  # criteria.csv: T1, T2


# --------------------------------------------------------------------------------------
# the value rules without pandera (values_valid) answer as pandera does (issue 23, speed)

#: values at and across every rule's boundary (one column of a table gets these) ...
_EDGE = {"year": [0, 1899, 1900, 2100, 2101, None], "int": [-1, 0, 1, 2, None],
         "number": [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 100.0, float("nan")],
         "text": ["a", "a", "b", None], "code": ["WK036300", "BU03630000", "WK0363", "wk036300",
                                                "WK036300X", "XWK036300", None]}
#: ... the other columns values that pass every rule (distinct, so a unique column passes)
_VALID = {"year": [1900, 2024, 2100, 2000, 2010, 2020], "int": [1, 2, 3, 4, 5, 6],
          "number": [0.0, 0.25, 0.5, 0.75, 1.0, 0.1], "text": ["a", "b", "c", "d", "e", "f"],
          "code": ["WK036300", "BU03630000", "WK0363AB", "BU0363AB01", "WK999999", "WK000000"]}


def _column_values(spec, rng, n, edge):
    """n values of one column as the reader types them: valid ones, or (``edge``) values at
    and across the column's rules, drawn with ``rng`` (uniformly: hypothesis' own draws
    favour the first value of a list, which here is a valid one)."""
    import pandas as pd

    kind = {"fraction": "number", "choice": "text"}.get(spec.kind, spec.kind)
    if kind == "bool":
        return pd.array([rng.random() < 0.5 for _ in range(n)], dtype=bool)
    kind = "code" if spec.pattern else kind
    pool = list((_EDGE if edge else _VALID)[kind])
    if spec.allowed:
        pool = list(spec.allowed) + (["iets_anders", None] if edge else [])
    if not edge and not spec.required and not spec.unique:
        pool.append(None)
    if edge and rng.random() < 0.5:  # the other rules without a missing value
        pool = [v for v in pool if v is not None and v == v]
    if spec.unique and not edge:
        values = rng.sample(pool, n)
    else:
        values = rng.choices(pool, k=n)
    dtype = {"year": "Int64", "int": "Int64", "number": "float64"}.get(kind, "str")
    return pd.array(values, dtype=dtype)


@given(data=st.data())
@settings(max_examples=250, deadline=None)
def test_value_rules_without_pandera_answer_as_pandera(data):
    """A table passes :func:`values_valid` exactly when pandera's schema passes it: the
    reader leaves pandera out only when pandera would have reported nothing."""
    import random

    import pandas as pd
    import pandera.pandas as pa

    from mkba.case.schema import TABLES
    from mkba.case.values import pandera_schema, values_valid

    # the column whose rules are tried (every ruled column of every table equally often),
    # then the other columns of its table, some left out
    ruled = [(t, c.name) for t in sorted(TABLES) for c in TABLES[t].columns
             if c.required or c.unique or c.allowed or c.pattern or c.minimum is not None
             or c.kind in ("year", "fraction")]
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1)))
    table, edge = rng.choice(ruled)
    n = rng.randint(0, 5)
    columns = [c for c in TABLES[table].columns if c.name == edge or c.required
               or rng.random() < 0.5]
    df = pd.DataFrame({c.name: _column_values(c, rng, n, c.name == edge) for c in columns})
    try:
        pandera_schema(table).validate(df, lazy=True)
        passes = True
    except pa.errors.SchemaErrors:
        passes = False
    assert values_valid(table, df) == passes
