"""What ``mkba`` writes to the terminal: text from input files made harmless, and every failure
as one Dutch line with an exit code (a traceback only with ``MKBA_DEBUG`` set).

Standard library only (``mkba --help`` needs it before pandas).
"""

from __future__ import annotations

import errno
import os
import re
import sys
import warnings

from mkba.run.commands.options import EXIT_FAILED, EXIT_OK

__all__ = ["printable", "json_printable", "UserFacingErrors"]

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_C1 = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    r"""Text from input files without terminal escape codes or bidi overrides.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        ``text`` with control and bidi characters written as Python escapes.

    Examples
    --------
    >>> printable("bewoners\x1b[2J\x1b]0;pwned\x07")
    'bewoners\\x1b[2J\\x1b]0;pwned\\x07'
    """
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def json_printable(text: str) -> str:
    r"""JSON text with the control characters JSON leaves raw written as ``\uXXXX``.

    Parameters
    ----------
    text : str
        JSON text.

    Returns
    -------
    str
        The same JSON value, safe for a terminal.

    Examples
    --------
    >>> json_printable('"a\u202eb"')
    '"a\\u202eb"'
    """
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"waarschuwing: {printable(str(message))}", file=file or sys.stderr)


class UserFacingErrors:
    """Context manager: unexpected errors become one Dutch line on stderr and an exit code.

    Ctrl-C → 130, SIGTERM of a batch → 143, a closed pipe (``mkba evaluate … | head``) → 0
    quietly, a full disk or another OS error → 1, anything else → 1 with the error's type.
    With ``MKBA_DEBUG`` set, the traceback is shown as well.

    Examples
    --------
    >>> guard = UserFacingErrors()
    >>> with guard:
    ...     raise MemoryError
    >>> guard.exit_code
    1
    """

    exit_code = EXIT_OK

    def __enter__(self):
        warnings.showwarning = _show_warning
        return self

    def __exit__(self, etype, exc, tb):
        if exc is None or isinstance(exc, SystemExit):
            return False
        # the batch module loads the job machinery: only once something went wrong
        from mkba.run.batch import BatchInterrupted

        if os.environ.get("MKBA_DEBUG"):
            import traceback  # traceback: ≈ 1 ms, only when something went wrong

            traceback.print_exception(etype, exc, tb, file=sys.stderr)
        if isinstance(exc, BrokenPipeError):  # the reader went away: stop quietly
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            code, message = EXIT_OK, None
        elif isinstance(exc, BatchInterrupted):
            code = exc.exit_code
            message = (f"{exc}. Wat klaar is staat in {exc.out_dir / 'batch.json'}; dezelfde "
                       "opdracht opnieuw gaat verder waar deze bleef.")
        elif isinstance(exc, KeyboardInterrupt):
            code, message = 130, "onderbroken (Ctrl-C); niets geschreven."
        elif isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            code = EXIT_FAILED
            message = (f"de schijf is vol{_where(exc)}; er is geen half bestand achtergebleven. "
                       "Maak ruimte en probeer het opnieuw.")
        elif isinstance(exc, OSError):
            code = EXIT_FAILED
            message = f"kan niet lezen of schrijven{_where(exc)}: {exc.strerror or exc}"
        elif isinstance(exc, MemoryError):
            code = EXIT_FAILED
            message = "te weinig geheugen voor deze opdracht; maak de invoer kleiner."
        else:
            code = EXIT_FAILED
            message = (f"onverwachte fout ({type(exc).__name__}: {printable(str(exc))[:300]})."
                       " Zet MKBA_DEBUG=1 voor de details en meld het bij de beheerder.")
        if message:
            try:
                print(f"mkba: {message}", file=sys.stderr)
            except OSError:
                pass
        self.exit_code = code
        return True


def _where(exc: OSError) -> str:
    return f" ({exc.filename})" if getattr(exc, "filename", None) else ""
