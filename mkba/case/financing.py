"""Financing and the actor accounts: does every contribution and every own revenue have a
counterpart?

The table ``financiering`` says who brought in the money; the MKBA's actor accounts come from
``kosten`` and ``effecten``. A subsidy that appears only in ``financiering`` makes the
funder's balance look better than it is (the money it gave is nowhere booked); own revenue
(rent, bar, fees) that appears only there makes the operator's balance look worse than it is
and leaves the users' willingness to pay out of the benefits. This module finds both, so that
``validate`` and every output can warn about them.

Rule (amounts as entered, in their own price level; no CPI, so it also works for future
years), per task, variant, funder (``bron``) and year:

- every **contribution** (subsidie, gift, crowdfunding, sponsoring, in natura) is matched on
  its own, never against the funder's year total: by a transfer from the funder to one
  recipient (an effect line with ``overdracht_van`` = the funder; a recipient's transfers of
  a year can carry several contributions), or by a cost line of the funder of the same
  amount (the funder pays that cost itself, as a municipality that pays a renovation);
  contributions left over may together equal the funder's remaining cost lines. So a
  subsidy of 30.000 is not "covered" by 50.000 of the municipality's own hours.
- **own revenue** (eigen_inkomsten, ``bron`` = who pays: users, customers) is matched by
  transfers from those payers to a recipient (the operator) only.
- a row with a ``variant`` is matched in that variant; a row without one in every variant of
  its task (the warning names the variant where it is missing).

Loans, guarantees and buurtbudget are not checked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.base.errors import Problem
from mkba.base.formatting import fmt_eur
from mkba.case.schema import DEFAULT_VARIANT

__all__ = ["CONTRIBUTIONS", "OWN_REVENUE", "unmatched_financing", "booked_lines"]

#: Financing that is money (or goods) contributed by its source.
CONTRIBUTIONS = ("subsidie", "gift", "crowdfunding", "sponsoring", "in_natura")
#: Financing the operator earns from users (rent, bar, fees): paid by ``bron``.
OWN_REVENUE = "eigen_inkomsten"
#: Tolerance: booked may fall short of financed by this share (rounding in the input).
TOLERANCE = 0.005


def booked_lines(tables: dict) -> pd.DataFrame:
    """What every actor bears in the case per line and year, in the amounts as entered:
    ``taak_id | bron | jaar | variant | kind | recipient | bedrag`` with ``bron`` case-folded,
    ``variant`` '' for a line without one, ``kind`` 'kosten' (a cost line of ``bron``) or
    'overdracht' (a transfer from ``bron`` to ``recipient``).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The parsed tables of a case (``Case.tables``).

    Returns
    -------
    pandas.DataFrame
        One row per line, actor and year.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> lines = booked_lines(read_case(DATA_DIR / "voorbeeld").tables)
    >>> lines.columns.tolist()
    ['taak_id', 'bron', 'jaar', 'variant', 'kind', 'recipient', 'bedrag']
    >>> sorted(lines["kind"].unique())
    ['kosten', 'overdracht']
    """
    k = tables["kosten"]
    ken = tables["kengetallen"].set_index("code")["waarde"] if len(tables["kengetallen"]) \
        else pd.Series(dtype=float)
    cost_value = k["bedrag"].astype(float).where(
        k["bedrag"].notna(), k["hoeveelheid"].astype(float) * k["kengetal"].map(ken))
    parts = [pd.DataFrame({"taak_id": k["taak_id"].to_numpy(),
                           "bron": k["actor"].str.casefold().to_numpy(),
                           "jaar": k["jaar"].to_numpy(dtype=int),
                           "variant": k["variant"].fillna("").to_numpy(),
                           "kind": "kosten", "recipient": "",
                           "bedrag": cost_value.fillna(0.0).to_numpy()})]
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
            "kind": "overdracht",
            "recipient": e["actor"].str.casefold().to_numpy()[idx],
            "bedrag": first[idx] * keep[idx] ** offset}))
    return pd.concat(parts, ignore_index=True)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= max(1.0, TOLERANCE * max(abs(a), abs(b)))


def _unmatched(amounts: list[float], lines: pd.DataFrame, own_revenue: bool) -> list[int]:
    """Positions in ``amounts`` that no line of ``lines`` (one funder, year and variant)
    carries (see the module docstring)."""
    capacity = (lines[lines["kind"] == "overdracht"].groupby("recipient")["bedrag"].sum()
                .to_dict())
    costs = [] if own_revenue else lines.loc[lines["kind"] == "kosten", "bedrag"].tolist()
    left = []
    for i in sorted(range(len(amounts)), key=lambda j: -amounts[j]):
        a = amounts[i]
        fits = [r for r, c in capacity.items() if c >= a * (1 - TOLERANCE) - 1]
        if fits:
            best = min(fits, key=lambda r: capacity[r])
            capacity[best] -= a
            continue
        same = next((j for j, c in enumerate(costs) if _close(c, a)), None)
        if same is not None:
            costs.pop(same)
            continue
        left.append(i)
    if left and costs and _close(sum(amounts[i] for i in left), sum(costs)):
        return []  # one contribution paying several cost posts of the funder
    return left


def unmatched_financing(tables: dict, files: dict) -> list[Problem]:
    """One warning per task, funder and kind (contribution or own revenue) whose rows lack a
    counterpart in kosten or effecten (see the module docstring), naming the rows.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The parsed tables of a case (``Case.tables``).
    files : dict of str to str
        Table name to the file name shown in messages (``Case.files``).

    Returns
    -------
    list of Problem
        The warnings, in Dutch; empty when every financing row has its counterpart.

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
    f = f[f["soort"].isin((*CONTRIBUTIONS, OWN_REVENUE)).to_numpy()]
    if f.empty:
        return []
    booked = booked_lines(tables)
    variants: dict[str, list[str]] = {}
    for task, v in zip(booked["taak_id"], booked["variant"], strict=True):
        if v:
            variants.setdefault(task, [])
            if v not in variants[task]:
                variants[task].append(v)
    file = files.get("financiering", "financiering.csv")
    f = f.assign(_key=f["bron"].str.casefold().to_numpy(),
                 _revenue=(f["soort"] == OWN_REVENUE).to_numpy(),
                 _variant=f["variant"].fillna("").to_numpy() if "variant" in f else "")
    by_task = dict(tuple(booked.groupby("taak_id", sort=False)))
    problems = []
    for (task, key, revenue), group in f.groupby(["taak_id", "_key", "_revenue"], sort=False):
        mine = by_task.get(task, booked.iloc[0:0])
        mine = mine[mine["bron"] == key]
        short: dict[int, set] = {}  # financing row → variants where it has no counterpart
        for (jaar, variant), g in group.groupby(["jaar", "_variant"], sort=False):
            for v in ([variant] if variant else variants.get(task, [DEFAULT_VARIANT])):
                lines = mine[(mine["jaar"] == jaar).to_numpy()
                             & mine["variant"].isin(["", v]).to_numpy()]
                rows = g["_row"].tolist()
                for i in _unmatched([float(x) for x in g["bedrag"]], lines, bool(revenue)):
                    short.setdefault(int(rows[i]), set()).add(v)
        if short:
            named = bool(group.loc[group["_row"].isin(list(short)), "_variant"].ne("").any())
            problems.append(_message(file, group, short, task, bool(revenue),
                                     len(variants.get(task, [])) > 1 or named, named))
    return problems


