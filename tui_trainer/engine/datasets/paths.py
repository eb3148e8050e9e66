"""Where data lives: the download cache and how a user-given `csv:` / `folder:` path is found."""

from __future__ import annotations

import os
from pathlib import Path

from tui_trainer.engine.config import DatasetConfig


def default_data_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tui-trainer"


def data_dir(cfg: DatasetConfig) -> Path:
    return Path(cfg.data_dir).expanduser() if cfg.data_dir else default_data_dir()


def resolve_path(cfg: DatasetConfig, path: str) -> Path:
    """A user-given file or folder: as written (relative to the working directory), else
    relative to the data directory, so `--data-dir` also serves `csv:` and `folder:` names."""
    given = Path(path.strip()).expanduser()
    if given.is_absolute() or given.exists():
        return given
    in_data_dir = data_dir(cfg) / given
    return in_data_dir if in_data_dir.exists() else given


def dataset_files_signature(cfg: DatasetConfig) -> tuple[tuple[int, int], ...]:
    """What changes when the file behind a `csv:` or `folder:` name is edited on disk: the file's
    modification time and size, or a folder's and each class folder's (adding, removing or
    replacing an image changes them). Empty for other datasets and for paths that do not exist."""
    prefix, _, path = cfg.name.partition(":")
    if prefix not in ("csv", "folder") or not path.strip():
        return ()
    root = resolve_path(cfg, path)
    try:
        places = [root]
        if prefix == "folder" and root.is_dir():
            places += sorted(entry for entry in root.iterdir() if entry.is_dir())
        return tuple((place.stat().st_mtime_ns, place.stat().st_size) for place in places)
    except OSError:
        return ()
