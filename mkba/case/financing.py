"""Financing and the actor accounts: does every contribution have a counterpart?

The table ``financiering`` says who brought in the money; the MKBA's actor accounts come from
``kosten`` and ``effecten``. A subsidy that appears only in ``financiering`` makes the
funder's balance look better than it is (the money it gave is nowhere booked). This module
finds such contributions so that ``validate`` and every output can warn about them.

Rule (amounts as entered, in their own price level; no CPI, so it also works for future
years): for every task, funder (``bron``) and year, the contributions (subsidie, gift,
crowdfunding, sponsoring, in natura) must be matched by what that funder bears in the case
in that year: its own cost lines plus transfers from it (effect lines with
``overdracht_van`` = the funder, valued as the MKBA values them). Lines of a named variant
count for that variant; the best-matching variant is taken. Loans, guarantees and own
revenue are not contributions and are not checked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.base.errors import Problem

__all__ = ["CONTRIBUTIONS", "unmatched_financing"]

#: Financing that is money (or goods) contributed by its source.
CONTRIBUTIONS = ("subsidie", "gift", "crowdfunding", "sponsoring", "in_natura")
#: Tolerance: booked may fall short of financed by this share (rounding in the input).
TOLERANCE = 0.005


def _booked(tables: dict) -> pd.DataFrame:
    """Per task, funder (case-folded), year and variant ('' for shared lines): what the
    funder bears in the case, in the amounts as entered."""
    k = tables["kosten"]
    ken = tables["kengetallen"].set_index("code")["waarde"] if len(tables["kengetallen"]) \
        else pd.Series(dtype=float)
    cost_value = k["bedrag"].astype(float).where(
        k["bedrag"].notna(), k["hoeveelheid"].astype(float) * k["kengetal"].map(ken))
    parts = [pd.DataFrame({"taak_id": k["taak_id"], "bron": k["actor"].str.casefold(),
                           "jaar": k["jaar"].astype(int), "variant": k["variant"].fillna(""),
                           "bedrag": cost_value.fillna(0.0)})]
    e = tables["effecten"]
    e = e[e["overdracht_van"].notna() & ~e["pm"].fillna(False).astype(bool)]
    if len(e):
        unit = e["waarde_per_eenheid"].astype(float).where(e["waarde_per_eenheid"].notna(),
                                                           e["kengetal"].map(ken))
        frac = np.ones(len(e))
        for c in ("deadweight", "attributie", "verdringing"):
            frac = frac * (1 - e[c].astype(float).fillna(0.0).to_numpy())
        first = (e["hoeveelheid"].astype(float) * unit).fillna(0.0).to_numpy() * frac
        n = (e["jaar_tot"] - e["jaar_van"] + 1).to_numpy(dtype=int)
        idx = np.repeat(np.arange(len(e)), n)
        offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        keep = 1 - e["afname"].astype(float).fillna(0.0).to_numpy()
        parts.append(pd.DataFrame({
            "taak_id": e["taak_id"].to_numpy()[idx],
            "bron": e["overdracht_van"].str.casefold().to_numpy()[idx],
            "jaar": e["jaar_van"].to_numpy(dtype=int)[idx] + offset,
            "variant": e["variant"].fillna("").to_numpy()[idx],
            "bedrag": first[idx] * keep[idx] ** offset}))
    booked = pd.concat(parts, ignore_index=True)
    return booked.groupby(["taak_id", "bron", "jaar", "variant"], as_index=False)["bedrag"].sum()


def unmatched_financing(tables: dict, files: dict) -> list[Problem]:
    """One warning per task and funder whose contributions lack a counterpart in kosten or
    effecten (see the module docstring), naming the financing rows.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> unmatched_financing(case.tables, case.files)
    []
    """
    f = tables.get("financiering")
    if f is None or f.empty:
        return []
    f = f[f["soort"].isin(CONTRIBUTIONS)]
    if f.empty:
        return []
    booked = _booked(tables)
    shared = booked[booked["variant"] == ""].set_index(["taak_id", "bron", "jaar"])["bedrag"]
    named = booked[booked["variant"] != ""]
    from mkba.base.formatting import fmt_eur

    file = files.get("financiering", "financiering.csv")
    problems = []
    f = f.assign(key=f["bron"].str.casefold())
    for (task, key), group in f.groupby(["taak_id", "key"], sort=False):
        short_rows, short_years, financed_total, booked_total = [], [], 0.0, 0.0
        for jaar, g in group.groupby("jaar"):
            financed = float(g["bedrag"].sum())
            base = float(shared.get((task, key, jaar), 0.0))
            extra = named[(named["taak_id"] == task) & (named["bron"] == key)
                          & (named["jaar"] == jaar)]["bedrag"]
            have = base + (float(extra.max()) if len(extra) else 0.0)
            if have < financed * (1 - TOLERANCE) - 1:
                short_rows += [int(r) for r in g["_row"]]
                short_years.append(int(jaar))
                financed_total += financed
                booked_total += max(have, 0.0)
        if not short_rows:
            continue
        bron = group["bron"].iloc[0]
        years = (f"{short_years[0]}" if len(short_years) == 1 else
                 f"{short_years[0]}–{short_years[-1]}")
        more = "" if len(short_rows) == 1 else " (rijen " + ", ".join(map(str, short_rows)) + ")"
        problems.append(Problem(file, short_rows[0], "bedrag", (
            f"bijdrage van '{bron}' aan taak {task} in {years} ({fmt_eur(financed_total)}) "
            f"heeft geen tegenboeking in kosten of effecten (wel geboekt: "
            f"{fmt_eur(booked_total)}){more}; boek een subsidie of gift als overdracht (een "
            f"effectregel met overdracht_van = '{bron}' en als actor de ontvanger, bijv. de "
            f"trekker), anders lijkt het saldo van '{bron}' beter dan het is")))
    return problems
