"""Classification and regression metrics computed on tensors (on the training device)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class ConfusionMatrix:
    """Counts with rows = true class and columns = predicted class."""

    counts: torch.Tensor  # (C, C) int64

    @classmethod
    def from_predictions(
        cls, targets: torch.Tensor, predictions: torch.Tensor, n_classes: int
    ) -> ConfusionMatrix:
        flat = targets.long() * n_classes + predictions.long()
        counts = torch.bincount(flat, minlength=n_classes * n_classes).view(n_classes, n_classes)
        return cls(counts.cpu())

    @property
    def n_classes(self) -> int:
        return int(self.counts.shape[0])

    def accuracy(self) -> float:
        total = int(self.counts.sum())
        return float(self.counts.diag().sum()) / total if total else 0.0

    def precision(self) -> list[float]:
        predicted = self.counts.sum(dim=0).double()
        return _safe_ratio(self.counts.diag().double(), predicted)

    def recall(self) -> list[float]:
        actual = self.counts.sum(dim=1).double()
        return _safe_ratio(self.counts.diag().double(), actual)

    def f1(self) -> list[float]:
        out = []
        for p, r in zip(self.precision(), self.recall(), strict=False):
            out.append(2 * p * r / (p + r) if p + r > 0 else 0.0)
        return out

    def macro_f1(self) -> float:
        values = self.f1()
        return sum(values) / len(values) if values else 0.0


def _safe_ratio(num: torch.Tensor, den: torch.Tensor) -> list[float]:
    # A class never predicted (or absent) scores 0 rather than NaN, as scikit-learn's zero_division=0.
    ratio = torch.where(den > 0, num / den.clamp(min=1), torch.zeros_like(num))
    return [float(v) for v in ratio]


def regression_metrics(targets: torch.Tensor, predictions: torch.Tensor) -> dict[str, float]:
    t, p = targets.double().view(-1), predictions.double().view(-1)
    err = p - t
    mse = float((err**2).mean())
    mae = float(err.abs().mean())
    var = float(((t - t.mean()) ** 2).mean())
    r2 = 1.0 - mse / var if var > 0 else 0.0
    return {"mse": mse, "mae": mae, "r2": r2}
