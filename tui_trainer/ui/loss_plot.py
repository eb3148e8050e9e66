"""The live training plot: smoothed per-step train loss and per-epoch train/val loss or accuracy.

The data is decimated to the widget's width when it is drawn, so a redraw costs the same after a
million steps as after a thousand; it is drawn only after the app refreshes the widget, which the
app spaces by what the last redraws cost (`RunView.plot_interval`).

Drawing goes through the line API: plotext's ANSI output becomes strips directly
(`ansi_strips`), not a Rich Text decoded and rendered again, which took 40% of each redraw.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from dataclasses import dataclass

from textual.strip import Strip
from textual_plotext import PlotextPlot

from tui_trainer.ui.ansi_strips import ansi_strips
from tui_trainer.ui.history import Ema, StepHistory, decimate


@dataclass
class EpochPoint:
    epoch: int  # 1-based
    step: int
    train_loss: float
    val_loss: float
    train_accuracy: float | None
    val_accuracy: float | None


class LossPlot(PlotextPlot):
    _stale = True  # refreshed since the strips were drawn (a class default: refresh() may run in __init__)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._strips: list[Strip] = []
        self._drawn_size: tuple[int, int] | None = None
        self.draws = 0
        self._draw_costs: deque[float] = deque(maxlen=5)  # UI-thread CPU seconds of the last redraws
        self.raw = StepHistory()
        self.smooth = StepHistory()
        self.ema = Ema(0.1)
        self.epochs: list[EpochPoint] = []
        self.show_accuracy = False

    def reset(self) -> None:
        self.raw.clear()
        self.smooth.clear()
        self.ema = Ema(0.1)
        self.epochs = []
        self.refresh()

    def add_steps(self, first_step: int, losses: list[float]) -> None:
        for offset, loss in enumerate(losses):
            step = first_step + offset
            self.raw.add(step, loss)
            self.smooth.add(step, self.ema.update(loss))

    def add_epoch(self, point: EpochPoint) -> None:
        self.epochs.append(point)

    def toggle_metric(self) -> str:
        self.show_accuracy = not self.show_accuracy
        self.refresh()
        return "accuracy" if self.show_accuracy else "loss"

    @property
    def has_data(self) -> bool:
        return bool(self.raw.count or self.epochs)

    def _epoch_series(self, width: int) -> list[EpochPoint]:
        if len(self.epochs) <= width:
            return self.epochs
        stride = len(self.epochs) / width
        return [self.epochs[int(i * stride)] for i in range(width)] + [self.epochs[-1]]

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
        self._configure()
        width, height = self.size
        plt = self.plt
        # As PlotextPlot.render does (its `_set_size` repeats `plotsize` on purpose: plotext
        # does not always resize without it; textual-plotext issue #5).
        plt.plotsize(width, height)
        plt._set_size(width, height)
        plt.theme(f"textual-auto-{self.app.theme}" if self.theme == "auto" else self.theme)
        return plt.build()

    def _configure(self) -> None:
        plt = self.plt
        plt.clear_figure()
        width = max(self.size.width - 12, 10)  # columns left for data after the y-axis labels
        epochs = self._epoch_series(width)
        if self.show_accuracy:
            plt.title("accuracy per epoch (a: show loss)")
            pairs = [(p.step, p.train_accuracy, p.val_accuracy) for p in epochs if p.val_accuracy is not None]
            if pairs:
                steps = [p[0] for p in pairs]
                if all(p[1] is not None for p in pairs):
                    plt.plot(steps, [p[1] for p in pairs], label="train", marker="braille", color="cyan")
                plt.plot(steps, [p[2] for p in pairs], label="val", marker="braille", color="orange")
                plt.scatter(steps, [p[2] for p in pairs], marker="●", color="orange")
            elif epochs:
                plt.title("no accuracy for a regression target (a: show loss)")
        else:
            plt.title("loss (a: show accuracy)")
            xs, ys = decimate(*self.raw.points(), width)
            if xs:
                plt.plot(xs, ys, label="train/step", marker="braille", color="gray")
            sx, sy = decimate(*self.smooth.points(), width)
            if sx:
                plt.plot(sx, sy, label="smoothed", marker="braille", color="cyan")
            if epochs:
                steps = [p.step for p in epochs]
                plt.plot(steps, [p.train_loss for p in epochs], label="train/epoch", marker="braille", color="green")
                plt.plot(steps, [p.val_loss for p in epochs], label="val/epoch", marker="braille", color="orange")
                plt.scatter(steps, [p.val_loss for p in epochs], marker="●", color="orange")
        if not self.has_data:
            plt.title("loss — press s to start training")
        plt.xlabel("step")
