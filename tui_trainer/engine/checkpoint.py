"""Checkpoints: everything a run needs to continue bit-for-bit, saved atomically at epoch ends.

`last.pt` holds the state after the newest finished epoch (written before the first epoch too, so
every run directory can be resumed); `best.pt` the state at the lowest validation loss. Both carry
`state_dict`, `config` and `meta` like `model.pt`, so `load_model` reads any of the three.

A stop in the middle of an epoch abandons that epoch: the checkpoint keeps the last finished one
and a resume repeats the abandoned epoch from exactly the same weights, RNG states and shuffle.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from tui_trainer.engine.atomic import atomic_write
from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.events import EpochEnd
from tui_trainer.engine.weights_file import WeightsFileError, load_weights_file

if TYPE_CHECKING:  # pragma: no cover
    from tui_trainer.engine.trainer import Trainer

CHECKPOINT_FORMAT = 1
LAST_CHECKPOINT = "last.pt"
BEST_CHECKPOINT = "best.pt"

# Fields a resume may change: they steer the run, not the numbers it produces on a given device.
RESUMABLE_FIELDS = frozenset(
    {
        "train.epochs",
        "train.patience",
        "train.tensorboard",
        "train.report_every_ms",
        "train.n_samples_shown",
        "train.device",
        "train.output_dir",
        "train.run_name",
        "dataset.data_dir",
        "dataset.num_workers",
    }
)


class CheckpointError(ConfigError):
    """A checkpoint that is missing, unreadable or does not fit the run it should continue."""


# ---- RNG --------------------------------------------------------------------------------


def rng_states(generator: torch.Generator) -> dict[str, Any]:
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    states: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "generator": generator.get_state(),
        "python": random.getstate(),
        # Stored as tensors and plain numbers so checkpoints load with weights_only=True.
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos),
                  "has_gauss": int(has_gauss), "cached": float(cached)},
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_rng_states(states: dict[str, Any], generator: torch.Generator) -> None:
    torch.set_rng_state(states["torch"])
    generator.set_state(states["generator"])
    python = states.get("python")
    if python is not None:
        random.setstate((python[0], tuple(python[1]), python[2]))
    numpy_state = states.get("numpy")
    if numpy_state is not None:
        np.random.set_state(
            (numpy_state["kind"], numpy_state["keys"].numpy().astype(np.uint32), numpy_state["pos"],
             numpy_state["has_gauss"], numpy_state["cached"])
        )
    cuda = states.get("cuda")
    if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


# ---- capture / restore ------------------------------------------------------------------


def meta_to_dict(meta) -> dict[str, Any]:
    meta_dict = {k: getattr(meta, k) for k in meta.__dataclass_fields__}
    meta_dict["input_shape"] = list(meta.input_shape)
    meta_dict["class_names"] = list(meta.class_names)
    meta_dict["feature_names"] = list(meta.feature_names or [])
    return meta_dict


def normalizer_state(normalizer) -> dict[str, torch.Tensor]:
    return {"mean": normalizer.mean.detach().cpu(), "scale": normalizer.scale.detach().cpu()}


def training_state(trainer: "Trainer") -> dict[str, Any]:
    """The payload of last.pt / best.pt for the trainer as it stands at an epoch boundary."""
    return {
        "format": CHECKPOINT_FORMAT,
        "state_dict": {k: v.detach().cpu() for k, v in trainer.model.state_dict().items()},
        "config": trainer.config.to_dict(),
        "meta": meta_to_dict(trainer.meta),
        "normalizer": normalizer_state(trainer.placed.eval_normalizer),
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": trainer.scheduler.state_dict() if trainer.scheduler is not None else None,
        "epoch": trainer._epochs_done,
        "step": trainer._step,
        "train_seconds": trainer._train_seconds,
        "early_stopping": {
            "best_val_loss": trainer._best_val,
            "best_epoch": trainer._best_epoch,
            "stale_epochs": trainer._stale_epochs,
        },
        "history": [event.as_record() for event in trainer.history],
        "rng": rng_states(trainer.generator),
    }


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    atomic_write(Path(path), lambda handle: torch.save(payload, handle))


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint file, or a run directory's last.pt; one-line CheckpointError otherwise."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / LAST_CHECKPOINT
    if not path.exists():
        raise CheckpointError(
            f"no checkpoint at {path}: resume needs a run directory that holds {LAST_CHECKPOINT}"
        )
    try:
        payload = load_weights_file(path)
    except WeightsFileError as exc:
        raise CheckpointError(str(exc)) from None
    if payload.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"{path} is not a tui-trainer checkpoint (format {CHECKPOINT_FORMAT})")
    return payload


def resume_problems(saved: TrainConfig, config: TrainConfig) -> list[str]:
    """Fields that differ between the checkpoint's config and the one asked to continue it."""
    out = []
    old, new = saved.to_dict(), config.to_dict()
    for section, values in old.items():
        for key, value in values.items():
            name = f"{section}.{key}"
            if name not in RESUMABLE_FIELDS and new[section][key] != value:
                out.append(
                    f"{name} cannot change on resume (run has {value!r}, asked {new[section][key]!r}); "
                    "start a new run instead"
                )
    return out


