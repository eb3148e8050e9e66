"""The runs table: which runs a runs directory holds (sweeps' and searches' included), their
columns, the text of each cell and the order, the same on the Runs screen and for `--runs`.

Plain strings only (no rich, no Textual), like formatting.py, so both front ends import it.
A sweep's runs live in `<output_dir>/sweep-*/`, a search's trials in `<output_dir>/search-*/`;
they are listed with the group's name so that the default order (newest first) keeps a group's
runs together.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_trainer.engine import (
    RUNNING,
    RunRecord,
    is_search_dir,
    is_sweep_dir,
    list_runs,
    load_summary,
    sweep_start_clock,
)
from tui_trainer.engine import short_run_name as short_name
from tui_trainer.formatting import MISSING, format_duration, format_loss, format_percent

DAMAGED = "damaged"
NAME_WIDTH = 26
NOTE_WIDTH = 30
STARTED_FORMAT = "%m-%d %H:%M:%S"  # to the second: two runs of one name started a minute apart differ


@dataclass
class RunRow:
    record: RunRecord
    sweep: str = ""  # the sweep's (or search's) directory name, "" for a single run
    sweep_index: int = 0  # 1-based point number inside the sweep (a search's: trial number + 1)
    sweep_params: str = ""  # e.g. "optimizer.lr=1e-3"
    group_started: float = 0.0  # newest start time in the row's sweep (its own for single runs)
    trial: int | None = None  # Optuna's trial number, for the runs of a search
    search_dir: str = ""  # the search directory, for the runs of a search

    @property
    def key(self) -> str:
        return str(self.record.path)


# ---- the text of the cells ----------------------------------------------------------------


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_epochs(record: RunRecord) -> str:
    if record.epochs_planned is None:
        return str(record.epochs)
    return f"{record.epochs}/{record.epochs_planned}"


def format_status(record: RunRecord) -> str:
    """ "damaged" for a run with something unreadable: the detail line says what and how it ended."""
    if record.status == RUNNING:
        return RUNNING
    return DAMAGED if record.problem else record.status


def format_sweep(row: RunRow) -> str:
    """Short enough for a narrow column: the sweep's start time and the point number (a
    search's start time and `t` with the trial number)."""
    if not row.sweep:
        return ""
    name = sweep_start_clock(row.sweep) or clip(row.sweep, 12)
    if row.search_dir:
        return f"{name} t{row.trial}" if row.trial is not None else name
    return f"{name} #{row.sweep_index}" if row.sweep_index else name


def format_started(started: float) -> str:
    return time.strftime(STARTED_FORMAT, time.localtime(started)) if started else MISSING


@dataclass(frozen=True)
class Column:
    key: str  # what it sorts on (`sort_value`) and the screen's column key
    title: str
    letter: str  # Shift+letter sorts by it on the Runs screen; a letter of the title
    descending: bool  # the natural direction: best or newest first
    cell: Callable[[RunRow], str]


COLUMNS = (
    Column("name", "name", "N", False, lambda row: clip(short_name(row.record.name), NAME_WIDTH)),
    Column("started", "started", "S", True, lambda row: format_started(row.record.started)),
    Column("status", "status", "U", False, lambda row: format_status(row.record)),
    Column(
        "best_val_accuracy",
        "best val acc",
        "A",
        True,
        lambda row: format_percent(row.record.best_val_accuracy),
    ),
    Column(
        "val_accuracy_at_best_loss",
        "acc @ best loss",
        "C",
        True,
        lambda row: format_percent(row.record.val_accuracy_at_best_loss),
    ),
    Column("best_val_loss", "best loss", "B", False, lambda row: format_loss(row.record.best_val_loss)),
    # After the numbers, so that at 80 columns both accuracies stay in view (the detail line names the sweep).
    Column("sweep", "sweep", "W", True, format_sweep),
    Column("epochs", "epochs", "E", True, lambda row: format_epochs(row.record)),
    Column("duration", "time", "I", False, lambda row: format_duration(row.record.duration)),
    Column("dataset", "dataset", "D", False, lambda row: row.record.dataset),
    Column("model", "model", "M", False, lambda row: row.record.model),
    Column("optimizer", "optim", "O", False, lambda row: row.record.optimizer),
    Column("lr", "lr", "L", False, lambda row: MISSING if row.record.lr is None else f"{row.record.lr:g}"),
    Column("note", "note", "T", False, lambda row: clip(row.record.note, NOTE_WIDTH)),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
DEFAULT_SORT = COLUMN_BY_KEY["started"]


def visible_columns(rows: list[RunRow]) -> list[Column]:
    """Every column, less the sweep column when no listed run belongs to a sweep or search."""
    has_groups = any(row.sweep for row in rows)
    return [column for column in COLUMNS if column.key != "sweep" or has_groups]


def row_cells(row: RunRow, columns: list[Column]) -> list[str]:
    return [column.cell(row) for column in columns]


def row_facts(row: RunRow) -> dict[str, Any]:
    """A run's values for `--runs --json`: numbers as numbers (fractions, seconds), times as ISO."""
    facts = row.record.as_row()
    record = row.record
    facts.update(
        name=short_name(record.name),
        dir=record.path.name,
        started=time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.started))
        if record.started
        else None,
        epochs_planned=record.epochs_planned,
        sweep=row.sweep or None,
        sweep_point=row.sweep_index or None,
        trial=row.trial,
        params=row.sweep_params or None,
        reason=record.reason,
        resumable=record.resumable,
        problem=record.problem,
    )
    return facts


