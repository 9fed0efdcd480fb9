"""Figures: every chart of the suite (:mod:`mkba.figures.plots`) in one style
(:mod:`mkba.figures.style`).

This layer sits above the results it draws (profiles, effect estimates, MKBA results, Monte
Carlo runs) and below the report that shows them; a result's ``plot()`` method imports its
figure when called, as statsmodels' results do.
"""
