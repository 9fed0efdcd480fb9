"""The figures of plan and realisation (:mod:`mkba.analysis.compare`,
:mod:`mkba.analysis.monitor`): the waterfall from the NCW at the decision to the NCW now, and
the NCW with its interval at every kept moment. Same style and rules as
:mod:`mkba.figures.plots`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mkba.figures.style import (
    COLORS,
    HATCH,
    SMALL_FONT,
    axes_for,
    euro_axis,
    wrap_label,
)

__all__ = ["plot_plan_waterfall", "plot_monitor"]


def plot_plan_waterfall(steps: pd.DataFrame, ax=None):
    """From the NCW at the decision (first bar, grey) to the NCW now (last bar), one step per
    contribution: a step that raised the NCW plain, one that lowered it hatched. Horizontal,
    so every label is shown in full (wrapped).

    ``steps``: ``step``, ``amount``, ``cumulative`` as
    :meth:`mkba.analysis.compare.Comparison.waterfall` gives them (first row the start, last
    row the end).

    Parameters
    ----------
    steps : pandas.DataFrame
        ``step``, ``amount``, ``cumulative`` (see above).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> steps = pd.DataFrame({"step": ["NCW bij het besluit", "hogere kosten", "NCW nu"],
    ...                       "amount": [100000.0, -30000.0, 70000.0],
    ...                       "cumulative": [100000.0, 70000.0, 70000.0]})
    >>> ax = plot_plan_waterfall(steps, ax=Figure().add_subplot())
    >>> len(ax.patches)
    3
    """
    n = len(steps)
    ax = axes_for(ax, (8, 0.45 * n + 1.4))
    y = np.arange(n)[::-1]  # the decision at the top
    amount = steps["amount"].to_numpy(dtype=float)
    cumulative = steps["cumulative"].to_numpy(dtype=float)
    ax.barh(y[0], amount[0], color=COLORS["vergelijking"])
    ax.barh(y[-1], amount[-1], color=COLORS["wijk"])
    middle = slice(1, n - 1)
    bars = ax.barh(y[middle], amount[middle], left=cumulative[middle] - amount[middle],
                   color=[COLORS["baten"] if a > 0 else COLORS["kosten"]
                          for a in amount[middle]], edgecolor="white", linewidth=0)
    for bar, a in zip(bars, amount[middle], strict=True):
        bar.set_hatch(HATCH["baten" if a > 0 else "kosten"])
    for i in range(n - 1):  # a thin line from the end of one bar to the start of the next
        ax.plot([cumulative[i], cumulative[i]], [y[i] - 0.4, y[i + 1] + 0.4],
                color=COLORS["neutraal"], lw=0.7)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [wrap_label(s, 36) for s in steps["step"]], fontsize=SMALL_FONT)
    ax.grid(axis="y", visible=False)
    euro_axis(ax.xaxis)
    ax.set_xlabel("netto contante waarde (gearceerd: verlaagde de NCW)")
    ax.set_title("Van de NCW bij het besluit naar de NCW nu")
    return ax


def plot_monitor(moments: pd.DataFrame, ax=None):
    """The NCW at each kept moment (dot) with its 5–95 % Monte Carlo interval (bar): does the
    verdict converge or drift? ``moments``: one row per moment, oldest first, with
    ``version``, ``npv``, ``npv_p5``, ``npv_p95`` (:meth:`mkba.analysis.monitor.Monitor.of`).

    Parameters
    ----------
    moments : pandas.DataFrame
        One row per moment (see above).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> moments = pd.DataFrame({"version": ["2017-besluit", "nu"], "npv": [120000.0, 80000.0],
    ...                         "npv_p5": [-50000.0, 20000.0], "npv_p95": [300000.0, 150000.0]})
    >>> ax = plot_monitor(moments, ax=Figure().add_subplot())
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['2017 besluit', 'nu']
    """
    n = len(moments)
    ax = axes_for(ax, (8, 3.6))
    x = np.arange(n)
    npv = moments["npv"].to_numpy(dtype=float)
    low = moments["npv_p5"].to_numpy(dtype=float)
    high = moments["npv_p95"].to_numpy(dtype=float)
    ax.vlines(x, low, high, color=COLORS["baten"], lw=6, alpha=0.45,
              label="5–95 % van de trekkingen")
    ax.plot(x, npv, "o-", color=COLORS["wijk"], lw=1.2, label="NCW")
    ax.axhline(0, color=COLORS["kosten"], lw=1.2, ls="--")
    ax.set_xticks(x, [wrap_label(str(v).replace("-", " "), 14) for v in moments["version"]])
    ax.set_xlim(-0.5, n - 0.5)
    ax.grid(axis="x", visible=False)
    euro_axis(ax.yaxis)
    ax.set_ylabel("netto contante waarde")
    ax.set_title("De NCW op elk moment, met de onzekerheid van dat moment")
    # below the axes: inside, it may cover an interval
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize=SMALL_FONT)
    return ax
