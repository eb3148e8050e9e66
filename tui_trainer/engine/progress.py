"""Where a run stands: epochs and steps done and the time spent training, saved in last.pt."""

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
    # When this session started (perf_counter): wall time of this session only, never saved.
    started_at: float = field(default_factory=time.perf_counter)

    def wall_seconds(self) -> float:
        return time.perf_counter() - self.started_at

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epochs_done, "step": self.step, "train_seconds": self.train_seconds}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.epochs_done = self.start_epoch = int(state["epoch"])
        self.step = int(state["step"])
        self.train_seconds = float(state["train_seconds"])
