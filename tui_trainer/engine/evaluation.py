"""Evaluation in eval mode under no_grad: loss, accuracy, confusion, samples and plots' data."""

from __future__ import annotations

import math

import torch
from torch import nn

from tui_trainer.engine.components import prepare_targets
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.datasets.base import DatasetMeta, Normalizer, Split
from tui_trainer.engine.events import (
    DecisionBoundary,
    Evaluation,
    RegressionPairs,
    SamplePrediction,
)
from tui_trainer.engine.metrics import ConfusionMatrix, regression_metrics
from tui_trainer.engine.target_scaling import TargetScaling

EVAL_CHUNK = 8192
BOUNDARY_SHAPE = (40, 80)  # rows, cols: about a terminal panel's worth of cells
MAX_REGRESSION_POINTS = 400


def class_probabilities(outputs: torch.Tensor, loss_name: str) -> torch.Tensor:
    """(N, C) probabilities from the model's raw outputs, whatever the loss."""
    if loss_name == "nll":
        return outputs.exp()
    if loss_name == "bce_with_logits":
        p = torch.sigmoid(outputs.view(-1))
        return torch.stack([1 - p, p], dim=1)
    return torch.softmax(outputs, dim=1)


def predict_classes(outputs: torch.Tensor, loss_name: str) -> torch.Tensor:
    if loss_name == "bce_with_logits":
        return (outputs.view(-1) > 0).long()
    return outputs.argmax(dim=1)


@torch.no_grad()
def run_model(model: nn.Module, split: Split, normalizer: Normalizer, device: torch.device) -> torch.Tensor:
    """Outputs for a whole split, in chunks so large sets fit. Caller sets eval mode."""
    chunks = []
    for start in range(0, len(split), EVAL_CHUNK):
        x = split.x[start : start + EVAL_CHUNK].to(device, non_blocking=True)
        chunks.append(model(normalizer(x)))
    return torch.cat(chunks)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    split: Split,
    split_name: str,
    epoch: int,
    config: TrainConfig,
    meta: DatasetMeta,
    normalizer: Normalizer,
    loss_fn: nn.Module,
    device: torch.device,
    detailed: bool = True,
    target_scaling: TargetScaling | None = None,
) -> Evaluation:
    """The split's loss (on the target as trained, i.e. scaled), and metrics, samples and plots'
    data in the target's own units: model outputs are unscaled before anything is measured."""
    was_training = model.training
    model.eval()
    try:
        outputs = run_model(model, split, normalizer, device)
        y = split.y.to(device)
        targets = prepare_targets(config, y, meta.n_classes)
        if target_scaling is not None:
            loss = float(loss_fn(outputs, target_scaling.scale_targets(targets)))
            outputs = target_scaling.unscale(outputs)
        else:
            loss = float(loss_fn(outputs, targets))
        if meta.task == "classification":
            result = _classification(outputs, y, split, split_name, epoch, loss, config, meta, detailed)
            if detailed and meta.input_shape == (2,):
                result.boundary = _decision_boundary(model, split, normalizer, config, device)
        else:
            result = _regression(outputs, y, split, split_name, epoch, loss, config, meta, detailed)
    finally:
        model.train(was_training)
    return result


def score_outputs(
    outputs: torch.Tensor, y: torch.Tensor, split_name: str, config: TrainConfig, meta: DatasetMeta
) -> Evaluation:
    """The metrics `evaluate` gives for these outputs (already in the target's units) and
    targets: accuracy, confusion, precision, recall and F1, or MSE, MAE and R². The loss is NaN:
    this is for rows outside the run's splits (prediction)."""
    if meta.task == "classification":
        return _classification(outputs, y, None, split_name, 0, math.nan, config, meta, False)
    return _regression(outputs, y, None, split_name, 0, math.nan, config, meta, False)


def _classification(outputs, y, split, split_name, epoch, loss, config, meta, detailed) -> Evaluation:
    name = config.loss.name
    predicted = predict_classes(outputs, name)
    matrix = ConfusionMatrix.from_predictions(y, predicted, meta.n_classes)
    result = Evaluation(
        epoch=epoch,
        split=split_name,
        loss=loss,
        accuracy=matrix.accuracy(),
        confusion=matrix.counts,
        precision=matrix.precision(),
        recall=matrix.recall(),
        f1=matrix.f1(),
        class_names=list(meta.class_names),
        extra={"macro_f1": matrix.macro_f1()},
    )
    if detailed and config.train.n_samples_shown:
        k = min(config.train.n_samples_shown, len(split))
        probs = class_probabilities(outputs[:k], name).float().cpu()
        pred_k = predicted[:k].cpu()
        for i in range(k):
            p = int(pred_k[i])
            result.samples.append(
                SamplePrediction(
                    index=i,
                    input=split.x[i].cpu(),
                    target=int(split.y[i]),
                    predicted=p,
                    confidence=float(probs[i, p]),
                    probabilities=[round(float(v), 4) for v in probs[i]],
                )
            )
    return result


def _regression(outputs, y, split, split_name, epoch, loss, config, meta, detailed) -> Evaluation:
    pred = outputs.view(-1).float().cpu()
    true = y.view(-1).float().cpu()
    stats = regression_metrics(true, pred)
    result = Evaluation(epoch=epoch, split=split_name, loss=loss, accuracy=None, confusion=None, extra=stats)
    if detailed:
        n = min(len(split), MAX_REGRESSION_POINTS)
        inputs = split.x[:n].view(n, -1)[:, 0].float().cpu() if meta.n_inputs == 1 else None
        result.regression = RegressionPairs(inputs, true[:n], pred[:n])
        for i in range(min(config.train.n_samples_shown, n)):
            result.samples.append(SamplePrediction(i, split.x[i].cpu(), float(true[i]), float(pred[i]), None))
    return result


def _decision_boundary(model, split: Split, normalizer, config, device) -> DecisionBoundary:
    points = split.x.float().cpu()
    low, high = points.min(dim=0).values, points.max(dim=0).values
    margin = (high - low) * 0.1 + 1e-3
    low, high = low - margin, high + margin
    rows, cols = BOUNDARY_SHAPE
    xs = torch.linspace(float(low[0]), float(high[0]), cols)
    ys = torch.linspace(float(high[1]), float(low[1]), rows)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack([grid_x.reshape(-1), grid_y.reshape(-1)], dim=1).to(device)
    probs = class_probabilities(model(normalizer(grid)), config.loss.name)
    confidence, classes = probs.max(dim=1)
    return DecisionBoundary(
        x_range=(float(low[0]), float(high[0])),
        y_range=(float(low[1]), float(high[1])),
        classes=classes.view(rows, cols).cpu(),
        confidence=confidence.view(rows, cols).float().cpu(),
        points=points,
        labels=split.y.cpu(),
    )
