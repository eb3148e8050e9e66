"""The run's part of a checkpoint: what last.pt / best.pt hold and how a resume puts it back.

Reads the trainer's public attributes only (model, optimizer, scheduler, progress, callbacks,
history, generator); the file format itself is `engine.checkpoint`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from tui_trainer.engine import checkpoint
from tui_trainer.engine.components import replan_schedule
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.rundir.writer import RunDirectory
from tui_trainer.engine.setting_changes import merged_records
from tui_trainer.engine.target_scaling import adopt_saved_scaling


def capture_training_state(trainer: Any) -> dict[str, Any]:
    """The payload of last.pt / best.pt for the run as it stands at an epoch boundary."""
    return checkpoint_payload(trainer, capture_epoch_state(trainer, copy=False))


def capture_epoch_state(trainer: Any, copy: bool = True) -> dict[str, Any]:
    """The parts of the training state that change from epoch to epoch. With `copy`, its tensors
    are CPU copies, so it keeps this epoch's state while training goes on (about 0.3 ms for a
    small MLP; the config, metadata and history records are added only when it is written)."""
    state = {
        # The settings this epoch trained with: a change made later in the run is not in them,
        # so a resume from this epoch applies it again (`engine.apply_changes`).
        "config": trainer.config.to_dict(),
        "state_dict": {k: v.detach().cpu() for k, v in trainer.model.state_dict().items()},
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": trainer.scheduler.state_dict() if trainer.scheduler is not None else None,
        "progress": trainer.progress.state_dict(),
        "callbacks": {c.state_key: state for c in trainer.callbacks if (state := c.state_dict())},
        # Python's and numpy's generators, which training never draws from, are read when the
        # state is written (`checkpoint_payload`): reading numpy's is slow.
        "rng": checkpoint.torch_rng_states(trainer.generator),
        "history_length": len(trainer.history),  # the history only grows: its records are made later
    }
    if copy:
        # The config, progress and RNG records are new objects already (each RNG getter returns
        # a copy); the rest refers to tensors and dicts that the next steps change in place.
        for key in ("state_dict", "optimizer", "scheduler", "callbacks"):
            state[key] = detached_copy(state[key])
    return state


def checkpoint_payload(trainer: Any, epoch_state: dict[str, Any]) -> dict[str, Any]:
    """A whole last.pt / best.pt payload from an epoch's `capture_epoch_state`."""
    state = dict(epoch_state)
    state["rng"] = {**checkpoint.host_rng_states(), **state["rng"]}
    history = trainer.history[: state.pop("history_length")]
    return {
        "format": checkpoint.CHECKPOINT_FORMAT,
        "meta": checkpoint.meta_to_dict(trainer.meta),
        "normalizer": checkpoint.normalizer_state(trainer.placed.eval_normalizer),
        **state,
        "history": [event.as_record() for event in history],
    }


def detached_copy(value: Any) -> Any:
    """`value` with every tensor in it copied to the CPU: a snapshot later steps cannot change."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {k: detached_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [detached_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(detached_copy(v) for v in value)
    return value


def restore_training_state(trainer: Any, payload: dict[str, Any]) -> None:
    """Put a freshly built run back into the state a checkpoint recorded (either layout)."""
    trainer.model.load_state_dict(payload["state_dict"])
    adopt_saved_scaling(trainer, payload)  # the scaled targets' mean and std ride in the meta
    trainer.optimizer.load_state_dict(payload["optimizer"])
    # A scheduler changed on resume starts afresh (`apply_changes`); the old one's state does not fit it.
    same_scheduler = payload["config"]["scheduler"]["name"] == trainer.config.scheduler.name
    if trainer.scheduler is not None and payload.get("scheduler") is not None and same_scheduler:
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


@dataclass
class Resumed:
    saved_config: TrainConfig  # the settings of the checkpoint's epoch
    replanned: str | None  # how a changed train.epochs re-planned a cosine schedule


def resume_training(trainer: Any, payload: dict[str, Any]) -> Resumed:
    """A freshly built run put back to its checkpoint (`restore_training_state`), its cosine
    schedule fitted to a changed `train.epochs`, and its run directory reopened with the records
    the checkpoint holds (epochs and setting changes)."""
    restore_training_state(trainer, payload)
    last_lr = trainer.history[-1].lr if trainer.history else None
    epochs, done = trainer.config.train.epochs, trainer.progress.epochs_done
    replanned = replan_schedule(trainer.scheduler, trainer.optimizer, epochs, done, last_lr)
    if trainer.write_run_dir and trainer.resume_from is not None:
        path = Path(trainer.resume_from)
        records = merged_records(payload["history"], trainer.change_log.changes)
        trainer.run_dir = RunDirectory.open(path if path.is_dir() else path.parent, records)
    return Resumed(TrainConfig.from_dict(payload["config"]), replanned)
