"""The ranges of a case, per line: which inputs carry a range, which lines each one acts on,
and whether each range fits the values of those lines.

Every number that drives a result can carry a range:

- a kengetal: its ``laag``/``hoog`` (name: the kengetal code);
- an effect line's quantity: ``hoeveelheid_laag``/``hoeveelheid_hoog`` on the line itself
  (name ``TAAK/EFFECT/hoeveelheid``); it acts on that line only, in every variant the line
  belongs to (an estimate from ``mkba effect`` arrives this way, with a normal distribution);
- a row of ``bandbreedtes`` (name as in :func:`mkba.case.schema.parse_parameter`), optionally
  for one ``variant``: then it acts on the lines of that name as that variant is evaluated (its
  own lines and the lines without a variant). Without a variant it acts on the lines of that
  name in every variant, and :func:`range_notes` says so.

Precedence, per line: a ``bandbreedtes`` row for the line's variant, then one without a
variant, then the range on the line itself.

A drawn value *replaces* the value of every line the input acts on. So a range must contain
the value of each of those lines, and one input cannot act on lines with different values (it
would give them all the same draws): both are refused with the file, row and column of the
range and of the line (:func:`range_problems`). ``mkba validate`` and ``evaluate`` use the same
function, so a case that validates also evaluates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mkba.base.assumptions import DISCOUNT_RATE
from mkba.base.errors import Problem
from mkba.base.formatting import fmt_number
from mkba.case.schema import DEFAULT_VARIANT, parse_parameter

__all__ = ["UncertainInput", "ranged_inputs", "range_problems", "range_notes", "input_kind",
           "lines_of", "applicable_inputs", "split_target", "FRACTION_KINDS", "variants_by_task"]

#: Kinds of input that are fractions (0–1).
FRACTION_KINDS = ("deadweight", "attributie", "verdringing", "afname", "optimisme_kosten",
                  "optimisme_baten")


def input_kind(parts) -> str:
    """The kind of an input from its parsed name (:func:`mkba.case.schema.parse_parameter`):
    the field for an effect field (``hoeveelheid``, ``afname``, ...), else the first part.

    Parameters
    ----------
    parts : tuple
        A parsed parameter name.

    Returns
    -------
    str
        The kind.

    Examples
    --------
    >>> input_kind(parse_parameter("T1/Minder vernielingen/deadweight"))
    'deadweight'
    >>> input_kind(parse_parameter("discontovoet"))
    'discount'
    """
    return parts[0] if parts[0] != "effect" else parts[-1]


def split_target(target: str) -> tuple[str, int | None]:
    """The parameter name and the line's source row of an engine target (``NAME#ROW``).

    Parameters
    ----------
    target : str
        An engine target: a parameter name, optionally with ``#ROW``.

    Returns
    -------
    tuple of (str, int or None)
        The parameter name and the source row (None when there is none).

    Examples
    --------
    >>> split_target("T1/Bezoek #2/hoeveelheid#14")
    ('T1/Bezoek #2/hoeveelheid', 14)
    >>> split_target("discontovoet")
    ('discontovoet', None)
    """
    name, sep, row = str(target).rpartition("#")
    if sep and row.isdigit():
        return name, int(row)
    return str(target), None


@dataclass(frozen=True)
class UncertainInput:
    """One input with a range and a distribution, and the lines it acts on.

    ``name`` is the parameter name as the user wrote it; ``variant`` the variant it is limited
    to (``None``: every variant); ``row`` the source row of the effect line when the range
    sits on the line itself. ``key`` is unique per input (draws are stored under it);
    ``target`` is the name the engine knows the lines by.

    Parameters
    ----------
    name : str
        The parameter name as the user wrote it.
    kind : str
        The kind of input (:func:`input_kind`): ``kengetal``, ``deadweight``, ``discount``, ...
    base : float
        The value the point estimate uses.
    low, high : float
        The range.
    mode : float
        The most likely value (the top of a triangle).
    distribution : str
        ``driehoek``, ``uniform`` or ``pert``.
    source : Problem
        Where the range was written (file, row, column), for messages.
    nonnegative : bool, default False
        Draws may not be negative (prices, quantities).
    fraction : bool, default False
        Draws must lie between 0 and 1.
    variant : str, optional
        The variant the input is limited to; None for every variant.
    row : int, optional
        The source row of the effect line when the range sits on the line itself.
    variants : tuple of str, default ()
        The variants whose lines the input acts on.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> first = ranged_inputs(case.tables, case.files)[0]
    >>> first.name, first.kind, first.low, first.high, first.distribution
    ('bijles_student_uur', 'kengetal', 15.0, 30.0, 'driehoek')
    """

    name: str
    kind: str
    base: float
    low: float
    high: float
    mode: float
    distribution: str
    source: Problem
    nonnegative: bool = False
    fraction: bool = False
    variant: str | None = None
    row: int | None = None
    #: the variants whose lines it acts on (for messages)
    variants: tuple = field(default=(), compare=False)

    @property
    def key(self) -> str:
        """Unique name of this input (the parameter name, and its variant or line)."""
        if self.row is not None:
            return f"{self.name} [regel {self.row}]"
        return self.name if self.variant is None else f"{self.name} [{self.variant}]"

    @property
    def target(self) -> str:
        """The name of the engine's lines it acts on (``name#row`` for one line)."""
        return self.name if self.row is None else f"{self.name}#{self.row}"

    @property
    def label(self) -> str:
        """The name as a reader sees it: with the variant when it holds for one variant."""
        if self.variant is not None:
            return f"{self.name} ({self.variant.replace('_', ' ')})"
        if self.row is not None and len(self.variants) == 1 \
                and self.variants[0] != DEFAULT_VARIANT:
            return f"{self.name} ({self.variants[0].replace('_', ' ')})"
        return self.name

    def applies_to(self, variant: str) -> bool:
        """Whether it acts on the lines of ``variant`` (as evaluated)."""
        if self.variant is not None:
            return self.variant == variant
        return not self.variants or variant in self.variants

    def describe(self) -> str:
        return f"{self.label} ({fmt_number(self.low, 2)} – {fmt_number(self.high, 2)})"


