"""The one builder of the small, fast configs the tests train: a toy dataset, a small MLP, the
CPU, runs written under a temporary directory. Overrides are `--set` strings, so a test reads
exactly like the command line it stands for."""

from __future__ import annotations

from pathlib import Path

from tui_trainer.engine.config import TrainConfig

BASE = (
    "dataset.name=moons",
    "dataset.n_samples=300",
    "dataset.batch_size=32",
    "model.hidden=16",
    "train.epochs=3",
    "train.device=cpu",
    "train.n_samples_shown=12",
)


def toy_config(output_dir: str | Path, *overrides: str) -> TrainConfig:
    """A seconds-long CPU run writing under `output_dir`; later overrides win."""
    return TrainConfig().with_overrides([*BASE, f"train.output_dir={output_dir}", *overrides])
