"""The setup column's rules about its fields: which are shown for the current settings, which
choosers fill another field, and when the dataset's metadata is loaded again (the fields it
depends on, and the files behind a `csv:`/`folder:` name, so an edit on disk is noticed)."""

from __future__ import annotations

from tui_trainer.engine import (
    USES_BETAS,
    USES_MOMENTUM,
    ConfigError,
    DatasetMeta,
    TrainConfig,
    dataset_files_signature,
    find_spec,
)

PICK_KEY = "ui.dataset_pick"
ARCHITECTURE_PICK_KEY = "ui.architecture_pick"
# Choosers that fill another field (the dataset name, the layer stack) rather than the config.
PICK_FIELDS = {PICK_KEY: "dataset.name", ARCHITECTURE_PICK_KEY: "model.layers"}
# Edits that may show or hide other fields.
SHOWN_BY = ("optimizer.name", "dataset.name", "scheduler.name")
SCHEDULER_FIELDS = {
    "scheduler.step_size": ("step",),
    "scheduler.gamma": ("step", "plateau"),
    "scheduler.patience": ("plateau",),
}

# The linear toy's own fields.
LINEAR_KEYS = ("dataset.slope", "dataset.intercept", "dataset.x_min", "dataset.x_max", "dataset.x_spacing")
# Fields whose value changes the dataset's metadata (sizes, classes), so it is loaded again.
DATA_KEYS = (
    "dataset.name",
    "dataset.val_fraction",
    "dataset.test_fraction",
    "dataset.n_samples",
    "dataset.noise",
    "dataset.task",
    "dataset.data_dir",
    "dataset.target",
    "dataset.image_size",
    "dataset.grayscale",
    *LINEAR_KEYS,
)


def meta_key(config: TrainConfig) -> tuple:
    """What the dataset's metadata depends on; a `csv:`/`folder:` file edited on disk changes it."""
    d = config.dataset
    return (
        d.name,
        d.val_fraction,
        d.test_fraction,
        d.n_samples,
        d.noise,
        d.image_size,
        d.grayscale,
        d.target,
        d.task,
        d.data_dir,
        (d.slope, d.intercept, d.x_min, d.x_max, d.x_spacing),
        dataset_files_signature(d),
    )


def shown_fields(config: TrainConfig, meta: DatasetMeta | None) -> dict[str, bool]:
    """Whether each optional field applies: the others stay hidden rather than editable for nothing
    (momentum for Adam, a target column for digits, class weights for a regression target)."""
    optimizer, kind = config.optimizer.name, file_kind(config.dataset.name)
    classes = meta is None or meta.task == "classification"
    toy = is_toy(config.dataset.name)
    shown = {
        "optimizer.momentum": optimizer in USES_MOMENTUM,
        "optimizer.betas": optimizer in USES_BETAS,
        "optimizer.nesterov": optimizer == "sgd",
        "dataset.target": kind == "csv",
        "dataset.task": kind == "csv",
        "dataset.image_size": kind == "folder",
        "dataset.grayscale": kind == "folder",
        "dataset.n_samples": toy,
        "dataset.noise": toy,
        **{key: config.dataset.name == "linear" for key in LINEAR_KEYS},
        # Shown for image sets, and wherever a value is set that the dataset refuses.
        "dataset.augment": (meta is not None and meta.is_image)
        or config.dataset.augment not in ("auto", "none"),
        "dataset.target_normalization": not classes,
        "loss.one_hot": classes,
        "loss.class_weights": classes,
    }
    for key, schedulers in SCHEDULER_FIELDS.items():
        shown[key] = config.scheduler.name in schedulers
    return shown


def file_kind(name: str) -> str | None:
    """`csv` or `folder` for a `csv:`/`folder:` dataset name (the fields only they use)."""
    prefix = name.split(":", 1)[0].strip() if ":" in name else ""
    return prefix if prefix in ("csv", "folder") else None


def is_toy(name: str) -> bool:
    try:
        return find_spec(name)[0].kind == "toy"
    except ConfigError:
        return False
