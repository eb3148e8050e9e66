"""`build_model`: the network as an nn.Sequential — the MLP of `model.hidden`, or the layer stack
of `model.layers` (convolutions, pooling, residual blocks; see `engine.layer_stack`) — and a
per-layer summary (output shape, parameters, multiply-adds) for the UI and the run header."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from tui_trainer.engine.config import ModelConfig, TrainConfig
from tui_trainer.engine.datasets.base import DatasetMeta
from tui_trainer.engine.layer_stack import LayerSpec, infer_shapes, parse_layers

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
    macs: int = 0  # multiply-adds per sample


class ResidualBlock(nn.Module):
    """The basic block of ResNet: two 3×3 convs with BatchNorm; the input added back (through a
    1×1 projection when the channel count changes) before the last activation."""

    def __init__(self, in_channels: int, out_channels: int, activation: type[nn.Module]):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            activation(),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
        )
        self.shortcut: nn.Module = nn.Identity()
        if in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels)
            )
        self.activation = activation()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.body(x) + self.shortcut(x))


def output_size(meta: DatasetMeta, loss: str) -> int:
    if meta.task == "regression":
        return 1
    # Binary BCE predicts one logit (the positive class); every other classifier one per class.
    return 1 if loss == "bce_with_logits" else meta.n_classes


def build_model(config: TrainConfig, meta: DatasetMeta) -> nn.Sequential:
    """[Flatten] (Linear [BatchNorm1d] Activation [Dropout])* Linear [LogSoftmax] for the MLP;
    the layer stack's modules, a Flatten before the first dense layer, then the same output."""
    m: ModelConfig = config.model
    if m.layers:
        layers, width = _stack_layers(m, meta)
    else:
        layers, width = _mlp_layers(m, meta)
    layers.append(nn.Linear(width, output_size(meta, config.loss.name)))
    if config.loss.name == "nll":
        # NLLLoss expects log-probabilities, so the model itself ends in LogSoftmax.
        layers.append(nn.LogSoftmax(dim=1))
    model = nn.Sequential(*layers)
    _initialise(model, m.init, m.activation)
    return model


def _mlp_layers(m: ModelConfig, meta: DatasetMeta) -> tuple[list[nn.Module], int]:
    layers: list[nn.Module] = []
    if len(meta.input_shape) > 1:
        layers.append(nn.Flatten())
    width = meta.n_inputs
    for size in m.hidden:
        layers += _dense(width, size, m)
        width = size
    return layers, width


def _dense(width: int, size: int, m: ModelConfig) -> list[nn.Module]:
    layers: list[nn.Module] = [nn.Linear(width, size)]
    if m.batch_norm:
        layers.append(nn.BatchNorm1d(size))
    layers.append(ACTIVATION_CLASSES[m.activation]())
    if m.dropout > 0:
        layers.append(nn.Dropout(m.dropout))
    return layers


def _stack_layers(m: ModelConfig, meta: DatasetMeta) -> tuple[list[nn.Module], int]:
    specs = parse_layers(m.layers)
    steps = infer_shapes(specs, tuple(meta.input_shape), meta.name, m.batch_norm)
    activation = ACTIVATION_CLASSES[m.activation]
    layers: list[nn.Module] = []
    shape: tuple[int, ...] = tuple(meta.input_shape)
    for step in steps:
        if step.spec is None:
            layers.append(nn.Flatten())
        else:
            layers += _stack_module(step.spec, shape, m, activation)
        shape = step.shape
    if len(shape) > 1:  # the stack ends on images: the output layer sees them flattened
        layers.append(nn.Flatten())
    width = 1
    for d in shape:
        width *= d
    return layers, width


