"""The table: the one shared state of a session that every page shows, and the one worker
thread that computes.

A change from a partner's page is checked, written to the record (committed) and only then
taken into the state; the worker recomputes in the order the pages need it: first the NPV
and B/C ratio of the changed views, then the common scenario and the disagreement, and last
the chances NPV > 0 (Monte Carlo). Every step raises :attr:`Table.version`; pages poll it and
redraw when it moved. A result always carries the view it was computed for, so a page never
shows a figure next to choices it does not belong to.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import threading
from dataclasses import dataclass, field

import pandas as pd

from mkba.analysis.coalition import VALUATION_INPUT, Coalition, Verdict, View
from mkba.base.assumptions import REPORT_DRAWS, REPORT_SEED
from mkba.run.coalition.record import SCORE_KINDS, Record

__all__ = ["Table", "Snapshot", "MAX_REASON"]

log = logging.getLogger(__name__)

#: Longest reason a partner can give (characters).
MAX_REASON = 1000


@dataclass(frozen=True)
class Snapshot:
    """What the pages show, copied at one moment (see :meth:`Table.snapshot`).

    Parameters
    ----------
    version : int
        Changes so far (pages redraw when it moves).
    views : dict
        Partner to :class:`~mkba.analysis.coalition.View`.
    shown : dict
        Partner to (view, verdict) last computed.
    reference : Verdict
        The case's own verdict.
    common : View
        The common proposal.
    common_shown : tuple or None
        The proposal's (view, verdict) last computed.
    dispute : pandas.DataFrame
        The inputs the partners disagree on most.
    scores : dict
        Partner to their scores on the criteria.
    reasons : dict
        Partner to their reason.
    adopted : dict or None
        What was adopted.
    windows : dict, optional
        Partner to their page's state.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from mkba.analysis.coalition import Coalition
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.run.coalition.record import Record
    >>> table = Table(Coalition(DATA_DIR / "voorbeeld", "T2"),
    ...               Record(Path(tempfile.mkdtemp()) / "sessie.sqlite"), ["gemeente"])
    >>> snap = table.snapshot()
    >>> sorted(snap.views), snap.adopted
    (['gemeente'], None)
    """

    version: int
    views: dict
    shown: dict            # partner -> (view, Verdict) last computed
    reference: Verdict
    common: View
    common_shown: tuple | None
    dispute: pd.DataFrame
    scores: dict
    reasons: dict
    adopted: dict | None
    windows: dict = field(default_factory=dict)

    def current(self, partner: str) -> Verdict | None:
        """The partner's verdict when it belongs to their current view, else None."""
        view, verdict = self.shown.get(partner, (None, None))
        return verdict if view == self.views[partner] else None

    def common_verdict(self) -> Verdict | None:
        if self.common_shown is None or self.common_shown[0] != self.common:
            return None
        return self.common_shown[1]


