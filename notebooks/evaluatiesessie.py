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
# # Evaluatiesessie met de coalitiepartners
#
# Wat als? Met de schuifjes hieronder verander je de aannames waar de partners het niet over
# eens zijn: hoeveel mensen echt aan werk kwamen, wat een uur vrijwilligerswerk waard is, hoe
# snel een effect uitdooft, de discontovoet, een correctie voor te optimistische plannen. De
# netto contante waarde (NCW), de baten/kostenverhouding, de verdeling over de partners en de
# waterval van kosten naar saldo rekenen meteen mee. Met de knop bewaar je de gekozen aannames
# als scenario; het wijkrapport en de batch kunnen met dat scenario rekenen.
#
# Dit notebook is de versie voor de analist. Aan tafel, met elke partner op een eigen telefoon
# of laptop, gebruik je de sessie-app (zie de handleiding, "De evaluatiesessie").

# %% tags=["parameters"]
case_path: str = "../data/voorbeeld"  # casus (map met CSV-bestanden of .xlsx)
task: str = "T2"  # de taak waarover de sessie gaat
variant: str = "maatschappelijk_aanbesteden"  # variant van de taak, leeg voor de eerste
discount_rate: float = 0.0225  # reële discontovoet waarmee de sessie begint
scenario_dir: str = "scenarios"  # map voor bewaarde scenario's (naast dit notebook)
draws: int = 2000  # Monte Carlo-trekkingen; 2000 zoals het wijkrapport (zelfde kans NCW > 0)

# %%
from mkba.report.sections.process import process_overview
from mkba.report.session import Session
from mkba.uncertainty import compare_variants, monte_carlo, sensitivity
from mkba.figures.plots import plot_monte_carlo, plot_tornado, plot_variants

sessie = Session(case_path, task, variant or None, discount_rate=discount_rate,
                 scenario_dir=scenario_dir)
sessie.widget()

# %% [markdown]
# ## Ter vergelijking: de casus zoals ingediend
#
# De schuifjes hierboven veranderen dit blok niet: het is het vaste vertrekpunt.

# %%
sessie.reference_view()

# %% [markdown]
# ## Resultaat én proces
#
# Naast de NCW: halen we de succescriteria die de partners vooraf afspraken, en hoe tevreden
# zijn bewoners, gebruikers, vrijwilligers en partners? Bespreek beide.

# %%
process_overview(sessie.case, task, sessie.result())

# %% [markdown]
# ## Welke aannames doen ertoe?
#
# Elke aanname apart van laag naar hoog (de andere blijven staan). "NCW = 0 bij" is de
# omslagwaarde: daar slaat het saldo om.

# %%
gevoeligheid = sensitivity(sessie.case, task, sessie.variant, discount_rate=discount_rate)
plot_tornado(gevoeligheid);

# %%
sessie.sensitivity_table(gevoeligheid)

# %% [markdown]
# ## Alle onzekerheid tegelijk (Monte Carlo)
#
# Met de aannames uit de casus en dezelfde trekkingen als het wijkrapport.

# %%
plot_monte_carlo(monte_carlo(sessie.case, task, sessie.variant, draws=draws, seed=0,
                             discount_rate=discount_rate));

# %% [markdown]
# ## De varianten naast elkaar
#
# Maatschappelijk aanbesteden tegenover de andere varianten, en het verschil met zijn
# onzekerheid (dezelfde trekkingen voor beide varianten).

# %%
vergelijking = compare_variants(sessie.case, task, draws=draws, seed=0,
                                discount_rate=discount_rate)
sessie.variants_table(vergelijking)

# %%
plot_variants(vergelijking["actors"]);
