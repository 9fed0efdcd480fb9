"""A small, safe on-disk cache for tables (``~/.cache/mkba`` or ``MKBA_CACHE``).

What it guarantees, because the cache folder may be shared or tampered with:

- **No code is ever loaded.** A table is stored as plain arrays in NumPy's ``.npz`` format and
  read with ``allow_pickle=False``: numbers as numbers, text columns as integer codes plus a
  list of strings. (Parquet or Feather would need pyarrow, which pandas 3 would then also use
  for every string column of the package; the ``.npz`` arrays need nothing new.)
- **Schema check.** Every file carries its format, its key and its columns with their types;
  a file whose key, columns, types, lengths or codes do not match is ignored and rebuilt.
- **Only our own folder and files.** The folder is created with mode 0700; a folder or file
  owned by another user, writable by group or others, a symlinked file or anything that is not
  a regular file is refused (with a :class:`CacheWarning` for a refused folder) and the caller
  works without the cache.
- **No half files, no symlink tricks.** A file is written with the package's one atomic writer
  (:func:`mkba.base.files.write_atomically`: a fresh temporary file in the same folder, created
  with ``O_CREAT | O_EXCL`` so a pre-created symlink is never followed, renamed into place, mode
  0600); on any error (a full disk) the temporary file is removed. The cache folder itself must
  not be a symbolic link.
- **Nothing blocks, nothing explodes.** A file is opened without blocking (a named pipe at a
  cache file's name is refused, not waited on), and before any array is loaded the zip
  directory is checked: every member must be stored uncompressed, as :func:`write_frame`
  writes them, so loading never takes more memory than the file's size on disk (a small
  compressed "zip bomb" is refused unread).

The API is three functions; any module that wants to keep a table between runs (the CBS tables,
a downloaded CBS table) uses them with its own ``name`` and a ``key`` that changes whenever the
table's inputs change::

    df = read_frame("kwb", key, schema)      # None: absent, foreign, stale or damaged
    if df is None:
        df = build()
        write_frame("kwb", key, df)          # None when there is no usable cache folder

Examples
--------
>>> import tempfile, os, pandas as pd
>>> os.environ["MKBA_CACHE"] = tempfile.mkdtemp()
>>> df = pd.DataFrame({"code": pd.Series(["WK1", None], dtype="str"), "value": [1.5, None]})
>>> write_frame("demo", "k1", df).name
'demo-k1.npz'
>>> read_frame("demo", "k1", frame_schema(df)).equals(df)
True
>>> read_frame("demo", "other-key", frame_schema(df)) is None
True
>>> del os.environ["MKBA_CACHE"]
"""

from __future__ import annotations

import json
import os
import re
import stat
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from mkba.base.files import write_atomically
from mkba.base.jsonout import dumps

__all__ = ["cache_dir", "read_frame", "write_frame", "frame_schema", "CacheWarning",
           "FORMAT"]

#: Written into every file; a file of another format version is rebuilt.
FORMAT = "mkba-frame-1"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}")
_NUMERIC = {"float64", "int64", "int32", "bool"}
_WARNED: set[str] = set()


class CacheWarning(UserWarning):
    """The cache folder cannot be used safely; mkba works without it.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn("cachemap is schrijfbaar voor anderen", CacheWarning)
    >>> caught[0].category.__name__
    'CacheWarning'
    """


def _root() -> Path:
    root = os.environ.get("MKBA_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mkba")
    return Path(root)


def _warn(root: Path, why: str) -> None:
    if str(root) not in _WARNED:
        _WARNED.add(str(root))
        warnings.warn(f"cachemap {root} {why}; mkba werkt zonder cache", CacheWarning,
                      stacklevel=3)


