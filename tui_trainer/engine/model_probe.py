"""Measuring a model's insides (`engine.model_stats`): parameter statistics, each weighted layer's
norms, activations on a batch of samples, conv filters and feature maps, a linear model's equation.

Everything is computed on the model's device and read back in one transfer (`DeviceReads`), so a
collection costs one device sync. `conv_filters` and `feature_maps` are for the app: it draws them
for a sample it picks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.model import ACTIVATION_CLASSES, ResidualBlock
from tui_trainer.engine.model_stats import (
    MAX_LISTED_VALUES,
    ActivationHealth,
    ConvFilters,
    FeatureMaps,
    FeatureMapSummary,
    LayerHealth,
    LinearFit,
    ParameterStats,
)
from tui_trainer.engine.target_scaling import TargetScaling

ACTIVATION_TYPES: tuple[type[nn.Module], ...] = tuple(ACTIVATION_CLASSES.values())
# A conv stage's output is read after the BatchNorm and activation that follow its conv.
_STAGE_TAIL_TYPES: tuple[type[nn.Module], ...] = (nn.BatchNorm2d, *ACTIVATION_TYPES)
MAX_FIT_INPUTS = 8  # a linear regression on more inputs gets no equation (it would not fit a line)

Normalize = Callable[[torch.Tensor], torch.Tensor]


class DeviceReads:
    """Tensors computed on the device, read back together in a single transfer."""

    def __init__(self) -> None:
        self._parts: list[torch.Tensor] = []
        self._size = 0
        self._values: torch.Tensor | None = None

    def add(self, tensor: torch.Tensor) -> slice:
        flat = tensor.detach().float().reshape(-1)
        where = slice(self._size, self._size + flat.numel())
        self._parts.append(flat)
        self._size += flat.numel()
        return where

    def read(self) -> None:
        self._values = torch.cat(self._parts).cpu() if self._parts else torch.zeros(0)

    def number(self, where: slice | None) -> float | None:
        return None if where is None else float(self.tensor(where)[0])

    def tensor(self, where: slice) -> torch.Tensor:
        assert self._values is not None, "read() first"
        return self._values[where]


def weighted_layers(model: nn.Module) -> list[tuple[str, nn.Linear | nn.Conv2d]]:
    """The layers with a weight matrix or kernel, by their path in the model."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def snapshot_weights(model: nn.Module) -> list[torch.Tensor]:
    """Device copies of each weighted layer's weight, to measure the next step's update."""
    return [m.weight.detach().clone() for _, m in weighted_layers(model)]


def update_norms(model: nn.Module, before: list[torch.Tensor]) -> list[torch.Tensor]:
    """‖W - W_before‖ for each weighted layer, as device scalars (no sync)."""
    layers = weighted_layers(model)
    return [(m.weight.detach() - old).norm() for (_, m), old in zip(layers, before, strict=True)]


def parameter_reads(model: nn.Module, reads: DeviceReads) -> Callable[[], list[ParameterStats]]:
    """Queue each parameter's statistics; the returned function builds them once `reads` is read."""
    named = list(model.named_parameters())
    listed = sum(p.numel() for _, p in named) <= MAX_LISTED_VALUES
    queued = []
    for name, p in named:
        values = p.detach()
        std, mean = torch.std_mean(values, correction=0)
        low, high = torch.aminmax(values)
        grad = reads.add(p.grad.norm()) if p.grad is not None else None
        listed_at = reads.add(values) if listed else None
        queued.append((name, p, reads.add(torch.stack([mean, std, low, high])), grad, listed_at))

    def build() -> list[ParameterStats]:
        rows = []
        for name, p, where, grad, values in queued:
            mean, std, low, high = reads.tensor(where).tolist()
            listed_values = reads.tensor(values).tolist() if values is not None else None
            rows.append(
                ParameterStats(
                    name, tuple(p.shape), p.numel(), mean, std, low, high, reads.number(grad), listed_values
                )
            )
        return rows

    return build


