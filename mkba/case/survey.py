"""The survey as one tidy table: the ``enquete`` rows plus the ``enquete_turflijst`` (tally
sheet) rows unfolded."""

from __future__ import annotations

import pandas as pd

from mkba.case.schema import SURVEY_ANSWERS, TALLY_TABLE

__all__ = ["survey_answers"]


def survey_answers(tables) -> pd.DataFrame:
    """The survey as one tidy table: the ``enquete`` rows plus the ``enquete_turflijst`` rows
    unfolded (one row per filled-in answer cell; an empty cell means nobody gave that answer
    and adds nothing), with ``_source`` (table name), ``_row`` and ``_column`` for messages.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The parsed tables ``enquete`` and ``enquete_turflijst``.

    Returns
    -------
    pandas.DataFrame
        One row per answer.

    Examples
    --------
    >>> import pandas as pd
    >>> tally = pd.DataFrame({"_row": [2], "taak_id": ["T1"], "jaar": [2023],
    ...                       "groep": ["bewoners"], "vraag": ["tevreden"], "1": [None],
    ...                       "2": [1], "3": [None], "4": [7], "5": [2], "ja": [None],
    ...                       "nee": [None]})
    >>> empty = pd.DataFrame(columns=["_row", "taak_id", "jaar", "groep", "vraag", "antwoord",
    ...                               "aantal"])
    >>> out = survey_answers({"enquete": empty, TALLY_TABLE: tally})
    >>> out[["antwoord", "aantal"]].values.tolist()
    [['2', 1], ['4', 7], ['5', 2]]
    """
    keys = ["taak_id", "jaar", "groep", "vraag"]
    e = tables["enquete"]
    tidy = e.assign(_source="enquete", _column="antwoord")[
        ["_source", "_row", "_column", *keys, "antwoord", "aantal"]]
    tally = tables.get(TALLY_TABLE)
    if tally is None or tally.empty:
        return tidy.reset_index(drop=True)
    long = tally.melt(id_vars=["_row", *keys], value_vars=list(SURVEY_ANSWERS),
                      var_name="antwoord", value_name="aantal").dropna(subset=["aantal"])
    long = long.assign(_source=TALLY_TABLE, _column=long["antwoord"])
    long = long.sort_values(["_row", "antwoord"], key=lambda c: c.map(
        {a: i for i, a in enumerate(SURVEY_ANSWERS)}) if c.name == "antwoord" else c)
    long["aantal"] = long["aantal"].astype("Int64")
    out = pd.concat([tidy, long[tidy.columns]], ignore_index=True)
    out["jaar"] = out["jaar"].astype("Int64")
    out["aantal"] = out["aantal"].astype("Int64")
    return out
