"""The settings a run decides once its dataset is known: `loss.name = auto`, `train.epochs = auto`
(0), `dataset.augment = auto` and a dataset's recommended settings. Torch-free.

The trainer resolves them at set-up, so the run header, `config.toml` in the run directory and the
checkpoints all hold the values actually used (a resume continues with those, not with `auto`).

The epoch rule: a small table must not stop before it has learned, and a large set keeps the
old 10-epoch default. So `auto` trains for at least `AUTO_MIN_STEPS` optimizer steps and at least
`AUTO_MIN_EPOCHS` epochs, at most `AUTO_MAX_EPOCHS`, and (when `train.patience` is 0) stops early
once the validation loss has not improved for `AUTO_PATIENCE` epochs.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.names import default_loss

AUTO_MIN_STEPS = 1_000
AUTO_MIN_EPOCHS = 10
AUTO_MAX_EPOCHS = 200
AUTO_PATIENCE = 20


def auto_epochs(n_train: int, batch_size: int, world_size: int = 1) -> tuple[int, int]:
    """(epochs, steps per epoch) of the `train.epochs = auto` rule for a training split."""
    per_rank = -(-max(n_train, 1) // max(world_size, 1))
    steps = max(1, -(-per_rank // max(batch_size, 1)))
    epochs = -(-AUTO_MIN_STEPS // steps)
    return min(max(epochs, AUTO_MIN_EPOCHS), AUTO_MAX_EPOCHS), steps


def recommended_settings(dataset_name: str) -> dict[str, Any]:
    """The registry's recommended settings for a dataset (`section.field` -> value), if any."""
    from tui_trainer.engine.datasets.registry import find_spec

    try:
        spec, _ = find_spec(dataset_name)
    except ConfigError:
        return {}
    return dict(spec.recommended)


def apply_recommended(config: TrainConfig, recommended: dict[str, Any]) -> list[str]:
    """Set each recommended field the user left at its default; returns `field=value` for each."""
    defaults = TrainConfig()
    applied = []
    for key, value in recommended.items():
        section, name = key.split(".")
        if getattr(getattr(config, section), name) == getattr(getattr(defaults, section), name):
            setattr(getattr(config, section), name, value)
            shown = (
                ",".join(map(str, value))
                if isinstance(value, list)
                else f"{value:g}"
                if isinstance(value, float)
                else str(value)
            )
            applied.append(f"{key}={shown}")
    return applied


def resolve_for_data(
    config: TrainConfig, meta: DatasetMeta, world_size: int = 1
) -> tuple[TrainConfig, list[str]]:
    """A copy of `config` with every `auto` decided for this dataset, and a log line for each choice."""
    config = config.copy()
    notes = []
    recommended = recommended_settings(config.dataset.name)
    if config.train.overfit_batches:  # its epochs are passes over N batches, not over the data
        recommended.pop("train.epochs", None)
    applied = apply_recommended(config, recommended)
    if applied:
        notes.append(
            f"{meta.name}: its recommended settings {', '.join(applied)} (set any of them to override)"
        )
    if config.dataset.augment == "auto":  # the sets that want augmentation recommend it
        config.dataset.augment = "none"
    if config.loss.name == "auto":
        config.loss.name = default_loss(meta.task)
        notes.append(f"loss.name auto: {config.loss.name} for {meta.task}")
    if config.train.epochs == 0:
        n_train = meta.n_train
        if config.train.overfit_batches:  # the overfit check trains on its first N batches only
            n_train = min(n_train, config.train.overfit_batches * config.dataset.batch_size)
        epochs, steps = auto_epochs(n_train, config.dataset.batch_size, world_size)
        config.train.epochs = epochs
        stopping = ""
        if config.train.patience == 0:
            config.train.patience = AUTO_PATIENCE
            stopping = f"; early stopping after {AUTO_PATIENCE} epochs without a better validation loss"
        notes.append(
            f"train.epochs auto: {epochs} epochs ({steps} steps/epoch; at least {AUTO_MIN_STEPS:,} "
            f"steps and {AUTO_MIN_EPOCHS} epochs, at most {AUTO_MAX_EPOCHS}){stopping}"
        )
    if meta.target_mean is not None and meta.target_scale is not None:
        notes.append(
            f"regression target standardised for training (mean {meta.target_mean:.4g}, std "
            f"{meta.target_scale:.4g} of the training split); metrics are in the target's own units"
        )
    return config, notes


def settings_fields() -> list[str]:
    """Every `section.field` name, for checking recommended settings name real fields."""
    config = TrainConfig()
    return [f"{s.name}.{f.name}" for s in fields(config) for f in fields(getattr(config, s.name))]
