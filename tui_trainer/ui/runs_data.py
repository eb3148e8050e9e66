"""What the Runs screen lists: every run under the runs directory, sweeps and searches included,
sortable.

Torch-free and widget-free, so the rows, their order and their text can be tested on their own.
A sweep's runs live in `<output_dir>/sweep-*/`, a search's trials in `<output_dir>/search-*/`;
they are listed with the group's name so that the default order (newest first) keeps a group's
runs together.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

from tui_trainer.engine import (
    RUNNING,
    RunRecord,
    SearchRecord,
    is_search_dir,
    is_sweep_dir,
    list_runs,
    load_summary,
    sweep_start_clock,
)
from tui_trainer.engine import short_run_name as short_name
from tui_trainer.formatting import format_duration, format_loss, format_number, format_percent

DAMAGED = "damaged"
NAME_WIDTH = 26


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


@dataclass(frozen=True)
class SortColumn:
    key: str
    title: str
    descending: bool  # the natural direction: best or newest first


SORT_COLUMNS = (
    SortColumn("started", "newest", True),
    SortColumn("name", "name", False),
    SortColumn("status", "status", False),
    SortColumn("dataset", "dataset", False),
    SortColumn("model", "model", False),
    SortColumn("optimizer", "optimizer", False),
    SortColumn("lr", "lr", False),
    SortColumn("epochs", "epochs", True),
    SortColumn("best_val_accuracy", "best val acc", True),
    SortColumn("best_val_loss", "best val loss", False),
    SortColumn("duration", "duration", False),
    SortColumn("sweep", "sweep", True),
)


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
    return sort_rows(rows, SORT_COLUMNS[0], descending=True)


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
        # A sweep sorts as one block at its newest run; inside it, by point number.
        return (row.group_started, row.sweep, -row.sweep_index, record.started)
    if key == "sweep":
        return (row.sweep, -row.sweep_index) if row.sweep else None
    if key == "name":
        return short_name(record.name).lower()
    value = getattr(record, key)
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def sort_rows(rows: list[RunRow], column: SortColumn, descending: bool) -> list[RunRow]:
    present = [r for r in rows if sort_value(r, column.key) is not None]
    missing = [r for r in rows if sort_value(r, column.key) is None]
    present.sort(key=lambda r: sort_value(r, column.key), reverse=descending)
    return present + missing


# ---- text of the cells ------------------------------------------------------------------


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
    return time.strftime("%m-%d %H:%M", time.localtime(started)) if started else "-"


def row_cells(row: RunRow) -> list[str]:
    """The cells after the mark column, in the order of `TABLE_COLUMNS`."""
    r = row.record
    return [
        clip(short_name(r.name), NAME_WIDTH),
        format_sweep(row),
        format_status(r),
        r.dataset,
        r.model,
        r.optimizer,
        "-" if r.lr is None else f"{r.lr:g}",
        format_epochs(r),
        format_percent(r.best_val_accuracy),
        format_loss(r.best_val_loss),
        format_duration(r.duration),
        format_started(r.started),
    ]


# (title, sort key) of each table column after the mark column
TABLE_COLUMNS = (
    ("name", "name"),
    ("sweep", "sweep"),
    ("status", "status"),
    ("dataset", "dataset"),
    ("model", "model"),
    ("optim", "optimizer"),
    ("lr", "lr"),
    ("epochs", "epochs"),
    ("best acc", "best_val_accuracy"),
    ("best loss", "best_val_loss"),
    ("time", "duration"),
    ("started", "started"),
)


def describe_row(row: RunRow) -> str:
    """The detail line under the table: path, why it ended, what is wrong with it."""
    r = row.record
    parts = [str(r.path)]
    if row.sweep:
        if row.search_dir:
            point = f"trial {row.trial}" if row.trial is not None else "run"
        else:
            point = f"point {row.sweep_index}" if row.sweep_index else "run"
        parts.append(f"{point} of {row.sweep}" + (f": {row.sweep_params}" if row.sweep_params else ""))
    parts.append(f"{r.status}: {r.reason}" if r.reason else r.status)
    if r.problem:
        parts.append(f"! {DAMAGED}: {r.problem}")
    if r.status == RUNNING:
        parts.append("training now: no resume while it runs")
    else:
        parts.append("c resumes" if r.resumable else "no last.pt: cannot resume")
    return " · ".join(parts)


def describe_search(search: SearchRecord) -> str:
    """The search's line above its plot: how far it is, its best trial, what mattered most."""
    if search.problem:
        return f"{search.name}: {search.problem}"
    counted = [t for t in search.trials if t.status not in ("running", "stopped", "interrupted")]
    pruned = sum(t.status == "pruned" for t in counted)
    asked = f"/{search.trials_asked}" if search.trials_asked else ""
    parts = [f"{search.name}: {len(counted)}{asked} trials ({pruned} pruned)"]
    if search.best_number is not None:
        parts.append(f"best trial {search.best_number}: val loss {format_number(search.best_value)}")
    if search.importance:
        shown = ", ".join(f"{key} {value * 100:.0f}%" for key, value in search.importance)
        parts.append(f"importance: {shown}")
    else:
        parts.append("importance: once the search ends")
    return " · ".join(parts)
