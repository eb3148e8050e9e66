"""Datasets: a registry of loaders returning train/validation/test tensors plus metadata."""

from tui_trainer.engine.datasets.base import (
    DatasetMeta,
    DatasetSplits,
    LoadedData,
    Normalizer,
    Split,
)
from tui_trainer.engine.datasets.registry import (
    DatasetSpec,
    dataset_names,
    dataset_specs,
    find_spec,
    load_dataset,
    register,
)

__all__ = [
    "DatasetMeta",
    "DatasetSplits",
    "DatasetSpec",
    "LoadedData",
    "Normalizer",
    "Split",
    "dataset_names",
    "dataset_specs",
    "find_spec",
    "load_dataset",
    "register",
]