def check_resumable(payload: dict[str, Any], config: TrainConfig) -> None:
    try:
        saved = TrainConfig.from_dict(payload["config"])
    except (KeyError, ConfigError) as exc:
        raise CheckpointError(f"checkpoint config is unusable: {exc}") from None
    for problem in resume_problems(saved, config):
        raise CheckpointError(problem)
    done = int(payload["epoch"])
    if done >= config.train.epochs:
        raise CheckpointError(
            f"the run already trained {done} of {config.train.epochs} epochs; to train longer "
            f"resume with --set train.epochs={done + 10} (any number above {done})"
        )


def apply_training_state(trainer: "Trainer", payload: dict[str, Any]) -> None:
    """Put a freshly built trainer back into the state the checkpoint recorded."""
    trainer.model.load_state_dict(payload["state_dict"])
    trainer.optimizer.load_state_dict(payload["optimizer"])
    if trainer.scheduler is not None and payload.get("scheduler") is not None:
        trainer.scheduler.load_state_dict(payload["scheduler"])
    trainer._epochs_done = trainer.start_epoch = int(payload["epoch"])
    trainer._step = int(payload["step"])
    trainer._train_seconds = float(payload["train_seconds"])
    stopping = payload["early_stopping"]
    trainer._best_val = float(stopping["best_val_loss"])
    trainer._best_epoch = int(stopping["best_epoch"])
    trainer._stale_epochs = int(stopping["stale_epochs"])
    epochs = trainer.config.train.epochs
    trainer.history = [epoch_from_record(r, epochs) for r in payload["history"]]
    restore_rng_states(payload["rng"], trainer.generator)
    if trainer.distributed is not None:
        trainer.distributed.restore_rng_state(
            payload.get("rank_rng"), trainer.config.train.seed, trainer._epochs_done
        )


_RECORD_KEYS = ("epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr", "seconds",
                "samples_per_sec")


def epoch_from_record(record: dict[str, Any], epochs: int) -> EpochEnd:
    """Rebuild an EpochEnd from its metrics.jsonl record (the inverse of `as_record`)."""
    return EpochEnd(
        epoch=int(record["epoch"]) - 1,
        epochs=epochs,
        train_loss=record["train_loss"],
        val_loss=record["val_loss"],
        train_accuracy=record.get("train_accuracy"),
        val_accuracy=record.get("val_accuracy"),
        lr=record["lr"],
        seconds=record.get("seconds", 0.0),
        samples_per_sec=record.get("samples_per_sec", 0.0),
        improved=bool(record.get("improved", False)),
        extra={k: v for k, v in record.items() if k not in _RECORD_KEYS and k != "improved"},
    )


def save_epoch_checkpoints(trainer: "Trainer") -> None:
    """last.pt after every finished epoch (and before the first); best.pt when val loss improved."""
    rank_rng = trainer.distributed.gather_rng_states() if trainer.distributed is not None else None
    if trainer.run_dir is None:
        return
    payload = training_state(trainer)
    if rank_rng is not None:
        payload["rank_rng"] = rank_rng
    if trainer.history and trainer.history[-1].improved and math.isfinite(trainer._best_val):
        save_checkpoint(trainer.run_dir.path / BEST_CHECKPOINT, payload)
    save_checkpoint(trainer.run_dir.path / LAST_CHECKPOINT, payload)
