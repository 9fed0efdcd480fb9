"""De wijk in cijfers: the wijk against its gemeente and the wijken most like it (CBS), and the
wijk through the years."""

from __future__ import annotations

import pandas as pd

from mkba.evidence.cbs import load_kwb
from mkba.evidence.indicators import indicator_series
from mkba.evidence.panel import indicator_label
from mkba.figures.plots import plot_indicator, plot_profile
from mkba.report.blocks import Table, figure
from mkba.report.regions import region_label, region_name
from mkba.report.sections.common import drawn, section_html

__all__ = ["render", "render_trends", "REPORT_PROFILE_ROWS", "TREND_INDICATORS"]

#: Rows of the profile table in the report (all rows stay available in the notebook).
REPORT_PROFILE_ROWS = (
    "AantalInwoners", "HuishoudensTotaal", "k_0Tot15Jaar", "k_65JaarOfOuder",
    "Eenpersoonshuishoudens", "HuishoudensMetKinderen", "GemiddeldeHuishoudensgrootte",
    "PersonenPerSoortUitkeringBijstand", "HuishOnderOfRondSociaalMinimum",
    "GemiddeldInkomenPerInwoner", "Nettoarbeidsparticipatie", "WmoClientenRelatief",
    "PercentageJongerenMetJeugdzorg", "Koopwoningen", "InBezitWoningcorporatie",
    "GemiddeldeWOZWaardeVanWoningen", "Bevolkingsdichtheid", "Woningvoorraad",
    "AfstandTotHuisartsenpraktijk", "AfstandTotGroteSupermarkt",
)
#: The series shown through the years (the first two with data over several years).
TREND_INDICATORS = ("PersonenPerSoortUitkeringBijstand", "AantalInwoners",
                    "GemiddeldeWOZWaardeVanWoningen", "k_65JaarOfOuder")


@drawn
def render(report):
    """The wijk in figures: its CBS profile beside the gemeente and similar wijken.

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
    >>> "geen CBS-cijfers" in render(report).text
    True
    """
    p = report.profile
    if p is None:
        return section_html("profile.html.j2", profile=None)
    gemeente = region_name(p.gemeente_code)
    similar = [region_label(s) for s in p.similar]
    table = Table.from_frame(p.summary(REPORT_PROFILE_ROWS),
                             f"De wijk in cijfers ({p.year}), naast de gemeente en de "
                             "wijken die erop lijken")
    return section_html("profile.html.j2", profile=p, gemeente=gemeente, similar=similar,
                        chart=figure(plot_profile(p)), table=table)


@drawn
def render_trends(report):
    """The trends of a few indicators for the wijk, its gemeente and similar wijken.

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
    A report of a wijk without CBS figures: no trends (the sections of the shipped case are
    tested in ``tests/test_reports.py``):

    >>> import pandas as pd
    >>> from mkba.report.reports import WijkReport
    >>> report = WijkReport("WK036330", "Transvaalbuurt", {"discount_rate": 0.0225,
    ...                     "price_year": 2024, "base_year": None, "horizon": None,
    ...                     "threshold": 10}, pd.DataFrame(columns=["taak_id", "naam"]), None,
    ...                     pd.DataFrame(), None)
    >>> render_trends(report).text == ""
    True
    """
    if report.profile is None:
        return section_html("trends.html.j2", charts=None)
    kwb = load_kwb()
    starts = report.tasks["startjaar"].min() if len(report.tasks) else None
    charts = []
    for indicator in TREND_INDICATORS:
        s = indicator_series(report.wijk_code, indicator, kwb=kwb,
                             comparisons=report.profile.similar,
                             threshold=report.profile.threshold)
        if len(s) < 2 or "wijk" not in s:
            continue
        ax = plot_indicator(s, start_year=None if pd.isna(starts) else int(starts),
                            title=indicator_label(indicator, report.case),
                            ylabel=s.attrs.get("unit") or "")
        charts.append(figure(ax))
        if len(charts) == 2:
            break
    return section_html("trends.html.j2", charts=charts)
