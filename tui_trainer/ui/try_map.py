"""The Try tab for 2-D toys: the decision-boundary map with a cursor, moved by keys or the mouse.

The map is the latest evaluation's (drawn as the Samples tab draws it, ui/pixels.py); each cell
stands for the point at its centre, and the cursor's point is what the model is asked about, so
the panel beside it shows the class probabilities there.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tui_trainer.ui.pixels import boundary_lines

CURSOR = Style(color="white", bgcolor="black", bold=True)
FAST_STEP = 5


class BoundaryCursor(Widget, can_focus=True):
    DEFAULT_CSS = """
    BoundaryCursor { width: auto; height: auto; }
    """
    BINDINGS = [
        Binding("up", "move(-1, 0)", "↑", show=False),
        Binding("down", "move(1, 0)", "↓", show=False),
        Binding("left", "move(0, -1)", "←", show=False),
        Binding("right", "move(0, 1)", "→", show=False),
        Binding("shift+up", f"move(-{FAST_STEP}, 0)", show=False),
        Binding("shift+down", f"move({FAST_STEP}, 0)", show=False),
        Binding("shift+left", f"move(0, -{FAST_STEP})", show=False),
        Binding("shift+right", f"move(0, {FAST_STEP})", show=False),
    ]

    class Moved(Message):
        """The cursor is over a new point: `point` is (x1, x2) in the data's own units."""

        def __init__(self, point: tuple[float, float]) -> None:
            super().__init__()
            self.point = point

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.boundary: Any = None  # the engine's DecisionBoundary
        self.cursor = (0, 0)  # (line, column) in map cells
        self._lines: list[Text] = []
        self._drawn_for: tuple[int, int] | None = None  # (id of the boundary, width) of _lines
        self.reserved_lines = 0  # lines the result under the map needs: the map is shrunk to leave them

    def show(self, boundary) -> None:
        """A new map (a later evaluation); the cursor stays on its cell."""
        first = self.boundary is None
        self.boundary = boundary
        self._drawn_for = None
        self.refresh(layout=True)
        if first:
            self.call_after_refresh(self._centre)

    def _centre(self) -> None:
        self._build()
        if self._lines:
            self.cursor = (len(self._lines) // 2, self._lines[0].cell_len // 2)
            self._moved()

    @property
    def grid_size(self) -> tuple[int, int]:
        """(lines, columns) of the map as drawn."""
        return (len(self._lines), self._lines[0].cell_len) if self._lines else (0, 0)

    def point_at(self, line: int, col: int) -> tuple[float, float]:
        """The point at the centre of a map cell, in the data's units."""
        lines, cols = self.grid_size
        (x0, x1), (y0, y1) = self.boundary.x_range, self.boundary.y_range
        return x0 + (col + 0.5) / cols * (x1 - x0), y1 - (line + 0.5) / lines * (y1 - y0)

    @property
    def point(self) -> tuple[float, float] | None:
        return self.point_at(*self.cursor) if self._lines else None

    def go_to(self, x: float, y: float) -> None:
        """The cursor to the cell holding the point (x, y), or the nearest cell on the map."""
        lines, cols = self.grid_size
        if not lines:
            return
        (x0, x1), (y0, y1) = self.boundary.x_range, self.boundary.y_range
        col = int((x - x0) / ((x1 - x0) or 1.0) * cols)
        line = int((y1 - y) / ((y1 - y0) or 1.0) * lines)
        self._place(line, col)

    # ---- keys and mouse ------------------------------------------------------------------
    def action_move(self, lines: int, cols: int) -> None:
        self._place(self.cursor[0] + lines, self.cursor[1] + cols)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self.capture_mouse()
        self._mouse(event)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self.app.mouse_captured is self:
            self._mouse(event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self.release_mouse()

    def _mouse(self, event: events.MouseEvent) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self._place(offset.y, offset.x)

    def _place(self, line: int, col: int) -> None:
        lines, cols = self.grid_size
        if not lines:
            return
        cursor = (min(lines - 1, max(0, line)), min(cols - 1, max(0, col)))
        if cursor != self.cursor:
            self.cursor = cursor
            self.refresh()
            self._moved()

    def _moved(self) -> None:
        point = self.point
        if point is not None:
            self.post_message(self.Moved(point))

    # ---- drawing -------------------------------------------------------------------------
    def _map_width(self) -> int:
        return max(8, self.size.width)

    def _grid_shape(self) -> tuple[int, int]:
        rows, cols = (int(d) for d in self.boundary.classes.shape)
        return rows, cols

    def _build(self) -> None:
        if self.boundary is None:
            self._lines = []
            return
        key = (id(self.boundary), self._map_width())
        if self._drawn_for != key:
            self._lines, self._drawn_for = boundary_lines(self.boundary, self._map_width()), key
            lines, cols = self.grid_size
            self.cursor = (min(self.cursor[0], lines - 1), min(self.cursor[1], cols - 1))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        """As wide as the pane, or narrower where the map (which keeps its aspect ratio) would
        leave no room for the result under it."""
        if self.boundary is None:
            return max(8, container.width)
        rows, cols = self._grid_shape()
        lines = max(4, container.height - self.reserved_lines)
        return max(8, min(container.width, cols, lines * 2 * cols // rows))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.boundary is None:
            return 1
        rows, cols = self._grid_shape()
        width = max(8, min(width, cols))
        return max(4, round(rows * width / cols / 2))

    def render_line(self, y: int) -> Strip:
        self._build()
        if y >= len(self._lines):
            return Strip.blank(self.size.width)
        line = self._lines[y]
        if y == self.cursor[0]:
            col = self.cursor[1]
            line = line[:col] + Text("✛", CURSOR) + line[col + 1 :]
        return Strip(line.render(self.app.console)).adjust_cell_length(self.size.width)
