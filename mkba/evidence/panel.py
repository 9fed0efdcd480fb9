"""An indicator as a panel (regions × years) in the unit of the wijk profile, with its Dutch
label and unit: the data every effect estimate starts from (the method is in
:mod:`mkba.evidence.counterfactual`)."""

from __future__ import annotations

import pandas as pd

# the module itself, not statsmodels.api (which loads all of statsmodels: +0.4 s per kernel)
from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD
from mkba.base.errors import CaseError
from mkba.base.formatting import fmt_number
from mkba.evidence.cbs import indicator_labels, load_kwb

__all__ = ["indicator_panel", "indicator_label", "change_unit", "format_amount", "READABLE_LABELS",
           "UNKNOWN_UNIT"]

#: Readable Dutch names for CBS indicators whose CBS title reads badly in a sentence.
READABLE_LABELS = {
    "PersonenPerSoortUitkeringBijstand": "Personen met bijstand",
    "PersonenPerSoortUitkeringAO": "Personen met een arbeidsongeschiktheidsuitkering",
    "PersonenPerSoortUitkeringWW": "Personen met een WW-uitkering",
    "PersonenPerSoortUitkeringAOW": "Personen met AOW",
    "k_65JaarOfOuder": "Inwoners van 65 jaar of ouder",
    "k_0Tot15Jaar": "Kinderen tot 15 jaar",
    "k_15Tot25Jaar": "Inwoners van 15 tot 25 jaar",
    "HuishOnderOfRondSociaalMinimum": "Huishoudens onder of rond het sociaal minimum",
    "WmoClientenRelatief": "Wmo-cliënten",
    "WmoClienten": "Wmo-cliënten",
}


#: The unit shown with an own measurement whose ``eenheid`` is empty: never a bare number.
UNKNOWN_UNIT = "eenheid onbekend"


def change_unit(unit: str) -> str:
    """The unit of a change in an indicator (a change in a percentage is a procentpunt).

    Parameters
    ----------
    unit : str
        The indicator's unit.

    Returns
    -------
    str
        The unit of a change.

    Examples
    --------
    >>> change_unit("%"), change_unit("per 1.000 inwoners")
    ('procentpunt', 'per 1.000 inwoners')
    """
    unit = (unit or "").strip()
    if unit.startswith("%"):
        return "procentpunt"
    return unit


def format_amount(value: float, unit: str) -> str:
    """A number with its unit, rounded to what it can bear (an unknown unit in brackets).

    Parameters
    ----------
    value : float
        The number.
    unit : str
        Its unit.

    Returns
    -------
    str
        The Dutch text.

    Examples
    --------
    >>> format_amount(4.73, "per 1.000 inwoners"), format_amount(12.4, UNKNOWN_UNIT)
    ('4,7 per 1.000 inwoners', '12 (eenheid onbekend)')
    """
    decimals = 0 if abs(value) >= 10 else (1 if abs(value) >= 0.1 else 3)
    if unit == UNKNOWN_UNIT:
        return f"{fmt_number(value, decimals)} ({unit})"
    return f"{fmt_number(value, decimals)} {unit}".strip()






def _readable(indicator: str) -> str:
    text = indicator.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def indicator_label(indicator: str, case=None) -> str:
    """The Dutch name of an indicator: the case's ``omschrijving`` (metingen), a readable name,
    the CBS title, or the code made readable (``bezoekers_buurthuis`` → ``Bezoekers buurthuis``).

    Parameters
    ----------
    indicator : str
        The indicator's key.
    case : Case, optional
        A case whose ``metingen`` may describe it.

    Returns
    -------
    str
        The Dutch name.

    Examples
    --------
    >>> indicator_label("PersonenPerSoortUitkeringBijstand")
    'Personen met bijstand'
    >>> indicator_label("bezoekers_buurthuis")
    'Bezoekers buurthuis'
    """
    if case is not None and "omschrijving" in case.metingen.columns:
        own = case.metingen.loc[case.metingen["indicator"] == indicator, "omschrijving"].dropna()
        if len(own):
            return str(own.iloc[0])
    if indicator in READABLE_LABELS:
        return READABLE_LABELS[indicator]

    return indicator_labels().get(indicator) or _readable(indicator)