def layer_reads(
    model: nn.Module, reads: DeviceReads, updates: list[torch.Tensor] | None
) -> Callable[[], list[LayerHealth]]:
    queued = []
    for index, (name, m) in enumerate(weighted_layers(model)):
        weight = m.weight
        grad = reads.add(weight.grad.norm()) if weight.grad is not None else None
        update = reads.add(updates[index]) if updates is not None else None
        queued.append((name, type(m).__name__, reads.add(weight.detach().norm()), grad, update))

    def build() -> list[LayerHealth]:
        rows = []
        for name, kind, norm, grad, update in queued:
            weight_norm = reads.number(norm)
            assert weight_norm is not None
            moved = reads.number(update)
            ratio = moved / weight_norm if moved is not None and weight_norm > 0 else None
            rows.append(LayerHealth(name, kind, weight_norm, reads.number(grad), ratio))
        return rows

    return build


@contextmanager
def _forward_hooks(modules: list[tuple[str, nn.Module]], record: Callable) -> Iterator[None]:
    handles = [
        m.register_forward_hook(lambda _m, _inputs, out, name=name, module=m: record(name, module, out))
        for name, m in modules
    ]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def _evaluating(model: nn.Module) -> Iterator[None]:
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def activation_reads(
    model: nn.Module, inputs: torch.Tensor, reads: DeviceReads
) -> Callable[[], list[ActivationHealth]]:
    """Run `inputs` (already normalised) through the model in eval mode, queueing each activation
    module's output statistics and, for ReLU, the share of units never positive."""
    queued: list[tuple[str, str, int, slice, slice | None]] = []

    def record(name: str, module: nn.Module, out: torch.Tensor) -> None:
        std, mean = torch.std_mean(out.float(), correction=0)
        dead = None
        if isinstance(module, nn.ReLU):
            ever_on = (out > 0).any(dim=0)  # (units,) or (C, H, W)
            if ever_on.dim() > 1:
                ever_on = ever_on.flatten(1).any(dim=1)  # a channel is on if any position is
            dead = reads.add((~ever_on).float().mean())
        where = reads.add(torch.stack([mean, std]))
        queued.append((name, type(module).__name__, int(out.shape[1]), where, dead))

    activations = [(n, m) for n, m in model.named_modules() if isinstance(m, ACTIVATION_TYPES)]
    with _evaluating(model), _forward_hooks(activations, record):
        model(inputs)

    def build() -> list[ActivationHealth]:
        rows = []
        for name, kind, units, where, dead in queued:
            mean, std = reads.tensor(where).tolist()
            rows.append(ActivationHealth(name, kind, units, mean, std, reads.number(dead)))
        return rows

    return build


