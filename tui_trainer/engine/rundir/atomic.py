"""Crash-safe file writes: a reader sees the old file or the new one, never a torn one."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def _read_umask() -> int:
    mask = os.umask(0)  # the only way to read it; set straight back
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through `write(fileobj)` to a temp file beside `path`, fsync, then rename over it.

    The folder must exist: a run directory deleted while its run trains is reported, not
    silently rebuilt without its config. Every failure is an OSError naming `path` itself, never
    the hidden temp file."""
    path = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _naming(exc, path) from exc
    try:
        # mkstemp makes the file private (0600); give it the mode open() would have, so a shared
        # runs directory or a TensorBoard server run by someone else can read it.
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            try:
                write(handle)
            except RuntimeError as exc:
                # torch.save's zip writer reports a failed write (a full disk) as RuntimeError.
                if not _is_stream_write_failure(exc):
                    raise
                code = errno.ENOSPC if _disk_full(path.parent) else errno.EIO
                raise OSError(code, os.strerror(code), str(path)) from exc
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            raise _naming(exc, path) from exc
        raise
    fsync_dir(path.parent)


def _naming(exc: OSError, path: Path) -> OSError:
    """The same error, naming the file the user knows (not the temp file, or nothing)."""
    if exc.errno is None or exc.filename == str(path):
        return exc
    return OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(path))


def _is_stream_write_failure(exc: RuntimeError) -> bool:
    text = str(exc)
    return any(
        mark in text
        for mark in ("PytorchStreamWriter", "inline_container", "unexpected pos", "file write failed")
    )


def _disk_full(directory: Path) -> bool:
    try:
        stats = os.statvfs(directory)
    except OSError:
        return False
    # A write of a few KB failed: a disk with less than 1 MiB left is the likely cause.
    return stats.f_bavail * stats.f_frsize < 1 << 20


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk too.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def link_over(source: Path, target: Path) -> None:
    """`target` replaced atomically by a hard link to `source` (the same bytes, already fsynced):
    last.pt when it holds the best epoch, without serialising and syncing it a second time. Each
    name is later replaced by a rename, so the other keeps its content."""
    temp = target.with_name(f".{target.name}.link.tmp")  # removed by RunDirectory.open if left
    try:
        temp.unlink(missing_ok=True)
        os.link(source, temp)
        os.replace(temp, target)
    except OSError:  # a file system without hard links: write it out
        temp.unlink(missing_ok=True)
        data = source.read_bytes()

        def write(handle: BinaryIO) -> None:
            handle.write(data)

        atomic_write(target, write)
        return
    fsync_dir(target.parent)
