"""The Runs screen's words around the table: the detail line under it, a search's line, and the
compare plot's legend names. The table itself (rows, columns, cells, order) is
tui_trainer/runs_table.py, shared with `--runs`.
"""

from __future__ import annotations

import time

from tui_trainer.engine import RUNNING, SearchRecord
from tui_trainer.engine import short_run_name as short_name
from tui_trainer.formatting import format_number
from tui_trainer.runs_table import DAMAGED, RunRow, clip, collect_runs, format_sweep

__all__ = ["collect_runs", "describe_row", "describe_search", "format_sweep", "legend_labels"]

LEGEND_WIDTH = 24


def legend_labels(rows: list[RunRow]) -> list[str]:
    """The compare plot's name for each run, all different: a name shown twice gets its start
    time (then its place in the list, for runs started in the same second)."""
    labels = [clip(short_name(row.record.name), LEGEND_WIDTH) for row in rows]
    if len(set(labels)) < len(labels):
        labels = [
            f"{label} {time.strftime('%H:%M:%S', time.localtime(row.record.started))}"
            if labels.count(label) > 1
            else label
            for label, row in zip(labels, rows, strict=True)
        ]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if labels.count(label) == 1 else f"{label} ({seen[label]})")
    return unique


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
    if r.note:
        parts.append(f"note: {r.note}")
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
