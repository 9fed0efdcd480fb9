"""Every network access of mkba: the CBS open data feed (OData), PDOK (wijk- and buurtkaart) and
the CPI, through one careful HTTP client (:mod:`mkba.sources.http`).

Layer: above ``evidence`` (it turns answers into the tidy tables of :mod:`mkba.evidence.cbs`
and checks boundaries with :mod:`mkba.evidence.geo`) and below ``report`` and ``run``. No other
layer opens a connection (``tests/test_layers.py`` checks that only this package imports httpx).

- :mod:`mkba.sources.http` — the client: configurable base URLs (``MKBA_CBS_URL``,
  ``MKBA_PDOK_URL``), redirects and next links only to the configured hosts, one deadline per
  table, a size cap per answer, retries with backoff, Dutch messages only;
- :mod:`mkba.sources.odata` — the CBS OData feed: a table's DataProperties, its rows for one
  gemeente, region names, indeling flags;
- :mod:`mkba.sources.kwb` — ``mkba cbs ophalen``: fetch, harmonise and write per year;
- :mod:`mkba.sources.pdok` — ``--kaart``: wijk or buurt boundaries from PDOK;
- :mod:`mkba.sources.cpi` — ``mkba cbs cpi``: the CPI series from CBS 83131NED;
- :mod:`mkba.sources.lan` — this machine's address on the local network (``mkba sessie --lan``;
  it sends nothing).
"""
