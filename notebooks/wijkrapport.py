# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -kernelspec,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
# ---

# %% [markdown]
# <!-- Wijkrapport. Maak het met: mkba report CASUS --wijk WK... --out MAP -->

# %% tags=["parameters"]
wijk_code: str = "WK036330"  # CBS-code van de wijk (WK…) of buurt (BU…)
case_path: str = "../data/voorbeeld"  # casus (map met CSV-bestanden of .xlsx), leeg voor alleen het wijkprofiel
discount_rate: "Optional[float]" = None  # reële discontovoet als fractie; None: die van het scenario, anders 0,0225 (2,25 %)
price_year: "Optional[int]" = None  # prijspeil van alle bedragen; None: het laatste jaar van de CPI-reeks
base_year: "Optional[int]" = None  # jaar waarnaar contant gemaakt wordt; None: het startjaar van elke taak
horizon: "Optional[int]" = None  # batenhorizon in jaren vanaf het startjaar (1–200); None: horizonjaar of eindjaar van de taak
volunteer_valuation: "Optional[str]" = None  # vervangingskosten, marktwaarde, gederfd_loon of nul; None: die van het scenario, anders vervangingskosten
market_value_code: "Optional[str]" = None  # kengetal met de marktprijs per uur; None: marktprijs_uur
wage_code: "Optional[str]" = None  # kengetal met het gederfde nettoloon per uur; None: nettoloon_uur
volunteer_benefit_code: "Optional[str]" = None  # kengetal met de waarde voor de vrijwilliger per uur; None: geen
peiljaar: "Optional[int]" = None  # eerste prognosejaar; None: uit de casus, anders vaste regel
threshold: int = 10  # aantallen kleiner dan deze drempel worden niet getoond
scenario_path: "Optional[str]" = None  # scenario met gekozen aannames (uit de evaluatiesessie); None: geen
map_file: "Optional[str]" = None  # eigen wijkgrenzen (GeoJSON, --kaart); None: de opgehaalde of meegeleverde kaart
plan_path: "Optional[str]" = None  # de versie van de casus waarover besloten is; None: besluit/ of versies/JJJJ-…besluit…/ naast de casus

# %%
from mkba.report.reports import wijk_report

rapport = wijk_report(wijk_code, case_path, discount_rate=discount_rate, price_year=price_year,
                      base_year=base_year, horizon=horizon,
                      volunteer_valuation=volunteer_valuation,
                      market_value_code=market_value_code, wage_code=wage_code,
                      volunteer_benefit_code=volunteer_benefit_code, peiljaar=peiljaar,
                      threshold=threshold, scenario_path=scenario_path, map_file=map_file,
                      plan_path=plan_path)
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
rapport.section_map()

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

# %%
rapport.section_plan()

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
