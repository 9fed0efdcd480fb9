"""Building blocks of the report's sections: accessible tables (rendered from
``templates/table.html.j2``) and figures (SVG, :func:`mkba.base.html.figure_html`).

A :class:`Table` holds formatted cells (strings, or :class:`markupsafe.Markup` the package
built); the template escapes the strings. Templates print a table or a figure with
``{{ table }}``: both implement ``__html__``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup

from mkba.base.formatting import is_missing
from mkba.base.html import figure_html
from mkba.report.templating import render

__all__ = ["Column", "Table", "Figure", "figure", "WIDE_COLUMNS"]

#: From this many columns a table announces on a narrow screen that it scrolls sideways.
WIDE_COLUMNS = 5
#: A cell that is a number, an amount, a percentage, a ratio or a year (right-aligned).
_NUMERIC = re.compile(r"^(n\.v\.t\.|–|[<>≤≥]?\s?[−+-]?(€\s?)?[−+-]?\d[\d.,]*(\s?(%|mln|mld))?"
                      r"( \(\d{4}\))?)$")


@dataclass(frozen=True)
class Column:
    """A column of a :class:`Table`: its Dutch header, whether it holds numbers (aligned
    right) and whether readers look at it first (``key``: bold).

    Parameters
    ----------
    label : str
        The Dutch header.
    numeric : bool, default False
        The column holds numbers (aligned right).
    key : bool, default False
        Readers look at it first (bold).

    Examples
    --------
    >>> t = Table.of("Saldo", [Column("actor", key=True), Column("saldo", numeric=True)],
    ...              [["gemeente", "€ −1.000"]])
    >>> [(c.label, c.numeric, c.key) for c in t.columns]
    [('actor', False, True), ('saldo', True, False)]
    """

    label: str
    numeric: bool = False
    key: bool = False

    @property
    def css(self) -> Markup:
        names = [n for n, on in (("getal", self.numeric), ("kern", self.key)) if on]
        return Markup(' class="{}"').format(" ".join(names)) if names else Markup("")


def _cell(value):
    if isinstance(value, Markup):
        return value
    if value is None or (not isinstance(value, str) and is_missing(value)):
        return "–"
    return str(value)


@dataclass(frozen=True)
class Table:
    """A table for the report: caption, columns and rows of formatted cells.

    Parameters
    ----------
    caption : str
        The caption.
    columns : tuple of Column
        The columns.
    rows : tuple of tuple
        The formatted cells (text, or :class:`~markupsafe.Markup` kept as is).
    row_headers : bool, default False
        The first cell of each row is its header.
    kind : str, optional
        A label of the table's role (not shown); empty for none.

    Examples
    --------
    >>> t = Table.of("Saldo per actor", ["actor", "saldo"], [["<gemeente>", "€ 1.000"]])
    >>> html = str(t.__html__())
    >>> "<caption>Saldo per actor</caption>" in html, "&lt;gemeente&gt;" in html
    (True, True)
    >>> '<td class="getal">€ 1.000</td>' in html
    True
    """

    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    row_headers: bool = False
    kind: str = field(default="")

    @classmethod
    def of(cls, caption: str, columns, rows, *, key=(), numeric=None,
           row_headers: bool = False) -> Table:
        """A table from column names and rows; a column is numeric when every cell looks like
        a number (or as ``numeric`` says), and bold when its name is in ``key``."""
        rows = tuple(tuple(_cell(v) for v in row) for row in rows)
        cols = []
        for i, c in enumerate(columns):
            if isinstance(c, Column):
                cols.append(c)
                continue
            cells = [r[i] for r in rows if not isinstance(r[i], Markup)]
            num = (numeric[i] if numeric is not None else
                   bool(cells) and all(_NUMERIC.match(str(v).replace("\u00a0", " "))
                                       for v in cells))
            cols.append(Column(str(c), num, c in key))
        return cls(caption, tuple(cols), rows, row_headers)

    @classmethod
    def from_frame(cls, df, caption: str, *, key=(), index: bool = False) -> Table:
        """A table from a DataFrame whose cells are formatted already (missing: –)."""
        if index:
            df = df.reset_index()
        return cls.of(caption, list(df.columns), df.itertuples(index=False, name=None), key=key)

    @property
    def wide(self) -> bool:
        return len(self.columns) >= WIDE_COLUMNS

    def __html__(self) -> Markup:
        return render("table.html.j2", t=self)

    def __str__(self) -> str:
        return str(self.__html__())


@dataclass(frozen=True)
class Figure:
    """A drawn figure as SVG markup (``__html__``), with its text alternative inside.

    Parameters
    ----------
    markup : markupsafe.Markup
        The ``<img>`` with the SVG and its text alternative (:func:`mkba.base.html.figure_html`).

    Examples
    --------
    >>> Figure(Markup('<img alt="Een lijn">')).__html__()
    Markup('<img alt="Een lijn">')
    """

    markup: Markup

    def __html__(self) -> Markup:
        return self.markup


def figure(ax, alt: str = "") -> Figure:
    """The figure of ``ax`` for a section (SVG with a text alternative).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The figure's Axes (its whole figure is drawn, then closed).
    alt : str, optional
        The text alternative; by default one from title, axes and legend.

    Returns
    -------
    Figure
        The figure as SVG markup.

    Examples
    --------
    >>> from matplotlib.figure import Figure as MplFigure
    >>> ax = MplFigure().add_subplot()
    >>> _ = ax.plot([2020, 2021], [1, 2])
    >>> 'alt="Een lijn"' in figure(ax, "Een lijn").__html__()
    True
    """
    return Figure(Markup(figure_html(ax, alt)))
