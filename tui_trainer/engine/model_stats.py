"""What a run records about the model's insides, and the rules that read it as warnings.

Plain dataclasses, free of torch (the app imports them before torch loads): the learned
parameters' statistics, each weighted layer's health (weight and gradient norms, the size of an
update), each activation's statistics on a batch of validation samples (with the share of dead
ReLU units), the first conv layer's filters and one sample's feature maps, and — for a linear
regression — the fitted equation in the data's own units. `engine.model_probe` measures them,
`engine.callbacks.model_stats.ModelStatsCollector` collects them during a run, and
`engine.events.ModelStats` carries one collection. docs/inside.md explains the warning rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

# At most this many parameters in the model: each one's value is recorded too.
MAX_LISTED_VALUES = 64
# The warning rules (docs/inside.md): a ratio of the input-side layer's gradient norm to the
# output layer's outside [VANISHING_RATIO, EXPLODING_RATIO], and more than DEAD_SHARE of a ReLU
# layer's units never positive on the probed samples.
VANISHING_RATIO = 1e-3
EXPLODING_RATIO = 1e3
DEAD_SHARE = 0.5


@dataclass
class ParameterStats:
    """One entry of `named_parameters()`. `std` is the population standard deviation (0 for a
    single value); `grad_norm` is the L2 norm of the gradient of the epoch's last step (None
    before any step)."""

    name: str
    shape: tuple[int, ...]
    count: int
    mean: float
    std: float
    min: float
    max: float
    grad_norm: float | None = None
    values: list[float] | None = None  # every value (flattened), for models of ≤ MAX_LISTED_VALUES


@dataclass
class LayerHealth:
    """A layer with a weight (Linear, Conv2d), named by its path in the model ("0", "3.body.0")."""

    name: str
    kind: str
    weight_norm: float
    grad_norm: float | None = None  # ‖∂loss/∂W‖ at the epoch's last step
    update_ratio: float | None = None  # ‖ΔW‖ / ‖W‖ of the epoch's last optimizer step


@dataclass
class ActivationHealth:
    """An activation module's output on the probed validation samples. A unit is a feature of a
    dense layer or a channel of a conv layer; it is dead when never positive on any of them."""

    name: str
    kind: str  # ReLU, Sigmoid, ...
    units: int
    mean: float
    std: float
    dead_fraction: float | None = None  # ReLU only


@dataclass
class FeatureMapSummary:
    """One conv stage's output for the probe sample: shape (C, H, W) and how much of it is on."""

    name: str
    kind: str
    shape: tuple[int, ...]
    mean: float
    max: float
    active_fraction: float  # share of values > 0


@dataclass
class FeatureMaps:
    """A conv stage's output for one sample, for drawing: `maps` is a (C, H, W) CPU tensor."""

    name: str
    kind: str
    maps: torch.Tensor


@dataclass
class ConvFilters:
    """The first conv layer's kernels, for drawing: `weights` is (out, in, kh, kw) on the CPU."""

    name: str
    weights: torch.Tensor


@dataclass
class LinearFit:
    """y = Σ coefficients[i]·feature_names[i] + intercept, in the data's own units (the input
    and target standardisation undone)."""

    coefficients: list[float]
    intercept: float
    feature_names: list[str]
    target_name: str = "y"


@dataclass
class HealthWarning:
    rule: str  # "vanishing", "exploding" or "dead"
    layer: str  # the layer it is about ("" for the whole network)
    text: str  # one line


def health_warnings(layers: list[LayerHealth], activations: list[ActivationHealth]) -> list[HealthWarning]:
    """The warning rules (docs/inside.md) applied to one collection."""
    found: list[HealthWarning] = []
    broken = [x for x in layers if not _finite(x.grad_norm) or not _finite(x.weight_norm)]
    if broken:
        found.append(
            HealthWarning(
                "exploding",
                broken[0].name,
                f"exploding: layer {broken[0].name} has a non-finite weight or gradient — "
                "lower the learning rate",
            )
        )
    with_grads = [x for x in layers if x.grad_norm is not None]
    if not broken and len(with_grads) >= 2 and with_grads[-1].grad_norm:
        first, last = with_grads[0], with_grads[-1]
        assert first.grad_norm is not None and last.grad_norm is not None
        ratio = first.grad_norm / last.grad_norm
        sizes = f"gradient norm {first.grad_norm:.2g} vs {last.grad_norm:.2g} at layer {last.name}"
        if ratio < VANISHING_RATIO:
            found.append(
                HealthWarning(
                    "vanishing",
                    first.name,
                    f"vanishing gradients: layer {first.name} gets {ratio:.1e}× the output layer's "
                    f"({sizes}) — try relu, batch norm, or fewer layers",
                )
            )
        elif ratio > EXPLODING_RATIO:
            found.append(
                HealthWarning(
                    "exploding",
                    first.name,
                    f"exploding gradients: layer {first.name} gets {ratio:.1e}× the output layer's "
                    f"({sizes}) — lower the learning rate or add batch norm",
                )
            )
    for act in activations:
        if act.dead_fraction is not None and act.dead_fraction > DEAD_SHARE:
            found.append(
                HealthWarning(
                    "dead",
                    act.name,
                    f"dead units: {act.dead_fraction:.0%} of {act.kind} layer {act.name}'s {act.units} "
                    "units are never positive — lower the learning rate or try leaky_relu",
                )
            )
    return found


@dataclass
class WarningSpan:
    """A warning rule that fired, for one layer, over a span of collections."""

    warning: HealthWarning  # its latest occurrence
    first_epoch: int  # 1-based
    last_epoch: int
    current: bool  # it fires in the latest collection


def stat_series(history: list[Any], part: str, name: str, key: str) -> list[float | None]:
    """One value over the collections (`ModelStats`, oldest first), for a sparkline: e.g.
    ("layers", "0", "grad_norm") or ("activations", "1", "dead_fraction"); None where a
    collection lacks it."""
    values: list[float | None] = []
    for stats in history:
        item = next((x for x in getattr(stats, part) if x.name == name), None)
        values.append(getattr(item, key, None) if item is not None else None)
    return values


def warning_spans(history: list[Any]) -> list[WarningSpan]:
    """Each (rule, layer) that fired over the collections, with the epochs it fired in."""
    spans: dict[tuple[str, str], WarningSpan] = {}
    for stats in history:
        for warning in stats.warnings:
            key = (warning.rule, warning.layer)
            span = spans.get(key)
            if span is None:
                spans[key] = WarningSpan(warning, stats.epoch + 1, stats.epoch + 1, False)
            else:
                span.warning, span.last_epoch = warning, stats.epoch + 1
    latest = {(w.rule, w.layer) for w in history[-1].warnings} if history else set()
    for key, span in spans.items():
        span.current = key in latest
    return list(spans.values())


def _finite(value: float | None) -> bool:
    return value is None or math.isfinite(value)


def plain(value: Any) -> Any:
    """A value as JSON writes it portably: non-finite floats become null, tuples lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def build(cls: type, record: Any) -> Any:
    """`cls` from a record's fields, ignoring keys it does not know (files from newer versions)."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a table for {cls.__name__}, got {type(record).__name__}")
    names = {f.name for f in fields(cls)}
    known = {k: v for k, v in record.items() if k in names}
    if "shape" in known:
        known["shape"] = tuple(known["shape"])
    return cls(**known)
