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
# # Verkenning: alle wijken van een gemeente naast elkaar
#
# Voor analisten. Kies hieronder een gemeente, een jaar en een indicator; de cijfers komen van
# het CBS (Kerncijfers wijken en buurten). Wijken met een overgedragen taak staan in oranje.
# Aantallen kleiner dan de drempel worden niet getoond.

# %% tags=["parameters"]
gemeente_code: str = "GM0363"  # CBS-code van de gemeente
year: int = 0  # jaar van de CBS-cijfers, 0 voor het meest recente volledige jaar
case_path: str = "../data/voorbeeld"  # casus (map met CSV-bestanden of .xlsx), leeg voor geen
indicator: str = "PersonenPerSoortUitkeringBijstand"  # indicator voor de rangorde
threshold: int = 10  # aantallen kleiner dan deze drempel worden niet getoond

# %%
import mkba
from mkba.evidence.indicators import municipality_overview

casus = mkba.read_case(case_path) if case_path else None
overzicht = municipality_overview(gemeente_code, year or None, case=casus, threshold=threshold)
overzicht

# %% [markdown]
# ## De wijken in cijfers

# %%
overzicht.summary()

# %% [markdown]
# ## Rangorde op de gekozen indicator

# %%
overzicht.plot_ranking(indicator);

# %% [markdown]
# ## Op de kaart
#
# Met een casus: de netto contante waarde (NCW) per inwoner in de wijken met een taak; zonder
# casus: het aantal inwoners. De wijkgrenzen komen van het CBS via PDOK
# (`mkba cbs ophalen --gemeente ... --kaart`).

# %%
from mkba.report.maps import choropleth

choropleth(gemeente_code, case=casus, year=year or None, threshold=threshold)

# %% [markdown]
# ## Kosten en baten van de overgedragen taken

# %%
evaluatie = mkba.evaluate(casus) if casus is not None else None
evaluatie.summary() if evaluatie is not None else "geen casus gekozen"

# %% [markdown]
# ## Doelen

# %%
mkba.target_attainment(casus, mkba.load_kwb()) if casus is not None else "geen casus gekozen"
