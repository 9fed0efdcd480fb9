"""The HTTP client of mkba: it follows nobody, waits for nobody for ever, and takes no more
than it asked for.

Every request goes to a *configured* server: the CBS open data feed (``MKBA_CBS_URL``, default
:data:`CBS_URL`) and PDOK (``MKBA_PDOK_URL``, default :data:`PDOK_URL`); set them for a mirror or
a proxy that rewrites URLs. (A plain forwarding proxy is set the usual way, ``HTTPS_PROXY``.)

- **Redirects and next links** are followed only to the scheme, host and port of a configured
  server. A redirect or an ``odata.nextLink``/``next`` link to any other host (another server, a
  link-local metadata address such as 169.254.169.254, ``file://``) is refused before anything
  is sent to it: :class:`RefusedAnswer`, nothing written. https is required, except for a
  server on this computer (127.0.0.1, ::1, localhost: tests and local mirrors).
- **One deadline per table** (``MKBA_CBS_DEADLINE`` seconds, default :data:`DEADLINE`) covers
  all requests, pages, retries and waits for one table or map; a server that drips one byte at a
  time is cut off when it passes. A single read may still wait up to :data:`TIMEOUT` seconds
  (the read time-out), so the overshoot is at most that.
- **A size cap per answer** (``MKBA_CBS_MAX_MB``, default :data:`MAX_MB` MB, counted after
  decompression): the answer is read in pieces and the download stops as soon as it passes the
  cap, so a 400 MB answer never takes more than the cap in memory.
- **Loops**: a next link to a page that was already fetched stops the download.
- **JSON** is strict: ``NaN`` and ``Infinity`` are refused, as is nesting too deep to parse.
- **Messages** are Dutch only: no text of an httpx or operating-system error reaches the user.

Transient faults (no connection, time-out, HTTP 429 and 5xx, a broken download) are retried
with exponential backoff (:data:`ATTEMPTS`, :data:`BACKOFF`) within the deadline.

Why httpx and not ``cbsodata``: see :mod:`mkba.sources.odata`.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import time
from collections.abc import Callable
from urllib.parse import urlencode, urljoin, urlsplit

import httpx

from mkba.base.errors import FetchError

__all__ = ["Http", "Deadline", "FetchError", "RefusedAnswer", "CBS_URL", "PDOK_URL", "DEADLINE",
           "MAX_MB", "cbs_url", "pdok_url", "deadline_seconds", "max_bytes", "checked_base"]

#: The bulk OData feed that ``cbsodata`` uses (pages of at most 10 000 rows).
CBS_URL = "https://opendata.cbs.nl/ODataFeed/odata"
#: PDOK's API host (OGC API Features of the CBS wijk- en buurtkaart).
PDOK_URL = "https://api.pdok.nl"
#: Seconds for everything one table (or one map, or the CPI) may take.
DEADLINE = 300.0
#: Largest answer, in MB (after decompression). A gemeente's KWB rows are 1–2 MB, the whole region
#: dimension about 4 MB, a PDOK page of 100 buurten a few MB. Within 16 MB even the most
#: wasteful JSON (`[{},{},…]`) parses into less than 1 GB; see tests/test_hostile_network.py.
MAX_MB = 16.0
#: Seconds: connect, and every read (bounded by what is left of the deadline).
TIMEOUT = 30.0
CONNECT_TIMEOUT = 10.0
#: Attempts per request for transient faults (time-out, connection, HTTP 429/5xx).
ATTEMPTS = 4
#: Backoff before attempt 2, 3, 4: BACKOFF × 2^(attempt − 2) seconds.
BACKOFF = 1.0
RETRY_STATUS = {429, 500, 502, 503, 504}
REDIRECT_STATUS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
#: Pages of one collection (10 000 rows each: 20 million rows) — a backstop behind the loop check.
MAX_PAGES = 2000
#: Transport and sleep used when none is given (tests replace them).
DEFAULT_TRANSPORT = None
SLEEP = time.sleep
_LOCAL = {"127.0.0.1", "::1", "localhost"}


class RefusedAnswer(FetchError):
    """An answer mkba will not take: a redirect or next link to another host, a loop of next
    links, an answer over the size cap. Never retried; never softened into a warning.

    Parameters
    ----------
    message : str
        What was refused and why, in Dutch.
    source : str, default "cbs ophalen"
        The command or source that failed; printed before the message.

    Examples
    --------
    >>> err = RefusedAnswer("het antwoord is groter dan 50 MB")
    >>> isinstance(err, FetchError), str(err)
    (True, 'cbs ophalen: het antwoord is groter dan 50 MB')
    """


def _env_number(name: str, default: float, unit: str) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = float("nan")
    if not 0 < value < 1e9:
        raise FetchError(f"{name}={raw!r} is geen positief getal ({unit})")
    return value


def deadline_seconds() -> float:
    """Seconds one table (or map) may take: ``MKBA_CBS_DEADLINE``, else :data:`DEADLINE`.

    Returns
    -------
    float
        The seconds.

    Examples
    --------
    >>> deadline_seconds() > 0
    True
    """
    return _env_number("MKBA_CBS_DEADLINE", DEADLINE, "seconden")


def max_bytes() -> int:
    """The size cap of one answer in bytes: ``MKBA_CBS_MAX_MB`` MB, else :data:`MAX_MB` MB.

    Returns
    -------
    int
        The cap in bytes.

    Examples
    --------
    >>> max_bytes() >= 1024 * 1024 or "MKBA_CBS_MAX_MB" in os.environ
    True
    """
    return int(_env_number("MKBA_CBS_MAX_MB", MAX_MB, "MB") * 1024 * 1024)


def checked_base(url: str, name: str) -> str:
    """A configured base URL, checked: https (http only on this computer), a host, no user
    name, password, query or fragment. Without a trailing slash.

    Parameters
    ----------
    url : str
        The base URL.
    name : str
        Where it was configured (the environment variable), for the message.

    Returns
    -------
    str
        The URL without a trailing slash.

    Examples
    --------
    >>> checked_base("https://opendata.cbs.nl/ODataFeed/odata/", "MKBA_CBS_URL")
    'https://opendata.cbs.nl/ODataFeed/odata'
    >>> checked_base("http://cbs.example.nl/odata", "MKBA_CBS_URL")
    Traceback (most recent call last):
    ...
    mkba.base.errors.FetchError: cbs ophalen: MKBA_CBS_URL='http://cbs.example.nl/odata' moet
    met https:// beginnen (http:// alleen voor een server op deze computer)
    """
    text = str(url).strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{name}={text!r} is geen web-adres (https://server/pad)")
    if parts.scheme == "http" and parts.hostname not in _LOCAL:
        raise FetchError(f"{name}={text!r} moet met https:// beginnen (http:// alleen voor een "
                         "server op deze computer)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise FetchError(f"{name}={text!r} mag geen gebruikersnaam, wachtwoord, ?-deel of #-deel "
                         "hebben")
    return text.rstrip("/")


def cbs_url() -> str:
    """Base of the CBS OData feed: ``MKBA_CBS_URL`` (checked), else :data:`CBS_URL`.

    Returns
    -------
    str
        The base URL, without a trailing slash.

    Examples
    --------
    >>> import os
    >>> cbs_url() == CBS_URL or "MKBA_CBS_URL" in os.environ
    True
    """
    return checked_base(os.environ.get("MKBA_CBS_URL") or CBS_URL, "MKBA_CBS_URL")


def pdok_url() -> str:
    """Base of PDOK: ``MKBA_PDOK_URL`` (checked), else :data:`PDOK_URL`.

    Returns
    -------
    str
        The base URL, without a trailing slash.

    Examples
    --------
    >>> import os
    >>> pdok_url() == PDOK_URL or "MKBA_PDOK_URL" in os.environ
    True
    """
    return checked_base(os.environ.get("MKBA_PDOK_URL") or PDOK_URL, "MKBA_PDOK_URL")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is None:
        port = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _shown(url: str, limit: int = 120) -> str:
    """A URL as it may appear in a message: printable, not too long."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(url))
    return text if len(text) <= limit else text[:limit] + "…"


