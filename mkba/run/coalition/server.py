"""The session server: one process (Panel on Bokeh's Tornado server) serves every partner's
page and the projector from one shared :class:`~mkba.run.coalition.table.Table`.

Why Panel rather than Voilà (which served the session until issue 24): Voilà starts a Jupyter
kernel (≈ 100 MB, a process) for every page visit, and a shared state between kernels needs a
store of its own. Panel serves many pages from one process, each page a light Bokeh document
whose Python callbacks share the process's objects; a closed tab's page is dropped by Bokeh's
unused-session check. So partners' pages, the projector and the computing worker share one
state without a message bus, and the resources stay bounded (no kernels at all).

Life cycle: the case is read and every figure the pages need first is computed before the
server binds its port; the addresses are printed once the port is bound (the address printed
is the one served: a taken port is an error, never a silent move); SIGTERM and SIGINT stop
the server, the worker and the loop.
"""

from __future__ import annotations

import signal
import sys
import webbrowser

import panel as pn
from bokeh.util.token import generate_secret_key

from mkba.analysis.coalition import DISCOUNT_INPUT, VALUATION_INPUT
from mkba.base.html import esc
from mkba.case.schema import parse_parameter
from mkba.evidence.process import KIND_LABELS
from mkba.run.coalition import pages
from mkba.run.coalition.access import (
    IDLE_SECONDS,
    PARTNER_PATH,
    PROJECTOR_PATH,
    SECRET_PARAMETER,
    Access,
    qr_svg,
)
from mkba.run.coalition.record import SCORE_KINDS
from mkba.run.coalition.table import MAX_REASON, Table

__all__ = ["build_server", "run_server", "POLL_MS"]

#: How often a page looks for news in the table (milliseconds).
POLL_MS = 400
#: The score button that means "no score yet" (Bokeh shows the first button as chosen).
NO_SCORE = "–"
#: How often Bokeh looks for pages whose tab closed (milliseconds).
CHECK_MS = 5000

_BIG = [":host { font-size: 17px; } .bk-input, .bk-btn { font-size: 17px; }"]
_PROJECTOR_BUTTON = [":host .bk-btn { font-size: 22px; padding: 0.35em 1em; }"]


def _html(text: str, **kwargs) -> pn.pane.HTML:
    return pn.pane.HTML(text, stylesheets=[pages.CSS], sizing_mode="stretch_width",
                        margin=(0, 8), **kwargs)


def _member(access: Access, path: str):
    secret = pn.state.session_args.get(SECRET_PARAMETER, [b""])[0]
    return access.who(secret.decode("utf-8", "replace"), path)


def _notes(case) -> dict:
    """The ``toelichting`` of each row of ``bandbreedtes`` (what partners read under a
    slider)."""
    b = case.bandbreedtes
    if "toelichting" not in b:
        return {}
    return {str(p): str(t) for p, t in zip(b["parameter"], b["toelichting"], strict=True)
            if isinstance(t, str) and t.strip()}


def _criteria(case, task: str) -> dict:
    c = case.criteria
    c = c[c["taak_id"] == task] if "taak_id" in c else c.iloc[0:0]
    return {k: list(c.loc[c["soort"] == k, "omschrijving"].astype(str)) for k in SCORE_KINDS}


def _readout(coalition, inp, value, note: str) -> str:
    return (f"<div class='mk'><b>{esc(pages.label(coalition, inp.name))}</b>: "
            f"<span data-waarde>{esc(pages.value_text(inp.name, value))}</span><br>"
            f"<span class='klein'>casus: {esc(pages.value_text(inp.name, inp.base))} · "
            f"bandbreedte {esc(pages.value_text(inp.name, inp.low))} – "
            f"{esc(pages.value_text(inp.name, inp.high))}"
            + (f". {esc(note)}" if note else "") + "</span></div>")


def _quantity(name: str) -> bool:
    parts = parse_parameter(name)
    return parts[0] == "effect" and parts[-1] == "hoeveelheid"


