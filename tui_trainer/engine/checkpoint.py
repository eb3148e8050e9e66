"""Checkpoints: everything a run needs to continue bit-for-bit, saved atomically at epoch ends.

`last.pt` holds the state after a finished epoch (the newest once the run ends; see
`callbacks.checkpointing` for when it is written, and the initial state for a run stopped in its
first epoch); `best.pt` the state at the lowest validation loss. Both carry
`state_dict`, `config` and `meta` like `model.pt`, so `load_model` reads any of the three.

The trainer's own state (model, optimizer, scheduler, RNG, history) sits at the top level;
`progress` holds its `TrainingProgress` and `callbacks` each callback's state under the callback's
`state_key`. Files written before those two keys existed kept the same values as flat keys
(`epoch`, `step`, `train_seconds`, `early_stopping`); `progress_state` and `callback_states`
read either layout.

A stop in the middle of an epoch abandons that epoch: the checkpoint keeps the last finished one
and a resume repeats the abandoned epoch from exactly the same weights, RNG states and shuffle.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.events import EpochEnd
from tui_trainer.engine.rundir.atomic import atomic_write
from tui_trainer.engine.rundir.layout import LAST_CHECKPOINT
from tui_trainer.engine.rundir.weights import WeightsFileError, load_weights_file
from tui_trainer.engine.setting_changes import CHANGEABLE_FIELDS

CHECKPOINT_FORMAT = 1

# Fields a resume may change: those that steer the run, not the numbers it produces on a given
# device, and the settings a paused run may change too (`engine.setting_changes`: they are applied
# and recorded as changes).
RESUMABLE_FIELDS = frozenset(CHANGEABLE_FIELDS) | frozenset(
    {
        "train.epochs",
        "train.patience",
        "train.tensorboard",
        "train.report_every_ms",
        "train.checkpoint_every_s",
        "train.n_samples_shown",
        "train.device",
        "train.output_dir",
        "train.run_name",
        "dataset.data_dir",
        "dataset.num_workers",
    }
)


# Fields whose `auto` the first session resolved and saved: asking `auto` again continues with it.
DECIDED_AT_SET_UP = frozenset({"loss.name", "dataset.augment"})


class CheckpointError(ConfigError):
    """A checkpoint that is missing, unreadable or does not fit the run it should continue."""


# ---- RNG --------------------------------------------------------------------------------


def rng_states(generator: torch.Generator) -> dict[str, Any]:
    """Every random number generator's state: torch's (`torch_rng_states`) and the host's."""
    return {**torch_rng_states(generator), **host_rng_states()}


def torch_rng_states(generator: torch.Generator) -> dict[str, Any]:
    """The generators training draws from: torch's global ones (dropout, initialisation) and the
    run's own (shuffling, augmentation). Each getter returns a copy."""
    states: dict[str, Any] = {"torch": torch.get_rng_state(), "generator": generator.get_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def host_rng_states() -> dict[str, Any]:
    """Python's and numpy's global generators: nothing in training draws from them, but a
    resume puts them back too, for code that might."""
    numpy_state = np.random.get_state(legacy=True)
    assert isinstance(numpy_state, tuple)  # legacy=True: the (kind, keys, pos, has_gauss, cached) form
    kind, keys, pos, has_gauss, cached = numpy_state
    version, words, gauss = random.getstate()
    return {
        # Its 625 words as one tensor: pickling them one int at a time outweighed a small
        # model's weights.
        "python": (version, torch.tensor(words, dtype=torch.int64), gauss),
        # Stored as tensors and plain numbers so checkpoints load with weights_only=True.
        "numpy": {
            "kind": kind,
            "keys": torch.from_numpy(keys.astype(np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached": float(cached),
        },
    }


def restore_rng_states(states: dict[str, Any], generator: torch.Generator) -> None:
    torch.set_rng_state(states["torch"])
    generator.set_state(states["generator"])
    python = states.get("python")
    if python is not None:
        words = python[1]  # a tensor, or a tuple of ints in checkpoints written before
        random.setstate(
            (python[0], tuple(words.tolist() if isinstance(words, torch.Tensor) else words), python[2])
        )
    numpy_state = states.get("numpy")
    if numpy_state is not None:
        np.random.set_state(
            (
                numpy_state["kind"],
                numpy_state["keys"].numpy().astype(np.uint32),
                numpy_state["pos"],
                numpy_state["has_gauss"],
                numpy_state["cached"],
            )
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
            if name in RESUMABLE_FIELDS or new[section][key] == value:
                continue
            if name in DECIDED_AT_SET_UP and new[section][key] == "auto":
                continue  # the saved config holds what `auto` resolved to for this run
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
    done = epochs_done(payload)
    if done >= config.train.epochs:
        raise CheckpointError(
            f"the run already trained {done} of {config.train.epochs} epochs; to train longer "
            f"resume with --set train.epochs={done + 10} (any number above {done})"
        )


def progress_state(payload: dict[str, Any]) -> dict[str, Any]:
    """The `TrainingProgress` state of a checkpoint, from either layout."""
    if "progress" in payload:
        return payload["progress"]
    return {"epoch": payload["epoch"], "step": payload["step"], "train_seconds": payload["train_seconds"]}


def callback_states(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each callback's saved state by its `state_key`, from either layout."""
    if "callbacks" in payload:
        return payload["callbacks"]
    return {"EarlyStopping": payload["early_stopping"]}


def epochs_done(payload: dict[str, Any]) -> int:
    return int(progress_state(payload)["epoch"])


_RECORD_KEYS = (
    "epoch",
    "train_loss",
    "val_loss",
    "train_accuracy",
    "val_accuracy",
    "lr",
    "seconds",
    "samples_per_sec",
)


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
