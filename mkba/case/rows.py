"""Rules within one row of an input table: one of two columns, the order of years, PM posts,
signs, and what a transfer may carry.

Every problem names the file, the row and the column (:class:`~mkba.base.errors.Problem`).
"""

from __future__ import annotations

import pandas as pd

from mkba.base.assumptions import INDICATOR_DIRECTIONS, YEAR_MAX
from mkba.base.errors import Problem
from mkba.case.schema import BUURTBUDGET, CASE_TABLE

__all__ = ["check_rows", "problem", "is_set"]


def problem(files, table, row, column, message) -> Problem:
    """A problem at the file of ``table`` (from ``files``), a row and a column.

    Parameters
    ----------
    files : dict of str to str
        Table name to the file name shown in messages (``Case.files``).
    table : str
        The table.
    row : int or None
        The source row; None for the whole table.
    column : str or None
        The column.
    message : str
        What is wrong, in Dutch.

    Returns
    -------
    Problem
        The problem.

    Examples
    --------
    >>> str(problem({"taken": "taken.xlsx"}, "taken", 3, "eindjaar", "ligt vóór startjaar"))
    'taken.xlsx:3:eindjaar: ligt vóór startjaar'
    >>> problem({}, "kosten", None, None, "leeg").file
    'kosten.csv'
    """
    return Problem(files.get(table, f"{table}.csv"), int(row) if row is not None else None,
                   column, message)


def is_set(series: pd.Series) -> pd.Series:
    """Which cells of ``series`` hold a value (missing is missing, never 0).

    Parameters
    ----------
    series : pandas.Series
        A parsed column.

    Returns
    -------
    pandas.Series of bool
        True where the cell holds a value.

    Examples
    --------
    >>> is_set(pd.Series([0.0, None, 2.5])).tolist()
    [True, False, True]
    """
    return series.notna()


def check_rows(table: str, df: pd.DataFrame, files: dict[str, str]) -> list[Problem]:
    """Rules within one row: one of two columns, order of years, PM posts.

    ``df`` carries the source row number in column ``_row``.

    Parameters
    ----------
    table : str
        The table's name.
    df : pandas.DataFrame
        The parsed table, with the source row number in ``_row``.
    files : dict of str to str
        Table name to the file name shown in messages.

    Returns
    -------
    list of Problem
        The problems, in Dutch at their file, row and column.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> taken = case.tables["taken"].head(1).assign(eindjaar=2000)
    >>> [str(p) for p in check_rows("taken", taken, case.files)]
    ['taken.csv:2:eindjaar: eindjaar ligt vóór startjaar']
    """
    problems: list[Problem] = []

    def add(mask, column, message):
        for row in df.loc[mask, "_row"]:
            problems.append(problem(files, table, row, column, message))

    if table == "taken":
        add(df["eindjaar"] < df["startjaar"], "eindjaar", "eindjaar ligt vóór startjaar")
        add(df["horizonjaar"].notna() & (df["horizonjaar"] < df["startjaar"]), "horizonjaar",
            "horizonjaar ligt vóór startjaar")
    elif table == "kosten":
        has_amount = is_set(df["bedrag"])
        has_qty = is_set(df["hoeveelheid"])
        has_ref = is_set(df["kengetal"])
        add(has_amount & (has_qty | has_ref), "bedrag",
            "vul bedrag óf hoeveelheid met kengetal in, niet allebei")
        add(~has_amount & has_qty & ~has_ref, "kengetal", "hoeveelheid zonder kengetal")
        add(~has_amount & ~has_qty & has_ref, "hoeveelheid", "kengetal zonder hoeveelheid")
        add(~has_amount & ~has_qty & ~has_ref, "bedrag",
            "geen bedrag en geen hoeveelheid met kengetal")
        add(is_set(df["levensduur"]) & (df["soort"] != "investering"), "levensduur",
            "levensduur hoort alleen bij een investering (soort investering)")
    elif table == "effecten":
        add(df["jaar_tot"] < df["jaar_van"], "jaar_tot", "jaar_tot ligt vóór jaar_van")
        priced = ~df["pm"].fillna(False).astype(bool)
        has_value = is_set(df["waarde_per_eenheid"])
        has_ref = is_set(df["kengetal"])
        add(priced & ~is_set(df["hoeveelheid"]) & ~is_set(df["indicator"]), "hoeveelheid",
            "hoeveelheid ontbreekt (vul hem in, noem een indicator om hem te schatten, of zet "
            "pm op ja)")
        both = is_set(df["hoeveelheid_laag"]) & is_set(df["hoeveelheid_hoog"])
        add(both & (df["hoeveelheid_laag"] > df["hoeveelheid_hoog"]), "hoeveelheid_laag",
            "hoeveelheid_laag is groter dan hoeveelheid_hoog")
        add(both & is_set(df["hoeveelheid"]) & ((df["hoeveelheid"] < df["hoeveelheid_laag"])
                                                 | (df["hoeveelheid"] > df["hoeveelheid_hoog"])),
            "hoeveelheid", "hoeveelheid ligt buiten hoeveelheid_laag–hoeveelheid_hoog")
        estimated = priced & ~is_set(df["hoeveelheid"]) & is_set(df["indicator"])
        add(estimated & (df["deadweight"].fillna(0) != 0), "deadweight",
            "een geschatte hoeveelheid (verschil-in-verschillen met vergelijkingswijken) is al "
            "netto: wat zonder de taak was gebeurd zit er al uit; laat deadweight leeg of 0")
        add(estimated & ~is_set(df["richting"]) & ~df["indicator"].isin(
            list(INDICATOR_DIRECTIONS)), "richting",
            "geef richting op (hoger of lager): van deze indicator is niet bekend welke kant "
            "verbetering is")
        add(priced & has_value & has_ref, "waarde_per_eenheid",
            "vul kengetal óf waarde_per_eenheid in, niet allebei")
        add(priced & ~has_value & ~has_ref, "kengetal",
            "kengetal of waarde_per_eenheid ontbreekt (of zet pm op ja)")
        same = is_set(df["overdracht_van"]) & (
            df["overdracht_van"].str.casefold() == df["actor"].str.casefold()
        )
        add(same, "overdracht_van", "overdracht_van is dezelfde actor als actor")
        add(is_set(df["overdracht_van"]) & is_set(df["optimisme"]), "optimisme",
            "een overdracht (overdracht_van) is een afspraak tussen actoren en krijgt geen "
            "correctie voor optimisme, aan geen van beide kanten; laat optimisme leeg")
    elif table == "kengetallen":
        add(df["waarde"] < 0, "waarde",
            "een kengetal is een waarde per eenheid en kan niet negatief zijn; een nadelig "
            "effect boekt u met een negatieve hoeveelheid in effecten")
        add(is_set(df["laag"]) & (df["laag"] < 0), "laag",
            "laag kan niet negatief zijn (een waarde per eenheid is 0 of meer)")
        add(is_set(df["laag"]) & is_set(df["hoog"]) & (df["laag"] > df["hoog"]), "laag",
            "laag is groter dan hoog")
        add(is_set(df["laag"]) & (df["laag"] > df["waarde"]), "laag", "laag is groter dan waarde")
        add(is_set(df["hoog"]) & (df["hoog"] < df["waarde"]), "hoog", "hoog is kleiner dan waarde")
    elif table == "doelen":
        add(df["streefjaar"] <= df["basisjaar"], "streefjaar", "streefjaar ligt niet na basisjaar")
    elif table == "bandbreedtes":
        dup = df.assign(_v=df["variant"].fillna("")).duplicated(["parameter", "_v"])
        add(dup, "parameter", "deze aanname heeft al een bandbreedte op een eerdere regel "
            "(zelfde parameter en variant)")
        add(df["laag"] > df["hoog"], "laag", "laag is groter dan hoog")
        w = df["waarde"]
        add(w.notna() & ((w < df["laag"]) | (w > df["hoog"])), "waarde",
            "waarde ligt buiten laag–hoog")
    elif table == "correlaties":
        add((df["rho"] < -1) | (df["rho"] > 1), "rho", "rho moet tussen −1 en 1 liggen")
        add(df["parameter_a"] == df["parameter_b"], "parameter_b",
            "een aanname kan niet met zichzelf correleren")
    elif table == "metingen":
        dup = df.duplicated(["wijk_code", "indicator", "jaar"], keep="first")
        add(dup, "jaar", "dubbele meting (zelfde wijk_code, indicator en jaar)")
    elif table in ("financiering", "partners"):
        problems += _check_process_rows(table, df, files)
    elif table == CASE_TABLE and len(df) > 1:
        for row in df["_row"].iloc[1:]:
            problems.append(problem(files, table, row, None,
                                     "de tabel casus heeft één regel (de instellingen van de "
                                     "hele casus)"))
    return problems


