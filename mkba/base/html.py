"""HTML pieces shared by the report, the session and the maps: escaping, bidi controls,
non-breaking spaces, a figure as an embedded SVG with a text alternative, and the session's
accessible tables (the report builds its tables from templates, :mod:`mkba.report.blocks`).

Only the standard library at import time (the batch worker escapes titles with :func:`esc`);
matplotlib is imported where a figure is saved, and tables take a pandas DataFrame.
"""

from __future__ import annotations

import base64
import html
import io
import re

__all__ = ["Html", "esc", "nbsp", "strip_bidi", "BIDI_CONTROLS", "figure_alt", "figure_html",
           "literal_text", "table_html", "para", "WIDE_TABLE", "PRINT_WIDTH_PT"]

#: Characters that change the direction of the text around them: embeddings, overrides,
#: isolates and marks (Unicode Bidirectional Algorithm, UAX #9).
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: The width of the printed page's text (A4, 14 mm margins: 182 mm) in points. A figure no
#: wider than this prints at its own size, so its type prints at the size it was drawn in.
PRINT_WIDTH_PT = 182 / 25.4 * 72


def strip_bidi(text) -> str:
    """``text`` without bidirectional control characters (``None`` is the empty string): a
    right-to-left override in a name would otherwise reverse the amounts after it.

    Parameters
    ----------
    text : str or None
        The text.

    Returns
    -------
    str
        The text without bidi control characters.

    Examples
    --------
    >>> strip_bidi("Stichting \u202eABC\u202c (€ 421.000)")
    'Stichting ABC (€ 421.000)'
    >>> strip_bidi(None)
    ''
    """
    return BIDI_CONTROLS.sub("", "" if text is None else str(text))


def esc(value) -> str:
    """Escape a value from an input file for HTML (quotes included; bidi controls dropped).

    Parameters
    ----------
    value : object
        The value; None is the empty string.

    Returns
    -------
    str
        The escaped text.

    Examples
    --------
    >>> esc('<b>Buurthuis "De Ster"</b>')
    '&lt;b&gt;Buurthuis &quot;De Ster&quot;&lt;/b&gt;'
    >>> esc(None)
    ''
    """
    return html.escape(strip_bidi(value), quote=True)


_UNIT_SPACE = re.compile(r"(?<=\d) (?=%|mln\b|mld\b)")


def nbsp(text: str) -> str:
    """Non-breaking spaces where a line must not break: after € and before %, mln, mld.

    Parameters
    ----------
    text : str
        Text (plain or HTML).

    Returns
    -------
    str
        The text with non-breaking spaces.

    Examples
    --------
    >>> nbsp("NCW € 1,2 mln, 2,25 %") == "NCW €\u00a01,2\u00a0mln, 2,25\u00a0%"
    True
    """
    return _UNIT_SPACE.sub("\u00a0", text.replace("€ ", "€\u00a0"))



class Html:
    """A piece of HTML that notebooks display as is (``_repr_html_``).

    ``data`` adds other representations to the same output, e.g. the headline figures as
    JSON (:data:`~mkba.report.render.HEADLINE_MIME`) that the batch reads for its index; an HTML
    page ignores them.

    Parameters
    ----------
    text : str
        The HTML (already escaped where it holds input values).
    data : dict, optional
        Other representations by MIME type, shown beside the HTML.

    Examples
    --------
    >>> h = Html("<p>NCW</p>", {"application/json": {"npv": 1.0}})
    >>> h._repr_html_(), sorted(h._repr_mimebundle_())
    ('<p>NCW</p>', ['application/json', 'text/html'])
    """

    def __init__(self, text: str, data: dict | None = None):
        self.text = text
        self.data = data or {}

    def _repr_html_(self) -> str:
        return self.text

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self.text, **self.data}

    def __str__(self) -> str:
        return self.text


def figure_alt(ax) -> str:
    """A text alternative that says what a figure shows: its title, axes and legend.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The figure's Axes.

    Returns
    -------
    str
        The text alternative, in Dutch.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> _ = ax.set(title="Kosten en baten per jaar", xlabel="jaar", ylabel="euro")
    >>> figure_alt(ax)
    'Figuur: Kosten en baten per jaar (jaar tegen euro)'
    """
    fig = ax.figure
    title = ax.get_title() or (fig._suptitle.get_text() if fig._suptitle is not None else "")
    axes = " tegen ".join(t for t in (ax.get_xlabel(), ax.get_ylabel()) if t)
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()] if legend is not None else []
    text = "Figuur: " + (" ".join(title.split()) or "grafiek")
    if axes:
        text += f" ({' '.join(axes.split())})"
    if labels:
        text += "; legenda: " + ", ".join(" ".join(t.split()) for t in labels)
    return text


