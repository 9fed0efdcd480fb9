"""Printing a report to PDF with the system's Chromium (``mkba report --pdf``).

Why Chromium and not WeasyPrint: the PDF is then laid out by the same engine that shows the
HTML page in a browser (what the screenshots and the browser test check), it is ≈ 1,6× faster
here (≈ 1 s against ≈ 1,6 s a report), and it adds no Python dependencies to the lock (WeasyPrint
needs pango from the system anyway). Chromium comes from the system's package manager
(Debian: ``apt-get install chromium``); without it ``--pdf`` stops with a Dutch message.

Only the standard library is imported here: batch workers call it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from mkba.base.errors import CaseError
from mkba.base.files import write_atomically

__all__ = ["find_chromium", "print_pdf"]

#: Names under which a Chromium (or Chrome) may be on the PATH, in order of preference.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The path of a Chromium executable: ``$MKBA_CHROMIUM`` or the first on the PATH.

    Returns
    -------
    str or None
        The path, or None when there is none.

    Examples
    --------
    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"MKBA_CHROMIUM": "/geen/chromium"}):
    ...     find_chromium()
    >>> with mock.patch.dict(os.environ, {"MKBA_CHROMIUM": "sh"}):
    ...     find_chromium()
    'sh'
    """
    own = os.environ.get("MKBA_CHROMIUM")
    if own:
        return own if shutil.which(own) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html_path, pdf_path=None, *, timeout: float = 120) -> Path:
    """Print an HTML report to PDF (A4, as its ``@page`` rule says) next to it.

    The PDF is written to a temporary file and renamed, so nobody sees half a PDF. Raises
    :class:`~mkba.base.errors.CaseError` (a Dutch message) when no Chromium is installed or when
    printing fails.

    Parameters
    ----------
    html_path : str or pathlib.Path
        The HTML report.
    pdf_path : str or pathlib.Path, optional
        The PDF to write; by default beside the HTML with suffix ``.pdf``.
    timeout : float, default 120
        Seconds Chromium may take.

    Returns
    -------
    pathlib.Path
        The PDF written.

    Examples
    --------
    Without Chromium the message says what to install (printing itself is tested in
    ``tests/test_reports.py``):

    >>> import os
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"MKBA_CHROMIUM": "/geen/chromium"}):
    ...     print_pdf("wijk.html")
    Traceback (most recent call last):
    ...
    mkba.base.errors.CaseError: invoer: --pdf heeft Chromium nodig en dat is niet gevonden; ...
    """
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    exe = find_chromium()
    if exe is None:
        raise CaseError("--pdf heeft Chromium nodig en dat is niet gevonden; installeer het "
                        "(Debian/Ubuntu: apt-get install chromium) of zet MKBA_CHROMIUM op het "
                        "pad van chromium of chrome")
    profile = tempfile.mkdtemp(prefix="mkba-chromium-")  # own profile: parallel prints

    def print_to(tmp: Path) -> None:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--no-first-run", "--no-pdf-header-footer", f"--user-data-dir={profile}",
               f"--print-to-pdf={tmp}", html_path.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired as err:
            raise CaseError(f"{html_path.name}: PDF maken duurde langer dan "
                            f"{timeout:.0f} s") from err
        if done.returncode != 0 or os.path.getsize(tmp) == 0:
            raise CaseError(f"{html_path.name}: PDF maken mislukt (chromium gaf code "
                            f"{done.returncode})")

    try:
        write_atomically(pdf_path, print_to)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return pdf_path
