"""`build_model`: the MLP as an nn.Sequential, and a per-layer summary for the UI."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from tui_trainer.engine.config import ModelConfig, TrainConfig
from tui_trainer.engine.datasets.base import DatasetMeta

ACTIVATION_CLASSES: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
}

# The gain each init uses, so deep tanh/ReLU stacks start with sensible activation scales.
_NONLINEARITY = {"relu": "relu", "leaky_relu": "leaky_relu", "tanh": "tanh", "sigmoid": "sigmoid"}


@dataclass
class LayerInfo:
    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int


def output_size(meta: DatasetMeta, loss: str) -> int:
    if meta.task == "regression":
        return 1
    # Binary BCE predicts one logit (the positive class); every other classifier one per class.
    return 1 if loss == "bce_with_logits" else meta.n_classes


def build_model(config: TrainConfig, meta: DatasetMeta) -> nn.Sequential:
    """An MLP: [Flatten] (Linear [BatchNorm1d] Activation [Dropout])* Linear [LogSoftmax]."""
    m: ModelConfig = config.model
    layers: list[nn.Module] = []
    if len(meta.input_shape) > 1:
        layers.append(nn.Flatten())
    width = meta.n_inputs
    for size in m.hidden:
        layers.append(nn.Linear(width, size))
        if m.batch_norm:
            layers.append(nn.BatchNorm1d(size))
        layers.append(ACTIVATION_CLASSES[m.activation]())
        if m.dropout > 0:
            layers.append(nn.Dropout(m.dropout))
        width = size
    layers.append(nn.Linear(width, output_size(meta, config.loss.name)))
    if config.loss.name == "nll":
        # NLLLoss expects log-probabilities, so the model itself ends in LogSoftmax.
        layers.append(nn.LogSoftmax(dim=1))
    model = nn.Sequential(*layers)
    _initialise(model, m.init, m.activation)
    return model


def _initialise(model: nn.Sequential, init: str, activation: str) -> None:
    if init == "default":
        return
    nonlinearity = _NONLINEARITY.get(activation, "relu")
    for module in model.modules():
        if not isinstance(module, nn.Linear):
            continue
        if init == "xavier":
            gain = nn.init.calculate_gain(nonlinearity) if nonlinearity in ("tanh", "sigmoid") else 1.0
            nn.init.xavier_uniform_(module.weight, gain=gain)
        elif init == "kaiming":
            nn.init.kaiming_normal_(module.weight, nonlinearity="leaky_relu" if nonlinearity == "leaky_relu" else "relu")
        elif init == "orthogonal":
            nn.init.orthogonal_(module.weight)
        nn.init.zeros_(module.bias)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def layer_summary(model: nn.Sequential, meta: DatasetMeta) -> list[LayerInfo]:
    """Name, output shape and parameter count of each layer, from shapes alone (no forward)."""
    rows: list[LayerInfo] = []
    shape: tuple[int, ...] = meta.input_shape
    for index, layer in enumerate(model):
        if isinstance(layer, nn.Flatten):
            n = 1
            for d in shape:
                n *= d
            shape = (n,)
        elif isinstance(layer, nn.Linear):
            shape = (layer.out_features,)
        params = sum(p.numel() for p in layer.parameters())
        rows.append(LayerInfo(f"{index}", type(layer).__name__, shape, params))
    return rows


def describe_model(config: TrainConfig, meta: DatasetMeta) -> tuple[list[LayerInfo], int]:
    """Summary rows and total parameter count for a config, from a model built on the "meta"
    device: shapes only, no memory and no kernels. The app calls this on its UI thread, and a
    real build there (initialising a 256×256 weight runs an OpenMP-parallel kernel) gives that
    thread an OpenMP team of its own, which made the training thread's small kernels ~5× slower
    on 2 cores (README, Performance)."""
    shapes_only = config.copy()
    shapes_only.model.init = "default"  # initialisers such as orthogonal_ have no meta kernels
    with torch.device("meta"):
        model = build_model(shapes_only, meta)
    return layer_summary(model, meta), count_parameters(model)
