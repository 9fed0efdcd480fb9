"""Process evaluation beside the results: success criteria, the coalition, the survey, and the
buurtbudget.

The guidance the product follows asks to evaluate both process and result: success criteria
agreed beforehand in four kinds (economisch, maatschappelijk, draagvlak, spin-off; plus proces),
the coalition of partners over time, and whether residents, users, volunteers and partners are
satisfied. The case carries them in the optional tables ``criteria``, ``partners`` and
``enquete`` (see :mod:`mkba.case.schema`); this module turns them into figures.

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
- **Criteria.** The value of a criterion is the latest measurement of its indicator up to its
  ``peiljaar`` (all years when empty): a survey question of the task (the share positive over
  all groups, or over one group with ``vraag/groep``), else the case's ``metingen`` for the
  task's wijk, else the CBS figures. Met: value ≥ streefwaarde (``richting`` hoger, the
  default) or ≤ (lager). A suppressed or missing value leaves "met" unknown.
- **Coalition.** A partner is active in year ``t`` when ``jaar_van ≤ t ≤ jaar_tot`` (empty
  ``jaar_tot``: to the end of the period). Years run from the first ``jaar_van`` to the task's
  ``eindjaar``. Joined in ``t``: active in ``t`` and not in ``t − 1``; left in ``t``: active in
  ``t − 1`` and not in ``t``; so active(t) = active(t − 1) + joined(t) − left(t).
- **Buurtbudget** (financiering rows of soort ``buurtbudget``): per wijk and year received
  (``bedrag``), spent (``besteed``) and saved (the balance at the end of the year:
  cumulative received − cumulative spent). An unknown spending (empty ``besteed``) makes the
  balance unknown from that year on. Years without a row have no receipts and no spending.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD
from mkba.base.jsonout import float_or_none, plain
from mkba.case.schema import (
    BUURTBUDGET,
    CRITERION_KINDS,
    PARTNER_ROLES,
    POSITIVE_ANSWERS,
    survey_answers,
)
from mkba.evidence.cbs import load_kwb

__all__ = ["survey_results", "criteria_status", "coalition", "buurtbudget_balance",
           "process_block", "criteria_counts", "criteria_sentence", "buurtbudget_summary",
           "KIND_LABELS", "CHANGE_METHOD"]


KIND_LABELS = {"economisch": "economisch", "maatschappelijk": "maatschappelijk",
               "draagvlak": "draagvlak", "spin_off": "spin-off", "proces": "proces"}
CHANGE_METHOD = ("Newcombe hybrid score (Wilson-intervallen van beide jaren), onafhankelijke "
                 "steekproeven")

SURVEY_COLUMNS = ["task_id", "vraag", "groep", "jaar", "scale", "n", "suppressed", "mean",
                  "positive", "share_positive", "ci_low", "ci_high", "share_neutral",
                  "share_negative", "previous_year", "change", "change_low", "change_high"]
NEGATIVE_ANSWERS = ("1", "2", "nee")


def _wilson(positive: int, n: int) -> tuple[float, float]:
    # statsmodels: ≈ 0,9 s at import, only for survey intervals
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(int(positive), int(n), alpha=0.05, method="wilson")
    return float(low), float(high)


def _newcombe(pos1: int, n1: int, pos0: int, n0: int) -> tuple[float, float]:
    """95 % interval of p1 − p0 (Newcombe's hybrid score interval)."""
    # statsmodels: ≈ 0,9 s at import, only for survey intervals
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


CRITERIA_COLUMNS = ["task_id", "soort", "omschrijving", "indicator", "source", "target",
                    "direction", "peiljaar", "year", "value", "n", "suppressed", "met", "note"]


def _survey_value(case, task_id, indicator, peiljaar, threshold):
    """(year, share positive, n, suppressed) of a survey question, or None if no such question."""
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


def criteria_status(case, kwb=None, threshold: int = SMALL_NUMBER_THRESHOLD,
                    task_id: str | None = None) -> pd.DataFrame:
    """Every success criterion with its latest value and whether it is met.

    Columns: task_id, soort, omschrijving, indicator, source (enquete, metingen, CBS, geen),
    target, direction, peiljaar, year, value, n (survey respondents), suppressed, met
    (True/False, None when unknown) and note. ``kwb`` (the CBS table) is loaded only when an
    indicator is neither a survey question nor in ``metingen``.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> c = criteria_status(read_case(DATA_DIR / "voorbeeld"), task_id="T1")
    >>> sorted(set(c["soort"]))[:2]
    ['draagvlak', 'economisch']
    """
    crit = case.criteria
    if task_id is not None:
        crit = crit[crit["taak_id"] == task_id]
    if crit.empty:  # no criteria: no need for mkba.indicators (statsmodels' OLS, ≈ 1,5 s)
        return pd.DataFrame([], columns=CRITERIA_COLUMNS)
    from mkba.evidence.indicators import (  # the rules of the targets (doelen)
        meets_target,
        region_series,
    )

    wijk = case.taken.set_index("taak_id")["wijk_code"]
    rows = []
    for c in crit.itertuples(index=False):
        lower = c.richting == "lager"
        row = {"task_id": c.taak_id, "soort": c.soort, "omschrijving": c.omschrijving,
               "indicator": c.indicator, "source": "geen", "target": float(c.streefwaarde),
               "direction": "lager" if lower else "hoger",
               "peiljaar": None if pd.isna(c.peiljaar) else int(c.peiljaar),
               "year": None, "value": np.nan, "n": np.nan, "suppressed": False, "met": None,
               "note": ""}
        survey = _survey_value(case, c.taak_id, c.indicator, c.peiljaar, threshold)
        if survey is not None:
            year, value, n, small = survey
            row.update(source="enquete", year=None if pd.isna(year) else int(year), value=value,
                       n=n, suppressed=small)
            if small:
                row["note"] = f"minder dan {threshold} respondenten: niet getoond"
        else:
            m = case.metingen
            in_metingen = ((m["wijk_code"] == wijk[c.taak_id])
                           & (m["indicator"] == c.indicator)).any()
            if not in_metingen and kwb is None:
                kwb = load_kwb()
            series, source = region_series(case, kwb, wijk[c.taak_id], c.indicator, threshold)
            row["source"] = source
            if pd.notna(c.peiljaar):
                series = series[series["year"] <= c.peiljaar]
            if len(series):
                last = series.iloc[-1]
                row["year"] = int(last["year"])
                row["value"] = float(last["value"])
                row["suppressed"] = bool(pd.isna(last["value"]))
                if pd.notna(last["n"]):
                    row["n"] = float(last["n"])
                if row["suppressed"]:
                    row["note"] = "laatste meting niet getoond (klein aantal)"
        if row["year"] is None and not row["note"]:
            row["note"] = ("geen meting" + (f" tot en met {row['peiljaar']}"
                                            if row["peiljaar"] else ""))
        if pd.notna(row["value"]):
            row["met"] = meets_target(row["value"], row["target"], lower)
        rows.append(row)
    return pd.DataFrame(rows, columns=CRITERIA_COLUMNS)


def criteria_counts(criteria: pd.DataFrame) -> dict:
    """Per kind (in the fixed order of the kinds): total, met, not met and unknown.

    Examples
    --------
    >>> c = pd.DataFrame({"soort": ["draagvlak", "draagvlak", "economisch"],
    ...                   "met": [True, None, False]})
    >>> criteria_counts(c)["draagvlak"]
    {'total': 2, 'met': 1, 'not_met': 0, 'unknown': 1}
    """
    out = {}
    for kind in CRITERION_KINDS:
        met = criteria.loc[criteria["soort"] == kind, "met"].tolist()
        if met:
            out[kind] = {"total": len(met), "met": sum(m is True for m in met),
                         "not_met": sum(m is False for m in met),
                         "unknown": sum(m is None for m in met)}
    return out


def criteria_sentence(criteria: pd.DataFrame) -> str:
    """Page one: how many criteria of each kind are met, in plain Dutch ('' without criteria).

    Examples
    --------
    >>> c = pd.DataFrame({"soort": ["draagvlak", "draagvlak", "economisch"],
    ...                   "met": [True, None, False]})
    >>> criteria_sentence(c)
    'Succescriteria gehaald: economisch 0 van 1, draagvlak 1 van 2 (1 nog niet te beoordelen).'
    """
    counts = criteria_counts(criteria)
    if not counts:
        return ""
    parts = []
    for kind, c in counts.items():
        text = f"{KIND_LABELS[kind]} {c['met']} van {c['total']}"
        if c["unknown"]:
            text += f" ({c['unknown']} nog niet te beoordelen)"
        parts.append(text)
    return "Succescriteria gehaald: " + ", ".join(parts) + "."


def coalition(case, task_id: str) -> pd.DataFrame:
    """The coalition of a task per year: active partners (total and per role), who joined and
    who left (see the module docstring).

    Columns: ``jaar``, ``actief``, one column per role, ``nieuw``, ``vertrokken``,
    ``nieuw_namen``, ``vertrokken_namen``. Empty without partners.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> c = coalition(read_case(DATA_DIR / "voorbeeld"), "T1")
    >>> bool((c["actief"] == c["actief"].shift(1, fill_value=0) + c["nieuw"]
    ...       - c["vertrokken"]).all())
    True
    """

    p = case.partners[case.partners["taak_id"] == task_id]
    columns = ["jaar", "actief", *PARTNER_ROLES, "nieuw", "vertrokken", "nieuw_namen",
               "vertrokken_namen"]
    if p.empty:
        return pd.DataFrame(columns=columns)
    end_year = int(case.taken.set_index("taak_id").at[task_id, "eindjaar"])
    first = int(p["jaar_van"].min())
    last = max(end_year, int(p["jaar_van"].max()))
    stop = p["jaar_tot"].astype("Float64").fillna(float(last)).astype(float).to_numpy()
    start = p["jaar_van"].astype(float).to_numpy()
    names = p["partner"].to_numpy()
    roles = p["rol"].to_numpy()
    rows, before = [], set()
    for year in range(first, last + 1):
        on = (start <= year) & (year <= stop)
        active = set(names[on])
        row = {"jaar": year, "actief": len(active)}
        for role in PARTNER_ROLES:
            row[role] = int((on & (roles == role)).sum())
        joined, left = sorted(active - before), sorted(before - active)
        row.update(nieuw=len(joined), vertrokken=len(left), nieuw_namen=joined,
                   vertrokken_namen=left)
        rows.append(row)
        before = active
    return pd.DataFrame(rows, columns=columns)


BUDGET_COLUMNS = ["wijk_code", "jaar", "ontvangen", "besteed", "gespaard", "taken"]


def buurtbudget_balance(case, wijk_code: str | None = None) -> pd.DataFrame:
    """The buurtbudget per wijk and year: received, spent and saved (balance at year end).

    Kept apart from the MKBA's financing totals on purpose: a buurtbudget is municipal money
    that residents decide about; it counts as the municipality's money in the leverage.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> b = buurtbudget_balance(read_case(DATA_DIR / "voorbeeld"))
    >>> bool(((b["ontvangen"] - b["besteed"]).groupby(b["wijk_code"]).cumsum()
    ...       == b["gespaard"]).all())
    True
    """
    f = case.financiering
    f = f[f["soort"] == BUURTBUDGET]
    wijk = case.taken.set_index("taak_id")["wijk_code"]
    f = f.assign(wijk_code=f["taak_id"].map(wijk))
    if wijk_code is not None:
        f = f[f["wijk_code"] == wijk_code]
    if f.empty:
        return pd.DataFrame(columns=BUDGET_COLUMNS)
    g = f.groupby(["wijk_code", "jaar"], sort=True)
    out = pd.DataFrame({
        "ontvangen": g["bedrag"].sum(),
        # an unknown spending stays unknown (min_count: a sum over only NaN is NaN)
        "besteed": g["besteed"].agg(lambda s: s.sum() if s.notna().all() else np.nan),
        "taken": g["taak_id"].agg(lambda s: sorted(set(s))),
    }).reset_index()
    out["jaar"] = out["jaar"].astype(int)
    # cumsum skips NaN, so carry "unknown" forward by hand
    net = out["ontvangen"] - out["besteed"]
    unknown = net.isna().astype(int).groupby(out["wijk_code"]).cumsum() > 0
    out["gespaard"] = net.fillna(0.0).groupby(out["wijk_code"]).cumsum().where(~unknown)
    return out[BUDGET_COLUMNS]


def buurtbudget_summary(case, wijk_code: str) -> dict | None:
    """The index's buurtbudget figures of one wijk: last year, saved then, total received and
    spent (None without a buurtbudget).

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> buurtbudget_summary(read_case(DATA_DIR / "voorbeeld"), "WK036330") is None
    True
    """
    b = buurtbudget_balance(case, wijk_code)
    if b.empty:
        return None
    last = b.iloc[-1]
    return {"year": int(last["jaar"]), "saved": float_or_none(last["gespaard"]),
            "received": float(b["ontvangen"].sum()),
            "spent": float_or_none(b["besteed"].sum(min_count=len(b)))}


#: The JSON keys (English) of the process tables' columns; the tables themselves keep the
#: input's Dutch names, which the reports show. The partner roles (input values of
#: ``partners.rol``) are not keys of a coalition record but of its ``by_role``.
JSON_KEYS = {"jaar": "year", "actief": "active", "nieuw": "joined", "vertrokken": "left",
             "nieuw_namen": "joined_names", "vertrokken_namen": "left_names",
             "soort": "kind", "omschrijving": "description", "vraag": "question",
             "groep": "group", "ontvangen": "received", "besteed": "spent",
             "gespaard": "saved", "taken": "task_ids"}


def json_records(df: pd.DataFrame) -> list[dict]:
    """The rows of ``df`` as strict-JSON records (missing → ``None``, see
    :mod:`mkba.base.jsonout`) with English keys (:data:`JSON_KEYS`)."""
    return [{JSON_KEYS.get(k, k): v for k, v in rec.items()}
            for rec in plain(df.to_dict("records"))]


def _coalition_json(coal: pd.DataFrame) -> list[dict]:
    """Coalition records: the counts per role (input values) nested under ``by_role``."""

    out = []
    for rec in json_records(coal):
        by_role = {role: rec.pop(role) for role in PARTNER_ROLES}
        out.append({"year": rec.pop("year"), "active": rec.pop("active"),
                    "by_role": by_role, **rec})
    return out


def process_block(case, task_id: str, kwb=None,
                  threshold: int = SMALL_NUMBER_THRESHOLD) -> dict:
    """The ``process`` block of a task in ``mkba evaluate --format json``.

    ``criteria`` (each with its latest value and ``met``), ``criteria_by_kind`` (total, met,
    not met, unknown per kind), ``coalition`` (per year), ``survey`` (per question, group and
    year; a suppressed group has ``n``, ``mean``, ``share_positive`` and intervals null,
    ``suppressed`` true and ``n_label`` ``"< 10"``), ``change_method`` and ``threshold``.
    Missing values are null, never 0.
    """
    crit = criteria_status(case, kwb, threshold, task_id=task_id)
    survey = survey_results(case, task_id, threshold)
    survey = survey.assign(n_label=[f"< {threshold}" if s else
                                    (None if pd.isna(n) else str(int(n)))
                                    for s, n in zip(survey["suppressed"], survey["n"],
                                                    strict=True)])
    crit["n"] = crit["n"].astype("Float64").round().astype("Int64") if len(crit) else crit["n"]
    for col in ("n", "positive", "previous_year"):
        survey[col] = survey[col].astype("Int64") if len(survey) else survey[col]
    coal = coalition(case, task_id)
    return {
        "criteria": json_records(crit.drop(columns=["task_id"])),
        "criteria_by_kind": criteria_counts(crit),
        "coalition": _coalition_json(coal),
        "survey": json_records(survey.drop(columns=["task_id"])),
        "change_method": CHANGE_METHOD,
        "threshold": threshold,
    }
