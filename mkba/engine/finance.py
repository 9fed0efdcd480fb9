"""Textbook finance on one series of yearly flows: NPV, IRR, payback year, the investment-phase
rule for the IRR, the annuity factor and what the PM posts must be worth.

These functions know nothing of cases or actors; :mod:`mkba.engine.cba` applies them per task
and variant. Sign convention: a flow is positive when it is a net benefit (see
:mod:`mkba.base.prices` for discounting).
"""

from __future__ import annotations

import numpy as np
import numpy_financial as npf

from mkba.base.assumptions import IRR_MAX_SHOWN, IRR_MIN_INVESTMENT_SHARE
from mkba.base.formatting import fmt_eur, fmt_pct

__all__ = ["npv", "irr", "payback_year", "investment_phase", "irr_too_high", "irr_text",
           "annuity_factor", "pm_break_even", "TOL"]

#: Euros: below this a (cumulative) flow counts as zero.
TOL = 1e-6


def npv(rate: float, values, start: int = 0) -> float:
    """Net present value of yearly flows, the first in year ``start`` relative to the base year.

    ``Σ_t values[t] × (1 + rate) ** −(t + start)``.

    Parameters
    ----------
    rate : float
        Discount rate as a fraction.
    values : array_like of float
        Yearly flows, first element the first year.
    start : int, default 0
        Years between the base year and the first flow.

    Returns
    -------
    float
        The net present value.

    Examples
    --------
    >>> round(npv(0.1, [-100, 60, 60]), 4)
    4.1322
    >>> npv(0.0, [1, 2, 3])
    6.0
    """
    values = np.asarray(values, dtype=float)
    t = np.arange(len(values)) + start
    return float(np.sum(values * np.power(1.0 + rate, -t)))


def irr(values) -> float | None:
    """Internal rate of return of yearly net flows (first element = first year).

    ``None`` when the flows never change sign or no real rate solves ``npv(rate) = 0``.
    With several sign changes several rates may solve it; numpy-financial returns the one
    closest to zero.

    Parameters
    ----------
    values : array_like of float
        Yearly net flows, first element the first year.

    Returns
    -------
    float or None
        The rate as a fraction, or None.

    References
    ----------
    numpy-financial ``irr`` (roots of the NPV polynomial).

    Examples
    --------
    >>> round(irr([-100, 39, 59, 55, 20]), 5)
    0.28095
    >>> irr([100, 20]) is None
    True
    """
    values = np.asarray(values, dtype=float)
    signs = np.sign(values[np.abs(values) > TOL])
    if len(signs) == 0 or (signs > 0).all() or (signs < 0).all():
        return None
    rate = npf.irr(values)
    return None if not np.isfinite(rate) else float(rate)


def payback_year(years, discounted_net) -> int | None:
    """First year whose cumulative discounted net flow is ≥ 0, counted from the first
    year with a non-zero flow; ``None`` if none.

    Starting at the first non-zero flow keeps empty leading years from counting as an
    immediate payback.

    Parameters
    ----------
    years : array_like of int
        The years, ascending.
    discounted_net : array_like of float
        The discounted net flow of each year.

    Returns
    -------
    int or None
        The payback year, or None.

    Examples
    --------
    >>> payback_year([2020, 2021, 2022, 2023], [-100, 40, 40, 40])
    2023
    >>> payback_year([2020, 2021], [-100, 40]) is None
    True
    """
    years = np.asarray(years)
    flows = np.asarray(discounted_net, dtype=float)
    nonzero = np.flatnonzero(np.abs(flows) > TOL)
    if len(nonzero) == 0:
        return None
    cumulative = np.cumsum(flows)
    hits = np.flatnonzero(cumulative[nonzero[0]:] >= -TOL)
    return int(years[nonzero[0] + hits[0]]) if len(hits) else None


def investment_phase(values, share: float = IRR_MIN_INVESTMENT_SHARE) -> str | None:
    """Why an IRR (and payback year) of these yearly net flows means nothing, or ``None``
    when they do.

    They mean something only after a real investment phase: the flows start with outlays
    (negative years before the first positive one) that are at least ``share`` (10 %) of the
    average later yearly net benefit. Otherwise the IRR is an artefact (e.g. 1.100 %).

    Parameters
    ----------
    values : array_like of float
        Yearly net flows, first element the first year.
    share : float, default 0.1
        The smallest outlay, as a share of the average later yearly net benefit.

    Returns
    -------
    str or None
        The reason in Dutch, or None when the IRR means something.

    Examples
    --------
    >>> investment_phase([-100, 60, 60]) is None
    True
    >>> investment_phase([-5, 100, 100])[:30]
    'geen echte investeringsfase: d'
    >>> investment_phase([100, -10, 50])
    'geen investeringsfase: de netto kasstroom begint positief'
    """
    values = np.asarray(values, dtype=float)
    nonzero = np.flatnonzero(np.abs(values) > TOL)
    if len(nonzero) == 0:
        return "geen kasstroom"
    v = values[nonzero[0]:]
    if v[0] > 0:
        return "geen investeringsfase: de netto kasstroom begint positief"
    positive = np.flatnonzero(v > TOL)
    if len(positive) == 0:
        return "de netto kasstroom wordt nooit positief"
    outlay = -float(v[:positive[0]].sum())
    later = v[positive[0]:]
    later = float(later[later > 0].mean())
    if outlay < share * later:
        return (f"geen echte investeringsfase: de uitgaven vooraf ({fmt_eur(outlay)}) zijn "
                f"minder dan {fmt_pct(share, 0)} van de latere netto baten per jaar "
                f"({fmt_eur(later)})")
    return None


