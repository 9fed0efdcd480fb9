"""Issue 22, items 7, 8 and 10: the client against a hostile stand-in server on 127.0.0.1.

Real sockets (``tests/hostile_server.py``), not a mocked transport: redirects, next links,
drip-feeding and streaming reach httpx as they would on the internet. The base URLs are
configured the way a user does it (``MKBA_CBS_URL``, ``MKBA_PDOK_URL``). Every refusal is a
Dutch message, nothing is written, and the other host is never contacted.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import mkba.sources.http as H
from mkba.base.errors import FetchError
from mkba.run.cli import main
from mkba.sources.kwb import fetch_kwb
from mkba.sources.pdok import fetch_map
from tests.cbs_recorded import recorded_rows
from tests.hostile_server import Hostile, drip, huge, page_with_next, redirect_to, send

GM = "GM0114"
TABLE = "85984NED"
PROPS = f"/ODataFeed/odata/{TABLE}/DataProperties"
ROWS = f"/ODataFeed/odata/{TABLE}/TypedDataSet"
#: English that httpx, json or the operating system would put in a message.
ENGLISH = re.compile(r"\b(the|error|request|response|connection|refused|timed out|timeout|"
                     r"protocol|unsupported|invalid|expecting|line \d|column|char \d|failed|"
                     r"redirect|peer|closed|service|not known|unknown|errno)\b", re.IGNORECASE)


@pytest.fixture
def srv(monkeypatch, tmp_path):
    with Hostile() as server:
        monkeypatch.setenv("MKBA_CBS_URL", server.feed)
        monkeypatch.setenv("MKBA_PDOK_URL", server.url)
        monkeypatch.setenv("MKBA_CBS_DIR", str(tmp_path / "opgehaald"))
        monkeypatch.setattr(H, "SLEEP", lambda s: None)
        yield server


@pytest.fixture
def other():
    """Another host (another port of this computer): it must never be contacted."""
    with Hostile() as server:
        yield server


def fetch(tmp_path):
    return fetch_kwb(GM, [2024], out_dir=tmp_path / "o")


def refused(tmp_path, *, match: str) -> str:
    with pytest.raises(FetchError, match=match) as err:
        fetch(tmp_path)
    files = [p for p in (tmp_path / "o").rglob("*") if p.is_file()] \
        if (tmp_path / "o").exists() else []
    assert files == [], "nothing is written"
    message = str(err.value)
    assert not ENGLISH.search(message), message
    return message


def test_a_local_mirror_configured_with_mkba_cbs_url_works(srv, tmp_path):
    """The stand-in itself: the recorded table over real sockets, both pages."""
    res = fetch(tmp_path)
    assert [p.name for p in res.written] == [f"kwb_{GM}_wijk_2024_{TABLE}.csv.gz"]
    import mkba.evidence.cbs as cbs

    got = set(cbs.read_fetched(tmp_path / "o")["region_code"])
    assert got == {r["WijkenEnBuurten"].strip() for r in recorded_rows(TABLE)}
    assert any("$skip" in h for h in srv.hits)  # the second page came via odata.nextLink


def test_a_redirect_within_the_host_is_followed(srv, tmp_path):
    props = (Path(__file__).parent / "data" / "cbs_api" / TABLE / "DataProperties.json").read_bytes()
    srv.modes[PROPS] = redirect_to(PROPS + "-verhuisd?$format=json")
    srv.modes[PROPS + "-verhuisd"] = lambda h: send(h, 200, props)
    assert len(fetch(tmp_path).written) == 1
    assert any("-verhuisd" in h for h in srv.hits)


def test_a_redirect_to_another_host_is_refused(srv, other, tmp_path):
    srv.modes[PROPS] = redirect_to(other.feed + f"/{TABLE}/DataProperties?$format=json")
    msg = refused(tmp_path, match="doorverwijzing naar http://127.0.0.1")
    assert "geweigerd" in msg and "niets geschreven" in msg
    assert other.hits == []


def test_a_next_link_to_another_host_is_refused(srv, other, tmp_path):
    srv.modes[ROWS] = page_with_next(other.feed + f"/{TABLE}/TypedDataSet?$skip=10000")
    refused(tmp_path, match="volgende pagina naar http://127.0.0.1")
    assert other.hits == []


@pytest.mark.parametrize("link", [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "file:///etc/passwd",
    "ftp://opendata.cbs.nl/ODataFeed/odata/85984NED/TypedDataSet",
    "https://opendata.cbs.nl@169.254.169.254/",
])
def test_a_next_link_to_metadata_addresses_and_files_is_refused(srv, tmp_path, link):
    srv.modes[ROWS] = page_with_next(link)
    msg = refused(tmp_path, match="volgende pagina naar")
    assert "geweigerd" in msg


def test_a_server_that_drips_is_cut_off_at_the_deadline(srv, tmp_path, monkeypatch):
    monkeypatch.setenv("MKBA_CBS_DEADLINE", "1.5")
    body = b'{"value": [' + b" " * 60 + b"]}"  # valid JSON, 73 bytes, 0.2 s each: 15 s
    srv.modes[ROWS] = drip(body, every=0.2)
    start = time.monotonic()
    msg = refused(tmp_path, match="duurde langer dan 1.5 seconden")
    assert "MKBA_CBS_DEADLINE" in msg
    assert time.monotonic() - start < 10  # not the 15 s of the whole drip (loose: shared CI)


def test_the_deadline_covers_all_requests_of_a_table(srv, tmp_path, monkeypatch):
    """Each answer in time, together too slow: one deadline per table, not per request."""
    monkeypatch.setenv("MKBA_CBS_DEADLINE", "1")
    props = (Path(__file__).parent / "data" / "cbs_api" / TABLE / "DataProperties.json").read_bytes()

    def slow_props(handler):
        time.sleep(0.7)
        send(handler, 200, props)

    def slow_rows(handler):
        time.sleep(0.7)
        srv.replay(handler)

    srv.modes[PROPS] = slow_props
    srv.modes[ROWS] = slow_rows
    refused(tmp_path, match="duurde langer dan 1 seconden")


def test_a_next_link_to_itself_is_a_loop(srv, tmp_path):
    pages = []

    def itself(handler):
        pages.append(handler.path)
        link = srv.url + handler.path if len(pages) < 50 else None  # a naive client ends at 50
        send(handler, 200, json.dumps({"value": [], "odata.nextLink": link}).encode())

    srv.modes[ROWS] = itself
    refused(tmp_path, match="al is opgehaald \\(een lus\\)")
    assert len(pages) == 1


def test_a_huge_answer_is_stopped_at_the_size_cap(srv, tmp_path):
    srv.modes[ROWS] = huge(400)  # no Content-Length: read until the cap
    refused(tmp_path, match="groter dan 16 MB")
    srv.modes[ROWS] = huge(400, declare=True)  # declared: refused before reading
    refused(tmp_path, match="groter dan 16 MB")


def test_the_size_cap_is_configurable(srv, tmp_path, monkeypatch):
    monkeypatch.setenv("MKBA_CBS_MAX_MB", "0,5")
    srv.modes[ROWS] = huge(1)
    refused(tmp_path, match="groter dan 0.5 MB")
    monkeypatch.setenv("MKBA_CBS_MAX_MB", "veel")
    with pytest.raises(FetchError, match="MKBA_CBS_MAX_MB='veel' is geen positief getal"):
        fetch(tmp_path)


#: The peak is VmHWM of the fresh process's own memory: ru_maxrss is kept across exec on
#: Linux, so a process started from a large pytest process reported pytest's own peak (1,8 GB
#: in the full suite) instead of its own.
PEAK = textwrap.dedent("""
    import re, sys
    from pathlib import Path
    from mkba.sources.kwb import fetch_kwb
    try:
        fetch_kwb("GM0114", [2024], out_dir=sys.argv[1])
        print("geschreven")
    except Exception as err:
        print(type(err).__name__, str(err)[:200])
    status = Path("/proc/self/status").read_text()
    print("PEAK_KB", re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
""")


def test_peak_memory_of_a_400_mb_answer_stays_under_1_gb(srv, tmp_path):
    """Measured in a fresh process (the high-water mark of that process's own memory)."""
    srv.modes[ROWS] = huge(400)
    env = dict(os.environ, MKBA_CBS_URL=srv.feed)
    out = subprocess.run([sys.executable, "-c", PEAK, str(tmp_path / "o")], env=env,
                         capture_output=True, text=True, timeout=300)
    assert "groter dan 16 MB" in out.stdout, out.stdout + out.stderr
    peak_mb = int(out.stdout.rsplit("PEAK_KB", 1)[1]) / 1024
    assert peak_mb < 1024, f"{peak_mb:.0f} MB"


def wasteful(megabytes: float):
    """Valid JSON just under the cap that costs the most memory per byte: empty objects."""
    n = int(megabytes * 2**20 / 3)
    body = b'{"value": [' + b"{}," * (n - 1) + b"{}]}"

    def mode(handler):
        send(handler, 200, body)
    return mode


@pytest.mark.slow
def test_peak_memory_of_the_most_wasteful_answer_under_the_cap(srv, tmp_path):
    """The worst an answer within the cap can do: 15,9 MB of ``{}`` parse into ~5,5 million
    dicts. Still under 1 GB (measured in a fresh process)."""
    srv.modes[ROWS] = wasteful(15.9)
    env = dict(os.environ, MKBA_CBS_URL=srv.feed)
    out = subprocess.run([sys.executable, "-c", PEAK, str(tmp_path / "o")], env=env,
                         capture_output=True, text=True, timeout=600)
    assert "is geen CBS-code" in out.stdout, out.stdout + out.stderr
    peak_mb = int(out.stdout.rsplit("PEAK_KB", 1)[1]) / 1024
    assert peak_mb < 1024, f"{peak_mb:.0f} MB"


def test_http_base_urls_are_refused_except_on_this_computer(monkeypatch, tmp_path):
    monkeypatch.setenv("MKBA_CBS_URL", "http://cbs.example.nl/ODataFeed/odata")
    with pytest.raises(FetchError, match="moet met https:// beginnen"):
        fetch(tmp_path)
    monkeypatch.setenv("MKBA_CBS_URL", "https://gebruiker:geheim@cbs.example.nl/odata")
    with pytest.raises(FetchError, match="gebruikersnaam, wachtwoord"):
        fetch(tmp_path)


def test_no_connection_is_reported_in_dutch(monkeypatch, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MKBA_CBS_URL", f"http://127.0.0.1:{port}/ODataFeed/odata")
    monkeypatch.setattr(H, "SLEEP", lambda s: None)
    msg = refused(tmp_path, match="127.0.0.1 weigert de verbinding")
    assert f"{H.ATTEMPTS} pogingen" in msg


def test_cli_refusal_exits_2_in_dutch(srv, other, tmp_path, capsys):
    srv.modes[PROPS] = redirect_to(other.feed + f"/{TABLE}/DataProperties")
    code = main(["cbs", "ophalen", "--gemeente", GM, "--jaren", "2024", "--map",
                 str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "geweigerd" in err and "Traceback" not in err
    assert not ENGLISH.search(err), err
    assert other.hits == []


# ------------------------------------------------------------------------------- PDOK


PDOK_ITEMS = "/cbs/wijken-en-buurten-2024/ogc/v1/collections/wijken/items"


def test_pdok_next_link_to_another_host_is_refused(srv, other, tmp_path):
    page = {"type": "FeatureCollection", "features": [], "links": [
        {"rel": "next", "href": other.url + PDOK_ITEMS + "?cursor=2"}]}
    srv.modes[PDOK_ITEMS] = lambda h: send(h, 200, json.dumps(page).encode())
    with pytest.raises(FetchError, match="volgende pagina naar http://127.0.0.1") as err:
        fetch_map(GM, out_dir=tmp_path / "o", years=[2024])
    assert not ENGLISH.search(str(err.value))
    assert other.hits == [] and not (tmp_path / "o").exists()


def test_pdok_redirect_to_another_host_is_refused(srv, other, tmp_path):
    srv.modes[PDOK_ITEMS] = redirect_to(other.url + PDOK_ITEMS)
    with pytest.raises(FetchError, match="doorverwijzing"):
        fetch_map(GM, out_dir=tmp_path / "o", years=[2024])
    assert other.hits == []
