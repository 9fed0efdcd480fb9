"""Check (run by hand): the JSON of an older mkba equals today's apart from the key renames.

Issue 13 renamed the Dutch keys of the JSON to English ones (README, "Hernoemde sleutels").
This script takes the old text, renames its keys by that table, and compares the result with
the new text: the same keys in the same order and the same values (strict: ``1`` and ``1.0``
differ). Nothing else may have changed, in particular no figure.

    git stash; mkba evaluate data/voorbeeld --format json --monte-carlo 500 --seed 1 > old.json
    git stash pop; mkba evaluate data/voorbeeld --format json --monte-carlo 500 --seed 1 > new.json
    .venv/bin/python benchmarks/compare_json.py old.json new.json

Exit code 0 when equal; otherwise the first paths that differ.
"""

from __future__ import annotations

import json
import sys

#: old key → new key, wherever the old key is a key of the JSON (not a value from the input)
RENAMES = {
    "naam": "name", "per_bron": "by_source", "per_soort": "by_kind", "bron": "source",
    "soort": "kind", "r_kosten": "rate_costs", "r_baten": "rate_benefits",
    "toelichting": "explanation", "jaar": "year", "ontvangen": "received", "besteed": "spent",
    "gespaard": "saved", "taken": "task_ids", "actief": "active", "nieuw": "joined",
    "vertrokken": "left", "nieuw_namen": "joined_names", "vertrokken_namen": "left_names",
    "omschrijving": "description", "groep": "group", "vraag": "question",
    # batch.json and the report headline
    "inwoners": "inhabitants", "taak": "task_id",
}
#: dicts whose keys are values from the input: their keys are left as they are
INPUT_KEYED = {"per_bron", "per_soort", "criteria_by_kind", "by_role"}
#: partner roles (input values of partners.rol) moved from a coalition record to its by_role
ROLES = ("opdrachtgever", "facilitator", "partner", "uitvoerder", "financier")


def renamed(value, parent: str | None = None, headline: bool = False):
    """``value`` (old JSON) with the keys renamed as today's mkba writes them."""
    if isinstance(value, list):
        return [renamed(v, parent, headline) for v in value]
    if not isinstance(value, dict):
        return value
    if parent in INPUT_KEYED:
        return {k: renamed(v) for k, v in value.items()}
    out = {}
    for k, v in value.items():
        new = RENAMES.get(k, k)
        if k == "taken" and (headline or parent is None or isinstance(v, list)
                             and v and isinstance(v[0], dict)):
            new = "tasks"  # a headline's tasks (records), not the buurtbudget's task ids
        out[new] = renamed(v, k, headline or k in ("wijken",))
    if "active" in out and "joined" in out:  # a coalition record
        by_role = {r: out.pop(r) for r in ROLES if r in out}
        rest = {k: v for k, v in out.items() if k not in ("year", "active")}
        out = {"year": out["year"], "active": out["active"], "by_role": by_role, **rest}
    return out


def differences(a, b, path: str = "") -> list[str]:
    """Where ``a`` and ``b`` differ (keys, their order, values and their types)."""
    if type(a) is not type(b):
        return [f"{path}: {type(a).__name__} {a!r} ≠ {type(b).__name__} {b!r}"]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{path}: keys {list(a)} ≠ {list(b)}"]
        return [d for k in a for d in differences(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} ≠ {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b or (a != a and b != b) else [f"{path}: {a!r} ≠ {b!r}"]


def main(argv: list[str]) -> int:
    old_path, new_path = argv
    with open(old_path, encoding="utf-8") as f:
        old = json.load(f)
    with open(new_path, encoding="utf-8") as f:
        new = json.load(f)
    diff = differences(renamed(old), new)
    for d in diff[:20]:
        print(d)
    print(f"{len(diff)} verschil(len)" if diff else "gelijk, op de hernoemde sleutels na")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
