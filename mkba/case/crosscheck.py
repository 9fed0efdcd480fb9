"""Rules across the input tables: task ids, kengetal codes, price years within the CPI series,
the names and variants in ``bandbreedtes`` and ``correlaties``, the ranges against the lines
they act on (:mod:`mkba.case.ranges`), the buurtbudget balance and the survey.
"""

from __future__ import annotations

import pandas as pd

from mkba.base.errors import Problem
from mkba.base.formatting import fmt_eur
from mkba.case.ranges import range_problems, ranged_inputs, variants_by_task
from mkba.case.rows import problem
from mkba.case.schema import BUURTBUDGET, TALLY_TABLE, parse_parameter
from mkba.case.survey import survey_answers

__all__ = ["check_case"]


def _unknown_refs(values: pd.Series, known: set[str]) -> pd.Series:
    return values.notna() & ~values.isin(known)


def _known_list(known) -> str:
    known = sorted(known)
    shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
    return shown or "(geen)"


def check_case(tables: dict[str, pd.DataFrame], files: dict[str, str],
               cpi_years: range) -> list[Problem]:
    """Rules across tables: task ids, kengetal codes, price years within the CPI series.

    Parameters
    ----------
    tables : dict of DataFrame
        Parsed tables, each with its source row number in ``_row``.
    files : dict of str
        Table name to the file name shown in messages.
    cpi_years : range
        Years for which a CPI exists; every prijsjaar must fall within it.

    Returns
    -------
    list of Problem
        Every problem found, in Dutch at its file, row and column; empty when the tables agree.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.base.prices import cpi_series
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> cpi = cpi_series().index
    >>> check_case(case.tables, case.files, range(cpi.min(), cpi.max() + 1))
    []
    """
    problems: list[Problem] = []
    task_ids = set(tables["taken"]["taak_id"].dropna())
    codes = set(tables["kengetallen"]["code"].dropna())
    first, last = cpi_years.start, cpi_years.stop - 1
    for name, df in tables.items():
        if df.empty:
            continue
        if name != "taken" and "taak_id" in df:
            bad = _unknown_refs(df["taak_id"], task_ids)
            for row, value in df.loc[bad, ["_row", "taak_id"]].itertuples(index=False):
                problems.append(problem(files, name, row, "taak_id",
                                         f"onbekende taak_id '{value}' (bekend: "
                                         f"{_known_list(task_ids)})"))
        if "kengetal" in df:
            bad = _unknown_refs(df["kengetal"], codes)
            for row, value in df.loc[bad, ["_row", "kengetal"]].itertuples(index=False):
                problems.append(problem(files, name, row, "kengetal",
                                         f"onbekend kengetal '{value}' (bekend: "
                                         f"{_known_list(codes)})"))
        if "prijsjaar" in df:
            year = df["prijsjaar"]
            bad = year.notna() & ((year < first) | (year > last))
            for row, value in df.loc[bad, ["_row", "prijsjaar"]].itertuples(index=False):
                problems.append(problem(files, name, row, "prijsjaar",
                                         f"prijsjaar {int(value)} valt buiten de CPI-reeks "
                                         f"({first}–{last})"))
    problems += _check_financing_variants(tables, files)
    named = _check_parameters(tables, files, task_ids, codes)
    problems += named
    if not named:  # the ranges can only be checked when every name points at something
        problems += range_problems(tables, files, ranged_inputs(tables, files),
                                   discount=False)
    problems += _check_buurtbudget(tables, files)
    problems += _check_survey(tables, files)
    return problems



def _check_survey(tables, files) -> list[Problem]:
    """Survey rules over ``enquete`` and ``enquete_turflijst`` together: an answer counted
    twice, and a question that mixes 1–5 with ja/nee."""
    if tables["enquete"].empty and tables.get(TALLY_TABLE, pd.DataFrame()).empty:
        return []
    a = survey_answers(tables).rename(columns={"_source": "source", "_row": "row",
                                               "_column": "column"})
    problems = []
    key = ["taak_id", "jaar", "groep", "vraag", "antwoord"]
    dup = a.duplicated(key, keep="first")
    first = a.groupby(key, sort=False)["source"].transform("first")
    for rec, source in zip(a[dup].itertuples(index=False), first[dup], strict=True):
        where = "op een eerdere regel" if source == rec.source else f"in het blad {source}"
        problems.append(problem(files, rec.source, rec.row, rec.column,
                                 f"dit antwoord staat al {where} (zelfde taak_id, jaar, "
                                 "groep en vraag)"))
    yes_no = a["antwoord"].isin(["ja", "nee"])
    for (_task, question), g in a.assign(_yn=yes_no).groupby(["taak_id", "vraag"],
                                                             sort=False):
        if g["_yn"].nunique() > 1:
            first = g["_yn"].iloc[0]
            for rec in g[g["_yn"] != first].itertuples(index=False):
                problems.append(problem(
                    files, rec.source, rec.row, rec.column,
                    f"vraag '{question}' heeft al antwoorden " + ("ja/nee" if first else "1–5")
                    + " op een eerdere regel; één vraag is óf 1–5 óf ja/nee"))
    return problems


