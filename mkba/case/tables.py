"""The :class:`Case`: a validated case, one typed DataFrame per input table (read by
:func:`mkba.case.read.read_case`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from mkba.base.errors import Problem
from mkba.case.schema import CASE_TABLE, DEFAULT_VARIANT

__all__ = ["Case"]


@dataclass(frozen=True)
class Case:
    """A validated case: one typed DataFrame per input table.

    Every table has the columns of :data:`mkba.case.schema.TABLES` (absent optional columns are
    all-missing) and ``_row``, the row number in its source file. ``files`` maps each table
    to the name shown in messages; ``warnings`` lists what was accepted but deserves a look.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        One typed DataFrame per input table, by name.
    source : str
        The folder or workbook the case was read from.
    files : mapping of str to str
        Table name to the file (or sheet) name shown in messages.
    warnings : tuple of Problem, default ()
        What was accepted but deserves a look.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> case.files["kosten"], case.tables["taken"]["taak_id"].tolist()
    ('kosten.csv', ['T1', 'T2', 'T3', 'T4'])
    """

    tables: Mapping[str, pd.DataFrame]
    source: str
    files: Mapping[str, str]
    warnings: tuple[Problem, ...] = field(default=())

    def _table(self, name: str) -> pd.DataFrame:
        try:
            return self.tables[name]
        except KeyError:
            raise AttributeError(f"de casus heeft geen tabel '{name}'") from None

    @property
    def taken(self) -> pd.DataFrame:
        """Table ``taken``: one row per transferred task."""
        return self._table("taken")

    @property
    def kosten(self) -> pd.DataFrame:
        """Table ``kosten``: cost lines per year."""
        return self._table("kosten")

    @property
    def effecten(self) -> pd.DataFrame:
        """Table ``effecten``: effect lines."""
        return self._table("effecten")

    @property
    def kengetallen(self) -> pd.DataFrame:
        """Table ``kengetallen``: unit values (shadow prices) with source."""
        return self._table("kengetallen")

    @property
    def financiering(self) -> pd.DataFrame:
        """Table ``financiering``: who paid how much."""
        return self._table("financiering")

    @property
    def metingen(self) -> pd.DataFrame:
        """Table ``metingen``: own measurements per wijk and year."""
        return self._table("metingen")

    @property
    def doelen(self) -> pd.DataFrame:
        """Table ``doelen``: targets per task and indicator."""
        return self._table("doelen")

    @property
    def bandbreedtes(self) -> pd.DataFrame:
        """Table ``bandbreedtes``: ranges of inputs."""
        return self._table("bandbreedtes")

    @property
    def correlaties(self) -> pd.DataFrame:
        """Table ``correlaties``: correlations between ranged inputs."""
        return self._table("correlaties")

    @property
    def criteria(self) -> pd.DataFrame:
        """Table ``criteria``: success criteria agreed beforehand."""
        return self._table("criteria")

    @property
    def partners(self) -> pd.DataFrame:
        """Table ``partners``: the coalition, per partner and period."""
        return self._table("partners")

    @property
    def enquete(self) -> pd.DataFrame:
        """Table ``enquete``: survey answers, counted."""
        return self._table("enquete")

    @property
    def enquete_turflijst(self) -> pd.DataFrame:
        """Table ``enquete_turflijst``: the survey as a tally sheet."""
        return self._table("enquete_turflijst")

    @property
    def casus(self) -> pd.DataFrame:
        """Table ``casus``: the case-level settings (one row: peiljaar, prijsjaar)."""
        return self._table(CASE_TABLE)

    def case_settings(self) -> dict:
        """The case's own ``peiljaar`` and ``prijsjaar`` (table ``casus``); ``None`` for what
        it does not state.

        Examples
        --------
        >>> from mkba import read_case
        >>> from mkba.base.assumptions import DATA_DIR
        >>> read_case(DATA_DIR / "voorbeeld").case_settings()
        {'peiljaar': 2026, 'prijsjaar': 2024}
        """
        t = self.tables.get(CASE_TABLE)
        out = {"peiljaar": None, "prijsjaar": None}
        if t is None or t.empty:
            return out
        for name in out:
            value = t[name].iloc[0]
            out[name] = None if pd.isna(value) else int(value)
        return out

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {len(v)}" for k, v in self.tables.items() if len(v))
        return f"<Case {self.source}: {counts}>"

    def with_table(self, name: str, df: pd.DataFrame) -> Case:
        """A copy of the case with one (already typed) table replaced."""
        tables = dict(self.tables)
        tables[name] = df
        return Case(tables, self.source, self.files, self.warnings)

    def task_variants(self) -> pd.DataFrame:
        """Every (taak_id, variant) pair to evaluate.

        A task whose kosten and effecten lines name no variant has one variant, ``project``.
        A line with an empty variant belongs to every variant of its task.
        """
        named = pd.concat(
            [self.kosten[["taak_id", "variant"]], self.effecten[["taak_id", "variant"]]]
        ).dropna()
        pairs = named.drop_duplicates().sort_values(["taak_id", "variant"])
        without = self.taken.loc[~self.taken["taak_id"].isin(pairs["taak_id"]), ["taak_id"]]
        without = without.assign(variant=DEFAULT_VARIANT)
        out = pd.concat([pairs, without], ignore_index=True)
        order = {t: i for i, t in enumerate(self.taken["taak_id"])}
        return out.sort_values(["taak_id", "variant"], key=lambda s: s.map(order)
                               if s.name == "taak_id" else s).reset_index(drop=True)