def _message(file, group, short: dict, task, revenue: bool, several: bool,
             named: bool = False) -> Problem:
    rows = sorted(short)
    g = group[group["_row"].isin(rows)]
    years = sorted({int(y) for y in g["jaar"]})
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
    bron = group["bron"].iloc[0]
    total = fmt_eur(float(g["bedrag"].sum()))
    more = "" if len(rows) == 1 else " (rijen " + ", ".join(map(str, rows)) + ")"
    missing = sorted(set().union(*short.values()))
    where = (" in variant " + " en ".join(f"'{v}'" for v in missing)
             + ("" if named else " (hoort de financiering bij één variant, vul dan de kolom "
                "variant in)") if several else "")
    if revenue:
        text = (f"eigen inkomsten van '{bron}' voor taak {task} in {span} ({total}) staan "
                f"niet in de rekening{where}{more}: boek ze als overdracht van wie betaalt aan "
                f"de exploitant (een effectregel met overdracht_van = '{bron}' en als actor de "
                "exploitant, bijv. de trekker) én de baat voor de gebruikers van minstens dat "
                "bedrag (hun betalingsbereidheid), of verlaag de vermeden kosten van het "
                "nulalternatief met de eigen inkomsten die de gemeente daar zou hebben; anders "
                "lijkt het saldo van de exploitant slechter dan het is")
    else:
        text = (f"bijdrage van '{bron}' aan taak {task} in {span} ({total}) heeft geen "
                f"tegenboeking in kosten of effecten{where}{more}: elke bijdrage moet een eigen "
                f"tegenboeking hebben (een kostenpost van '{bron}' van hetzelfde bedrag, of een "
                f"overdracht van '{bron}' aan de ontvanger); boek een subsidie of gift als "
                f"overdracht (een effectregel met overdracht_van = '{bron}' en als actor de "
                f"ontvanger, bijv. de trekker), anders lijkt het saldo van '{bron}' beter dan "
                "het is")
    return Problem(file, rows[0], "bedrag", text)
