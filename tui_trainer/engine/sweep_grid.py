"""The grid of a hyperparameter sweep: `--sweep KEY=VALUES` axes, their cartesian product, and
one checked TrainConfig per point. Torch-free, so bad sweeps are refused before anything starts.

Syntax of one axis, `section.field=VALUES`:
- scalar fields (numbers, strings, booleans): `,` separates the values,
  e.g. `optimizer.lr=1e-3,3e-3,1e-2`, `optimizer.name=adam,sgd`, `model.batch_norm=true,false`;
- list fields (`model.hidden`, `optimizer.betas`): `|` separates the values and `,` separates
  the items inside one value, e.g. `model.hidden=64|128,64|[]` (`[]` is the empty list);
- every value is parsed exactly like `--set` parses it; empty values, repeated values, a key given
  twice, and a key that is also `--set` are errors.
The grid is the cartesian product in the order the axes were given (the last axis varies fastest).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import get_origin

from tui_trainer.engine.config import ConfigError, TrainConfig, field_type, parse_value

LIST_SEPARATOR = "|"
SCALAR_SEPARATOR = ","


@dataclass(frozen=True)
class SweepAxis:
    key: str  # section.field
    texts: tuple[str, ...]  # each value as `--set` accepts it


@dataclass
class SweepPoint:
    index: int
    params: dict[str, str]  # key -> value text, in axis order
    config: TrainConfig

    def label(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.params.items())


def parse_axis(spec: str, flag: str = "--sweep") -> SweepAxis:
    """One `--sweep` argument (or a `--search` choice, `flag` naming it in errors); raises
    ConfigError with a one-line message saying what to fix."""
    if "=" not in spec:
        raise ConfigError(f"{flag} expects section.field=VALUES (e.g. optimizer.lr=1e-3,1e-2), got {spec!r}")
    key, raw = (part.strip() for part in spec.split("=", 1))
    if key.count(".") != 1 or not all(key.split(".")):
        raise ConfigError(f"{flag} key must look like section.field (e.g. optimizer.lr), got {key!r}")
    try:
        expected = field_type(key)
    except ConfigError as exc:
        raise ConfigError(f"{flag} {key}: {exc}") from None
    is_list = get_origin(expected) is list
    separator = LIST_SEPARATOR if is_list else SCALAR_SEPARATOR
    if not raw:
        raise ConfigError(f"{flag} {key}: no values given (e.g. {key}=a{separator}b)")
    texts = tuple(part.strip() for part in raw.split(separator))
    if any(text == "" for text in texts):
        hint = " (list fields separate values with |, e.g. model.hidden=64|128,64)" if is_list else ""
        raise ConfigError(f"{flag} {key}: empty value in {raw!r}{hint}")
    try:
        parsed = [parse_value(text, expected, key) for text in texts]
    except ConfigError as exc:
        raise ConfigError(f"{flag} {exc}") from None
    for i, value in enumerate(parsed):
        if value in parsed[:i]:
            raise ConfigError(f"{flag} {key}: value {texts[i]!r} is given twice")
    return SweepAxis(key, texts)


def parse_axes(specs: list[str], set_keys: Sequence[str] = ()) -> list[SweepAxis]:
    axes = [parse_axis(spec) for spec in specs]
    seen: set[str] = set()
    fixed = {k.split("=", 1)[0].strip() for k in set_keys}
    for axis in axes:
        if axis.key in seen:
            raise ConfigError(f"--sweep {axis.key} is given twice; put all its values in one --sweep")
        if axis.key in fixed:
            raise ConfigError(f"{axis.key} is both --set and --sweep; keep only one of them")
        seen.add(axis.key)
    return axes


def grid_points(base: TrainConfig, axes: list[SweepAxis]) -> list[SweepPoint]:
    """Every point of the grid as a checked config; the first bad point raises ConfigError."""
    points = []
    for index, combo in enumerate(itertools.product(*(axis.texts for axis in axes))):
        params = {axis.key: text for axis, text in zip(axes, combo, strict=False)}
        config = base.copy()
        try:
            for key, text in params.items():
                config.set(f"{key}={text}")
            config.check()
        except ConfigError as exc:
            label = " ".join(f"{k}={v}" for k, v in params.items())
            raise ConfigError(f"sweep point {index + 1} ({label}): {exc}") from None
        points.append(SweepPoint(index, params, config))
    return points


def point_run_name(point: SweepPoint, width: int) -> str:
    """Short, unique, file-safe: p03-lr0.003-hidden128x64."""
    parts = [f"p{point.index + 1:0{width}d}"]
    for key, text in point.params.items():
        parts.append(key.split(".", 1)[1].replace("_", "") + compact_value(text))
    return "-".join(parts)


def compact_value(text: str) -> str:
    return "none" if text.strip("[] ") == "" else text.strip("[]").replace(",", "x").replace(" ", "")
