"""Past runs in a runs directory: one row per run, plus its curves and config on demand.

Everything here tolerates half-written or damaged directories (a run still going, a killed one,
a file edited by hand): a row is always returned, with `problem` saying what could not be read.
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.rundir.layout import (
    CONFIG_FILE,
    LAST_CHECKPOINT,
    METRICS_FILE,
    NOTE_FILE,
    SEARCH_MANIFEST_FILE,
    SUMMARY_FILE,
)
from tui_trainer.engine.rundir.lock import holder
from tui_trainer.engine.setting_changes import SettingChange, is_change_record

# Shown for runs without summary.json: still training, or killed before it finished.
INCOMPLETE = "incomplete"
# A run whose directory lock is held (`rundir.lock`): it is training right now.
RUNNING = "running"
MAX_NOTE_LENGTH = 200


@dataclass
class RunRecord:
    path: Path
    name: str
    dataset: str = "?"
    model: str = "?"  # e.g. "64x32 relu"
    optimizer: str = "?"
    lr: float | None = None
    epochs: int = 0  # epochs finished
    epochs_planned: int | None = None
    best_val_accuracy: float | None = None  # the highest validation accuracy of any epoch
    val_accuracy_at_best_loss: float | None = None  # the accuracy of the lowest-val-loss epoch
    best_val_loss: float | None = None
    duration: float | None = None  # wall seconds of the latest session, None when unknown
    status: str = INCOMPLETE  # completed, early_stopped, stopped, failed, incomplete, running
    reason: str = ""
    started: float = 0.0  # unix time, for sorting
    resumable: bool = False  # last.pt exists (finished runs resume with a higher train.epochs)
    problem: str | None = None  # what could not be read, one line
    note: str = ""  # a person's one-line note (note.txt)

    def as_row(self) -> dict[str, Any]:
        """Plain values for a table: the same keys the Runs screen sorts on."""
        return {
            "name": self.name,
            "dataset": self.dataset,
            "model": self.model,
            "optimizer": self.optimizer,
            "lr": self.lr,
            "epochs": self.epochs,
            "best_val_accuracy": self.best_val_accuracy,
            "val_accuracy_at_best_loss": self.val_accuracy_at_best_loss,
            "best_val_loss": self.best_val_loss,
            "duration": self.duration,
            "status": self.status,
            "path": str(self.path),
            "note": self.note,
        }


@dataclass
class RunCurves:
    """Per-epoch series from metrics.jsonl (1-based epochs); missing values are None."""

    epochs: list[int] = field(default_factory=list)
    train_loss: list[float | None] = field(default_factory=list)
    val_loss: list[float | None] = field(default_factory=list)
    train_accuracy: list[float | None] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)
    lr: list[float | None] = field(default_factory=list)
    val_r2: list[float | None] = field(default_factory=list)  # regression runs
    # Settings changed part-way (their own lines in metrics.jsonl), in order: markers on a plot.
    changes: list[SettingChange] = field(default_factory=list)
    skipped_lines: int = 0

    def series(self, key: str) -> list[float | None]:
        return getattr(self, key)


@dataclass
class SearchTrial:
    number: int
    status: str  # completed, early_stopped, pruned, failed, running, stopped, interrupted
    value: float | None  # the objective (best validation loss; a pruned trial's last one)


@dataclass
class SearchRecord:
    """A search as its search.json tells it, for the Runs screen."""

    path: Path
    name: str
    trials_asked: int | None = None
    trials: list[SearchTrial] = field(default_factory=list)
    best_number: int | None = None
    best_value: float | None = None
    importance: list[tuple[str, float]] = field(default_factory=list)  # largest first; [] until the end
    problem: str | None = None  # what could not be read, one line


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and any((path / f).exists() for f in (CONFIG_FILE, METRICS_FILE, SUMMARY_FILE))


def list_runs(root: str | Path) -> list[RunRecord]:
    """Every run directory directly under `root`, newest first. A missing root gives []."""
    root = Path(root).expanduser()
    try:
        children = list(root.iterdir())
    except OSError:
        return []
    records = [record for child in children if (record := _read_run_safely(child)) is not None]
    records.sort(key=lambda r: (r.started, r.name), reverse=True)
    return records


def _read_run_safely(path: Path) -> RunRecord | None:
    """One directory's row, or None when it is no run; never raises, so one damaged run cannot
    hide the others (read_run already turns every known kind of damage into `problem`)."""
    try:
        return read_run(path) if is_run_dir(path) else None
    except Exception as exc:  # noqa: BLE001 — an unforeseen damage still gets its own row
        reason = " ".join(str(exc).split())[:80] or type(exc).__name__
        return RunRecord(path=path, name=path.name, problem=f"cannot read this run: {reason}")


def read_run(path: str | Path) -> RunRecord:
    path = Path(path)
    record = RunRecord(path=path, name=path.name)
    problems: list[str] = []
    with contextlib.suppress(OSError):
        record.started = path.stat().st_mtime
    config = _read_config(path, problems)
    if config is not None:
        record.dataset = config.dataset.name
        record.model = f"{config.model.architecture()} {config.model.activation}"
        record.optimizer = config.optimizer.name
        record.lr = config.optimizer.lr
        record.epochs_planned = config.train.epochs
    curves = load_curves(path)
    if curves.skipped_lines:
        problems.append(f"{curves.skipped_lines} unreadable line(s) in {METRICS_FILE}")
    record.epochs = len(curves.epochs)
    _best_from_curves(record, curves)
    summary = _read_json(path / SUMMARY_FILE, problems)
    if summary is not None:
        _apply_summary(record, summary, problems)
    record.resumable = (path / LAST_CHECKPOINT).exists()
    record.note = read_note(path)
    record.problem = "; ".join(problems) or None
    pid = holder(path)
    if pid is not None:  # trained now, here or by another process: not incomplete, not resumable
        record.status, record.resumable = RUNNING, False
        record.reason = f"being trained by process {pid}" if pid > 0 else "being trained"
    return record


def load_curves(path: str | Path) -> RunCurves:
    """The metrics of a run (directory or metrics.jsonl), skipping lines that do not parse."""
    path = Path(path)
    if path.is_dir():
        path = path / METRICS_FILE
    curves = RunCurves()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return curves
    by_epoch: dict[int, dict[str, Any]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if isinstance(row, dict) and is_change_record(row):
                curves.changes.append(SettingChange.from_record(row))
                continue
            epoch = int(row["epoch"])
        # RecursionError: deeply nested brackets; OverflowError: an infinite epoch number.
        except (ValueError, KeyError, TypeError, RecursionError, OverflowError):
            curves.skipped_lines += 1
            continue
        by_epoch[epoch] = row  # a repeated epoch (from a resume) keeps its newest values
    for epoch in sorted(by_epoch):
        row = by_epoch[epoch]
        curves.epochs.append(epoch)
        for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr", "val_r2"):
            curves.series(key).append(_number(row.get(key)))
    return curves


def load_run_config(path: str | Path) -> TrainConfig:
    """The config a run used, to load back into the setup panels; ConfigError if unreadable."""
    path = Path(path)
    if path.is_dir():
        path = path / CONFIG_FILE
    return TrainConfig.load(path)


def clean_note(text: str) -> str:
    """One line of printable text: newlines and control characters become spaces, at most
    MAX_NOTE_LENGTH characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(printable.split())[:MAX_NOTE_LENGTH]


