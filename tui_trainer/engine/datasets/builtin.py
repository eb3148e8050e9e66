"""Small real data that ships with the installed packages: no download, instant."""

from __future__ import annotations

import torch

from tui_trainer.engine.config import DatasetConfig
from tui_trainer.engine.datasets.base import DatasetMeta, LoadedData


def digits(cfg: DatasetConfig, seed: int) -> LoadedData:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # Pixels are integers 0..16: uint8 keeps the set compact, normalisation happens per batch.
    x = torch.from_numpy(bunch.images).to(torch.uint8).unsqueeze(1)
    y = torch.from_numpy(bunch.target).long()
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
