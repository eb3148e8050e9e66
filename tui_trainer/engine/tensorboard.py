"""Optional TensorBoard logging as an event listener: the loop knows nothing about it.

Needs the `tensorboard` package (`pip install 'tui-trainer[tensorboard]'`). Events go to
`<run dir>/tensorboard/`; a resumed run appends to the same directory at the same global steps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.events import (
    BatchEnd,
    EpochEnd,
    Evaluation,
    EventListener,
    ModelStats,
    RunFinished,
    RunStarted,
)
from tui_trainer.engine.rundir.layout import TENSORBOARD_DIR

CELL_PIXELS = 12  # each confusion cell becomes a square this wide in the image


def _summary_writer_class():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ConfigError(
            "train.tensorboard needs the tensorboard package: pip install 'tui-trainer[tensorboard]' "
            "(or turn it off with --set train.tensorboard=false)"
        ) from None
    return SummaryWriter


def confusion_image(confusion: torch.Tensor) -> np.ndarray:
    """(3, H, W) uint8 heat map, rows = true class: each row scaled by its count, so the colour
    says which fraction of that class went where (white none, dark blue all)."""
    counts = confusion.double()
    totals = counts.sum(dim=1, keepdim=True).clamp(min=1)
    share = (counts / totals).numpy()
    share = np.kron(share, np.ones((CELL_PIXELS, CELL_PIXELS)))
    white, blue = np.array([255.0, 255.0, 255.0]), np.array([8.0, 48.0, 107.0])
    rgb = white[:, None, None] + (blue - white)[:, None, None] * share[None, :, :]
    return rgb.round().astype(np.uint8)


def confusion_markdown(evaluation: Evaluation) -> str:
    confusion = evaluation.confusion
    assert confusion is not None  # only called for classification evaluations
    names = evaluation.class_names or [str(i) for i in range(confusion.shape[0])]
    lines = ["| true \\ pred | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for name, row in zip(names, confusion.tolist(), strict=False):
        lines.append(f"| {name} | " + " | ".join(str(int(v)) for v in row) + " |")
    return "\n".join(lines)


class TensorBoardLogger(EventListener):
    """Event listener; opens its writer at RunStarted and closes it at RunFinished."""

    def __init__(self, config: TrainConfig):
        self.writer_class = _summary_writer_class()
        self.fallback_dir = Path(config.train.output_dir).expanduser() / TENSORBOARD_DIR
        self.writer: Any = None  # a SummaryWriter between RunStarted and RunFinished
        self.step = 0

    def on_run_start(self, event: RunStarted) -> None:
        log_dir = Path(event.run_dir) / TENSORBOARD_DIR if event.run_dir else self.fallback_dir
        self.writer = self.writer_class(log_dir=str(log_dir))
        self.writer.add_text("config", "```toml\n" + event.config.to_toml() + "\n```", event.start_epoch)

    def on_batch_end(self, event: BatchEnd) -> None:
        if self.writer is None:
            return
        for offset, loss in enumerate(event.step_losses):
            self.writer.add_scalar("train/step_loss", loss, event.first_step + offset)
        self.step = event.step

    def on_epoch_end(self, event: EpochEnd) -> None:
        if self.writer is None:
            return
        epoch = event.epoch + 1
        for key, value in event.as_record().items():
            if key != "epoch" and isinstance(value, (int, float)):
                self.writer.add_scalar(f"epoch/{key}", value, epoch)

    def on_evaluation(self, event: Evaluation) -> None:
        writer = self.writer
        if writer is None:
            return
        epoch = event.epoch + 1
        if event.split == "test":
            writer.add_scalar("test/loss", event.loss, epoch)
            if event.accuracy is not None:
                writer.add_scalar("test/accuracy", event.accuracy, epoch)
        if event.confusion is not None:
            writer.add_image(f"{event.split}/confusion", confusion_image(event.confusion), epoch)
            writer.add_text(f"{event.split}/confusion", confusion_markdown(event), epoch)
        writer.flush()

    def on_model_stats(self, event: ModelStats) -> None:
        """Histograms of every parameter and its gradient, and each layer's health as scalars."""
        writer = self.writer
        if writer is None:
            return
        epoch = event.epoch + 1
        for tag, values in event.histograms.items():
            if values.numel() and bool(values.isfinite().all()):  # add_histogram refuses NaN
                writer.add_histogram(tag, values, epoch)
        for layer in event.layers:
            for key in ("weight_norm", "grad_norm", "update_ratio"):
                value = getattr(layer, key)
                if value is not None:
                    writer.add_scalar(f"health/{layer.name}/{key}", value, epoch)
        for act in event.activations:
            if act.dead_fraction is not None:
                writer.add_scalar(f"health/{act.name}/dead_fraction", act.dead_fraction, epoch)

    def on_run_end(self, event: RunFinished) -> None:
        if self.writer is None:
            return
        self.writer.add_text("result", f"{event.status}: {event.reason}", max(event.epochs_done, 0))
        self.writer.close()
        self.writer = None