# ---- which runs, in which order -------------------------------------------------------------


def collect_runs(root: str | Path) -> list[RunRow]:
    """Single runs directly under `root` and the runs of each `sweep-*` and `search-*` directory in it."""
    root = Path(root).expanduser()
    rows = [RunRow(record) for record in list_runs(root)]
    try:
        group_dirs = [p for p in root.iterdir() if is_sweep_dir(p) or is_search_dir(p)]
    except OSError:
        group_dirs = []
    for group_dir in group_dirs:
        for record in list_runs(group_dir):
            if is_search_dir(group_dir):
                rows.append(_search_row(record, group_dir))
            else:
                rows.append(_sweep_row(record, group_dir.name))
    for row in rows:
        row.group_started = row.record.started
    groups: dict[str, float] = {}
    for row in rows:
        if row.sweep:
            groups[row.sweep] = max(groups.get(row.sweep, 0.0), row.record.started)
    for row in rows:
        if row.sweep:
            row.group_started = groups[row.sweep]
    return sort_rows(rows, DEFAULT_SORT, descending=True)


def _sweep_row(record: RunRecord, sweep_dir_name: str) -> RunRow:
    row = RunRow(record, sweep=sweep_dir_name)
    summary = load_summary(record.path) or {}
    entry = summary.get("sweep")
    if isinstance(entry, dict):
        if isinstance(entry.get("name"), str):
            row.sweep = entry["name"]
        index = entry.get("index")
        if isinstance(index, int) and not isinstance(index, bool):
            row.sweep_index = index
        params = entry.get("params")
        if isinstance(params, dict):
            row.sweep_params = " ".join(f"{k}={v}" for k, v in params.items())
    return row


def _search_row(record: RunRecord, search_dir: Path) -> RunRow:
    row = RunRow(record, sweep=search_dir.name, search_dir=str(search_dir))
    summary = load_summary(record.path) or {}
    entry = summary.get("search")
    if isinstance(entry, dict):
        index = entry.get("index")
        if isinstance(index, int) and not isinstance(index, bool):
            row.trial, row.sweep_index = index, index + 1
        params = entry.get("params")
        if isinstance(params, dict):
            row.sweep_params = " ".join(f"{k}={v}" for k, v in params.items())
    return row


def sort_value(row: RunRow, key: str):
    """The value a column sorts on; None sorts last in either direction."""
    record = row.record
    if key == "started":
        # A sweep sorts as one block at its newest run; inside it, by its runs' own start times.
        return (row.group_started, row.sweep, record.started, row.sweep_index)
    if key == "sweep":
        return (row.sweep, -row.sweep_index) if row.sweep else None
    if key == "name":
        return short_name(record.name).lower()
    if key == "note":
        return record.note.lower() or None
    value = getattr(record, key)
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def sort_rows(rows: list[RunRow], column: Column, descending: bool) -> list[RunRow]:
    present = [r for r in rows if sort_value(r, column.key) is not None]
    missing = [r for r in rows if sort_value(r, column.key) is None]
    present.sort(key=lambda r: sort_value(r, column.key), reverse=descending)
    return present + missing
