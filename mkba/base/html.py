"""HTML pieces shared by the report, the session and the maps: escaping, non-breaking spaces,
figures as embedded PNG with a text alternative, accessible tables.

Only the standard library at import time (the batch worker escapes titles with :func:`esc`);
matplotlib is imported where a figure is drawn, and tables take a pandas DataFrame.
"""

from __future__ import annotations

import base64
import html
import io
import re

__all__ = ["Html", "esc", "nbsp", "figure_alt", "figure_html", "literal_text", "table_html",
           "para", "WIDE_TABLE"]


def esc(value) -> str:
    """Escape a value from an input file for HTML (quotes included).

    Examples
    --------
    >>> esc('<b>Buurthuis "De Ster"</b>')
    '&lt;b&gt;Buurthuis &quot;De Ster&quot;&lt;/b&gt;'
    >>> esc(None)
    ''
    """
    return html.escape("" if value is None else str(value), quote=True)


_UNIT_SPACE = re.compile(r"(?<=\d) (?=%|mln\b|mld\b)")


def nbsp(text: str) -> str:
    """Non-breaking spaces where a line must not break: after € and before %, mln, mld.

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
    """An embedded PNG of the Axes' figure (closed afterwards if pyplot made it), with a text
    alternative that says what it shows (``alt``, or one built from title, axes and legend)."""
    import matplotlib.pyplot as plt

    alt = alt or figure_alt(ax)
    fig = ax.figure
    literal_text(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    if plt.fignum_exists(getattr(fig, "number", -1)):
        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<div class="figuur-kader"><img class="figuur" alt="{esc(alt)}" '
            f'src="data:image/png;base64,{data}"></div>')


def literal_text(fig) -> None:
    """Show every text of a figure as written: names from input files may hold ``$…$``, which
    matplotlib would otherwise parse as mathtext (and fail on an unknown command)."""
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        text.set_parse_math(False)


#: From this many columns a table is printed in smaller type.
WIDE_TABLE = 9


def table_html(df, index: bool = False, caption: str = "") -> str:
    """A DataFrame as an escaped, accessible HTML table (pandas escapes cell text).

    Every table has a ``<caption>`` (``caption``, or the list of its columns) and ``scope`` on
    its header cells; a table with :data:`WIDE_TABLE` or more columns is printed smaller.
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
    """``text`` as a paragraph (the text is HTML already: escape input values first)."""
    return f"<p>{text}</p>"
