"""The run's part of a checkpoint: what last.pt / best.pt hold and how a resume puts it back.

Reads the trainer's public attributes only (model, optimizer, scheduler, progress, callbacks,
history, generator); the file format itself is `engine.checkpoint`'s.
"""

from __future__ import annotations

from typing import Any

from tui_trainer.engine import checkpoint
from tui_trainer.engine.target_scaling import adopt_saved_scaling


def capture_training_state(trainer: Any) -> dict[str, Any]:
    """The payload of last.pt / best.pt for the run as it stands at an epoch boundary."""
    return {
        "format": checkpoint.CHECKPOINT_FORMAT,
        "state_dict": {k: v.detach().cpu() for k, v in trainer.model.state_dict().items()},
        "config": trainer.config.to_dict(),
        "meta": checkpoint.meta_to_dict(trainer.meta),
        "normalizer": checkpoint.normalizer_state(trainer.placed.eval_normalizer),
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": trainer.scheduler.state_dict() if trainer.scheduler is not None else None,
        "progress": trainer.progress.state_dict(),
        "callbacks": {c.state_key: state for c in trainer.callbacks if (state := c.state_dict())},
        "history": [event.as_record() for event in trainer.history],
        "rng": checkpoint.rng_states(trainer.generator),
    }


def restore_training_state(trainer: Any, payload: dict[str, Any]) -> None:
    """Put a freshly built run back into the state a checkpoint recorded (either layout)."""
    trainer.model.load_state_dict(payload["state_dict"])
    adopt_saved_scaling(trainer, payload)  # the scaled targets' mean and std ride in the meta
    trainer.optimizer.load_state_dict(payload["optimizer"])
    if trainer.scheduler is not None and payload.get("scheduler") is not None:
        trainer.scheduler.load_state_dict(payload["scheduler"])
    trainer.progress.load_state_dict(checkpoint.progress_state(payload))
    states = checkpoint.callback_states(payload)
    for callback in trainer.callbacks:
        if callback.state_key in states:
            callback.load_state_dict(states[callback.state_key])
    epochs = trainer.config.train.epochs
    trainer.history = [checkpoint.epoch_from_record(r, epochs) for r in payload["history"]]
    checkpoint.restore_rng_states(payload["rng"], trainer.generator)
    if trainer.distributed is not None:
        trainer.distributed.restore_rng_state(
            payload.get("rank_rng"), trainer.config.train.seed, trainer.progress.epochs_done
        )
