"""A plotext plot drawn through Textual's line API: the base of every plot in the app.

`PlotextPlot.render` hands plotext's ANSI output to `Text.from_ansi`, which Textual then renders
into strips again; for the loss plot that was 40% of every redraw. Here the output becomes strips
directly (`ansi_strips`), drawn once after each refresh and copied on every other redraw.
Subclasses describe their figure in `draw_figure`.
"""

from __future__ import annotations

import statistics
import time
from collections import deque

from textual.strip import Strip
from textual_plotext import PlotextPlot

from tui_trainer.ui.ansi_strips import ansi_strips


class StripPlot(PlotextPlot):
    _stale = True  # refreshed since the strips were drawn (a class default: refresh() may run in __init__)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._strips: list[Strip] = []
        self._drawn_size: tuple[int, int] | None = None
        self.draws = 0
        self._draw_costs: deque[float] = deque(maxlen=5)  # UI-thread CPU seconds of the last redraws

    def draw_figure(self, plt) -> None:
        """Plot the widget's data on `plt`, a cleared figure sized to the widget."""
        raise NotImplementedError

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

    def plot_text(self) -> str:
        """plotext's drawing of the current data at the widget's size, with ANSI colours."""
        width, height = self.size
        plt = self.plt
        plt.clear_figure()
        self.draw_figure(plt)
        # As PlotextPlot.render does (its `_set_size` repeats `plotsize` on purpose: plotext
        # does not always resize without it; textual-plotext issue #5).
        plt.plotsize(width, height)
        plt._set_size(width, height)
        plt.theme(f"textual-auto-{self.app.theme}" if self.theme == "auto" else self.theme)
        return plt.build()
