"""``mkba sessie`` as a real server process, in a real browser (issue 24).

Playwright drives the system's Chromium (``executable_path``; no browser is downloaded). Every
server here is a process started by the test in its own process group, stopped by the test.
Ports: ``--port 0`` lets the server pick a free one and print it (no race with other tests).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mkba import evaluate, read_case
from mkba.base.formatting import fmt_eur

from .conftest import EXAMPLE

pytestmark = pytest.mark.slow

QUANTITY = "T2/Minder vernielingen in het park/hoeveelheid"
QUANTITY_LABEL = "Minder vernielingen in het park: aantal per jaar"
STARTUP_SECONDS = 90


class Server:
    """A ``mkba sessie`` process and what it printed."""

    def __init__(self, tmp_path: Path, *args: str, name: str = "sessie"):
        self.folder = tmp_path / name
        self.out, self.err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mkba.run.cli", "sessie", str(EXAMPLE), "--task", "T2",
             "--map", str(self.folder), "--port", "0", "--no-browser", *args],
            stdout=open(self.out, "w"), stderr=open(self.err, "w"),  # noqa: SIM115
            start_new_session=True)
        deadline = time.monotonic() + STARTUP_SECONDS
        while "Stop met Ctrl-C" not in self.out.read_text():
            assert self.proc.poll() is None, self.err.read_text()
            assert time.monotonic() < deadline, self.err.read_text()
            time.sleep(0.2)
        text = self.out.read_text()
        self.projector = re.search(r"(http://\S+/projector\?sleutel=\S+)", text).group(1)
        self.links = dict(re.findall(r"^  (\S+)\s+(http://\S+/deelnemer\?sleutel=\S+)$", text,
                                     re.M))
        host, port = re.search(r"http://([^:/]+):(\d+)/", self.projector).groups()
        self.port = int(port)
        self.base = self.projector.split("/projector")[0]
        # the address is printed once it is served (it was printed ≈ 10 s early)
        socket.create_connection((host, self.port), timeout=5).close()

    def stop(self, sig=signal.SIGKILL) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=20)

    def group_alive(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
            return True
        except ProcessLookupError:
            return False


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def _npv_with_quantity(q: float) -> float:
    """T2's NPV with the vandalism count set in the effect table itself (not through the
    session's scenario machinery): the independent route."""
    case = read_case(EXAMPLE)
    e = case.effecten.copy()
    e.loc[(e["taak_id"] == "T2") & (e["effect"] == "Minder vernielingen in het park"),
          "hoeveelheid"] = float(q)
    return evaluate(case.with_table("effecten", e), task="T2").result(
        "T2", "maatschappelijk_aanbesteden").npv


def _elsewhere(url: str, base: str) -> bool:
    """Whether a request leaves the session's server (``blob:``/``data:`` stay in the page)."""
    return url.split(":")[0] in ("http", "https", "ws", "wss") and not url.startswith(
        (base, base.replace("http", "ws", 1)))


def _row(page, name: str):
    """The projector's row of a partner (Playwright's locators reach into Panel's shadow
    DOM, ``document.body.innerText`` does not)."""
    return page.locator("[data-oordelen] tr", has_text=name).first


def _set_slider(page, keys: list[str]) -> None:
    """Move the first slider (the first quantity) with the keyboard."""
    handle = page.locator(".noUi-handle").first
    handle.focus()
    for key in keys:
        page.keyboard.press(key)


