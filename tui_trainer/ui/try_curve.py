"""The Try tab for a 1-D regression: the fitted curve ŷ(x) over the data with a cursor along x.

The points are the latest evaluation's, the curve the model's ŷ over the x range of every
evaluation seen (TryPane asks the predictor for it; drawn as the Samples tab draws its curve,
ui/fitted_curve.py); the cursor is a vertical line at x, moved by keys or the mouse, and each
move posts `Moved` so that the tab asks the model (the same Predictor the form uses) for ŷ at
that x and shows `x = …  ŷ = …` under the plot.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message

from tui_trainer.ui.fitted_curve import (
    CURSOR_STEPS,
    cursor_x,
    draw_fitted_curve,
    fitted_legend,
    step_at,
    x_at_column,
)
from tui_trainer.ui.strip_plot import LegendEntry, StripPlot

CURSOR_COLOUR = "red"


class FittedCurveCursor(StripPlot, can_focus=True):
    DEFAULT_CSS = """
    FittedCurveCursor { height: 1fr; min-height: 10; }
    """
    BINDINGS = [
        Binding("left", "move(-1)", "←", show=False, tooltip="Try curve: the cursor one step left"),
        Binding("right", "move(1)", "→", show=False, tooltip="Try curve: the cursor one step right"),
        Binding("shift+left", "move(-10)", show=False, tooltip="Try curve: 10 steps left"),
        Binding("shift+right", "move(10)", show=False, tooltip="Try curve: 10 steps right"),
    ]

    class Moved(Message):
        """The cursor is at a new x, in the data's own units."""

        def __init__(self, x: float) -> None:
            super().__init__()
            self.x = x

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.points: tuple[list[float], list[float]] = ([], [])  # the latest evaluation's (x, y)
        self.fit: tuple[list[float], list[float]] | None = None  # the model's ŷ(x) over x_range
        self.split = ""
        self.step = CURSOR_STEPS // 2
        self.x_range = (0.0, 1.0)  # the data's x range the cursor moves over
        self.canvas_columns = (0, 0)  # (first column, columns) of the drawn canvas, for the mouse
        self.axis_x = (0.0, 1.0)  # the x axis's limits as drawn

    def show_points(self, points: tuple[list[float], list[float]], split: str) -> None:
        """A new evaluation's data points."""
        self.points, self.split = points, split
        self.refresh()

    def show_fit(self, x_range: tuple[float, float], fit: tuple[list[float], list[float]]) -> None:
        """The model's curve over `x_range` (new weights, or a wider range); the cursor keeps its
        x (the centre at first)."""
        first, x = self.fit is None, self.x
        self.x_range, self.fit = x_range, fit
        self.refresh()
        if first:
            self._moved()
        elif x is not None:
            self.step = step_at(*x_range, x)
            if self.x != x:
                self._moved()

    @property
    def x(self) -> float | None:
        return cursor_x(*self.x_range, self.step) if self.fit is not None else None

    def go_to(self, x: float) -> None:
        self._place(step_at(*self.x_range, x))

    # ---- keys and mouse ------------------------------------------------------------------
    def action_move(self, steps: int) -> None:
        self._place(self.step + steps)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = event.get_content_offset(self)
        first, columns = self.canvas_columns
        if offset is None or self.fit is None or not columns:
            return
        self.go_to(x_at_column(offset.x, first, columns, *self.axis_x))

    def _place(self, step: int) -> None:
        step = min(CURSOR_STEPS, max(0, step))
        if step != self.step and self.fit is not None:
            self.step = step
            self.refresh()
            self._moved()

    def _moved(self) -> None:
        if (x := self.x) is not None:
            self.post_message(self.Moved(x))

    # ---- drawing -------------------------------------------------------------------------
    def legend(self) -> list[LegendEntry]:
        if self.fit is None:
            return []
        return [*fitted_legend(self.split), LegendEntry("│", CURSOR_COLOUR, "cursor x", "x")]

    def draw_figure(self, plt) -> None:
        if self.fit is None:
            return
        draw_fitted_curve(self, plt, self.points, self.fit, f"ŷ(x) of the model ({self.split} data)")
        if (x := self.x) is not None:
            plt.vline(x, CURSOR_COLOUR)
        low, high = plt.monitor.xlim[0]  # the axis set_axes chose
        self.axis_x = (float(low), float(high))

    def plot_text(self) -> str:
        text = super().plot_text()
        # Where the canvas lies (its frame's corners) tells which x a mouse column stands for.
        for line in Text.from_ansi(text).plain.splitlines():
            if "┌" in line and "┐" in line:
                first = line.index("┌") + 1
                self.canvas_columns = (first, line.index("┐") - first)
                break
        return text
