"""`--inspect RUN_DIR`: what a run recorded about its model's insides, on the command line.

The layer table, the learned parameters' statistics (and their values for a tiny model), each
layer's health over the run with its warnings, the activations, a conv model's feature maps, and
a linear regression's fitted equation — rich tables on a terminal, plain aligned text otherwise.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from tui_trainer.engine import InspectError, RunInspection, load_inspection
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_OK
from tui_trainer.formatting import MISSING, format_linear_equation, format_number, format_percent

SPARK = "▁▂▃▄▅▆▇█"
MAX_SPARK = 24  # collections shown in a sparkline (the latest ones)


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    right: set[int] = field(default_factory=set)  # columns of numbers, right-aligned


def inspect_and_report(run_dir: str, console: Console | None = None) -> int:
    try:
        inspection = load_inspection(run_dir)
    except InspectError as exc:
        print(f"tui-trainer: error: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    console = console or Console(highlight=False)
    rich = console.is_terminal
    for line in header_lines(inspection):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    for section in sections(inspection):
        console.print()
        if rich:
            console.print(rich_table(section))
        else:
            for line in plain_table(section):
                console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print()
    for line in closing_lines(inspection):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    return EXIT_OK


def header_lines(inspection: RunInspection) -> list[str]:
    latest, config = inspection.latest, inspection.config
    lines = [f"run: {inspection.path}"]
    if inspection.meta is not None:
        lines.append(inspection.meta.summary())
    if config is not None:
        network = config.model.architecture()
        model = f"model: {network}" + (f", {config.model.activation}" if network != "linear" else "")
        if inspection.weights_file:
            model += f", {inspection.param_count:,} parameters ({inspection.weights_file})"
        lines.append(model)
    first = inspection.history[0].epoch + 1
    lines.append(
        f"statistics: {len(inspection.history)} collections over epochs {first}–{latest.epoch + 1}; "
        f"latest at epoch {latest.epoch + 1} (step {latest.step:,}), activations on "
        f"{latest.probe_samples} validation samples"
    )
    if inspection.skipped_lines:
        lines.append(f"({inspection.skipped_lines} unreadable lines of model_stats.jsonl skipped)")
    if inspection.weights_problem:
        lines.append(f"no layer table: {inspection.weights_problem}")
    return lines


def sections(inspection: RunInspection) -> list[Section]:
    latest = inspection.latest
    found = []
    if inspection.layers:
        layers = Section("layers", ["#", "layer", "output", "parameters"], right={3})
        for info in inspection.layers:
            layers.rows.append([info.name, info.kind, _shape(info.output_shape), f"{info.params:,}"])
        found.append(layers)
    params = Section(
        f"learned parameters (epoch {latest.epoch + 1})",
        ["name", "shape", "count", "mean", "std", "min", "max", "grad norm"],
        right={2, 3, 4, 5, 6, 7},
    )
    for p in latest.parameters:
        stats = [format_number(v) for v in (p.mean, p.std, p.min, p.max, p.grad_norm)]
        params.rows.append([p.name, _shape(p.shape), f"{p.count:,}", *stats])
    found.append(params)
    if any(p.values is not None for p in latest.parameters):
        values = Section("parameter values", ["name", "values"])
        for p in latest.parameters:
            values.rows.append([p.name, ", ".join(format_number(v) for v in p.values or [])])
        found.append(values)
    if latest.layers:
        health = Section(
            "layer health (first → latest collection)",
            ["layer", "kind", "weight norm", "grad norm", "grad norm over time", "update/weight"],
            right={2, 3, 5},
        )
        for layer in latest.layers:
            weights = inspection.series("layers", layer.name, "weight_norm")
            grads = inspection.series("layers", layer.name, "grad_norm")
            health.rows.append(
                [
                    layer.name,
                    layer.kind,
                    _trend(weights),
                    _trend(grads),
                    sparkline(grads),
                    format_number(layer.update_ratio),
                ]
            )
        found.append(health)
    if latest.activations:
        acts = Section(
            "activations (latest collection)",
            ["layer", "kind", "units", "mean", "std", "dead units (first → latest)"],
            right={2, 3, 4, 5},
        )
        for act in latest.activations:
            dead = inspection.series("activations", act.name, "dead_fraction")
            shown = _trend(dead, percent=True) if act.dead_fraction is not None else MISSING
            acts.rows.append(
                [act.name, act.kind, str(act.units), format_number(act.mean), format_number(act.std), shown]
            )
        found.append(acts)
    if latest.feature_maps:
        maps = Section(
            f"feature maps of the {latest.probe_sample or 'probe sample'}",
            ["layer", "kind", "shape", "mean", "max", "active"],
            right={3, 4, 5},
        )
        for fm in latest.feature_maps:
            maps.rows.append(
                [
                    fm.name,
                    fm.kind,
                    _shape(fm.shape),
                    format_number(fm.mean),
                    format_number(fm.max),
                    format_percent(fm.active_fraction, 0),
                ]
            )
        found.append(maps)
    return found


def closing_lines(inspection: RunInspection) -> list[str]:
    latest = inspection.latest
    lines = []
    fit = latest.linear_fit
    if fit is not None:
        equation = format_linear_equation(fit.coefficients, fit.intercept, fit.feature_names, fit.target_name)
        lines.append(f"fitted equation: {equation}")
    if latest.feature_maps:
        conv = next((p for p in latest.parameters if len(p.shape) == 4), None)
        if conv is not None:
            out, *kernel = conv.shape
            layer = conv.name.rsplit(".", 1)[0]
            lines.append(f"first conv layer {layer}: {out} filters of {_shape(tuple(kernel))}")
    spans = inspection.warning_spans()
    if not spans:
        lines.append("health: no warnings")
    for span in spans:
        when = (
            f"epoch {span.first_epoch}"
            if span.first_epoch == span.last_epoch
            else (f"epochs {span.first_epoch}–{span.last_epoch}")
        )
        status = "" if span.current else " (no longer at the latest collection)"
        lines.append(f"warning ({when}{status}): {span.warning.text}")
    return lines


def rich_table(section: Section) -> Table:
    table = Table(title=section.title, title_justify="left")
    for index, column in enumerate(section.columns):
        table.add_column(column, justify="right" if index in section.right else "left", no_wrap=True)
    for row in section.rows:
        table.add_row(*row)
    return table


def plain_table(section: Section) -> list[str]:
    """The section as aligned text: its title, the header, a line per row."""
    rows = [section.columns, *section.rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(section.columns))]

    def line(row: list[str]) -> str:
        cells = [
            cell.rjust(width) if index in section.right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return [f"{section.title}:", *(line(row) for row in rows)]


def sparkline(values: list[float | None]) -> str:
    """The latest values as bars on a log scale (norms span orders of magnitude); a space for a
    missing or non-positive value."""
    shown = values[-MAX_SPARK:]
    logs = [math.log10(v) if v is not None and v > 0 and math.isfinite(v) else None for v in shown]
    known = [v for v in logs if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = high - low or 1.0
    return "".join(" " if v is None else SPARK[round((v - low) / span * (len(SPARK) - 1))] for v in logs)


def _trend(values: list[float | None], percent: bool = False) -> str:
    known = [v for v in values if v is not None]
    if not known:
        return MISSING
    show = (lambda v: format_percent(v, 0)) if percent else format_number
    first, last = show(known[0]), show(known[-1])
    return last if len(known) == 1 or first == last else f"{first} → {last}"


def _shape(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape) or "scalar"
