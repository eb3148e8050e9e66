"""Sends the model's weights after each epoch's evaluation, when the run's control asks for them.

The app's Try tab predicts with the weights of the latest evaluation while the run trains; the UI
never reaches into the trainer, so the weights travel as an event: a CPU copy of the state_dict
with the config, the dataset's description and its preprocessing (`ModelSnapshot`). A run whose
`TrainingControl` did not ask (every batch run) copies nothing.
"""

from __future__ import annotations

from typing import Any

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.events import EpochEnd, ModelSnapshot
from tui_trainer.engine.preprocessing import Preprocessing


class ModelSnapshots(Callback):
    def on_epoch_end(self, trainer: Any, epoch: EpochEnd) -> None:
        if not trainer.control.model_snapshots_requested or not trainer.listeners:
            return  # not asked for, or a torchrun rank that reports nothing
        state = {k: v.detach().to("cpu", copy=True) for k, v in trainer.model.state_dict().items()}
        prep = trainer.preprocessing
        if prep is None:  # data handed over ready-made: numeric columns or images, as described
            config, normalizer = trainer.config.dataset, trainer.placed.eval_normalizer
            prep = Preprocessing.learned(config, trainer.meta, normalizer, None)
        trainer.emit(ModelSnapshot(epoch.epoch, trainer.config, trainer.meta, state, prep))
