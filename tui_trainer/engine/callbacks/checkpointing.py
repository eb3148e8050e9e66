"""Checkpointing: last.pt after every finished epoch (and before the first), best.pt at a new best."""

from __future__ import annotations

from typing import Any

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.checkpoint import save_checkpoint
from tui_trainer.engine.events import EpochEnd
from tui_trainer.engine.rundir.layout import BEST_CHECKPOINT, LAST_CHECKPOINT
from tui_trainer.engine.training_state import capture_training_state


class Checkpointing(Callback):
    def on_run_start(self, trainer: Any) -> None:
        # Every run directory can be resumed, even one stopped in its first epoch.
        if trainer.progress.start_epoch == 0:
            self._save(trainer, improved=False)

    def on_epoch_end(self, trainer: Any, epoch: EpochEnd) -> None:
        self._save(trainer, improved=epoch.improved)

    @staticmethod
    def _save(trainer: Any, improved: bool) -> None:
        # Under torchrun every rank takes part in gathering the RNG states; rank 0 alone writes.
        rank_rng = trainer.distributed.gather_rng_states() if trainer.distributed is not None else None
        if trainer.run_dir is None:
            return
        payload = capture_training_state(trainer)
        if rank_rng is not None:
            payload["rank_rng"] = rank_rng
        if improved:  # a new best validation loss, which is finite
            save_checkpoint(trainer.run_dir.path / BEST_CHECKPOINT, payload)
        save_checkpoint(trainer.run_dir.path / LAST_CHECKPOINT, payload)
