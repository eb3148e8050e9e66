"""Writing a run directory (and a sweep's): creating it under a free name, then each of its files
atomically. The names and what each file holds are `layout`'s."""

from __future__ import annotations

import errno
import functools
import importlib.metadata
import json
import os
import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.rundir.atomic import atomic_write, atomic_write_text
from tui_trainer.engine.rundir.layout import (
    CONFIG_FILE,
    METRICS_FILE,
    MODEL_FILE,
    MODEL_STATS_FILE,
    PREPROCESSING_FILE,
    SUMMARY_FILE,
    SWEEP_PREFIX,
    TEMP_FILE_GLOB,
    run_dir_names,
    sweep_dir_names,
    timestamp,
)
from tui_trainer.engine.rundir.lock import RunLock

if TYPE_CHECKING:
    from tui_trainer.engine.preprocessing import Preprocessing


def default_run_name(config: TrainConfig) -> str:
    return f"{config.dataset.name}-{config.model.architecture('-')}-{config.optimizer.name}"


class RunDirectory:
    """Files of one run under `<output_dir>/<timestamp>-<name>/`, each written atomically."""

    def __init__(self, path: Path, lock: RunLock | None = None):
        self.path = Path(path)
        self.metrics: list[dict[str, Any]] = []
        self.lock = lock
        self._metrics_file: Any = None  # metrics.jsonl open for appending, from the first epoch
        self._metrics_synced = True  # no line appended since the last fsync
        self._stats_file: Any = None  # model_stats.jsonl, likewise

    def close(self) -> None:
        """metrics.jsonl made durable, then the lock given up: another process may resume from now on."""
        if self._metrics_file is not None:
            try:
                self.sync_metrics()
            finally:
                self._metrics_file.close()
                self._metrics_file = None
        if self._stats_file is not None:
            self._stats_file.close()
            self._stats_file = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    @classmethod
    def create(cls, config: TrainConfig) -> RunDirectory:
        root = Path(config.train.output_dir).expanduser()
        name = config.train.run_name or default_run_name(config)
        try:
            root.mkdir(parents=True, exist_ok=True)
            for dir_name in run_dir_names(name, timestamp()):
                path = root / dir_name
                try:
                    path.mkdir()
                except FileExistsError:
                    continue
                return cls(path, RunLock.acquire(path))
        except OSError as exc:
            raise OSError(f"cannot create run directory under {root}: {exc.strerror or exc}") from None
        raise OSError(f"cannot create a unique run directory under {root}")

    @classmethod
    def open(cls, path: str | Path, records: list[dict[str, Any]]) -> RunDirectory:
        """An existing run directory being resumed; `records` are the epochs its checkpoint holds,
        so metrics of an epoch finished after that checkpoint are replaced, never duplicated."""
        path = Path(path)
        # Taken before anything is touched: the temp files below may be another process's
        # writes in flight, and a run trained by two processes would interleave its epochs.
        try:
            lock = RunLock.acquire(path)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        run_dir = cls(path, lock)
        run_dir.metrics = [dict(r) for r in records]
        for leftover in run_dir.path.glob(TEMP_FILE_GLOB):  # temp files of a write killed midway
            leftover.unlink(missing_ok=True)
        # Lines past the checkpoint (epochs a kill -9 lost from last.pt) go, once, before appending.
        text = "".join(json.dumps(r) + "\n" for r in run_dir.metrics)
        atomic_write_text(run_dir.path / METRICS_FILE, text)
        _drop_model_stats_after(run_dir.path / MODEL_STATS_FILE, len(run_dir.metrics))
        return run_dir

    def write_config(self, config: TrainConfig, preprocessing: Preprocessing | None = None) -> None:
        """config.toml, and preprocessing.json when the data describes its preprocessing (data
        handed to the trainer ready-made may not)."""
        config.save(self.path / CONFIG_FILE)
        if preprocessing is not None:
            atomic_write_text(self.path / PREPROCESSING_FILE, preprocessing.to_json())

    def append_metrics(self, record: dict[str, Any]) -> None:
        # One line appended and flushed: a kill -9 keeps it (it is in the kernel's cache), a
        # power cut may lose the lines since the last `sync_metrics`. A single write() of a whole
        # line never leaves half of it after a kill; readers skip a torn line after a power cut.
        self.metrics.append(record)
        if self._metrics_file is None:
            self._metrics_file = open(self.path / METRICS_FILE, "a", encoding="utf-8")  # noqa: SIM115
        self._metrics_file.write(json.dumps(record) + "\n")
        self._metrics_file.flush()
        self._metrics_synced = False

    def append_model_stats(self, record: dict[str, Any]) -> None:
        # Appended and flushed like metrics.jsonl, but never fsynced: the statistics describe the
        # run; nothing resumes from them.
        if self._stats_file is None:
            self._stats_file = open(self.path / MODEL_STATS_FILE, "a", encoding="utf-8")  # noqa: SIM115
        self._stats_file.write(json.dumps(record) + "\n")
        self._stats_file.flush()

    def sync_metrics(self) -> None:
        """metrics.jsonl on disk up to the newest line (called with each checkpoint write and at the end)."""
        if self._metrics_file is not None and not self._metrics_synced:
            self._metrics_file.flush()
            os.fsync(self._metrics_file.fileno())
            self._metrics_synced = True

    def write_summary(self, summary: dict[str, Any]) -> None:
        atomic_write_text(self.path / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")

    def save_model(
        self,
        model: torch.nn.Module,
        config: TrainConfig,
        meta_dict: dict[str, Any],
        normalizer: dict[str, torch.Tensor] | None = None,
    ) -> None:
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        payload = {"state_dict": state, "config": config.to_dict(), "meta": meta_dict}
        if normalizer is not None:
            payload["normalizer"] = normalizer
        atomic_write(self.path / MODEL_FILE, lambda handle: torch.save(payload, handle))


def _drop_model_stats_after(path: Path, epochs: int) -> None:
    """Keep the statistics of the first `epochs` epochs only: a resume trains the later ones again
    (and a stopped run's last line described an unfinished epoch)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return
    kept = []
    for line in lines:
        try:
            epoch = json.loads(line)["epoch"]
        except (ValueError, KeyError, TypeError):
            continue  # a line torn by a power cut
        if isinstance(epoch, int) and epoch <= epochs:
            kept.append(line)
    if len(kept) != len(lines):
        atomic_write_text(path, "".join(line + "\n" for line in kept))


@functools.cache
def _environment() -> tuple[tuple[str, str], ...]:
    # Reading installed packages' metadata takes milliseconds a package; it does not change while
    # the process runs (a sweep or search trains many runs in one).
    info = {"python": platform.python_version(), "torch": torch.__version__}
    for package in ("tui-trainer", "torchvision", "numpy"):
        try:
            info[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            info[package] = "not installed"
    info["platform"] = platform.platform()
    return tuple(info.items())


def environment_info() -> dict[str, str]:
    """Versions for summary.json, from the installed metadata (importing torchvision just for its
    version would cost a second)."""
    return dict(_environment())


def create_sweep_dir(root: Path, prefix: str = SWEEP_PREFIX) -> Path:
    """A new, empty `sweep-<timestamp>` directory under `root` (made if missing); with
    SEARCH_PREFIX, a `search-<timestamp>` one."""
    root.mkdir(parents=True, exist_ok=True)
    for dir_name in sweep_dir_names(timestamp(), prefix):
        path = root / dir_name
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise OSError(f"cannot create a unique {prefix.rstrip('-')} directory under {root}")


def describe_write_error(exc: OSError) -> str:
    """One line for a failed save, with the fix for the common causes."""
    if exc.errno is None:  # already a composed message, e.g. from RunDirectory.create
        return " ".join(str(exc).split())
    where = f" {exc.filename}" if exc.filename else ""
    text = exc.strerror or " ".join(str(exc).split())
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"disk full while saving{where}: {text} — free space or set train.output_dir elsewhere"
    if exc.errno == errno.ENOENT and exc.filename and not Path(exc.filename).parent.is_dir():
        folder = Path(exc.filename).parent
        return (
            f"the folder {folder} was deleted while saving {Path(exc.filename).name}; "
            "the run stopped — start it again"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write{where}: {text} — make it writable or set train.output_dir elsewhere"
    return f"file error{where}: {text}"
