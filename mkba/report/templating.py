"""The report's HTML comes from Jinja2 templates with autoescaping (``templates/``).

One :func:`environment` loads the templates of ``mkba/report/templates`` (a folder a designer
can edit: the page layout ``base.html.j2``, the style sheet ``report.css``, the report page
``report.html.j2``, shared macros ``macros.html.j2`` and one template per report section in
``sections/``). Autoescaping is on for every template and every string template, so a name from
an input file is escaped wherever it is shown; only :class:`markupsafe.Markup` (HTML this
package built from templates) passes unescaped.

Every value a template prints also loses its bidirectional control characters (U+202A–U+202E,
U+2066–U+2069, U+200E/U+200F, U+061C: :func:`strip_bidi`): a right-to-left override in a name
would otherwise reverse the amounts after it on the page and in the PDF. Names taken from input
are isolated as well (``<bdi>``, the ``name`` filter), so that a name in a right-to-left script
cannot reorder the text around it.

Only the standard library, Jinja2 and MarkupSafe are imported here (the batch worker renders
the page frame without pandas).
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from mkba.base.formatting import (
    fmt_chance,
    fmt_eur,
    fmt_eur_compact,
    fmt_number,
    fmt_pct,
    fmt_ratio,
)
from mkba.base.html import BIDI_CONTROLS, strip_bidi

__all__ = ["TEMPLATE_DIR", "BIDI_CONTROLS", "strip_bidi", "name", "environment", "finalize",
           "render", "render_string", "html_format", "stylesheet", "escaped", "Markup"]

#: The folder with every template and the style sheet of the reports (and the batch index).
TEMPLATE_DIR = Path(__file__).parent / "templates"
def name(value) -> Markup:
    """A name from an input file for the page: escaped, without bidi controls and isolated
    (``<bdi>``), so that it cannot reorder the text around it.

    Parameters
    ----------
    value : object
        The name.

    Returns
    -------
    markupsafe.Markup
        ``<bdi>`` with the escaped name.

    Examples
    --------
    >>> str(name('Bewoners & <b>Co</b>\\u202e'))
    '<bdi>Bewoners &amp; &lt;b&gt;Co&lt;/b&gt;</bdi>'
    """
    return Markup("<bdi>{}</bdi>").format(strip_bidi(value))


def html_format(template: str, *args, **kwargs) -> Markup:
    """A small piece of HTML with values filled in escaped and without bidi controls (what
    the sentences of :mod:`mkba.report.text` use instead of hand escaping). Values that are
    already :class:`Markup` are kept.

    Parameters
    ----------
    template : str
        HTML with ``{}`` fields (trusted: written in the code).
    *args, **kwargs
        The values to fill in.

    Returns
    -------
    markupsafe.Markup
        The HTML.

    Examples
    --------
    >>> str(html_format("Sinds {} voert {} de taak uit.", 2018, "<Stichting>"))
    'Sinds 2018 voert &lt;Stichting&gt; de taak uit.'
    """
    def clean(v):
        return v if isinstance(v, Markup) else strip_bidi(v)

    return Markup(template).format(*[clean(a) for a in args],
                                   **{k: clean(v) for k, v in kwargs.items()})


def finalize(value):
    """Applied to every ``{{ … }}`` before escaping, in the report's and the batch index's
    templates: None prints nothing and plain strings lose their bidi controls (Markup was
    built by the package and is kept).

    Parameters
    ----------
    value : object
        What a template prints.

    Returns
    -------
    object
        The value as the template should print it.

    Examples
    --------
    >>> finalize(None), finalize("De \u202eKolenkit"), finalize(3)
    ('', 'De Kolenkit', 3)
    """
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return strip_bidi(value)
    return value


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the reports: templates from :data:`TEMPLATE_DIR`,
    autoescaping on everywhere, undefined names are errors, Dutch number filters.

    Filters: ``eur`` (€ 1.234), ``eur2`` (€ 18,80), ``eur_compact``, ``pct`` (2,3 %),
    ``pct0`` (2 %), ``chance`` (never 100 %), ``number``, ``ratio`` and ``name`` (an isolated
    name from input).

    Examples
    --------
    >>> env = environment()
    >>> env.from_string("{{ x }} {{ y | eur }}").render(x="<b>", y=1234.5)
    '&lt;b&gt; € 1.234'
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined, finalize=finalize, trim_blocks=True,
        lstrip_blocks=True)
    env.globals["stylesheet"] = stylesheet
    env.filters.update(
        eur=fmt_eur, eur2=lambda v: fmt_eur(v, 2), eur_compact=fmt_eur_compact,
        pct=fmt_pct, pct0=lambda v: fmt_pct(v, 0), pct2=lambda v: fmt_pct(v, 2),
        chance=fmt_chance, number=fmt_number, ratio=fmt_ratio, name=name)
    return env


@functools.lru_cache(maxsize=1)
def stylesheet() -> Markup:
    """The style sheet ``templates/report.css`` as it is (CSS, not escaped).

    Examples
    --------
    >>> "@page" in stylesheet()
    True
    """
    return Markup((TEMPLATE_DIR / "report.css").read_text(encoding="utf-8"))


def render(template: str, **context) -> Markup:
    """Render a template of :data:`TEMPLATE_DIR` (e.g. ``"sections/pm.html.j2"``).

    Parameters
    ----------
    template : str
        The template's path in :data:`TEMPLATE_DIR`.
    **context
        The template's variables (autoescaped).

    Returns
    -------
    markupsafe.Markup
        The HTML.

    Examples
    --------
    >>> "<bdi>" in render("macros.html.j2")  # macros only: renders to nothing
    False
    """
    return Markup(environment().get_template(template).render(**context))


def render_string(source: str, **context) -> Markup:
    """Render a template given as a string (autoescaped like the files).

    Parameters
    ----------
    source : str
        The template.
    **context
        The template's variables (autoescaped).

    Returns
    -------
    markupsafe.Markup
        The HTML.

    Examples
    --------
    >>> str(render_string("<p>{{ who | name }}</p>", who="<x>"))
    '<p><bdi>&lt;x&gt;</bdi></p>'
    """
    return Markup(environment().from_string(source).render(**context))


def escaped(value) -> Markup:
    """``value`` escaped and without bidi controls (for code that joins pieces itself).

    Parameters
    ----------
    value : object
        The value; None is the empty string.

    Returns
    -------
    markupsafe.Markup
        The escaped text.

    Examples
    --------
    >>> escaped('<b>"De Ster"</b>')
    Markup('&lt;b&gt;&#34;De Ster&#34;&lt;/b&gt;')
    """
    return escape(strip_bidi(value))