def conv_stages(model: nn.Module) -> list[tuple[str, str, nn.Module]]:
    """Each conv stage as (name, kind, module whose output is the stage's feature maps): a Conv2d
    with the BatchNorm and activation right after it, or a residual block."""
    children = list(model.named_children()) if isinstance(model, nn.Sequential) else []
    if not children:
        return [(n, type(m).__name__, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    stages: list[tuple[str, str, nn.Module]] = []
    for index, (name, child) in enumerate(children):
        if not isinstance(child, (nn.Conv2d, ResidualBlock)):
            continue
        end: nn.Module = child
        for _, follower in children[index + 1 :]:
            if not isinstance(follower, _STAGE_TAIL_TYPES):
                break
            end = follower
        stages.append((name, type(child).__name__, end))
    return stages


def conv_filters(model: nn.Module) -> ConvFilters | None:
    """The first conv layer's kernels (out, in, kh, kw) as a CPU tensor; None without convs."""
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            return ConvFilters(name, _cpu_copy(m.weight))
    return None


def feature_maps(
    model: nn.Module, sample: torch.Tensor, normalize: Normalize | None = None
) -> list[FeatureMaps]:
    """One sample's (C, H, W) output of every conv stage, on the CPU. `sample` is one stored input
    (C, H, W) as the dataset holds it; `normalize` is the run's input normaliser."""
    device = next(model.parameters()).device
    x = sample.unsqueeze(0).to(device)
    x = normalize(x) if normalize is not None else x.float()
    captured: dict[str, torch.Tensor] = {}
    stages = conv_stages(model)
    hooked = [(name, end) for name, _, end in stages]
    with _evaluating(model), _forward_hooks(hooked, lambda n, _m, out: captured.__setitem__(n, out[0])):
        model(x)
    return [FeatureMaps(n, kind, _cpu_copy(captured[n])) for n, kind, _ in stages if n in captured]


def feature_map_reads(
    model: nn.Module, sample: torch.Tensor, reads: DeviceReads
) -> Callable[[], tuple[list[FeatureMapSummary], list[FeatureMaps]]]:
    """Queue one normalised sample's feature maps (for the event) and their summaries."""
    stages = conv_stages(model)
    queued: list[tuple[str, str, tuple[int, ...], slice]] = []
    kinds = {name: kind for name, kind, _ in stages}

    def record(name: str, _module: nn.Module, out: torch.Tensor) -> None:
        queued.append((name, kinds[name], tuple(out.shape[1:]), reads.add(out[0])))

    if stages:
        with _evaluating(model), _forward_hooks([(n, end) for n, _, end in stages], record):
            model(sample)

    def build() -> tuple[list[FeatureMapSummary], list[FeatureMaps]]:
        summaries, arrays = [], []
        for name, kind, shape, where in queued:
            maps = reads.tensor(where).view(shape)
            on = float((maps > 0).float().mean())
            summaries.append(FeatureMapSummary(name, kind, shape, float(maps.mean()), float(maps.max()), on))
            arrays.append(FeatureMaps(name, kind, maps))
        return summaries, arrays

    return build


def linear_fit(
    model: nn.Module, mean: torch.Tensor, scale: torch.Tensor, meta: DatasetMeta, target_name: str = "y"
) -> LinearFit | None:
    """For a regression model that is one Linear layer (≤ MAX_FIT_INPUTS inputs, one output), its
    equation in the data's own units: the input normaliser (x - mean) / scale and the target
    scaling are folded into the coefficients. None for any other model."""
    layers = [m for m in model.children() if not isinstance(m, (nn.Flatten, nn.Identity))]
    if meta.task != "regression" or len(layers) != 1 or not isinstance(layers[0], nn.Linear):
        return None
    layer = layers[0]
    n = layer.in_features
    if layer.out_features != 1 or n > MAX_FIT_INPUTS or n != meta.n_inputs:
        return None
    weight = layer.weight.detach().double().cpu().view(-1)
    bias = float(layer.bias.detach().double().cpu()) if layer.bias is not None else 0.0
    shape = tuple(meta.input_shape)
    x_mean = mean.detach().double().cpu().expand(shape).reshape(-1)
    x_scale = scale.detach().double().cpu().expand(shape).reshape(-1)
    coefficients = weight / x_scale
    intercept = bias - float((coefficients * x_mean).sum())
    target = TargetScaling.from_meta(meta)
    if target is not None:
        coefficients = coefficients * target.scale
        intercept = intercept * target.scale + target.mean
    names = list(meta.feature_names) if len(meta.feature_names) == n else [f"x{i + 1}" for i in range(n)]
    if n == 1 and not meta.feature_names:
        names = ["x"]
    return LinearFit([float(c) for c in coefficients], float(intercept), names, target_name or "y")


def histograms(model: nn.Module) -> dict[str, Any]:
    """CPU copies of every parameter and its gradient, for TensorBoard's histograms."""
    found: dict[str, Any] = {}
    for name, p in model.named_parameters():
        found[f"weights/{name}"] = _cpu_copy(p)
        if p.grad is not None:
            found[f"grads/{name}"] = _cpu_copy(p.grad)
    return found


def _cpu_copy(tensor: torch.Tensor) -> torch.Tensor:
    # Always a copy: on the CPU `.cpu()` would hand out the live weights training goes on changing.
    return tensor.detach().to("cpu", torch.float32, copy=True)
