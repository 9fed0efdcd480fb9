"""A local stand-in for the CBS feed and PDOK that misbehaves on request: a threaded
``http.server`` on 127.0.0.1 with real sockets (no mocked transport), so redirects, drip-feeding
and streaming go through httpx exactly as on the internet.

By default it serves the recorded tables of ``tests/data/cbs_api`` (through
:class:`tests.cbs_recorded.Server`, with the recorded ``odata.nextLink`` pointing back at this
server). A test replaces the answer to one path with a *mode*: a function that writes whatever
it likes to the socket (a redirect elsewhere, a next link to another host, one byte every few
tenths of a second, 400 MB, …). Every request is recorded in ``hits``.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from tests.cbs_recorded import Server as Recorded

FEED_PATH = "/ODataFeed/odata"


class Hostile:
    """A misbehaving server; use as a context manager (it stops its thread on exit)."""

    def __init__(self):
        self.modes: dict[str, object] = {}
        self.hits: list[str] = []
        self.recorded = Recorded()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 (http.server's name)
                outer.hits.append(self.path)
                path = self.path.split("?", 1)[0]
                mode = outer.modes.get(path)
                try:
                    if mode is not None:
                        mode(self)
                    else:
                        outer.replay(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up: what a careful client does

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def feed(self) -> str:
        return self.url + FEED_PATH

    def replay(self, handler: BaseHTTPRequestHandler) -> None:
        """The recorded answer, with next links rewritten to this server."""
        request = httpx.Request("GET", "https://opendata.cbs.nl" + handler.path)
        response = self.recorded.handle(request)
        body = response.content.replace(b"https://opendata.cbs.nl", self.url.encode())
        send(handler, response.status_code, body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes,
         headers: dict | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    handler.end_headers()
    handler.wfile.write(body)


def redirect_to(location: str):
    def mode(handler):
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return mode


def page_with_next(next_link: str, rows: list | None = None):
    """A TypedDataSet page whose ``odata.nextLink`` is ``next_link``."""
    def mode(handler):
        send(handler, 200, json.dumps({"value": rows or [], "odata.nextLink": next_link}).encode())
    return mode


def drip(body: bytes, every: float):
    """Headers at once, then the body one byte every ``every`` seconds."""
    def mode(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.flush()
        for i in range(len(body)):
            handler.wfile.write(body[i:i + 1])
            handler.wfile.flush()
            time.sleep(every)
    return mode


def huge(megabytes: int, declare: bool = False):
    """A JSON answer of ``megabytes`` MB, streamed in 1 MB pieces (``declare``: with its
    Content-Length, else without one, closing the connection at the end)."""
    head, piece, tail = b'{"value": [', b"1," * (2**19), b"1]}"
    total = len(head) + megabytes * len(piece) + len(tail)

    def mode(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if declare:
            handler.send_header("Content-Length", str(total))
        else:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.write(head)
        for _ in range(megabytes):
            handler.wfile.write(piece)
        handler.wfile.write(tail)
    return mode
