"""The minutes of a session (``mkba sessie-verslag MAP``): who thought what, where the partners
converged, their scores and reasons, the course of the session, and the adopted scenario as a
scenario file that ``mkba evaluate``, ``report`` and ``batch`` accept (``--scenario``).

Everything is read back from the record (:mod:`mkba.run.coalition.record`) and recomputed
with the same code as the session (:class:`mkba.analysis.coalition.Coalition`), so the
minutes show the figures the projector showed. When the case changed since the session, the
recomputed figure of the adopted scenario differs from the one recorded at adoption: the
minutes say so and show both.

"Converged" (where the guidance is silent, our rule): per input the spread of the partners'
values (largest − smallest) is followed through the session, change by change; an input on
which the spread at the end is smaller than its largest spread during the session is one
where the partners moved towards each other.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from mkba.analysis.coalition import DISCOUNT_INPUT, VALUATION_INPUT, Coalition, View
from mkba.base.errors import CaseError
from mkba.base.files import atomic_write
from mkba.base.formatting import fmt_eur, fmt_number
from mkba.base.html import esc, para, table_html
from mkba.evidence.process import KIND_LABELS
from mkba.report.session import value_kind
from mkba.report.text import variant_label
from mkba.run.coalition import pages
from mkba.run.coalition.record import RECORD_NAME, SCORE_KINDS, Record
from mkba.run.coalition.table import Table
from mkba.uncertainty import Scenario

__all__ = ["write_minutes", "spreads", "MINUTES_NAME", "SCENARIO_NAME", "PROPOSAL_NAME"]

MINUTES_NAME, SCENARIO_NAME, PROPOSAL_NAME = "verslag.html", "scenario.json", "voorstel.json"

_STYLE = ("body{font-family:system-ui,sans-serif;max-width:60em;margin:1.5em auto;padding:0 1em;"
          "line-height:1.4;color:#111}table{border-collapse:collapse;margin:0.5em 0 1em}"
          "th,td{border-bottom:1px solid #ccc;padding:0.2em 0.6em;text-align:left;"
          "vertical-align:top;overflow-wrap:break-word;hyphens:auto}"
          "caption{text-align:left;font-weight:600;padding:0.3em 0}"
          ".breed{overflow-x:auto}@media print{body{margin:0;font-size:0.85em}}")


def _time(iso: str, seconds: bool = False) -> str:
    try:
        return dt.datetime.fromisoformat(iso).strftime("%H:%M:%S" if seconds else "%H:%M")
    except (TypeError, ValueError):
        return str(iso)


def _date(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).strftime("%d-%m-%Y")
    except (TypeError, ValueError):
        return str(iso)


def spreads(changes: pd.DataFrame, coalition: Coalition, partners: list[str]) -> pd.DataFrame:
    """Per numeric input (and the discount rate) the partners' spread at its widest during the
    session and at the end (largest − smallest value; a partner who did not set it holds the
    case's value).

    Parameters
    ----------
    changes : pandas.DataFrame
        The session's changes (:meth:`Record.changes`).
    coalition : Coalition
        The task and variant of the session.
    partners : list of str
        The partners.

    Returns
    -------
    pandas.DataFrame
        ``name``, ``widest`` and ``end`` per input.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> c = Coalition(DATA_DIR / "voorbeeld", "T2")
    >>> q = "T2/Minder vernielingen in het park/hoeveelheid"
    >>> log = pd.DataFrame({"deelnemer": ["a", "b", "b"], "soort": ["aanname"] * 3,
    ...                     "naam": [q, q, q], "getal": [2.0, 10.0, 4.0]})
    >>> s = spreads(log, c, ["a", "b"]).set_index("name").loc[q]
    >>> float(s["widest"]), float(s["end"])
    (8.0, 2.0)
    """
    names = [i.name for i in coalition.inputs] + [DISCOUNT_INPUT]
    values = {p: {n: float(coalition.base.get(n)) for n in names} for p in partners}
    widest = {n: 0.0 for n in names}
    for who, kind, name, number in changes[["deelnemer", "soort", "naam", "getal"]] \
            .itertuples(index=False):
        if kind != "aanname" or name not in widest or who not in values or pd.isna(number):
            continue
        values[who][name] = float(number)
        spread = max(v[name] for v in values.values()) - min(v[name] for v in values.values())
        widest[name] = max(widest[name], spread)
    end = {n: max(v[n] for v in values.values()) - min(v[n] for v in values.values())
           for n in names}
    return pd.DataFrame({"name": names, "widest": [widest[n] for n in names],
                         "end": [end[n] for n in names]})


def _changes(n: int) -> str:
    return "1 wijziging" if n == 1 else f"{n} wijzigingen"


def _spread(name: str, x: float) -> str:
    """A difference between two values of an input, in its unit (a factor as a number)."""
    if value_kind(name) == "factor":
        return fmt_number(x, 2)
    return pages.value_text(name, x)


def _views_table(snap, coalition, adopted_view) -> str:
    t = pages.proposal_rows(snap, coalition)
    if adopted_view is not None:
        names = [i.name for i in coalition.inputs] + [DISCOUNT_INPUT, VALUATION_INPUT]
        t["vastgesteld"] = [pages.value_text(n, adopted_view.get(n)) for n in names]
    # many partners make a wide table: it scrolls in its own box, never the page
    return ("<div class='breed'>"
            + table_html(t, caption="Aannames: de casus, elke partner, het voorstel")
            + "</div>")


def _verdicts_table(snap) -> str:
    rows = [("de casus (ingediend)", snap.reference)]
    rows += [(p, snap.current(p)) for p in snap.views]
    rows.append(("voorstel (middelste waarden)", snap.common_verdict()))
    return table_html(pd.DataFrame(
        [{"kijk": name, "NCW": pages.verdict_line(v)[0], "B/K": pages.verdict_line(v)[1],
          "kans NCW > 0": pages.verdict_line(v)[2]} for name, v in rows]),
        caption="De uitkomst per kijk (kans uit dezelfde trekkingen als het wijkrapport)")


def _converged(snap, coalition, spread: pd.DataFrame) -> str:
    d = snap.dispute.set_index("name") if len(snap.dispute) else pd.DataFrame()
    together, apart, same = [], [], []
    for name, widest, end in spread.itertuples(index=False):
        what = esc(pages.label(coalition, name))
        if widest == 0:
            same.append(what)
        elif end < widest:
            together.append(f"{what}: het verschil tussen de partners liep terug van "
                            f"{esc(_spread(name, widest))} naar {esc(_spread(name, end))}")
        else:
            apart.append(what)
    out = []
    if together:
        out.append(para("Naar elkaar toe bewogen:") + "<ul>" + "".join(
            f"<li>{t}</li>" for t in together) + "</ul>")
    if len(d):
        differ = d[d["swing"] > 0.5]
        if len(differ):
            out.append(para("Verschillen aan het eind (de andere aannames op het voorstel):")
                       + "<ul>" + "".join(
                f"<li>{esc(pages.label(coalition, n))}: {esc(r['by_low'])} "
                f"{esc(pages.value_text(n, r['value_low']))}, {esc(r['by_high'])} "
                f"{esc(pages.value_text(n, r['value_high']))} — scheelt "
                f"{fmt_eur(r['swing'])} in de NCW</li>" for n, r in differ.iterrows())
                + "</ul>")
    if same:
        out.append(para("Niemand week af van de casus bij: " + ", ".join(same) + "."))
    if apart and not len(d):
        out.append(para("Uit elkaar gebleven: " + ", ".join(apart) + "."))
    return "".join(out)


def _scores(snap) -> str:
    rows = [{"partner": p, **{KIND_LABELS.get(k, k): snap.scores[p].get(k, "–")
                             for k in SCORE_KINDS}} for p in snap.views]
    text = table_html(pd.DataFrame(rows),
                      caption="Oordeel over het succes (1 = helemaal niet, 5 = helemaal wel)")
    reasons = [(p, r) for p, r in snap.reasons.items() if r]
    if reasons:
        text += "<dl>" + "".join(f"<dt><b>{esc(p)}</b></dt><dd>{esc(r)}</dd>"
                                 for p, r in reasons) + "</dl>"
    else:
        text += para("Niemand gaf een toelichting.")
    return text


def _log(changes: pd.DataFrame, coalition) -> str:
    what = {"aanname": "aanname", "oordeel": "oordeel", "toelichting": "toelichting",
            "vastgesteld": "vastgesteld"}
    rows = []
    for tijd, who, kind, name, number, text in changes[
            ["tijd", "deelnemer", "soort", "naam", "getal", "tekst"]].itertuples(index=False):
        if kind == "aanname":
            value = pages.value_text(name, text if pd.isna(number) else number)
            subject = pages.label(coalition, name)
        elif kind == "oordeel":
            value, subject = str(int(number)), KIND_LABELS.get(name, name)
        elif kind == "toelichting":
            value, subject = str(text), "toelichting"
        else:
            value, subject = "het voorstel", "scenario"
        rows.append({"tijd": _time(tijd, seconds=True), "wie": who, "wat": what[kind],
                     "onderwerp": subject, "waarde": value})
    return table_html(pd.DataFrame(rows, columns=["tijd", "wie", "wat", "onderwerp", "waarde"]),
                      caption="Elke wijziging, in volgorde")


def write_minutes(folder) -> dict:
    """Write ``verslag.html`` and the adopted scenario (``scenario.json``; without an adoption
    the final proposal as ``voorstel.json``) in the session folder; returns what was written
    (Dutch name → path).

    Parameters
    ----------
    folder : str or pathlib.Path
        The session folder (with ``sessie.sqlite``).

    Returns
    -------
    dict of str to pathlib.Path
        What was written, by kind.

    Examples
    --------
    A session in which one partner joined and nothing was adopted yet:

    >>> import tempfile
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.run.coalition.record import RECORD_NAME, Record
    >>> folder = Path(tempfile.mkdtemp())
    >>> record = Record(folder / RECORD_NAME)
    >>> record.describe({"casus": str(DATA_DIR / "voorbeeld"), "taak": "T2",
    ...                  "variant": "maatschappelijk_aanbesteden", "trekkingen": 200,
    ...                  "startgetal": 0})
    >>> _ = record.add_member("gemeente")
    >>> {what: path.name for what, path in write_minutes(folder).items()}
    {'voorstel (niet vastgesteld)': 'voorstel.json', 'verslag': 'verslag.html'}
    """
    folder = Path(folder)
    path = folder / RECORD_NAME
    if not path.is_file():
        raise CaseError(f"{folder}: geen sessie gevonden (verwacht {RECORD_NAME}; start er een "
                        "met mkba sessie CASUS --map MAP)")
    record = Record(path)
    try:
        meta = record.meta()
        if not Path(meta.get("casus", "")).exists():
            raise CaseError(f"{folder}: de casus van de sessie ({meta.get('casus')}) is er niet "
                            "meer; zet hem terug op die plek")
        coalition = Coalition(meta["casus"], meta["taak"], meta["variant"])
        partners = [m.name for m in record.members() if m.role == "deelnemer"]
        table = Table(coalition, record, partners)
        table.compute_all()
        snap = table.snapshot()
        changes = record.changes()
    finally:
        record.close()
    written = {}
    adopted = snap.adopted
    when = meta.get("gemaakt", "")
    if adopted:
        view = View(dict(adopted["waarden"]), float(adopted["parameters"]["discount_rate"]),
                    str(adopted["parameters"]["volunteer_valuation"]))
        now = coalition.verdict(view)
        scenario = Scenario(f"sessie {coalition.task} {_date(adopted['tijd'])}",
                            dict(view.values), dict(adopted["parameters"]),
                            f"Vastgesteld in de evaluatiesessie over {coalition.task} "
                            f"({coalition.name}) om {_time(adopted['tijd'])} op "
                            f"{_date(adopted['tijd'])}: de middelste waarde van de partners.",
                            adopted["tijd"])
        written["scenario (vastgesteld)"] = scenario.save(folder / SCENARIO_NAME)
    else:
        view, now = snap.common, snap.common_verdict()
        scenario = coalition.scenario(view, f"voorstel sessie {coalition.task}",
                                      "Het voorstel aan het eind van de evaluatiesessie (niet "
                                      "vastgesteld): de middelste waarde van de partners.")
        written["voorstel (niet vastgesteld)"] = scenario.save(folder / PROPOSAL_NAME)
    variant = "" if coalition.variant == "project" else f" — {variant_label(coalition.variant)}"
    ncw, bc, chance = pages.verdict_line(now)
    if adopted:
        decision = para(f"Om {esc(_time(adopted['tijd']))} stelde de tafel het voorstel vast: "
                        f"NCW <b>{ncw}</b>, B/K {bc}, kans NCW &gt; 0 {chance}. Het staat in "
                        f"<code>{SCENARIO_NAME}</code>, voor het wijkrapport en de batch.")
        if abs(now.npv - float(adopted["ncw"])) > 0.5:
            decision += para(f"<b>Let op:</b> de casus is sinds de sessie veranderd. Bij het "
                             f"vaststellen was de NCW {fmt_eur(adopted['ncw'])}, nu is die "
                             f"{ncw}.")
    else:
        decision = para(f"Er is geen scenario vastgesteld. Het voorstel aan het eind (de "
                        f"middelste waarde van de partners) gaf NCW <b>{ncw}</b>, B/K {bc}, "
                        f"kans NCW &gt; 0 {chance}; het staat in <code>{PROPOSAL_NAME}</code>.")
    active = changes[changes["soort"] != "vastgesteld"]
    counts = active.groupby("deelnemer").size()
    who = ", ".join(f"{esc(p)} ({_changes(int(counts.get(p, 0)))})" for p in partners)
    span = (f"van {_time(changes['tijd'].iloc[0])} tot {_time(changes['tijd'].iloc[-1])}"
            if len(changes) else "zonder wijzigingen")
    spread = spreads(changes, coalition, partners)
    body = ("<h1>Verslag evaluatiesessie</h1>"
            + para(f"<b>{esc(coalition.task)} {esc(coalition.name)}</b>{esc(variant)}")
            + para(f"Sessie van {esc(_date(when))}, {esc(span)}. Partners: {who}.")
            + "<h2>Besluit</h2>" + decision
            + "<h2>Wie dacht wat</h2>" + _views_table(snap, coalition, view if adopted else None)
            + _verdicts_table(snap)
            + "<h2>Waar de partners naar elkaar toe kwamen</h2>"
            + _converged(snap, coalition, spread)
            + "<h2>Oordelen en toelichtingen</h2>" + _scores(snap)
            + "<h2>Verloop</h2>" + _log(changes, coalition)
            + "<h2>Hoe er gerekend is</h2>"
            + para("Per partner: de aannames van die partner, de rest zoals in de casus. Het "
                   "voorstel neemt per aanname de middelste waarde van de partners (bij een "
                   "even aantal het gemiddelde van de middelste twee) en bij de discontovoet en "
                   "de waardering van vrijwilligersuren de keuze van de meesten. De kans op "
                   "NCW &gt; 0 komt uit dezelfde trekkingen als in het wijkrapport."))
    html = (f"<!doctype html><html lang='nl'><head><meta charset='utf-8'><meta name='viewport' "
            f"content='width=device-width, initial-scale=1'><title>Verslag evaluatiesessie "
            f"{esc(coalition.task)}</title><style>{_STYLE}</style></head><body>{body}"
            f"</body></html>")
    atomic_write(folder / MINUTES_NAME, html)
    written["verslag"] = folder / MINUTES_NAME
    return written