def _stack_module(
    spec: LayerSpec, shape: tuple[int, ...], m: ModelConfig, activation: type[nn.Module]
) -> list[nn.Module]:
    if spec.kind == "fc":
        return _dense(shape[0], spec.size, m)
    if spec.kind == "drop":
        return [nn.Dropout(spec.p)]
    if spec.kind == "conv":
        layers: list[nn.Module] = [nn.Conv2d(shape[0], spec.size, spec.kernel, padding="same")]
        if m.batch_norm:
            layers.append(nn.BatchNorm2d(spec.size))
        return [*layers, activation()]
    if spec.kind == "res":
        return [ResidualBlock(shape[0], spec.size, activation)]
    if spec.kind == "gap":
        return [nn.AdaptiveAvgPool2d(1)]
    if spec.kind == "maxpool":
        return [nn.MaxPool2d(spec.kernel)]
    return [nn.AvgPool2d(spec.kernel)]


def _initialise(model: nn.Sequential, init: str, activation: str) -> None:
    if init == "default":
        return
    nonlinearity = _NONLINEARITY.get(activation, "relu")
    for module in model.modules():
        if not isinstance(module, (nn.Linear, nn.Conv2d)):
            continue
        if init == "xavier":
            gain = (
                nn.init.calculate_gain("tanh" if nonlinearity == "tanh" else "sigmoid")
                if nonlinearity
                in (
                    "tanh",
                    "sigmoid",
                )
                else 1.0
            )
            nn.init.xavier_uniform_(module.weight, gain=gain)
        elif init == "kaiming":
            nn.init.kaiming_normal_(
                module.weight, nonlinearity="leaky_relu" if nonlinearity == "leaky_relu" else "relu"
            )
        elif init == "orthogonal":
            nn.init.orthogonal_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def layer_summary(model: nn.Sequential, meta: DatasetMeta) -> list[LayerInfo]:
    """Name, output shape, parameters and multiply-adds of each layer, from shapes alone."""
    rows: list[LayerInfo] = []
    shape: tuple[int, ...] = tuple(meta.input_shape)
    for index, layer in enumerate(model):
        shape, macs = _layer_output(layer, shape)
        params = sum(p.numel() for p in layer.parameters())
        rows.append(LayerInfo(f"{index}", type(layer).__name__, shape, params, macs))
    return rows


def _layer_output(layer: nn.Module, shape: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """The output shape of `layer` for one sample of `shape`, and its multiply-adds."""
    if isinstance(layer, nn.Flatten):
        n = 1
        for d in shape:
            n *= d
        return (n,), 0
    if isinstance(layer, nn.Linear):
        return (layer.out_features,), layer.in_features * layer.out_features
    if isinstance(layer, nn.Conv2d):  # "same" padding, stride 1
        kh, kw = layer.kernel_size
        out = (layer.out_channels, shape[1], shape[2])
        return out, layer.in_channels * layer.out_channels * kh * kw * shape[1] * shape[2]
    if isinstance(layer, ResidualBlock):
        area = shape[1] * shape[2]
        macs = (layer.in_channels + layer.out_channels) * layer.out_channels * 9 * area
        if layer.in_channels != layer.out_channels:
            macs += layer.in_channels * layer.out_channels * area
        return (layer.out_channels, shape[1], shape[2]), macs
    if isinstance(layer, nn.AdaptiveAvgPool2d):
        return (shape[0], 1, 1), 0
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        k = layer.kernel_size if isinstance(layer.kernel_size, int) else layer.kernel_size[0]
        return (shape[0], shape[1] // k, shape[2] // k), 0
    return shape, 0  # activations, normalisation, dropout, LogSoftmax keep the shape


def describe_model(config: TrainConfig, meta: DatasetMeta) -> tuple[list[LayerInfo], int]:
    """Summary rows and total parameter count for a config, from a model built on the "meta"
    device: shapes only, no memory and no kernels. The app calls this on its UI thread, where a
    real build would run OpenMP-parallel initialisers and give that thread an OpenMP team that
    competes with training (docs/performance-notes.md)."""
    shapes_only = config.copy()
    shapes_only.model.init = "default"  # initialisers such as orthogonal_ have no meta kernels
    with torch.device("meta"):
        model = build_model(shapes_only, meta)
    return layer_summary(model, meta), count_parameters(model)
