"""Datasets: a registry of loaders returning train/validation/test tensors plus metadata.

The tensor types (Split, DatasetSplits, ...) are imported on first use, so `from
tui_trainer.engine.datasets import find_spec` does not load torch.
"""

from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.datasets.registry import (
    DatasetSpec,
    dataset_names,
    dataset_specs,
    find_spec,
    load_dataset,
    register,
)

_TENSOR_TYPES = ("DatasetSplits", "LoadedData", "Normalizer", "Split")


def __getattr__(name: str):
    if name in _TENSOR_TYPES:
        from tui_trainer.engine.datasets import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
