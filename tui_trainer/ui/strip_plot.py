"""A plotext plot drawn through Textual's line API: the base of every plot in the app.

`PlotextPlot.render` hands plotext's ANSI output to `Text.from_ansi`, which Textual then renders
into strips again; for the loss plot that was 40% of every redraw. Here the output becomes strips
directly (`ansi_strips`), drawn once after each refresh and copied on every other redraw.
Subclasses describe their figure in `draw_figure` and name its series in `legend`: the legend is
drawn on its own line(s) under the figure, never over the data as plotext's own legend is, and
`set_axes` gives the figure round ticks that label their own rows.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from dataclasses import dataclass

import plotext
from textual.strip import Strip
from textual_plotext import PlotextPlot

from tui_trainer.formatting import format_number, format_ticks
from tui_trainer.ui.ansi_strips import ansi_strips
from tui_trainer.ui.plot_axes import Axis, finite, row_axis, span_axis

CLIPPED = "red"
MIN_FIGURE_ROWS = 6  # the legend gives up lines before the figure gets smaller than this


@dataclass(frozen=True)
class LegendEntry:
    marker: str
    color: str  # a plotext colour name, as the series is drawn with
    label: str
    short: str = ""  # the label where the long ones do not fit on one line


@dataclass
class Curve:
    """One series of a figure as it is drawn now, with its legend entry."""

    xs: list[float]
    ys: list[float]
    color: str
    entry: LegendEntry
    marker: str = "braille"
    points: bool = False  # a ● at each value as well


def legend_lines(entries: list[LegendEntry], width: int) -> list[list[LegendEntry]]:
    """The entries in as few lines of `width` as they fit, with the long labels if one line holds them."""
    for attribute in ("label", "short"):
        labelled = [LegendEntry(e.marker, e.color, getattr(e, attribute) or e.label) for e in entries]
        if _text_width(labelled) <= width:
            return [labelled] if labelled else []
    lines: list[list[LegendEntry]] = [[]]
    for entry in labelled:
        if lines[-1] and _text_width([*lines[-1], entry]) > width:
            lines.append([])
        lines[-1].append(entry)
    return lines


def _text_width(entries: list[LegendEntry]) -> int:
    return sum(len(e.marker) + 1 + len(e.label) for e in entries) + 2 * max(len(entries) - 1, 0)


class StripPlot(PlotextPlot):
    _stale = True  # refreshed since the strips were drawn (a class default: refresh() may run in __init__)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._strips: list[Strip] = []
        self._drawn_size: tuple[int, int] | None = None
        self.draws = 0
        self._draw_costs: deque[float] = deque(maxlen=5)  # UI-thread CPU seconds of the last redraws

    figure_size = (0, 0)  # the figure's (width, height): the widget's less the legend lines

    def draw_figure(self, plt) -> None:
        """Plot the widget's data on `plt`, a cleared figure of `figure_size`."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Gather what the next drawing shows; called before `legend` and `draw_figure`."""

    def legend(self) -> list[LegendEntry]:
        """The series drawn, for the legend under the figure."""
        return []

    def set_axes(
        self,
        plt,
        xs: list[float],
        ys: list[float],
        integer_x: bool = False,
        y_top: float | None = None,
        y_most: float | None = None,
        xlabel: bool = False,
    ) -> Axis | None:
        """Limits and ticks for the figure's data `xs`, `ys` (non-finite values are left out), the
        y axis cut at `y_top` if given and kept under `y_most` (the most a value can be) where it
        can; returns the y axis, None when there is no data. Call it after `plt.title` and before
        drawing: the rows the canvas has depend on the title.
        """
        xs, ys = finite(xs), finite(ys)
        if not xs or not ys:
            return None
        width, height = self.figure_size
        # the frame's two lines, the x tick labels, the title, the x label
        rows = height - 3 - (1 if plt.monitor.title else 0) - (1 if xlabel else 0)
        y = row_axis(min(ys), max(ys) if y_top is None else y_top, max(rows, 1), most=y_most)
        y_labels = format_ticks(y.ticks)
        plt.ylim(y.low, y.high)
        plt.yticks(y.ticks, y_labels)
        columns = width - 2 - max(len(label) for label in y_labels)
        x = span_axis(min(xs), max(xs), columns, integer=integer_x)
        plt.xlim(x.low, x.high)
        plt.xticks(x.ticks, format_ticks(x.ticks))
        return y

    def refresh(self, *regions, **kwargs):
        self._stale = True
        return super().refresh(*regions, **kwargs)

    def render_lines(self, crop):
        # Timed here, not in render_line: a redraw also costs Textual's styling of every line.
        started, draws = time.thread_time(), self.draws
        lines = super().render_lines(crop)
        if self.draws != draws:
            self._draw_costs.append(time.thread_time() - started)
        return lines

    @property
    def draw_seconds(self) -> float:
        """What a redraw costs: the median of the last few, so one slow draw (the first, or one
        interrupted by a garbage collection) does not hold the next ones back."""
        return statistics.median(self._draw_costs) if self._draw_costs else 0.0

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        if self._stale or self._drawn_size != (width, height):
            self._stale = False
            self._drawn_size = (width, height)
            self._strips = ansi_strips(self.plot_text(), width)[:height]
            self.draws += 1
        if 0 <= y < len(self._strips):
            return self._strips[y].apply_style(self.rich_style)
        return Strip.blank(width, self.rich_style)

    def text_lines(self) -> list[str]:
        """What the widget shows, line by line, as plain text."""
        return [strip.text for strip in ansi_strips(self.plot_text(), self.size.width)[: self.size.height]]

    @staticmethod
    def plot_clamped(plt, axis: Axis, curves: list[Curve]) -> None:
        """Draw the curves with their values above the axis on its top edge, marked ▲ there
        (non-finite values are left out)."""
        above = []
        for curve in curves:
            # plotext draws every cell of a line, even off the canvas: one to 1e21 ran out of memory.
            pairs = [(x, y) for x, y in zip(curve.xs, curve.ys, strict=True) if math.isfinite(y)]
            xs, ys = [p[0] for p in pairs], [min(p[1], axis.high) for p in pairs]
            plt.plot(xs, ys, marker=curve.marker, color=curve.color)
            if curve.points:
                plt.scatter(xs, ys, marker="●", color=curve.color)
            above += [x for x, y in pairs if y > axis.high]
        if above:
            plt.scatter(above, [axis.high] * len(above), marker="▲", color=CLIPPED)

    @staticmethod
    def clipped_entry(curves: list[Curve], top: float | None) -> list[LegendEntry]:
        """The legend's note on values off a clipped axis, if it is clipped."""
        if top is None:
            return []
        highest = max(y for curve in curves for y in curve.ys if math.isfinite(y))
        return [LegendEntry("▲", CLIPPED, f"off the axis, up to {format_number(highest)}")]

    def plot_text(self) -> str:
        """plotext's drawing of the current data with the legend under it, at the widget's size,
        with ANSI colours."""
        width, height = self.size
        self.prepare()
        lines = legend_lines(self.legend(), width)[: max(height - MIN_FIGURE_ROWS, 0)]
        self.figure_size = (width, height - len(lines))
        plt = self.plt
        plt.clear_figure()
        self.draw_figure(plt)
        # As PlotextPlot.render does (its `_set_size` repeats `plotsize` on purpose: plotext
        # does not always resize without it; textual-plotext issue #5).
        plt.plotsize(*self.figure_size)
        plt._set_size(*self.figure_size)
        plt.theme(f"textual-auto-{self.app.theme}" if self.theme == "auto" else self.theme)
        figure = plt.build()
        if not lines:
            return figure
        background, foreground = _theme_colours(plt)
        legend = [
            plotext.colorize(" ", background=background).join(
                plotext.colorize(e.marker, e.color, background=background)
                + plotext.colorize(f" {e.label} ", foreground, background=background)
                for e in line
            )
            for line in lines
        ]
        return "\n".join([figure.removesuffix("\n"), *legend])


def _theme_colours(plt) -> tuple:
    """The figure's background and text colours, once its theme is set (the legend's too)."""
    return plt.monitor.canvas_color, plt.monitor.ticks_color
