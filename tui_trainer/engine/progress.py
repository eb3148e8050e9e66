"""Where a run stands: epochs and steps done and the time spent, saved in last.pt so a resumed
run keeps its first start and adds up its time over every session."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TrainingProgress:
    epochs_done: int = 0
    step: int = 0  # optimizer steps taken, over all epochs and resumes
    train_seconds: float = 0.0  # time in training epochs (not evaluation, set-up or pauses), all sessions
    start_epoch: int = 0  # the epoch this session started at: 0, or where a resume continued
    # When this session started (perf_counter): the clock for this session's wall time.
    started_at: float = field(default_factory=time.perf_counter)
    # When the run first started (Unix time), and the wall time of the sessions before this one.
    first_started_unix: float = field(default_factory=time.time)
    earlier_wall_seconds: float = 0.0

    def wall_seconds(self) -> float:
        """This session's wall time."""
        return time.perf_counter() - self.started_at

    def total_wall_seconds(self) -> float:
        """Wall time over every session of the run (a resumed run's earlier ones included)."""
        return self.earlier_wall_seconds + self.wall_seconds()

    def state_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epochs_done,
            "step": self.step,
            "train_seconds": self.train_seconds,
            "first_started_unix": self.first_started_unix,
            "wall_seconds": self.total_wall_seconds(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epochs_done = self.start_epoch = int(state["epoch"])
        self.step = int(state["step"])
        self.train_seconds = float(state["train_seconds"])
        # Checkpoints written before these were kept start the clock again (as they always did).
        self.first_started_unix = float(state.get("first_started_unix", self.first_started_unix))
        self.earlier_wall_seconds = float(state.get("wall_seconds", 0.0))
