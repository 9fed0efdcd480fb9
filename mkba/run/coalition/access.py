"""Who may open the session: one link per partner with an unguessable secret, checks of the
Host and Origin headers against DNS rebinding, a cap on open windows, the local-network
address for ``--lan``, QR codes of the links and one server per session folder.

- **Secrets**: :func:`secrets.token_urlsafe` of :data:`~mkba.run.coalition.record.SECRET_BYTES`
  random bytes (22 characters), stored in the record so that a restarted session keeps its
  links. A secret is compared with every known secret in constant time
  (:func:`hmac.compare_digest`); a made-up one gets a Dutch page with status 403 and no session
  is made for it.
- **DNS rebinding**: a page on another site that makes its own name point at 127.0.0.1 sends
  that name in ``Host`` (and its own address in ``Origin``): only the addresses the session
  printed are accepted (status 403 otherwise). The websocket's ``Origin`` is checked by Bokeh
  against the same list, and its session tokens are signed with a key made at start, so a
  websocket can only join a page that passed these checks.
- **The local network** (``--lan``): :func:`mkba.sources.lan.lan_address` (the only layer
  that touches the network).
- **Windows**: at most :data:`MAX_WINDOWS` pages at once; a closed tab's page is dropped
  :data:`IDLE_SECONDS` after it went quiet (Bokeh's unused-session lifetime).
"""

from __future__ import annotations

import errno
import fcntl
import hmac
import os
from pathlib import Path

import segno
from bokeh.server.auth_provider import AuthProvider
from tornado.web import Finish

from mkba.base.errors import CaseError
from mkba.base.html import esc

__all__ = ["Access", "qr_svg", "hold_folder", "MAX_WINDOWS", "IDLE_SECONDS",
           "PARTNER_PATH", "PROJECTOR_PATH", "SECRET_PARAMETER"]

#: The pages and the query parameter that carries a link's secret.
PARTNER_PATH, PROJECTOR_PATH, SECRET_PARAMETER = "/deelnemer", "/projector", "sleutel"
#: Most pages (browser tabs) open at once; more are refused with 503 until some close.
MAX_WINDOWS = 40
#: A page whose tab closed is dropped within this many seconds (plus one check interval).
IDLE_SECONDS = 15

_PAGE = ("<!doctype html><html lang='nl'><meta charset='utf-8'>"
         "<meta name='viewport' content='width=device-width, initial-scale=1'>"
         "<title>Evaluatiesessie</title><body style='font-family:sans-serif;max-width:32em;"
         "margin:2em auto;padding:0 1em;font-size:1.1rem'><h1>{title}</h1><p>{text}</p>"
         "</body></html>")