def indicator_panel(indicator: str, *, kwb: pd.DataFrame | None = None, case=None,
                    threshold: int = SMALL_NUMBER_THRESHOLD,
                    measure: str = "profiel") -> pd.DataFrame:
    """Wide panel (regions × years) of one indicator: from the case's ``metingen`` when it
    has that indicator (any wijken or buurten), else from the CBS figures.

    With ``measure="profiel"`` (default) in the unit of the wijk profile: a CBS count of persons
    per 1.000 inwoners, a count of households as % of the households (as
    :func:`mkba.evidence.indicators.wijk_profile`); with ``measure="waarde"`` the value as
    published.
    Counts below the small-number threshold are set to missing (never used or shown).
    ``attrs["unit"]`` holds the unit (metingen: column ``eenheid``) and ``attrs["label"]`` the
    Dutch name (:func:`indicator_label`).

    Parameters
    ----------
    indicator : str
        The indicator.
    kwb : pandas.DataFrame, optional
        The long CBS table; by default :func:`mkba.evidence.cbs.load_kwb`.
    case : Case, optional
        A case whose ``metingen`` may hold the indicator.
    threshold : int, default 10
        Small-number threshold.
    measure : {"profiel", "waarde"}, default "profiel"
        The unit of the wijk profile, or as published.

    Returns
    -------
    pandas.DataFrame
        Regions × years.

    Examples
    --------
    >>> p = indicator_panel("PersonenPerSoortUitkeringBijstand")
    >>> round(float(p.loc["WK036330", 2019]), 1), p.attrs["unit"]  # 680 of 9.250 inwoners
    (73.5, 'per 1.000 inwoners')
    """
    if measure not in ("profiel", "waarde"):
        raise ValueError(f"measure must be 'profiel' or 'waarde', not {measure!r}")
    if case is not None and indicator in set(case.metingen["indicator"]):
        m = case.metingen[case.metingen["indicator"] == indicator]
        small = (m["n"].notna() & (m["n"] < threshold)).to_numpy(dtype=bool)
        from mkba.evidence.indicators import is_count_measure  # as below: indicators loads CBS

        small |= (m["eenheid"].map(is_count_measure).to_numpy(dtype=bool)
                  & (m["waarde"] < threshold).to_numpy(dtype=bool))
        m = m.assign(waarde=m["waarde"].where(~small))
        wide = m.pivot_table(index="wijk_code", columns="jaar", values="waarde", aggfunc="first",
                             dropna=False)
        wide.columns = wide.columns.astype(int)
        wide.index.name, wide.columns.name = "region_code", "year"
        wide = wide.astype(float)
        unit = UNKNOWN_UNIT  # never a bare number (validate warns)
        if "eenheid" in m.columns and m["eenheid"].notna().any():
            unit = str(m["eenheid"].dropna().iloc[0])
        wide.attrs = {"unit": unit, "label": indicator_label(indicator, case)}
        return wide
    if kwb is None:
        kwb = load_kwb()
    # statsmodels via indicators: ≈ 1,0 s; compare uses this module for labels
    from mkba.evidence.indicators import BASES, comparable_measures, is_count, units_of

    sub = kwb[kwb["indicator"] == indicator]
    if sub.empty:
        raise CaseError(f"indicator '{indicator}' niet gevonden in de metingen of de CBS-cijfers")
    units = units_of(kwb[kwb["indicator"].isin({indicator, *BASES})])
    unit = units.get(indicator) or ""
    if measure == "profiel" and is_count(unit, indicator) and indicator not in BASES:
        both = kwb[kwb["indicator"].isin({indicator, *BASES})]
        values = both.pivot_table(index=["region_code", "year"], columns="indicator",
                                  values="value", aggfunc="first")
        rates, rate_units, _ = comparable_measures(values, units, threshold)
        unit = rate_units.get(indicator, unit)
        wide = rates[indicator].unstack("year")
    else:
        value = sub["value"].where(~(is_count(unit, indicator) & (sub["value"] < threshold)))
        wide = sub.assign(value=value).pivot_table(index="region_code", columns="year",
                                                   values="value", aggfunc="first",
                                                   dropna=False)
    wide = wide.astype(float)
    wide.columns = wide.columns.astype(int)
    wide.index.name, wide.columns.name = "region_code", "year"
    wide.attrs = {"unit": unit, "label": indicator_label(indicator)}
    return wide
