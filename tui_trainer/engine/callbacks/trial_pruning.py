"""A hyperparameter search's view of one trial: each epoch's validation loss goes to the search,
which may prune the trial; the run then ends after that epoch with the status "pruned".

The search itself (Optuna, in `tui_trainer.search_trials`) stays outside the engine: it hands in
`report(epoch, val_loss)`, which returns a one-line reason when the trial should stop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.events import Evaluation

PRUNED = "pruned"


class TrialPruning(Callback):
    stop_status = PRUNED

    def __init__(self, report: Callable[[int, float], str | None]) -> None:
        self.report = report  # (0-based epoch, validation loss) -> why to prune, or None
        self.stop_reason: str | None = None

    def on_evaluation(self, trainer: Any, evaluation: Evaluation) -> None:
        if evaluation.split != "val" or self.stop_reason is not None:
            return
        reason = self.report(evaluation.epoch, evaluation.loss)
        # After the last epoch a prune saves nothing: the trial has finished, and counts as such.
        if evaluation.epoch + 1 < trainer.config.train.epochs:
            self.stop_reason = reason
