"""The run directory: config as run, per-epoch metrics, summary and the trained model."""

from __future__ import annotations

import json
import platform
import re
import time
from pathlib import Path
from typing import Any

import torch

from tui_trainer.engine.atomic import atomic_write, atomic_write_text
from tui_trainer.engine.config import TrainConfig


def default_run_name(config: TrainConfig) -> str:
    hidden = "x".join(str(h) for h in config.model.hidden) or "linear"
    return f"{config.dataset.name}-{hidden}-{config.optimizer.name}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:60] or "run"


class RunDirectory:
    """Files of one run under `<output_dir>/<timestamp>-<name>/`, each written atomically."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.metrics: list[dict[str, Any]] = []

    @classmethod
    def create(cls, config: TrainConfig) -> "RunDirectory":
        root = Path(config.train.output_dir).expanduser()
        name = _slug(config.train.run_name or default_run_name(config))
        stamp = time.strftime("%Y%m%d-%H%M%S")
        try:
            root.mkdir(parents=True, exist_ok=True)
            for attempt in range(1, 1000):
                suffix = "" if attempt == 1 else f"-{attempt}"
                path = root / f"{stamp}-{name}{suffix}"
                try:
                    path.mkdir()
                    return cls(path)
                except FileExistsError:
                    continue
        except OSError as exc:
            raise OSError(f"cannot create run directory under {root}: {exc.strerror or exc}") from None
        raise OSError(f"cannot create a unique run directory under {root}")

    def write_config(self, config: TrainConfig) -> None:
        config.save(self.path / "config.toml")

    def append_metrics(self, record: dict[str, Any]) -> None:
        # Rewritten whole and atomically: a crash never leaves a half-written last line.
        self.metrics.append(record)
        text = "".join(json.dumps(r) + "\n" for r in self.metrics)
        atomic_write_text(self.path / "metrics.jsonl", text)

    def write_summary(self, summary: dict[str, Any]) -> None:
        atomic_write_text(self.path / "summary.json", json.dumps(summary, indent=2) + "\n")

    def save_model(self, model: torch.nn.Module, config: TrainConfig, meta_dict: dict[str, Any]) -> None:
        state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
        payload = {"state_dict": state, "config": config.to_dict(), "meta": meta_dict}
        atomic_write(self.path / "model.pt", lambda handle: torch.save(payload, handle))


def environment_info() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
    }


def load_model(path: str | Path):
    """Rebuild a model saved in a run directory: returns (model, config, meta_dict)."""
    from tui_trainer.engine.datasets.base import DatasetMeta
    from tui_trainer.engine.model import build_model

    path = Path(path)
    if path.is_dir():
        path = path / "model.pt"
    payload = torch.load(path, map_location="cpu", weights_only=False)
    config = TrainConfig.from_dict(payload["config"])
    meta_dict = dict(payload["meta"])
    meta_dict["input_shape"] = tuple(meta_dict["input_shape"])
    meta = DatasetMeta(**meta_dict)
    model = build_model(config, meta)
    model.load_state_dict(payload["state_dict"])
    return model, config, meta
