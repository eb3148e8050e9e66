"""Early stopping: tracks the best validation loss and stops after `patience` epochs without a new best."""

from __future__ import annotations

import math
from typing import Any

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.events import Evaluation


class EarlyStopping(Callback):
    def __init__(self, patience: int) -> None:
        self.patience = patience  # 0: never stop, still track the best epoch (best.pt, summary)
        self.best_val_loss = math.inf
        self.best_epoch = -1  # 0-based; -1 before the first evaluation
        self.stale_epochs = 0
        self.improved = False  # whether the newest validation loss is a new best
        self.stop_reason: str | None = None

    def on_evaluation(self, trainer: Any, evaluation: Evaluation) -> None:
        if evaluation.split != "val":
            return
        self.improved = evaluation.loss < self.best_val_loss
        if self.improved:
            self.best_val_loss, self.best_epoch, self.stale_epochs = evaluation.loss, evaluation.epoch, 0
        else:
            self.stale_epochs += 1
        if self.patience > 0 and self.stale_epochs >= self.patience:
            self.stop_reason = (
                f"validation loss did not improve for {self.patience} epochs "
                f"(best {self.best_val_loss:.4g} at epoch {self.best_epoch + 1})"
            )

    def state_dict(self) -> dict[str, Any]:
        return {
            "best_val_loss": self.best_val_loss,
            "best_epoch": self.best_epoch,
            "stale_epochs": self.stale_epochs,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best_val_loss = float(state["best_val_loss"])
        self.best_epoch = int(state["best_epoch"])
        self.stale_epochs = int(state["stale_epochs"])
