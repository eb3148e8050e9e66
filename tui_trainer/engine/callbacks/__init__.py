"""Callbacks the trainer runs at fixed points of a run; see `base.Callback`."""

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.callbacks.change_log import ChangeLog
from tui_trainer.engine.callbacks.checkpointing import Checkpointing
from tui_trainer.engine.callbacks.early_stopping import EarlyStopping
from tui_trainer.engine.callbacks.model_snapshots import ModelSnapshots
from tui_trainer.engine.callbacks.model_stats import ModelStatsCollector
from tui_trainer.engine.callbacks.overfit_check import OverfitCheck
from tui_trainer.engine.callbacks.run_writer import RunWriter
from tui_trainer.engine.callbacks.trial_pruning import TrialPruning

__all__ = [
    "Callback",
    "ChangeLog",
    "Checkpointing",
    "EarlyStopping",
    "ModelSnapshots",
    "ModelStatsCollector",
    "OverfitCheck",
    "RunWriter",
    "TrialPruning",
    "loop_callbacks",
]


def loop_callbacks(
    early_stopping: EarlyStopping, change_log: ChangeLog, extra: list[Callback], overfit_batches: int = 0
) -> list[Callback]:
    """The trainer's callbacks in the order they run, the caller's `extra` ones among them. The
    overfit check (with `train.overfit_batches`) first: its hint must be the run's reason before
    RunWriter writes it. Checkpointing last (as Lightning does): it saves the state the others
    reached this epoch."""
    overfit = [OverfitCheck(overfit_batches)] if overfit_batches else []
    return [
        *overfit,
        early_stopping,
        change_log,
        RunWriter(),
        ModelStatsCollector(),
        ModelSnapshots(),
        *extra,
        Checkpointing(),
    ]
