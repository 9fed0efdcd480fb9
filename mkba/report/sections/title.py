"""The report's title: the wijk by name, its gemeente, the date; it carries the headline
figures the batch index reads (:data:`~mkba.report.render.HEADLINE_MIME`)."""

from __future__ import annotations

import time

from mkba.report.regions import region_name
from mkba.report.render import HEADLINE_MIME
from mkba.report.sections.common import section_html

__all__ = ["render"]


def render(report):
    """The title of the report, with the headline figures for the batch index.

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
    >>> "Wijkrapport <bdi>Transvaalbuurt</bdi>" in render(report).text
    True
    """
    gemeente = region_name(report.profile.gemeente_code) if report.profile is not None \
        else None
    return section_html("title.html.j2", data={HEADLINE_MIME: report.headline()},
                        name=report.name, gemeente=gemeente, date=time.strftime("%d-%m-%Y"))
