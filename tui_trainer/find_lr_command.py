"""`--find-lr [CONFIG]`: the learning-rate range test headless (`engine.find_lr`). Prints the
smoothed loss against the learning rate as a terminal plot (log x) with both suggestions marked,
and the rates; with `--apply` it then trains the config with the suggested rate (the minimum ÷ 10)
as `--batch` would."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.text import Text

from tui_trainer.batch import run_batch
from tui_trainer.batch_reporter import BatchReporter
from tui_trainer.engine import (
    ConfigError,
    DataProgress,
    LRFinderSettings,
    RangeTestFailed,
    TrainConfig,
    find_lr,
)
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_FAILED, EXIT_OK
from tui_trainer.formatting import format_lr
from tui_trainer.lr_plot import MINIMUM, lr_finder_plot, suggestion_lines

MAX_PLOT_WIDTH = 100


def run_find_lr(
    config: TrainConfig,
    apply: bool = False,
    console: Console | None = None,
    export: str | None = None,
    weights: str = "final",
) -> int:
    """Run the range test, print its plot and suggestions; with `apply`, train with the suggestion."""
    if console is None:
        console = Console(highlight=False)
        if not console.is_terminal:
            console = Console(highlight=False, width=MAX_PLOT_WIDTH)
    settings = LRFinderSettings()
    reporter = BatchReporter(console, console.is_terminal)
    try:
        result = find_lr(
            config,
            settings,
            data_progress=lambda what, done, total: reporter(DataProgress(what, done, total)),
        )
    except ConfigError as exc:
        print(f"tui-trainer: error: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except RangeTestFailed as exc:
        print(f"tui-trainer: error: the learning-rate range test failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        reporter.end_data_progress()
    console.print(
        f"learning-rate range test on {config.dataset.name}: lr {format_lr(settings.start_lr)} to "
        f"{format_lr(settings.end_lr)} in {result.steps_planned} steps, on a copy of the model",
        markup=False,
    )
    if result.lrs:
        console.print(Text.from_ansi(lr_finder_plot(result, min(console.width, MAX_PLOT_WIDTH))))
    console.print(f"ended: {result.stop_reason}", markup=False)
    suggested = result.suggested_lr
    if suggested is None:
        print(
            "tui-trainer: error: the range test suggests no learning rate: the smoothed loss never fell "
            f"over {len(result.lrs)} steps; check the data and loss.name, or give it more steps per "
            "epoch (a smaller dataset.batch_size)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    for line in suggestion_lines(result):
        console.print(line, markup=False)
    assignment = f"optimizer.lr={format_lr(suggested)}"
    if not apply:
        console.print(f"train with it: --set {assignment} (or run again with --apply)", markup=False)
        return EXIT_OK
    console.print(f"applying the {MINIMUM} suggestion: {assignment}", markup=False)
    return run_batch(config.with_overrides([assignment]), console, export=export, weights=weights)
