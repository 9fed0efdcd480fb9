"""What the section modules share: rendering a section template into an
:class:`~mkba.base.html.Html` block, and drawing figures detached from pyplot."""

from __future__ import annotations

import functools

from mkba.base.html import Html
from mkba.figures.style import detached
from mkba.report.templating import render

__all__ = ["section_html", "drawn"]


def section_html(template: str, data: dict | None = None, **context) -> Html:
    """``templates/sections/<template>`` rendered with ``context``, as a notebook output."""
    return Html(render(f"sections/{template}", **context), data=data)


def drawn(function):
    """A section that draws figures does so detached from pyplot (bare Figures, no notebook
    display hooks): the page embeds the SVG itself."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with detached():
            return function(*args, **kwargs)

    return wrapper