def read_note(path: str | Path) -> str:
    """The run's note, "" when it has none or the file cannot be read."""
    try:
        with open(Path(path) / NOTE_FILE, "rb") as handle:
            raw = handle.read(MAX_NOTE_LENGTH * 4)
    except OSError:
        return ""
    return clean_note(raw.decode("utf-8", errors="replace"))


def load_summary(path: str | Path) -> dict[str, Any] | None:
    return _read_json(Path(path) / SUMMARY_FILE, [])


def load_search(path: str | Path) -> SearchRecord:
    """A search directory's search.json; never raises: `problem` says what could not be read."""
    path = Path(path)
    record = SearchRecord(path=path, name=path.name)
    problems: list[str] = []
    manifest = _read_json(path / SEARCH_MANIFEST_FILE, problems)
    if manifest is None:
        record.problem = "; ".join(problems) or f"no {SEARCH_MANIFEST_FILE}"
        return record
    asked = manifest.get("trials_asked")
    record.trials_asked = asked if isinstance(asked, int) and not isinstance(asked, bool) else None
    trials = manifest.get("trials")
    for entry in trials if isinstance(trials, list) else []:
        number = entry.get("number") if isinstance(entry, dict) else None
        if isinstance(number, int) and not isinstance(number, bool):
            status = entry.get("status")
            record.trials.append(SearchTrial(number, str(status), _number(entry.get("value"))))
    best = manifest.get("best")
    if isinstance(best, dict) and isinstance(best.get("number"), int):
        record.best_number, record.best_value = best["number"], _number(best.get("value"))
    importance = manifest.get("importance")
    if isinstance(importance, dict):
        numbers = {str(key): _number(value) for key, value in importance.items()}
        pairs = [(key, value) for key, value in numbers.items() if value is not None]
        record.importance = sorted(pairs, key=lambda pair: -pair[1])
    return record


