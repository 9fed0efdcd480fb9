"""Process evaluation beside the MKBA: success criteria, the coalition, the survey, and the
buurtbudget.

The guidance the product follows asks to evaluate both process and result: success criteria
agreed beforehand in four kinds (economisch, maatschappelijk, draagvlak, spin-off; plus proces),
the coalition of partners over time, and whether residents, users, volunteers and partners are
satisfied. The case carries them in the optional tables ``criteria``, ``partners`` and
``enquete`` (see :mod:`mkba.case.schema`); this package turns them into figures,
one module per concern:

- :mod:`mkba.process.survey`: the survey per question, group and year, and its change;
- :mod:`mkba.process.criteria`: the success criteria with their latest value, met or not;
- :mod:`mkba.process.coalition`: the partners per year (active, joined, left);
- :mod:`mkba.process.buurtbudget`: received, spent and saved per wijk and year;
- :mod:`mkba.process.block`: all of it as the ``process`` block of
  ``mkba evaluate --format json``.

Numbers only: the HTML is in :mod:`mkba.report.sections.process`, the figures in
:mod:`mkba.figures.plots`. Each module's docstring gives its rules, so that anyone can
recompute a figure by hand.
"""