def partner_page(table: Table, access: Access):
    """The page of one partner (who: the secret in the link): their verdict, their inputs,
    their scores and their reason. Phone-sized."""
    member = _member(access, PARTNER_PATH)
    if member is None:  # the request passed Access.user, so only a changed record lands here
        return _html("<div class='mk'><p>Deze link klopt niet.</p></div>")
    who, coalition = member.name, table.coalition
    snap = table.snapshot()
    view = snap.views[who]
    verdict = _html(pages.partner_verdict(snap, who))
    message = _html("")

    def report(problem):
        message.object = ("" if not problem else
                          f"<p class='mk melding'>{esc(problem)}</p>")

    notes = _notes(coalition.case)
    parts = [_html(pages.partner_header(coalition, who)), verdict, message,
             _html("<div class='mk'><h2>Jouw aannames</h2></div>")]
    quantities = [i for i in coalition.inputs if _quantity(i.name)]
    others = [i for i in coalition.inputs if not _quantity(i.name)]
    for group, title in ((quantities, "Wat verwacht je: hoeveel per jaar?"),
                         (others, "Wat kost of levert het op?")):
        if group:
            parts.append(_html(f"<div class='mk'><p><i>{title}</i></p></div>"))
        for inp in group:
            readout = _html(_readout(coalition, inp, view.get(inp.name), notes.get(inp.name,
                                                                                      "")))
            slider = pn.widgets.FloatSlider(start=inp.low, end=inp.high, step=pages.step_for(inp),
                                            value=view.get(inp.name), show_value=False,
                                            sizing_mode="stretch_width", margin=(0, 18, 10, 18),
                                            css_classes=["mk-schuif"],
                                            tags=[inp.name])

            def moved(event, inp=inp, readout=readout):
                readout.object = _readout(coalition, inp, event.new, notes.get(inp.name, ""))

            def chosen(event, name=inp.name):
                report(table.set(who, name, round(float(event.new), 9)))

            slider.param.watch(moved, "value")
            slider.param.watch(chosen, "value_throttled")
            parts += [readout, slider]
    options = {label: rate for label, rate in coalition.discount_options}
    discount = pn.widgets.Select(name="Discontovoet", options=options, value=view.discount_rate,
                                 sizing_mode="stretch_width", stylesheets=_BIG,
                                 margin=(4, 8))
    discount.param.watch(lambda e: report(table.set(who, DISCOUNT_INPUT, e.new)), "value")
    methods = {pages.VALUATION_LABELS.get(m, m): m for m in coalition.methods}
    valuation = pn.widgets.Select(name="Waardering van een uur vrijwilligerswerk",
                                  options=methods, value=view.volunteer_valuation,
                                  sizing_mode="stretch_width", stylesheets=_BIG, margin=(4, 8))
    valuation.param.watch(lambda e: report(table.set(who, VALUATION_INPUT, e.new)), "value")
    parts += [_html("<div class='mk'><p><i>Keuzes</i></p></div>"), valuation, discount]
    parts.append(_html("<div class='mk'><h2>Is het gelukt? Jouw oordeel</h2><p class='klein'>"
                       "1 = helemaal niet, 5 = helemaal wel; – = nog geen oordeel.</p></div>"))
    criteria = _criteria(coalition.case, coalition.task)
    for kind in SCORE_KINDS:
        said = "".join(f"<br><span class='klein'>{esc(t)}</span>" for t in criteria[kind])
        parts.append(_html(f"<div class='mk'><b>{esc(KIND_LABELS.get(kind, kind))}</b>"
                           f"{said}</div>"))
        current = snap.scores[who].get(kind)
        radio = pn.widgets.RadioButtonGroup(options=[NO_SCORE, "1", "2", "3", "4", "5"],
                                            value=NO_SCORE if current is None else str(current),
                                            sizing_mode="stretch_width", stylesheets=_BIG,
                                            margin=(2, 8, 8, 8), tags=[kind])

        def scored(event, kind=kind):
            if event.new != NO_SCORE:
                report(table.score(who, kind, int(event.new)))

        radio.param.watch(scored, "value")
        parts.append(radio)
    reason = pn.widgets.TextAreaInput(name="Waarom zie jij het zo? (kort)",
                                      value=snap.reasons[who], max_length=MAX_REASON, rows=3,
                                      sizing_mode="stretch_width", stylesheets=_BIG,
                                      margin=(8, 8))
    save = pn.widgets.Button(name="Bewaar toelichting", button_type="primary",
                             stylesheets=_BIG, margin=(4, 8))
    saved = _html("")

    def keep(_event):
        problem = table.reason(who, reason.value_input if reason.value_input is not None
                               else reason.value)
        report(problem)
        saved.object = "" if problem else "<p class='mk klein'>Bewaard.</p>"

    save.on_click(keep)
    parts += [reason, save, saved,
              _html("<p class='mk klein'>Alles wat je hier kiest, komt met tijd en naam in het "
                    "verslag van de sessie.</p>")]
    _keep_fresh(table, who, lambda snap: setattr(verdict, "object",
                                                 pages.partner_verdict(snap, who)))
    return pn.Column(*parts, sizing_mode="stretch_width", max_width=640,
                     margin=(0, 0, 40, 0))


