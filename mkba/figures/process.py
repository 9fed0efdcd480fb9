"""The figures of the process evaluation (:mod:`mkba.process`): the coalition's roles over the
years, the survey's answers per question with their intervals, and the buurtbudget per year.
Same style and rules as :mod:`mkba.figures.plots`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from mkba.base.assumptions import SMALL_NUMBER_THRESHOLD
from mkba.base.formatting import fmt_pct
from mkba.figures.style import (
    COLORS,
    MAX_WIDTH,
    SMALL_FONT,
    axes_for,
    euro_axis,
    wrap_label,
)

__all__ = ["ROLE_COLORS", "plot_coalition", "plot_survey", "plot_buurtbudget"]


ROLE_COLORS = {"opdrachtgever": "#1f4e79", "facilitator": "#6a9bc3", "partner": "#e07b00",
               "uitvoerder": "#2e7d32", "financier": "#8c8c8c"}


def plot_coalition(coalition: pd.DataFrame, ax=None):
    """Active partners per year, stacked by role, with the joiners (+) and leavers (−).

    Parameters
    ----------
    coalition : pandas.DataFrame
        Per year (``jaar``): active partners per role (a column per role of
        :data:`ROLE_COLORS`), ``nieuw`` and ``vertrokken``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> coalition = pd.DataFrame({"jaar": [2019, 2020], "opdrachtgever": [1, 1],
    ...                           "facilitator": [0, 1], "partner": [2, 3], "uitvoerder": [1, 1],
    ...                           "financier": [0, 0], "nieuw": [0, 2], "vertrokken": [0, 0]})
    >>> ax = plot_coalition(coalition, ax=Figure().add_subplot())
    >>> ax.get_ylabel(), [t.get_text() for t in ax.texts]
    ('actieve partners', ['+2'])
    """
    ax = axes_for(ax, (MAX_WIDTH, 3.2))
    years = coalition["jaar"].to_numpy()
    bottom = np.zeros(len(coalition))
    for role, color in ROLE_COLORS.items():
        values = coalition[role].to_numpy(dtype=float)
        if values.any():
            ax.bar(years, values, bottom=bottom, color=color, alpha=0.9, label=role)
            bottom += values
    for x, top, new, gone in zip(years, bottom, coalition["nieuw"], coalition["vertrokken"],
                                 strict=True):
        text = " ".join(t for t in (f"+{new}" if new else "", f"−{gone}" if gone else "") if t)
        if text:
            ax.annotate(text, (x, top), ha="center", va="bottom", fontsize=SMALL_FONT,
                        xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(list(years))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)}"))
    if len(ax.get_xticks()) > 12:  # rotated labels only where they would collide
        ax.tick_params(axis="x", rotation=45)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(bottom.max(), 1) * 1.15)
    ax.set_ylabel("actieve partners")
    ax.set_title("De coalitie door de jaren (+ nieuw, − vertrokken)")
    ax.legend(fontsize=SMALL_FONT, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return ax


def plot_survey(survey: pd.DataFrame, ax=None, threshold: int = SMALL_NUMBER_THRESHOLD):
    r"""Survey answers as diverging bars: negative (1–2, nee) to the left of 0, neutral (3)
    split around 0, positive (4–5, ja) to the right, with the Wilson 95 % interval of the
    share positive. One bar per question and group (its latest year); a suppressed group
    (fewer than ``threshold`` respondents) gets no bar, only its label. A ``label`` column
    (the question in words) is shown instead of ``vraag`` when present.

    Parameters
    ----------
    survey : pandas.DataFrame
        Per question, group and year: ``n``, the shares negative, neutral and positive, the
        Wilson interval (``ci_low``, ``ci_high``) and ``suppressed``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.
    threshold : int, default SMALL_NUMBER_THRESHOLD
        The small-number threshold (shown with a suppressed group).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> survey = pd.DataFrame({"vraag": ["tevreden"] * 2, "groep": ["bewoners", "vrijwilligers"],
    ...                        "jaar": [2023, 2023], "n": [40, 4], "share_negative": [0.1, None],
    ...                        "share_neutral": [0.2, None], "share_positive": [0.7, None],
    ...                        "ci_low": [0.55, None], "ci_high": [0.82, None],
    ...                        "suppressed": [False, True]})
    >>> ax = plot_survey(survey, ax=Figure().add_subplot())
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['tevreden — bewoners (2023, n = 40)', 'tevreden — vrijwilligers (2023, n < 10: niet\ngetoond)']
    """
    latest = survey.sort_values("jaar").groupby(["vraag", "groep"], sort=False).tail(1)
    latest = latest.sort_values(["vraag", "groep"]).reset_index(drop=True)
    questions = latest["label"] if "label" in latest else latest["vraag"]
    ax = axes_for(ax, (MAX_WIDTH, 0.5 * max(len(latest), 2) + 1.4))
    y = np.arange(len(latest))[::-1]
    labels = []
    for yi, q, r in zip(y, questions, latest.itertuples(index=False), strict=True):
        if r.suppressed:
            labels.append(wrap_label(f"{q} — {r.groep} ({r.jaar}, n < {threshold}: "
                                     "niet getoond)", 45))
            continue
        labels.append(wrap_label(f"{q} — {r.groep} ({r.jaar}, n = {int(r.n)})", 45))
        half = r.share_neutral / 2
        ax.barh(yi, -r.share_negative, left=-half, color=COLORS["kosten"], alpha=0.85)
        ax.barh(yi, r.share_neutral, left=-half, color="#c9ced3")
        ax.barh(yi, r.share_positive, left=half, color=COLORS["baten"], alpha=0.85)
        end = half + r.share_positive
        ax.errorbar(end, yi, xerr=[[r.share_positive - r.ci_low], [r.ci_high - r.share_positive]],
                    fmt="none", ecolor="black", capsize=3, lw=1)
    ax.set_yticks(y, labels, fontsize=SMALL_FONT)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlim(-1, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_pct(abs(v), 0)))
    ax.set_xlabel("← negatief (1–2, nee)   |   neutraal (3)   |   positief (4–5, ja) →")
    ax.set_title("Hoe tevreden? Laatste enquête per vraag en groep (streepje: 95%-interval)")
    return ax


def plot_buurtbudget(balance: pd.DataFrame, ax=None):
    """The buurtbudget of one wijk per year: received (up), spent (down), saved (line).

    Parameters
    ----------
    balance : pandas.DataFrame
        ``jaar``, ``ontvangen``, ``besteed``, ``gespaard`` per year.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> balance = pd.DataFrame({"jaar": [2021, 2022], "ontvangen": [50000.0, 50000.0],
    ...                         "besteed": [30000.0, 60000.0], "gespaard": [20000.0, 10000.0]})
    >>> ax = plot_buurtbudget(balance, ax=Figure().add_subplot())
    >>> len(ax.patches), len(ax.lines) >= 1
    (4, True)
    """
    ax = axes_for(ax, (MAX_WIDTH, 3.2))
    years = balance["jaar"].to_numpy()
    ax.bar(years, balance["ontvangen"], color=COLORS["baten"], alpha=0.85, label="ontvangen")
    ax.bar(years, -balance["besteed"], color=COLORS["kosten"], alpha=0.85, label="besteed")
    ax.plot(years, balance["gespaard"], color=COLORS["wijk"], marker="o", lw=2,
            label="gespaard (eind van het jaar)")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(list(years))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)}"))
    euro_axis(ax.yaxis)
    ax.set_title("Buurtbudget per jaar (nominaal)")
    ax.legend(fontsize=SMALL_FONT)
    return ax
