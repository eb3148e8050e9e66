"""The learning-rate range test's plot, shared by `--find-lr` (printed) and the app's LR finder
screen (`ui/lr_finder_screen.py`): the smoothed loss against the learning rate on a log x axis,
each suggestion a labelled vertical line (steepest descent red, minimum ÷ 10 green), as plotext's
ANSI text."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotext as plt

from tui_trainer.formatting import format_lr

if TYPE_CHECKING:  # the engine's lr_finder imports torch: the app's first screen must not
    from tui_trainer.engine import LRFinderResult

PLOT_HEIGHT = 20
STEEPEST, MINIMUM = "steepest descent", "minimum ÷ 10"


def lr_finder_plot(result: LRFinderResult, width: int, height: int = PLOT_HEIGHT) -> str:
    """The smoothed loss against the learning rate, log x, each suggestion a labelled vertical
    line; "" when the test recorded no points."""
    if not result.lrs:
        return ""
    plt.clear_figure()
    plt.plotsize(width, height)
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


def suggestion_lines(result: LRFinderResult) -> list[str]:
    """One line per suggestion, the one `suggested_lr` picks marked."""
    lines = []
    for name, lr in ((STEEPEST, result.steepest_lr), (MINIMUM, result.minimum_lr)):
        mark = "  <- suggested" if name == MINIMUM and lr is not None else ""
        lines.append(f"{name:<17} lr {format_lr(lr)}{mark}")
    return lines


def _decade(value: float) -> int:
    return int(f"{value:e}".split("e")[1])
