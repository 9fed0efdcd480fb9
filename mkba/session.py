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

from .cba import evaluate
from .errors import CaseError
from .flows import VOLUNTEER_METHODS
from .formatting import fmt_eur, fmt_pct, fmt_ratio
from .io import Case, read_case
from .reports import Html, _figure, _table, esc
from .settings import Settings, check_discount_rate
from .uncertainty import Scenario, apply_scenario, uncertain_inputs

__all__ = ["Session"]


class Session:
    """An evaluation session for one task (and variant) of a case.

    Examples
    --------
    >>> from mkba.assumptions import DATA_DIR
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
        self.task = task or str(self.case.taken["taak_id"].iloc[0])
        if self.task not in set(self.case.taken["taak_id"]):
            raise CaseError(f"onbekende taak '{self.task}'")
        variants = list(evaluate(self.case, task=self.task, **self.settings.evaluation())
                        .totals["variant"])
        self.variant = variant or variants[0]
        if self.variant not in variants:
            raise CaseError(f"taak {self.task} heeft geen variant '{self.variant}' (wel: "
                            + ", ".join(variants) + ")")
        self.variants = variants
        self.scenario_dir = Path(scenario_dir)
        self.inputs = [i for i in uncertain_inputs(self.case, discount_rate, self.task)
                       if i.kind != "discount"]
        self.values = {i.name: i.base for i in self.inputs}
        self.discount_rate = float(discount_rate)
        self.volunteer_valuation = self.settings.volunteer_valuation
        task_row = self.case.taken.set_index("taak_id").loc[self.task]
        self.optimism = {k: 0.0 if pd.isna(task_row[k]) else float(task_row[k])
                         for k in ("optimisme_kosten", "optimisme_baten")}

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
        from .plots import detached, plot_waterfall

        r = self.result()
        head = (f"<h3>{esc(r.task_id)} {esc(r.name)} — {esc(r.variant)}</h3>"
                f"<p><b>NCW {fmt_eur(r.npv)}</b> · B/K {fmt_ratio(r.bc_ratio)} · "
                f"saldo gemeente {fmt_eur(r.municipality['npv'])} · discontovoet "
                f"{fmt_pct(self.discount_rate, 2)} · vrijwilligersuren: "
                f"{esc(self.volunteer_valuation)}</p>")
        table = _table(r.actor_table())
        with detached():
            figure = _figure(plot_waterfall(r))
        return Html(head + table + figure)

    def choices(self) -> pd.DataFrame:
        """The assumptions of this session: value in the case, range and current choice."""
        rows = [{"aanname": i.name, "in de casus": i.base, "laag": i.low, "hoog": i.high,
                 "gekozen": self.values[i.name]} for i in self.inputs]
        rows += [{"aanname": k, "in de casus": None, "laag": 0.0, "hoog": 0.5, "gekozen": v}
                 for k, v in self.optimism.items()]
        return pd.DataFrame(rows)

    def widget(self):
        """The live controls (ipywidgets): sliders, a choice of valuation, a save button."""
        import ipywidgets as w

        out = w.Output()
        style = {"description_width": "initial"}
        layout = w.Layout(width="95%")
        controls = []

        def slider(name, value, low, high, step, label):
            s = w.FloatSlider(value=value, min=low, max=high, step=step, description=label,
                              style=style, layout=layout, continuous_update=False,
                              readout_format=".3g")
            s.observe(lambda change, n=name: self._changed(n, change["new"], out), "value")
            return s

        for i in self.inputs:
            step = (i.high - i.low) / 100 if i.high > i.low else 0.01
            controls.append(slider(i.name, self.values[i.name], i.low, i.high, step, i.name))
        controls.append(slider("discount_rate", self.discount_rate, 0.0, 0.06, 0.0025,
                               "discontovoet"))
        for k, v in self.optimism.items():
            controls.append(slider(k, v, 0.0, 0.5, 0.01, k.replace("_", " ")))
        from .flows import available_methods

        valuation = w.Dropdown(options=available_methods(self.case.kengetallen),
                               value=self.volunteer_valuation,
                               description="waardering vrijwilligersuur", style=style)
        valuation.observe(lambda c: self._changed("volunteer_valuation", c["new"], out), "value")
        name = w.Text(value="sessie", description="naam scenario", style=style)
        button = w.Button(description="Bewaar als scenario", button_style="primary")
        saved = w.HTML()

        def save(_):
            path = self.save(name.value)
            saved.value = (f"Bewaard: <code>{esc(path)}</code> — gebruik met "
                           f"<code>mkba evaluate CASUS --scenario {esc(path)}</code>")

        button.on_click(save)
        self._show(out)
        return w.VBox([w.HTML("<b>Aannames</b>"), *controls, valuation,
                       w.HBox([name, button]), saved, out])

    def _changed(self, name, value, out) -> None:
        self.set(name, value)
        self._show(out)

    def _show(self, out) -> None:
        from IPython.display import HTML, display

        out.clear_output(wait=True)
        with out:
            display(HTML(self.view()._repr_html_()))

    def _repr_html_(self) -> str:
        return self.view()._repr_html_()
