"""Scenario files: a named set of chosen assumptions (from a session), applied to a case."""

from __future__ import annotations

import json
import stat
from dataclasses import dataclass
from pathlib import Path

from mkba.base.errors import CaseError, Problem
from mkba.base.files import atomic_write
from mkba.base.jsonout import dumps
from mkba.base.settings import Settings, check_scenario_value
from mkba.case.schema import parse_parameter
from mkba.case.tables import Case
from mkba.uncertainty.inputs import input_kind

__all__ = ["Scenario", "load_scenario", "apply_scenario", "MAX_SCENARIO_BYTES"]


@dataclass(frozen=True)
class Scenario:
    """A named set of chosen assumptions (from a session), applicable to a case.

    ``values`` maps parameter names (as in ``bandbreedtes``) to values; ``parameters`` holds
    ``discount_rate``, ``volunteer_valuation`` and ``market_value_code``.

    Parameters
    ----------
    name : str
        The scenario's name.
    values : dict
        Parameter name to value.
    parameters : dict
        Evaluation parameters (``discount_rate``, ``volunteer_valuation``, ...).
    description : str, optional
        What the scenario stands for, in Dutch.
    created : str, optional
        When it was made (ISO 8601).

    Examples
    --------
    >>> s = Scenario("voorzichtig", {"bijstand_jaar": 12000.0}, {"discount_rate": 0.03})
    >>> s.to_dict()["waarden"]
    {'bijstand_jaar': 12000.0}
    """

    name: str
    values: dict
    parameters: dict
    description: str = ""
    created: str = ""

    def to_dict(self) -> dict:
        return {"naam": self.name, "omschrijving": self.description, "gemaakt": self.created,
                "parameters": self.parameters, "waarden": self.values}

    def save(self, path) -> Path:
        path = Path(path)
        atomic_write(path, dumps(self.to_dict(), indent=2))
        return path


#: A scenario is a small JSON file; anything bigger is refused unread.
MAX_SCENARIO_BYTES = 1_000_000


