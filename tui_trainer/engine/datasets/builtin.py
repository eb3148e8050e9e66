"""Small real data that ships with the installed packages: no download, instant."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np
import torch

from tui_trainer.engine.config import DatasetConfig
from tui_trainer.engine.datasets.base import DatasetMeta, LoadedData


def _digits_file() -> Path | None:
    """scikit-learn's digits.csv.gz, found without importing scikit-learn (~1 s here)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz"
    return path if path.is_file() else None


def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """(1797, 8, 8) pixels 0..16 and (1797,) labels, as `sklearn.datasets.load_digits` gives."""
    path = _digits_file()
    if path is None:  # an unusual layout: let scikit-learn find its own file
        from sklearn.datasets import load_digits

        bunch = load_digits()
        return bunch.images, bunch.target
    with gzip.open(path, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",")
    return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)


def digits(cfg: DatasetConfig, seed: int) -> LoadedData:
    images, target = _digits_arrays()
    # Pixels are integers 0..16: uint8 keeps the set compact, normalisation happens per batch.
    x = torch.from_numpy(images).to(torch.uint8).unsqueeze(1)
    y = torch.from_numpy(target).long()
    meta = DatasetMeta(
        name="digits",
        task="classification",
        input_shape=(1, 8, 8),
        n_classes=10,
        class_names=[str(i) for i in range(10)],
        is_image=True,
        pixel_max=16.0,
        description="scikit-learn's 8×8 handwritten digits (1,797 images)",
    )
    return LoadedData(x, y, meta)
