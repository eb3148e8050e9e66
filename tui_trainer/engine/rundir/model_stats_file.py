"""Reading model_stats.jsonl back: one `ModelStats` per line, tolerant of torn or foreign lines.

The file is written by `RunDirectory.append_model_stats` (a line per collection of
`callbacks.ModelStatsCollector`); a line cut short by a power cut, or edited into something else,
is skipped and counted.
"""

from __future__ import annotations

import json
from pathlib import Path

from tui_trainer.engine.events import ModelStats
from tui_trainer.engine.rundir.layout import MODEL_STATS_FILE


def read_model_stats(run_dir: str | Path) -> tuple[list[ModelStats], int]:
    """The run's collections in order, and how many lines could not be read. OSError (e.g.
    FileNotFoundError) when the file cannot be opened."""
    text = (Path(run_dir) / MODEL_STATS_FILE).read_text(encoding="utf-8", errors="replace")
    found: list[ModelStats] = []
    skipped = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            found.append(ModelStats.from_record(json.loads(line)))
        except (ValueError, TypeError, KeyError, AttributeError):
            skipped += 1
    return found, skipped
