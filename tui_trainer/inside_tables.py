"""The tables of a model's insides as plain rows of strings, for `--inspect` and the app's Inside tab.

Each builder takes the run's collections (`ModelStats` events, oldest first) and returns a
`Section`: a title, column names and rows of cells. The command line prints them with rich or as
aligned text (inspect_command.py); the Inside tab (ui/inside_view.py) draws them with rich at the
pane's width, dropping the columns a section names in `drop_first` when they do not fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tui_trainer.engine import stat_series, warning_spans
from tui_trainer.formatting import MISSING, format_linear_equation, format_number, format_percent

SPARK = "▁▂▃▄▅▆▇█"
MAX_SPARK = 24  # collections shown in a sparkline (the latest ones)
COLUMN_GAP = 2  # spaces between the columns of a plain table


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    right: set[int] = field(default_factory=set)  # columns of numbers, right-aligned
    drop_first: list[int] = field(default_factory=list)  # columns a narrow view leaves out, in order


def stat_sections(history: list[Any]) -> list[Section]:
    """What `--inspect` prints after its layer table: parameters, values, health, activations,
    feature maps (those the run has)."""
    found = [parameter_section(history[-1]), values_section(history[-1])]
    found += [health_section(history), activation_section(history), feature_map_section(history[-1])]
    return [section for section in found if section is not None]


def parameter_section(latest: Any) -> Section:
    """`named_parameters()`: name, shape, count, mean, std, min, max, gradient norm."""
    params = Section(
        f"learned parameters (epoch {latest.epoch + 1})",
        ["name", "shape", "count", "mean", "std", "min", "max", "grad norm"],
        right={2, 3, 4, 5, 6, 7},
        drop_first=[2, 5, 6, 1],
    )
    for p in latest.parameters:
        stats = [format_number(v) for v in (p.mean, p.std, p.min, p.max, p.grad_norm)]
        params.rows.append([p.name, shape_text(p.shape), f"{p.count:,}", *stats])
    return params


def values_section(latest: Any) -> Section | None:
    """Every value of a tiny model (≤ MAX_LISTED_VALUES parameters)."""
    if not any(p.values is not None for p in latest.parameters):
        return None
    values = Section("parameter values", ["name", "values"])
    for p in latest.parameters:
        values.rows.append([p.name, ", ".join(format_number(v) for v in p.values or [])])
    return values


def health_section(history: list[Any]) -> Section | None:
    """Each weighted layer's norms, first → latest, and its gradient norm over time."""
    latest = history[-1]
    if not latest.layers:
        return None
    health = Section(
        "layer health (first → latest collection)",
        ["layer", "kind", "weight norm", "grad norm", "grad norm over time", "update/weight"],
        right={2, 3, 5},
    )
    for layer in latest.layers:
        weights = stat_series(history, "layers", layer.name, "weight_norm")
        grads = stat_series(history, "layers", layer.name, "grad_norm")
        row = [layer.name, layer.kind, trend(weights), trend(grads), sparkline(grads)]
        health.rows.append([*row, format_number(layer.update_ratio)])
    return health


def activation_section(history: list[Any]) -> Section | None:
    latest = history[-1]
    if not latest.activations:
        return None
    acts = Section(
        "activations (latest collection)",
        ["layer", "kind", "units", "mean", "std", "dead units (first → latest)"],
        right={2, 3, 4, 5},
    )
    for act in latest.activations:
        dead = stat_series(history, "activations", act.name, "dead_fraction")
        shown = trend(dead, percent=True) if act.dead_fraction is not None else MISSING
        stats = [format_number(act.mean), format_number(act.std), shown]
        acts.rows.append([act.name, act.kind, str(act.units), *stats])
    return acts


def feature_map_section(latest: Any) -> Section | None:
    if not latest.feature_maps:
        return None
    maps = Section(
        f"feature maps of the {latest.probe_sample or 'probe sample'}",
        ["layer", "kind", "shape", "mean", "max", "active"],
        right={3, 4, 5},
        drop_first=[1],
    )
    for fm in latest.feature_maps:
        cells = [format_number(fm.mean), format_number(fm.max), format_percent(fm.active_fraction, 0)]
        maps.rows.append([fm.name, fm.kind, shape_text(fm.shape), *cells])
    return maps


def layer_trend_section(history: list[Any], spark_width: int) -> Section | None:
    """The Inside tab's layer health: each weighted layer's weight norm, gradient norm and
    update/weight ratio as a sparkline over the collections and its latest value."""
    latest = history[-1]
    if not latest.layers:
        return None
    health = Section(
        "layer health over the reports",
        ["layer", "kind", "weight norm", "grad norm", "update/weight"],
        drop_first=[1, 4],
    )
    for layer in latest.layers:
        cells = [
            spark_cell(stat_series(history, "layers", layer.name, key), spark_width)
            for key in ("weight_norm", "grad_norm", "update_ratio")
        ]
        health.rows.append([layer.name, layer.kind, *cells])
    return health


