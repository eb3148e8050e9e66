"""What every dataset hands the engine: tensors split three ways plus what the UI needs to know."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from tui_trainer.engine.datasets.meta import DatasetMeta, LoadProgress  # noqa: F401  (re-exported)

if TYPE_CHECKING:
    from tui_trainer.engine.datasets.csv_encoding import CsvEncoding


@dataclass
class Split:
    """Inputs and targets of one split. Images stay uint8 until a batch is normalised."""

    x: torch.Tensor
    y: torch.Tensor  # int64 class labels, or float32 (N, 1) regression targets

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def to(self, device: torch.device) -> Split:
        return Split(self.x.to(device), self.y.to(device))

    def nbytes(self) -> int:
        return self.x.element_size() * self.x.nelement() + self.y.element_size() * self.y.nelement()


@dataclass
class Normalizer:
    """Per-feature (or per-channel) shift and scale learned from the training split."""

    mean: torch.Tensor
    scale: torch.Tensor

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return (x.float() - self.mean) / self.scale

    def to(self, device: torch.device) -> Normalizer:
        return Normalizer(self.mean.to(device), self.scale.to(device))

    @classmethod
    def identity(cls) -> Normalizer:
        return cls(torch.zeros(()), torch.ones(()))

    @classmethod
    def fit(cls, x: torch.Tensor, method: str, is_image: bool) -> Normalizer:
        if method == "none":
            return cls.identity()
        if is_image:
            # One statistic per channel over all pixels, as torchvision's Normalize uses.
            mean_c, std_c, low, high = _channel_stats(x)
            keep = (-1,) + (1,) * (x.dim() - 2)
            if method == "standardize":
                mean, scale = mean_c.view(keep), std_c.view(keep)
            else:
                mean, scale = low.view(keep), (high - low).view(keep)
            scale = torch.where(scale > 1e-12, scale, torch.ones_like(scale))
            return cls(mean, scale)
        xf = x.float()
        if method == "standardize":
            mean, scale = xf.mean(dim=0), xf.std(dim=0)
        else:
            mean, scale = xf.amin(dim=0), xf.amax(dim=0) - xf.amin(dim=0)
        scale = torch.where(scale > 1e-12, scale, torch.ones_like(scale))
        return cls(mean, scale)


def _channel_stats(x: torch.Tensor, chunk: int = 256):
    """Per-channel mean, unbiased std, min and max of (N, C, ...) images, a chunk at a time so
    CIFAR's 150 MB of uint8 never becomes 600 MB of float32 at once. Small chunks also keep the
    scratch memory below what glibc keeps after freeing (bench/memory.py: RSS 1.66x -> 1.31x of
    MNIST's raw size with 2048-image chunks -> 256)."""
    channels = x.shape[1]
    total = torch.zeros(channels, dtype=torch.float64)
    squares = torch.zeros(channels, dtype=torch.float64)
    low = torch.full((channels,), float("inf"))
    high = torch.full((channels,), float("-inf"))
    for start in range(0, x.shape[0], chunk):
        part = x[start : start + chunk].float().transpose(0, 1).reshape(channels, -1)
        total += part.sum(dim=1, dtype=torch.float64)
        squares += (part * part).sum(dim=1, dtype=torch.float64)
        low = torch.minimum(low, part.amin(dim=1))
        high = torch.maximum(high, part.amax(dim=1))
    count = x.numel() // channels
    mean = total / count
    var = (squares - count * mean * mean) / max(count - 1, 1)
    return mean.float(), var.clamp_min(0).sqrt().float(), low, high


@dataclass
class DatasetSplits:
    train: Split
    val: Split
    test: Split | None
    meta: DatasetMeta
    normalizer: Normalizer
    # What prediction needs to encode new inputs as these were (an engine.preprocessing
    # Preprocessing, which builds on this module); None for data handed over ready-made.
    preprocessing: Any = None


@dataclass
class LoadedData:
    """What a dataset loader returns, before the engine splits and normalises it.

    `x_test`/`y_test` are given by sets with an official test split (MNIST, CIFAR); otherwise the
    test split is carved out of `x`/`y` by `dataset.test_fraction`.
    """

    x: torch.Tensor
    y: torch.Tensor
    meta: DatasetMeta
    x_test: torch.Tensor | None = None
    y_test: torch.Tensor | None = None
    # csv: tables: how each column became features, repeated on new rows at prediction.
    table_encoding: CsvEncoding | None = None
