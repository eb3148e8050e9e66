"""Checks that need the dataset's metadata: each raises ConfigError with a one-line fix."""

from __future__ import annotations

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.config_values import Problem
from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.layer_stack import infer_shapes, parse_layers
from tui_trainer.engine.names import loss_task_problem


def data_problems(config: TrainConfig, meta: DatasetMeta) -> list[Problem]:
    """Problems only the dataset's metadata can show, as (field, message) like `problems()`."""
    out = []
    problem = loss_task_problem(config.loss.name, meta.task, meta.n_classes, config.loss.one_hot)
    if problem:
        out.append(Problem("loss.name", f"loss.name: {problem}"))
    if config.dataset.batch_size > meta.n_train:
        out.append(
            Problem(
                "dataset.batch_size",
                f"dataset.batch_size {config.dataset.batch_size} is larger than the training split "
                f"({meta.n_train} samples of {meta.name}); lower it",
            )
        )
    if config.dataset.augment not in ("auto", "none") and not meta.is_image:
        out.append(
            Problem(
                "dataset.augment",
                f"dataset.augment={config.dataset.augment} flips and crops images; dataset {meta.name} "
                "is not an image set — use dataset.augment=none",
            )
        )
    if config.model.layers:
        try:
            infer_shapes(
                parse_layers(config.model.layers), tuple(meta.input_shape), meta.name, config.model.batch_norm
            )
        except ConfigError as exc:
            out.append(Problem("model.layers", str(exc)))
    if config.model.batch_norm and meta.n_train < 2:
        out.append(
            Problem(
                "model.batch_norm",
                f"model.batch_norm needs at least 2 training samples ({meta.name} has {meta.n_train}); "
                "raise dataset.n_samples or turn batch_norm off",
            )
        )
    return out


def check_against_data(config: TrainConfig, meta: DatasetMeta) -> None:
    for problem in data_problems(config, meta):
        raise ConfigError(problem.message)
