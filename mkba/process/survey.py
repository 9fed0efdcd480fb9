"""The survey of the process evaluation: per task, question, group and year the respondents,
the mean and the share positive, and the change since the previous survey year.

Rules (so that anyone can recompute a figure by hand):

- **Survey.** Per task, question, group and year: ``n = Σ aantal``; the mean of the answers
  1–5 (``Σ antwoord × aantal / n``; none for ja/nee questions); the share positive =
  (answers 4, 5 or ja) / n with a Wilson 95 % interval (statsmodels ``proportion_confint``,
  ``method="wilson"``). A group with ``n`` below the small-number threshold (10, as everywhere)
  is suppressed: no n, mean, share or interval, but ``< 10``.
- **Change** since the previous survey year of the same question and group: the difference of
  the two shares with Newcombe's hybrid score interval (Newcombe 1998, method 10; statsmodels
  ``confint_proportions_2indep(method="newcomb")``). It is built from the two Wilson
  intervals, so it agrees with the intervals shown per year, and unlike the simple Wald
  interval it keeps its coverage with small groups and shares near 0 or 1. It treats the two
  years as independent samples (a new set of respondents each year); when the same people
  answer every year, the interval is somewhat too wide, never too narrow for a positive
  correlation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD
from mkba.case.schema import POSITIVE_ANSWERS, survey_answers

__all__ = ["survey_results", "survey_value", "CHANGE_METHOD", "SURVEY_COLUMNS"]

CHANGE_METHOD = ("Newcombe hybrid score (Wilson-intervallen van beide jaren), onafhankelijke "
                 "steekproeven")

SURVEY_COLUMNS = ["task_id", "vraag", "groep", "jaar", "scale", "n", "suppressed", "mean",
                  "positive", "share_positive", "ci_low", "ci_high", "share_neutral",
                  "share_negative", "previous_year", "change", "change_low", "change_high"]
NEGATIVE_ANSWERS = ("1", "2", "nee")


def _wilson(positive: int, n: int) -> tuple[float, float]:
    # statsmodels loads in ≈ 1 s (measured, load 4): only when a survey is counted
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(int(positive), int(n), alpha=0.05, method="wilson")
    return float(low), float(high)


def _newcombe(pos1: int, n1: int, pos0: int, n0: int) -> tuple[float, float]:
    """95 % interval of p1 − p0 (Newcombe's hybrid score interval)."""
    # statsmodels loads in ≈ 1 s (measured, load 4): only when a survey is counted
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(int(pos1), int(n1), int(pos0), int(n0),
                                           method="newcomb", compare="diff", alpha=0.05)
    return float(low), float(high)


def _answers(case) -> pd.DataFrame:
    """The tidy survey answers: ``enquete`` plus the unfolded ``enquete_turflijst``."""
    tables = getattr(case, "tables", None)
    if tables is None:  # a bare object with an ``enquete`` table (tests, examples)
        return case.enquete
    return survey_answers(tables)


def _tally(enquete: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """n, positives, Likert sum and scale per group of ``keys``."""
    e = enquete.assign(
        _n=enquete["aantal"].astype(float),
        _pos=enquete["aantal"].astype(float).where(enquete["antwoord"].isin(POSITIVE_ANSWERS),
                                                   0.0),
        _score=pd.to_numeric(enquete["antwoord"], errors="coerce") * enquete["aantal"]
        .astype(float),
        _neg=enquete["aantal"].astype(float).where(enquete["antwoord"].isin(NEGATIVE_ANSWERS),
                                                   0.0),
        _yn=enquete["antwoord"].isin(["ja", "nee"]))
    g = e.groupby(keys, sort=True)
    return pd.DataFrame({"n": g["_n"].sum(), "positive": g["_pos"].sum(),
                         "negative": g["_neg"].sum(),
                         "score": g["_score"].sum(min_count=1),
                         "yes_no": g["_yn"].any()}).reset_index()


def survey_results(case, task_id: str | None = None,
                   threshold: int = SMALL_NUMBER_THRESHOLD) -> pd.DataFrame:
    """Per task, survey question, group and year: respondents, mean, share positive with its
    Wilson 95 % interval, and the change since the previous survey year with its interval.

    Groups with fewer than ``threshold`` respondents are suppressed: ``suppressed`` is True and
    n, mean, share, interval and change are missing. See the module docstring for the rules.

    Parameters
    ----------
    case : Case
        The case (its ``enquete`` and ``enquete_turflijst``), or any object with an
        ``enquete`` table.
    task_id : str, optional
        Only this task (all tasks when left out).
    threshold : int
        The small-number threshold (10).

    Returns
    -------
    DataFrame
        One row per task, question, group and year, columns :data:`SURVEY_COLUMNS`; empty
        (with those columns) without answers.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> e = pd.DataFrame({"taak_id": "T1", "jaar": [2023] * 3, "groep": "bewoners",
    ...                   "vraag": "tevreden", "antwoord": ["2", "4", "5"],
    ...                   "aantal": [5, 10, 5]})
    >>> r = survey_results(SimpleNamespace(enquete=e)).iloc[0]
    >>> int(r["n"]), float(r["mean"]), float(r["share_positive"])  # (10+40+25)/20; 15/20
    (20, 3.75, 0.75)
    """
    e = _answers(case)
    if task_id is not None:
        e = e[e["taak_id"] == task_id]
    if e.empty:
        return pd.DataFrame(columns=SURVEY_COLUMNS)
    t = _tally(e, ["taak_id", "vraag", "groep", "jaar"])
    rows = []
    for (task, question, group), g in t.groupby(["taak_id", "vraag", "groep"], sort=False):
        previous = None
        for rec in g.sort_values("jaar").itertuples(index=False):
            n, pos = int(rec.n), int(rec.positive)
            small = n < threshold or n == 0
            row = {"task_id": task, "vraag": question, "groep": group, "jaar": int(rec.jaar),
                   "scale": "ja/nee" if rec.yes_no else "1-5", "n": np.nan,
                   "suppressed": bool(small), "mean": np.nan, "positive": np.nan,
                   "share_positive": np.nan, "ci_low": np.nan, "ci_high": np.nan,
                   "share_neutral": np.nan, "share_negative": np.nan,
                   "previous_year": np.nan if previous is None else previous["jaar"],
                   "change": np.nan, "change_low": np.nan, "change_high": np.nan}
            if not small:
                neg = int(rec.negative)
                row.update(n=n, positive=pos, share_positive=pos / n,
                           share_negative=neg / n, share_neutral=(n - pos - neg) / n)
                if not rec.yes_no:
                    row["mean"] = float(rec.score) / n
                row["ci_low"], row["ci_high"] = _wilson(pos, n)
                if previous is not None and not previous["suppressed"]:
                    row["change"] = pos / n - previous["positive"] / previous["n"]
                    row["change_low"], row["change_high"] = _newcombe(
                        pos, n, previous["positive"], previous["n"])
            rows.append(row)
            previous = {"jaar": int(rec.jaar), "n": n, "positive": pos, "suppressed": small}
    return pd.DataFrame(rows, columns=SURVEY_COLUMNS)


def survey_value(case, task_id, indicator, peiljaar, threshold):
    """(year, share positive, n, suppressed) of a survey question, or None if no such question.

    The latest survey year up to ``peiljaar`` counts, over all groups or over one group when
    ``indicator`` is ``vraag/groep``; a criterion on a survey question takes this value.

    Parameters
    ----------
    case : Case
        The case, or any object with an ``enquete`` table.
    task_id : str
        The task.
    indicator : str
        A question (``vraag``) of the survey, or ``vraag/groep``.
    peiljaar : int or NaN
        The last year that counts (NaN: all years).
    threshold : int
        The small-number threshold: a smaller year is suppressed.

    Returns
    -------
    tuple or None
        ``(year, share_positive, n, suppressed)``; NaN for what is unknown or suppressed
        (year NaN when no year up to ``peiljaar``); None when the task has no such question.

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> e = pd.DataFrame({"taak_id": "T1", "jaar": [2023] * 3, "groep": "bewoners",
    ...                   "vraag": "tevreden", "antwoord": ["2", "4", "5"],
    ...                   "aantal": [5, 10, 5]})
    >>> survey_value(SimpleNamespace(enquete=e), "T1", "tevreden/bewoners", 2024, 10)
    (2023, 0.75, 20, False)
    >>> survey_value(SimpleNamespace(enquete=e), "T1", "veilig", 2024, 10) is None
    True
    """
    e = _answers(case)
    e = e[e["taak_id"] == task_id]
    question, group = indicator, None
    if indicator not in set(e["vraag"]) and "/" in indicator:
        question, group = indicator.rsplit("/", 1)
    e = e[e["vraag"] == question]
    if group is not None:
        e = e[e["groep"] == group]
    if e.empty:
        return None
    if pd.notna(peiljaar):
        e = e[e["jaar"] <= peiljaar]
    if e.empty:
        return (np.nan, np.nan, np.nan, False)
    t = _tally(e, ["jaar"]).sort_values("jaar")
    last = t.iloc[-1]
    n = int(last["n"])
    if n < threshold or n == 0:
        return (int(last["jaar"]), np.nan, np.nan, True)
    return (int(last["jaar"]), float(last["positive"]) / n, n, False)
