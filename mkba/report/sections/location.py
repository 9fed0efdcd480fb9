"""Where the wijk lies: a locator map of its gemeente with the wijk marked, from the user's own
boundary file (``--kaart BESTAND.geojson``), else the newest boundary file that holds the wijk
(fetched with ``mkba cbs ophalen --kaart`` or shipped in ``data/cbs/geo``), credited as CBS
asks. Without a map that holds the wijk: one plain sentence, without file names or commands."""

from __future__ import annotations

import re

from mkba.evidence.geo import ATTRIBUTION, LICENCE, find_map, read_boundaries
from mkba.report.blocks import figure
from mkba.report.maps import boundary_notes, plot_locator
from mkba.report.regions import region_label
from mkba.report.sections.common import drawn, section_html

__all__ = ["render", "map_credit"]


def map_credit(boundaries, own: bool = False) -> str:
    """Who made the map, for readers (never a file name); ``own`` for the gemeente's own
    boundary file (``--kaart``) without a source in it.

    Parameters
    ----------
    boundaries : Boundaries
        The map.
    own : bool, default False
        The gemeente's own boundary file.

    Returns
    -------
    str
        The credit line, in Dutch.

    Examples
    --------
    >>> from mkba.report.maps import Boundaries
    >>> map_credit(Boundaries(source="CBS-kaart 2019"))  # doctest: +NORMALIZE_WHITESPACE
    'Kaart: Kadaster / Centraal Bureau voor de Statistiek, 2019 (CBS-kaart 2019;
     CC BY 4.0 (PDOK, CBS-diensten)).'
    >>> map_credit(Boundaries())
    'Kaart: wijkgrenzen zonder bronvermelding in het kaartbestand.'
    """
    if boundaries.source:
        year = re.search(r"(\d{4})", boundaries.source)
        credit = ATTRIBUTION.format(year=year.group(1)) if year else "CBS"
        return f"Kaart: {credit} ({boundaries.source}; {LICENCE})."
    if own:
        return "Kaart: de eigen wijkindeling van de gemeente."
    return "Kaart: wijkgrenzen zonder bronvermelding in het kaartbestand."


@drawn
def render(report):
    """Where the wijk lies: a small map of the gemeente with the wijk marked.

    Parameters
    ----------
    report : WijkReport
        Everything the report shows (:func:`mkba.report.reports.wijk_report`).

    Returns
    -------
    Html
        The section, as a notebook output.

    Examples
    --------
    A report of a wijk without a task or CBS figures (the sections of the shipped case are
    tested in ``tests/test_reports.py``):

    >>> import pandas as pd
    >>> from mkba.report.reports import WijkReport
    >>> report = WijkReport("WK036330", "Transvaalbuurt", {"discount_rate": 0.0225,
    ...                     "price_year": 2024, "base_year": None, "horizon": None,
    ...                     "threshold": 10}, pd.DataFrame(columns=["taak_id", "naam"]), None,
    ...                     pd.DataFrame(), None)
    >>> "Ligging van Transvaalbuurt" in render(report).text
    True
    """
    code = report.wijk_code
    label = region_label(code)
    notes = [n.replace(code, label) for n in boundary_notes(code)]
    niveau = "buurt" if code.startswith("BU") else "wijk"
    gemeente = "GM" + code[2:6]
    own = (getattr(report, "parameters", None) or {}).get("map_file")
    path = find_map(gemeente, niveau, own, code=code)
    b = read_boundaries(path).subset(gemeente) if path is not None else None
    if b is None or code not in b.rings:
        return section_html("location.html.j2", chart=None, notes=notes, niveau=niveau)
    shown = len(b.rings)
    return section_html("location.html.j2", chart=figure(plot_locator(b, code)),
                        credit=map_credit(b, own=bool(own)), partial="partial" in path.name,
                        notes=notes, niveau=niveau, shown=shown)