def test_three_partners_one_projector_and_a_record_that_survives_kill_9(tmp_path, browser):
    server = Server(tmp_path, "--deelnemers", "gemeente,bewoners,corporatie")
    outside = []
    try:
        assert set(server.links) == {"gemeente", "bewoners", "corporatie"}
        secrets = [u.split("sleutel=")[1] for u in [*server.links.values(), server.projector]]
        assert len(set(secrets)) == 4 and all(len(s) >= 16 for s in secrets)
        projector = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
        projector.on("request", lambda r: outside.append(r.url)
                     if _elsewhere(r.url, server.base) else None)
        projector.goto(server.projector)
        projector.locator("[data-oordelen]").wait_for(timeout=60_000)
        # readable from the back of the room at 1280×720 (the waterfall's labels were tiny)
        size = projector.locator("[data-oordelen] td").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 18
        # the session opens on the variant the case designates
        assert "maatschappelijk aanbesteden" in projector.inner_text("h1")
        wanted = {"gemeente": (["Home"], 2), "bewoners": (["End"], 10),
                  "corporatie": (["Home", "ArrowRight", "ArrowRight"], 4)}
        pages = {}
        for name, (keys, _) in wanted.items():
            page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
            page.on("request", lambda r: outside.append(r.url)
                    if _elsewhere(r.url, server.base) else None)
            page.goto(server.links[name])
            page.locator("[data-ncw]").wait_for(timeout=60_000)
            page.locator(".mk b", has_text=name).first.wait_for()  # whose page it is
            _set_slider(page, keys)
            pages[name] = page
        expected = {name: fmt_eur(_npv_with_quantity(q)) for name, (_, q) in wanted.items()}
        assert len(set(expected.values())) == 3  # three different verdicts
        for name, page in pages.items():
            page.locator("[data-ncw]", has_text=f"NCW {expected[name]}").wait_for(
                timeout=30_000)
            # on a phone (390 px) nothing makes the page scroll sideways
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            assert page.evaluate("document.body.scrollWidth") <= 390
        # one partner scores and explains
        bewoners = pages["bewoners"]
        bewoners.locator(".bk-btn-group").nth(2).get_by_text("4", exact=True).click()
        bewoners.locator("textarea").fill("Minder vernielingen sinds de buurt zelf maait.")
        bewoners.get_by_role("button", name="Bewaar toelichting").click()
        bewoners.get_by_text("Bewaard.").wait_for(timeout=20_000)
        # the projector: three verdicts, the most disputed input and the proposal (median 4)
        for name in wanted:
            _row(projector, name).locator("[data-ncw]", has_text=expected[name]).wait_for(
                timeout=30_000)
            assert _row(projector, name).locator("[data-ncw]").inner_text() == expected[name]
        proposal = fmt_eur(_npv_with_quantity(4))
        projector.locator("[data-oordelen] tr.voorstel", has_text=proposal,
                          has_not_text="…").wait_for(timeout=30_000)
        assert projector.locator("[data-verschil] [data-aanname]").inner_text() == QUANTITY_LABEL
        projector.screenshot(path=str(tmp_path / "projector-1280x720.png"))
        pages["corporatie"].screenshot(path=str(tmp_path / "partner-390.png"), full_page=True)
        projector.get_by_role("button", name="Stel het voorstel vast").click()
        adopted = projector.locator("[data-vastgesteld]")
        adopted.wait_for(timeout=20_000)
        assert proposal in adopted.inner_text()
        assert outside == []  # nothing is fetched from outside the machine
    finally:
        server.stop(signal.SIGKILL)  # kill -9 mid-session
    assert server.proc.returncode == -signal.SIGKILL
    # the record kept everything the screens showed
    done = subprocess.run([sys.executable, "-m", "mkba.run.cli", "sessie-verslag",
                           str(server.folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    minutes = (server.folder / "verslag.html").read_text(encoding="utf-8")
    for text in ("gemeente", "bewoners", "corporatie", "Minder vernielingen sinds de buurt",
                 "stelde de tafel het voorstel vast", proposal):
        assert text in minutes, text
    scenario = server.folder / "scenario.json"
    assert json.loads(scenario.read_text())["waarden"][QUANTITY] == 4
    out = subprocess.run([sys.executable, "-m", "mkba.run.cli", "evaluate", str(EXAMPLE),
                          "--task", "T2", "--scenario", str(scenario), "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    task = next(t for t in json.loads(out.stdout)["tasks"]
                if t["variant"] == "maatschappelijk_aanbesteden")
    assert fmt_eur(task["npv"]) == proposal  # the NCW the projector showed


def test_thirty_page_loads_leave_no_kernels_and_the_windows_are_bounded(tmp_path, browser):
    import psutil

    from mkba.run.coalition.access import MAX_WINDOWS

    server = Server(tmp_path, "--deelnemers", "gemeente,bewoners")
    try:
        proc = psutil.Process(server.proc.pid)
        projector = browser.new_page(viewport={"width": 1280, "height": 720})
        projector.goto(server.projector)
        projector.locator("[data-oordelen]").wait_for(timeout=60_000)
        rss = proc.memory_info().rss
        for _ in range(30):
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(server.links["gemeente"])
            page.locator("[data-ncw]").wait_for(timeout=60_000)
            page.close()
        assert proc.children(recursive=True) == []  # no kernels, no processes at all
        grown = (proc.memory_info().rss - rss) / 1e6
        assert grown < 200, f"{grown:.0f} MB after 30 page loads"
        # a closed tab's page is dropped within a minute: gemeente shows as not connected
        _row(projector, "gemeente").locator(".uit").wait_for(timeout=60_000)
        # a script opening pages without end meets a hard cap (503), not an exhausted machine
        codes = [httpx.get(server.links["bewoners"], timeout=30).status_code
                 for _ in range(MAX_WINDOWS + 5)]
        assert codes.count(503) >= 5 and set(codes) <= {200, 503}
        assert proc.children(recursive=True) == []
    finally:
        server.stop()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_everything_and_frees_the_port(tmp_path, browser, sig):
    server = Server(tmp_path, "--deelnemers", "gemeente")
    try:
        page = browser.new_page()
        page.goto(server.links["gemeente"])
        page.locator("[data-ncw]").wait_for(timeout=60_000)  # a live websocket
        started = time.monotonic()
        server.proc.send_signal(sig)
        server.proc.wait(timeout=10)
        assert time.monotonic() - started < 10
        assert server.proc.returncode == 0
        assert "Sessie gestopt." in server.out.read_text()
        assert not server.group_alive()  # no process left behind
        with socket.socket() as s:  # the port is free: a new server can listen on it
            # (SO_REUSEADDR as every server sets it: the closed connections' TIME_WAIT
            # entries do not hold the port, only a listening socket would)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", server.port))
            s.listen()
    finally:
        server.stop()


def test_a_taken_port_is_refused_with_exit_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "mkba.run.cli", "sessie", str(EXAMPLE), "--task", "T2",
             "--map", str(tmp_path / "m"), "--port", str(port), "--no-browser"],
            capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f"poort {port} is al in gebruik" in done.stderr
    assert "http://" not in done.stdout  # no address printed that nobody serves


def test_made_up_secrets_foreign_hosts_and_origins_are_refused(tmp_path):
    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.ioloop import IOLoop
    from tornado.websocket import websocket_connect

    server = Server(tmp_path, "--deelnemers", "gemeente")
    try:
        good = httpx.get(server.links["gemeente"], timeout=30)
        assert good.status_code == 200
        made_up = httpx.get(f"{server.base}/deelnemer?sleutel=abcdefghijklmnopqrstuv")
        assert made_up.status_code == 403 and "Deze link klopt niet" in made_up.text
        assert httpx.get(f"{server.base}/deelnemer").status_code == 403
        secret = server.links["gemeente"].split("sleutel=")[1]
        assert httpx.get(f"{server.base}/projector?sleutel={secret}").status_code == 403
        assert httpx.get(f"{server.base}/?sleutel={secret}").status_code == 403
        # DNS rebinding: the right secret, but the page was reached under another name
        rebound = httpx.get(server.links["gemeente"], headers={"Host": f"evil.example:"
                                                                       f"{server.port}"})
        assert rebound.status_code == 403 and "Onbekend adres" in rebound.text
        foreign = httpx.get(server.links["gemeente"], headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403
        # the websocket refuses a foreign Origin before any session is joined
        request = HTTPRequest(f"ws://127.0.0.1:{server.port}/deelnemer/ws",
                              headers={"Origin": "http://evil.example"})
        with pytest.raises(HTTPClientError) as refused:
            IOLoop.current().run_sync(lambda: websocket_connect(request), timeout=30)
        assert refused.value.code == 403
    finally:
        server.stop()


def test_lan_binds_the_local_network_and_says_which_address(tmp_path):
    from mkba.base.errors import CaseError
    from mkba.sources.lan import lan_address

    try:
        address = lan_address()
    except CaseError:  # a machine without a network: the command says so and stops
        done = subprocess.run(
            [sys.executable, "-m", "mkba.run.cli", "sessie", str(EXAMPLE), "--task", "T2",
             "--map", str(tmp_path / "m"), "--lan", "--port", "0", "--no-browser"],
            capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "geen lokaal netwerk" in done.stderr
        return
    server = Server(tmp_path, "--deelnemers", "gemeente", "--lan")
    try:
        text = server.out.read_text()
        assert f"Op het netwerk van de zaal: http://{address}:{server.port}" in text
        assert server.links["gemeente"].startswith(f"http://{address}:{server.port}/")
        assert httpx.get(server.links["gemeente"], timeout=30).status_code == 200
        # the printed address is the one served: not 127.0.0.1 behind it
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{server.port}/", timeout=5)
    finally:
        server.stop()
