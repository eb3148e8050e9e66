"""Callbacks the trainer runs at fixed points of a run; see `base.Callback`."""

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.callbacks.change_log import ChangeLog
from tui_trainer.engine.callbacks.checkpointing import Checkpointing
from tui_trainer.engine.callbacks.early_stopping import EarlyStopping
from tui_trainer.engine.callbacks.overfit_check import OverfitCheck
from tui_trainer.engine.callbacks.run_writer import RunWriter
from tui_trainer.engine.callbacks.trial_pruning import TrialPruning

__all__ = [
    "Callback",
    "ChangeLog",
    "Checkpointing",
    "EarlyStopping",
    "OverfitCheck",
    "RunWriter",
    "TrialPruning",
]
