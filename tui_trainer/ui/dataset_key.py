"""When the setup column loads a dataset's metadata again: the fields it depends on, and the
files behind a `csv:`/`folder:` name (an edit on disk is noticed when `s` is pressed)."""

from __future__ import annotations

from tui_trainer.engine import TrainConfig, dataset_files_signature

# Fields whose value changes the dataset's metadata (sizes, classes), so it is loaded again.
DATA_KEYS = (
    "dataset.name",
    "dataset.val_fraction",
    "dataset.n_samples",
    "dataset.target",
    "dataset.image_size",
    "dataset.grayscale",
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
        d.data_dir,
        dataset_files_signature(d),
    )