class Table:
    """The shared state of one session (thread-safe) and its worker.

    Parameters
    ----------
    coalition : Coalition
        The session's task and variant.
    record : Record
        The session's record (restored from it).
    partners : list of str
        The partners.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from mkba.base.assumptions import DATA_DIR
    >>> from mkba.run.coalition.record import RECORD_NAME
    >>> t = Table(Coalition(DATA_DIR / "voorbeeld", "T2"),
    ...           Record(Path(tempfile.mkdtemp()) / RECORD_NAME), ["gemeente", "bewoners"])
    >>> t.compute_all()
    >>> t.set("gemeente", "T2/Minder vernielingen in het park/hoeveelheid", 12)
    "'T2/Minder vernielingen in het park/hoeveelheid': 12 ligt buiten 2–10"
    >>> t.set("gemeente", "T2/Minder vernielingen in het park/hoeveelheid", 2) is None
    True
    >>> t.compute_all()
    >>> s = t.snapshot()
    >>> s.current("gemeente").npv < s.current("bewoners").npv
    True
    >>> s.dispute["name"].iloc[0]
    'T2/Minder vernielingen in het park/hoeveelheid'
    """

    def __init__(self, coalition: Coalition, record: Record, partners: list[str]):
        self.coalition, self.record, self.partners = coalition, record, list(partners)
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        latest = record.latest()
        self.views = {p: self._restore(p, latest.get(p, {})) for p in self.partners}
        self.scores = {p: {name: int(v) for (kind, name), v in latest.get(p, {}).items()
                           if kind == "oordeel"} for p in self.partners}
        self.reasons = {p: str(latest.get(p, {}).get(("toelichting", "toelichting"), ""))
                        for p in self.partners}
        adoptions = record.adoptions()
        self.adopted = adoptions[-1] if adoptions else None
        self.shown: dict = {}
        self.reference = coalition.verdict(coalition.base)
        self.common = coalition.common(self.views)
        self.common_shown = None
        self.dispute = pd.DataFrame(columns=["name", "swing"])
        self.windows = {p: 0 for p in [*self.partners, "projector"]}
        self.version = 0
        self._dirty = set(self.partners)
        self._stopping = False
        self._thread: threading.Thread | None = None

    def _restore(self, partner: str, chosen: dict) -> View:
        """A partner's view from the record (a value the case no longer allows is skipped
        with a warning)."""
        view = self.coalition.base
        for (kind, name), value in chosen.items():
            if kind != "aanname":
                continue
            problem = self.coalition.check(name, value)
            if problem:
                print(f"waarschuwing: {partner}: {problem} (niet overgenomen)", file=sys.stderr)
                continue
            view = view.with_value(name, value)
        return view

    # ------------------------------------------------------------------ changes

    def _bump(self) -> None:
        self.version += 1

    def set(self, partner: str, name: str, value) -> str | None:
        """A partner changes an input (or the discount rate, or the valuation); returns the
        Dutch problem when the value is refused, else None once it is on the record."""
        problem = self.coalition.check(name, value)
        if problem:
            return problem
        with self._lock:
            if self.views[partner].get(name) == value:
                return None
            text = str(value) if name == VALUATION_INPUT else None
            self.record.write(partner, "aanname", name, None if text else float(value), text)
            self.views[partner] = self.views[partner].with_value(name, value)
            self.common = self.coalition.common(self.views)
            self._dirty.add(partner)
            self._bump()
            self._wake.notify_all()
        return None

    def score(self, partner: str, kind: str, value) -> str | None:
        """A partner's score (1–5) on a success criterion."""
        if kind not in SCORE_KINDS or value not in (1, 2, 3, 4, 5):
            return f"oordeel {kind!r} {value!r}: kies 1 tot en met 5"
        with self._lock:
            if self.scores[partner].get(kind) == value:
                return None
            self.record.write(partner, "oordeel", kind, int(value))
            self.scores[partner][kind] = int(value)
            self._bump()
        return None

    def reason(self, partner: str, text: str) -> str | None:
        """A partner's short reason (at most :data:`MAX_REASON` characters)."""
        text = str(text or "").strip()
        if len(text) > MAX_REASON:
            return f"de toelichting is te lang (hooguit {MAX_REASON} tekens)"
        with self._lock:
            if self.reasons[partner] == text:
                return None
            self.record.write(partner, "toelichting", "toelichting", text=text)
            self.reasons[partner] = text
            self._bump()
        return None

    def adopt(self) -> str | None:
        """Adopt the common scenario as shown (its verdict must be complete)."""
        with self._lock:
            verdict = None
            if self.common_shown is not None and self.common_shown[0] == self.common:
                verdict = self.common_shown[1]
            if verdict is None or verdict.p_npv_positive is None:
                return "Het voorstel wordt nog doorgerekend; probeer het zo opnieuw."
            c = self.common
            adopted = {"waarden": dict(c.values),
                       "parameters": {"discount_rate": c.discount_rate,
                                      "volunteer_valuation": c.volunteer_valuation},
                       "ncw": verdict.npv, "bk": verdict.bc_ratio,
                       "kans_ncw_positief": verdict.p_npv_positive,
                       "trekkingen": REPORT_DRAWS, "startgetal": REPORT_SEED}
            nr = self.record.write("projector", "vastgesteld", "scenario",
                                   text=json.dumps(adopted))
            self.adopted = {"nr": nr, "tijd": dt.datetime.now().astimezone().isoformat(),
                            **adopted}
            self._bump()
        return None

    # ------------------------------------------------------------------ pages

    def opened(self, who: str) -> None:
        with self._lock:
            self.windows[who] = self.windows.get(who, 0) + 1
            self._bump()

    def closed(self, who: str) -> None:
        with self._lock:
            self.windows[who] = max(0, self.windows.get(who, 0) - 1)
            self._bump()

    def open_windows(self) -> int:
        with self._lock:
            return sum(self.windows.values())

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(self.version, dict(self.views), dict(self.shown), self.reference,
                            self.common, self.common_shown, self.dispute,
                            {p: dict(s) for p, s in self.scores.items()}, dict(self.reasons),
                            self.adopted, dict(self.windows))

    # ------------------------------------------------------------------ the worker

    def compute_all(self) -> None:
        """Compute everything that is out of date, now, in this thread."""
        while self._step():
            pass

    def _step(self) -> bool:
        """One round of the worker: the changed views, the table, then the chances; False
        when there was nothing to do."""
        with self._lock:
            dirty = [p for p in self.partners if p in self._dirty]
            self._dirty.clear()
            views = dict(self.views)
        if not dirty:
            return False
        for p in dirty:
            self._put(p, views[p], self.coalition.verdict(views[p], chance=False))
        common = self.coalition.common(views)
        dispute = self.coalition.disagreement(views, common)
        quick = self.coalition.verdict(common, chance=False)
        with self._lock:
            self.dispute = dispute
            self.common_shown = (common, quick)
            self._bump()
        for p in dirty:
            if self._fresh(p, views[p]):
                self._put(p, views[p], self.coalition.verdict(views[p]))
        full = self.coalition.verdict(common)
        with self._lock:
            if self.common_shown[0] == common:
                self.common_shown = (common, full)
                self._bump()
        return True

    def _fresh(self, partner: str, view: View) -> bool:
        with self._lock:
            return not self._stopping and self.views[partner] == view

    def _put(self, partner: str, view: View, verdict: Verdict) -> None:
        with self._lock:
            self.shown[partner] = (view, verdict)
            self._bump()

    def start(self) -> None:
        """Start the worker thread (a daemon: it never holds up the end of the process)."""
        self._thread = threading.Thread(target=self._work, name="mkba-sessie-rekenen",
                                        daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._dirty and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
            try:
                self._step()
            except Exception:  # a failed round must not end the session: log, go on
                log.exception("doorrekenen mislukt")

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._wake.notify_all()