@dataclass(frozen=True)
class _Line:
    """A line an input acts on: where it is, its variant (None: every variant) and the value
    of the field the input sets."""

    file: str
    row: int
    column: str
    variant: str | None
    value: float


def variants_by_task(tables) -> dict[str, list[str]]:
    """The variants named for every task in ``kosten`` and ``effecten``, sorted (as
    :meth:`mkba.case.tables.Case.task_variants`, without the default ``project``).

    Only the lines that name a variant are walked (a loop over every line took 70 ms for the
    310.000 lines of the 1.000-task benchmark case, and ran three times per read).

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The case's tables by name; ``kosten`` and ``effecten`` with ``taak_id`` and
        ``variant`` are read.

    Returns
    -------
    dict of str to list of str
        Per task id the variants its lines name, sorted; tasks whose lines name none are
        absent.

    Examples
    --------
    >>> import pandas as pd
    >>> k = pd.DataFrame({"taak_id": ["T1", "T1", "T2"], "variant": ["b", None, "a"]})
    >>> e = pd.DataFrame({"taak_id": ["T1"], "variant": ["a"]})
    >>> variants_by_task({"kosten": k, "effecten": e})
    {'T1': ['a', 'b'], 'T2': ['a']}
    """
    out: dict[str, list[str]] = {}
    for table in ("kosten", "effecten"):
        df = tables[table]
        named = df["variant"].notna().to_numpy()
        for task, variant in zip(df["taak_id"].to_numpy()[named].tolist(),
                                 df["variant"].to_numpy()[named].tolist(), strict=True):
            if isinstance(variant, str):
                out.setdefault(task, [])
                if variant not in out[task]:
                    out[task].append(variant)
    return {t: sorted(v) for t, v in out.items()}


