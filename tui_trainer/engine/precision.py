"""Mixed precision and compilation for the training step, chosen per device from the config.

`train.amp = "auto"` trains in float32 on every device: the models trained here are too small for
tensor cores to pay back autocast's extra cast kernels in a loop bound by kernel launches (the
measurements are in README, Performance). "bf16" (CUDA or CPU) and "fp16" (CUDA, always with a
gradient scaler so small fp16 gradients do not flush to zero) are opt-in for wide models and
large batches.
Evaluation always runs in float32.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from torch import nn

from tui_trainer.engine.config import ConfigError


@dataclass
class Precision:
    """What the loop needs: an autocast context factory and, for fp16, a gradient scaler."""

    mode: str  # "off", "bf16" or "fp16": what "auto" resolved to
    device_type: str
    dtype: torch.dtype | None
    scaler: torch.amp.GradScaler | None

    def autocast(self):
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device_type, dtype=self.dtype)

    def describe(self) -> str:
        return (
            "float32"
            if self.mode == "off"
            else f"{self.mode} autocast" + (" + grad scaler" if self.scaler is not None else "")
        )


def resolve_amp(mode: str, device: torch.device) -> str:
    """The concrete mode for `train.amp` on `device`; raises ConfigError for unsupported pairs."""
    if mode == "auto":
        return "off"
    if mode == "fp16" and device.type != "cuda":
        raise ConfigError(f"train.amp=fp16 needs a CUDA device (running on {device.type}); use bf16 or off")
    if mode == "bf16" and device.type not in ("cuda", "cpu"):
        raise ConfigError(f"train.amp=bf16 is not supported on {device.type}; use off")
    if mode == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ConfigError("train.amp=bf16: this GPU has no bfloat16 support; use fp16 or off")
    return mode


def make_precision(mode: str, device: torch.device) -> Precision:
    resolved = resolve_amp(mode, device)
    if resolved == "off":
        return Precision("off", device.type, None, None)
    if resolved == "bf16":
        return Precision("bf16", device.type, torch.bfloat16, None)
    return Precision("fp16", device.type, torch.float16, torch.amp.GradScaler(device.type))


def maybe_compile(model: nn.Module, enabled: bool) -> nn.Module:
    """The module the loop calls for training steps. The uncompiled model stays the one that is
    evaluated and saved, so checkpoints keep plain parameter names."""
    if not enabled:
        return model
    compiled: nn.Module = torch.compile(model)  # type: ignore[assignment]  # an OptimizedModule
    return compiled
