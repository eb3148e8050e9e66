"""The callback base: hooks the trainer calls at fixed points of a run, each a no-op here.

A callback owns its state: whatever it must carry over a resume it returns from `state_dict()`,
stored in last.pt under `state_key` (like Lightning's "callbacks" entry) and handed back to
`load_state_dict()` when the run continues. Callbacks read the trainer through its public
attributes (config, model, run_dir, progress, history, ...), never its private ones.

Unlike an `EventListener`, which only sees events (and may run on another thread's schedule), a
callback runs inside the loop, before the matching event is emitted, and may stop the run.
"""

from __future__ import annotations

from typing import Any

from tui_trainer.engine.events import BatchEnd, EpochEnd, Evaluation, RunFinished


class Callback:
    # Set (to a one-line reason) to end the run after the current epoch, as early stopping does;
    # the run then ends with `stop_status`.
    stop_reason: str | None = None
    stop_status: str = "early_stopped"

    @property
    def state_key(self) -> str:
        return type(self).__name__

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        pass

    def on_run_start(self, trainer: Any) -> None:
        """Set-up is done and RunStarted emitted; no epoch has run in this session yet."""

    def on_batch_end(self, trainer: Any, report: BatchEnd) -> None:
        """A progress report: it covers every step since the previous one (steps are reported in
        windows of `train.report_every_ms`, so the loop never waits for the device per step).
        Only callbacks that override this hook are called."""

    def on_evaluation(self, trainer: Any, evaluation: Evaluation) -> None:
        """The validation split at each epoch end (before `on_epoch_end`), the test split at the end."""

    def on_epoch_end(self, trainer: Any, epoch: EpochEnd) -> None:
        """An epoch is finished and counted in `trainer.progress`; called before EpochEnd is emitted."""

    def on_run_end(self, trainer: Any, finished: RunFinished) -> None:
        """The run is over (any status, failures included); called before RunFinished is
        emitted. An OSError raised here turns the run into a failed one."""


def overrides(callback: Callback, hook: str) -> bool:
    return getattr(type(callback), hook) is not getattr(Callback, hook)
