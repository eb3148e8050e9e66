"""The dataset registry: names (and `prefix:` forms such as `csv:file.csv`) to loaders.

A loader takes the dataset section of the config, the seed and an optional progress callback, and
returns `LoadedData`; `load_dataset` then splits, normalises and records sizes, the same for all.

Importing the registry imports neither torch nor any loader module: the app lists datasets and
paints its first screen before torch has loaded. Built-in loaders are `LazyLoader`s that import
their module on first call.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui_trainer.engine.config import ConfigError, DatasetConfig
from tui_trainer.engine.datasets.meta import LoadProgress

if TYPE_CHECKING:
    from tui_trainer.engine.datasets.base import DatasetSplits, LoadedData

Loader = Callable[..., "LoadedData"]


class LazyLoader:
    """A loader named by module and function, imported when first called."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name
        self.__name__ = name

    def target(self) -> Loader:
        return getattr(importlib.import_module(self.module), self.name)

    def __call__(self, *args, **kwargs) -> LoadedData:
        return self.target()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"LazyLoader({self.module}.{self.name})"


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    loader: Loader
    kind: str  # "builtin", "toy", "torchvision", "file"
    description: str
    # Prefixed specs (csv:, folder:) take the rest of the name as a path.
    prefix: bool = False
    needs_download: bool = False
    # `section.field` -> value used when the user left that field at its default; the run's log
    # names them (engine/auto_settings.py).
    recommended: dict[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec) -> None:
    _REGISTRY[spec.name] = spec


def dataset_specs() -> list[DatasetSpec]:
    return list(_REGISTRY.values())


def dataset_names() -> list[str]:
    """Names a user can pick from a list (prefixed forms are shown as `csv:<path>`)."""
    return [f"{s.name}:<path>" if s.prefix else s.name for s in _REGISTRY.values()]


def find_spec(name: str) -> tuple[DatasetSpec, str | None]:
    """The spec for a dataset name and, for `prefix:path` names, the path part."""
    if ":" in name:
        prefix, rest = name.split(":", 1)
        spec = _REGISTRY.get(prefix)
        if spec is not None and spec.prefix:
            if not rest.strip():
                raise ConfigError(f"dataset.name {name!r} needs a path after '{prefix}:'")
            return spec, rest
    spec = _REGISTRY.get(name)
    if spec is None or spec.prefix:
        raise ConfigError(f"unknown dataset.name {name!r}; valid: {', '.join(dataset_names())}")
    return spec, None


def load_raw(cfg: DatasetConfig, seed: int, progress: LoadProgress | None = None) -> LoadedData:
    spec, path = find_spec(cfg.name)
    if cfg.task != "auto" and spec.name != "csv":
        raise ConfigError(
            f"dataset.task={cfg.task} applies to csv: tables only; {cfg.name} is always "
            "what it is: leave dataset.task=auto"
        )
    kwargs: dict[str, Any] = {}
    if spec.prefix:
        kwargs["path"] = path
    loader = spec.loader.target() if isinstance(spec.loader, LazyLoader) else spec.loader
    if spec.needs_download or "progress" in inspect.signature(loader).parameters:
        kwargs["progress"] = progress
    return loader(cfg, seed, **kwargs)


def load_dataset(cfg: DatasetConfig, seed: int, progress: LoadProgress | None = None) -> DatasetSplits:
    """Load, split (seeded), and fit the normaliser on the training split only."""
    import torch

    from tui_trainer.engine.datasets.base import DatasetSplits, Normalizer, Split
    from tui_trainer.engine.preprocessing import Preprocessing

    data = load_raw(cfg, seed, progress)
    meta = data.meta
    n = int(data.x.shape[0])
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_val = int(round(n * cfg.val_fraction))
    if data.x_test is not None:
        n_test = 0
        assert data.y_test is not None  # a loader with its own test split gives both halves
        test = Split(data.x_test, data.y_test)
    else:
        n_test = int(round(n * cfg.test_fraction))
        test = None
    n_train = n - n_val - n_test
    if n_train < 1 or n_val < 1:
        raise ConfigError(
            f"dataset {meta.name} has {n} samples: too few for dataset.val_fraction="
            f"{cfg.val_fraction} (need at least one training and one validation sample)",
            field="dataset.val_fraction",
        )
    train_idx, val_idx = order[:n_train], order[n_train : n_train + n_val]
    if test is None and n_test > 0:
        test_idx = order[n_train + n_val :]
        test = Split(data.x[test_idx], data.y[test_idx])
    train = Split(data.x[train_idx], data.y[train_idx])
    val = Split(data.x[val_idx], data.y[val_idx])
    if meta.task == "classification":
        present = int(torch.unique(data.y).numel())
        if present < 2:
            raise ConfigError(f"dataset {meta.name} has {present} class: classification needs at least 2")
    meta.n_train, meta.n_val, meta.n_test = len(train), len(val), len(test) if test is not None else 0
    normalizer = Normalizer.fit(train.x, cfg.normalization, meta.is_image)
    meta.target_mean, meta.target_scale = target_statistics(train.y, meta.task, cfg.target_normalization)
    preprocessing = Preprocessing.learned(cfg, meta, normalizer, data.table_encoding)
    return DatasetSplits(train, val, test, meta, normalizer, preprocessing)


def target_statistics(y_train, task: str, method: str) -> tuple[float | None, float | None]:
    """Mean and std a regression target is standardised with (training split only), or Nones."""
    if task != "regression" or method == "none":
        return None, None
    y = y_train.double()
    mean = float(y.mean())
    std = float(y.std()) if y.numel() > 1 else 0.0
    return mean, std if std > 1e-12 and std == std else 1.0


def _register_defaults() -> None:
    from tui_trainer.engine.datasets import torchvision_sets  # torch-free until a set is read

    package = "tui_trainer.engine.datasets."
    # digits keeps its 10 epochs (97% validation accuracy in about 200 steps).
    register(
        DatasetSpec(
            "digits",
            LazyLoader(package + "builtin", "digits"),
            "builtin",
            "8×8 handwritten digits, 1,797 images, 10 classes",
            recommended={"train.epochs": 10},
        )
    )
    for name, text in (
        ("spirals", "2-D, 3 spiral arms"),
        ("moons", "2-D, two half moons"),
        ("circles", "2-D, circle in a circle"),
        ("xor", "2-D, XOR quadrants"),
        ("blobs", "2-D, 4 Gaussian blobs"),
        ("linear", "1-D regression, y = 2x + 1 (dataset.slope, intercept, x_min, x_max)"),
        ("sine", "1-D regression, y = sin(x)"),
    ):
        register(DatasetSpec(name, LazyLoader(package + "toys", name), "toy", text))
    torchvision_sets.register_all(register, DatasetSpec)
    register(
        DatasetSpec(
            "csv",
            LazyLoader(package + "csv_file", "load_csv"),
            "file",
            "a CSV file: csv:path/to/file.csv",
            prefix=True,
        )
    )
    register(
        DatasetSpec(
            "folder",
            LazyLoader(package + "image_folder", "load_image_folder"),
            "file",
            "images in one sub-folder per class: folder:path/",
            prefix=True,
        )
    )


_register_defaults()
