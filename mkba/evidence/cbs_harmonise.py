"""Harmonise a CBS "Kerncijfers wijken en buurten" table to the tidy long format of
:mod:`mkba.evidence.cbs`, whatever the year's keys.

Keys are renumbered every year (``AantalInwoners_5``; ``GemiddeldInkomenPerInwoner_72`` in 2019
is ``_83`` in 2024): every key is harmonised to its *stem* (the key without ``_NN``), with the
Dutch title and unit from the table's own DataProperties. A stem that occurs twice in one
table (``Appartement`` for kWh and for m³) is qualified with its topic group, never silently
merged.

What comes from the network is checked here before it becomes a figure: every region code in
full (:mod:`mkba.base.regions`), every value a finite number with |x| ≤ 10^12 (as case input,
:data:`mkba.base.assumptions.MAX_AMOUNT`) or missing — a text, ``1e308`` or ``NaN`` in a numeric
column stops the year (:class:`mkba.base.errors.FetchError`), it is never turned into a number
or dropped. The network itself is :mod:`mkba.sources`.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from mkba.base.assumptions import MAX_AMOUNT
from mkba.base.errors import FetchError
from mkba.base.regions import region_problem
from mkba.evidence.cbs import FETCHED_COLUMNS, cbs_numbers, gemeente_codes, key_stem, region_types

__all__ = ["topic_stems", "harmonise", "check_values", "META_STEMS", "INDELING_STEMS",
           "QUALITY", "GEO_TYPES"]

QUALITY = "cbs_api"
#: DataProperties types of the region dimension.
GEO_TYPES = ("GeoDetail", "GeoDimension")
#: Topics that describe the region, not a figure.
META_STEMS = {"ID", "WijkenEnBuurten", "Gemeentenaam", "SoortRegio", "Codering",
              "IndelingswijzigingWijkenEnBuurten", "IndelingswijzigingGemeenteWijkBuurt",
              "MeestVoorkomendePostcode", "Dekkingspercentage"}
#: The stems of CBS's indeling flag (1 unchanged, 2 code changed, 3 boundary changed, against
#: the previous calendar year).
INDELING_STEMS = ("IndelingswijzigingWijkenEnBuurten", "IndelingswijzigingGemeenteWijkBuurt")
_MISSING = {None, ".", ""}


def check_values(rows: list[dict], keys, table_id: str, geo_key: str) -> None:
    """Refuse any cell of a numeric ``keys`` column that is neither missing (``null``, ``"."``)
    nor a finite number with |x| ≤ 10^12.

    Parameters
    ----------
    rows : list of dict
        The rows CBS returned.
    keys : iterable of str
        The numeric columns.
    table_id : str
        The CBS table, for the message.
    geo_key : str
        The key of the region dimension, for the message.

    Examples
    --------
    >>> check_values([{"W": "WK011401", "A_5": 10}], ["A_5"], "85984NED", "W")
    >>> check_values([{"W": "WK011401", "A_5": 1e308}], ["A_5"], "85984NED", "W")
    Traceback (most recent call last):
    ...
    mkba.base.errors.FetchError: cbs ophalen: tabel 85984NED, WK011401, A_5: 1e+308 ligt buiten
    ±10^12; niets geschreven
    """
    for row in rows:
        for key in keys:
            if key not in row:
                continue
            value = row[key]
            if isinstance(value, str) and value.strip() in _MISSING:
                continue
            if value is None:
                continue
            where = f"tabel {table_id}, {str(row.get(geo_key, '?')).strip()[:12]}, {key}"
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise FetchError(f"{where}: {str(value)[:40]!r} is geen getal; niets geschreven")
            if not math.isfinite(value) or abs(value) > MAX_AMOUNT:
                raise FetchError(f"{where}: {value:g} ligt buiten ±10^12; niets geschreven")


def _slug(text: str) -> str:
    words = re.findall(r"[0-9A-Za-zÀ-ÿ]+", str(text))
    return "".join(w[:1].upper() + w[1:] for w in words)


def topic_stems(props: list[dict]) -> dict[str, tuple[str, str, str]]:
    """Key → (stem, Dutch label, unit) for every figure (numeric topic) of a table.

    A stem that occurs more than once in the table is qualified with the titles of its topic
    groups, nearest first, as many as it takes to tell them apart
    (``Appartement__GemiddeldeElektriciteitslevering_NaarWoningtype``); when the table does
    not say its groups, the full key is kept: different figures are never merged.

    Parameters
    ----------
    props : list of dict
        The table's DataProperties.

    Returns
    -------
    dict of str to (str, str, str)
        Key to (stem, label, unit).

    Examples
    --------
    >>> topic_stems([{"Key": "WijkenEnBuurten", "Type": "GeoDetail"},
    ...              {"Key": "AantalInwoners_5", "Type": "Topic", "Title": "Aantal inwoners",
    ...               "Unit": "aantal", "Datatype": "Long"}])
    {'AantalInwoners_5': ('AantalInwoners', 'Aantal inwoners', 'aantal')}
    """
    by_id = {p.get("ID"): p for p in props}
    topics = [p for p in props if p.get("Type") == "Topic"
              and str(p.get("Datatype", "")).lower() != "string"
              and key_stem(p["Key"]) not in META_STEMS]

    def groups(p) -> list[str]:
        out, seen = [], set()
        parent = by_id.get(p.get("ParentID"))
        while parent is not None and parent.get("ID") not in seen:
            seen.add(parent.get("ID"))
            if parent.get("Title"):
                out.append(str(parent["Title"]).strip())
            parent = by_id.get(parent.get("ParentID"))
        return out

    same: dict[str, list[dict]] = {}
    for p in topics:
        same.setdefault(key_stem(p["Key"]), []).append(p)
    out = {}
    for stem, group in same.items():
        names = {p["Key"]: (stem, "") for p in group}
        if len(group) > 1:
            chains = {p["Key"]: groups(p) for p in group}
            depth = max(len(c) for c in chains.values())
            names = {p["Key"]: (p["Key"], "") for p in group}
            for k in range(1, depth + 1):
                tried = {key: tuple(reversed(c[:k])) for key, c in chains.items()}
                if len(set(tried.values())) == len(group) and all(tried.values()):
                    names = {key: (f"{stem}__{'_'.join(_slug(t) for t in titles)}",
                                   ", ".join(titles)) for key, titles in tried.items()}
                    break
        for p in group:
            qualified, where = names[p["Key"]]
            label = str(p.get("Title") or stem).replace("\u00a0", " ").strip()
            if where:
                label = f"{label} ({where})"
            unit = p.get("Unit")
            out[p["Key"]] = (qualified, label, unit.strip() if isinstance(unit, str) else None)
    return out


def harmonise(rows: list[dict], props: list[dict], names: dict[str, str], *, year: int,
              table_id: str, query: str = "", downloaded_at: str = "") -> pd.DataFrame:
    """TypedDataSet rows + DataProperties → the tidy long table (:data:`FETCHED_COLUMNS`).

    ``null`` and ``"."`` are missing (NaN), never 0.

    Parameters
    ----------
    rows : list of dict
        TypedDataSet rows.
    props : list of dict
        The table's DataProperties.
    names : dict of str to str
        Region code to name.
    year : int
        The table's reference year.
    table_id : str
        The CBS table.
    query : str, optional
        The URL of the rows, for the provenance column.
    downloaded_at : str, optional
        When they were fetched (ISO 8601).

    Returns
    -------
    pandas.DataFrame
        One row per region and figure.

    Examples
    --------
    >>> props = [{"Key": "WijkenEnBuurten", "Type": "GeoDetail"},
    ...          {"Key": "AantalInwoners_5", "Type": "Topic", "Title": "Aantal inwoners",
    ...           "Unit": "aantal", "Datatype": "Long"}]
    >>> rows = [{"WijkenEnBuurten": "WK011401  ", "AantalInwoners_5": 5120},
    ...         {"WijkenEnBuurten": "WK011402  ", "AantalInwoners_5": None}]
    >>> h = harmonise(rows, props, {"WK011401": "Centrum"}, year=2024, table_id="85984NED")
    >>> h[["region_code", "indicator", "value"]].to_dict("records")
    [{'region_code': 'WK011401', 'indicator': 'AantalInwoners', 'value': 5120.0},
     {'region_code': 'WK011402', 'indicator': 'AantalInwoners', 'value': nan}]
    """
    geo_key = next((p["Key"] for p in props if p.get("Type") in GEO_TYPES), "WijkenEnBuurten")
    stems = topic_stems(props)
    if not rows:
        return pd.DataFrame(columns=FETCHED_COLUMNS)
    wide = pd.DataFrame(rows)
    if geo_key not in wide:
        raise FetchError(f"tabel {table_id}: de rijen missen de kolom {geo_key}")
    codes = wide[geo_key].astype(str).str.strip()
    for code in codes:
        problem = region_problem(code)
        if problem:
            raise FetchError(f"tabel {table_id}: {problem}; niets geschreven")
    check_values(rows, list(stems), table_id, geo_key)
    indeling_col = next((k for k in wide.columns if key_stem(k) in INDELING_STEMS), None)
    indeling = (wide[indeling_col].astype(str).str.strip().where(wide[indeling_col].notna())
                if indeling_col else pd.Series(pd.NA, index=wide.index))
    indeling = indeling.where(~indeling.isin([".", "", "None", "nan"]))
    parts = []
    for key, (stem, label, unit) in stems.items():
        if key not in wide:
            continue
        parts.append(pd.DataFrame({
            "region_code": codes, "indicator": stem, "value": cbs_numbers(wide[key]),
            "unit": unit, "label": label, "original_key": key,
            "indelingswijziging": indeling}))
    long = pd.concat(parts, ignore_index=True)
    long["region_type"] = region_types(long["region_code"])
    long["gemeente_code"] = gemeente_codes(long["region_code"])
    long["region_name"] = long["region_code"].map(names or {})
    long["year"] = int(year)
    long["quality"] = QUALITY
    long["cbs_table"] = table_id
    long["downloaded_at"] = downloaded_at
    long["query"] = query
    long["source_file"] = f"CBS {table_id} (API)"
    return long[FETCHED_COLUMNS]
