"""What the section modules share: rendering a section template into an
:class:`~mkba.base.html.Html` block, and drawing figures detached from pyplot."""

from __future__ import annotations

import functools

from mkba.base.html import Html
from mkba.figures.style import detached
from mkba.report.templating import render

__all__ = ["section_html", "drawn"]


def section_html(template: str, data: dict | None = None, **context) -> Html:
    """``templates/sections/<template>`` rendered with ``context``, as a notebook output.

    Parameters
    ----------
    template : str
        The template's name in ``templates/sections``.
    data : dict, optional
        Other representations of the output (:class:`mkba.base.html.Html`).
    **context
        The template's variables (autoescaped).

    Returns
    -------
    Html
        The section, as a notebook output.

    Examples
    --------
    >>> html = section_html("checks_warning.html.j2", messages=["<de som klopt niet>"])
    >>> "&lt;de som klopt niet&gt;" in html.text
    True
    """
    return Html(render(f"sections/{template}", **context), data=data)


def drawn(function):
    """A section that draws figures does so detached from pyplot (bare Figures, no notebook
    display hooks): the page embeds the SVG itself.

    Parameters
    ----------
    function : callable
        The section's render function.

    Returns
    -------
    callable
        The same function, drawing detached.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from mkba.figures.style import axes_for
    >>> @drawn
    ... def chart():
    ...     return axes_for(None)
    >>> before = plt.get_fignums()
    >>> _ = chart()
    >>> plt.get_fignums() == before
    True
    """
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with detached():
            return function(*args, **kwargs)

    return wrapper