class Access:
    """The links of one session and the checks every request passes.

    Parameters
    ----------
    members : list of Member
        The partners and the projector with their secrets.
    hosts : iterable of str
        The ``host:port`` values the session is reached at (``127.0.0.1:8866``, ...).
    windows : callable, optional
        Returns how many pages are open now (for the cap).

    Examples
    --------
    >>> from mkba.run.coalition.record import Member
    >>> a = Access([Member("gemeente", "deelnemer", "x" * 22),
    ...             Member("projector", "projector", "y" * 22)], ["127.0.0.1:8866"])
    >>> a.who("x" * 22, "/deelnemer").name, a.who("x" * 22, "/projector")
    ('gemeente', None)
    >>> a.who("verzonnen", "/deelnemer") is None, a.host_allowed("evil.example:8866")
    (True, False)
    """

    def __init__(self, members, hosts, windows=None):
        self.members = list(members)
        self.hosts = {h.lower() for h in hosts}
        self.windows = windows or (lambda: 0)

    def host_allowed(self, host: str) -> bool:
        return (host or "").lower() in self.hosts

    def origin_allowed(self, origin: str) -> bool:
        return origin.lower() in {f"http://{h}" for h in self.hosts}

    def who(self, secret: str, path: str):
        """The member whose secret this is, if the path is theirs (partners on
        :data:`PARTNER_PATH`, the projector elsewhere), else None. Every known secret is
        compared, each in constant time."""
        given = (secret or "").encode()
        found = None
        for m in self.members:
            if hmac.compare_digest(given, m.secret.encode()) and found is None:
                found = m
        if found is None:
            return None
        wanted = "deelnemer" if path.rstrip("/") == PARTNER_PATH else "projector"
        return found if found.role == wanted else None

    def url(self, base: str, member) -> str:
        path = PARTNER_PATH if member.role == "deelnemer" else PROJECTOR_PATH
        return f"{base}{path}?{SECRET_PARAMETER}={member.secret}"

    # ------------------------------------------------------------------ Bokeh hook

    def user(self, handler):
        """Bokeh's ``get_user``: the member for a page request, ``"websocket"`` for the
        websocket (its token is signed and its Origin checked by Bokeh); a refused request
        ends here with a Dutch page."""
        request = handler.request
        if not self.host_allowed(request.host):
            raise _refuse(handler, 403, "Onbekend adres",
                          "Deze sessie is alleen bereikbaar via het adres dat bij de start "
                          "werd getoond.")
        origin = request.headers.get("Origin")
        if origin and not self.origin_allowed(origin):
            raise _refuse(handler, 403, "Geen toegang",
                          "Deze pagina mag niet vanuit een andere website worden geopend.")
        if type(handler).__name__ == "WSHandler":
            return "websocket"
        member = self.who(handler.get_argument(SECRET_PARAMETER, ""), request.path)
        if member is None:
            raise _refuse(handler, 403, "Deze link klopt niet",
                          "Gebruik de link (of QR-code) die de gespreksleider voor jou "
                          "heeft. Een link werkt alleen met de sleutel erin.")
        if self.windows() >= MAX_WINDOWS:
            raise _refuse(handler, 503, "Te veel vensters open",
                          "Sluit vensters die je niet meer gebruikt en probeer het over een "
                          "halve minuut opnieuw.")
        return member.name

    def auth_provider(self):
        """A Bokeh auth provider that runs :meth:`user` for every page and websocket."""
        access = self

        class _Provider(AuthProvider):
            @property
            def get_user(self):
                return access.user

            @property
            def login_url(self):
                return "/geen-toegang"  # never reached: a refusal ends in :meth:`user`

        return _Provider()


def _refuse(handler, status: int, title: str, text: str):
    handler.set_status(status)
    handler.set_header("Content-Type", "text/html; charset=utf-8")
    handler.set_header("Cache-Control", "no-store")
    return Finish(_PAGE.format(title=esc(title), text=esc(text)))


def qr_svg(url: str, scale: int = 3) -> str:
    """A QR code of ``url`` as inline SVG (segno, error correction M).

    Parameters
    ----------
    url : str
        The link.
    scale : int, default 3
        Size of a module in the SVG's units.

    Returns
    -------
    str
        The ``<svg>``.

    Examples
    --------
    >>> qr_svg("http://127.0.0.1:8866/deelnemer?sleutel=abc").startswith("<svg")
    True
    """
    return segno.make(url, error="m", micro=False).svg_inline(scale=scale, border=2, omitsize=True,
                                                               title="QR-code van de link")


def hold_folder(folder: Path):
    """Hold the session folder for this process (a lock file released when the process ends,
    also by ``kill -9``); a second server on the same folder is refused.

    Parameters
    ----------
    folder : pathlib.Path
        The session folder.

    Returns
    -------
    file object
        The open lock file; keep it open as long as the session runs.

    Examples
    --------
    >>> import tempfile
    >>> lock = hold_folder(Path(tempfile.mkdtemp()))
    >>> Path(lock.name).name
    '.sessie.lock'
    >>> lock.close()
    """
    folder.mkdir(parents=True, exist_ok=True)
    handle = open(folder / ".sessie.lock", "a+")  # noqa: SIM115 (held until the process ends)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        handle.close()
        if err.errno in (errno.EWOULDBLOCK, errno.EACCES):
            raise CaseError(f"{folder}: hier loopt al een sessie (stop die eerst, of kies een "
                            "andere map met --map)") from err
        raise
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
