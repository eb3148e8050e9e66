"""The run directory's records: a metrics.jsonl line per epoch; model.pt and summary.json at the end.

The directory itself (and config.toml) is made at set-up, before RunStarted names it; checkpoints
are `Checkpointing`'s.
"""

from __future__ import annotations

import time
from typing import Any

from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.checkpoint import meta_to_dict, normalizer_state
from tui_trainer.engine.device import describe_device
from tui_trainer.engine.events import EpochEnd, RunFinished
from tui_trainer.engine.rundir.writer import environment_info


class RunWriter(Callback):
    def on_epoch_end(self, trainer: Any, epoch: EpochEnd) -> None:
        if trainer.run_dir is not None:
            trainer.run_dir.append_metrics(epoch.as_record())

    def on_run_end(self, trainer: Any, finished: RunFinished) -> None:
        run_dir = trainer.run_dir
        if run_dir is None:
            return
        # The directory exists only once set-up built the model and placed the data. Its lock is
        # released by the trainer once every callback (checkpoints too) has written its files.
        meta_dict = meta_to_dict(trainer.meta)
        if finished.status != "failed":
            run_dir.save_model(
                trainer.model, trainer.config, meta_dict, normalizer_state(trainer.placed.eval_normalizer)
            )
        run_dir.write_summary(summary_record(trainer, finished))


def best_epoch_record(history: list[EpochEnd], best_epoch: int) -> dict[str, Any] | None:
    for event in history:
        if event.epoch == best_epoch:
            return {"epoch": event.epoch + 1, "val_loss": event.val_loss, "val_accuracy": event.val_accuracy}
    return None


def summary_record(trainer: Any, finished: RunFinished) -> dict[str, Any]:
    progress, config = trainer.progress, trainer.config
    wall = progress.total_wall_seconds()
    return {
        "status": finished.status,
        "reason": finished.reason,
        "epochs_done": progress.epochs_done,
        "epochs_planned": config.train.epochs,
        "resumed_from_epoch": progress.start_epoch if trainer.resume_from is not None else None,
        "steps": progress.step,
        "metrics": finished.metrics,
        "best": best_epoch_record(trainer.history, trainer.early_stopping.best_epoch),
        "final": trainer.history[-1].as_record() if trainer.history else None,
        "device": describe_device(trainer.device),
        "seed": config.train.seed,
        "dataset": trainer.meta.summary(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(progress.first_started_unix)),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "wall_seconds": round(wall, 3),
        "train_seconds": round(progress.train_seconds, 3),
        "versions": environment_info(),
    }
