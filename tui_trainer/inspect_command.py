"""`--inspect RUN_DIR`: what a run recorded about its model's insides, on the command line.

The layer table, the learned parameters' statistics (and their values for a tiny model), each
layer's health over the run with its warnings, the activations, a conv model's feature maps, and
a linear regression's fitted equation — rich tables on a terminal, plain aligned text otherwise.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from tui_trainer.engine import InspectError, RunInspection, load_inspection
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_OK
from tui_trainer.inside_tables import Section, closing_lines, plain_table, shape_text, stat_sections


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
    for line in closing_lines(inspection.history):
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
    found = []
    if inspection.layers:
        layers = Section("layers", ["#", "layer", "output", "parameters"], right={3})
        for info in inspection.layers:
            layers.rows.append([info.name, info.kind, shape_text(info.output_shape), f"{info.params:,}"])
        found.append(layers)
    return found + stat_sections(inspection.history)


def rich_table(section: Section) -> Table:
    table = Table(title=section.title, title_justify="left")
    for index, column in enumerate(section.columns):
        table.add_column(column, justify="right" if index in section.right else "left", no_wrap=True)
    for row in section.rows:
        table.add_row(*row)
    return table