def _keep_fresh(table: Table, who: str, redraw) -> None:
    """Count the page as open until its session ends, and redraw when the table moved."""
    table.opened(who)
    seen = {"version": table.snapshot().version}

    def poll():
        snap = table.snapshot()
        if snap.version != seen["version"]:
            seen["version"] = snap.version
            redraw(snap)

    pn.state.add_periodic_callback(poll, period=POLL_MS)
    pn.state.on_session_destroyed(lambda _ctx: table.closed(who))


def projector_page(table: Table, access: Access, links: dict):
    """The projector: every verdict side by side, the largest disagreement, the proposal with
    a button to adopt it, and a QR code per partner's link."""
    member = _member(access, PROJECTOR_PATH)
    if member is None:
        return _html("<div class='pj'><p>Deze link klopt niet.</p></div>")
    coalition = table.coalition
    main = _html(pages.projector_html(table.snapshot(), coalition))
    adopt = pn.widgets.Button(name="Stel het voorstel vast", button_type="success",
                              stylesheets=_PROJECTOR_BUTTON, margin=(6, 8))
    status = _html("")

    def adopt_now(_event):
        problem = table.adopt()
        status.object = f"<p class='pj'>{esc(problem)}</p>" if problem else ""

    adopt.on_click(adopt_now)
    matrix = _html(pages.matrix_html(table.snapshot(), coalition))
    qr = pn.pane.HTML(pages.qr_html({name: qr_svg(url) for name, url in links.items()}),
                      stylesheets=[pages.CSS], width=200, margin=(0, 4))

    def redraw(snap):
        main.object = pages.projector_html(snap, coalition)
        matrix.object = pages.matrix_html(snap, coalition)

    _keep_fresh(table, member.name, redraw)
    tabs = pn.Tabs(("Uitkomst", pn.Column(main, pn.Row(adopt, status,
                                                       sizing_mode="stretch_width"),
                                          sizing_mode="stretch_width")),
                   ("Aannames per partner", matrix), sizing_mode="stretch_width",
                   stylesheets=[":host .bk-tab { font-size: 18px; }"])
    return pn.Row(tabs, qr, sizing_mode="stretch_width")


def build_server(table: Table, access: Access, *, address: str, port: int, hosts: list[str]):
    """The Panel server, bound to ``address:port`` (raises OSError when the port is taken);
    not started.

    Parameters
    ----------
    table : Table
        The session's state.
    access : Access
        The partners' links and secrets.
    address : str
        The address to bind (``127.0.0.1``, or the LAN address).
    port : int
        The port; 0 for a free one.
    hosts : list of str
        The host names the server answers to.

    Returns
    -------
    panel.io.server.Server
        The server, bound but not started.
    """
    pn.extension(notifications=True,
                 disconnect_notification="De verbinding is verbroken: herlaad de pagina.")
    links: dict = {}
    server = pn.io.server.get_server(
        {PARTNER_PATH.strip("/"): lambda: partner_page(table, access),
         PROJECTOR_PATH.strip("/"): lambda: projector_page(table, access, links)},
        port=port, address=address, websocket_origin=list(hosts), show=False, start=False,
        verbose=False, title={"deelnemer": "Evaluatiesessie", "projector": "Evaluatiesessie"},
        auth_provider=access.auth_provider(), sign_sessions=True,
        secret_key=generate_secret_key(), generate_session_ids=True,
        unused_session_lifetime_milliseconds=IDLE_SECONDS * 1000,
        check_unused_sessions_milliseconds=CHECK_MS)
    access.hosts = {f"{h}:{server.port}".lower() for h in hosts}
    base = f"http://{hosts[0]}:{server.port}"
    links.update({m.name: access.url(base, m) for m in access.members
                  if m.role == "deelnemer"})
    return server, base


def run_server(server, table: Table, *, on_listening=None, open_url: str | None = None) -> int:
    """Run until SIGTERM or SIGINT: start the server's callbacks and the worker, call
    ``on_listening`` (prints the links), serve, then stop everything.

    Parameters
    ----------
    server : panel.io.server.Server
        The server (:func:`build_server`).
    table : Table
        The session's state (its worker is started and stopped here).
    on_listening : callable, optional
        Called once the server listens (prints the links).
    open_url : str, optional
        A link to open in the browser once listening.

    Returns
    -------
    int
        The exit status.
    """
    loop = server.io_loop

    def stop():
        table.stop()
        server.stop(wait=False)
        loop.stop()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.asyncio_loop.add_signal_handler(sig, stop)
    server.start()
    table.start()
    if on_listening:
        on_listening()
    if open_url:
        loop.add_callback(webbrowser.open, open_url)
    try:
        loop.start()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.asyncio_loop.remove_signal_handler(sig)
        sys.stdout.flush()
    return 0

