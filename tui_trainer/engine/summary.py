"""The end-of-run files: model.pt (weights as the run ended) and summary.json."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tui_trainer.engine.checkpoint import meta_to_dict, normalizer_state
from tui_trainer.engine.device import describe_device
from tui_trainer.engine.runs import environment_info

if TYPE_CHECKING:  # pragma: no cover
    from tui_trainer.engine.trainer import Trainer


def best_epoch_record(trainer: "Trainer") -> dict[str, Any] | None:
    for event in trainer.history:
        if event.epoch == trainer._best_epoch:
            return {"epoch": event.epoch + 1, "val_loss": event.val_loss, "val_accuracy": event.val_accuracy}
    return None


def write_final_files(trainer: "Trainer", status: str, reason: str, metrics: dict) -> None:
    run_dir = trainer.run_dir
    assert run_dir is not None
    meta_dict = meta_to_dict(trainer.meta)
    if status != "failed" and trainer.model is not None:
        run_dir.save_model(
            trainer.model, trainer.config, meta_dict, normalizer_state(trainer.placed.eval_normalizer)
        )
    wall = time.perf_counter() - trainer._t0
    config = trainer.config
    run_dir.write_summary(
        {
            "status": status,
            "reason": reason,
            "epochs_done": trainer._epochs_done,
            "epochs_planned": config.train.epochs,
            "resumed_from_epoch": trainer.start_epoch if trainer.resume_from is not None else None,
            "steps": trainer._step,
            "metrics": metrics,
            "best": best_epoch_record(trainer),
            "final": trainer.history[-1].as_record() if trainer.history else None,
            "device": describe_device(trainer.device),
            "seed": config.train.seed,
            "dataset": trainer.meta.summary(),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - wall)),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "wall_seconds": round(wall, 3),
            "train_seconds": round(trainer._train_seconds, 3),
            "versions": environment_info(),
        }
    )
