"""Prediction with a trained run: its model and its saved preprocessing applied to new inputs.

`Predictor.load` rebuilds the model from a run's weights file (through the one safe loader) and
restores its preprocessing.json; `predict_files` reads a CSV file or images (predict_inputs.py)
and returns `Predictions`, plain data that the command line formats and the app can show. Outputs
are computed as evaluation computes them (eval mode, the same chunks, the same probabilities and
choice of class, regression outputs back in the target's units), so rows whose true class or
value is known are scored with the run's own metrics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.datasets.base import Split
from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.evaluation import class_probabilities, predict_classes, run_model, score_outputs
from tui_trainer.engine.events import Evaluation
from tui_trainer.engine.predict_inputs import RawInputs, read_inputs
from tui_trainer.engine.preprocessing import Preprocessing
from tui_trainer.engine.rundir.layout import CONFIG_FILE, PREPROCESSING_FILE, WEIGHT_CHOICES, weights_path
from tui_trainer.engine.rundir.weights import read_weights, rebuild_model
from tui_trainer.engine.target_scaling import TargetScaling

SCORED_SPLIT = "input"  # the split name of the Evaluation of scored inputs


class PredictionError(ConfigError):
    """A prediction that cannot be made: a missing run or weights file, weights that do not fit."""


@dataclass
class Predictions:
    task: str  # "classification" or "regression"
    ids: list[str]  # row number (from 1) or file, per input
    class_names: list[str]
    predicted: torch.Tensor  # (N,) class index, or the value in the target's own units
    probabilities: torch.Tensor | None = None  # (N, classes) for classification
    target: torch.Tensor | None = None  # as RawInputs.target: -1 / NaN where not known
    evaluation: Evaluation | None = None  # the metrics of the inputs whose target is known
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def label(self, i: int) -> str:
        """The predicted class's name (classification)."""
        return self.class_names[int(self.predicted[i])]

    def confidence(self, i: int) -> float | None:
        """The probability of the predicted class; None for regression."""
        if self.probabilities is None:
            return None
        return float(self.probabilities[i, int(self.predicted[i])])

    def top(self, i: int, k: int) -> list[tuple[str, float]]:
        """The k most probable classes of input i with their probabilities, most probable first."""
        if self.probabilities is None:
            return []
        values, classes = self.probabilities[i].topk(min(k, self.probabilities.shape[1]))
        return [(self.class_names[int(c)], float(v)) for v, c in zip(values, classes, strict=True)]

    def rows(self, k: int) -> list[PredictionRow]:
        """Every input as a plain record, with its k most probable classes (made for all rows at
        once: 10,000 rows take milliseconds, not one tensor operation each)."""
        ids, n = self.ids, len(self.ids)
        targets: list[Any] = [None] * n
        if self.target is not None:
            known = self.target.tolist()
            if self.task == "classification":
                targets = [self.class_names[t] if t >= 0 else None for t in known]
            else:
                targets = [None if math.isnan(t) else t for t in known]
        if self.probabilities is None:
            values = self.predicted.tolist()
            return [PredictionRow(ids[i], values[i], None, [], targets[i]) for i in range(n)]
        names = self.class_names
        top_p, top_c = (t.tolist() for t in self.probabilities.topk(min(k, len(names)), dim=1))
        chosen = self.predicted.tolist()
        confidence = self.probabilities.gather(1, self.predicted.view(-1, 1)).view(-1).tolist()
        return [
            PredictionRow(
                ids[i],
                names[chosen[i]],
                confidence[i],
                [(names[c], p) for c, p in zip(top_c[i], top_p[i], strict=True)],
                targets[i],
            )
            for i in range(n)
        ]


@dataclass
class PredictionRow:
    id: str
    predicted: str | float  # the class's name, or the value in the target's units
    probability: float | None  # of the predicted class; None for regression
    top: list[tuple[str, float]]  # the most probable classes, most probable first
    target: str | float | None  # the true class or value when the input gives it


