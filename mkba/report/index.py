"""The index of a batch: a national page of gemeenten, a page per gemeente, and a search box.

With wijken of more than one gemeente, ``index.html`` lists the gemeenten (name, number of
wijken, tasks and the NCW of each task) and every gemeente gets its own page (``GMxxxx.html``)
with its map and its wijken by name. With one gemeente, ``index.html`` is that gemeente's page.
Every page has a search box over all gemeenten and wijken that works from the files alone
(opened from disk, no server, nothing from the internet): the names are in ``zoekindex.js``,
the search in ``zoeken.js``.

The pages are Jinja2 templates in ``mkba/report/templates`` (``index_*.html.j2``, with
autoescaping: a name from an input file never becomes markup). Names come from the report's
headline, else from the CBS figures (:func:`mkba.evidence.cbs.region_names`: the shipped
tables and what ``mkba cbs ophalen`` fetched); a region whose name is in neither is called by
its kind and code ("wijk WK168000"). Map file names are never shown.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from mkba.base.formatting import fmt_eur, fmt_number, fmt_ratio
from mkba.base.html import nbsp, strip_bidi
from mkba.base.regions import gemeente_of
from mkba.report.maps import gemeente_map
from mkba.report.templating import finalize

__all__ = ["index_pages", "reader_name", "TEMPLATES", "SEARCH_DATA",
           "SEARCH_SCRIPT", "FAILED"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
SEARCH_DATA = "zoekindex.js"
SEARCH_SCRIPT = "zoeken.js"
#: A record's status when its report failed (mkba.run.jobs.FAILED).
FAILED = "mislukt"
#: Tasks listed per gemeente on the national page before "en N andere".
TASKS_SHOWN = 3

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def reader_name(text, code: str = "") -> str:
    """A name as readers see it: without bidi or control characters; the kind and code of the
    region when it has no name.

    Parameters
    ----------
    text : str or None
        The name (from a report or the CBS figures).
    code : str
        The region's CBS code (``GM``, ``WK`` or ``BU``), used when there is no name.

    Returns
    -------
    str

    Examples
    --------
    >>> reader_name("De \u202eKolenkit", "WK036339")
    'De Kolenkit'
    >>> reader_name(None, "WK168000"), reader_name("GM1680", "GM1680")
    ('wijk WK168000', 'gemeente GM1680')
    """
    name = _CONTROL.sub(" ", strip_bidi(text)).strip()
    if name and name != code:
        return name
    kind = {"GM": "gemeente", "WK": "wijk", "BU": "buurt"}.get(code[:2], "gebied")
    return f"{kind} {code}".strip()


@dataclass
class _Wijk:
    code: str
    name: str
    href: str
    status: str
    failed: bool
    error: str
    tasks: list
    inhabitants: float | None
    year: int | None
    budget: dict | None
    checks_failed: int = 0


@dataclass
class _Gemeente:
    code: str
    name: str
    href: str
    wijken: list = field(default_factory=list)
    map: str = ""
    map_caption: str = ""

    @property
    def n_wijken(self) -> int:
        return len(self.wijken)

    @property
    def n_failed(self) -> int:
        return sum(w.failed for w in self.wijken)

    @property
    def all_tasks(self) -> list:
        return [t for w in self.wijken for t in w.tasks]

    @property
    def since_decision(self) -> bool:
        """Whether a task of this gemeente has a decision version (column "sinds besluit")."""
        return any(t["since_decision"] is not None for t in self.all_tasks)

    @property
    def n_tasks(self) -> int:
        return len({t["task_id"] for t in self.all_tasks})

    @property
    def tasks_shown(self) -> list:
        return self.all_tasks[:TASKS_SHOWN]

    @property
    def tasks_more(self) -> int:
        return max(0, len(self.all_tasks) - TASKS_SHOWN)


def _task(t: dict, since: Mapping | None = None) -> dict:
    name = reader_name(t.get("name"), str(t.get("task_id", "")))
    variant = _CONTROL.sub(" ", strip_bidi(t.get("variant") or "project")).strip() or "project"
    label = name if variant == "project" else f"{name} ({variant.replace('_', ' ')})"
    return {"task_id": t.get("task_id"), "label": label, "npv": t.get("npv"),
            "bc_ratio": t.get("bc_ratio"),
            "since_decision": (since or {}).get((t.get("task_id"), t.get("variant")))}


def _wijk(r: dict, names: Mapping[str, str]) -> _Wijk:
    code = r["wijk_code"]
    name = r.get("name")
    if not name or name == code:
        name = names.get(code)
    failed = r.get("status") == FAILED
    return _Wijk(code=code, name=reader_name(name, code), href=str(r.get("html") or ""),
                 status=str(r.get("status") or ""), failed=failed,
                 error=reader_name(r.get("error"), "") if failed else "",
                 tasks=[_task(t, {(d["task_id"], d["variant"]): d["difference"]
                                  for d in r.get("since_decision") or []})
                        for t in r.get("tasks") or []],
                 inhabitants=r.get("inhabitants"), year=r.get("year"),
                 budget=r.get("buurtbudget") or None,
                 checks_failed=int(r.get("checks_failed") or 0))


def _sort_key(name: str) -> str:
    """Alphabetical as a reader looks names up: ignoring case, accents and a leading 's-."""
    plain = unicodedata.normalize("NFD", name).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"^'s[- ]", "", plain)


def _environment() -> Environment:
    # like the report's environment: every printed string loses its bidi controls
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, finalize=finalize)
    env.filters.update(eur=lambda v: nbsp(fmt_eur(v)), ratio=fmt_ratio,
                       getal=lambda v: nbsp(fmt_number(v)), change=_change)
    return env


