"""The settings of one analysis — built once, checked once, passed on unchanged.

Every path (``mkba evaluate``, ``report``, ``batch``, :func:`mkba.analysis.pipeline.run`, the wijk
report's notebook, the evaluation session) builds one :class:`Settings` and passes it on.
A field left at ``None`` means *not chosen*: a scenario file may fill it, and what is still
``None`` after that takes the default below. ``None`` is the only spelling of "default": never
0, never an empty string.

Precedence: the defaults, then the scenario file, then what the user gives explicitly
(:meth:`Settings.merge`). So ``mkba report … --scenario s.json --discount-rate 0.03`` uses
3 %, and without ``--discount-rate`` the scenario's rate.

This module imports only the standard library: batch workers and ``mkba --help`` need it
before pandas.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from mkba.base.assumptions import (
    DISCOUNT_RATE,
    DISCOUNT_RATE_RANGE,
    MAX_AMOUNT,
    MAX_HORIZON,
    SMALL_NUMBER_THRESHOLD,
    VOLUNTEER_METHODS,
    VOLUNTEER_VALUATION,
    YEAR_MAX,
    YEAR_MIN,
)
from mkba.base.errors import CaseError, Problem

__all__ = ["Settings", "check_scenario_value", "SCENARIO_PARAMETERS"]

#: Settings a scenario file may carry (its ``parameters`` object).
SCENARIO_PARAMETERS = ("discount_rate", "volunteer_valuation", "market_value_code", "wage_code",
                       "volunteer_benefit_code")
#: The defaults of the settings whose default does not depend on the case.
#: (The kengetal codes stay None: mkba.engine.flows fills in MARKET_VALUE_CODE and WAGE_CODE.)
DEFAULTS = {"discount_rate": DISCOUNT_RATE, "volunteer_valuation": VOLUNTEER_VALUATION}
#: Settings that go into :func:`mkba.evaluate` (and :class:`mkba.uncertainty.Model`).
EVALUATION_FIELDS = ("discount_rate", "price_year", "base_year", "horizon",
                     "volunteer_valuation", "market_value_code", "wage_code",
                     "volunteer_benefit_code", "peiljaar")
#: Parameter names of the wijk report notebook, in the order of its parameters cell.
REPORT_FIELDS = ("discount_rate", "price_year", "base_year", "horizon", "volunteer_valuation",
                 "market_value_code", "wage_code", "volunteer_benefit_code", "peiljaar",
                 "threshold", "scenario_path", "map_file", "plan_path")


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _pct(value: float) -> str:
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} %"


def check_discount_rate(value, what: str = "discontovoet") -> str | None:
    """The Dutch problem with a discount rate, or None when it is usable.

    Examples
    --------
    >>> check_discount_rate(0.0225) is None
    True
    >>> check_discount_rate(-0.99)
    'discontovoet -0,99 ligt buiten -5 % – 20 % (een fractie, bijv. 0,0225 voor 2,25 %)'
    """
    if not _is_number(value) or not math.isfinite(value):
        return f"{what} {value!r} moet een eindig getal zijn (een fractie, bijv. 0,0225)"
    low, high = DISCOUNT_RATE_RANGE
    if not low <= value <= high:
        return (f"{what} {str(value).replace('.', ',')} ligt buiten {_pct(low)} – "
                f"{_pct(high)} (een fractie, bijv. 0,0225 voor 2,25 %)")
    return None


@dataclass(frozen=True)
class Settings:
    """What an analysis is run with (see the module docstring for ``None``).

    Parameters
    ----------
    discount_rate : float, optional
        Real discount rate as a fraction (default 0.0225).
    price_year : int, optional
        Price level of all amounts (default: the case's ``prijsjaar`` in table ``casus``,
        else the last CPI year).
    base_year : int, optional
        Year to discount to (default: each task's ``startjaar``).
    horizon : int, optional
        Years from ``startjaar`` (default: up to ``eindjaar``).
    volunteer_valuation : {"vervangingskosten", "marktwaarde", "gederfd_loon", "nul"}, optional
    market_value_code : str, optional
        Kengetal for ``marktwaarde`` (default ``marktprijs_uur``).
    wage_code : str, optional
        Kengetal for ``gederfd_loon``: a net wage per hour with its source (default
        ``nettoloon_uur``, which the case supplies).
    volunteer_benefit_code : str, optional
        Kengetal with the value of volunteering to the volunteer per hour (default none).
    peiljaar : int, optional
        First forecast year (default: the case's ``peiljaar`` in table ``casus``, else the
        fixed rule of :func:`mkba.engine.cba.default_peiljaar`; never today's date). A value
        given here beats the case's.
    draws : int
        Monte Carlo draws (0: none).
    seed : int
        Seed of the draws.
    threshold : int
        Counts below it are not shown (small-number suppression).
    scenario : str, optional
        Path of a scenario file (JSON) with chosen assumptions.
    map_file : str, optional
        A GeoJSON file with the gemeente's own wijk or buurt boundaries (``--kaart``), drawn
        instead of the fetched or shipped map.
    plan_path : str, optional
        The version of the case the council decided on (``--plan``: a folder or workbook),
        for the report's section "Plan en werkelijkheid"; default the one kept beside the
        case (``besluit/``, ``versies/JJJJ-…besluit…/``).

    Examples
    --------
    >>> s = Settings(discount_rate=0.03).validate()
    >>> s.merge({"discount_rate": 0.01, "volunteer_valuation": "nul"}).evaluation()["discount_rate"]
    0.03
    >>> Settings().merge({"volunteer_valuation": "nul"}).evaluation()["volunteer_valuation"]
    'nul'
    >>> Settings().evaluation()["discount_rate"]
    0.0225
    >>> Settings(base_year=99999).validate()
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: instellingen: basisjaar 99999 moet tussen 1900 en 2100 liggen
    """

    discount_rate: float | None = None
    price_year: int | None = None
    base_year: int | None = None
    horizon: int | None = None
    volunteer_valuation: str | None = None
    market_value_code: str | None = None
    wage_code: str | None = None
    volunteer_benefit_code: str | None = None
    peiljaar: int | None = None
    draws: int = 0
    seed: int = 0
    threshold: int = SMALL_NUMBER_THRESHOLD
    scenario: str | None = None
    map_file: str | None = None
    plan_path: str | None = None

    # ------------------------------------------------------------------ checks

    def problems(self) -> list[Problem]:
        """Every problem with these settings (Dutch), without raising."""
        out: list[Problem] = []

        def add(name, message):  # name: the field, for readers of this code
            out.append(Problem("instellingen", None, None, message))

        if self.discount_rate is not None:
            msg = check_discount_rate(self.discount_rate)
            if msg:
                add("discount_rate", msg)
        for name, label in (("price_year", "prijsjaar"), ("base_year", "basisjaar"),
                            ("peiljaar", "peiljaar")):
            value = getattr(self, name)
            if value is None:
                continue
            if not _is_int(value):
                add(name, f"{label} {value!r} moet een geheel getal (een jaartal) zijn")
            elif not YEAR_MIN <= value <= YEAR_MAX:
                add(name, f"{label} {value} moet tussen {YEAR_MIN} en {YEAR_MAX} liggen")
        if self.horizon is not None:
            if not _is_int(self.horizon):
                add("horizon", f"horizon {self.horizon!r} moet een geheel getal zijn")
            elif not 1 <= self.horizon <= MAX_HORIZON:
                add("horizon", f"horizon {self.horizon} moet tussen 1 en {MAX_HORIZON} jaar "
                               "liggen")
        if self.volunteer_valuation is not None \
                and self.volunteer_valuation not in VOLUNTEER_METHODS:
            add("volunteer_valuation", f"waardering vrijwilligersuren "
                                       f"{self.volunteer_valuation!r}: kies uit "
                                       + ", ".join(VOLUNTEER_METHODS))
        for name in ("market_value_code", "wage_code", "volunteer_benefit_code"):
            code = getattr(self, name)
            if code is not None and (not isinstance(code, str) or not code.strip()):
                add(name, f"kengetal {code!r} moet een code zijn")
        for name, label in (("draws", "aantal trekkingen"), ("seed", "startgetal"),
                            ("threshold", "drempel")):
            value = getattr(self, name)
            if not _is_int(value):
                add(name, f"{label} {value!r} moet een geheel getal ≥ 0 zijn")
            elif value < 0:
                add(name, f"{label} {value} moet ≥ 0 zijn")
        if self.scenario is not None:
            if not isinstance(self.scenario, str) or not self.scenario:
                add("scenario", f"scenario {self.scenario!r} moet een pad zijn")
            elif not Path(self.scenario).is_file():
                add("scenario", f"scenario {self.scenario} bestaat niet of is geen bestand")
        if self.map_file is not None:
            if not isinstance(self.map_file, str) or not self.map_file:
                add("map_file", f"--kaart {self.map_file!r} moet een pad zijn")
            elif not Path(self.map_file).is_file():
                add("map_file", f"--kaart {self.map_file} bestaat niet of is geen bestand")
        if self.plan_path is not None:
            if not isinstance(self.plan_path, str) or not self.plan_path:
                add("plan_path", f"--plan {self.plan_path!r} moet een pad zijn")
            elif not Path(self.plan_path).exists():
                add("plan_path", f"--plan {self.plan_path} bestaat niet")
        return out

    def validate(self) -> Settings:
        """These settings (as plain Python numbers) when every value is usable; else a
        :class:`CaseError` listing all problems (the CLI prints them and exits with 2)."""
        problems = self.problems()
        if problems:
            raise CaseError(problems)
        plain = {f.name: (int(v) if _is_int(v) else float(v) if _is_number(v) else v)
                 for f in fields(self) for v in [getattr(self, f.name)]}
        return replace(self, **plain)

    # ------------------------------------------------------------------ combining

    def merge(self, scenario_parameters: dict | None) -> Settings:
        """Fill the fields not chosen (``None``) from a scenario's parameters; a value given
        explicitly always wins. Unknown keys are ignored (:func:`load_scenario` rejects
        them)."""
        given = {k: v for k, v in (scenario_parameters or {}).items()
                 if k in SCENARIO_PARAMETERS and v is not None and getattr(self, k) is None}
        return replace(self, **given)

    def evaluation(self) -> dict:
        """The keyword arguments of :func:`mkba.evaluate`, defaults filled in (``price_year``,
        ``base_year`` and ``horizon`` stay ``None``: their default depends on the case)."""
        out = {k: getattr(self, k) for k in EVALUATION_FIELDS}
        out.update({k: v for k, v in DEFAULTS.items() if out[k] is None})
        return out

    def resolved(self) -> Settings:
        """These settings with the case-independent defaults filled in."""
        return replace(self, **{k: v for k, v in DEFAULTS.items() if getattr(self, k) is None})

    # ------------------------------------------------------------------ conversions

    def to_dict(self) -> dict:
        """Plain values (JSON-ready); ``None`` for what is not chosen."""
        return asdict(self)

    def to_report_parameters(self) -> dict:
        """The wijk report notebook's parameters (papermill writes them as literals)."""
        paths = ("scenario_path", "map_file", "plan_path")
        out = {k: getattr(self, k) for k in REPORT_FIELDS if k not in paths}
        out["scenario_path"] = (str(Path(self.scenario).resolve()) if self.scenario else None)
        out["map_file"] = str(Path(self.map_file).resolve()) if self.map_file else None
        out["plan_path"] = str(Path(self.plan_path).resolve()) if self.plan_path else None
        return out

    @classmethod
    def from_report_parameters(cls, scenario_path: str | None = None, **params) -> Settings:
        """Settings from the report parameters (as :meth:`to_report_parameters` gives them).

        An unknown name is an error (a typo would otherwise be silently ignored).
        """
        unknown = set(params) - set(REPORT_FIELDS) - {"draws", "seed"}
        if unknown:
            raise CaseError([Problem("instellingen", None, name, "onbekende instelling")
                             for name in sorted(unknown)])
        return cls(scenario=scenario_path or None, **params)

    @classmethod
    def from_args(cls, args) -> Settings:
        """Settings from the ``mkba`` command line (options absent from a command: None)."""
        names = {f.name for f in fields(cls)} - {"draws"}
        given = {k: getattr(args, k) for k in names if getattr(args, k, None) is not None}
        if getattr(args, "monte_carlo", None) is not None:
            given["draws"] = args.monte_carlo
        return cls(**given)


def check_scenario_value(kind: str, value) -> str | None:
    """The Dutch problem with one value of a scenario (by the parameter's kind, as
    :func:`mkba.case.schema.parse_parameter` gives it), or None.

    Parameters
    ----------
    kind : str
        The kind of parameter (``optimisme_baten``, ``kengetal``, ``hoeveelheid``, ...).
    value : float
        The value in the scenario.

    Returns
    -------
    str or None
        The Dutch problem, or None when the value can be used.

    Examples
    --------
    >>> check_scenario_value("optimisme_baten", 5)
    'optimisme_baten 5 moet een fractie tussen 0 en 1 zijn'
    >>> check_scenario_value("kengetal", float("inf"))
    'inf is geen eindig getal'
    >>> check_scenario_value("hoeveelheid", 12.5) is None
    True
    """
    if not _is_number(value):
        return f"{value!r} is geen getal"
    if not math.isfinite(value):
        return f"{value!r} is geen eindig getal"
    if abs(value) > MAX_AMOUNT:
        return f"{value:g} is groter dan het maximum ({MAX_AMOUNT:.0e})"
    if kind == "discount":
        return check_discount_rate(value)
    if kind in ("optimisme_kosten", "optimisme_baten", "deadweight", "attributie",
                "verdringing", "afname") and not 0 <= value <= 1:
        return f"{kind} {value:g} moet een fractie tussen 0 en 1 zijn"
    if kind in ("kengetal", "factor") and value < 0:
        return f"{kind} {value:g} kan niet negatief zijn"
    return None
