# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# <!-- Wijkrapport. Maak het met: mkba report CASUS --wijk WK... --out MAP -->

# %% tags=["parameters"]
wijk_code: str = "WK036330"  # CBS-code van de wijk (WK…) of buurt (BU…)
case_path: str = "../data/voorbeeld"  # casus (map met CSV-bestanden of .xlsx), leeg voor alleen het wijkprofiel
discount_rate: float = 0.0225  # reële discontovoet als fractie (2,25 %)
price_year: int = 0  # prijspeil van alle bedragen, 0 voor het laatste jaar van de CPI-reeks
base_year: int = 0  # jaar waarnaar contant gemaakt wordt, 0 voor het startjaar van elke taak
horizon: int = 0  # aantal jaren vanaf het startjaar, 0 voor tot en met het eindjaar
threshold: int = 10  # aantallen kleiner dan deze drempel worden niet getoond
scenario_path: str = ""  # scenario met gekozen aannames (uit de evaluatiesessie), leeg voor geen

# %%
from mkba.reports import wijk_report

rapport = wijk_report(wijk_code, case_path, discount_rate=discount_rate, price_year=price_year,
                      base_year=base_year, horizon=horizon, threshold=threshold,
                      scenario_path=scenario_path)
rapport.title()

# %% [markdown]
# ## In het kort

# %%
rapport.summary()

# %% [markdown]
# ## Doelen: de stip aan de horizon

# %%
rapport.section_targets()

# %% [markdown]
# ## De wijk in cijfers

# %%
rapport.section_profile()

# %%
from mkba.maps import locator_section

locator_section(rapport)

# %%
rapport.section_trends()

# %% [markdown]
# ## Komt het door de taak?

# %%
rapport.section_effects()

# %% [markdown]
# ## Kosten en baten voor de samenleving

# %%
rapport.section_mkba()

# %% [markdown]
# ## Hoe zeker is de uitkomst?

# %%
rapport.section_uncertainty()

# %% [markdown]
# ## Wat niet in geld uit te drukken is

# %%
rapport.section_pm()

# %% [markdown]
# ## Hoe gaat het samenwerken?

# %%
rapport.section_process()

# %% [markdown]
# ## Financiering en hefboom

# %%
rapport.section_financing()

# %%
rapport.section_buurtbudget()

# %% [markdown]
# ## Aannames en bronnen

# %%
rapport.section_assumptions()

# %% [markdown]
# ## Bijlage: alle regels van de berekening

# %%
rapport.section_appendix()
