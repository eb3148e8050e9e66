"""`model.layers`: a stack of layer tokens (`conv32,pool,conv64,pool,fc128`) and its shapes.

Parsing and shape inference are plain Python (no torch), so the command line refuses a bad stack
before anything loads and the app can show each layer's output shape as the user types. The
modules themselves are built by `engine.model`.

Tokens (K: kernel, C: channels, N: units, p: drop probability):
    conv<C> / conv<C>x<K>   Conv2d, "same" padding, [BatchNorm2d], activation   (K = 3)
    pool / pool<K>          MaxPool2d(K)                                        (K = 2)
    avgpool / avgpool<K>    AvgPool2d(K)                                        (K = 2)
    gap                     global average pooling to C×1×1
    res<C>                  basic residual block: two 3×3 convs with BatchNorm, 1×1 projection
                            when the channel count changes
    fc<N>                   Linear, [BatchNorm1d], activation, [model.dropout]
    drop<p>                 Dropout(p)
A Flatten is inserted where a dense layer follows image-shaped output; the output layer follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui_trainer.engine.config_values import ConfigError

FIELD = "model.layers"

# Whole-stack names (the value is this one token).
NAMED_ARCHITECTURES: dict[str, tuple[list[str], str]] = {
    "lenet5": (
        ["conv6x5", "pool", "conv16x5", "pool", "fc120", "fc84"],
        "LeCun's LeNet-5: two 5×5 conv + pool stages, then 120 and 84 units",
    ),
    "simple-cnn": (
        ["conv32", "conv32", "pool", "conv64", "conv64", "pool", "fc128"],
        "two conv blocks (32, 64 channels) and 128 units; fits 28×28 and 32×32",
    ),
    "resnet8": (
        ["conv16", "res16", "res32", "pool", "res64", "pool", "gap"],
        "three residual stages (16, 32, 64 channels) for 32×32 colour images",
    ),
}

MAX_CHANNELS = 4096
MAX_KERNEL = 31
_TOKEN = re.compile(
    r"^(?:(?P<conv>conv)(?P<conv_c>\d+)(?:x(?P<conv_k>\d+))?"
    r"|(?P<pool>pool|avgpool)(?P<pool_k>\d+)?"
    r"|(?P<gap>gap)"
    r"|(?P<res>res)(?P<res_c>\d+)"
    r"|(?P<fc>fc)(?P<fc_n>\d+)"
    r"|(?P<drop>drop)(?P<drop_p>\d*\.?\d+))$"
)
SYNTAX_HINT = "conv32, conv32x5, pool, avgpool2, gap, res64, fc128, drop0.25 or lenet5 / simple-cnn / resnet8"


@dataclass(frozen=True)
class LayerSpec:
    """One parsed token: its kind (conv, maxpool, avgpool, gap, res, fc, drop) and size."""

    token: str
    kind: str
    size: int = 0  # channels (conv, res) or units (fc)
    kernel: int = 0  # conv and pooling
    p: float = 0.0  # drop


@dataclass(frozen=True)
class ShapeStep:
    """A layer's output shape (C, H, W) or (N,), its parameter count and multiply-adds per sample."""

    spec: LayerSpec | None  # None: the Flatten inserted before the first dense layer
    shape: tuple[int, ...]
    params: int
    macs: int


def expand(tokens: list[str]) -> list[str]:
    """The tokens of a named architecture given as the whole value, else the tokens as typed."""
    cleaned = [t.strip().lower() for t in tokens]
    if len(cleaned) == 1 and cleaned[0] in NAMED_ARCHITECTURES:
        return list(NAMED_ARCHITECTURES[cleaned[0]][0])
    return cleaned


def parse_layers(tokens: list[str]) -> list[LayerSpec]:
    """Every token parsed; ConfigError naming model.layers and the token otherwise."""
    specs = []
    for index, token in enumerate(expand(tokens), start=1):
        named = token in NAMED_ARCHITECTURES
        match = None if named else _TOKEN.match(token)
        if match is None:
            why = (
                f"{token} is a whole architecture: give it alone"
                if named
                else f"layer {index} {token!r} is not a layer token"
            )
            raise ConfigError(f"{FIELD}: {why} (use {SYNTAX_HINT})")
        specs.append(_spec(token, index, match))
    return specs