def activation_trend_section(history: list[Any], spark_width: int) -> Section | None:
    """The Inside tab's activations: mean, std and the dead ReLU units' share over the reports."""
    latest = history[-1]
    if not latest.activations:
        return None
    acts = Section(
        f"activations ({latest.probe_samples} samples)",
        ["layer", "kind", "units", "dead", "mean", "std"],
        right={2},
        drop_first=[2, 1, 5],
    )
    for act in latest.activations:
        keys = ("dead_fraction", "mean", "std")
        series = {key: stat_series(history, "activations", act.name, key) for key in keys}
        dead = (
            spark_cell(series["dead_fraction"], spark_width, log=False, percent=True)
            if act.dead_fraction is not None
            else MISSING
        )
        mean = spark_cell(series["mean"], spark_width, log=False)
        std = spark_cell(series["std"], spark_width)
        acts.rows.append([act.name, act.kind, str(act.units), dead, mean, std])
    return acts


def equation_line(latest: Any) -> str | None:
    fit = latest.linear_fit
    if fit is None:
        return None
    equation = format_linear_equation(fit.coefficients, fit.intercept, fit.feature_names, fit.target_name)
    return f"fitted equation: {equation}"


def conv_line(latest: Any) -> str | None:
    conv = next((p for p in latest.parameters if len(p.shape) == 4), None) if latest.feature_maps else None
    if conv is None:
        return None
    out, *kernel = conv.shape
    return f"first conv layer {conv.name.rsplit('.', 1)[0]}: {out} filters of {shape_text(tuple(kernel))}"


def warning_lines(history: list[Any]) -> list[str]:
    """A line per warning that fired, with the epochs it fired in; "health: no warnings" if none."""
    spans = warning_spans(history)
    if not spans:
        return ["health: no warnings"]
    lines = []
    for span in spans:
        first, last = span.first_epoch, span.last_epoch
        when = f"epoch {first}" if first == last else f"epochs {first}–{last}"
        status = "" if span.current else " (no longer at the latest collection)"
        lines.append(f"warning ({when}{status}): {span.warning.text}")
    return lines


def closing_lines(history: list[Any]) -> list[str]:
    latest = history[-1]
    lines = [line for line in (equation_line(latest), conv_line(latest)) if line is not None]
    return lines + warning_lines(history)


def plain_table(section: Section, columns: list[int] | None = None) -> list[str]:
    """The section as aligned text: its title, the header, a line per row (only `columns`)."""
    keep = list(range(len(section.columns))) if columns is None else columns
    rows = [[row[i] for i in keep] for row in [section.columns, *section.rows]]
    widths = [max(len(row[i]) for row in rows) for i in range(len(keep))]

    def line(row: list[str]) -> str:
        cells = [
            cell.rjust(width) if keep[index] in section.right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return (" " * COLUMN_GAP).join(cells).rstrip()

    return [f"{section.title}:", *(line(row) for row in rows)]


def columns_that_fit(section: Section, width: int) -> list[int]:
    """The columns shown in `width` characters: all of them, or without `drop_first`'s, in order."""
    keep = list(range(len(section.columns)))
    rows = [section.columns, *section.rows]

    def natural(columns: list[int]) -> int:
        return sum(max(len(row[i]) for row in rows) for i in columns) + COLUMN_GAP * (len(columns) - 1)

    for column in section.drop_first:
        if natural(keep) <= width:
            break
        keep.remove(column)
    return keep


def spark_cell(values: list[float | None], width: int, log: bool = True, percent: bool = False) -> str:
    """A sparkline of the latest `width` values and the latest value: `▁▃▅█ 0.012`."""
    known = [v for v in values if v is not None]
    latest = MISSING if not known else format_percent(known[-1], 0) if percent else format_number(known[-1])
    bars = sparkline(values[-width:], log=log, low=0.0 if percent else None, high=1.0 if percent else None)
    return f"{bars} {latest}" if bars and len(values) > 1 else latest


def sparkline(
    values: list[float | None], log: bool = True, low: float | None = None, high: float | None = None
) -> str:
    """The latest values as bars, on a log scale by default (norms span orders of magnitude) or
    between `low` and `high`; a space for a missing (or, on a log scale, non-positive) value."""
    shown = values[-MAX_SPARK:]

    def scaled(v: float | None) -> float | None:
        if v is None or not math.isfinite(v) or (log and v <= 0):
            return None
        return math.log10(v) if log else v

    points = [scaled(v) for v in shown]
    known = [v for v in points if v is not None]
    if not known:
        return ""
    bottom = min(known) if low is None else low
    top = max(known) if high is None else high
    span = top - bottom or 1.0
    top_bar = len(SPARK) - 1
    bars = (
        SPARK[max(0, min(top_bar, round((v - bottom) / span * top_bar)))] if v is not None else " "
        for v in points
    )
    return "".join(bars)


def trend(values: list[float | None], percent: bool = False) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return MISSING
    show = (lambda v: format_percent(v, 0)) if percent else format_number
    first, last = show(known[0]), show(known[-1])
    return last if len(known) == 1 or first == last else f"{first} → {last}"


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape) or "scalar"
