"""The CBS open data feed (OData v3) for one table and one gemeente.

Endpoints as the official ``cbsodata`` package (1.3.5) uses them:
``<base>/<table>/<DataProperties|TypedDataSet|<dimension>>?$format=json``, the rows in
``value``, further pages via ``odata.nextLink``. Not ``cbsodata`` itself: it sets no timeout,
does not retry, downloads every metadata table of a table, replaces the region codes by their
names, and follows any link it is given — we need codes, a deadline, a size cap and Dutch
messages (:mod:`mkba.sources.http`).

The rows are filtered on the server (``startswith(WijkenEnBuurten,'GM0114') or …``) and then
checked in full: every region code must be a gemeente or wijk code (and buurt codes only for
``--niveau buurt``) of the gemeente asked for; anything else stops the year.

Region names come from the region dimension. The filtered request is the light one; when the
feed refuses it, the whole dimension (about 17 000 small records) is fetched instead, and when
that fails too the year is written without names and a warning: names are never a reason to
fail a year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mkba.base.errors import FetchError
from mkba.base.regions import region_problem
from mkba.evidence.cbs import key_stem
from mkba.evidence.cbs_harmonise import GEO_TYPES, INDELING_STEMS
from mkba.sources.http import Deadline, Http, RefusedAnswer

__all__ = ["TableParts", "table_parts", "region_filter", "levels_of", "check_rows",
           "table_flags", "geo_key"]


def levels_of(niveau: str) -> tuple[str, ...]:
    """Region levels a fetch at ``niveau`` asks for.

    Parameters
    ----------
    niveau : str
        ``wijk`` or ``buurt``.

    Returns
    -------
    tuple of str
        The levels.

    Examples
    --------
    >>> levels_of("wijk"), levels_of("buurt")
    (('gemeente', 'wijk'), ('gemeente', 'wijk', 'buurt'))
    """
    return ("gemeente", "wijk", "buurt") if niveau == "buurt" else ("gemeente", "wijk")


def region_filter(key: str, gemeente_code: str, niveau: str) -> str:
    """OData ``$filter`` for the gemeente and its wijken (and buurten).

    Parameters
    ----------
    key : str
        The key of the region dimension.
    gemeente_code : str
        The gemeente (``GM0114``).
    niveau : str
        ``wijk`` or ``buurt``.

    Returns
    -------
    str
        The filter expression.

    Examples
    --------
    >>> region_filter("WijkenEnBuurten", "GM0114", "wijk")
    "startswith(WijkenEnBuurten,'GM0114') or startswith(WijkenEnBuurten,'WK0114')"
    """
    digits = gemeente_code[2:]
    prefixes = ["GM", "WK"] + (["BU"] if niveau == "buurt" else [])
    return " or ".join(f"startswith({key},'{p}{digits}')" for p in prefixes)


def geo_key(props: list[dict], table_id: str) -> str:
    """The key of the table's region dimension (``WijkenEnBuurten``).

    Parameters
    ----------
    props : list of dict
        The table's DataProperties.
    table_id : str
        The CBS table, for the message.

    Returns
    -------
    str
        The key.

    Examples
    --------
    >>> geo_key([{"Key": "ID", "Type": "Topic"},
    ...          {"Key": "WijkenEnBuurten", "Type": "GeoDetail"}], "85984NED")
    'WijkenEnBuurten'
    """
    geo = [p for p in props if isinstance(p, dict) and p.get("Type") in GEO_TYPES]
    if not geo or not isinstance(geo[0].get("Key"), str) or not geo[0]["Key"].isidentifier():
        raise FetchError(f"tabel {table_id} heeft geen dimensie met wijken en buurten; is het "
                         "wel een tabel 'Kerncijfers wijken en buurten'?")
    return geo[0]["Key"]


def check_rows(rows: list, key: str, table_id: str, gemeente_code: str, niveau: str) -> None:
    """Every row must be an object whose region code is a code of ``niveau`` in the gemeente.

    Parameters
    ----------
    rows : list
        The rows CBS returned.
    key : str
        The key of the region dimension.
    table_id : str
        The CBS table, for the message.
    gemeente_code : str
        The gemeente asked for.
    niveau : str
        ``wijk`` or ``buurt``.

    Examples
    --------
    >>> check_rows([{"W": "WK011401  "}], "W", "85984NED", "GM0114", "wijk")
    >>> check_rows([{"W": "BU01140101"}], "W", "85984NED", "GM0114", "wijk")
    Traceback (most recent call last):
    ...
    mkba.base.errors.FetchError: cbs ophalen: tabel 85984NED: het CBS gaf een regio die niet
    gevraagd is: 'BU01140101' is een buurtcode; verwacht: gemeente of wijk; niets geschreven
    """
    for row in rows:
        if not isinstance(row, dict):
            raise FetchError(f"tabel {table_id}: een rij is geen JSON-object; niets geschreven")
        code = row.get(key)
        code = code.strip() if isinstance(code, str) else code
        problem = region_problem(code, gemeente_code, levels_of(niveau))
        if problem:
            raise FetchError(f"tabel {table_id}: het CBS gaf een regio die niet gevraagd is: "
                             f"{problem}; niets geschreven")


@dataclass
class TableParts:
    """What one table gave for one gemeente.

    Parameters
    ----------
    props : list of dict
        The table's DataProperties.
    rows : list of dict
        The gemeente's rows (checked by :func:`check_rows`).
    names : dict of str to str
        Region code to name.
    query : str
        The URL of the rows, for the provenance file.
    warnings : list of str, optional
        Dutch warnings (names that could not be fetched).

    Examples
    --------
    >>> parts = TableParts([], [{"WijkenEnBuurten": "WK011401"}], {"WK011401": "Centrum"}, "")
    >>> parts.names, parts.warnings
    ({'WK011401': 'Centrum'}, [])
    """

    props: list[dict]
    rows: list[dict]
    names: dict[str, str]
    query: str
    warnings: list[str] = field(default_factory=list)


def _names(http: Http, root: str, key: str, table_id: str, gemeente_code: str, niveau: str,
           deadline: Deadline) -> tuple[dict[str, str], list[str]]:
    what = f"tabel {table_id} (namen van de regio's)"
    attempts = [{"$format": "json", "$filter": region_filter("Key", gemeente_code, niveau)},
                {"$format": "json"}]
    last = ""
    for params in attempts:
        try:
            dim = http.get_all(f"{root}/{key}", params, what=what, deadline=deadline)
        except RefusedAnswer:
            raise
        except FetchError as err:
            last = err.problems[0].message
            continue
        names = {}
        for d in dim:
            if not isinstance(d, dict):
                continue
            code, title = d.get("Key"), d.get("Title")
            code = code.strip() if isinstance(code, str) else None
            if code and isinstance(title, str) and not region_problem(
                    code, gemeente_code, levels_of(niveau)):
                names[code] = title.strip()[:200]
        return names, []
    return {}, [f"{table_id}: de namen van de wijken konden niet worden opgehaald ({last}); "
                "de cijfers zijn zonder namen geschreven"]


def table_parts(http: Http, table_id: str, gemeente_code: str, niveau: str, *, base: str,
                deadline: Deadline) -> TableParts:
    """DataProperties, the gemeente's rows (checked) and the region names of one table.

    Parameters
    ----------
    http : Http
        The client.
    table_id : str
        The CBS table.
    gemeente_code : str
        The gemeente (``GM0114``).
    niveau : str
        ``wijk`` or ``buurt``.
    base : str
        Base URL of the OData feed.
    deadline : Deadline
        The time the table may take.

    Returns
    -------
    TableParts
        The table's properties, rows and region names.

    Examples
    --------
    >>> import httpx
    >>> base = "https://opendata.cbs.nl/ODataFeed/odata"
    >>> def answer(request):  # a recorded answer, so no network is needed
    ...     path = request.url.path
    ...     if path.endswith("/DataProperties"):
    ...         value = [{"Key": "WijkenEnBuurten", "Type": "GeoDetail"}]
    ...     elif path.endswith("/TypedDataSet"):
    ...         value = [{"WijkenEnBuurten": "WK011401  ", "Bevolking_1": 5123}]
    ...     else:
    ...         value = [{"Key": "WK011401  ", "Title": "Centrum"}]
    ...     return httpx.Response(200, json={"value": value})
    >>> http = Http(httpx.MockTransport(answer), allowed=[base])
    >>> parts = table_parts(http, "85984NED", "GM0114", "wijk", base=base, deadline=Deadline(60))
    >>> parts.names, parts.rows[0]["Bevolking_1"]
    ({'WK011401': 'Centrum'}, 5123)
    """
    root = f"{base}/{table_id}"
    props = http.get_all(f"{root}/DataProperties", {"$format": "json"},
                         what=f"tabel {table_id} (DataProperties)", deadline=deadline)
    key = geo_key(props, table_id)
    params = {"$format": "json", "$filter": region_filter(key, gemeente_code, niveau)}
    rows = http.get_all(f"{root}/TypedDataSet", params, deadline=deadline,
                        what=f"tabel {table_id} (cijfers van {gemeente_code})")
    check_rows(rows, key, table_id, gemeente_code, niveau)
    query = http.url_of(f"{root}/TypedDataSet", params)
    names, warnings = _names(http, root, key, table_id, gemeente_code, niveau, deadline)
    return TableParts(props, rows, names, query, warnings)


def table_flags(http: Http, table_id: str, gemeente_code: str, niveau: str, *, base: str,
                deadline: Deadline) -> tuple[list[tuple[str, str | None]], str]:
    """Only CBS's indeling flag per region of one table (a year between fetched years):
    ``[(code, flag), …]`` and the query.

    Parameters
    ----------
    http : Http
        The client.
    table_id : str
        The CBS table.
    gemeente_code : str
        The gemeente (``GM0114``).
    niveau : str
        ``wijk`` or ``buurt``.
    base : str
        Base URL of the OData feed.
    deadline : Deadline
        The time the table may take.

    Returns
    -------
    flags : list of (str, str or None)
        Region code and its flag (``1``, ``2``, ``3`` or None).
    query : str
        The URL of the rows.

    Examples
    --------
    >>> import httpx
    >>> base = "https://opendata.cbs.nl/ODataFeed/odata"
    >>> def answer(request):  # a recorded answer, so no network is needed
    ...     if request.url.path.endswith("/DataProperties"):
    ...         value = [{"Key": "WijkenEnBuurten", "Type": "GeoDetail"},
    ...                  {"Key": "IndelingswijzigingWijkenEnBuurten_4", "Type": "Topic"}]
    ...     else:
    ...         value = [{"WijkenEnBuurten": "WK011401  ",
    ...                   "IndelingswijzigingWijkenEnBuurten_4": "1"}]
    ...     return httpx.Response(200, json={"value": value})
    >>> http = Http(httpx.MockTransport(answer), allowed=[base])
    >>> flags, query = table_flags(http, "85984NED", "GM0114", "wijk", base=base,
    ...                            deadline=Deadline(60))
    >>> flags
    [('WK011401', '1')]
    """
    root = f"{base}/{table_id}"
    props = http.get_all(f"{root}/DataProperties", {"$format": "json"},
                         what=f"tabel {table_id} (DataProperties)", deadline=deadline)
    key = geo_key(props, table_id)
    flag = next((p["Key"] for p in props if isinstance(p, dict) and isinstance(p.get("Key"), str)
                 and key_stem(p["Key"]) in INDELING_STEMS), None)
    if flag is None or not flag.isidentifier():
        raise FetchError(f"tabel {table_id} heeft geen kolom met de indelingswijziging")
    params = {"$format": "json", "$select": f"{key},{flag}",
              "$filter": region_filter(key, gemeente_code, niveau)}
    rows = http.get_all(f"{root}/TypedDataSet", params, deadline=deadline,
                        what=f"tabel {table_id} (indelingswijziging van {gemeente_code})")
    check_rows(rows, key, table_id, gemeente_code, niveau)
    out = []
    for row in rows:
        value = row.get(flag)
        value = str(value).strip() if value is not None else None
        out.append((row[key].strip(), value if value in ("1", "2", "3") else None))
    return out, http.url_of(f"{root}/TypedDataSet", params)
