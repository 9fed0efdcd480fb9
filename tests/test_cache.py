"""The CBS cache (mkba.base.cache): never runs code, only our own folder, rebuilt on any mismatch."""

from __future__ import annotations

import errno
import os
import pickle
import stat
import warnings

import numpy as np
import pandas as pd
import pytest

from mkba.base import cache
from mkba.base.cache import CacheWarning, cache_dir, frame_schema, read_frame, write_frame
from mkba.evidence import cbs

FRAME = pd.DataFrame({
    "code": pd.Series(["WK1", "WK2", None], dtype="str"),
    "name": pd.Series(["Oost", np.nan, "Zuid"], dtype="object"),
    "year": np.array([2019, 2020, 2021], dtype="int64"),
    "value": [1.5, np.nan, -2.0],
})
SCHEMA = frame_schema(FRAME)


@pytest.fixture
def root(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("MKBA_CACHE", str(folder))
    cache._WARNED.clear()
    return folder


class Evil:
    """Unpickling this runs code: it creates the file ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_round_trip_keeps_values_missing_and_types(root):
    path = write_frame("t", "k", FRAME)
    back = read_frame("t", "k", SCHEMA)
    pd.testing.assert_frame_equal(back, FRAME)
    assert back["code"].isna().tolist() == [False, False, True]  # missing stays missing
    assert stat.S_IMODE(os.stat(root).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) & 0o077 == 0


@pytest.mark.slow
def test_shipped_table_from_cache_equals_the_built_one(root):
    cbs._load_shipped.cache_clear()
    try:
        first = cbs._load_shipped()  # builds and writes the cache
        assert list(root.glob("kwb-*.npz"))
        cbs._load_shipped.cache_clear()
        second = cbs._load_shipped()  # reads it
        pd.testing.assert_frame_equal(second, cbs._build_shipped())
        pd.testing.assert_frame_equal(first, second)
    finally:
        cbs._load_shipped.cache_clear()


@pytest.mark.slow
def test_a_planted_pickle_is_never_loaded(root, tmp_path):
    """The old cache name (kwb-<hash>.pkl) and a pickle disguised as the new file."""
    marker = tmp_path / "pwned"
    root.mkdir(mode=0o700)
    key = cbs._cache_key()
    payload = pickle.dumps(Evil(marker))
    (root / f"kwb-{key}.pkl").write_bytes(payload)
    (root / f"kwb-{key}.npz").write_bytes(payload)
    # an .npz whose array holds pickled objects: refused by allow_pickle=False
    with open(root / "x-k.npz", "wb") as f:
        np.savez(f, meta=np.array([Evil(marker)], dtype=object))
    cbs._load_shipped.cache_clear()
    try:
        df = cbs._load_shipped()
    finally:
        cbs._load_shipped.cache_clear()
    assert read_frame("x", "k", SCHEMA) is None
    assert not marker.exists()
    assert len(df) > 1000 and {"region_code", "value"} <= set(df.columns)
    # the disguised file was replaced by a real cache file
    assert read_frame("kwb", key, cbs.SHIPPED_SCHEMA) is not None


@pytest.mark.parametrize("damage", ["other columns", "other types", "other key inside",
                                    "truncated", "codes out of range", "empty file",
                                    "extra array"])
def test_any_mismatch_means_rebuild(root, damage):
    path = write_frame("t", "k", FRAME)
    if damage == "other columns":
        write_frame("t", "k", FRAME.rename(columns={"value": "waarde"}))
    elif damage == "other types":
        write_frame("t", "k", FRAME.astype({"value": "int64"}, errors="ignore")
                    .assign(value=[1, 2, 3]))
    elif damage == "other key inside":
        os.replace(write_frame("t", "k2", FRAME), path)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage in ("codes out of range", "extra array"):
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        if damage == "codes out of range":
            arrays["c0_codes"] = np.array([0, 1, 7], dtype=np.int32)
        else:
            arrays["c9"] = np.zeros(3)
        with open(path, "wb") as f:
            np.savez(f, **arrays)
    else:
        path.write_bytes(b"")
    assert read_frame("t", "k", SCHEMA) is None


def test_tampered_figures_in_a_shared_folder_are_not_used(root, tmp_path):
    """A folder writable by others is refused: nothing read from it, nothing written to it."""
    write_frame("t", "k", FRAME)
    os.chmod(root, 0o777)
    with pytest.warns(CacheWarning, match="schrijfbaar voor anderen"):
        assert read_frame("t", "k", SCHEMA) is None
    assert write_frame("t", "k2", FRAME) is None
    assert not (root / "t-k2.npz").exists()
    os.chmod(root, 0o770)  # group-writable is shared too
    cache._WARNED.clear()
    with pytest.warns(CacheWarning):
        assert cache_dir() is None


def test_folder_or_file_of_another_user_is_refused(root, monkeypatch):
    write_frame("t", "k", FRAME)
    real = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: real + 4242)
    with pytest.warns(CacheWarning, match="andere gebruiker"):
        assert read_frame("t", "k", SCHEMA) is None


def test_file_writable_by_others_or_a_symlink_is_refused(root, tmp_path):
    path = write_frame("t", "k", FRAME)
    os.chmod(path, 0o666)
    assert read_frame("t", "k", SCHEMA) is None
    os.chmod(path, 0o600)
    assert read_frame("t", "k", SCHEMA) is not None
    elsewhere = tmp_path / "elsewhere.npz"
    os.replace(path, elsewhere)
    path.symlink_to(elsewhere)
    assert read_frame("t", "k", SCHEMA) is None  # O_NOFOLLOW


def test_a_symlink_at_the_cache_name_never_redirects_the_write(root, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("important")
    root.mkdir(mode=0o700)
    (root / "t-k.npz").symlink_to(victim)
    for i in range(20):  # names like the old predictable temporary file
        (root / f"t-k.{i}.tmp").symlink_to(victim)
    path = write_frame("t", "k", FRAME)
    assert victim.read_text() == "important"
    assert not path.is_symlink() and read_frame("t", "k", SCHEMA) is not None


def test_full_disk_leaves_no_temporary_file(root, monkeypatch):
    root.mkdir(mode=0o700)

    def full(file, **arrays):
        file.write(b"PK\x03\x04 half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    assert write_frame("t", "k", FRAME) is None
    assert list(root.iterdir()) == []


def test_cache_folder_is_a_file(tmp_path, monkeypatch):
    target = tmp_path / "cachefile"
    target.write_text("x")
    monkeypatch.setenv("MKBA_CACHE", str(target))
    cache._WARNED.clear()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert write_frame("t", "k", FRAME) is None
    assert any("geen map" in str(w.message) for w in seen)


def test_names_cannot_leave_the_folder(root):
    with pytest.raises(ValueError):
        write_frame("../x", "k", FRAME)


def test_a_named_pipe_at_the_cache_name_does_not_hang(root):
    """Opening a FIFO for reading blocks until a writer comes; the cache opens without blocking
    and refuses what is not a regular file (before, `evaluate` hung here)."""
    import threading

    root.mkdir(mode=0o700)
    os.mkfifo(root / "t-k.npz", 0o600)
    result = {}
    reader = threading.Thread(target=lambda: result.setdefault(
        "frame", read_frame("t", "k", SCHEMA)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # unblock the thread that hangs in open(), then fail
        fd = os.open(root / "t-k.npz", os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        pytest.fail("read_frame blocked on a named pipe")
    assert result == {"frame": None}


def test_a_compressed_zip_bomb_is_refused_unread(root):
    """A 256 MB array deflated to a few hundred kB, with a valid header and meta: refused from
    the zip directory (our writer only stores), so nothing near its size is ever allocated."""
    import io
    import json
    import tracemalloc
    import zipfile

    root.mkdir(mode=0o700)
    meta = {"format": cache.FORMAT, "name": "t", "key": "k", "rows": 32 * 1024 * 1024,
            "columns": [{"name": "value", "dtype": "float64", "kind": "numeric"}]}
    path = root / "t-k.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.array(json.dumps(meta)))
        z.writestr("meta.npy", buf.getvalue())
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                      "shape": (32 * 1024 * 1024,)})
        with z.open("c0.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            zeros = bytes(8 * 1024 * 1024)
            for _ in range(32):
                member.write(zeros)
    os.chmod(path, 0o600)
    assert path.stat().st_size < 2_000_000
    tracemalloc.start()
    try:
        assert read_frame("t", "k", {"value": "float64"}) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


def test_a_symlinked_cache_folder_is_refused(tmp_path, monkeypatch):
    """The docs promise that a symlinked folder is not used (someone could point the cache at
    a folder they control); before, os.stat followed the link and used it."""
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "cache"
    link.symlink_to(real)
    monkeypatch.setenv("MKBA_CACHE", str(link))
    cache._WARNED.clear()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert cache_dir() is None
        assert write_frame("t", "k", FRAME) is None
    assert any("symbolische link" in str(w.message) for w in seen)
    assert list(real.iterdir()) == []
