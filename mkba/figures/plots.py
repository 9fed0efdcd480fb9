"""Every figure of the suite, in one style (:mod:`mkba.figures.style`), with Dutch labels and
Dutch number formats.

Each function is ``plot_*(…, ax=None)`` and returns the Axes. Suppressed figures (small
numbers) are never drawn or labelled: the tables they read already hold them as missing.
Figures draw the results of the layers below (a profile, an effect estimate, an MKBA result,
a Monte Carlo run); those results offer ``plot()`` methods that import the figure when called.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from mkba.base.formatting import fmt_chance, fmt_number, fmt_pct
from mkba.figures.process import (  # noqa: F401  (re-exported: one place to import figures)
    ROLE_COLORS,
    plot_buurtbudget,
    plot_coalition,
    plot_survey,
)
from mkba.figures.style import (  # noqa: F401  (COLORS, HATCH, detached: used with the figures)
    COLORS,
    HATCH,
    MAX_WIDTH,
    SMALL_FONT,
    STYLE,
    axes_for,
    detached,
    euro_axis,
    mkba_style,
    number_axis,
    wrap_label,
)
from mkba.figures.versions import plot_monitor, plot_plan_waterfall  # noqa: F401  (re-exported)

__all__ = ["STYLE", "COLORS", "HATCH", "mkba_style", "detached", "axes_for", "plot_profile",
           "plot_indicator", "plot_targets", "plot_effect", "plot_yearly", "plot_actors",
           "plot_ranking", "plot_tornado", "plot_monte_carlo", "plot_monte_carlo_actors",
           "plot_waterfall", "plot_variants", "plot_coalition", "plot_survey",
           "plot_buurtbudget", "plot_plan_waterfall", "plot_monitor"]


PROFILE_INDICATORS = (
    "PersonenPerSoortUitkeringBijstand", "HuishOnderOfRondSociaalMinimum",
    "GemiddeldInkomenPerInwoner", "k_65JaarOfOuder", "k_0Tot15Jaar", "Eenpersoonshuishoudens",
    "HuishoudensMetKinderen", "Koopwoningen", "InBezitWoningcorporatie",
    "GemiddeldeWOZWaardeVanWoningen", "WmoClientenRelatief", "PercentageJongerenMetJeugdzorg",
    "Bevolkingsdichtheid", "GemiddeldeHuishoudensgrootte",
)


def plot_profile(profile, ax=None, indicators=None):
    """The wijk against its gemeente and its similar wijken: deviation from the gemeente (%).

    Bars: the wijk; dots: the mean of the similar wijken. Suppressed indicators are left out.

    Parameters
    ----------
    profile : WijkProfile
        The wijk's profile (:func:`mkba.evidence.indicators.wijk_profile`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.
    indicators : sequence of str, optional
        The indicators shown; by default a fixed selection.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mkba.evidence.indicators import wijk_profile
    >>> ax = plot_profile(wijk_profile("WK036330"), ax=Figure().add_subplot())
    >>> len(ax.patches) > 0
    True
    """
    t = profile.table.set_index("indicator")
    wanted = [i for i in (indicators or PROFILE_INDICATORS) if i in t.index]
    t = t.loc[wanted]
    t = t[~t["suppressed"] & t["measure"].notna() & t["gemeente"].notna() & (t["gemeente"] != 0)]
    ax = axes_for(ax, (MAX_WIDTH, 0.3 * max(len(t), 3) + 1.3))
    if t.empty:
        ax.text(0.5, 0.5, "geen vergelijkbare cijfers", ha="center", transform=ax.transAxes)
        return ax
    dev = 100 * (t["measure"] / t["gemeente"] - 1)
    sim = 100 * (t["similar"] / t["gemeente"] - 1)
    y = np.arange(len(t))[::-1]
    ax.barh(y, dev, color=COLORS["wijk"], alpha=0.85, label=profile.name or profile.region_code)
    ax.scatter(sim, y, color=COLORS["vergelijking"], zorder=3, label="vergelijkbare wijken")
    ax.axvline(0, color=COLORS["gemeente"], lw=1.5, label="gemeente")
    ax.set_yticks(y, [wrap_label(f"{lab} ({u})" if isinstance(u, str) else lab)
                      for lab, u in zip(t["label"], t["measure_unit"], strict=True)])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{fmt_number(v)} %"))
    ax.set_xlabel("verschil met de gemeente")
    ax.set_title(f"{profile.name or profile.region_code} in {profile.year}")
    ax.legend(loc="lower right", fontsize=SMALL_FONT)
    return ax


def plot_indicator(series: pd.DataFrame, ax=None, start_year=None, title=None, ylabel=None):
    """An indicator over time: the wijk against its gemeente and its comparison wijken.

    ``series`` has one column per line, indexed by year; columns named ``wijk``, ``gemeente``
    and ``vergelijkingswijken`` get the suite's colours, other columns are drawn in grey.

    Parameters
    ----------
    series : pandas.DataFrame
        One column per line, indexed by year.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.
    start_year : int, optional
        The start of the task, marked with a vertical line.
    title : str, optional
        The title.
    ylabel : str, optional
        The label of the y axis (the unit).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> series = pd.DataFrame({"wijk": [70.0, 72.0, 66.0], "gemeente": [50.0, 51.0, 50.0]},
    ...                       index=[2017, 2019, 2021])
    >>> ax = plot_indicator(series, ax=Figure().add_subplot(), start_year=2018,
    ...                     title="Bijstand", ylabel="per 1.000 inwoners")
    >>> ax.get_title(), ax.get_ylabel()
    ('Bijstand', 'per 1.000 inwoners')
    """
    ax = axes_for(ax)
    for column in series.columns:
        color = COLORS.get({"vergelijkingswijken": "vergelijking"}.get(column, column),
                           COLORS["vergelijking"])
        width = 2.4 if column == "wijk" else 1.6
        ax.plot(series.index, series[column], marker="o", color=color, lw=width, label=column)
    if start_year is not None:
        ax.axvline(start_year - 0.5, color=COLORS["neutraal"], ls="--", lw=1)
        ax.annotate("start taak", (start_year - 0.5, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=SMALL_FONT)
    ax.set_xticks(list(series.index))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)}"))
    number_axis(ax.yaxis, 1 if series.abs().max().max() < 100 else 0)
    ax.set_ylabel(ylabel or "")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=SMALL_FONT)
    return ax


def plot_targets(attainment: pd.DataFrame, ax=None):
    """How far each target has come: share of the way from base to target (1 = reached).

    A ``label`` column (the indicator's Dutch name) is used on the axis when present.

    Parameters
    ----------
    attainment : pandas.DataFrame
        :func:`mkba.evidence.targets.target_attainment`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mkba import read_case, target_attainment
    >>> from mkba.base.assumptions import DATA_DIR
    >>> attainment = target_attainment(read_case(DATA_DIR / "voorbeeld"))
    >>> ax = plot_targets(attainment, ax=Figure().add_subplot())
    >>> len(ax.patches) == int(attainment["share_travelled"].notna().sum())
    True
    """
    t = attainment.dropna(subset=["share_travelled"])
    ax = axes_for(ax, (MAX_WIDTH, 0.4 * max(len(t), 2) + 1.3))
    if t.empty:
        ax.text(0.5, 0.5, "nog geen doelen met een gemeten voortgang", ha="center",
                transform=ax.transAxes)
        return ax
    y = np.arange(len(t))[::-1]
    share = t["share_travelled"].clip(-0.5, 1.5)
    colors = [COLORS["baten"] if a else COLORS["wijk"] for a in t["attained"]]
    ax.barh(y, share, color=colors, alpha=0.85)
    ax.axvline(1, color=COLORS["gemeente"], lw=1.5)
    ax.annotate("doel", (1, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                textcoords="offset points", fontsize=SMALL_FONT)
    ax.set_yticks(y, [wrap_label(f"{getattr(r, 'label', r.indicator)} "
                                 f"({r.task_id}, {r.target_year})") for r in t.itertuples()])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_pct(v, 0)))
    ax.set_xlabel("deel van de weg van basiswaarde naar streefwaarde")
    ax.set_title("Voortgang naar de doelen")
    return ax


def plot_effect(estimate, ax=None, gemeente: pd.Series | None = None):
    """Treated wijk(en) against the mean of the comparison wijken, start of the task marked.

    Parameters
    ----------
    estimate : EffectEstimate
        An effect estimate (with its panel).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.
    gemeente : pandas.Series, optional
        The gemeente's series by year, drawn as a third line.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mkba.evidence.calibration import synthetic_panel
    >>> from mkba.evidence.counterfactual import estimate_effect
    >>> panel, starts = synthetic_panel(0, effect=5.0)
    >>> ax = plot_effect(estimate_effect(panel, starts, indicator="y"), ax=Figure().add_subplot())
    >>> len(ax.lines) >= 2
    True
    """
    panel = estimate.panel
    ax = axes_for(ax)
    if panel is None or estimate.estimate is None:
        ax.text(0.5, 0.5, "geen schatting mogelijk", ha="center", transform=ax.transAxes)
        return ax
    treated = [w for w, _ in estimate.treated if w in panel.index]
    comps = [c for c in estimate.comparison_wijken if c in panel.index]
    data = {"wijk": panel.loc[treated].mean(axis=0),
            "vergelijkingswijken": panel.loc[comps].mean(axis=0)}
    if gemeente is not None:
        data["gemeente"] = gemeente
    series = pd.DataFrame(data).dropna(how="all")
    starts = sorted({s for _, s in estimate.treated})
    label = getattr(estimate, "label", "") or estimate.indicator
    plot_indicator(series, ax=ax, start_year=starts[0] if len(starts) == 1 else None,
                   title=f"{label}: wijk en vergelijkingswijken",
                   ylabel=getattr(estimate, "unit", "") or None)
    return ax


def plot_yearly(result, ax=None):
    """Costs (down) and benefits (up) per year, with the net flow, in euros of the price year.

    Parameters
    ----------
    result : MkbaResult
        The MKBA of one task and variant.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> result = evaluate(read_case(DATA_DIR / "voorbeeld")).result("T1")
    >>> ax = plot_yearly(result, ax=Figure().add_subplot())
    >>> len(ax.patches) > 0
    True
    """
    y = result.yearly()
    ax = axes_for(ax)
    ax.bar(y["year"], y["benefits"], color=COLORS["baten"], label="baten (omhoog)")
    ax.bar(y["year"], -y["costs"], color=COLORS["kosten"], hatch=HATCH["kosten"],
           edgecolor="white", linewidth=0, label="kosten (omlaag, gearceerd)")
    ax.plot(y["year"], y["net"], color="#1d2329", marker="o", lw=2, label="saldo")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(list(y["year"]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)}"))
    if len(ax.get_xticks()) > 12:  # rotated labels only where they would collide
        ax.tick_params(axis="x", rotation=45)
    euro_axis(ax.yaxis)
    ax.set_title(f"Kosten en baten per jaar (prijspeil {result.parameters['price_year']})")
    ax.legend(fontsize=SMALL_FONT, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    return ax


def plot_actors(result, ax=None):
    """Who pays and who gains: net present value per actor.

    Parameters
    ----------
    result : MkbaResult
        The MKBA of one task and variant.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes (:func:`mkba.figures.style.axes_for`).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> result = evaluate(read_case(DATA_DIR / "voorbeeld")).result("T1")
    >>> ax = plot_actors(result, ax=Figure().add_subplot())
    >>> len(ax.patches) == len(result.by_actor())
    True
    """
    a = result.by_actor().sort_values("npv")
    ax = axes_for(ax, (MAX_WIDTH, 0.4 * max(len(a), 2) + 1.3))
    colors = [COLORS["baten"] if v >= 0 else COLORS["kosten"] for v in a["npv"]]
    y = np.arange(len(a))
    bars = ax.barh(y, a["npv"], color=colors, edgecolor="white", linewidth=0)
    for bar, v in zip(bars, a["npv"], strict=True):
        bar.set_hatch(HATCH["baten" if v >= 0 else "kosten"])
    ax.set_yticks(y, a["actor"])
    ax.axvline(0, color="black", lw=0.8)
    euro_axis(ax.xaxis)
    ax.set_xlabel("saldo (contante waarde)")
    ax.set_title("Wie betaalt, wie wint")
    return ax


def plot_ranking(overview, indicator: str, ax=None, label: str | None = None):
    """All wijken of a gemeente ranked on one indicator; wijken with a task highlighted.

    ``label`` is the indicator's readable name on the axis (the code when not given).

    Parameters
    ----------
    overview : MunicipalityOverview
        The gemeente's wijken (:func:`mkba.evidence.indicators.municipality_overview`).
    indicator : str
        The indicator to rank on.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.
    label : str, optional
        The indicator's readable name.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mkba.evidence.indicators import municipality_overview
    >>> ax = plot_ranking(municipality_overview("GM0344"), "AantalInwoners",
    ...                   ax=Figure().add_subplot())
    >>> len(ax.patches), ax.get_title()
    (10, 'GM0344 in 2023: wijken met een taak in oranje')
    """
    t = overview.table.dropna(subset=[indicator]).sort_values(indicator)
    ax = axes_for(ax, (MAX_WIDTH, 0.28 * max(len(t), 4) + 1.2), fit_page=False)
    colors = [COLORS["gemeente"] if task else COLORS["wijk"] for task in t["taak"]]
    y = np.arange(len(t))
    ax.barh(y, t[indicator], color=colors, alpha=0.85)
    ax.set_yticks(y, [f"{n} ({c})" for n, c in zip(t["naam"], t["region_code"], strict=True)],
                  fontsize=SMALL_FONT)
    label = label or indicator
    ax.set_xlabel(f"{label} ({overview.units.get(indicator, '')})")
    ax.set_title(f"{overview.gemeente_code} in {overview.year}: wijken met een taak in oranje")
    number_axis(ax.xaxis, 0 if t[indicator].abs().max() >= 100 else 1)
    return ax


def plot_tornado(sens: pd.DataFrame, ax=None, top: int = 10):
    """One-way sensitivity: NPV with each input at its low and high value (largest swing on
    top); the vertical line is the NPV with every input at its value in the case. A ``label``
    column (the assumption's Dutch name) is shown instead of ``name`` when present.

    Parameters
    ----------
    sens : pandas.DataFrame
        One-way sensitivity (:func:`mkba.uncertainty.sensitivity.sensitivity`).
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.
    top : int, default 10
        How many inputs (largest swing first).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.uncertainty.sensitivity import sensitivity
    >>> sens = sensitivity(read_case(DATA_DIR / "voorbeeld"), "T1")
    >>> ax = plot_tornado(sens, ax=Figure().add_subplot())
    >>> len(ax.get_yticklabels()) == int((sens["swing"] > 0).sum())  # inputs that move the NCW
    True
    """
    t = sens[sens["swing"] > 0].head(top).iloc[::-1]
    ax = axes_for(ax, (MAX_WIDTH, 0.42 * max(len(t), 2) + 1.4))
    base = sens.attrs.get("npv", 0.0)
    if t.empty:
        ax.text(0.5, 0.5, "geen aannames met een bandbreedte die de NCW raken", ha="center",
                transform=ax.transAxes)
        return ax
    y = np.arange(len(t))
    ax.barh(y, t["npv_low"] - base, left=base, color=COLORS["wijk"], alpha=0.85,
            label="bij laag")
    ax.barh(y, t["npv_high"] - base, left=base, color=COLORS["gemeente"], alpha=0.85,
            label="bij hoog")
    ax.axvline(base, color="black", lw=1)
    ax.axvline(0, color=COLORS["kosten"], lw=1, ls="--")
    names = t["label"] if "label" in t else t["name"]
    ax.set_yticks(y, [wrap_label(f"{n} ({fmt_number(lo, 2)} – {fmt_number(hi, 2)})", 36)
                      for n, lo, hi in zip(names, t["low"], t["high"], strict=True)],
                  fontsize=SMALL_FONT)
    euro_axis(ax.xaxis)
    ax.set_xlabel("netto contante waarde")
    ax.set_title("Gevoeligheid: één aanname tegelijk")
    ax.legend(fontsize=SMALL_FONT, loc="lower right")
    return ax


def plot_monte_carlo(mc, ax=None):
    """Distribution of the NPV over the Monte Carlo draws, with P(NPV > 0).

    Parameters
    ----------
    mc : MonteCarloResult
        The Monte Carlo of one task and variant.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.uncertainty.montecarlo import monte_carlo
    >>> mc = monte_carlo(read_case(DATA_DIR / "voorbeeld"), "T1", draws=200)
    >>> ax = plot_monte_carlo(mc, ax=Figure().add_subplot())
    >>> len(ax.patches) > 0
    True
    """
    ax = axes_for(ax)
    values = mc.npv
    if np.ptp(values) == 0:
        ax.axvline(values[0], color=COLORS["wijk"], lw=3)
    else:
        ax.hist(values, bins=60, color=COLORS["wijk"], alpha=0.85)
    for q, style in ((5, ":"), (50, "-"), (95, ":")):
        ax.axvline(np.percentile(values, q), color=COLORS["neutraal"], ls=style, lw=1)
    ax.axvline(0, color=COLORS["kosten"], lw=1.5, ls="--")
    euro_axis(ax.xaxis)
    ax.set_yticks([])
    ax.set_xlabel("netto contante waarde (stippellijnen: 5 % en 95 %, lijn: mediaan)")
    ax.set_title(f"Monte Carlo ({fmt_number(mc.draws)} trekkingen): kans op NCW > 0 is "
                 f"{fmt_chance(mc.p_npv_positive)}")
    return ax


def plot_monte_carlo_actors(mc, ax=None, labels: dict | None = None):
    """The balance of each actor over the Monte Carlo draws (seaborn violins, quartiles
    marked): who could end up paying, and how sure each actor's gain is.

    ``labels`` maps actor names to what the reader should see (default: the names).

    Parameters
    ----------
    mc : MonteCarloResult
        The Monte Carlo of one task and variant.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.
    labels : dict, optional
        Actor name to what the reader sees.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mkba import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.uncertainty.montecarlo import monte_carlo
    >>> mc = monte_carlo(read_case(DATA_DIR / "voorbeeld"), "T1", draws=200)
    >>> ax = plot_monte_carlo_actors(mc, ax=Figure().add_subplot())
    >>> len(ax.get_yticklabels()) >= 2
    True
    """
    import seaborn as sns  # 0,2 s on first use (kernel warm-up loads it once per worker)

    a = mc.actor_npv
    order = list(a.median().sort_values().index)
    long = a[order].melt(var_name="actor", value_name="npv")
    long["actor"] = long["actor"].map(lambda n: wrap_label((labels or {}).get(n, n), 28))
    ax = axes_for(ax, (MAX_WIDTH, 0.6 * max(len(order), 2) + 1.4))
    with mkba_style():
        sns.violinplot(data=long, x="npv", y="actor", orient="h", ax=ax, cut=0,
                       inner="quart", density_norm="width", color=COLORS["baten"],
                       linewidth=0.8, saturation=0.8)
    ax.axvline(0, color=COLORS["kosten"], lw=1.5, ls="--")
    euro_axis(ax.xaxis)
    ax.set_xlabel("saldo per actor (contante waarde; streepjes: kwartielen)")
    ax.set_ylabel("")
    ax.set_title(f"Saldo per actor over {fmt_number(mc.draws)} trekkingen")
    return ax


def plot_waterfall(result, ax=None):
    """From costs to net result: each cost post (hatched, to the left), each effect (to the
    right), ending at the NPV. Horizontal, so that every label is shown in full (wrapped).

    Parameters
    ----------
    result : MkbaResult
        The MKBA of one task and variant.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from mkba import read_case, evaluate
    >>> from mkba.base.assumptions import DATA_DIR
    >>> result = evaluate(read_case(DATA_DIR / "voorbeeld")).result("T1")
    >>> ax = plot_waterfall(result, ax=Figure().add_subplot())
    >>> len(ax.patches) > 2
    True
    """
    w = result.waterfall()
    n = len(w) + 1
    ax = axes_for(ax, (MAX_WIDTH, 0.36 * n + 1.3))
    starts = np.r_[0.0, w["cumulative"].to_numpy()[:-1]]
    y = np.arange(n)[::-1]  # first step at the top
    bars = ax.barh(y[:-1], w["amount"], left=starts, color=[
        COLORS["kosten"] if a < 0 else COLORS["baten"] for a in w["amount"]],
        edgecolor="white", linewidth=0)
    for bar, a in zip(bars, w["amount"], strict=True):
        bar.set_hatch(HATCH["kosten" if a < 0 else "baten"])
    ax.barh(y[-1], result.npv, color=COLORS["wijk"])
    ax.axvline(0, color="black", lw=0.8)
    labels = [("kosten: " if a < 0 else "baten: ") + s.split(": ", 1)[-1]
              for s, a in zip(w["step"], w["amount"], strict=True)] + ["NCW (saldo)"]
    ax.set_yticks(y, [wrap_label(lab, 34) for lab in labels], fontsize=SMALL_FONT)
    ax.grid(axis="y", visible=False)
    euro_axis(ax.xaxis)
    ax.set_xlabel("contante waarde")
    ax.set_title("Van kosten naar saldo (contante waarde)")
    return ax


def plot_variants(actors: pd.DataFrame, ax=None):
    """Each actor's balance per variant (rows: variants, columns: actors).

    Parameters
    ----------
    actors : pandas.DataFrame
        Each actor's balance: variants as rows, actors as columns.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default new Axes.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> actors = pd.DataFrame({"gemeente": [-200000.0, -150000.0], "bewoners": [90000.0, 140000.0]},
    ...                       index=["klassiek_aanbesteden", "maatschappelijk_aanbesteden"])
    >>> ax = plot_variants(actors, ax=Figure().add_subplot())
    >>> len(ax.patches)
    4
    """
    ax = axes_for(ax)
    n_var, n_act = actors.shape
    width = 0.8 / max(n_var, 1)
    x = np.arange(n_act)
    palette = [COLORS["wijk"], COLORS["gemeente"], COLORS["baten"], COLORS["neutraal"]]
    for i, (variant, row) in enumerate(actors.iterrows()):
        ax.bar(x + i * width, row.to_numpy(), width, label=str(variant).replace("_", " "),
               color=palette[i % len(palette)], alpha=0.85)
    ax.set_xticks(x + width * (n_var - 1) / 2, list(actors.columns))
    ax.axhline(0, color="black", lw=0.8)
    euro_axis(ax.yaxis)
    ax.set_title("Saldo per actor en per variant")
    ax.legend(fontsize=SMALL_FONT)
    return ax


# --------------------------------------------------------------------------------------
# process evaluation (mkba.process)
