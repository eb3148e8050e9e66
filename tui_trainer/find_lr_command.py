"""`--find-lr [CONFIG]`: the learning-rate range test headless (`engine.find_lr`). Prints the
smoothed loss against the learning rate as a terminal plot (log x) with both suggestions marked,
and the rates; with `--apply` it then trains the config with the suggested rate (the minimum ÷ 10)
as `--batch` would."""

from __future__ import annotations

import sys

import plotext as plt
from rich.console import Console
from rich.text import Text

from tui_trainer.batch import run_batch
from tui_trainer.batch_reporter import BatchReporter
from tui_trainer.engine import (
    ConfigError,
    DataProgress,
    LRFinderResult,
    LRFinderSettings,
    RangeTestFailed,
    TrainConfig,
    find_lr,
)
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_FAILED, EXIT_OK
from tui_trainer.formatting import format_lr

PLOT_HEIGHT = 20
MAX_PLOT_WIDTH = 100
STEEPEST, MINIMUM = "steepest descent", "minimum ÷ 10"


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
        console.print(Text.from_ansi(loss_plot(result, min(console.width, MAX_PLOT_WIDTH))))
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
    for name, lr in ((STEEPEST, result.steepest_lr), (MINIMUM, result.minimum_lr)):
        mark = "  <- suggested" if name == MINIMUM else ""
        console.print(f"{name:<17} lr {format_lr(lr)}{mark}", markup=False)
    assignment = f"optimizer.lr={format_lr(suggested)}"
    if not apply:
        console.print(f"train with it: --set {assignment} (or run again with --apply)", markup=False)
        return EXIT_OK
    console.print(f"applying the {MINIMUM} suggestion: {assignment}", markup=False)
    return run_batch(config.with_overrides([assignment]), console, export=export, weights=weights)


def loss_plot(result: LRFinderResult, width: int) -> str:
    """The smoothed loss against the learning rate, log x, each suggestion a labelled vertical line."""
    plt.clear_figure()
    plt.plotsize(width, PLOT_HEIGHT)
    plt.theme("clear")
    plt.xscale("log")
    plt.plot(result.lrs, result.losses, marker="braille")
    # The y range is the curve's up to its lowest point: the divergence after it would squash
    # the descent, the part that matters, into a few rows.
    lowest = min(range(len(result.losses)), key=result.losses.__getitem__)
    top, bottom = max(result.losses[: lowest + 1]), result.losses[lowest]
    margin = (top - bottom) * 0.1 or abs(top) * 0.05 or 1.0
    plt.ylim(bottom - margin, top + margin)
    if result.steepest_lr is not None:
        plt.vline(result.steepest_lr, "red")
        plt.text("steepest", x=result.steepest_lr, y=top, color="red", alignment="right")
    if result.minimum_lr is not None:
        plt.vline(result.minimum_lr, "green")
        plt.text("min÷10", x=result.minimum_lr, y=bottom, color="green", alignment="left")
    decades = range(_decade(result.lrs[0]), _decade(result.lrs[-1]) + 1)
    plt.xticks([10.0**d for d in decades], [f"1e{d}" for d in decades])
    plt.xlabel("learning rate (log scale)")
    plt.ylabel("smoothed loss")
    text = plt.build()
    plt.clear_figure()
    return text


def _decade(value: float) -> int:
    return int(f"{value:e}".split("e")[1])
