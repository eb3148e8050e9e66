"""Callbacks the trainer runs at fixed points of a run; see `base.Callback`."""

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.callbacks.checkpointing import Checkpointing
from tui_trainer.engine.callbacks.early_stopping import EarlyStopping
from tui_trainer.engine.callbacks.model_snapshots import ModelSnapshots
from tui_trainer.engine.callbacks.model_stats import ModelStatsCollector
from tui_trainer.engine.callbacks.run_writer import RunWriter
from tui_trainer.engine.callbacks.trial_pruning import TrialPruning

__all__ = [
    "Callback",
    "Checkpointing",
    "EarlyStopping",
    "ModelSnapshots",
    "ModelStatsCollector",
    "RunWriter",
    "TrialPruning",
    "loop_callbacks",
]


def loop_callbacks(early_stopping: EarlyStopping, extra: list[Callback]) -> list[Callback]:
    """The trainer's callbacks in the order they run, the caller's `extra` ones among them.
    Checkpointing last (as Lightning does): it saves the state the others reached this epoch."""
    return [early_stopping, RunWriter(), ModelStatsCollector(), ModelSnapshots(), *extra, Checkpointing()]
