"""What a run learned from its training split about turning raw inputs into the tensors its model
reads: saved with the run as preprocessing.json and restored to predict.

Its parts: the input normaliser (a mean and scale per column, or per channel for images); for
tables, how each column became features (`CsvEncoding`: the one-hot vocabularies, the values a
missing cell is filled with, the skipped columns, the target column's name); for images, the size,
channels and pixel range a file is converted to (`ImageEncoding`); the class names and the
regression target's scaling. `learned` describes a dataset as `load_dataset` made it, the trainer
writes it beside config.toml (`RunDirectory.write_config`), `load` reads it back. It is JSON, so
reading it runs nothing. `apply` turns raw inputs (mappings of column to cell, PIL images, or
tensors of stored values) into model inputs, for the command line and the app alike.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from tui_trainer.engine.config import ConfigError, DatasetConfig
from tui_trainer.engine.datasets.base import Normalizer
from tui_trainer.engine.datasets.csv_encoding import CsvEncoding, EncodedRows, RowColumns
from tui_trainer.engine.datasets.image_encoding import ImageEncoding
from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.rundir.layout import PREPROCESSING_FILE

PREPROCESSING_FORMAT = 1
# The target column of tables that had no header to name it (the generated toys).
DEFAULT_TARGET = "y"


class PreprocessingError(ConfigError):
    """A run without usable saved preprocessing (an older run, a damaged file)."""


@dataclass
class Preprocessing:
    dataset: str  # the dataset.name it was learned from
    task: str  # "classification" or "regression"
    class_names: list[str]
    input_shape: tuple[int, ...]  # one sample as the model reads it
    normalizer: Normalizer
    # A regression target standardised for training: (y - target_mean) / target_scale.
    target_mean: float | None = None
    target_scale: float | None = None
    table: CsvEncoding | None = None  # tables: csv: files and the generated toys
    image: ImageEncoding | None = None  # image sets

    @classmethod
    def learned(
        cls, cfg: DatasetConfig, meta: DatasetMeta, normalizer: Normalizer, table: CsvEncoding | None
    ) -> Preprocessing:
        """The preprocessing of a dataset as `load_dataset` loaded, split and normalised it.
        `table` is the CSV loader's encoding; other tables are numeric columns named by the
        dataset's feature names (x1, x2 for the toys) with target column `y`."""
        image = None
        if meta.is_image:
            channels, height, width = meta.input_shape
            image, table = ImageEncoding(channels, height, width, meta.pixel_max), None
        elif table is None:
            names = meta.feature_names or [f"x{i + 1}" for i in range(meta.n_inputs)]
            table = CsvEncoding.numeric(names, DEFAULT_TARGET)
        return cls(
            dataset=cfg.name,
            task=meta.task,
            class_names=list(meta.class_names),
            input_shape=tuple(meta.input_shape),
            normalizer=Normalizer(normalizer.mean.detach().cpu(), normalizer.scale.detach().cpu()),
            target_mean=meta.target_mean,
            target_scale=meta.target_scale,
            table=table,
            image=image,
        )

    # ---- JSON ---------------------------------------------------------------------------
    def to_json(self) -> str:
        mean, scale = self.normalizer.mean, self.normalizer.scale
        data = {
            "format": PREPROCESSING_FORMAT,
            "dataset": self.dataset,
            "task": self.task,
            "class_names": list(self.class_names),
            "input_shape": list(self.input_shape),
            "normalizer": {
                "shape": list(mean.shape),
                "mean": mean.float().reshape(-1).tolist(),
                "scale": scale.float().reshape(-1).tolist(),
            },
            "target_mean": self.target_mean,
            "target_scale": self.target_scale,
            "table": self.table.to_dict() if self.table is not None else None,
            "image": self.image.to_dict() if self.image is not None else None,
        }
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str, name: str = PREPROCESSING_FILE) -> Preprocessing:
        """The preprocessing a JSON text describes; PreprocessingError naming `name` otherwise."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise PreprocessingError(f"{name} is not valid JSON ({exc}); train the run again") from None
        if not isinstance(data, dict) or data.get("format") != PREPROCESSING_FORMAT:
            raise PreprocessingError(
                f"{name} is not a preprocessing file of format {PREPROCESSING_FORMAT}; train the run again"
            )
        try:
            return cls._from_dict(data)
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            reason = " ".join(str(exc).split())[:120] or type(exc).__name__
            raise PreprocessingError(f"{name} is damaged ({reason}); train the run again") from None

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> Preprocessing:
        saved = data["normalizer"]
        shape = [int(d) for d in saved["shape"]]
        mean = torch.tensor([float(v) for v in saved["mean"]], dtype=torch.float32).view(shape)
        scale = torch.tensor([float(v) for v in saved["scale"]], dtype=torch.float32).view(shape)
        task = data["task"]
        if task not in ("classification", "regression"):
            raise ValueError(f"task {task!r}")
        table = CsvEncoding.from_dict(data["table"]) if data.get("table") is not None else None
        image = ImageEncoding.from_dict(data["image"]) if data.get("image") is not None else None
        if (table is None) == (image is None):
            raise ValueError("it describes neither a table nor images")
        prep = cls(
            dataset=str(data["dataset"]),
            task=task,
            class_names=[str(c) for c in data["class_names"]],
            input_shape=tuple(int(d) for d in data["input_shape"]),
            normalizer=Normalizer(mean, scale),
            target_mean=_number_or_none(data.get("target_mean")),
            target_scale=_number_or_none(data.get("target_scale")),
            table=table,
            image=image,
        )
        if table is not None and (table.n_features,) != prep.input_shape:
            raise ValueError(f"{table.n_features} features for inputs of shape {prep.input_shape}")
        if image is not None and (image.channels, image.height, image.width) != prep.input_shape:
            raise ValueError(f"image size {image.size_text} for inputs of shape {prep.input_shape}")
        return prep

    @classmethod
    def load(cls, run_dir: str | Path) -> Preprocessing:
        """A run directory's saved preprocessing; PreprocessingError (one line) when it has none."""
        path = Path(run_dir) / PREPROCESSING_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PreprocessingError(
                f"{run_dir} has no {PREPROCESSING_FILE}: the run was trained before runs saved their "
                "preprocessing; train it again to predict with it"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise PreprocessingError(f"cannot read {path}: {exc}") from None
        return cls.from_json(text, str(path))

    # ---- raw inputs to model inputs ----------------------------------------------------
    def encode_rows(self, rows: Sequence[Mapping[str, Any]]) -> EncodedRows:
        """Table rows (column name -> cell: text, a number or None) as features before
        normalisation, with warnings for categories training never saw."""
        if self.table is None:
            raise ConfigError(f"the run was trained on images ({self.dataset}); give images, not table rows")
        return self.table.encode(RowColumns(rows))

    def encode(self, raw: Any) -> torch.Tensor:
        """Stored values (before normalisation) of a batch of raw inputs: a tensor of stored
        values (one sample or a batch), PIL image(s), or table row(s) as mappings."""
        if isinstance(raw, torch.Tensor):
            return raw.unsqueeze(0) if raw.dim() == len(self.input_shape) else raw
        if self.image is not None:
            return self.image.encode(raw if isinstance(raw, list | tuple) else [raw])
        rows = [raw] if isinstance(raw, Mapping) else list(raw)
        return torch.from_numpy(self.encode_rows(rows).features)

    def normalize(self, stored: torch.Tensor) -> torch.Tensor:
        return self.normalizer(stored)

    def apply(self, raw: Any) -> torch.Tensor:
        """Model inputs, (N, *input_shape) float32, for raw inputs as `encode` takes them."""
        return self.normalize(self.encode(raw))


def _number_or_none(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number