# ---- helpers ----------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except OverflowError:  # an integer beyond float range
        return None
    return value if math.isfinite(value) else None


def _read_config(path: Path, problems: list[str]) -> TrainConfig | None:
    if not (path / CONFIG_FILE).exists():
        problems.append(f"no {CONFIG_FILE}")
        return None
    try:
        return load_run_config(path)
    except ConfigError as exc:
        # The row already shows the directory: name only the file.
        problems.append(str(exc).replace(str(path / CONFIG_FILE), CONFIG_FILE))
        return None


def _read_json(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except RecursionError:
        problems.append(f"{path.name} unreadable: nested too deeply")
        return None
    except (OSError, ValueError) as exc:
        problems.append(f"{path.name} unreadable: {' '.join(str(exc).split())[:80]}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name} is not a JSON object")
        return None
    return data


def _best_from_curves(record: RunRecord, curves: RunCurves) -> None:
    pairs = [(loss, i) for i, loss in enumerate(curves.val_loss) if loss is not None]
    if pairs:
        loss, i = min(pairs)
        record.best_val_loss = loss
        record.val_accuracy_at_best_loss = curves.val_accuracy[i]
    accuracies = [a for a in curves.val_accuracy if a is not None]
    record.best_val_accuracy = max(accuracies) if accuracies else None


def _apply_summary(record: RunRecord, summary: dict[str, Any], problems: list[str]) -> None:
    status = summary.get("status")
    if isinstance(status, str):
        record.status = status
    reason = summary.get("reason")
    record.reason = reason if isinstance(reason, str) else ""
    wall = _number(summary.get("wall_seconds"))
    record.duration = wall
    best = summary.get("best")
    if isinstance(best, dict):
        record.best_val_loss = _number(best.get("val_loss")) or record.best_val_loss
        accuracy = _number(best.get("val_accuracy"))  # the best-loss epoch's, as summary.json says
        if accuracy is not None:
            record.val_accuracy_at_best_loss = accuracy
            # No epoch's accuracy is below it: it stands in when metrics.jsonl has none.
            known = [a for a in (record.best_val_accuracy, accuracy) if a is not None]
            record.best_val_accuracy = max(known)
    done = summary.get("epochs_done")
    if isinstance(done, int) and not isinstance(done, bool) and done > record.epochs:
        record.epochs = done
    started = summary.get("started_at")
    if isinstance(started, str):
        try:
            record.started = time.mktime(time.strptime(started, "%Y-%m-%dT%H:%M:%S"))
        except ValueError:
            problems.append(f"{SUMMARY_FILE} has a bad started_at")