class Deadline:
    """The time one table (or one map) may take, started now.

    Parameters
    ----------
    seconds : float, optional
        The time allowed; by default :func:`deadline_seconds`.
    what : str, optional
        What is fetched, in Dutch, for the message when time runs out.

    Examples
    --------
    >>> d = Deadline(60, "tabel 85984NED")
    >>> 59 < d.remaining() <= 60
    True
    """

    def __init__(self, seconds: float | None = None, what: str = ""):
        self.seconds = deadline_seconds() if seconds is None else float(seconds)
        self.what = what
        self.end = time.monotonic() + self.seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def check(self, what: str = "") -> None:
        """Raise :class:`FetchError` when the deadline has passed."""
        if self.remaining() <= 0:
            raise FetchError(f"{what or self.what}: ophalen duurde langer dan {self.seconds:g} "
                             "seconden (de grens per tabel; zet MKBA_CBS_DEADLINE hoger als de "
                             "verbinding echt zo traag is); er is niets geschreven")


def _no_connection(err: BaseException, host: str) -> str:
    """Why a connection failed, in Dutch (never the English text of the error)."""
    seen, cause = set(), err
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror):
            return (f"de servernaam {host} is onbekend (geen internet, of een tikfout in "
                    "MKBA_CBS_URL/MKBA_PDOK_URL?)")
        if isinstance(cause, ConnectionRefusedError):
            return f"{host} weigert de verbinding"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"het certificaat van {host} klopt niet (beveiligde verbinding geweigerd)"
        if isinstance(cause, ssl.SSLError):
            return f"de beveiligde verbinding (TLS) met {host} mislukte"
        if isinstance(cause, httpx.ProxyError):
            return "de proxy (HTTPS_PROXY) is onbereikbaar of weigert"
        cause = cause.__cause__ or cause.__context__
    return (f"geen verbinding met {host}. Controleer de internetverbinding (en een eventuele "
            "proxy in HTTPS_PROXY)")