def figure_html(ax, alt: str = "") -> str:
    """The Axes' figure as an embedded SVG (closed afterwards if pyplot made it), with a text
    alternative that says what it shows (``alt``, or one built from title, axes and legend).

    SVG keeps the figure sharp at any width: the page scales it to the screen
    (``max-width: 100 %``) and prints it at its own size when it fits the page
    (:data:`PRINT_WIDTH_PT`). Its text stays text (``svg.fonttype: none``), so the PDF can be
    searched and its type measured; bidi controls are dropped from every text first.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The figure's Axes (its whole figure is saved).
    alt : str, optional
        The text alternative; by default one from :func:`figure_alt`.

    Returns
    -------
    str
        An ``<img>`` with the SVG as a data URL, in a ``<div class="figuur-kader">``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> _ = ax.plot([2020, 2021], [1, 2])
    >>> html = figure_html(ax, alt="Een lijn")
    >>> html.startswith('<div class="figuur-kader"><img class="figuur" alt="Een lijn"')
    True
    >>> "data:image/svg+xml;base64," in html
    True
    """
    import matplotlib as mpl  # matplotlib: ≈ 0,6 s at import; the batch worker imports this module
    import matplotlib.pyplot as plt

    alt = alt or figure_alt(ax)
    fig = ax.figure
    literal_text(fig)
    buf = io.StringIO()
    # a figure with constrained layout keeps its labels inside its own size already: saving it
    # as it is spares the extra drawing pass that bbox_inches="tight" makes (≈ 30 % of the
    # time a report spends on its figures)
    constrained = type(fig.get_layout_engine()).__name__ == "ConstrainedLayoutEngine"
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "mkba"}):
        fig.savefig(buf, format="svg", bbox_inches=None if constrained else "tight",
                    metadata={"Date": None})
    if plt.fignum_exists(getattr(fig, "number", -1)):
        plt.close(fig)
    svg = buf.getvalue()
    size = re.search(r'<svg[^>]*width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    dims = (f' width="{round(float(size[1]) * 4 / 3)}" height="{round(float(size[2]) * 4 / 3)}"'
            if size else "")
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<div class="figuur-kader"><img class="figuur" alt="{esc(alt)}"{dims} '
            f'src="data:image/svg+xml;base64,{data}"></div>')


def literal_text(fig) -> None:
    r"""Show every text of a figure as written: names from input files may hold ``$…$``, which
    matplotlib would otherwise parse as mathtext (and fail on an unknown command); bidi
    control characters are dropped (they would reverse the text around them).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, changed in place.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> ax = fig.add_subplot()
    >>> _ = ax.set_title("Stichting $\\foo$ \u202eABC")
    >>> literal_text(fig)
    >>> ax.title.get_text(), ax.title.get_parse_math()
    ('Stichting $\\foo$ ABC', False)
    """
    # matplotlib: ≈ 0,55 s at import; the batch worker imports this module
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)
        own = text.get_text()
        if BIDI_CONTROLS.search(own):
            text.set_text(strip_bidi(own))


#: From this many columns a table is printed in smaller type.
WIDE_TABLE = 9


def table_html(df, index: bool = False, caption: str = "") -> str:
    """A DataFrame as an escaped, accessible HTML table (pandas escapes cell text).

    Every table has a ``<caption>`` (``caption``, or the list of its columns) and ``scope`` on
    its header cells; a table with :data:`WIDE_TABLE` or more columns is printed smaller.

    Parameters
    ----------
    df : pandas.DataFrame
        The table; cell text is escaped.
    index : bool, default False
        Show the index as the first column (as row headers).
    caption : str, optional
        The table's caption; by default the list of its columns.

    Returns
    -------
    str
        The ``<table>`` (in a ``<div class="breed">`` when it is wide).

    Examples
    --------
    >>> import pandas as pd
    >>> html = table_html(pd.DataFrame({"naam": ["<b>x</b>"], "npv": [1.0]}), caption="NCW")
    >>> html.startswith('<table class="tabel"><caption>NCW</caption>'), "&lt;b&gt;x" in html
    (True, True)
    """
    text = df.to_html(index=index, escape=True, border=0, classes="tabel", na_rep="–")
    if not caption:
        caption = "Tabel met " + ", ".join(str(c) for c in df.columns)
    text = re.sub(r'<table[^>]*class="dataframe tabel"[^>]*>',
                  f'<table class="tabel"><caption>{esc(caption)}</caption>', text, count=1)
    text = text.replace('<tr style="text-align: right;">', "<tr>")
    text = text.replace("<th>", '<th scope="col">')
    head, sep, body = text.partition("<tbody>")
    if sep:
        text = head + sep + body.replace('<th scope="col">', '<th scope="row">')
    if df.shape[1] + (1 if index else 0) >= WIDE_TABLE:
        text = f'<div class="breed">{text}</div>'
    return text


def para(text: str) -> str:
    """``text`` as a paragraph (the text is HTML already: escape input values first).

    Parameters
    ----------
    text : str
        HTML text (input values already escaped with :func:`esc`).

    Returns
    -------
    str
        The text in ``<p>`` tags.

    Examples
    --------
    >>> para("NCW " + esc("<€ 5>"))
    '<p>NCW &lt;€ 5&gt;</p>'
    """
    return f"<p>{text}</p>"