def irr_too_high(rate: float) -> str:
    """Why an IRR above :data:`~mkba.base.assumptions.IRR_MAX_SHOWN` is not shown as a number.

    Parameters
    ----------
    rate : float
        The IRR as a fraction.

    Returns
    -------
    str
        The reason, in Dutch.

    Examples
    --------
    >>> irr_too_high(6.3)[:40]
    'de interne rentevoet is meer dan 100 % p'
    """
    return (f"de interne rentevoet is meer dan {fmt_pct(IRR_MAX_SHOWN, 0)} per jaar "
            f"(ongeveer {fmt_pct(rate, 0)}): de uitgaven vooraf zijn klein naast de "
            "jaarlijkse baten, dus het getal zegt niets over het rendement; kijk naar de NCW")


def irr_text(rate, note: str | None, capped: bool = False, *, reason: bool = True) -> str:
    """The IRR as a reader sees it: a percentage, "meer dan 100 % per jaar" above the cap,
    or "n.v.t." with the reason (no investment phase).

    Parameters
    ----------
    rate : float or None
        The IRR as a fraction; None when it is not shown.
    note : str or None
        Why it is not shown (:func:`investment_phase`); None when it is.
    capped : bool, default False
        The IRR is above the cap (:func:`irr_too_high`).
    reason : bool, default True
        Add the reason after "n.v.t.".

    Returns
    -------
    str
        The Dutch text.

    Examples
    --------
    >>> irr_text(0.0812, None)
    '8,1 %'
    >>> irr_text(None, "…", capped=True)
    'meer dan 100 % per jaar'
    >>> irr_text(None, "de netto kasstroom wordt nooit positief")
    'n.v.t. (de netto kasstroom wordt nooit positief)'
    """
    if capped:
        return f"meer dan {fmt_pct(IRR_MAX_SHOWN, 0)} per jaar"
    if note:
        return f"n.v.t. ({note})" if reason else "n.v.t."
    return fmt_pct(rate)


def annuity_factor(rate: float, first_year: int, last_year: int, base_year: int) -> float:
    """Present value in ``base_year`` of 1 euro a year in every year ``first_year`` …
    ``last_year`` (inclusive): ``Σ_t (1 + r)^−(t − B)``.

    An amount A a year over those years has present value ``A × annuity_factor``; a present
    value PV is the same as ``PV / annuity_factor`` a year.

    Parameters
    ----------
    rate : float
        Discount rate as a fraction.
    first_year, last_year : int
        The years of the payments (inclusive).
    base_year : int
        The year discounted to.

    Returns
    -------
    float
        The annuity factor.

    Examples
    --------
    >>> round(annuity_factor(0.0225, 2018, 2027, 2018), 4)
    9.0657
    >>> annuity_factor(0.0, 2020, 2024, 2020)
    5.0
    """
    t = np.arange(int(first_year), int(last_year) + 1) - int(base_year)
    return float(np.sum(np.power(1.0 + rate, -t.astype(float))))


def pm_break_even(npv_value: float, scores: list[str], *, per_year_factor: float | None = None,
                  years: str = "") -> dict | None:
    """What the PM posts together would have to be worth to turn the verdict around; ``None``
    without PM posts.

    With a negative NPV the positive PM posts must together be worth at least −NPV (a
    present value); with a positive NPV and negative PM posts those may together be worth at
    most the NPV. ``per_year_factor`` (:func:`annuity_factor` over the task period ``years``)
    turns the present value into the equal amount per year, which is what a council reads.

    Parameters
    ----------
    npv_value : float
        The NPV of the priced effects.
    scores : list of str
        The PM posts' scores (``++``, ``+``, ``0``, ``-``, ``--``).
    per_year_factor : float, optional
        :func:`annuity_factor` over the task period, to show the amount per year too.
    years : str, optional
        The task period as text (``2018–2027``), for the message.

    Returns
    -------
    dict or None
        The amount (present value and per year) and the Dutch sentence; None without PM posts.

    Examples
    --------
    >>> be = pm_break_even(-490_702, ["++", "+"], per_year_factor=9.0658, years="2018–2027")
    >>> round(be["amount_per_year"])
    54127
    >>> be["text"][:61]
    'de PM-posten moeten samen minstens € 490.702 (contante waarde'
    >>> pm_break_even(10.0, []) is None
    True
    """
    if not scores:
        return None
    per_year = (None if not per_year_factor else abs(npv_value) / per_year_factor)
    yearly = (f", dat is {fmt_eur(per_year)} per jaar over {years}" if per_year is not None
              else "")
    if npv_value < 0:
        return {"amount": -npv_value, "amount_per_year": per_year, "direction": "positief",
                "text": f"de PM-posten moeten samen minstens {fmt_eur(-npv_value)} "
                        f"(contante waarde{yearly}) waard zijn om de NCW positief te maken"}
    if any(s in ("-", "--") for s in scores):
        return {"amount": npv_value, "amount_per_year": per_year, "direction": "negatief",
                "text": f"de negatieve PM-posten mogen samen hoogstens {fmt_eur(npv_value)} "
                        f"(contante waarde{yearly}) waard zijn, anders wordt de NCW negatief"}
    return {"amount": 0.0, "amount_per_year": 0.0, "direction": "geen",
            "text": "de NCW is positief en geen PM-post is negatief: de PM-posten "
                    "kunnen de uitkomst niet omdraaien"}
