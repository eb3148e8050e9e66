"""What a run directory and a sweep directory hold, and how they are named: the one place that
spells a file name. Torch-free and standard library only: `--help` and the Runs screen import it.

A run directory, `<output_dir>/<YYYYmmdd-HHMMSS>-<name>[-N]/`:
config.toml (the config as run), preprocessing.json (how raw inputs become model inputs, learned
from the training split), metrics.jsonl (a line per finished epoch), model_stats.jsonl (a
line per collection of the model's statistics, `engine.model_stats`), summary.json (written
when the run ends), model.pt (the weights when it ended), last.pt and best.pt (full training state,
see `engine.checkpoint`), `.lock` while a process trains it, `tensorboard/` when asked for,
the exports (model.onnx, model-best.torchscript.pt...), and note.txt once a note is added.

A sweep directory, `<output_dir>/sweep-<YYYYmmdd-HHMMSS>[-N]/`: the points' run directories,
points/ (each point's config), logs/ (output of parallel points), sweep.json and sweep.csv.

A search directory, `<output_dir>/search-<YYYYmmdd-HHMMSS>[-N]/`: the trials' run directories,
logs/ (each trial's output), base.toml (the config searched from), optuna.db (Optuna's SQLite
storage), search.json (the space, the trials, the parameter importances), search.csv and best.toml.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

CONFIG_FILE = "config.toml"
PREPROCESSING_FILE = "preprocessing.json"
METRICS_FILE = "metrics.jsonl"
MODEL_STATS_FILE = "model_stats.jsonl"
SUMMARY_FILE = "summary.json"
MODEL_FILE = "model.pt"
LAST_CHECKPOINT = "last.pt"
BEST_CHECKPOINT = "best.pt"
LOCK_FILE = ".lock"
# A person's one-line note on a run, written from the Runs screen (`n`).
NOTE_FILE = "note.txt"
TENSORBOARD_DIR = "tensorboard"
# What a write killed midway leaves behind (`atomic.atomic_write`'s temp files); a resume removes them.
TEMP_FILE_GLOB = ".*.tmp"

SWEEP_PREFIX = "sweep-"
SWEEP_MANIFEST_FILE = "sweep.json"
SWEEP_TABLE_FILE = "sweep.csv"
SWEEP_POINTS_DIR = "points"
SWEEP_LOGS_DIR = "logs"

SEARCH_PREFIX = "search-"
SEARCH_MANIFEST_FILE = "search.json"
SEARCH_TABLE_FILE = "search.csv"
SEARCH_STORAGE_FILE = "optuna.db"
SEARCH_BASE_CONFIG = "base.toml"
SEARCH_BEST_CONFIG = "best.toml"
SEARCH_LOGS_DIR = "logs"
# Held while a search process takes its next trial, so parallel workers never overshoot the count.
SEARCH_CLAIM_LOCK = ".claim.lock"

TIMESTAMP_FORMAT = "%Y%m%d-%H%M%S"
_TIMESTAMP_PREFIX = re.compile(r"^\d{8}-\d{6}-")
_GROUP_NAME = re.compile(r"^(?:sweep|search)-\d{8}-(\d\d)(\d\d)(\d\d)")

# Which weights file each choice reads ("model" is accepted as another word for "final").
WEIGHT_FILES = {"final": MODEL_FILE, "model": MODEL_FILE, "last": LAST_CHECKPOINT, "best": BEST_CHECKPOINT}
WEIGHT_CHOICES = ("final", "best", "last")
# Export format -> the file name's ending; `--export` offers these.
EXPORT_SUFFIXES = {"torchscript": ".torchscript.pt", "onnx": ".onnx"}
EXPORT_FORMATS = tuple(EXPORT_SUFFIXES)


def timestamp(when: float | None = None) -> str:
    return time.strftime(TIMESTAMP_FORMAT, time.localtime(when))


def slug(text: str) -> str:
    """`text` as a safe directory name part: letters, digits, `_`, `.`, `-`; at most 60 characters."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:60] or "run"


def run_dir_names(name: str, stamp: str) -> Iterator[str]:
    """The names a run called `name` started at `stamp` tries, in order, until one is free."""
    return _numbered(f"{stamp}-{slug(name)}")


def sweep_dir_names(stamp: str, prefix: str = SWEEP_PREFIX) -> Iterator[str]:
    """The names a sweep (or, with SEARCH_PREFIX, a search) started at `stamp` tries, in order."""
    return _numbered(f"{prefix}{stamp}")


def _numbered(base: str) -> Iterator[str]:
    yield base
    for attempt in range(2, 1000):
        yield f"{base}-{attempt}"


def find_run_dir(parent: Path, name: str) -> Path | None:
    """The (first) run directory under `parent` of the run called `name`, whatever its timestamp."""
    return next((p for p in sorted(parent.glob(f"*-{slug(name)}")) if p.is_dir()), None)


def short_run_name(dir_name: str) -> str:
    """A run directory's name without its timestamp prefix."""
    return _TIMESTAMP_PREFIX.sub("", dir_name) or dir_name


def is_sweep_dir(path: Path) -> bool:
    return path.is_dir() and path.name.startswith(SWEEP_PREFIX)


def is_search_dir(path: Path) -> bool:
    return path.is_dir() and path.name.startswith(SEARCH_PREFIX)


def sweep_start_clock(dir_name: str) -> str | None:
    """`HH:MM:SS` a sweep's (or search's) directory name says it started at, or None for another name."""
    match = _GROUP_NAME.match(dir_name)
    return f"{match[1]}:{match[2]}:{match[3]}" if match else None


def weights_path(path: str | Path, which: str = "final") -> Path:
    """The weights file of a run: `path` itself when a file, else the run directory's
    model.pt ("final"), last.pt ("last") or best.pt ("best")."""
    path = Path(path).expanduser()
    if not path.is_dir():
        return path
    if which not in WEIGHT_FILES:
        raise ValueError(f"unknown weights {which!r}; valid: {', '.join(WEIGHT_CHOICES)}")
    return path / WEIGHT_FILES[which]


def export_file_name(fmt: str, weights: str = "final") -> str:
    """model.onnx, model-best.torchscript.pt...: where an export of `weights` in `fmt` goes."""
    stem = "model" if weights == "final" else f"model-{weights}"
    return stem + EXPORT_SUFFIXES[fmt]