def lines_of(tables, files, parts, variant: str | None = None) -> list[_Line]:
    """The lines the input with parsed name ``parts`` acts on (limited to the lines that
    ``variant`` evaluates: its own and the shared ones), with the value of its field.

    Kengetallen, optimism and the discount rate act on one value each (one pseudo-line).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The parsed tables of a case (``Case.tables``).
    files : dict of str to str
        Table name to the file name shown in messages (``Case.files``).
    parts : tuple
        The input's parsed name (:func:`mkba.case.schema.parse_parameter`).
    variant : str, optional
        Limit to the lines this variant evaluates; None for all lines.

    Returns
    -------
    list
        One line each: ``file``, ``row``, ``column``, ``variant`` and ``value``.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> [(ln.file, ln.column, ln.value) for ln in lines_of(
    ...     case.tables, case.files, parse_parameter("bijles_student_uur"))]
    [('kengetallen.csv', 'waarde', 15.0)]
    """
    kind = parts[0]

    def of_variant(df):
        if variant is None:
            return df
        return df[df["variant"].isna().to_numpy() | (df["variant"] == variant).to_numpy()]

    if kind == "kengetal":
        k = tables["kengetallen"]
        k = k[k["code"] == parts[1]]
        return [_Line(files.get("kengetallen", "kengetallen.csv"), int(r), "waarde", None,
                      float(v)) for r, v in zip(k["_row"], k["waarde"], strict=True)][:1]
    if kind in ("optimisme_kosten", "optimisme_baten"):
        t = tables["taken"]
        t = t[t["taak_id"] == parts[1]]
        return [_Line(files.get("taken", "taken.csv"), int(r), kind, None,
                      0.0 if pd.isna(v) else float(v))
                for r, v in zip(t["_row"], t[kind], strict=True)][:1]
    if kind == "factor":
        k = of_variant(tables["kosten"])
        k = k[(k["taak_id"] == parts[1]).to_numpy() & (k["post"] == parts[2]).to_numpy()]
        return [_Line(files.get("kosten", "kosten.csv"), int(r), "factor",
                      v if isinstance(v, str) else None, 1.0)
                for r, v in zip(k["_row"], k["variant"], strict=True)]
    if kind == "effect":
        _, task, effect, fld = parts
        e = of_variant(tables["effecten"])
        e = e[(e["taak_id"] == task).to_numpy() & (e["effect"] == effect).to_numpy()
              & ~e["pm"].fillna(False).astype(bool).to_numpy()]
        column = "waarde_per_eenheid" if fld == "waarde" else fld
        if fld == "waarde":
            e = e[e["waarde_per_eenheid"].notna().to_numpy()]  # a kengetal line ignores it
        out = []
        for r, v, var in zip(e["_row"], e[column], e["variant"], strict=True):
            if pd.isna(v):
                if fld == "hoeveelheid":
                    continue  # estimated later (mkba effect): its interval is its range
                v = 0.0
            out.append(_Line(files.get("effecten", "effecten.csv"), int(r), column,
                             var if isinstance(var, str) else None, float(v)))
        return out
    return []


def _flags(kind: str, low: float) -> dict:
    return {"nonnegative": kind in ("kengetal", "factor") or (kind == "hoeveelheid"
                                                               and low >= 0),
            "fraction": kind in FRACTION_KINDS}


