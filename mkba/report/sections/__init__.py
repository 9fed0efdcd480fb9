"""The sections of the wijk report, one module each, each rendered from its template in
``mkba/report/templates/sections/``.

Every section is a function ``render(report) -> Html`` of a
:class:`~mkba.report.reports.WijkReport`; :data:`SECTIONS` lists them in the order the report
shows them, and ``WijkReport.section(name)`` renders one. A new section is a module here with a
``render`` function, its template, an entry in :data:`SECTIONS` and a cell in the notebook
``notebooks/wijkrapport.ipynb``.
"""

from __future__ import annotations

from mkba.report.sections import (
    appendix,
    assumptions,
    costbenefit,
    effects,
    financing,
    location,
    plan,
    pm,
    process,
    profile,
    summary,
    targets,
    title,
    uncertainty,
)

__all__ = ["SECTIONS"]

#: Every section by name, in the order of the report.
SECTIONS = {
    "title": title.render,
    "summary": summary.render,
    "targets": targets.render,
    "profile": profile.render,
    "map": location.render,
    "trends": profile.render_trends,
    "effects": effects.render,
    "mkba": costbenefit.render,
    "uncertainty": uncertainty.render,
    "plan": plan.render,
    "pm": pm.render,
    "process": process.render,
    "financing": financing.render,
    "buurtbudget": process.render_buurtbudget,
    "assumptions": assumptions.render,
    "appendix": appendix.render,
}