def load_scenario(path) -> Scenario:
    """Read a scenario file (JSON), with Dutch messages for what is wrong.

    Parameters
    ----------
    path : str or pathlib.Path
        The JSON file (as :meth:`Scenario.save` writes it).

    Returns
    -------
    Scenario
        The scenario.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "voorzichtig.json"
    >>> _ = Scenario("voorzichtig", {"bijstand_jaar": 12000.0}, {"discount_rate": 0.03}).save(path)
    >>> load_scenario(path).values
    {'bijstand_jaar': 12000.0}
    """
    path = Path(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a device or fifo would never end
            raise CaseError([Problem(path.name, None, None, "scenario is geen gewoon bestand")])
        if st.st_size > MAX_SCENARIO_BYTES:
            raise CaseError([Problem(path.name, None, None,
                                     f"scenario is te groot ({st.st_size:_} bytes; de grens is "
                                     f"{MAX_SCENARIO_BYTES:_})".replace("_", "."))])
        with open(path, "rb") as f:
            raw = f.read(MAX_SCENARIO_BYTES + 1)[:MAX_SCENARIO_BYTES]
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        why = "te diep genest" if isinstance(exc, RecursionError) else str(exc)
        raise CaseError([Problem(path.name, None, None, f"kan scenario niet lezen ({why})")]) \
            from exc
    problems = []
    if not isinstance(data, dict) or not isinstance(data.get("waarden", {}), dict) \
            or not isinstance(data.get("parameters", {}) or {}, dict):
        raise CaseError([Problem(path.name, None, None,
                                 "verwacht een JSON-object met 'naam', 'waarden' en eventueel "
                                 "'parameters'")])
    params = data.get("parameters", {}) or {}
    if not isinstance(params, dict):
        raise CaseError([Problem(path.name, None, "parameters", "verwacht een JSON-object")])
    rate = params.get("discount_rate")
    if "discount_rate" in params and (not isinstance(rate, int | float)
                                      or isinstance(rate, bool)):
        problems.append(Problem(path.name, None, "parameters",
                                f"discount_rate {rate!r} is geen getal"))
    for key in ("volunteer_valuation", "market_value_code", "wage_code",
                "volunteer_benefit_code"):
        if key in params and not isinstance(params[key], str):
            problems.append(Problem(path.name, None, "parameters",
                                    f"{key} {params[key]!r} is geen tekst"))
    allowed = {"discount_rate", "volunteer_valuation", "market_value_code", "wage_code",
               "volunteer_benefit_code"}
    for key in set(params) - allowed:
        problems.append(Problem(path.name, None, "parameters",
                                f"onbekende parameter '{key}' (toegestaan: "
                                + ", ".join(sorted(allowed)) + ")"))
    known = {k: v for k, v in params.items() if k in allowed}
    problems += [Problem(path.name, None, "parameters", p.message)
                 for p in Settings(**known).problems()]
    for key, value in data.get("waarden", {}).items():
        try:
            kind = input_kind(parse_parameter(key))
        except ValueError as exc:
            problems.append(Problem(path.name, None, "waarden", str(exc)))
            continue
        message = check_scenario_value(kind, value)
        if message:
            problems.append(Problem(path.name, None, "waarden", f"'{key}': {message}"))
    if problems:
        raise CaseError(problems)
    return Scenario(str(data.get("naam", path.stem)), dict(data.get("waarden", {})),
                    dict(params), str(data.get("omschrijving", "")), str(data.get("gemaakt", "")))


def apply_scenario(case: Case, scenario: Scenario) -> tuple[Case, dict]:
    """The case with the scenario's values filled in, and the evaluation parameters.

    A value outside an input's range widens that range (the session's choice wins).

    Parameters
    ----------
    case : Case
        The case.
    scenario : Scenario
        The chosen values and parameters.

    Returns
    -------
    case : Case
        A new case with the values filled in.
    parameters : dict
        The evaluation parameters for :func:`mkba.evaluate`.

    Examples
    --------
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> s = Scenario("voorzichtig", {"bijstand_jaar": 12000.0}, {"discount_rate": 0.03})
    >>> new, params = apply_scenario(case, s)
    >>> k = new.tables["kengetallen"]
    >>> float(k.loc[k["code"] == "bijstand_jaar", "waarde"].iloc[0]), params["discount_rate"]
    (12000.0, 0.03)
    """
    problems = []
    taken, kosten = case.taken.copy(), case.kosten.copy()
    effecten, kengetallen = case.effecten.copy(), case.kengetallen.copy()
    params = dict(scenario.parameters)
    for name, value in scenario.values.items():
        try:
            parts = parse_parameter(name)
        except ValueError as exc:
            problems.append(Problem(f"scenario {scenario.name}", None, "waarden", str(exc)))
            continue
        kind = parts[0]
        if kind == "discount":
            params["discount_rate"] = float(value)
        elif kind == "kengetal":
            mask = kengetallen["code"] == parts[1]
            if not mask.any():
                problems.append(Problem(f"scenario {scenario.name}", None, "waarden",
                                        f"onbekend kengetal '{parts[1]}'"))
                continue
            kengetallen.loc[mask, "waarde"] = float(value)
            kengetallen.loc[mask & (kengetallen["laag"] > value), "laag"] = float(value)
            kengetallen.loc[mask & (kengetallen["hoog"] < value), "hoog"] = float(value)
        elif kind in ("optimisme_kosten", "optimisme_baten"):
            taken.loc[taken["taak_id"] == parts[1], kind] = float(value)
        elif kind == "factor":
            mask = (kosten["taak_id"] == parts[1]) & (kosten["post"] == parts[2])
            kosten.loc[mask & kosten["bedrag"].notna(), "bedrag"] *= float(value)
            kosten.loc[mask & kosten["bedrag"].isna(), "hoeveelheid"] *= float(value)
        else:
            _, task, effect, fld = parts
            mask = (effecten["taak_id"] == task) & (effecten["effect"] == effect)
            if not mask.any():
                problems.append(Problem(f"scenario {scenario.name}", None, "waarden",
                                        f"onbekend effect '{task}/{effect}'"))
                continue
            column = "waarde_per_eenheid" if fld == "waarde" else fld
            effecten.loc[mask, column] = float(value)
            if fld == "hoeveelheid":
                low, high = effecten.loc[mask, "hoeveelheid_laag"], effecten.loc[
                    mask, "hoeveelheid_hoog"]
                effecten.loc[mask & (low > value), "hoeveelheid_laag"] = float(value)
                effecten.loc[mask & (high < value), "hoeveelheid_hoog"] = float(value)
    if problems:
        raise CaseError(problems)
    new = case.with_table("taken", taken).with_table("kosten", kosten)
    new = new.with_table("effecten", effecten).with_table("kengetallen", kengetallen)
    return new, params
