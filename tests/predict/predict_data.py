"""Small tables and image folders for the prediction tests, and the rows a run put in its test split."""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tests.toy_config import toy_config
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.trainer import Trainer

FRUITS = ("apple", "banana", "cherry")


def write_fruit_csv(path: Path, n: int = 150, seed: int = 0) -> Path:
    """size (some cells missing), weight, colour (text, some missing), note (mostly missing: the
    loader skips it) and the text target `fruit`."""
    rng = np.random.default_rng(seed)
    rows = [["size", "weight", "colour", "note", "fruit"]]
    for i in range(n):
        fruit = FRUITS[i % 3]
        size = {"apple": 7.0, "banana": 12.0, "cherry": 2.0}[fruit] + rng.normal(0, 1.5)
        weight = {"apple": 150, "banana": 120, "cherry": 10}[fruit] + rng.normal(0, 20)
        colour = {"apple": "red", "banana": "yellow", "cherry": "red"}[fruit]
        if rng.random() < 0.2:
            colour = str(rng.choice(["green", ""]))
        rows.append(
            [
                "" if i % 17 == 5 else f"{size:.2f}",
                f"{weight:.1f}",
                colour,
                "bruised" if i % 4 == 0 else "",
                fruit,
            ]
        )
    return _write(path, rows)


def write_price_csv(path: Path, n: int = 150, seed: int = 1) -> Path:
    """area (some cells missing), district (text) and the numeric target `price`: regression."""
    rng = np.random.default_rng(seed)
    rows = [["area", "district", "price"]]
    for i in range(n):
        area = rng.uniform(30, 150)
        district = ("north", "south", "east")[i % 3]
        price = 2000 * area + {"north": 50000, "south": 0, "east": 20000}[district] + rng.normal(0, 5000)
        rows.append(["" if i % 13 == 4 else f"{area:.1f}", district, f"{price:.0f}"])
    return _write(path, rows)


def _write(path: Path, rows: list[list[Any]]) -> Path:
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def write_image_folder(root: Path, per_class: int = 16, seed: int = 0) -> Path:
    """Three classes of PNG images, RGB and grey, most 12×12 and some 15×10, so training's
    resize to dataset.image_size and its conversion to grey both matter."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    for c, name in enumerate(("circle", "square", "star")):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            width, height = (15, 10) if i % 5 == 0 else (12, 12)
            pixels = rng.integers(0, 80, size=(height, width, 3), dtype=np.uint8)
            pixels[:, c * 4 : c * 4 + 4] = 240
            image = Image.fromarray(pixels, "RGB")
            (image.convert("L") if i % 3 == 0 else image).save(folder / f"{i:02d}.png")
    return root


@dataclass
class TrainedRun:
    trainer: Trainer
    run_dir: Path

    @property
    def summary_metrics(self) -> dict[str, float]:
        import json

        return json.loads((self.run_dir / "summary.json").read_text())["metrics"]


def train(output_dir: Path, *overrides: str) -> TrainedRun:
    trainer = Trainer(toy_config(output_dir, "train.epochs=2", "train.n_samples_shown=0", *overrides))
    result = trainer.run()
    assert result.status == "completed", result.reason
    return TrainedRun(trainer, Path(result.run_dir))


def rows_in_test_split(n: int, config: TrainConfig) -> list[int]:
    """The rows (of n, none dropped) `load_dataset` puts in the test split, in its order."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(config.train.seed))
    n_test = round(n * config.dataset.test_fraction)  # training first, then validation, then test
    return order[n - n_test :].tolist() if n_test else []


def write_rows(source: Path, rows: list[int], target: Path, drop: tuple[str, ...] = ()) -> Path:
    """The data rows `rows` of the CSV `source` (in that order) as a new CSV, without `drop` columns."""
    with open(source, newline="") as handle:
        table = list(csv.reader(handle))
    keep = [i for i, name in enumerate(table[0]) if name not in drop]
    out = [[table[0][i] for i in keep]] + [[table[r + 1][i] for i in keep] for r in rows]
    return _write(target, out)


def copy_images(files: list[Path], root: Path, target: Path) -> Path:
    """The image files, kept in their class sub-folders under `target`."""
    for file in files:
        destination = target / file.relative_to(root)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(file, destination)
    return target