def _spec(token: str, index: int, match: re.Match[str]) -> LayerSpec:
    where = f"{FIELD}: layer {index} {token!r}"
    if match["conv"]:
        channels, kernel = int(match["conv_c"]), int(match["conv_k"] or 3)
        _bounded(where, "channels", channels, MAX_CHANNELS)
        _bounded(where, "kernel", kernel, MAX_KERNEL)
        return LayerSpec(token, "conv", channels, kernel)
    if match["pool"]:
        kernel = int(match["pool_k"] or 2)
        _bounded(where, "pool size", kernel, MAX_KERNEL)
        return LayerSpec(token, "maxpool" if match["pool"] == "pool" else "avgpool", kernel=kernel)
    if match["gap"]:
        return LayerSpec(token, "gap")
    if match["res"]:
        channels = int(match["res_c"])
        _bounded(where, "channels", channels, MAX_CHANNELS)
        return LayerSpec(token, "res", channels, 3)
    if match["fc"]:
        units = int(match["fc_n"])
        _bounded(where, "units", units, 1_000_000)
        return LayerSpec(token, "fc", units)
    p = float(match["drop_p"])
    if not 0.0 <= p < 1.0:
        raise ConfigError(f"{where}: a dropout probability must be in [0, 1), got {p:g}")
    return LayerSpec(token, "drop", p=p)


def _bounded(where: str, what: str, value: int, high: int) -> None:
    if not 1 <= value <= high:
        raise ConfigError(f"{where}: {what} must be between 1 and {high:,}, got {value}")


def uses_images(specs: list[LayerSpec]) -> bool:
    return any(s.kind in ("conv", "maxpool", "avgpool", "gap", "res") for s in specs)


def infer_shapes(
    specs: list[LayerSpec], input_shape: tuple[int, ...], dataset: str, batch_norm: bool
) -> list[ShapeStep]:
    """Each layer's output shape for `input_shape`; ConfigError for a stack that cannot work."""
    image = len(input_shape) == 3
    first_image = next((s for s in specs if s.kind in ("conv", "maxpool", "avgpool", "gap", "res")), None)
    if first_image is not None and not image:
        raise ConfigError(
            f"{FIELD}: {first_image.token} needs image input (C×H×W); dataset {dataset} is tabular "
            "— use fc layers"
        )
    steps: list[ShapeStep] = []
    shape = tuple(input_shape)
    flat = not image
    for index, spec in enumerate(specs, start=1):
        if spec.kind == "fc" and not flat:
            shape = (shape[0] * shape[1] * shape[2],)
            flat = True
            steps.append(ShapeStep(None, shape, 0, 0))
        if spec.kind in ("conv", "maxpool", "avgpool", "gap", "res") and flat:
            raise ConfigError(
                f"{FIELD}: layer {index} {spec.token} comes after a dense layer; image layers must come "
                "before the first fc layer"
            )
        shape, params, macs = _step(spec, shape, index, batch_norm)
        steps.append(ShapeStep(spec, shape, params, macs))
    return steps


def _step(
    spec: LayerSpec, shape: tuple[int, ...], index: int, batch_norm: bool
) -> tuple[tuple[int, ...], int, int]:
    if spec.kind == "fc":
        (width,) = shape
        params = width * spec.size + spec.size + (2 * spec.size if batch_norm else 0)
        return (spec.size,), params, width * spec.size
    if spec.kind == "drop":
        return shape, 0, 0
    channels, height, width = shape
    if spec.kind == "conv":
        k = spec.kernel
        params = channels * spec.size * k * k + spec.size + (2 * spec.size if batch_norm else 0)
        return (spec.size, height, width), params, channels * spec.size * k * k * height * width
    if spec.kind == "res":
        out = spec.size
        params = channels * out * 9 + out * out * 9 + 4 * out  # two convs (no bias) and two BNs
        macs = (channels * out * 9 + out * out * 9) * height * width
        if channels != out:
            params += channels * out + 2 * out
            macs += channels * out * height * width
        return (out, height, width), params, macs
    if spec.kind == "gap":
        return (channels, 1, 1), 0, 0
    k = spec.kernel  # max or average pooling
    new_h, new_w = height // k, width // k
    if new_h < 1 or new_w < 1:
        raise ConfigError(
            f"{FIELD}: {spec.token} after layer {index - 1} would make the {height}×{width} image "
            f"{new_h}×{new_w} — remove a pool or use a larger image"
        )
    return (channels, new_h, new_w), 0, 0


def format_shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape)