def _change(value) -> str:
    """A change in euros with its sign (the column "sinds besluit").

    Examples
    --------
    >>> _change(60278.4), _change(-1200), _change(None)
    ('€\xa0+60.278', '€\xa0−1.200', '–')
    """
    if value is None:
        return "–"
    text = fmt_eur(value)
    return nbsp(text.replace("€ ", "€ +") if value > 0 else text)


def _wijken(n: int) -> str:
    return f"{n} wijk" if n == 1 else f"{fmt_number(n)} wijken"


def _counts(records: list[dict]) -> str:
    """"3.443 wijken: 3.440 gemaakt, 0 ongewijzigd overgeslagen, 3 mislukt."

    Examples
    --------
    >>> _counts([{"status": "gelukt"}, {"status": "mislukt"}])
    '2 wijken: 1 gemaakt, 0 ongewijzigd overgeslagen, 1 mislukt.'
    """
    n = {s: sum(r.get("status") == s for r in records) for s in ("gelukt", "overgeslagen",
                                                                  FAILED)}
    return (f"{_wijken(len(records))}: {fmt_number(n['gelukt'])} gemaakt, "
            f"{fmt_number(n['overgeslagen'])} ongewijzigd overgeslagen, "
            f"{fmt_number(n[FAILED])} mislukt.")


def _search_data(gemeenten: list[_Gemeente]) -> str:
    """``zoekindex.js``: [name, where, link] per gemeente and wijk, as a script (a page opened
    from disk may not fetch a JSON file, but it may load a script)."""
    rows = []
    for g in gemeenten:
        rows.append([g.name, f"gemeente, {_wijken(g.n_wijken)}", g.href])
        for w in g.wijken:
            rows.append([w.name, f"{g.name}, {w.code}", g.href if w.failed else w.href])
    # ASCII only and no "<": no character of a name can end the string, or the script if
    # the data is ever put inline
    text = json.dumps(rows, ensure_ascii=True, separators=(",", ":")).replace("<", "\\u003c")
    return f"window.MKBA_ZOEKINDEX = {text};\n"


def index_pages(records: list[dict], *, summary: str, names: Mapping[str, str] | None = None,
                maps: bool = True, map_file=None) -> dict[str, str]:
    """The files of a batch index: file name → text.

    Parameters
    ----------
    records : list of dict
        The batch's records (``batch.json``): ``wijk_code``, ``html``, ``status``, ``error``
        and the headline (``name``, ``inhabitants``, ``year``, ``tasks``, ``buurtbudget``).
    summary : str
        The sentence about the run (when, how long, how many workers) shown under the
        counts of each page (plain text).
    names : mapping, optional
        Region code → name (the CBS figures), for gemeenten and for wijken whose record has
        no name.
    maps : bool
        Draw each gemeente's map where a boundary file holds its wijken
        (:func:`mkba.report.maps.gemeente_map`).
    map_file : str or Path, optional
        The user's own boundary file (``--kaart``), used for the gemeenten it holds.

    Returns
    -------
    dict
        ``index.html``, one ``GMxxxx.html`` per gemeente when there are several, and the
        search files ``zoekindex.js`` and ``zoeken.js``.

    Examples
    --------
    >>> recs = [{"wijk_code": "WK036339", "html": "WK036339.html", "status": "gelukt",
    ...          "name": "De Kolenkit", "tasks": []},
    ...         {"wijk_code": "WK168000", "html": "WK168000.html", "status": "gelukt"}]
    >>> pages = index_pages(recs, summary="Gemaakt op 1-1-2025.", names={"GM0363": "Amsterdam"},
    ...                     maps=False)
    >>> sorted(pages)
    ['GM0363.html', 'GM1680.html', 'index.html', 'zoeken.js', 'zoekindex.js']
    >>> '<a href="GM0363.html"><bdi>Amsterdam</bdi></a>' in pages["index.html"]
    True
    """
    names = names or {}
    by_code: dict[str, _Gemeente] = {}
    grouped: dict[str, list[dict]] = {}
    for r in records:
        code = gemeente_of(r["wijk_code"])
        if code not in by_code:
            by_code[code] = _Gemeente(code, reader_name(names.get(code), code), f"{code}.html")
        by_code[code].wijken.append(_wijk(r, names))
        grouped.setdefault(code, []).append(r)
    gemeenten = sorted(by_code.values(), key=lambda g: (_sort_key(g.name), g.code))
    national = len(gemeenten) > 1
    for g in gemeenten:
        g.wijken.sort(key=lambda w: (_sort_key(w.name), w.code))
        drawn = gemeente_map(g.code, grouped[g.code], g.name, map_file) if maps else None
        if drawn is not None:
            g.map, g.map_caption = Markup(drawn[0]), drawn[1]  # an image made here: trusted
        if not national:
            g.href = "index.html"
    env = _environment()
    common = {"search_data": SEARCH_DATA, "search_script": SEARCH_SCRIPT}
    pages = {SEARCH_DATA: _search_data(gemeenten),
             SEARCH_SCRIPT: (TEMPLATES / SEARCH_SCRIPT).read_text(encoding="utf-8")}
    page = env.get_template("index_gemeente.html.j2")
    if national:
        pages["index.html"] = env.get_template("index_land.html.j2").render(
            gemeenten=gemeenten, summary=f"{_counts(records)} {summary}".strip(), **common)
        for g in gemeenten:
            pages[g.href] = page.render(gemeente=g, national="index.html",
                                        summary=f"{_counts(grouped[g.code])} {summary}".strip(),
                                        **common)
    elif gemeenten:
        pages["index.html"] = page.render(gemeente=gemeenten[0], national="",
                                          summary=f"{_counts(records)} {summary}".strip(),
                                          **common)
    return pages
