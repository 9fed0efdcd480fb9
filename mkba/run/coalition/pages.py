"""What the session's pages say, as HTML (Dutch, Dutch numbers): a partner's own verdict and
the projector's table. Pure functions of a :class:`~mkba.run.coalition.table.Snapshot`, so
that they are tested without a browser; :mod:`mkba.run.coalition.server` puts them on the
pages.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from mkba.analysis.coalition import DISCOUNT_INPUT, VALUATION_INPUT, Coalition, Verdict
from mkba.base.formatting import fmt_chance, fmt_eur, fmt_ratio
from mkba.base.html import esc
from mkba.base.resulttable import METHOD_DESCRIPTIONS, METHOD_LABELS
from mkba.report.session import input_label, shown_value
from mkba.report.text import variant_label

__all__ = ["CSS", "VALUATION_LABELS", "label", "value_text", "verdict_line", "partner_header",
           "partner_verdict", "projector_html", "matrix_html", "qr_html", "proposal_rows",
           "step_for"]

#: The valuations of volunteer hours in words: the report's (one table).
VALUATION_LABELS = METHOD_DESCRIPTIONS

#: One style for every page: large type, no horizontal scroll on a phone, readable on a
#: projector at 1280×720 from the back of the room.
CSS = """
:host { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.mk { font-size: 17px; line-height: 1.35; color: #1a1a1a; overflow-wrap: anywhere; }
.mk h1 { font-size: 1.35em; margin: 0.2em 0; }
.mk h2 { font-size: 1.1em; margin: 0.8em 0 0.3em; }
.mk p { margin: 0.3em 0; }
.mk .ncw { font-size: 1.6em; font-weight: 700; }
.mk .klein { font-size: 0.9em; color: #444; }
.mk .bezig { color: #8a5a00; }
.mk .kaart { border: 1px solid #ccc; border-radius: 8px; padding: 0.5em 0.7em; margin: 0.4em 0;
             background: #f7f7f7; }
.mk .melding { color: #a00000; font-weight: 600; }
.pj { font-size: 20px; line-height: 1.3; color: #111; }
.pj h1 { font-size: 1.2em; margin: 0 0 0.2em; }
.pj h2 { font-size: 1.1em; margin: 0.55em 0 0.2em; }
.pj table { border-collapse: collapse; width: 100%; }
.pj th, .pj td { padding: 0.12em 0.45em; border-bottom: 1px solid #ccc; text-align: left;
                 vertical-align: top; }
.pj td.getal, .pj th.getal { text-align: right; white-space: nowrap; }
.pj tr.voorstel td { font-weight: 700; border-top: 2px solid #333; }
.pj tr.casus td { color: #333; font-style: italic; }
.pj .balk { display: inline-block; height: 0.8em; background: #2b6cb0; }
.pj .balk.neg { background: #c53030; }
.pj .aan { color: #2f855a; } .pj .uit { color: #999; }
.pj .verschil { background: #fff4d6; border-left: 6px solid #d69e2e; padding: 0.3em 0.6em;
                margin: 0.4em 0; }
.pj .vastgesteld { background: #e6ffed; border-left: 6px solid #2f855a; padding: 0.3em 0.6em; }
.pj .qrs { display: grid; grid-template-columns: 1fr; gap: 0.3em; }
.pj .qrs.twee { grid-template-columns: 1fr 1fr; }
.pj .qr { text-align: center; font-size: 0.8em; }
.pj .qr svg { width: 100%; height: auto; max-width: 9em; }
"""


def label(coalition: Coalition, name: str) -> str:
    """The Dutch name of a session input or choice.

    Parameters
    ----------
    coalition : Coalition
        The session's task and variant.
    name : str
        The input's or choice's name.

    Returns
    -------
    str
        The Dutch name.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> c = Coalition(DATA_DIR / "voorbeeld", "T2")
    >>> label(c, "T2/Vergoeding bewonerscollectief/factor"), label(c, VALUATION_INPUT)
    ('Vergoeding bewonerscollectief: factor op de kosten', 'waardering vrijwilligersuren')
    """
    if name == VALUATION_INPUT:
        return "waardering vrijwilligersuren"
    return input_label(coalition.case, name)


def value_text(name: str, value) -> str:
    """A value in Dutch (a valuation by its name).

    Parameters
    ----------
    name : str
        The input's or choice's name.
    value : object
        Its value.

    Returns
    -------
    str
        The Dutch text.

    Examples
    --------
    >>> value_text(DISCOUNT_INPUT, -0.01), value_text(VALUATION_INPUT, "gederfd_loon")
    ('−1,00 %', 'gederfd nettoloon')
    """
    if name == VALUATION_INPUT:
        return METHOD_LABELS.get(str(value), str(value).replace("_", " "))
    return shown_value(DISCOUNT_INPUT if name == DISCOUNT_INPUT else name, value)


def step_for(inp) -> float:
    """A slider step for an input: whole numbers for counts, 1 %-point for fractions, else
    about a hundredth of the range rounded to 1, 2 or 5 × 10^k.

    Parameters
    ----------
    inp : UncertainInput
        The input.

    Returns
    -------
    float
        The step.

    Examples
    --------
    >>> from types import SimpleNamespace as I
    >>> step_for(I(kind="hoeveelheid", low=2.0, high=10.0, base=6.0))
    1.0
    >>> step_for(I(kind="factor", low=0.95, high=1.3, base=1.0))
    0.005
    """
    span = float(inp.high - inp.low)
    if inp.kind in ("deadweight", "attributie", "verdringing", "afname", "optimisme_kosten",
                    "optimisme_baten"):
        return 0.01
    whole = all(float(x).is_integer() for x in (inp.low, inp.high, inp.base))
    if inp.kind == "hoeveelheid" and whole and span <= 200:
        return 1.0
    if span <= 0:
        return 1.0
    raw = span / 100
    power = 10 ** int(f"{raw:e}".split("e")[1])
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def verdict_line(verdict: Verdict | None) -> tuple[str, str, str]:
    """NCW, B/K and chance NCW > 0 in Dutch ("…" while being computed).

    Parameters
    ----------
    verdict : Verdict or None
        The verdict; None while it is computed.

    Returns
    -------
    tuple of str
        NCW, B/K and the chance, in Dutch.

    Examples
    --------
    >>> verdict_line(Verdict(298305.9, 1.4027, 0.786))
    ('€ 298.306', '1,40', '79 %')
    >>> verdict_line(Verdict(298305.9, 1.4027, 1.0))[2]  # finite draws: never certain
    'meer dan 99 %'
    """
    if verdict is None:
        return "…", "…", "…"
    chance = "…" if verdict.p_npv_positive is None else fmt_chance(verdict.p_npv_positive)
    bc = "–" if verdict.bc_ratio is None else fmt_ratio(verdict.bc_ratio)
    return fmt_eur(verdict.npv), bc, chance


def partner_header(coalition: Coalition, partner: str) -> str:
    """The top of a partner's page: the task, the variant and whose view it is.

    Parameters
    ----------
    coalition : Coalition
        The session's task and variant.
    partner : str
        The partner whose page it is.

    Returns
    -------
    str
        The HTML.

    Examples
    --------
    >>> from mkba.base.assumptions import DATA_DIR
    >>> "Jouw kijk als <b>bewoners</b>" in partner_header(Coalition(DATA_DIR / "voorbeeld",
    ...                                                               "T2"), "bewoners")
    True
    """
    variant = ("" if coalition.variant == "project"
               else f" — {esc(variant_label(coalition.variant))}")
    return (f"<div class='mk'><h1>Evaluatiesessie</h1>"
            f"<p><b>{esc(coalition.name)}</b>{variant}</p>"
            f"<p>Jouw kijk als <b>{esc(partner)}</b>. Zet de aannames op wat jij verwacht; "
            f"de uitkomst rekent mee en staat meteen op het grote scherm. Alles wat je kiest, "
            f"komt in het verslag van de sessie.</p></div>")


def partner_verdict(snap, partner: str) -> str:
    """The partner's own verdict beside the case's (``snap``: a
    :class:`~mkba.run.coalition.table.Snapshot`; see ``tests/test_coalition.py``).

    Parameters
    ----------
    snap : Snapshot
        The session's state.
    partner : str
        The partner.

    Returns
    -------
    str
        The HTML.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.run.coalition.record import Record
    >>> from mkba.run.coalition.table import Table
    >>> c = Coalition(DATA_DIR / "voorbeeld", "T2")
    >>> table = Table(c, Record(Path(tempfile.mkdtemp()) / "sessie.sqlite"), ["gemeente"])
    >>> "wordt doorgerekend" in partner_verdict(table.snapshot(), "gemeente")  # not computed yet
    True
    """
    mine = snap.current(partner)
    ncw, bc, chance = verdict_line(mine)
    ref = verdict_line(snap.reference)
    busy = "" if mine is not None and mine.p_npv_positive is not None else \
        "<p class='klein bezig'>wordt doorgerekend…</p>"
    return (f"<div class='mk kaart'><p>Met jouw aannames</p>"
            f"<p class='ncw' data-ncw>NCW {ncw}</p>"
            f"<p>B/K {bc} · kans NCW &gt; 0: {chance}</p>{busy}"
            f"<p class='klein'>De casus zelf: NCW {ref[0]} · B/K {ref[1]} · kans {ref[2]}</p>"
            f"</div>")


def _time(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso).strftime("%H:%M")
    except (TypeError, ValueError):
        return ""


def _bars(verdicts: list) -> list[str]:
    """A bar per NPV, scaled to the largest absolute NPV (red when negative)."""
    top = max([abs(v.npv) for v in verdicts if v is not None] + [1.0])
    out = []
    for v in verdicts:
        if v is None:
            out.append("")
            continue
        width = 6 * abs(v.npv) / top
        cls = "balk neg" if v.npv < 0 else "balk"
        out.append(f"<span class='{cls}' style='width:{width:.2f}em'></span>")
    return out


def projector_html(snap, coalition: Coalition) -> str:
    """The projector's main view: the verdicts side by side, the largest disagreement, the
    proposal and what was adopted (``snap``: a :class:`~mkba.run.coalition.table.Snapshot`;
    see ``tests/test_coalition.py``).

    Parameters
    ----------
    snap : Snapshot
        The session's state.
    coalition : Coalition
        The session's task and variant.

    Returns
    -------
    str
        The HTML.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.run.coalition.record import Record
    >>> from mkba.run.coalition.table import Table
    >>> c = Coalition(DATA_DIR / "voorbeeld", "T2")
    >>> table = Table(c, Record(Path(tempfile.mkdtemp()) / "sessie.sqlite"), ["gemeente"])
    >>> projector_html(table.snapshot(), c)[:60]
    "<div class='pj'><h1>Groenonderhoud De Kolenkit door bewoners"
    """
    variant = ("" if coalition.variant == "project"
               else f" — {esc(variant_label(coalition.variant))}")
    rows = [("casus", "De casus (ingediend)", snap.reference)]
    for p in snap.views:
        on = snap.windows.get(p, 0) > 0
        dot = ("<span class='aan' title='verbonden'>●</span>" if on
               else "<span class='uit' title='niet verbonden'>○</span>")
        rows.append(("", f"{dot} {esc(p)}", snap.current(p)))
    rows.append(("voorstel", "Voorstel (gezamenlijk)", snap.common_verdict()))
    bars = _bars([r[2] for r in rows])
    body = "".join(
        f"<tr class='{cls}'><td>{name}</td><td class='getal' data-ncw>{verdict_line(v)[0]}</td>"
        f"<td class='getal'>{verdict_line(v)[1]}</td><td class='getal'>{verdict_line(v)[2]}"
        f"</td><td>{bar}</td></tr>"
        for (cls, name, v), bar in zip(rows, bars, strict=True))
    table = ("<table data-oordelen><tr><th>kijk</th><th class='getal'>NCW</th>"
             "<th class='getal'>B/K</th><th class='getal'>kans NCW&nbsp;&gt;&nbsp;0</th>"
             "<th></th></tr>" + body + "</table>")
    proposal = "".join(
        f"<tr><td>{esc(label(coalition, n))}</td><td class='getal'>"
        f"{esc(value_text(n, snap.common.get(n)))}</td></tr>" for n in _names(coalition))
    return (f"<div class='pj'><h1>{esc(coalition.name)}{variant}</h1>{table}"
            f"{dispute_html(snap, coalition)}"
            f"<h2>Voorstel: per aanname de middelste waarde van de partners</h2>"
            f"<table data-voorstel>{proposal}</table>{adopted_html(snap)}</div>")


def _names(coalition: Coalition) -> list[str]:
    return [i.name for i in coalition.inputs] + [DISCOUNT_INPUT, VALUATION_INPUT]


def matrix_html(snap, coalition: Coalition) -> str:
    """Every input and choice: the case's value, each partner's and the proposal's.

    Parameters
    ----------
    snap : Snapshot
        The session's state (:meth:`mkba.run.coalition.table.Table.snapshot`).
    coalition : Coalition
        The session's task and variant.

    Returns
    -------
    str
        The HTML.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.run.coalition.record import Record
    >>> from mkba.run.coalition.table import Table
    >>> c = Coalition(DATA_DIR / "voorbeeld", "T2")
    >>> table = Table(c, Record(Path(tempfile.mkdtemp()) / "sessie.sqlite"), ["gemeente"])
    >>> html = matrix_html(table.snapshot(), c)
    >>> "<th>aanname</th><th>casus</th><th>gemeente</th>" in html
    True
    """
    t = proposal_rows(snap, coalition)
    head = "".join(f"<th>{esc(c)}</th>" for c in t.columns)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>"
                   for row in t.itertuples(index=False))
    return f"<div class='pj'><table><tr>{head}</tr>{body}</table></div>"


def qr_html(codes: dict) -> str:
    """The QR codes (inline SVG) of the partners' links, with their names; two columns from
    four partners on.

    Parameters
    ----------
    codes : dict of str to str
        Partner to link.

    Returns
    -------
    str
        The HTML.

    Examples
    --------
    >>> "qrs twee" in qr_html({p: "<svg></svg>" for p in "abcd"}), "qrs'" in qr_html({"a": ""})
    (True, True)
    """
    cls = "qrs twee" if len(codes) > 3 else "qrs"
    cells = "".join(f"<div class='qr'>{svg}<br>{esc(name)}</div>" for name, svg in codes.items())
    return (f"<div class='pj'><p style='font-size:0.75em;margin:0 0 0.3em'>Scan je eigen "
            f"code:</p><div class='{cls}'>{cells}</div></div>")


def dispute_html(snap, coalition: Coalition) -> str:
    """The input that drives the disagreement most, in one sentence."""
    d = snap.dispute
    if not len(d) or len(snap.views) < 2:
        return ""
    top = d.iloc[0]
    if not top["swing"] > 0.5:
        return ("<div class='verschil' data-verschil><b>De partners zijn het over alle "
                "aannames eens.</b></div>")
    name = top["name"]
    return (f"<div class='verschil' data-verschil>Grootste verschil: "
            f"<b data-aanname>{esc(label(coalition, name))}</b> — "
            f"{esc(top['by_low'])} {esc(value_text(name, top['value_low']))}, "
            f"{esc(top['by_high'])} {esc(value_text(name, top['value_high']))}: dat scheelt "
            f"<b>{fmt_eur(top['swing'])}</b> in de NCW.</div>")


def proposal_rows(snap, coalition: Coalition) -> pd.DataFrame:
    """Per input and choice: the case's value, each partner's and the proposal's (Dutch).

    Parameters
    ----------
    snap : Snapshot
        The session's state.
    coalition : Coalition
        The session's task and variant.

    Returns
    -------
    pandas.DataFrame
        ``aanname``, ``casus``, a column per partner and ``voorstel``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.run.coalition.record import Record
    >>> from mkba.run.coalition.table import Table
    >>> c = Coalition(DATA_DIR / "voorbeeld", "T2")
    >>> table = Table(c, Record(Path(tempfile.mkdtemp()) / "sessie.sqlite"),
    ...               ["gemeente", "bewoners"])
    >>> proposal_rows(table.snapshot(), c).columns.tolist()
    ['aanname', 'casus', 'gemeente', 'bewoners', 'voorstel']
    """
    rows = []
    for name in _names(coalition):
        row = {"aanname": label(coalition, name),
               "casus": value_text(name, coalition.base.get(name))}
        for p, view in snap.views.items():
            row[p] = value_text(name, view.get(name))
        row["voorstel"] = value_text(name, snap.common.get(name))
        rows.append(row)
    return pd.DataFrame(rows)


def adopted_html(snap) -> str:
    a = snap.adopted
    if not a:
        return ""
    when = _time(a.get("tijd", "")) or "zojuist"
    bc = "–" if a.get("bk") is None else fmt_ratio(a["bk"])
    return (f"<p class='vastgesteld' data-vastgesteld>Vastgesteld ({esc(when)}): NCW "
            f"<b>{fmt_eur(a['ncw'])}</b> · B/K {bc} · kans NCW &gt; 0 "
            f"{fmt_chance(a['kans_ncw_positief'])}</p>")
