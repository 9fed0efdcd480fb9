"""The figures' one style: colours, hatching, type sizes, axes drawn with or without pyplot,
Dutch number axes and wrapped labels.

Type sizes are chosen for paper: a figure is drawn at most :data:`MAX_WIDTH` inches wide, so
that the printed report shows it at its own size (the page's text is 7,2 inches wide), and no
text is smaller than :data:`MIN_FONT` points.
"""

from __future__ import annotations

import re
import textwrap
from contextlib import contextmanager

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from mkba.base.formatting import fmt_eur_compact, fmt_number  # noqa: E402

__all__ = ["STYLE", "COLORS", "HATCH", "MIN_FONT", "SMALL_FONT", "MAX_WIDTH", "MAX_HEIGHT",
           "mkba_style",
           "detached", "axes_for", "wrap_label", "euro_axis", "number_axis"]

#: No text in a figure is smaller than this (points): printed at its own size it stays
#: readable on paper (issue 21: labels of at least 8 pt).
MIN_FONT = 9
#: Legends, annotations and long tick labels.
SMALL_FONT = 9
#: The widest figure (inches): 7,2 inches of text on an A4 page with 14 mm margins, less
#: the room that labels outside the axes take.
MAX_WIDTH = 6.8
#: The tallest figure (inches): a figure that fits half an A4 page of text never leaves a
#: half-empty page behind when it moves to the next page.
MAX_HEIGHT = 5.4

#: Colour-blind-safe (Okabe & Ito 2008: blue against vermillion, not green against red), each
#: with ≥ 3:1 contrast on white (WCAG 2.1 non-text contrast). Costs and benefits are also
#: told apart by a hatch pattern (:data:`HATCH`) and by their labels.
COLORS = {
    "wijk": "#1f4e79",       # the wijk / the project
    "gemeente": "#b35900",
    "vergelijking": "#767676",
    "baten": "#0072b2",
    "kosten": "#c0470a",
    "neutraal": "#5b6770",
}
#: Costs are hatched, benefits plain: readable in grey print and without colour vision.
HATCH = {"kosten": "///", "baten": ""}
STYLE = {
    "figure.figsize": (MAX_WIDTH, 3.4),
    "figure.dpi": 110,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titleweight": "bold",
    "axes.titlesize": 11.5,
    "axes.labelsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": SMALL_FONT,
    "font.size": 10,
    "legend.frameon": False,
    "text.parse_math": False,  # labels come from input files: "$" is a dollar, not mathtext
}


@contextmanager
def mkba_style():
    """Context manager that applies the suite's matplotlib style.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with mkba_style():
    ...     inside = mpl.rcParams["axes.spines.top"]
    >>> inside
    False
    """
    with plt.rc_context(STYLE):
        yield


_DETACHED = {"on": False}


@contextmanager
def detached():
    """Draw on bare matplotlib Figures (Agg) instead of pyplot: no global figure state and
    no notebook display hooks — what the reports use, as they embed the SVG themselves.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> before = plt.get_fignums()
    >>> with detached():
    ...     ax = axes_for(None)
    >>> type(ax.figure).__name__, plt.get_fignums() == before  # no pyplot figure was made
    ('Figure', True)
    """
    before = _DETACHED["on"]
    _DETACHED["on"] = True
    try:
        yield
    finally:
        _DETACHED["on"] = before


def axes_for(ax, figsize=None, *, fit_page: bool = True, constrained: bool = True):
    """``ax`` itself, or new Axes in the suite's style (on a bare Figure when
    :func:`detached`, else on a pyplot figure) of ``figsize`` inches, at most
    :data:`MAX_WIDTH` wide and (``fit_page``, for the report) :data:`MAX_HEIGHT` tall. With
    ``constrained`` (the default) matplotlib's constrained layout keeps every label inside
    the figure; a figure that places its parts itself (the maps) passes ``False``.

    Parameters
    ----------
    ax : matplotlib.axes.Axes or None
        Axes to draw on; None for new ones.
    figsize : tuple of float, optional
        Width and height in inches of new Axes.
    fit_page : bool, default True
        Keep new Axes at most :data:`MAX_HEIGHT` tall.
    constrained : bool, default True
        Use matplotlib's constrained layout.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, or the new Axes.

    Examples
    --------
    >>> with detached():
    ...     ax = axes_for(None, (20, 30))
    >>> w, h = ax.figure.get_size_inches()
    >>> bool(w <= MAX_WIDTH and h <= MAX_HEIGHT)
    True
    """
    if ax is not None:
        return ax
    if figsize is not None:
        figsize = (min(figsize[0], MAX_WIDTH),
                   min(figsize[1], MAX_HEIGHT) if fit_page else figsize[1])
    if _DETACHED["on"]:
        fig = Figure(figsize=figsize or STYLE["figure.figsize"], dpi=STYLE["figure.dpi"],
                     layout="constrained" if constrained else None)
    else:
        # pyplot's figure is made OUTSIDE the style context: the first pyplot figure of a
        # notebook activates the inline backend, which switches `interactive` on; inside
        # rc_context that switch would be undone on exit and later figures never appear
        fig = plt.figure(figsize=figsize or STYLE["figure.figsize"], dpi=STYLE["figure.dpi"],
                         layout="constrained" if constrained else None)
    with mkba_style():
        ax = fig.add_subplot()
    for key in ("axes.spines.top", "axes.spines.right"):
        ax.spines[key.split(".")[-1]].set_visible(False)
    ax.grid(True, alpha=0.3)
    # constrained layout keeps long labels inside the figure's width instead of widening it
    return ax


def wrap_label(label: str, width: int = 30) -> str:
    r"""A long axis label on several lines, so that the figure stays narrow enough to read on
    a phone (a long label makes the saved figure wider, and the page then shrinks it).

    Parameters
    ----------
    label : str
        The label.
    width : int, default 30
        Characters per line.

    Returns
    -------
    str
        The label with line breaks.

    Examples
    --------
    >>> wrap_label("Minder bijstand door doorstroom van vrijwilligers naar werk")
    'Minder bijstand door\ndoorstroom van vrijwilligers\nnaar werk'
    """
    # never break inside a number such as "1 000" (a no-break space is not a break point)
    label = re.sub(r"(?<=\d) (?=\d)", "\u00a0", str(label))
    return textwrap.fill(label, width=width, break_long_words=False)


def euro_axis(axis):
    """Euro amounts on an axis (€ 1,2 mln; € 45.000), at most five ticks.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        The axis (``ax.yaxis``), changed in place.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> euro_axis(ax.yaxis)
    >>> ax.yaxis.get_major_formatter()(1_200_000, 0)
    '€ 1,2 mln'
    """
    axis.set_major_locator(MaxNLocator(nbins=5))
    axis.set_major_formatter(FuncFormatter(lambda v, _: fmt_eur_compact(v)))


def number_axis(axis, decimals=0):
    """Dutch numbers on an axis.

    Parameters
    ----------
    axis : matplotlib.axis.Axis
        The axis (``ax.xaxis``), changed in place.
    decimals : int, default 0
        Decimals to show.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> number_axis(ax.xaxis, 1)
    >>> ax.xaxis.get_major_formatter()(1234.5, 0)
    '1.234,5'
    """
    axis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, decimals)))
