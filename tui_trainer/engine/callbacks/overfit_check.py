"""`train.overfit_batches = N`, the "can this model fit at all" check (Karpathy's "overfit one
batch first"): the trainer trains and validates on the same first N batches (`engine.overfit`),
and this callback stops the run once the training loss is near zero, or ends it with a one-line
hint when the epochs run out first.

Near zero is relative, so it means the same for any loss and any target scale: an epoch's
training loss at or below `FIT_FRACTION` of the first epoch's (on N = 1 batch, exactly the
untrained model's loss).
"""

from __future__ import annotations

from typing import Any

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.events import EpochEnd, RunFinished

FIT_FRACTION = 0.01


class OverfitCheck(Callback):
    def __init__(self, n_batches: int) -> None:
        self.n_batches = n_batches
        self.first_loss: float | None = None  # epoch 1's training loss
        self.stop_reason: str | None = None

    def _batches(self) -> str:
        return f"{self.n_batches} batch" + ("es" if self.n_batches != 1 else "")

    def on_epoch_end(self, trainer: Any, epoch: EpochEnd) -> None:
        if self.first_loss is None:
            self.first_loss = epoch.train_loss
        if epoch.train_loss <= FIT_FRACTION * self.first_loss:
            self.stop_reason = (
                f"the model fits {self._batches()}: training loss {epoch.train_loss:.4g} at epoch "
                f"{epoch.epoch + 1}, under {FIT_FRACTION:.0%} of epoch 1's {self.first_loss:.4g}"
            )

    def on_run_end(self, trainer: Any, finished: RunFinished) -> None:
        # Called before RunFinished is emitted and summary.json written: the hint becomes the
        # run's reason wherever it is shown.
        if self.stop_reason is not None or not finished.ok or self.first_loss is None or not trainer.history:
            return
        last = trainer.history[-1]
        share = last.train_loss / self.first_loss if self.first_loss > 0 else 1.0
        finished.reason = (
            f"the model did not fit {self._batches()} in {last.epoch + 1} epochs (training loss "
            f"{last.train_loss:.4g}, {share:.0%} of epoch 1's): raise optimizer.lr (--find-lr), "
            "enlarge the model (model.hidden), drop model.dropout, or check loss.name suits the targets"
        )

    def state_dict(self) -> dict[str, Any]:
        return {"first_loss": self.first_loss} if self.first_loss is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        first = state.get("first_loss")
        self.first_loss = float(first) if first is not None else None
