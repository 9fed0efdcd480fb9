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


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file in the same folder, then rename: readers never see half.

    Text is written as UTF-8; the file gets the usual permissions (``0666`` minus the umask),
    not the ``0600`` of a temporary file, because reports are meant to be shared.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "sub" / "a.txt"
    >>> atomic_write(p, "één")
    >>> p.read_text(encoding="utf-8"), sorted(x.name for x in p.parent.iterdir())
    ('één', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; reports are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Let ``write`` fill a temporary file next to ``path``, then rename it into place.

    For writers that want a path rather than the data (``DataFrame.to_csv``, a zip file);
    on any error the temporary file is removed and ``path`` is untouched.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "b.txt"
    >>> write_atomically(p, lambda tmp: tmp.write_text("x"))
    >>> p.read_text()
    'x'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
