"""Choosing the torch device, and describing what the machine has, for the UI and summaries."""

from __future__ import annotations

import os

import torch

from tui_trainer.engine.config import ConfigError


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(name: str) -> torch.device:
    """Map the config's device name to a torch.device, failing clearly when it is absent."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(
                f"train.device: {name} requested but torch.cuda.is_available() is False; use auto or cpu"
            )
        if ":" in name:
            index = int(name.split(":", 1)[1])
            count = torch.cuda.device_count()
            if index >= count:
                raise ConfigError(
                    f"train.device: {name} requested but only {count} CUDA device(s) exist (0..{count - 1})"
                )
        return torch.device(name)
    if name == "mps":
        if not mps_available():
            raise ConfigError(
                "train.device: mps requested but torch.backends.mps.is_available() is False; use auto or cpu"
            )
        return torch.device("mps")
    raise ConfigError(f"train.device must be auto, cpu, cuda, cuda:N or mps, got {name!r}")


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        return f"cuda:{index} ({torch.cuda.get_device_name(index)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    return f"cpu ({torch.get_num_threads()} threads)"


def detected_devices() -> list[str]:
    """One line per usable device, best first, for the device picker."""
    lines = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            lines.append(f"cuda:{index} {torch.cuda.get_device_name(index)}")
    if mps_available():
        lines.append("mps Apple GPU")
    lines.append(f"cpu {os.cpu_count() or 1} cores, torch uses {torch.get_num_threads()} threads")
    return lines


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def tune_for_model(model: torch.nn.Module, device: torch.device) -> bool:
    """Let cuDNN time its convolution algorithms once per input shape and keep the fastest.

    Every data set here has one image size, so the search is paid on the first batches only
    (and once more for a smaller last batch). Returns whether autotuning was turned on."""
    conv_types = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)
    has_conv = any(isinstance(m, conv_types) for m in model.modules())
    if device.type != "cuda" or not has_conv:
        return False
    torch.backends.cudnn.benchmark = True
    return True
