"""Replay recorded CBS OData and PDOK responses at the HTTP transport level (httpx.MockTransport).

The recordings are in tests/data/cbs_api (see its README for what is real and what is
synthetic). The fake server does what the real one does with our queries: it serves a table's
parts by URL path, applies the ``startswith`` filters of ``$filter`` (so a client that forgets
the filter gets the wrong rows), follows the recorded ``odata.nextLink`` and returns 404 for a
table it does not know.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

REC = Path(__file__).parent / "data" / "cbs_api"
GM = "GM0114"


def load(table: str, part: str) -> dict:
    return json.loads((REC / table / f"{part}.json").read_text(encoding="utf-8"))


def recorded_rows(table: str) -> list[dict]:
    """Every recorded TypedDataSet row of a table (all pages)."""
    data = load(table, "TypedDataSet")
    rows = list(data["value"])
    if "odata.nextLink" in data:
        rows += load(table, "TypedDataSet_page2")["value"]
    return rows


def _apply_filter(records: list[dict], flt: str | None) -> list[dict]:
    if not flt:
        return records
    tests = re.findall(r"startswith\((\w+),'(\w+)'\)", flt)
    assert tests, f"unexpected $filter {flt!r}"
    return [r for r in records if any(str(r.get(f, "")).startswith(p) for f, p in tests)]


class Server:
    """A recorded CBS + PDOK server. ``faults`` maps (table, part) → list of responses or
    exceptions to give first (then the recording)."""

    def __init__(self, faults: dict | None = None, *, ignore_filter: bool = False):
        self.faults = {k: list(v) for k, v in (faults or {}).items()}
        self.seen: list[httpx.Request] = []
        self.ignore_filter = ignore_filter

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def _fault(self, key):
        queue = self.faults.get(key)
        if queue:
            item = queue.pop(0)
            if isinstance(item, Exception):
                raise item
            return item
        return None

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.url.host == "api.pdok.nl":
            m = re.match(r"^/cbs/wijken-en-buurten-(\d{4})/ogc/v1/collections/(\w+)/items$",
                         request.url.path)
            if not m:
                return httpx.Response(404, json={"detail": "not found"})
            year, coll = m.groups()
            fault = self._fault(("pdok", coll))
            if fault is not None:
                return fault
            page = "page2" if request.url.params.get("cursor") == "page2" else "page1"
            path = REC / "pdok" / f"{coll}_{year}_{page}.json"
            if not path.exists():
                return httpx.Response(404, json={"detail": "not found"})
            data = json.loads(path.read_text(encoding="utf-8"))
            gm = request.url.params.get("gemeentecode")
            if gm:
                data["features"] = [f for f in data["features"]
                                    if f["properties"]["gemeentecode"] == gm]
            return httpx.Response(200, json=data, headers={
                "Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/28992>"})
        m = re.match(r"^/ODataFeed/odata/(\w+)/(\w+)$", request.url.path)
        assert m, request.url
        table, part = m.groups()
        fault = self._fault((table, part))
        if fault is not None:
            return fault
        if not (REC / table).is_dir():
            return httpx.Response(404, text="Resource not found")
        name = part
        if part == "TypedDataSet" and request.url.params.get("$skip"):
            name = "TypedDataSet_page2"
        data = load(table, name)
        key = "Key" if part == "WijkenEnBuurten" else "WijkenEnBuurten"
        flt = request.url.params.get("$filter")
        if part == "TypedDataSet" and "$skip" not in request.url.params:
            assert flt, "the client must filter on the server"
        if not self.ignore_filter and part != "DataProperties":
            data["value"] = _apply_filter(data["value"], flt and flt.replace("Key", key)
                                          if part == "WijkenEnBuurten" else flt)
        return httpx.Response(200, json=data)