class Predictor:
    """A run's model and preprocessing, ready to predict on the CPU."""

    def __init__(
        self, model: nn.Module, config: TrainConfig, meta: DatasetMeta, preprocessing: Preprocessing
    ) -> None:
        self.model = model.eval()
        self.config, self.meta, self.preprocessing = config, meta, preprocessing
        # The weights file's own statistics: the numbers its outputs were trained against.
        self.target_scaling = TargetScaling.from_meta(meta)

    @classmethod
    def load(cls, run_path: str | Path, weights: str = "final") -> Predictor:
        """The model of a run directory (or of a weights file inside one) and the run's saved
        preprocessing; PredictionError, PreprocessingError or WeightsFileError (one line) else."""
        if weights not in WEIGHT_CHOICES:
            raise PredictionError(f"unknown weights {weights!r}; valid: {', '.join(WEIGHT_CHOICES)}")
        path = Path(run_path).expanduser()
        if not path.exists():
            raise PredictionError(f"no run directory {run_path}: give the folder of a trained run")
        run_dir = path if path.is_dir() else path.parent
        if not (run_dir / CONFIG_FILE).is_file():
            raise PredictionError(f"{run_dir} is not a run directory (it has no {CONFIG_FILE})")
        preprocessing = Preprocessing.load(run_dir)
        file = weights_path(path, weights)
        if not file.exists():
            hint = " (the run has not finished; try --weights last)" if weights == "final" else ""
            raise PredictionError(f"no weights file {file}{hint}")
        payload = read_weights(file)
        try:
            model, config, meta = rebuild_model(payload)
        except Exception as exc:  # a foreign or damaged payload: torch raises many types
            raise PredictionError(f"cannot load {file}: {' '.join(str(exc).split())[:160]}") from None
        if tuple(meta.input_shape) != preprocessing.input_shape:
            raise PredictionError(
                f"{PREPROCESSING_FILE} of {run_path} describes inputs of shape {preprocessing.input_shape} "
                f"but {file.name} takes {tuple(meta.input_shape)}; train the run again"
            )
        return cls(model, config, meta, preprocessing)

    @torch.no_grad()
    def outputs(self, stored: torch.Tensor) -> torch.Tensor:
        """Model outputs for stored values (before normalisation), regression outputs in the
        target's own units."""
        split = Split(stored, torch.empty(0))
        outputs = run_model(self.model, split, self.preprocessing.normalizer, torch.device("cpu"))
        return self.target_scaling.unscale(outputs) if self.target_scaling is not None else outputs

    def predict(self, inputs: RawInputs) -> Predictions:
        outputs = self.outputs(inputs.stored)
        loss_name = self.config.loss.name
        result = Predictions(
            task=self.meta.task,
            ids=inputs.ids,
            class_names=list(self.meta.class_names),
            predicted=outputs.view(-1).float(),
            target=inputs.target,
            warnings=list(inputs.warnings),
            notes=list(inputs.notes),
        )
        if self.meta.task == "classification":
            result.probabilities = class_probabilities(outputs, loss_name).float()
            result.predicted = predict_classes(outputs, loss_name)
        if inputs.target is not None:
            known = inputs.target >= 0 if self.meta.task == "classification" else ~inputs.target.isnan()
            n_known = int(known.sum())
            if n_known:
                result.evaluation = score_outputs(
                    outputs[known], inputs.target[known], SCORED_SPLIT, self.config, self.meta
                )
            if n_known < len(known):
                result.notes.append(
                    f"{len(known) - n_known} of {len(known)} inputs have no known target: "
                    f"scored on the other {n_known}"
                )
        return result

    def predict_raw(self, raw: Any) -> Predictions:
        """Predictions for raw inputs as `Preprocessing.encode` takes them (rows of a form, PIL
        images, tensors of stored values)."""
        prep, warnings = self.preprocessing, []
        if prep.table is not None and not isinstance(raw, torch.Tensor):
            encoded = prep.encode_rows([raw] if isinstance(raw, Mapping) else list(raw))
            stored, warnings = torch.from_numpy(encoded.features), encoded.warnings
        else:
            stored = prep.encode(raw)
        return self.predict(RawInputs(stored, [str(i + 1) for i in range(len(stored))], None, warnings))


def predict_files(inputs: list[str], run_path: str | Path, weights: str = "final") -> Predictions:
    """Predict a CSV file, image files or folders with the run at `run_path`."""
    predictor = Predictor.load(run_path, weights)
    return predictor.predict(read_inputs(inputs, predictor.preprocessing))
