"""Callbacks the trainer runs at fixed points of a run; see `base.Callback`."""

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.callbacks.checkpointing import Checkpointing
from tui_trainer.engine.callbacks.early_stopping import EarlyStopping
from tui_trainer.engine.callbacks.run_writer import RunWriter

__all__ = ["Callback", "Checkpointing", "EarlyStopping", "RunWriter"]
