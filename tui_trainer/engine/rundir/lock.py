"""One process trains a run directory at a time: an advisory lock file holding the owner's pid.

The lock is a `flock` on `<run dir>/.lock`, so the kernel releases it when its process ends in any
way (exit, crash, kill -9): a lock left by a dead process is stale by construction and the next
resume takes it. flock locks belong to an open file, so a second open in the same process (the
app's Runs screen while its own worker trains) sees the run as taken too. Where `fcntl` does not
exist, the pid written in the file is checked for a live process instead.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from tui_trainer.engine.config import ConfigError
from tui_trainer.engine.rundir.layout import LOCK_FILE

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


class RunInUse(ConfigError):
    """The run directory is being trained by another process (or another run in this one)."""


def in_use_message(directory: Path, pid: int | None) -> str:
    owner = f"process {pid}" if pid else "another process"
    return f"run {directory} is being trained by {owner}; wait for it to finish or stop it first"


class RunLock:
    """The held lock of one run directory; `release()` (or the process ending) gives it up."""

    def __init__(self, directory: Path, fd: int):
        self.directory = directory
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, directory: str | Path) -> RunLock:
        directory = Path(directory)
        path = directory / LOCK_FILE
        for _attempt in range(20):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                if not _try_lock(fd):
                    raise RunInUse(in_use_message(directory, _read_pid(path)))
                # A releasing owner unlinks the file: if ours is no longer the file at `path`,
                # the lock guards nothing and we try again on the new file.
                if os.fstat(fd).st_ino != _inode(path):
                    os.close(fd)
                    continue
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                return cls(directory, fd)
            except BaseException:
                if fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(fd)
                raise
        raise RunInUse(in_use_message(directory, _read_pid(path)))  # pragma: no cover

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        # OSError: the directory is gone or read-only; the lock ends with the file's last close.
        with contextlib.suppress(OSError):
            os.unlink(self.directory / LOCK_FILE)
        os.close(fd)


def holder(directory: str | Path) -> int | None:
    """The pid training `directory` now (this process's own pid for a run it trains), else None."""
    path = Path(directory) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        if fcntl is None:  # pragma: no cover - not POSIX
            pid = _read_pid(path)
            return pid if pid and _alive(pid) else None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return _read_pid(path) or -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def check_not_in_use(directory: str | Path) -> None:
    pid = holder(directory)
    if pid is not None:
        raise RunInUse(in_use_message(Path(directory), pid if pid > 0 else None))


def _try_lock(fd: int) -> bool:
    if fcntl is None:  # pragma: no cover - not POSIX
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _alive(pid: int) -> bool:  # pragma: no cover - not POSIX
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
