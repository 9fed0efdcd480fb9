"""Writing files so that a reader never sees half of one (the one home of atomic writes).

Only the standard library is imported: batch workers write with it before pandas is loaded.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "write_atomically"]


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once, at import (changing the umask is not thread-safe)


def write_atomically(path: Path, write: Callable[[Path], None], mode: int | None = None) -> None:
    """Let ``write`` fill a temporary file next to ``path``, then rename it into place.

    The temporary file has a unique name (``mkstemp``: ``O_CREAT | O_EXCL``, so threads and
    processes writing the same file never share one and a planted symlink is never followed)
    and gets the usual permissions (``0666`` minus the umask, not the ``0600`` of a temporary
    file: reports are meant to be shared), or ``mode`` (the cache keeps ``0600``). On any
    error it is removed and ``path`` is untouched; an operating-system error that names no
    file (a full disk during ``write()``) or the temporary one is raised again naming
    ``path``. For writers that want a path (``DataFrame.to_csv``).

    Parameters
    ----------
    path : Path
        The file to write; its folder is created when missing.
    write : callable
        Called with the temporary file's path; it writes the whole content there.
    mode : int, optional
        Permission bits of the finished file; default ``0666`` minus the umask.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "b.txt"
    >>> write_atomically(p, lambda tmp: tmp.write_text("x"))
    >>> p.read_text(), sorted(x.name for x in p.parent.iterdir())
    ('x', ['b.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_UMASK if mode is None else mode)
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        if exc.filename in (None, tmp) and exc.errno is not None:
            # name the file the user knows, not the temporary one or none at all (a full
            # disk during write() carries no file name)
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp: str) -> None:
    if os.path.exists(tmp):
        os.unlink(tmp)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) so that readers never see half a file
    (:func:`write_atomically`).

    Parameters
    ----------
    path : Path
        The file to write; its folder is created when missing.
    data : str or bytes
        The whole content; text is written as UTF-8.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "sub" / "a.txt"
    >>> atomic_write(p, "één")
    >>> p.read_text(encoding="utf-8"), sorted(x.name for x in p.parent.iterdir())
    ('één', ['a.txt'])
    """
    if isinstance(data, bytes):
        write_atomically(path, lambda tmp: tmp.write_bytes(data))
    else:
        write_atomically(path, lambda tmp: tmp.write_text(data, encoding="utf-8"))