def ranged_inputs(tables, files, discount_rate: float = DISCOUNT_RATE) -> list[UncertainInput]:
    """Every input of the case that carries a range (see the module docstring), unchecked
    (:func:`range_problems` checks them).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The parsed tables of a case (``Case.tables``).
    files : dict of str to str
        Table name to the file name shown in messages (``Case.files``).
    discount_rate : float, default 0.0225
        The discount rate of the analysis (the base of a range on it).

    Returns
    -------
    list of UncertainInput
        One per ranged input, in the order of the case.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> [i.name for i in ranged_inputs(case.tables, case.files)][:2]
    ['bijles_student_uur', 'bijstand_jaar']
    """
    found: list[UncertainInput] = []
    variants = variants_by_task(tables)
    k = tables["kengetallen"]
    ranged = k[k["laag"].notna() | k["hoog"].notna()].drop_duplicates("code")
    for row, code, value, laag, hoog in ranged[["_row", "code", "waarde", "laag", "hoog"]] \
            .itertuples(index=False):
        low = value if pd.isna(laag) else laag
        high = value if pd.isna(hoog) else hoog
        found.append(UncertainInput(
            code, "kengetal", float(value), float(low), float(high), float(value), "driehoek",
            Problem(files.get("kengetallen", "kengetallen.csv"), int(row), "laag", ""),
            nonnegative=True))
    e = tables["effecten"]
    ranged = e[(e["hoeveelheid_laag"].notna() | e["hoeveelheid_hoog"].notna()).to_numpy()
               & ~e["pm"].fillna(False).astype(bool).to_numpy()]
    for row, task_id, effect, q, laag, hoog, dist, var in ranged[
            ["_row", "taak_id", "effect", "hoeveelheid", "hoeveelheid_laag", "hoeveelheid_hoog",
             "verdeling", "variant"]].itertuples(index=False):
        low = q if pd.isna(laag) else float(laag)
        high = q if pd.isna(hoog) else float(hoog)
        own = (var,) if isinstance(var, str) else tuple(variants.get(task_id, [DEFAULT_VARIANT]))
        found.append(UncertainInput(
            f"{task_id}/{effect}/hoeveelheid", "hoeveelheid", float(q), low, high, float(q),
            dist if isinstance(dist, str) else "driehoek",
            Problem(files.get("effecten", "effecten.csv"), int(row), "hoeveelheid_laag", ""),
            nonnegative=bool(low >= 0 and high >= 0), row=int(row), variants=own))
    b = tables["bandbreedtes"]
    for row, name, laag, hoog, waarde, dist, var in b[
            ["_row", "parameter", "laag", "hoog", "waarde", "verdeling", "variant"]] \
            .itertuples(index=False):
        parts = parse_parameter(name)
        kind = input_kind(parts)
        variant = var if isinstance(var, str) else None
        if kind == "discount":
            base = float(discount_rate)
            acted = []
        else:
            acted = lines_of(tables, files, parts, variant)
            base = acted[0].value if acted else np.nan
        mode = base if pd.isna(waarde) else float(waarde)
        task_variants = variants.get(parts[1], [DEFAULT_VARIANT]) if len(parts) > 2 else []
        own = (variant,) if variant else tuple(
            v for v in task_variants
            if any(line.variant in (None, v) for line in acted)) if task_variants else ()
        found.append(UncertainInput(
            name, kind, base, float(laag), float(hoog), mode,
            dist if isinstance(dist, str) else "driehoek",
            Problem(files.get("bandbreedtes", "bandbreedtes.csv"), int(row), "parameter", ""),
            variant=variant, variants=own, **_flags(kind, float(laag))))
    return found


def _shown(value: float) -> str:
    return fmt_number(value, 0 if float(value).is_integer() else 2)


