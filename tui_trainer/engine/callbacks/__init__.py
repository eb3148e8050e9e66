"""Callbacks the trainer runs at fixed points of a run; see `base.Callback`."""

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.callbacks.checkpointing import Checkpointing
from tui_trainer.engine.callbacks.early_stopping import EarlyStopping
from tui_trainer.engine.callbacks.model_snapshots import ModelSnapshots
from tui_trainer.engine.callbacks.run_writer import RunWriter
from tui_trainer.engine.callbacks.trial_pruning import TrialPruning

__all__ = ["Callback", "Checkpointing", "EarlyStopping", "ModelSnapshots", "RunWriter", "TrialPruning"]