def _safe_stat(st: os.stat_result) -> bool:
    """Ours, and not writable by group or others."""
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cache_dir(create: bool = True) -> Path | None:
    """The cache folder, if it is safe to use: ours and writable by us only.

    ``MKBA_CACHE``, else ``$XDG_CACHE_HOME/mkba``, else ``~/.cache/mkba``. A missing folder is
    created with mode 0700 (``create``). Returns None (and warns once, :class:`CacheWarning`)
    when the folder belongs to another user, is writable by group or others, is not a folder,
    is a symbolic link, or cannot be created.

    Parameters
    ----------
    create : bool, default True
        Create the folder (mode 0700) when it does not exist; with False a missing folder
        gives None.

    Returns
    -------
    pathlib.Path or None
        The folder, or None when it cannot be used safely.

    Examples
    --------
    >>> import os, tempfile, pathlib
    >>> from unittest import mock
    >>> root = pathlib.Path(tempfile.mkdtemp()) / "cache"
    >>> with mock.patch.dict(os.environ, {"MKBA_CACHE": str(root)}):
    ...     cache_dir(create=False), cache_dir() == root, oct(root.stat().st_mode & 0o777)
    (None, True, '0o700')
    """
    root = _root()
    try:
        if create and not os.path.lexists(root):
            os.makedirs(root, mode=0o700, exist_ok=True)
            os.chmod(root, 0o700)  # makedirs' mode is reduced by the umask, never widened
        st = os.lstat(root)
    except FileNotFoundError:
        return None
    except OSError as exc:
        _warn(root, f"is niet te gebruiken ({exc.strerror})")
        return None
    if stat.S_ISLNK(st.st_mode):
        _warn(root, "is een symbolische link")
        return None
    if not stat.S_ISDIR(st.st_mode):
        _warn(root, "is geen map")
        return None
    if st.st_uid != os.getuid():
        _warn(root, "is van een andere gebruiker")
        return None
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        _warn(root, "is schrijfbaar voor anderen")
        return None
    return root


def _path(root: Path, name: str, key: str) -> Path:
    if not _NAME.fullmatch(name) or not _NAME.fullmatch(key):
        raise ValueError(f"cache name and key must be plain words: {name!r}, {key!r}")
    return root / f"{name}-{key}.npz"


def frame_schema(df) -> dict[str, str]:
    """Column name → dtype name of a DataFrame: what :func:`read_frame` checks a file against.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.

    Returns
    -------
    dict of str to str
        Column name to dtype name, in column order.

    Examples
    --------
    >>> import pandas as pd
    >>> frame_schema(pd.DataFrame({"jaar": [2020], "waarde": [1.5]}))
    {'jaar': 'int64', 'waarde': 'float64'}
    """
    return {str(c): str(t) for c, t in df.dtypes.items()}


def write_frame(name: str, key: str, df) -> Path | None:
    """Store ``df`` as ``<cache>/<name>-<key>.npz``; None when there is no usable cache.

    Columns must be numeric (float64, int64, int32, bool) or text (``str``/``object`` with
    strings and missing values). The file appears complete or not at all.

    Parameters
    ----------
    name : str
        Kind of table (letters, digits, ``-`` and ``_``), the first part of the file name.
    key : str
        Fingerprint of what the table was made from, the second part of the file name.
    df : pandas.DataFrame
        The table to store.

    Returns
    -------
    pathlib.Path or None
        The file written, or None when there is no usable cache.

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"MKBA_CACHE": tempfile.mkdtemp()}):
    ...     path = write_frame("voorbeeld", "abc123", pd.DataFrame({"n": [1, 2]}))
    >>> path.name
    'voorbeeld-abc123.npz'
    """

    root = cache_dir()
    if root is None:
        return None
    path = _path(root, name, key)
    arrays: dict[str, np.ndarray] = {}
    columns = []
    for i, (col, dtype) in enumerate(df.dtypes.items()):
        values = df[col]
        if str(dtype) in _NUMERIC:
            arrays[f"c{i}"] = values.to_numpy(dtype=str(dtype))
            columns.append({"name": str(col), "dtype": str(dtype), "kind": "numeric"})
            continue
        missing = values.isna().to_numpy()
        if not all(isinstance(v, str) for v in values[~missing]):
            raise TypeError(f"column {col!r}: only numbers and strings can be cached")
        codes, cats = _factorize(values)
        arrays[f"c{i}_codes"] = codes.astype(np.int32)
        arrays[f"c{i}_cats"] = np.asarray(cats, dtype=str) if len(cats) else np.array([], "<U1")
        missing_value = None if not missing.any() else _missing_token(values[missing].iloc[0])
        columns.append({"name": str(col), "dtype": str(dtype), "kind": "text",
                        "missing": missing_value})
    meta = {"format": FORMAT, "name": name, "key": key, "rows": len(df), "columns": columns}
    arrays["meta"] = np.array(dumps(meta))

    def save(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)  # stored, not compressed: read_frame checks that

    try:
        write_atomically(path, save, mode=0o600)
    except OSError:  # a full disk, a read-only folder: no cache this time, and no debris
        return None
    return path


