"""The report's title: the wijk by name, its gemeente, the date; it carries the headline
figures the batch index reads (:data:`~mkba.report.render.HEADLINE_MIME`)."""

from __future__ import annotations

import time

from mkba.report.regions import region_name
from mkba.report.render import HEADLINE_MIME
from mkba.report.sections.common import section_html

__all__ = ["render"]


def render(report):
    gemeente = region_name(report.profile.gemeente_code) if report.profile is not None \
        else None
    return section_html("title.html.j2", data={HEADLINE_MIME: report.headline()},
                        name=report.name, gemeente=gemeente, date=time.strftime("%d-%m-%Y"))
