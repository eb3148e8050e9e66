"""The one way a `.pt` file is read: tensors and plain values only, never pickled Python code.

Run directories are shared (copied between machines, attached to issues, unpacked from archives),
so a weights file is untrusted input. `torch.load(..., weights_only=True)` refuses any pickled
object that is not a tensor or a plain container, which is exactly what tui-trainer writes;
everything that reads model.pt, last.pt or best.pt goes through `load_weights_file`. Rebuilding
the model a weights file holds (`load_model`) is here too.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import torch

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.model import build_model
from tui_trainer.engine.rundir.layout import weights_path


class WeightsFileError(ConfigError):
    """A weights file that is missing, damaged, or holds more than tensors and plain values."""


def load_weights_file(path: str | Path, shown_as: str | None = None) -> dict[str, Any]:
    """The payload of a tui-trainer weights file; WeightsFileError (one line) for anything else.

    `shown_as` is how the file is named in messages (the path the user gave, by default)."""
    path = Path(path)
    name = shown_as or str(path)
    if not path.exists():
        raise WeightsFileError(f"no weights file {name}")
    if not path.is_file():
        raise WeightsFileError(f"{name} is not a weights file (it is not a regular file)")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only load failed" in str(exc).lower() or "unsupported global" in str(exc).lower():
            raise WeightsFileError(
                f"{name} is not a tui-trainer weights file (it holds Python objects that are not "
                "loaded for safety)"
            ) from None
        raise WeightsFileError(f"{name} is not a readable weights file ({_reason(exc)})") from None
    except Exception as exc:  # torch raises many types for a damaged or foreign file
        raise WeightsFileError(f"{name} is not a readable weights file ({_reason(exc)})") from None
    if not isinstance(payload, dict):
        raise WeightsFileError(f"{name} is not a tui-trainer weights file (no table of values in it)")
    return payload


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if "PytorchStreamReader" in text or "zip archive" in text or isinstance(exc, EOFError):
        return "it is truncated or damaged"
    return text[:120] or type(exc).__name__


def read_weights(path: Path) -> dict[str, Any]:
    """A weights file's payload, through the one safe loader (no pickled code runs)."""
    payload = load_weights_file(path)
    if "state_dict" not in payload:
        raise WeightsFileError(f"{path} is not a tui-trainer weights file (no model weights in it)")
    return payload


def load_model(path: str | Path, which: str = "final") -> tuple[torch.nn.Module, TrainConfig, DatasetMeta]:
    """Rebuild a model saved in a run directory (model.pt, or last.pt / best.pt with `which`):
    returns (model, config, meta)."""
    payload = read_weights(weights_path(path, which))
    return rebuild_model(payload)


def rebuild_model(payload: dict[str, Any]) -> tuple[torch.nn.Module, TrainConfig, DatasetMeta]:
    """The model, config and dataset description a weights file's payload holds."""
    config = TrainConfig.from_dict(payload["config"])
    meta_dict = dict(payload["meta"])
    meta_dict["input_shape"] = tuple(meta_dict["input_shape"])
    meta_dict = {k: v for k, v in meta_dict.items() if k in DatasetMeta.__dataclass_fields__}
    meta = DatasetMeta(**meta_dict)
    model = build_model(config, meta)
    model.load_state_dict(payload["state_dict"])
    return model, config, meta