def _check_buurtbudget(tables, files) -> list[Problem]:
    """A wijk cannot spend more buurtbudget than it received and saved so far."""
    f = tables["financiering"]
    if f.empty or "besteed" not in f:
        return []
    f = f[f["soort"] == BUURTBUDGET]
    wijk = tables["taken"].set_index("taak_id")["wijk_code"]
    f = f[f["taak_id"].isin(wijk.index)]
    if f.empty:
        return []

    f = f.assign(_wijk=f["taak_id"].map(wijk), _spent=f["besteed"].fillna(0.0))
    problems = []
    for code, g in f.groupby("_wijk", sort=False):
        balance = 0.0
        for year, y in g.groupby("jaar", sort=True):
            balance += float(y["bedrag"].sum()) - float(y["_spent"].sum())
            if balance < -0.005:
                row = int(y.loc[y["_spent"] > 0, "_row"].max()) if (y["_spent"] > 0).any() \
                    else int(y["_row"].max())
                problems.append(problem(
                    files, "financiering", row, "besteed",
                    f"wijk {code} besteedt in {int(year)} meer buurtbudget dan er ontvangen en "
                    f"gespaard was (tekort {fmt_eur(-balance)})"))
                break
    return problems


def _check_parameters(tables, files, task_ids, codes) -> list[Problem]:
    """Every name in ``bandbreedtes`` and ``correlaties`` must point at something that exists."""
    problems = []
    kosten, effecten = tables["kosten"], tables["effecten"]
    # .tolist(): iterating a string column element by element is slow on large cases
    posts = set(zip(kosten["taak_id"].tolist(), kosten["post"].tolist(), strict=True)) \
        if len(tables["bandbreedtes"]) else set()
    effects = set(zip(effecten["taak_id"].tolist(), effecten["effect"].tolist(), strict=True)) \
        if len(tables["bandbreedtes"]) else set()
    named = set(tables["bandbreedtes"]["parameter"])

    def check(name) -> str | None:
        try:
            parts = parse_parameter(name)
        except ValueError as exc:
            return str(exc)
        kind = parts[0]
        if kind == "kengetal" and parts[1] not in codes:
            return f"'{name}' is geen kengetal, geen 'discontovoet' en geen pad TAAK/..."
        if kind in ("optimisme_kosten", "optimisme_baten", "factor", "effect") \
                and parts[1] not in task_ids:
            return f"onbekende taak '{parts[1]}' in '{name}'"
        if kind == "factor" and (parts[1], parts[2]) not in posts:
            return f"taak {parts[1]} heeft geen kostenpost '{parts[2]}'"
        if kind == "effect" and (parts[1], parts[2]) not in effects:
            return f"taak {parts[1]} heeft geen effect '{parts[2]}'"
        return None

    variants = {t: set(v) for t, v in variants_by_task(tables).items()} \
        if len(tables["bandbreedtes"]) else {}
    b = tables["bandbreedtes"]
    for row, name, low, high, variant in b[["_row", "parameter", "laag", "hoog", "variant"]] \
            .itertuples(index=False):
        message = check(name)
        if not message and isinstance(variant, str):
            parts = parse_parameter(name)
            if parts[0] == "discount":
                message = "de discontovoet geldt voor alle varianten: laat variant leeg"
            elif len(parts) > 2 and variant not in variants.get(parts[1], set()):
                known = ", ".join(sorted(variants.get(parts[1], set()))) or "geen"
                problems.append(problem(files, "bandbreedtes", row, "variant",
                                        f"taak {parts[1]} heeft geen variant '{variant}' "
                                        f"(varianten: {known})"))
                continue
        if message:
            problems.append(problem(files, "bandbreedtes", row, "parameter", message))
            continue
        parts = parse_parameter(name)
        fraction = parts[0] in ("optimisme_kosten", "optimisme_baten") or (
            parts[0] == "effect" and parts[3] in ("deadweight", "attributie", "verdringing",
                                                  "afname"))
        if fraction and (low < 0 or high > 1):
            problems.append(problem(files, "bandbreedtes", row, "laag",
                                     "een fractie moet tussen 0 en 1 liggen (0,25 of 25%)"))
        if parts[0] in ("kengetal", "factor") and low < 0:
            problems.append(problem(files, "bandbreedtes", row, "laag",
                                     f"'{name}' kan niet negatief zijn"))
    c = tables["correlaties"]
    if c.empty:  # nothing to look up: skip the walk over every effect line below
        return problems
    ranged = named | {k for k, lo, hi in tables["kengetallen"][["code", "laag", "hoog"]]
                      .itertuples(index=False) if pd.notna(lo) or pd.notna(hi)}
    ranged |= {f"{t}/{e}/hoeveelheid" for t, e, lo, hi in effecten[
        ["taak_id", "effect", "hoeveelheid_laag", "hoeveelheid_hoog"]].itertuples(index=False)
        if pd.notna(lo) or pd.notna(hi)}
    for row, a, b_ in c[["_row", "parameter_a", "parameter_b"]].itertuples(index=False):
        for column, name in (("parameter_a", a), ("parameter_b", b_)):
            if name not in ranged:
                problems.append(problem(files, "correlaties", row, column,
                                         f"'{name}' heeft geen bandbreedte (zet hem in "
                                         "bandbreedtes, of geef het kengetal laag/hoog)"))
    return problems


def _check_financing_variants(tables, files) -> list[Problem]:
    """A ``variant`` in ``financiering`` must be a variant of its task (a name used in its
    kosten or effecten)."""
    f = tables["financiering"]
    if f.empty or "variant" not in f or f["variant"].isna().all():
        return []
    known = {t: set(v) for t, v in variants_by_task(tables).items()}
    problems = []
    for row, task, variant in f[["_row", "taak_id", "variant"]].itertuples(index=False):
        if isinstance(variant, str) and variant not in known.get(task, set()):
            shown = ", ".join(sorted(known.get(task, set()))) or "geen"
            problems.append(problem(files, "financiering", row, "variant",
                                    f"taak {task} heeft geen variant '{variant}' in kosten of "
                                    f"effecten (varianten: {shown})"))
    return problems