def _factorize(values):
    codes, cats = pd.factorize(values, use_na_sentinel=True)
    return codes, [str(c) for c in cats]


def _missing_token(value) -> str:
    return "none" if value is None else "nan"


def _stored_only(f, size: int) -> bool:
    """Every member of the zip is stored uncompressed, so the arrays together are no larger
    than the file (checked from the zip directory, before anything is loaded)."""
    with zipfile.ZipFile(f) as archive:
        members = archive.infolist()
    return all(m.compress_type == zipfile.ZIP_STORED and m.file_size == m.compress_size
               for m in members) and sum(m.file_size for m in members) <= size


def read_frame(name: str, key: str, schema: Mapping[str, str]):
    """The table stored under ``name`` and ``key``, or None.

    None when the file is absent, is not a regular file of ours writable only by us, is
    damaged, or does not match ``schema`` (column → dtype, see :func:`frame_schema`) or
    ``key`` exactly. Never loads code (``allow_pickle=False``).

    Parameters
    ----------
    name : str
        Kind of table (letters, digits, ``-`` and ``_``), the first part of the file name.
    key : str
        Fingerprint of what the table was made from, the second part of the file name.
    schema : mapping of str to str
        Column name to dtype name the stored table must have exactly (:func:`frame_schema`).

    Returns
    -------
    pandas.DataFrame or None
        The stored table, or None.

    Examples
    --------
    >>> import os, tempfile, pandas as pd
    >>> from unittest import mock
    >>> df = pd.DataFrame({"jaar": [2020, 2021], "wijk": ["WK036330", None]})
    >>> with mock.patch.dict(os.environ, {"MKBA_CACHE": tempfile.mkdtemp()}):
    ...     _ = write_frame("voorbeeld", "abc123", df)
    ...     back = read_frame("voorbeeld", "abc123", frame_schema(df))
    ...     other = read_frame("voorbeeld", "abc123", {"jaar": "float64", "wijk": "object"})
    >>> back.equals(df), other
    (True, None)
    """

    root = cache_dir(create=False)
    if root is None:
        return None
    path = _path(root, name, key)
    try:  # O_NONBLOCK: opening a named pipe would otherwise wait for a writer forever
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except OSError:  # absent, or a symlink (O_NOFOLLOW)
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or not _safe_stat(st):
                return None
            if not _stored_only(f, st.st_size):
                return None
            f.seek(0)
            with np.load(f, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        meta = json.loads(str(arrays.pop("meta")))
        if (meta.get("format") != FORMAT or meta.get("name") != name or meta.get("key") != key
                or [(c["name"], c["dtype"]) for c in meta["columns"]] != list(schema.items())):
            return None
        n = int(meta["rows"])
        data = {}
        for i, col in enumerate(meta["columns"]):
            if col["kind"] == "numeric":
                a = arrays[f"c{i}"]
                if a.dtype != np.dtype(col["dtype"]) or a.shape != (n,):
                    return None
                data[col["name"]] = pd.Series(a, dtype=col["dtype"])
            else:
                codes, cats = arrays[f"c{i}_codes"], arrays[f"c{i}_cats"]
                if (codes.dtype != np.int32 or codes.shape != (n,) or cats.ndim != 1
                        or cats.dtype.kind != "U" or (n and (codes.min() < -1
                                                             or codes.max() >= len(cats)))):
                    return None
                values = np.empty(n, dtype=object)
                values[:] = cats.astype(object)[codes] if len(cats) else None
                missing = codes == -1
                values[missing] = None if col.get("missing") == "none" else np.nan
                data[col["name"]] = pd.Series(values, dtype=col["dtype"])
        if set(arrays) != {k for i, c in enumerate(meta["columns"]) for k in (
                [f"c{i}"] if c["kind"] == "numeric" else [f"c{i}_codes", f"c{i}_cats"])}:
            return None
        return pd.DataFrame(data)
    except Exception:  # damaged, truncated or hand-made: rebuild
        return None