def _check_process_rows(table: str, df: pd.DataFrame, files: dict[str, str]) -> list[Problem]:
    """Row rules of the process tables and of buurtbudget rows (issue 14)."""
    problems: list[Problem] = []

    def add(mask, column, message):
        for row in df.loc[mask, "_row"]:
            problems.append(problem(files, table, row, column, message))

    if table == "financiering":
        add((df["bedrag"] < 0) & (df["soort"] != BUURTBUDGET), "bedrag",
            "financiering telt wat er binnenkomt en kan niet negatief zijn; een aflossing of "
            "terugbetaling is een kostenpost (kosten) van wie betaalt")
        if "besteed" in df:
            add(is_set(df["besteed"]) & (df["soort"] != BUURTBUDGET), "besteed",
                "besteed hoort alleen bij soort buurtbudget")
            add((df["soort"] == BUURTBUDGET) & (df["bedrag"] < 0), "bedrag",
                "een buurtbudget kan niet negatief zijn (uitgaven staan in besteed)")
    elif table == "partners":
        add(is_set(df["jaar_tot"]) & (df["jaar_tot"] < df["jaar_van"]), "jaar_tot",
            "jaar_tot ligt vóór jaar_van")
        end = df["jaar_tot"].astype("Float64").fillna(float(YEAR_MAX))
        for (_task, partner), g in df.assign(_end=end).groupby(["taak_id", "partner"],
                                                               sort=False):
            g = g.sort_values("jaar_van", kind="stable")
            previous_end = None
            for row, start, stop in g[["_row", "jaar_van", "_end"]].itertuples(index=False):
                if previous_end is not None and start <= previous_end:
                    problems.append(problem(
                        files, table, row, "jaar_van",
                        f"'{partner}' doet in {int(start)} al mee volgens een andere regel "
                        "(periodes van één partner mogen niet overlappen)"))
                previous_end = stop if previous_end is None else max(previous_end, stop)
    return problems