class _Transient(Exception):
    """A fault worth another attempt; ``args[0]`` is the Dutch message."""


def _reject_constant(name: str):
    raise ValueError(f"{name} is geen getal")


class Http:
    """GET JSON from a configured server, carefully (see the module docstring).

    Parameters
    ----------
    transport : httpx.BaseTransport, optional
        For tests: ``httpx.MockTransport`` replaying recorded responses.
    allowed : list of str, optional
        Base URLs whose scheme, host and port may be visited; default the CBS and PDOK bases
        (:func:`cbs_url`, :func:`pdok_url`).
    timeout : float, default TIMEOUT
        Seconds one answer may take to arrive (capped by the deadline).
    connect_timeout : float, default CONNECT_TIMEOUT
        Seconds to connect (capped by the deadline).
    attempts : int, default ATTEMPTS
        Attempts per request when the server fails in a way worth retrying.
    backoff : float, optional
        Seconds before the second attempt, doubled for each next one; default :data:`BACKOFF`.
    sleep : callable, optional
        Waits between attempts (tests pass a recorder instead of :func:`time.sleep`).
    max_answer : int, optional
        Size cap per answer in bytes (default :func:`max_bytes`).

    Examples
    --------
    >>> http = Http(allowed=["https://opendata.cbs.nl/ODataFeed/odata"])
    >>> http.allows("https://opendata.cbs.nl/ODataFeed/odata/85984NED?$skip=10000")
    True
    >>> http.allows("http://169.254.169.254/latest/meta-data"), http.allows("file:///etc/passwd")
    (False, False)
    >>> http.close()
    """

    def __init__(self, transport=None, *, allowed: list[str] | None = None,
                 timeout: float = TIMEOUT, connect_timeout: float = CONNECT_TIMEOUT,
                 attempts: int = ATTEMPTS, backoff: float | None = None,
                 sleep: Callable[[float], None] | None = None, max_answer: int | None = None):
        transport = transport if transport is not None else DEFAULT_TRANSPORT
        self.client = httpx.Client(transport=transport, follow_redirects=False,
                                   headers={"User-Agent": "mkba (cbs ophalen)",
                                            "Accept": "application/json"})
        self.timeout, self.connect_timeout = timeout, connect_timeout
        self.attempts = attempts
        self.backoff = BACKOFF if backoff is None else backoff
        self.sleep = SLEEP if sleep is None else sleep
        self.max_answer = max_bytes() if max_answer is None else int(max_answer)
        bases = allowed if allowed is not None else [cbs_url(), pdok_url()]
        self.origins = {_origin(b) for b in bases}
        self.requests: list[str] = []
        #: Headers of the last answer (``Content-Crs`` of PDOK).
        self.last_headers: httpx.Headers = httpx.Headers()

    def close(self) -> None:
        self.client.close()

    def allow(self, base: str) -> None:
        """Also allow the scheme, host and port of ``base``."""
        self.origins.add(_origin(base))

    def allows(self, url: str) -> bool:
        """Whether ``url`` is on a configured server (scheme, host and port)."""
        origin = _origin(url)
        return origin[0] in ("http", "https") and origin in self.origins

    def url_of(self, url: str, params: dict | None) -> str:
        """The URL as sent (for provenance)."""
        return str(self.client.build_request("GET", url, params=params).url)

    def _canonical(self, url: str, params: dict | None) -> str:
        """A page's identity for the loop check: the URL as sent, its query sorted."""
        try:
            sent = self.client.build_request("GET", url, params=params).url
        except (httpx.InvalidURL, ValueError, UnicodeError):
            return url
        items = sorted(sent.params.multi_items())
        return f"{sent.scheme}://{sent.host}:{sent.port}{sent.path}?{urlencode(items)}"

    def _refuse_foreign(self, url: str, how: str, what: str) -> None:
        if not self.allows(url):
            allowed = ", ".join(sorted(f"{s}://{h}" + (f":{p}" if p not in (80, 443) else "")
                                       for s, h, p in self.origins))
            raise RefusedAnswer(f"{what}: {how} naar {_shown(url)} geweigerd — mkba haalt alleen "
                                f"op bij {allowed} (MKBA_CBS_URL/MKBA_PDOK_URL); er is niets "
                                "geschreven")

    def get_json(self, url: str, params: dict | None = None, *, what: str = "",
                 deadline: Deadline | None = None) -> dict:
        """One JSON object from ``url``, with retries, redirects within the configured hosts,
        the size cap and the deadline."""
        what = what or _shown(url)
        deadline = deadline or Deadline(what=what)
        self._refuse_foreign(url, "aanvraag", what)
        last, made = "", 0
        for attempt in range(1, self.attempts + 1):
            deadline.check(what)
            if attempt > 1:
                wait = self.backoff * 2 ** (attempt - 2)
                if wait >= deadline.remaining():
                    break
                self.sleep(wait)
            made = attempt
            try:
                return self._get_once(url, params, what, deadline)
            except _Transient as fault:
                last = fault.args[0]
        deadline.check(what)
        tries = f"{made} pogingen gedaan" if made > 1 else "1 poging gedaan"
        raise FetchError(f"{last}; {tries}, niets geschreven")

    def _get_once(self, url: str, params: dict | None, what: str, deadline: Deadline) -> dict:
        current, query = url, params
        for _hop in range(MAX_REDIRECTS + 1):
            self._refuse_foreign(current, "doorverwijzing" if _hop else "aanvraag", what)
            left = max(deadline.remaining(), 0.001)
            timeout = httpx.Timeout(min(self.timeout, left + 1),
                                    connect=min(self.connect_timeout, left + 1))
            host = urlsplit(current).hostname or current
            try:
                request = self.client.build_request("GET", current, params=query,
                                                    timeout=timeout)
            except (httpx.InvalidURL, ValueError, UnicodeError):
                raise RefusedAnswer(f"{what}: {_shown(current)} is geen geldig web-adres; er is "
                                    "niets geschreven") from None
            self.requests.append(str(request.url))
            try:
                response = self.client.send(request, stream=True)
            except httpx.TimeoutException:
                raise _Transient(f"{host} antwoordde niet binnen {timeout.read:g} seconden "
                                 f"({what})") from None
            except (httpx.ConnectError, httpx.ProxyError) as err:
                raise _Transient(_no_connection(err, host)) from None
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError,
                    httpx.NetworkError):
                raise _Transient(f"onvolledige download van {what}: de verbinding met {host} "
                                 "brak af") from None
            except httpx.HTTPError:
                raise FetchError(f"{what}: de aanvraag aan {host} mislukte; er is niets "
                                 "geschreven") from None
            try:
                if response.status_code in REDIRECT_STATUS and "location" in response.headers:
                    current = urljoin(str(request.url), response.headers["location"])
                    query = None
                    continue
                if response.status_code in RETRY_STATUS:
                    raise _Transient(f"{host} gaf HTTP-fout {response.status_code} bij {what}")
                if response.status_code >= 400:
                    raise FetchError(self._http_message(response.status_code, host, what))
                if response.status_code != 200:
                    raise FetchError(f"{host} gaf onverwacht HTTP {response.status_code} bij "
                                     f"{what}; er is niets geschreven")
                body = self._read(response, host, what, deadline)
                self.last_headers = response.headers
            finally:
                response.close()
            return self._parse(body, host, what)
        raise RefusedAnswer(f"{what}: meer dan {MAX_REDIRECTS} doorverwijzingen; er is niets "
                            "geschreven")

    def _read(self, response: httpx.Response, host: str, what: str,
              deadline: Deadline) -> bytes:
        cap = self.max_answer
        too_big = (f"{what}: het antwoord van {host} is groter dan {cap / 2**20:g} MB (de grens "
                   "per antwoord, MKBA_CBS_MAX_MB); download gestopt, er is niets geschreven")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise RefusedAnswer(too_big)
        body = bytearray()
        try:
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > cap:
                    raise RefusedAnswer(too_big)
                deadline.check(what)
        except httpx.TimeoutException:
            raise _Transient(f"{host} stopte midden in het antwoord ({what})") from None
        except httpx.DecodingError:
            raise FetchError(f"{what}: het antwoord van {host} is beschadigd (kan niet worden "
                             "uitgepakt); er is niets geschreven") from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.NetworkError):
            raise _Transient(f"onvolledige download van {what}: de verbinding met {host} brak "
                             "af") from None
        return bytes(body)

    @staticmethod
    def _parse(body: bytes, host: str, what: str) -> dict:
        try:
            data = json.loads(body, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as err:
            where = f" (bij teken {err.pos})" if isinstance(err, json.JSONDecodeError) else ""
            raise FetchError(f"onvolledige of kapotte download van {what}: geen geldige JSON"
                             f"{where}; er is niets geschreven") from None
        if not isinstance(data, dict):
            raise FetchError(f"onverwacht antwoord van {host} bij {what}: geen JSON-object; er "
                             "is niets geschreven")
        return data

    @staticmethod
    def _http_message(status: int, host: str, what: str) -> str:
        if status == 404:
            return (f"{what}: bestaat niet bij {host} (HTTP 404). Controleer de tabelcode of "
                    "het jaar")
        return f"{host} gaf HTTP-fout {status} bij {what}; er is niets geschreven"

    def get_all(self, url: str, params: dict | None, *, what: str,
                deadline: Deadline | None = None, items: str = "value",
                next_link: Callable[[dict], str | None] | None = None) -> list:
        """Every record of a paged collection: ``items`` of each page, following
        ``next_link(page)`` (default the OData ``odata.nextLink``) within the configured hosts,
        never the same page twice."""
        deadline = deadline or Deadline(what=what)
        next_link = next_link or (lambda data: data.get("odata.nextLink"))
        records: list = []
        page: str | None = url
        query = params
        seen: set[str] = set()
        while page is not None:
            key = self._canonical(page, query)
            if key in seen:
                raise RefusedAnswer(f"{what}: de volgende-pagina-koppeling wijst naar een pagina "
                                    "die al is opgehaald (een lus); er is niets geschreven")
            if len(seen) >= MAX_PAGES:
                raise RefusedAnswer(f"{what}: meer dan {MAX_PAGES} pagina's; er is niets "
                                    "geschreven")
            seen.add(key)
            data = self.get_json(page, query, what=what, deadline=deadline)
            if not isinstance(data.get(items), list):
                raise FetchError(f"onvolledige download van {what}: het antwoord mist "
                                 f"'{items}'; er is niets geschreven")
            records.extend(data[items])
            nxt = next_link(data)
            if nxt is not None and not isinstance(nxt, str):
                raise FetchError(f"{what}: de volgende-pagina-koppeling is geen tekst; er is "
                                 "niets geschreven")
            if nxt is not None:
                nxt = urljoin(page, nxt)
                self._refuse_foreign(nxt, "volgende pagina", what)
            page, query = nxt, None
        return records
