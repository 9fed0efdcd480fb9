"""The evaluation session with coalition partners: change contested assumptions live.

:class:`Session` builds the controls (ipywidgets sliders for every assumption with a range,
the discount rate, the valuation of volunteer hours and optimism bias) and recomputes the NPV,
the B/C ratio, the table per actor and the waterfall on every change. A button saves the
chosen assumptions as a named scenario file (:class:`mkba.uncertainty.Scenario`) that
``mkba evaluate --scenario`` and the wijk report accept. Without a live kernel (papermill,
HTML export) :meth:`Session.view` shows the same figures for the current values.

The callbacks live here, not in the notebook: notebooks only call and show.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from mkba.analysis.coalition import designated_variant
from mkba.base.errors import CaseError
from mkba.base.formatting import fmt_eur, fmt_number, fmt_pct, fmt_ratio
from mkba.base.html import Html, esc, figure_html, nbsp, table_html
from mkba.base.resulttable import METHOD_LABELS
from mkba.base.settings import Settings, check_discount_rate
from mkba.case.read import read_case
from mkba.case.schema import parse_parameter
from mkba.case.tables import Case
from mkba.engine.cba import evaluate
from mkba.engine.flows import VOLUNTEER_METHODS, available_methods
from mkba.report.text import (
    FIELD_LABELS,  # noqa: F401  (re-exported)
    FRACTION_FIELDS,
    OWN_LABELS,
    assumption_label,
    variant_label,
)
from mkba.uncertainty import Scenario, apply_scenario, uncertain_inputs

__all__ = ["Session", "input_label", "value_kind", "shown_value"]

#: The project folder (where ``mkba`` commands are run from).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
def shown_path(path) -> str:
    """A path as a command run from the project folder needs it: relative to the project
    root when it lies inside it (``notebooks/scenarios/x.json``), else absolute.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> shown_path(DATA_DIR / "voorbeeld")
    'data/voorbeeld'
    """
    full = Path(path).resolve()
    try:
        return full.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(full)


def input_label(case, name: str) -> str:
    """The Dutch name of an assumption, as partners know it: the kengetal's omschrijving, the
    cost post's or the effect's name with the field in words
    (:func:`mkba.report.text.assumption_label`, the report's own words).

    Parameters
    ----------
    case : Case
        The case.
    name : str
        The parameter name (as in ``bandbreedtes``).

    Returns
    -------
    str
        The Dutch name.

    Examples
    --------
    >>> from mkba.case.read import read_case
    >>> from mkba.base.assumptions import DATA_DIR
    >>> case = read_case(DATA_DIR / "voorbeeld")
    >>> input_label(case, "T2/Minder vernielingen in het park/hoeveelheid")
    'Minder vernielingen in het park: aantal per jaar'
    >>> input_label(case, "discount_rate")
    'discontovoet (reëel)'
    """
    return assumption_label(name, case)


def value_kind(name: str) -> str:
    """How a value of an assumption is shown: discount, fraction, euro, factor or number.

    Parameters
    ----------
    name : str
        The parameter name.

    Returns
    -------
    str
        ``discount``, ``fraction``, ``euro``, ``factor`` or ``number``.

    Examples
    --------
    >>> value_kind("T2/Contract hovenier/factor"), value_kind("T1/optimisme_baten")
    ('factor', 'fraction')
    """
    if name in ("discount_rate", "discontovoet"):
        return "discount"
    if name in ("optimisme_kosten", "optimisme_baten"):
        return "fraction"
    parts = parse_parameter(name)
    if parts[0] == "kengetal":
        return "euro"
    if parts[0] == "factor":
        return "factor"
    if parts[0] in ("optimisme_kosten", "optimisme_baten") or (
            parts[0] == "effect" and parts[3] in FRACTION_FIELDS):
        return "fraction"
    if parts[0] == "effect" and parts[3] == "waarde":
        return "euro"
    return "number"


def shown_value(name: str, value: float) -> str:
    """A value in Dutch format for its kind: € 15.000; 2,25 %; 10 %; × 1,05; 6,5.

    Parameters
    ----------
    name : str
        The parameter name.
    value : float
        Its value.

    Returns
    -------
    str
        The Dutch text.

    Examples
    --------
    >>> shown_value("discontovoet", 0.0225), shown_value("T2/Contract hovenier/factor", 1.05)
    ('2,25 %', '× 1,05')
    """
    kind = value_kind(name)
    if kind == "euro":
        return fmt_eur(value, 2 if abs(value) < 100 else 0)
    if kind == "discount":
        return fmt_pct(value, 2)
    if kind == "fraction":
        return fmt_pct(value, 0)
    if kind == "factor":
        return f"× {fmt_number(value, 2)}"
    return fmt_number(value, 0 if float(value).is_integer() else 1)


class Session:
    """An evaluation session for one task (and variant) of a case.

    Parameters
    ----------
    case : Case or str or pathlib.Path
        The case.
    task : str, optional
        The task; None for the case's only task.
    variant : str, optional
        The variant; by default :func:`mkba.analysis.coalition.designated_variant`.
    discount_rate : float, optional
        The discount rate to start from; None for the default.
    scenario_dir : str or pathlib.Path, default "scenarios"
        Where saved scenarios go.
    settings : Settings, optional
        The settings to start from.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> s = Session(DATA_DIR / "voorbeeld", "T2", "maatschappelijk_aanbesteden")
    >>> s.set("T2/Minder vernielingen in het park/hoeveelheid", 8)
    >>> round(s.result().npv) > round(Session(DATA_DIR / "voorbeeld", "T2",
    ...                                        "maatschappelijk_aanbesteden").result().npv)
    True
    """

    def __init__(self, case, task: str | None = None, variant: str | None = None, *,
                 discount_rate: float | None = None, scenario_dir="scenarios",
                 settings: Settings | None = None):
        #: what the session starts from (one Settings; ``discount_rate`` is a shortcut)
        self.settings = (settings or Settings()).merge({"discount_rate": discount_rate})
        self.settings = self.settings.validate().resolved()
        discount_rate = self.settings.discount_rate
        self.case: Case = case if isinstance(case, Case) else read_case(case)
        self.case_path = None if isinstance(case, Case) else Path(case)
        self.task = task or str(self.case.taken["taak_id"].iloc[0])
        if self.task not in set(self.case.taken["taak_id"]):
            raise CaseError(f"onbekende taak '{self.task}'")
        variants = list(evaluate(self.case, task=self.task, **self.settings.evaluation())
                        .totals["variant"])
        self.variant = variant or designated_variant(variants)
        if self.variant not in variants:
            raise CaseError(f"taak {self.task} heeft geen variant '{self.variant}' (wel: "
                            + ", ".join(variants) + ")")
        self.variants = variants
        self.scenario_dir = Path(scenario_dir)
        self.inputs = [i for i in uncertain_inputs(self.case, discount_rate, self.task)
                       if i.kind != "discount" and self.affects(i.name)]
        self.values = {i.name: i.base for i in self.inputs}
        self.discount_rate = float(discount_rate)
        self.volunteer_valuation = self.settings.volunteer_valuation
        task_row = self.case.taken.set_index("taak_id").loc[self.task]
        self.optimism = {k: 0.0 if pd.isna(task_row[k]) else float(task_row[k])
                         for k in ("optimisme_kosten", "optimisme_baten")}

    # ------------------------------------------------------------------ names

    def _lines(self, table: str) -> pd.DataFrame:
        """This task's lines of ``kosten`` or ``effecten`` that belong to this variant."""
        t = getattr(self.case, table)
        t = t[t["taak_id"] == self.task]
        return t[t["variant"].isna() | (t["variant"] == self.variant)] if "variant" in t else t

    def affects(self, name: str) -> bool:
        """Whether an assumption can change this task and variant's result.

        A kengetal counts when a cost or effect line of this task and variant uses it; an
        effect's field or a cost post's factor when that line belongs to this variant.
        """
        parts = parse_parameter(name)
        if parts[0] == "kengetal":
            used = set(self._lines("kosten")["kengetal"].dropna()) | set(
                self._lines("effecten")["kengetal"].dropna())
            return parts[1] in used
        if parts[0] == "effect":
            return parts[1] == self.task and parts[2] in set(self._lines("effecten")["effect"])
        if parts[0] == "factor":
            return parts[1] == self.task and parts[2] in set(self._lines("kosten")["post"])
        return len(parts) < 2 or parts[1] == self.task  # optimism of this task; discount

    def label(self, name: str) -> str:
        """The Dutch name of an assumption, as partners know it (:func:`input_label`)."""
        return input_label(self.case, name)

    def kind(self, name: str) -> str:
        return value_kind(name)

    def shown(self, name: str, value: float) -> str:
        """A value in Dutch format for its kind (:func:`shown_value`)."""
        return shown_value(name, value)

    # ------------------------------------------------------------------ state

    def set(self, name: str, value) -> None:
        """Change one assumption (a name from the ranges, or discount_rate,
        volunteer_valuation, optimisme_kosten, optimisme_baten)."""
        if name == "discount_rate":
            problem = check_discount_rate(value)
            if problem:
                raise CaseError(problem)
            self.discount_rate = float(value)
        elif name == "volunteer_valuation":
            if value not in VOLUNTEER_METHODS:
                raise CaseError(f"kies uit {', '.join(VOLUNTEER_METHODS)}")
            self.volunteer_valuation = value
        elif name in self.optimism:
            self.optimism[name] = float(value)
        elif name in self.values:
            self.values[name] = float(value)
        else:
            raise CaseError(f"onbekende aanname '{name}'")

    def scenario(self, name: str = "sessie", description: str = "") -> Scenario:
        """The current choices as a scenario."""
        values = dict(self.values)
        values.update({f"{self.task}/{k}": v for k, v in self.optimism.items()})
        return Scenario(name, values, {"discount_rate": self.discount_rate,
                                       "volunteer_valuation": self.volunteer_valuation},
                        description, time.strftime("%Y-%m-%dT%H:%M:%S"))

    def result(self):
        """The MKBA of the task and variant under the current choices."""
        case, params = apply_scenario(self.case, self.scenario())
        chosen = replace(self.settings, **params).validate()
        return evaluate(case, task=self.task, **chosen.evaluation()).result(self.task,
                                                                            self.variant)

    def save(self, name: str, description: str = "") -> Path:
        """Save the current choices as ``<scenario_dir>/<name>.json``."""
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name.strip()) or "sessie"
        return self.scenario(name, description).save(self.scenario_dir / f"{safe}.json")

    # ------------------------------------------------------------------ display

    def view(self) -> Html:
        """NPV, B/C, the actor table and the waterfall for the current choices."""
        return self._render(self.result(), self.discount_rate, self.volunteer_valuation)

    def reference_view(self) -> Html:
        """The same for the case as it is (the sliders do not move it): the reference the
        live result is compared with."""
        r = evaluate(self.case, task=self.task, **self.settings.evaluation()).result(
            self.task, self.variant)
        return self._render(r, self.settings.discount_rate, self.settings.volunteer_valuation,
                            "De casus zoals ingediend (verandert niet met de schuifjes)")

    def _render(self, r, rate: float, valuation: str, caption: str = "") -> Html:
        # matplotlib via figures: ≈ 0,45 s at import, only when drawn
        from mkba.figures.plots import detached, plot_waterfall

        variant = "" if r.variant == "project" else f" — {esc(variant_label(r.variant))}"
        head = (f"<h3>{esc(caption or r.name)}{variant if not caption else ''}</h3>"
                f"<p class='mkba-ncw' style='font-size:1.5em;margin:0.2em 0'>"
                f"<b>NCW {fmt_eur(r.npv)}</b> · B/K {fmt_ratio(r.bc_ratio)}</p>"
                f"<p>saldo gemeente {fmt_eur(r.municipality['npv'])} · discontovoet "
                f"{fmt_pct(rate, 2)} · vrijwilligersuren: {esc(valuation)}</p>")
        table = table_html(r.actor_table(), caption="Saldo per actor (contante waarde)")
        with detached():
            figure = figure_html(plot_waterfall(r))
        return Html(nbsp(head + table + figure))

    def choices(self) -> pd.DataFrame:
        """The assumptions of this session: value in the case, range and current choice."""
        rows = [{"aanname": self.label(i.name), "in de casus": self.shown(i.name, i.base),
                 "laag": self.shown(i.name, i.low), "hoog": self.shown(i.name, i.high),
                 "gekozen": self.shown(i.name, self.values[i.name])} for i in self.inputs]
        rows += [{"aanname": self.label(k), "in de casus": "–",
                  "laag": self.shown(k, 0.0), "hoog": self.shown(k, 0.5),
                  "gekozen": self.shown(k, v)} for k, v in self.optimism.items()]
        return pd.DataFrame(rows)

    def sensitivity_table(self, sens: pd.DataFrame) -> Html:
        """:func:`mkba.uncertainty.sensitivity` as a Dutch table with Dutch numbers."""
        rows = pd.DataFrame({
            "aanname": [self.label(n) for n in sens["name"]],
            "laag": [self.shown(n, v) for n, v in zip(sens["name"], sens["low"], strict=True)],
            "hoog": [self.shown(n, v) for n, v in zip(sens["name"], sens["high"], strict=True)],
            "NCW bij laag": sens["npv_low"].map(fmt_eur),
            "NCW bij hoog": sens["npv_high"].map(fmt_eur),
            "NCW = 0 bij": ["geen" if pd.isna(v) else self.shown(n, v) for n, v in
                            zip(sens["name"], sens["switching_value"], strict=True)]})
        return Html(nbsp(table_html(rows, caption="Elke aanname apart van laag naar hoog")))

    def variants_table(self, comparison: dict) -> Html:
        """:func:`mkba.uncertainty.compare_variants` as Dutch tables with Dutch numbers."""
        t, d = comparison["table"], comparison["differences"]
        out = table_html(pd.DataFrame({
            "variant": t["variant"].map(variant_label), "NCW": t["npv"].map(fmt_eur),
            "B/K": t["bc_ratio"].map(fmt_ratio),
            "kans NCW > 0": t["p_npv_positive"].map(lambda v: fmt_pct(v, 0))}),
            caption="De varianten naast elkaar")
        if len(d):
            out += table_html(pd.DataFrame({
                "variant": d["variant"].map(variant_label),
                "ten opzichte van": d["compared_with"].map(variant_label),
                "verschil in NCW": d["difference"].map(fmt_eur),
                "90%-interval": [f"{fmt_eur(a)} – {fmt_eur(b)}"
                                 for a, b in zip(d["p5"], d["p95"], strict=True)],
                "kans dat het beter is": d["p_better"].map(lambda v: fmt_pct(v, 0))}),
                caption="Verschil met de eerste variant, met zijn onzekerheid")
        return Html(nbsp(out))

    def widget(self):
        """The live controls (ipywidgets) beside the result: a slider per assumption with its
        Dutch name and a Dutch readout, the valuation of volunteer hours, a save button.

        ``self.sliders`` maps each assumption's name to its slider.
        """
        import ipywidgets as w  # ipywidgets: ≈ 0,13 s at import, only in a notebook

        out = w.Output(layout=w.Layout(flex="1 1 34rem", min_width="24rem"))
        self.sliders = {}
        controls = []

        def slider(name, value, low, high, step):
            readout = w.Label(self.shown(name, value),
                              layout=w.Layout(width="7.5rem", justify_content="flex-end"))
            s = w.FloatSlider(value=value, min=low, max=high, step=step, readout=False,
                              continuous_update=False, layout=w.Layout(width="auto",
                                                                       flex="1 1 auto"))

            def changed(change, n=name, r=readout):
                r.value = self.shown(n, change["new"])
                self._changed(n, change["new"], out)

            s.observe(changed, "value")
            self.sliders[name] = s
            return w.VBox([w.HTML(f"<span class='mkba-label'>{esc(self.label(name))}</span>"),
                           w.HBox([s, readout])], layout=w.Layout(margin="0 0 0.3rem 0"))

        for i in self.inputs:
            step = (i.high - i.low) / 100 if i.high > i.low else 0.01
            controls.append(slider(i.name, self.values[i.name], i.low, i.high, step))
        controls.append(slider("discount_rate", self.discount_rate, 0.0, 0.06, 0.0025))
        for k, v in self.optimism.items():
            controls.append(slider(k, v, 0.0, 0.5, 0.01))

        valuation = w.Dropdown(options=[(METHOD_LABELS.get(m, m.replace("_", " ")), m)
                                        for m in available_methods(self.case.kengetallen)],
                               value=self.volunteer_valuation,
                               description=OWN_LABELS["volunteer_valuation"],
                               style={"description_width": "initial"},
                               layout=w.Layout(width="auto"))
        valuation.observe(lambda c: self._changed("volunteer_valuation", c["new"], out), "value")
        self.valuation = valuation
        name = w.Text(value="sessie", description="naam scenario",
                      style={"description_width": "initial"})
        button = w.Button(description="Bewaar als scenario", button_style="primary",
                          layout=w.Layout(width="auto"))
        saved = w.HTML()

        def save(_):
            path = self.save(name.value)
            saved.value = f"Bewaard: <code>{esc(shown_path(path))}</code> — gebruik met " \
                          f"<code>{esc(self.command(path))}</code>"

        button.on_click(save)
        self.save_button = button
        self._show(out)
        left = w.VBox([w.HTML("<b>Aannames</b>"), *controls, valuation,
                       w.HBox([name, button]), saved],
                      layout=w.Layout(flex="1 1 26rem", min_width="22rem",
                                      margin="0 1.5rem 0 0"))
        return w.HBox([left, out], layout=w.Layout(flex_flow="row wrap",
                                                   align_items="flex-start", width="100%"))

    def command(self, path) -> str:
        """The command that uses a saved scenario, to run from the project folder."""
        return (f"mkba evaluate {shown_path(self.case_path) if self.case_path else 'CASUS'} "
                f"--task {self.task} --scenario {shown_path(path)}")

    def _changed(self, name, value, out) -> None:
        self.set(name, value)
        self._show(out)

    def _show(self, out) -> None:
        from IPython.display import HTML, display  # IPython: ≈ 0,07 s at import, only in a notebook

        out.clear_output(wait=True)
        with out:
            display(HTML(self.view()._repr_html_()))

    def _repr_html_(self) -> str:
        return self.view()._repr_html_()
