"""The wijk report's content: what the notebook ``notebooks/wijkrapport.ipynb`` shows.

The notebook only displays what :func:`wijk_report` computes: every section is an object with
``_repr_html_`` whose HTML is built here, with every name that comes from an input file escaped
and every figure embedded as a PNG data URI, so that the page is self-contained and opens
offline.

Executing the notebook and writing the HTML page is :mod:`mkba.report.render` (re-exported here):
that side runs in batch workers, which should not load pandas for it.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field, replace

import pandas as pd

from mkba.analysis.checks import failed as failed_checks
from mkba.base.assumptions import (  # noqa: F401
    ASSUMPTIONS,
    DATA_DIR,
    NOTEBOOK_DIR,
    REPORT_NOTEBOOK,
    SMALL_NUMBER_THRESHOLD,
)
from mkba.base.errors import CaseError
from mkba.base.formatting import fmt_eur, fmt_eur_compact, fmt_number, fmt_pct, fmt_ratio
from mkba.base.html import Html, esc, figure_html, para, table_html
from mkba.base.settings import Settings
from mkba.report.render import (  # noqa: F401  (re-exported: the public names of the report API)
    HEADLINE_MIME,
    KernelRunner,
    check_wijk_code,
    export_html,
    render_report,
    report_parameters,
)
from mkba.report.text import (
    DATA_AGE_WARNING,
    compare_variants_sentence,
    illustrative_values,
    report_year,
    scenario_sentence,
    targets_sentence,
    task_sentence,
    trace_lines,
    variant_label,
    volunteer_actors,
)

__all__ = ["WijkReport", "wijk_report", "render_report", "KernelRunner", "Html",
           "REPORT_NOTEBOOK", "report_parameters"]

MAX_EFFECTS = 3
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


@functools.lru_cache(maxsize=1)
def _region_names() -> dict:
    from mkba.evidence.cbs import load_kwb, region_names

    return region_names(load_kwb()).to_dict()


def region_name(code: str) -> str:
    """The CBS name of a region code (the code itself when the name is unknown).

    Examples
    --------
    >>> region_name("GM0363"), region_name("WK999999")
    ('Amsterdam', 'WK999999')
    """
    return str(_region_names().get(code, code))


def headline_tasks(results) -> list[dict]:
    """Per task and variant its name, NPV and B/C ratio as plain JSON values (the index)."""
    return [{"task_id": r.task_id, "name": r.name, "variant": r.variant, "npv": float(r.npv),
             "bc_ratio": None if pd.isna(r.bc_ratio) else float(r.bc_ratio)} for r in results]


def _drawn(method):
    """Sections draw their figures detached from pyplot (see :func:`mkba.base.plots.detached`)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        from mkba.base.plots import detached

        with detached():
            return method(self, *args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class WijkReport:
    """Everything the wijk report shows, computed once; sections render as HTML."""

    wijk_code: str
    name: str
    parameters: dict
    tasks: pd.DataFrame
    evaluation: object | None
    targets: pd.DataFrame
    profile: object | None
    effects: tuple = ()
    case: object | None = None
    notes: tuple[str, ...] = field(default=())
    uncertainty: dict = field(default_factory=dict)
    variants: dict = field(default_factory=dict)
    scenario: object | None = None
    #: the consistency checks of this wijk's tasks (:mod:`mkba.analysis.checks`)
    checks: tuple = ()

    # ------------------------------------------------------------------ pieces

    @property
    def results(self) -> list:
        return [] if self.evaluation is None else self.evaluation.results()

    def headline(self) -> dict:
        """Headline figures for the batch's index: name, inhabitants (unless suppressed) and
        per task and variant the NPV and B/C ratio (plain JSON values)."""
        out = {"name": self.name, "inhabitants": None, "year": None,
               "tasks": headline_tasks(self.results), "buurtbudget": None,
               "checks_failed": len(failed_checks(self.checks))}
        if self.case is not None:
            from mkba.evidence.process import buurtbudget_summary

            out["buurtbudget"] = buurtbudget_summary(self.case, self.wijk_code)
        if self.profile is not None:
            t = self.profile.table.set_index("indicator")
            if "AantalInwoners" in t.index and not t.at["AantalInwoners", "suppressed"] \
                    and pd.notna(t.at["AantalInwoners", "value"]):
                out["inhabitants"] = float(t.at["AantalInwoners", "value"])
                out["year"] = int(self.profile.year)
        return out

    # ------------------------------------------------------------------ sections

    def title(self) -> Html:
        gemeente = ""
        if self.profile is not None:
            gemeente = f" · gemeente {esc(region_name(self.profile.gemeente_code))}"
        return Html(f"<h1>Wijkrapport {esc(self.name)}</h1>"
                    f"<p class='sub'>{esc(self.wijk_code)}{gemeente} · "
                    f"gemaakt met mkba op {time.strftime('%d-%m-%Y')}</p>",
                    data={HEADLINE_MIME: self.headline()})

    def summary(self) -> Html:
        """The first page in plain Dutch (B1): what, what it cost, what it yielded, who gains,
        how sure it is, and what the figures rest on (illustrative values, a scenario, the age
        of the CBS figures)."""
        if self.tasks.empty:
            parts = [para(f"In {esc(self.name)} is geen taak overgedragen aan bewoners of "
                        "ondernemers. Dit rapport laat zien hoe de wijk ervoor staat in de "
                        "cijfers van het CBS, vergeleken met de gemeente en met wijken die erop "
                        "lijken.")]
            parts += self._data_age()
            return Html("".join(parts))
        parts = [self._checks_warning()] if failed_checks(self.checks) else []
        by_task: dict[str, list] = {}
        for r in self.results:
            by_task.setdefault(r.task_id, []).append(r)
        tasks = self.tasks.set_index("taak_id")
        for task_id, results in by_task.items():
            task = tasks.loc[task_id]
            parts.append(f"<h3>{esc(task['naam'])}</h3>")
            parts.append(para(task_sentence(task, [r.variant for r in results])))
            if isinstance(task.get("doel"), str):
                parts.append(para(f"Het doel: {esc(task['doel'].rstrip('.'))}."))
            for r in results:
                if len(results) > 1:
                    parts.append(f"<h4>Variant: {esc(variant_label(r.variant))}</h4>")
                parts.append(self._result_text(r))
            if len(results) > 1:
                parts.append(para(compare_variants_sentence(results)))
            illustrative = illustrative_values(self.case, task_id) if self.case is not None \
                else []
            if illustrative:
                parts.append("<p class='let-op'>Let op: deze bedragen rusten deels op waarden "
                             "die de casus <b>illustratief</b> noemt (geen echte bron): "
                             + esc("; ".join(illustrative)) + ".</p>")
        targets = self.targets
        if len(targets):
            done = int(targets["attained"].fillna(False).astype(bool).sum())
            parts.append(para(f"<b>Doelen:</b> {targets_sentence(done, len(targets))}"))
        if self.scenario is not None:
            parts.append("<p class='let-op'>" + scenario_sentence(self.scenario) + "</p>")
        parts += self._criteria_page_one()
        parts.append(para(f"Alle bedragen zijn in euro's van {self.parameters['price_year']} en "
                        "teruggerekend naar het startjaar van de taak (contante waarde)."
                        + self._peiljaar_sentence()))
        parts += self._data_age()
        return Html("".join(parts))

    def _peiljaar_sentence(self) -> str:
        """Which peiljaar the figures use and where it came from (issue 19: never today's
        date)."""
        p = self.evaluation.parameters if self.evaluation is not None else {}
        if p.get("peiljaar") is None:
            return ""
        source = {"casus": "uit de casus", "instelling": "opgegeven",
                  "regel": "vaste regel: het jaar na het laatste CPI-jaar"}.get(
            p.get("peiljaar_source"), "")
        return (f" Jaren vóór {p['peiljaar']} zijn gerealiseerd, vanaf {p['peiljaar']} is het "
                f"een prognose (peiljaar {p['peiljaar']}, {source}).")

    def _checks_warning(self) -> str:
        """The warning at the top of page one when a consistency check failed."""
        bad = failed_checks(self.checks)
        items = "".join(f"<li>{esc(c.message)}</li>" for c in bad)
        return ("<div class='let-op'><p><b>Let op: de uitkomsten hieronder spreken elkaar "
                f"tegen ({len(bad)} controle{'s' if len(bad) != 1 else ''} mislukt). Gebruik "
                "ze niet voordat dit is opgelost:</b></p>"
                f"<ul>{items}</ul><p>Zie 'Controles' in de bijlage.</p></div>")

    def _checks_table(self) -> str:
        if not self.checks:
            return ""
        return ("<h3>Controles</h3>" + para(
            "Elk getal in dit rapport is op een tweede manier nagerekend: de saldi per actor "
            "tellen op tot de NCW, overdrachten tot nul, een ander prijspeil verandert alleen "
            "de schaal, financiering staat in de rekening, de Monte Carlo trekt alleen "
            "waarden die bij de regels horen, en de afgeronde bedragen op pagina één tellen "
            "op zoals de zin zegt.")
            + table_html(pd.DataFrame({
                "controle": [c.name.replace("_", " ") for c in self.checks],
                "taak": [c.task_id or "alle" for c in self.checks],
                "variant": [variant_label(c.variant) if c.variant else "–"
                            for c in self.checks],
                "uitkomst": [c.status for c in self.checks],
                "toelichting": [c.message for c in self.checks]})))

    def _result_text(self, r) -> str:
        """Cost, benefit, balance, chance, PM items and who pays or gains, for one variant."""
        text = []
        verdict = (f"Dat is {fmt_eur_compact(abs(r.npv))} <b>meer</b> dan het kost."
                   if r.npv >= 0 else
                   f"Dat is {fmt_eur_compact(abs(r.npv))} <b>minder</b> dan het kost.")
        text.append(para(
            f"Over {r.start_year}–{r.end_year} kost de taak de samenleving "
            f"{fmt_eur_compact(r.pv_costs)}. Wat we in geld kunnen uitdrukken, levert "
            f"{fmt_eur_compact(r.pv_benefits)} op. {verdict}"))
        chance = self.p_npv_positive(r.task_id, r.variant)
        if chance is not None:
            text.append(para(f"De kans dat de baten groter zijn dan de kosten is "
                           f"<b>{fmt_pct(chance, 0)}</b> (zie 'Hoe zeker is de uitkomst?')."))
        pm = r.pm()
        if len(pm):
            items = ", ".join(f"{esc(e).lower()} ({esc(s) if isinstance(s, str) else '?'})"
                              for e, s in zip(pm["effect"], pm["pm_score"], strict=True))
            text.append(para(f"Niet alles is in geld uit te drukken. Ook belangrijk: {items}."))
        actors = r.by_actor().sort_values("npv")
        volunteers = volunteer_actors(self.case, r.task_id, r.variant) \
            if self.case is not None else set()
        sentences = []
        if len(actors) and actors.iloc[-1]["npv"] > 0:
            gain = actors.iloc[-1]
            sentences.append(f"Het meest wint: {esc(gain['actor'])} "
                             f"({fmt_eur_compact(gain['npv'])}).")
        payers = actors[(actors["npv"] < 0) & ~actors["actor"].isin(volunteers)]
        if len(payers):
            loss = payers.iloc[0]
            sentences.append(f"Het meest betaalt: {esc(loss['actor'])} "
                             f"({fmt_eur_compact(-loss['npv'])}).")
        for actor in actors["actor"]:
            if actor in volunteers:
                cost = float(actors.loc[actors["actor"] == actor, "pv_costs"].sum())
                if cost > 0:
                    sentences.append(f"{esc(actor).capitalize()} zetten tijd in ter waarde van "
                                     f"{fmt_eur_compact(cost)}.")
        if sentences:
            text.append(para(" ".join(sentences)))
        return "".join(text)

    def p_npv_positive(self, task: str, variant: str) -> float | None:
        """The chance that NPV > 0 from the report's one Monte Carlo run (every place in the
        report shows this same number)."""
        extra = self.uncertainty.get((task, variant))
        return None if extra is None else float(extra["monte_carlo"].p_npv_positive)

    def _data_age(self) -> list[str]:
        if self.profile is None:
            return []
        year, now = int(self.profile.year), report_year()
        out = [para(f"De wijkcijfers van het CBS in dit rapport zijn van {year}.")]
        if now - year > DATA_AGE_WARNING:
            out.append(f"<p class='let-op'>Let op: de CBS-cijfers zijn {now - year} jaar ouder "
                       f"dan dit rapport ({now}). De wijk kan sindsdien veranderd zijn; voeg "
                       "recentere cijfers toe (<code>mkba.read_kwb</code>).</p>")
        return out

    @_drawn
    def section_targets(self) -> Html:
        if self.targets.empty:
            return Html(para("Voor deze wijk zijn geen doelen vastgelegd."))
        t = self.targets

        def yes_no(v):
            return "–" if v is None or pd.isna(v) else ("ja" if v else "nee")

        from mkba.evidence.panel import indicator_label

        # one Dutch name for table and chart: the case's omschrijving, the CBS title, or the
        # code made readable (never bezoekers_buurthuis as a label)
        t = t.assign(label=[indicator_label(i, self.case) for i in t["indicator"]])
        shown = pd.DataFrame({
            "taak": t["task_id"],
            "indicator": t["label"],
            "bron": t["source"],
            "basis": [f"{fmt_number(v, 2 if abs(v) < 10 else 0)} ({y})" if pd.notna(v) else "–"
                      for v, y in zip(t["base_value"], t["base_year"], strict=True)],
            "doel": [f"{fmt_number(v, 2 if abs(v) < 10 else 0)} in {y} ({d})"
                     for v, y, d in zip(t["target_value"], t["target_year"], t["direction"],
                                        strict=True)],
            "laatste meting": [f"{fmt_number(v, 2 if abs(v) < 10 else 0)} ({int(y)})"
                               if pd.notna(v) else "–"
                               for v, y in zip(t["latest_value"], t["latest_year"], strict=True)],
            "gehaald": [yes_no(v) for v in t["attained"]],
            "deel van de weg": [fmt_pct(v, 0) for v in t["share_travelled"]],
            "trend haalt doel op tijd": [yes_no(v) for v in t["on_track"]],
            "toelichting": t["note"],
        })
        from mkba.base.plots import plot_targets

        html_ = table_html(shown)
        if t["share_travelled"].notna().any():
            html_ += figure_html(plot_targets(t))
        html_ += para("De trend is een rechte lijn door de metingen vanaf het basisjaar "
                    "(kleinste kwadraten); 'haalt doel op tijd' betekent dat die lijn in het "
                    "streefjaar bij het doel uitkomt. Bij een enquête staat het "
                    "95%-betrouwbaarheidsinterval in de tabel hieronder, als er een is.")
        ci = t.dropna(subset=["latest_ci_low"])
        if len(ci):
            html_ += table_html(pd.DataFrame({
                "indicator": ci["label"],
                "laatste meting": [fmt_number(v, 2) for v in ci["latest_value"]],
                "95%-interval": [f"{fmt_number(a, 2)} – {fmt_number(b, 2)}"
                                 for a, b in zip(ci["latest_ci_low"], ci["latest_ci_high"],
                                                 strict=True)]}))
        return Html(html_)

    @_drawn
    def section_profile(self) -> Html:
        if self.profile is None:
            return Html(para("Er zijn geen CBS-cijfers voor deze wijk of buurt."))
        p = self.profile
        from mkba.base.plots import plot_profile

        similar = ", ".join(esc(region_name(s)) for s in p.similar) or "–"
        out = [para(f"Cijfers van het CBS (Kerncijfers wijken en buurten) voor {p.year}, "
                  f"vergeleken met de gemeente en met de {len(p.similar)} wijken die het meest "
                  f"op deze wijk lijken ({similar}). Aantallen kleiner dan {p.threshold} tonen "
                  f"we niet, en ook geen cijfers die daarop zijn gebaseerd."),
               figure_html(plot_profile(p)),
               table_html(p.summary(REPORT_PROFILE_ROWS)),
               para("De volledige tabel met alle CBS-cijfers staat in het notebook dat bij dit "
                  "rapport hoort.")]
        return Html("".join(out))

    @_drawn
    def section_trends(self) -> Html:
        if self.profile is None:
            return Html("")
        from mkba.base.plots import plot_indicator
        from mkba.evidence.cbs import load_kwb
        from mkba.evidence.indicators import indicator_series

        kwb = load_kwb()
        wanted = [i for i in ("PersonenPerSoortUitkeringBijstand", "AantalInwoners",
                              "GemiddeldeWOZWaardeVanWoningen", "k_65JaarOfOuder")]
        starts = self.tasks["startjaar"].min() if len(self.tasks) else None
        out = []
        for indicator in wanted:
            s = indicator_series(self.wijk_code, indicator, kwb=kwb,
                                 comparisons=self.profile.similar,
                                 threshold=self.profile.threshold)
            if len(s) < 2 or "wijk" not in s:
                continue
            from mkba.evidence.panel import indicator_label

            ax = plot_indicator(s, start_year=None if pd.isna(starts) else int(starts),
                                title=indicator_label(indicator, self.case),
                                ylabel=s.attrs.get("unit") or "")
            out.append(figure_html(ax))
            if len(out) == 2:
                break
        if not out:
            return Html(para("Het CBS heeft voor deze wijk nog geen reeks over meerdere jaren."))
        return Html(para("De wijk door de jaren heen, naast de gemeente en de wijken die erop "
                       "lijken.") + "".join(out))

    @_drawn
    def section_effects(self) -> Html:
        """Per indicator: one plain Dutch sentence first, then the figure, then the technical
        detail (method, p-value, interval, comparison wijken by name) under its own heading."""
        if not self.effects:
            return Html(para("Er is (nog) geen effectschatting voor deze wijk."))
        out = [para("Komt een verandering door de taak? We vergelijken de wijk met wijken "
                  "zonder taak die er vóór de start op leken, in niveau en in trend "
                  "(verschil-in-verschillen). Met minder dan twee meetjaren vóór de start "
                  "doen we geen uitspraak; met twee of drie jaren is de uitkomst indicatief.")]
        from mkba.base.plots import plot_effect

        for est in self.effects:
            unit = f" ({esc(est.unit)})" if est.unit else ""
            out.append(f"<h3>{esc(est.label or est.indicator)}{unit}</h3>")
            out.append(f"<p class='kern'>{esc(est.plain_text(self.name))}</p>")
            if est.estimate is None:
                continue
            out.append(figure_html(plot_effect(est)))
            out.append("<h4>Technische toelichting</h4>")
            out.append(table_html(est.summary().reset_index()))
        return Html("".join(out))

    @_drawn
    def section_mkba(self) -> Html:
        if not self.results:
            return Html(para("Geen maatschappelijke kosten-batenanalyse: er is geen overgedragen "
                           "taak in deze wijk."))
        from mkba.base.plots import plot_actors, plot_waterfall, plot_yearly

        rows = pd.DataFrame([{
            "taak": r.task_id, "naam": r.name, "variant": variant_label(r.variant),
            "periode": f"{r.start_year}–{r.end_year}",
            "kosten (CW)": fmt_eur(r.pv_costs), "baten (CW)": fmt_eur(r.pv_benefits),
            "saldo (NCW)": fmt_eur(r.npv), "B/K": fmt_ratio(r.bc_ratio),
            "IRR": r.irr_text,
            "terugverdiend": r.payback_text,
            "saldo gemeente": fmt_eur(r.municipality["npv"]),
        } for r in self.results])
        split = pd.DataFrame([{
            "taak": r.task_id, "variant": variant_label(r.variant),
            "kosten gerealiseerd": fmt_eur(r.split["pv_costs_realised"]),
            "kosten prognose": fmt_eur(r.split["pv_costs_forecast"]),
            "baten gerealiseerd": fmt_eur(r.split["pv_benefits_realised"]),
            "baten prognose": fmt_eur(r.split["pv_benefits_forecast"]),
        } for r in self.results if r.split])
        peil = self.results[0].parameters.get("peiljaar")
        out = [para("Alle kosten en baten ten opzichte van het nulalternatief: wat er zonder de "
                  "overdracht was gebeurd. CW = contante waarde; NCW = baten min kosten; "
                  "B/K = baten gedeeld door kosten."),
               table_html(rows, caption="Kosten en baten per taak en variant (contante waarde)")]
        notes = [f"{esc(r.task_id)}: " + ("IRR " if r.irr_capped else
                                           "IRR en terugverdienjaar n.v.t. — ")
                 + f"{esc(r.irr_note)}." for r in self.results if r.irr_note]
        if notes:
            out.append(para(" ".join(notes)))
        if len(split):
            out.append(para(f"Gerealiseerd (jaren vóór het peiljaar {peil}) en prognose (vanaf "
                          f"{peil}); alleen de prognose krijgt een correctie voor optimisme:"))
            out.append(table_html(split))
        for r in self.results:
            variant = "" if r.variant == "project" else f" — {esc(variant_label(r.variant))}"
            out.append(f"<h3>{esc(r.task_id)} {esc(r.name)}{variant}</h3>")
            if r.volunteer.get("methods"):
                v = r.volunteer
                switch = (f"Bij {fmt_eur(v['switching_value_per_hour'], 2)} per uur is de NCW "
                          "precies nul (omslagwaarde)." if v["switching_value_per_hour"]
                          is not None else f"Omslagwaarde: {esc(v.get('switching_note') or '')}.")
                out.append(para("Vrijwilligerstijd: de waardering is een keuze, geen "
                              "onzekerheid. De NCW bij elke methode (euro's per uur in prijzen "
                              f"van {self.parameters['price_year']}): {switch}"))
                out.append(table_html(r.volunteer_table()))
            out.append(figure_html(plot_yearly(r)))
            out.append(figure_html(plot_waterfall(r)))
            actors = r.actor_table()
            out.append(table_html(actors))
            if len(actors) > 1:
                out.append(figure_html(plot_actors(r)))
            for w in r.warnings:
                out.append(f"<p class='let-op'>Let op: {esc(w)}</p>")
        return Html("".join(out))

    @_drawn
    def section_uncertainty(self) -> Html:
        if not self.uncertainty:
            return Html(para("Geen onzekerheidsanalyse: er is geen overgedragen taak in deze "
                           "wijk."))
        from mkba.base.plots import plot_monte_carlo, plot_tornado, plot_variants

        out = [para("Hoe zeker is de uitkomst? Aannames met een bandbreedte (uit de casus) "
                  "variëren we eerst één voor één (de balken: de NCW bij de lage en de hoge "
                  "waarde; 'omslag' is de waarde waarbij het saldo nul wordt) en daarna allemaal "
                  "tegelijk (Monte Carlo).")]
        for (task, variant), extra in self.uncertainty.items():
            mc, sens = extra["monte_carlo"], extra["sensitivity"]
            label = task if variant == "project" else f"{task} — {variant_label(variant)}"
            out.append(f"<h3>{esc(label)}</h3>")
            out.append(para(f"Kans dat de baten groter zijn dan de kosten: "
                          f"<b>{fmt_pct(mc.p_npv_positive, 0)}</b>. In 90 % van de "
                          f"{fmt_number(mc.draws)} trekkingen ligt de NCW tussen "
                          f"{fmt_eur(mc.percentile(5))} en {fmt_eur(mc.percentile(95))}. "
                          f"{esc(mc.note)}"
                          + (" Niet getrokken (de waardering van vrijwilligersuren is een "
                             "keuze, zie de tabel met methoden): " + esc(", ".join(mc.fixed))
                             + "." if mc.fixed else "")))
            if (sens["swing"] > 0).any():
                out.append(figure_html(plot_tornado(sens)))
                shown = sens[sens["swing"] > 0].head(8)
                out.append(table_html(pd.DataFrame({
                    "aanname": shown["name"],
                    "bandbreedte": [f"{fmt_number(a, 2)} – {fmt_number(b, 2)}"
                                    for a, b in zip(shown["low"], shown["high"], strict=True)],
                    "NCW bij laag": shown["npv_low"].map(fmt_eur),
                    "NCW bij hoog": shown["npv_high"].map(fmt_eur),
                    "omslag (NCW = 0)": [
                        "geen" if pd.isna(v) else fmt_number(v, 2)
                        + ("" if inr else " (buiten bandbreedte)")
                        for v, inr in zip(shown["switching_value"], shown["switching_in_range"],
                                          strict=True)]})))
            out.append(figure_html(plot_monte_carlo(mc)))
            rates = extra["discount_rates"]
            out.append(table_html(pd.DataFrame({"discontovoet": rates["variant"],
                                            "NCW": rates["npv"].map(fmt_eur),
                                            "bron": rates["source"]})))
        for task, cv in self.variants.items():
            out.append(f"<h3>Varianten van {esc(task)}</h3>")
            t = cv["table"]
            out.append(table_html(pd.DataFrame({
                "variant": t["variant"].map(variant_label), "NCW": t["npv"].map(fmt_eur),
                "B/K": t["bc_ratio"].map(fmt_ratio),
                "kans NCW > 0": [fmt_pct(v, 0) if v is not None else fmt_pct(p, 0)
                                 for v, p in zip((self.p_npv_positive(task, v)
                                                  for v in t["variant"]),
                                                 t["p_npv_positive"], strict=True)]})))
            d = cv["differences"]
            if len(d):
                out.append(table_html(pd.DataFrame({
                    "variant": d["variant"].map(variant_label),
                    "ten opzichte van": d["compared_with"].map(variant_label),
                    "verschil in NCW": d["difference"].map(fmt_eur),
                    "90%-interval": [f"{fmt_eur(a)} – {fmt_eur(b)}"
                                     for a, b in zip(d["p5"], d["p95"], strict=True)],
                    "kans dat het beter is": d["p_better"].map(lambda v: fmt_pct(v, 0))})))
            out.append(figure_html(plot_variants(cv["actors"])))
        return Html("".join(out))

    def section_pm(self) -> Html:
        rows = []
        for r in self.results:
            for rec in r.pm().itertuples(index=False):
                rows.append({"taak": r.task_id, "variant": variant_label(r.variant),
                             "effect": rec.effect,
                             "voor wie": rec.actor,
                             "score": rec.pm_score if isinstance(rec.pm_score, str) else "?",
                             "toelichting": rec.explanation if isinstance(rec.explanation, str)
                             else ""})
        if not rows:
            return Html(para("Er zijn geen PM-posten."))
        seen, sentences = set(), []
        for r in self.results:
            be = r.pm_break_even
            if be is None or (r.task_id, r.variant) in seen:
                continue
            seen.add((r.task_id, r.variant))
            label = r.task_id if r.variant == "project" else f"{r.task_id} ({r.variant})"
            sentences.append(para(f"{esc(label)}: {esc(be['text'])} (contante waarde)."))
        return Html(para("Effecten die niet betrouwbaar in geld uit te drukken zijn, met een "
                       "score van −− (sterk negatief) tot ++ (sterk positief). Ze tellen niet mee "
                       "in de bedragen hierboven, maar horen wel bij de afweging.")
                    + table_html(pd.DataFrame(rows)) + "".join(sentences))

    def section_financing(self) -> Html:
        if self.evaluation is None or self.evaluation.financing.empty:
            return Html(para("Er is geen financiering vastgelegd."))
        f = self.evaluation.financing
        f = f.assign(variant=f["variant"].fillna("alle").map(variant_label)) \
            if "variant" in f else f.assign(variant="alle")
        per = (f.groupby(["taak_id", "variant", "bron", "soort"])["bedrag"].sum().reset_index()
               .rename(columns={"taak_id": "taak"}))
        per["soort"] = per["soort"].str.replace("_", " ")
        per["bedrag"] = per["bedrag"].map(fmt_eur)
        lev = []
        for r in self.results:  # per variant: a variant has its own financing (issue 19)
            f = r.financing
            lev.append({"taak": r.task_id, "variant": variant_label(r.variant),
                        "totaal": fmt_eur(f["total"]),
                        "bijdrage gemeente": fmt_eur(f["municipal"]),
                        "bijdragen anderen": fmt_eur(f["others"]),
                        "leningen": fmt_eur(f["loans"]),
                        "eigen inkomsten": fmt_eur(f["own_revenue"]),
                        "garantstellingen": fmt_eur(f["guarantees"]),
                        "hefboom": fmt_ratio(f["leverage"]) if f["leverage"] is not None
                        else f"n.v.t. ({f['leverage_reason']})"})
        return Html(para("Wie bracht het geld in (nominale bedragen)? De hefboom telt de "
                       "bijdragen (subsidie, gift, crowdfunding, sponsoring, in natura) van "
                       "anderen per euro die de gemeente bijdraagt. Leningen en eigen inkomsten "
                       "staan apart en tellen niet mee; een garantstelling telt aan geen van "
                       "beide kanten mee.") + table_html(pd.DataFrame(lev)) + table_html(per))

    # ------------------------------------------------------------------ process (issue 14)

    @functools.cached_property
    def process(self) -> dict:
        """Criteria, coalition per task and survey of this wijk's tasks
        (:mod:`mkba.evidence.process`)."""
        from mkba.evidence.process import coalition, criteria_status, survey_results

        empty = {"criteria": pd.DataFrame(), "coalition": {}, "survey": pd.DataFrame()}
        if self.case is None or self.tasks.empty:
            return empty
        mine = list(self.tasks["taak_id"])
        threshold = self.parameters.get("threshold", SMALL_NUMBER_THRESHOLD)
        crit = self.case.criteria[self.case.criteria["taak_id"].isin(mine)]
        kwb = None
        if len(crit):
            from mkba.evidence.cbs import load_kwb

            kwb = load_kwb()
        criteria = pd.concat([criteria_status(self.case, kwb, threshold, task_id=t)
                              for t in mine], ignore_index=True)
        survey = pd.concat([survey_results(self.case, t, threshold) for t in mine],
                           ignore_index=True)
        coal = {t: coalition(self.case, t) for t in mine}
        return {"criteria": criteria, "coalition": {t: c for t, c in coal.items() if len(c)},
                "survey": survey}

    def _criteria_page_one(self) -> list[str]:
        from mkba.evidence.process import criteria_sentence

        crit = self.process["criteria"]
        if crit.empty:
            return []
        return [para(f"<b>Samenwerking:</b> {esc(criteria_sentence(crit))} Meer in "
                   "'Hoe gaat het samenwerken?'.")]

    @_drawn
    def section_process(self) -> Html:
        """'Hoe gaat het samenwerken?': criteria by kind, the coalition, the survey."""
        from mkba.base.plots import plot_coalition, plot_survey
        from mkba.evidence.process import CHANGE_METHOD, KIND_LABELS

        p = self.process
        threshold = self.parameters.get("threshold", SMALL_NUMBER_THRESHOLD)
        if p["criteria"].empty and not p["coalition"] and p["survey"].empty:
            return Html(para("Voor deze wijk zijn (nog) geen succescriteria, partners of "
                           "enquêteresultaten vastgelegd."))
        out = [para("Niet alleen het resultaat telt, ook het proces: halen we de "
                  "succescriteria die de partners vooraf afspraken, wie doet er mee, en hoe "
                  "tevreden zijn bewoners, gebruikers, vrijwilligers en partners?")]
        crit = p["criteria"]
        if len(crit):
            def shown(value, source, suppressed):
                if suppressed:
                    return f"< {threshold} respondenten"
                if pd.isna(value):
                    return "–"
                if source == "enquete":
                    return f"{fmt_pct(value, 0)} positief"
                return fmt_number(value, 2 if abs(value) < 10 else 0)

            def target(value, source, direction):
                v = fmt_pct(value, 0) if source == "enquete" else fmt_number(
                    value, 2 if abs(value) < 10 else 0)
                return f"{'≥' if direction == 'hoger' else '≤'} {v}"

            out.append("<h3>Succescriteria</h3>")
            out.append(table_html(pd.DataFrame({
                "taak": crit["task_id"],
                "soort": crit["soort"].map(KIND_LABELS),
                "criterium": crit["omschrijving"],
                "indicator": crit["indicator"],
                "doel": [target(v, s_, d) for v, s_, d in
                         zip(crit["target"], crit["source"], crit["direction"], strict=True)],
                "laatste meting": [
                    shown(v, s_, sup) + ("" if y is None or pd.isna(y) else f" ({int(y)})")
                    for v, s_, sup, y in zip(crit["value"], crit["source"], crit["suppressed"],
                                             crit["year"], strict=True)],
                "gehaald": ["ja" if m is True else "nee" if m is False else "onbekend"
                            for m in crit["met"]],
            })))
        for task, coal in p["coalition"].items():
            out.append(f"<h3>De coalitie van {esc(task)}</h3>")
            out.append(figure_html(plot_coalition(coal)))
            changes = coal[(coal["nieuw"] > 0) | (coal["vertrokken"] > 0)]
            out.append(table_html(pd.DataFrame({
                "jaar": changes["jaar"].astype(str), "actief": changes["actief"],
                "nieuw": [", ".join(n) or "–" for n in changes["nieuw_namen"]],
                "vertrokken": [", ".join(n) or "–" for n in changes["vertrokken_namen"]]})))
            out.append(para("Een partner zonder eindjaar doet mee tot het eindjaar van de taak."))
        survey = p["survey"]
        if len(survey):
            out.append("<h3>Hoe tevreden zijn de betrokkenen?</h3>")
            out.append(figure_html(plot_survey(survey, threshold=threshold)))

            def ci(a, b):
                return "–" if pd.isna(a) else f"{fmt_pct(a, 0)} – {fmt_pct(b, 0)}"

            def change(v, a, b, prev):
                if pd.isna(v):
                    return "–"
                return (f"{'+' if v >= 0 else '−'}{fmt_number(abs(100 * v), 0)} procentpunt "
                        f"sinds {int(prev)} ({fmt_number(100 * a, 0)} tot "
                        f"{fmt_number(100 * b, 0)})")

            out.append(table_html(pd.DataFrame({
                "taak": survey["task_id"], "vraag": survey["vraag"], "groep": survey["groep"],
                "jaar": survey["jaar"].astype(str),
                "respondenten": [f"< {threshold}" if sup else fmt_number(n)
                                 for n, sup in zip(survey["n"], survey["suppressed"],
                                                   strict=True)],
                "gemiddelde (1–5)": [fmt_number(v, 1) for v in survey["mean"]],
                "positief": [fmt_pct(v, 0) for v in survey["share_positive"]],
                "95%-interval": [ci(a, b) for a, b in zip(survey["ci_low"], survey["ci_high"],
                                                         strict=True)],
                "verandering (95%-interval)": [
                    change(v, a, b, prev) for v, a, b, prev in
                    zip(survey["change"], survey["change_low"], survey["change_high"],
                        survey["previous_year"], strict=True)],
            })))
            out.append(para(
                f"Positief = antwoord 4 of 5 (op een schaal van 1 tot 5) of ja. Het interval "
                f"is het 95%-betrouwbaarheidsinterval (Wilson). De verandering is het verschil "
                f"met de vorige enquête van dezelfde groep, met het interval volgens "
                f"{esc(CHANGE_METHOD)}. Groepen met minder dan {threshold} respondenten tonen "
                f"we niet."))
        return Html("".join(out))

    @_drawn
    def section_buurtbudget(self) -> Html:
        """The wijk's buurtbudget over the years: received, spent, saved ('' without one)."""
        if self.case is None:
            return Html("")
        from mkba.base.plots import plot_buurtbudget
        from mkba.evidence.process import buurtbudget_balance

        b = buurtbudget_balance(self.case, self.wijk_code)
        if b.empty:
            return Html("")
        return Html(
            "<h3>Buurtbudget</h3>"
            + para("De wijk krijgt elk jaar een buurtbudget van de gemeente dat bewoners mogen "
                 "sparen en uitgeven aan de openbare ruimte. Gespaard is wat er aan het eind "
                 "van het jaar over is (alles ontvangen min alles besteed). Het buurtbudget "
                 "telt in de hefboom als geld van de gemeente.")
            + figure_html(plot_buurtbudget(b))
            + table_html(pd.DataFrame({"jaar": b["jaar"].astype(str),
                                   "ontvangen": b["ontvangen"].map(fmt_eur),
                                   "besteed": b["besteed"].map(fmt_eur),
                                   "gespaard": b["gespaard"].map(fmt_eur)})))

    def section_appendix(self) -> Html:
        """Every cost and effect line the computation used, so that each figure can be traced:
        quantity, value per unit, source, the correction fractions, optimism and the note."""
        if self.case is None or self.tasks.empty:
            return Html(para("Geen berekening, dus geen regels."))
        mine = list(self.tasks["taak_id"])
        out = [para("Alle regels uit de casus die in de berekening zitten. Bedragen staan zoals "
                  "in de casus (prijsjaar erbij); de berekening zet ze om naar het prijspeil "
                  f"{self.parameters['price_year']} en maakt ze contant (zie de rekenregels "
                  "in de README). Een lege fractie telt als 0.")]
        out.append(self._checks_table())
        costs, effects = trace_lines(self.case, mine)
        if len(costs):
            out.append(table_html(costs, caption="Kostenregels: per post het bedrag of de "
                                             "hoeveelheid maal de waarde per eenheid, met bron"))
        if len(effects):
            out.append(table_html(effects, caption="Effectregels: hoeveelheid, waarde per eenheid, "
                                               "bron en correcties"))
        return Html("".join(out))

    def section_assumptions(self) -> Html:
        p = self.parameters
        params = pd.DataFrame([
            {"parameter": "discontovoet", "waarde": fmt_pct(p["discount_rate"], 2)},
            {"parameter": "prijspeil", "waarde": str(p["price_year"])},
            {"parameter": "basisjaar", "waarde": str(p["base_year"]) if p["base_year"]
             else "startjaar van elke taak"},
            {"parameter": "horizon", "waarde": f"{p['horizon']} jaar" if p["horizon"]
             else "startjaar t/m eindjaar"},
            {"parameter": "drempel kleine aantallen", "waarde": str(p["threshold"])},
            {"parameter": "waardering vrijwilligersuur",
             "waarde": str(p.get("volunteer_valuation", "vervangingskosten"))},
            {"parameter": "scenario", "waarde": self.scenario.name if self.scenario is not None
             else "geen (de aannames uit de casus)"},
        ])
        assumptions = pd.DataFrame([{"aanname": a.label, "standaard": a.shown(),
                                     "eenheid": a.unit, "bron": a.source}
                                    for a in ASSUMPTIONS.values()])
        out = [para("Gebruikte parameters:"), table_html(params), para("Aannames en hun bron:"),
               table_html(assumptions)]
        if self.case is not None and len(self.case.kengetallen):
            k = self.case.kengetallen
            used = set(self.case.kosten["kengetal"].dropna()) | set(
                self.case.effecten["kengetal"].dropna())
            k = k[k["code"].isin(used)]
            out += [para("Kengetallen (schaduwprijzen) met hun bron en prijsjaar:"),
                    table_html(pd.DataFrame({
                        "code": k["code"], "omschrijving": k["omschrijving"],
                        "waarde": [fmt_eur(v, 2) for v in k["waarde"]], "eenheid": k["eenheid"],
                        "prijsjaar": k["prijsjaar"].astype(str), "bron": k["bron"]}))]
        years = (self.evaluation.parameters["cpi_derived_years"]
                 if self.evaluation is not None else [])
        cpi_note = (f" De CPI van {years[0]}–{years[-1]} is afgeleid uit de gepubliceerde "
                    "jaarmutaties." if years else "")
        out.append(para("Bronnen: CBS Kerncijfers wijken en buurten (CC BY 4.0, 'Bron: CBS'); "
                      "CBS 83131NED Consumentenprijzen (CPI 2015 = 100)." + cpi_note
                      + " Referentieprijzen uit de Kostenhandleiding van Zorginstituut "
                        "Nederland gelden voor de gezondheidszorg: vervang ze door eigen waarden "
                        "waar dat beter past."))
        for note in self.notes:
            out.append(f"<p class='let-op'>{esc(note)}</p>")
        return Html("".join(out))


def wijk_report(wijk_code: str, case_path: str | None = None, *, effects: bool = True,
                draws: int = 2000, settings: Settings | None = None,
                **parameters) -> WijkReport:
    """Compute everything the wijk report shows.

    Parameters
    ----------
    wijk_code : str
        CBS code of the wijk (WK…) or buurt (BU…).
    case_path : str, optional
        The case; empty or None for a profile-only report.
    settings : Settings, optional
        What to compute with; or the report parameters by name
        (:meth:`Settings.to_report_parameters`: discount_rate, price_year, base_year, horizon,
        volunteer_valuation, market_value_code, threshold, scenario_path). ``None`` means not
        chosen: the scenario's value, else the default.
    effects : bool
        Whether to estimate the effect on the targets' indicators.
    draws : int
        Monte Carlo draws per task and variant (0: no uncertainty section).

    Examples
    --------
    >>> r = wijk_report("WK036330", str(DATA_DIR / "voorbeeld"), effects=False)
    >>> r.name, len(r.results)
    ('Transvaalbuurt', 1)
    >>> "Transvaalbuurt" in r.title()._repr_html_()
    True
    """
    check_wijk_code(wijk_code)
    settings = Settings.from_report_parameters(**report_parameters(settings, **parameters))
    threshold = settings.threshold
    params = {k: getattr(settings.resolved(), k) for k in (
        "discount_rate", "price_year", "base_year", "horizon", "threshold",
        "volunteer_valuation")}
    from mkba.evidence.cbs import load_kwb, region_names

    kwb = load_kwb()
    name = region_names(kwb).get(wijk_code, wijk_code)
    case = evaluation = scenario = None
    tasks = pd.DataFrame(columns=["taak_id", "naam", "startjaar"])
    targets = pd.DataFrame()
    found_effects: list = []
    notes: list[str] = []
    uncertainty: dict = {}
    variants: dict = {}
    checks: list = []
    if case_path:
        from mkba.analysis.checks import run_checks
        from mkba.analysis.pipeline import run
        from mkba.case.read import read_case
        from mkba.evidence.indicators import target_attainment
        from mkba.uncertainty import compare_variants

        case = read_case(case_path)
        tasks = case.taken[case.taken["wijk_code"] == wijk_code]
        if len(tasks):
            done = run(case, replace(settings, draws=draws), kwb=kwb,
                       uncertainty_tasks=set(tasks["taak_id"]))
            scenario = done.scenario
            params["discount_rate"] = done.parameters["discount_rate"]
            params["volunteer_valuation"] = done.parameters["volunteer_valuation"]
            evaluation = done.evaluation.subset(tasks["taak_id"])
            mine = set(tasks["taak_id"])
            uncertainty = {k: v for k, v in done.uncertainty.items() if k[0] in mine}
            for t in tasks["taak_id"]:
                if (evaluation.totals["task_id"] == t).sum() > 1 and draws:
                    variants[t] = compare_variants(done.case, t, draws=draws, seed=0,
                                                   **done.parameters)
            # the checks of this wijk's tasks, their Monte Carlo runs and variant comparisons
            checks = run_checks(evaluation, case=done.case, params=done.parameters,
                                uncertainty=uncertainty, variants=variants)
            targets = target_attainment(case, kwb, threshold=threshold)
            targets = targets[targets["region_code"] == wijk_code].reset_index(drop=True)
            if effects:
                found_effects = _effects(case, wijk_code, targets, kwb)
            notes += [str(w) for w in case.warnings]
    # the price year the evaluation used (the case's own prijsjaar when it states one)
    price = evaluation.parameters["price_year"] if evaluation is not None \
        else params["price_year"]
    if not price:
        from mkba.base.prices import cpi_series

        price = int(cpi_series().index.max())
    profile = None
    try:
        from mkba.evidence.indicators import wijk_profile

        others = set(case.taken["wijk_code"]) - {wijk_code} if case is not None else set()
        profile = wijk_profile(wijk_code, kwb=kwb, threshold=threshold, exclude=others,
                               price_year=price)
    except CaseError as err:
        notes.append(str(err))
    shown = {**params, "price_year": price}
    return WijkReport(wijk_code, name, shown, tasks.reset_index(drop=True), evaluation, targets,
                      profile, tuple(found_effects), case, tuple(notes), uncertainty, variants,
                      scenario, tuple(checks))


def _effects(case, wijk_code, targets, kwb) -> list:
    """Effect estimates for the indicators of this wijk's targets and effect lines."""
    from mkba.evidence.treatment import effect_for_case

    indicators = list(dict.fromkeys(
        list(targets["indicator"]) if len(targets) else []))
    lines = case.effecten[case.effecten["taak_id"].isin(
        case.taken.loc[case.taken["wijk_code"] == wijk_code, "taak_id"])]
    indicators += [i for i in lines["indicator"].dropna() if i not in indicators]
    out = []
    for indicator in indicators[:MAX_EFFECTS]:
        try:
            out.append(effect_for_case(case, indicator, wijk=wijk_code, kwb=kwb, n_placebo=99))
        except CaseError:
            continue
    return out