def range_problems(tables, files, inputs: list[UncertainInput], *,
                   discount: bool = True) -> list[Problem]:
    """What is wrong with the ranges (Dutch, at the range's file, row and column): a low
    above the high, a negative price, a fraction outside 0–1, a mode outside the range, a line
    whose value lies outside the range of an input that acts on it, and one input acting on
    lines with different values.

    ``discount=False`` leaves out whether the discount rate lies in its range: when a case is
    read the rate of the analysis is not known yet (``evaluate`` checks it).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The parsed tables of a case (``Case.tables``).
    files : dict of str to str
        Table name to the file name shown in messages (``Case.files``).
    inputs : list of UncertainInput
        The ranged inputs (:func:`ranged_inputs`).
    discount : bool, default True
        Also check that the discount rate lies in its range.

    Returns
    -------
    list of Problem
        The problems, in Dutch; empty when the ranges can be used.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> range_problems(case.tables, case.files, ranged_inputs(case.tables, case.files))
    []
    """
    problems = []

    def add(inp, message):
        problems.append(Problem(inp.source.file, inp.source.row, inp.source.column, message))

    for i in inputs:
        if i.kind == "discount" and not discount:
            continue
        if i.low > i.high:
            add(i, f"'{i.label}': laag ({i.low:g}) is groter dan hoog ({i.high:g})")
            continue
        if i.nonnegative and i.low < 0 and i.distribution != "normaal":
            add(i, f"'{i.label}': kan niet negatief zijn, maar laag is {i.low:g}")
        if i.fraction and (i.low < 0 or i.high > 1):
            add(i, f"'{i.label}': een fractie moet tussen 0 en 1 liggen")
        if i.mode == i.mode and not (i.low <= i.mode <= i.high) \
                and i.distribution != "normaal":
            add(i, f"'{i.label}': de waarde {i.mode:g} ligt buiten {i.low:g}–{i.high:g}")
        if i.kind == "discount":
            continue
        if i.row is not None:
            continue  # the row rule in mkba.case.rows checks a line's own range
        lines = lines_of(tables, files, parse_parameter(i.name), i.variant)
        if i.variant is not None and not lines:
            add(i, f"'{i.name}' heeft geen regel in variant '{i.variant}'")
            continue
        outside = [ln for ln in lines if not (i.low <= ln.value <= i.high)]
        for ln in outside[:3]:
            add(i, f"'{i.label}': de waarde in de casus ({_shown(ln.value)}, {ln.file}:{ln.row}:"
                   f"{ln.column}) ligt buiten de bandbreedte {_shown(i.low)}–{_shown(i.high)}; "
                   "een getrokken waarde vervangt die van de regel"
                   + ("" if i.variant or ln.variant is None else
                      f" (de regel hoort bij variant '{ln.variant}': geef de bandbreedte een "
                      "variant als hij bij één variant hoort)"))
        values = sorted({ln.value for ln in lines})
        if not outside and len(values) > 1:
            shown = "; ".join(f"{ln.file}:{ln.row}: {_shown(ln.value)}" for ln in lines[:4])
            add(i, f"'{i.label}' geldt voor regels met verschillende waarden ({shown}): elke "
                   "trekking zou ze allemaal dezelfde waarde geven; geef per variant een "
                   "bandbreedte (kolom variant) of zet de bandbreedte op de regel zelf "
                   "(hoeveelheid_laag/hoeveelheid_hoog)")
    return problems


def range_notes(tables, files, inputs: list[UncertainInput]) -> list[Problem]:
    """Warnings: a ``bandbreedtes`` row without a variant that acts on lines of several
    variants (it holds for all of them).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The parsed tables of a case (``Case.tables``).
    files : dict of str to str
        Table name to the file name shown in messages (``Case.files``).
    inputs : list of UncertainInput
        The ranged inputs (:func:`ranged_inputs`).

    Returns
    -------
    list of Problem
        The warnings, in Dutch.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> range_notes(case.tables, case.files, ranged_inputs(case.tables, case.files))
    []
    """
    notes = []
    for i in inputs:
        if i.row is None and i.variant is None and len(i.variants) > 1 \
                and i.source.file.startswith(files.get("bandbreedtes", "bandbreedtes")):
            notes.append(Problem(
                i.source.file, i.source.row, "variant",
                f"'{i.name}' heeft geen variant en geldt daarom voor de varianten "
                + " en ".join(v.replace("_", " ") for v in i.variants)
                + "; hoort de bandbreedte bij één variant, vul dan de kolom variant in"))
    return notes


def applicable_inputs(inputs: list[UncertainInput], variant: str) -> list[UncertainInput]:
    """The inputs that act when ``variant`` is evaluated, with the precedence of the module
    docstring: a ``bandbreedtes`` row for the variant beats one without a variant, which
    beats a range on the line itself.

    Parameters
    ----------
    inputs : list of UncertainInput
        Every ranged input of the case (:func:`ranged_inputs`).
    variant : str
        The variant evaluated.

    Returns
    -------
    list of UncertainInput
        The inputs that act, one per parameter name.

    Examples
    --------
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> inputs = ranged_inputs(case.tables, case.files)
    >>> [i.name for i in applicable_inputs(inputs, "project")][:2]
    ['bijles_student_uur', 'bijstand_jaar']
    """
    mine = [i for i in inputs if i.applies_to(variant)]
    specific = {i.name for i in mine if i.variant is not None}
    general = {i.name for i in mine if i.variant is None and i.row is None}
    out = []
    for i in mine:
        if i.variant is None and i.row is None and i.name in specific:
            continue
        if i.row is not None and (i.name in specific or i.name in general):
            continue
        out.append(i)
    return out
