"""Checkpointing: last.pt and best.pt, written at most every `train.checkpoint_every_s` seconds.

Each finished epoch's training state is captured (a CPU copy of its tensors, so later steps do not
change it) and written to last.pt when the interval has passed since the previous write, on the
first epoch (unless the rest of the run, at that epoch's pace, ends within the interval), and at
the run's end whatever its status (completed, stopped by the user or a signal,
early stopped, failed): the files then hold the newest finished epoch (or the initial state, for a
run stopped in its first epoch). The best epoch's state is
kept the same way and written to best.pt with last.pt (last.pt is then a hard link to it when
both hold the same epoch). A kill -9 can only lose the epochs finished
since the last write (at most `checkpoint_every_s` seconds of them); a resume continues exactly
from the last.pt on disk, and `RunDirectory.open` drops the metrics lines past it.

On small data a write per epoch (a torch.save, a file fsync and a directory fsync) cost as much as
the training itself; an in-memory copy costs microseconds.
"""

from __future__ import annotations

import time
from typing import Any

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.checkpoint import save_checkpoint
from tui_trainer.engine.events import EpochEnd, RunFinished
from tui_trainer.engine.rundir.atomic import link_over
from tui_trainer.engine.rundir.layout import BEST_CHECKPOINT, LAST_CHECKPOINT
from tui_trainer.engine.training_state import capture_epoch_state, checkpoint_payload


class Checkpointing(Callback):
    def __init__(self) -> None:
        self.last_written_at = 0.0  # time.monotonic() of the last write of last.pt, or of the start
        self.pending_last: dict[str, Any] | None = None  # a finished epoch's state not yet on disk
        self.pending_best: dict[str, Any] | None = None

    def on_run_start(self, trainer: Any) -> None:
        # A run stopped in its first epoch can be resumed too: the initial state waits in memory
        # and is written at the end. Only a kill -9 before the first write leaves no last.pt: in
        # the first epoch, or anywhere in a run shorter than the interval.
        # Under torchrun every rank takes part in the capture (a collective); rank 0 keeps it.
        self.last_written_at = time.monotonic()  # the interval counts from the (re)start
        if trainer.progress.start_epoch == 0:
            state = self._capture(trainer, copy=True)
            if trainer.run_dir is not None:
                self.pending_last = state

    def on_epoch_end(self, trainer: Any, epoch: EpochEnd) -> None:
        if trainer.run_dir is None:
            self._capture(trainer, copy=False)  # under torchrun: this rank's part of a collective
            return
        every = trainer.config.train.checkpoint_every_s
        # The first epoch is written so a long run can be resumed early on; a run whose remaining
        # epochs end within the interval anyway is written at its end only (a kill -9 then loses
        # no more than the interval allows, and short runs do not pay for two writes).
        first_epoch = epoch.epoch == trainer.progress.start_epoch and not ends_within(epoch, every)
        due = every <= 0 or first_epoch or time.monotonic() - self.last_written_at >= every
        state = self._capture(trainer, copy=not due)
        best = state if epoch.improved else self.pending_best  # a new best val loss is finite
        if due:
            self._write(trainer, state, best)
        else:
            self.pending_last = state
            self.pending_best = best

    def on_run_end(self, trainer: Any, finished: RunFinished) -> None:
        if trainer.run_dir is not None and self.pending_last is not None:
            self._write(trainer, self.pending_last, self.pending_best)

    @staticmethod
    def _capture(trainer: Any, copy: bool) -> dict[str, Any]:
        # Under torchrun every rank takes part in gathering the RNG states, every epoch, so the
        # ranks never disagree on a collective; rank 0 alone keeps and writes the state.
        rank_rng = trainer.distributed.gather_rng_states() if trainer.distributed is not None else None
        if trainer.run_dir is None:
            return {}
        state = capture_epoch_state(trainer, copy=copy)
        if rank_rng is not None:
            state["rank_rng"] = rank_rng
        return state

    def _write(self, trainer: Any, last: dict[str, Any], best: dict[str, Any] | None) -> None:
        path = trainer.run_dir.path
        if best is not None:  # best.pt first: it is never older than last.pt's record of the best
            save_checkpoint(path / BEST_CHECKPOINT, checkpoint_payload(trainer, best))
        if best is last:
            link_over(path / BEST_CHECKPOINT, path / LAST_CHECKPOINT)
        else:
            save_checkpoint(path / LAST_CHECKPOINT, checkpoint_payload(trainer, last))
        trainer.run_dir.sync_metrics()  # metrics.jsonl durable up to the same epoch
        self.pending_last = self.pending_best = None
        self.last_written_at = time.monotonic()


def ends_within(epoch: EpochEnd, seconds: float) -> bool:
    """Whether the epochs left after `epoch`, at its pace, take less than `seconds`."""
    return (epoch.epochs - epoch.epoch - 1) * epoch.seconds < seconds
