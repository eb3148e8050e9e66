"""Standardised regression targets: the network trains on (y - mean) / scale, users see y.

The statistics come from the training split (`datasets.registry.target_statistics`) and travel
in the dataset meta, so last.pt, best.pt and model.pt all carry them and a resume, an export or
a reload puts predictions back in the target's own units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class TargetScaling:
    mean: float
    scale: float

    def scale_targets(self, y: torch.Tensor) -> torch.Tensor:
        return (y.float() - self.mean) / self.scale

    def unscale(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs.float() * self.scale + self.mean

    @classmethod
    def from_meta(cls, meta: Any) -> TargetScaling | None:
        mean, scale = getattr(meta, "target_mean", None), getattr(meta, "target_scale", None)
        return cls(float(mean), float(scale)) if mean is not None and scale is not None else None

    @classmethod
    def from_meta_dict(cls, meta: dict[str, Any]) -> TargetScaling | None:
        mean, scale = meta.get("target_mean"), meta.get("target_scale")
        return cls(float(mean), float(scale)) if mean is not None and scale is not None else None


def adopt_saved_scaling(trainer: Any, payload: dict[str, Any]) -> None:
    """On resume, train on the targets scaled as the checkpoint's run did. A checkpoint from
    before target scaling (no `target_mean` in its meta) trained on raw targets, and goes on so."""
    saved_meta = payload.get("meta") or {}
    saved = TargetScaling.from_meta_dict(saved_meta) if "target_mean" in saved_meta else None
    placed, current = trainer.placed, trainer.placed.target_scaling
    if saved == current:
        return
    from tui_trainer.engine.datasets.base import Split

    y = placed.train.y if current is None else current.unscale(placed.train.y)
    placed.train = Split(placed.train.x, y if saved is None else saved.scale_targets(y))
    placed.target_scaling = saved
    trainer.meta.target_mean = saved.mean if saved else None
    trainer.meta.target_scale = saved.scale if saved else None
