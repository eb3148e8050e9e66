"""The fitted curve ŷ(x) of a 1-D regression over its data points, as the Samples tab and the Try
tab's curve (try_curve.py) draw it, and the arithmetic of the Try tab's cursor along x."""

from __future__ import annotations

from typing import Any

from tui_trainer.ui.strip_plot import LegendEntry, StripPlot

CURSOR_STEPS = 100  # the cursor's positions across the data's x range, less one


def has_fitted_curve(pairs: Any) -> bool:
    """The engine's RegressionPairs hold a 1-D input's points and the curve over them."""
    return pairs is not None and pairs.inputs is not None and pairs.fit_x is not None


def fitted_legend(split: str) -> list[LegendEntry]:
    return [
        LegendEntry("•", "cyan", f"{split} data (x, y)", split),
        LegendEntry("━", "orange", "model ŷ(x)", "ŷ(x)"),
    ]


def draw_fitted_curve(
    plot: StripPlot,
    plt,
    points: tuple[list[float], list[float]],
    fit: tuple[list[float], list[float]],
    title: str,
) -> None:
    """The data (x, y) as dots and the model's curve ŷ(x) as a line, axes in the data's own units."""
    (xs, true), (fit_x, fit_y) = points, fit
    plt.title(title)
    plot.set_axes(plt, xs + fit_x, true + fit_y)
    plt.scatter(xs, true, marker="dot", color="cyan")
    plt.plot(fit_x, fit_y, marker="braille", color="orange")


def curve_range(ranges: list[tuple[float, float]]) -> tuple[float, float]:
    """The x range the curve and its cursor span: all the ranges seen (the val and test splits),
    widened to ±1 around a single x (a split of one sample)."""
    low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
    if high - low < 1e-9:
        return low - 1.0, high + 1.0
    return low, high


def curve_grid(low: float, high: float, points: int = 121) -> list[float]:
    """The x values the Try tab asks the model about to draw ŷ(x)."""
    return [low + (high - low) * i / (points - 1) for i in range(points)]


def cursor_x(low: float, high: float, step: int, steps: int = CURSOR_STEPS) -> float:
    """The x of cursor position `step` (0..steps) across [low, high], as shown: four significant
    digits, so the x the model is asked about is the x on screen."""
    step = min(steps, max(0, step))
    return float(f"{low + (high - low) * step / steps:.4g}")


def step_at(low: float, high: float, x: float, steps: int = CURSOR_STEPS) -> int:
    """The cursor position nearest to x (clamped to the range)."""
    if high <= low:
        return 0
    return min(steps, max(0, round((x - low) / (high - low) * steps)))


def x_at_column(column: int, first: int, columns: int, low: float, high: float) -> float:
    """The x a column of the widget stands for, on a canvas of `columns` cells from `first` that
    spans the axis [low, high] (a mouse click)."""
    if columns <= 1:
        return low
    return low + (column - first) / (columns - 1) * (high - low)
