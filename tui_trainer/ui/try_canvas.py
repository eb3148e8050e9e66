"""The Try tab's drawing canvas: an image at the data set's own resolution, drawn large with
half-block pixels, painted with the mouse or the keyboard.

The image is held as stored values (0 .. the set's pixel maximum, per channel), exactly what the
model's preprocessing takes, so what is drawn is what is predicted. Each image pixel is `scale`
cells wide and `scale` half-cells tall (square on a terminal's 1:2 cells); the scale is the
largest that fits beside the result panel. A mouse cell covers two half-cells, so at scale 1 a
click paints both pixel rows it covers; the keyboard cursor moves one pixel at a time.
"""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tui_trainer.ui.pixels import HALF_BLOCK

MAX_BRUSH = 5
MAX_SCALE = 6
RESERVED_WIDTH = 36  # the result panel beside the canvas
CURSOR_RGB = (255, 60, 60)

Image = list[list[list[float]]]  # [channel][row][column] stored values
RGB = tuple[int, ...]


def blank_image(channels: int, height: int, width: int) -> Image:
    return [[[0.0] * width for _ in range(height)] for _ in range(channels)]


class DrawingCanvas(Widget, can_focus=True):
    DEFAULT_CSS = """
    DrawingCanvas { width: auto; height: auto; }
    DrawingCanvas:focus { background: $boost; }
    """
    BINDINGS = [
        Binding("up", "move(-1, 0)", "↑", show=False),
        Binding("down", "move(1, 0)", "↓", show=False),
        Binding("left", "move(0, -1)", "←", show=False),
        Binding("right", "move(0, 1)", "→", show=False),
        Binding("space", "paint", "Paint", tooltip="Try canvas: paint the brush at the cursor"),
        Binding("x", "erase", "Erase", tooltip="Try canvas: erase the brush at the cursor"),
        Binding("left_square_bracket", "brush(-1)", "Brush-", tooltip="Try canvas: a smaller brush"),
        Binding("right_square_bracket", "brush(1)", "Brush+", tooltip="Try canvas: a larger brush"),
        Binding("delete", "clear", "Clear", tooltip="Try canvas: clear the drawing"),
        Binding("backspace", "clear", "Clear", show=False, tooltip="Try canvas: clear the drawing"),
    ]

    class Changed(Message):
        """The drawing changed: `image` is a copy of its stored values."""

        def __init__(self, image: Image) -> None:
            super().__init__()
            self.image = image

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.channels, self.height, self.width = 1, 8, 8
        self.pixel_max = 1.0
        self.image: Image = blank_image(1, 8, 8)
        self.cursor = (0, 0)  # (row, column) in image pixels
        self.brush = 1
        self.scale = 1
        self._drawing: float | None = None  # the value a mouse drag paints, while one goes on
        self._last_cell: tuple[int, int] | None = None  # where the drag's mouse was last
        self._styles: dict[tuple, Style] = {}
        self._colours: list[list[RGB]] | None = None

    # ---- what is drawn on ----------------------------------------------------------------
    def set_format(self, channels: int, height: int, width: int, pixel_max: float) -> None:
        """A blank canvas of the data set's shape (kept as it is when the shape is the same)."""
        if (channels, height, width, pixel_max) != (self.channels, self.height, self.width, self.pixel_max):
            self.channels, self.height, self.width, self.pixel_max = channels, height, width, pixel_max
            self.image = blank_image(channels, height, width)
            self.cursor = (height // 2, width // 2)
            self.refresh(layout=True)

    def load(self, image: Image) -> None:
        """Start from an existing image (a test sample), then edit it."""
        self.image = [[list(map(float, row)) for row in channel] for channel in image]
        self._changed()

    def copy(self) -> Image:
        return [[list(row) for row in channel] for channel in self.image]

    # ---- keys ----------------------------------------------------------------------------
    def action_move(self, rows: int, cols: int) -> None:
        row, col = self.cursor
        self.cursor = (min(self.height - 1, max(0, row + rows)), min(self.width - 1, max(0, col + cols)))
        self.refresh()

    def action_paint(self) -> None:
        self._dab([self.cursor[0]], self.cursor[1], self.pixel_max)

    def action_erase(self) -> None:
        self._dab([self.cursor[0]], self.cursor[1], 0.0)

    def action_brush(self, change: int) -> None:
        self.brush = min(MAX_BRUSH, max(1, self.brush + change))
        self.refresh()
        self.notify(f"brush {self.brush}×{self.brush} pixels", timeout=1.5)

    def action_clear(self) -> None:
        self.image = blank_image(self.channels, self.height, self.width)
        self._changed()

    # ---- the mouse: left button paints, right button erases --------------------------------
    def on_mouse_down(self, event: events.MouseDown) -> None:
        self._drawing = 0.0 if event.button == 3 else self.pixel_max
        self._last_cell = None
        self.capture_mouse()
        self._mouse_stroke(event)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drawing is not None:
            self._mouse_stroke(event)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        self._drawing = None
        self.release_mouse()

    def _mouse_stroke(self, event: events.MouseEvent) -> None:
        """Paint every cell from the last mouse position to this one: a fast drag skips cells."""
        offset = event.get_content_offset(self)
        if offset is None or self._drawing is None:
            return
        x0, y0 = self._last_cell or (offset.x, offset.y)
        self._last_cell = (offset.x, offset.y)
        steps = max(abs(offset.x - x0), abs(offset.y - y0), 1)
        cells = dict.fromkeys(
            (round(x0 + (offset.x - x0) * i / steps), round(y0 + (offset.y - y0) * i / steps))
            for i in range(steps + 1)
        )
        for x, y in cells:
            col = x // self.scale
            rows = [
                row for row in sorted({2 * y // self.scale, (2 * y + 1) // self.scale}) if row < self.height
            ]
            if rows and col < self.width:
                self.cursor = (rows[0], col)
                self._dab(rows, col, self._drawing, notify=False)
        self._changed()

    def _dab(self, rows: list[int], col: int, value: float, notify: bool = True) -> None:
        """Set the brush's square of pixels around (each of) `rows` at column `col` to `value`."""
        low, high = -((self.brush - 1) // 2), self.brush // 2
        for row in rows:
            for r in range(max(0, row + low), min(self.height, row + high + 1)):
                for c in range(max(0, col + low), min(self.width, col + high + 1)):
                    for channel in self.image:
                        channel[r][c] = value
        if notify:
            self._changed()

    def _changed(self) -> None:
        self.post_message(self.Changed(self.copy()))
        self.refresh()

    # ---- drawing -------------------------------------------------------------------------
    def get_content_width(self, container: Size, viewport: Size) -> int:
        fits_width = (container.width - RESERVED_WIDTH) // self.width
        fits_height = 2 * (container.height - 1) // self.height
        self.scale = max(1, min(MAX_SCALE, fits_width, fits_height))
        return self.width * self.scale

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return -(-self.height * self.scale // 2)

    def _pixel_colours(self) -> list[list[RGB]]:
        """Each pixel's colour as drawn (the brush under the cursor tinted while focused): made
        once per change, not once per cell and line."""
        if self._colours is not None:
            return self._colours
        scale = 255.0 / (self.pixel_max or 1.0)
        planes = self.image if len(self.image) == 3 else [self.image[0]] * 3
        colours = [
            [
                tuple(int(max(0.0, min(255.0, plane[r][c] * scale))) for plane in planes)
                for c in range(self.width)
            ]
            for r in range(self.height)
        ]
        if self.has_focus:
            low, high = -((self.brush - 1) // 2), self.brush // 2
            row, col = self.cursor
            for r in range(max(0, row + low), min(self.height, row + high + 1)):
                for c in range(max(0, col + low), min(self.width, col + high + 1)):
                    colours[r][c] = tuple(
                        (v + t) // 2 for v, t in zip(colours[r][c], CURSOR_RGB, strict=True)
                    )
        self._colours = colours
        return colours

    def refresh(self, *regions, **kwargs):
        self._colours = None  # whatever asks for a redraw changed the picture or the cursor
        return super().refresh(*regions, **kwargs)

    def _style(self, top: RGB, bottom: RGB) -> Style:
        key = (top, bottom)
        if key not in self._styles:
            self._styles[key] = Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))
        return self._styles[key]

    def render_line(self, y: int) -> Strip:
        top_row, bottom_row = 2 * y // self.scale, (2 * y + 1) // self.scale
        if top_row >= self.height:
            return Strip.blank(self.size.width)
        colours = self._pixel_colours()
        black: list[RGB] = [(0, 0, 0)] * self.width
        top, bottom = colours[top_row], colours[bottom_row] if bottom_row < self.height else black
        cells = HALF_BLOCK * self.scale
        segments = [Segment(cells, self._style(top[c], bottom[c])) for c in range(self.width)]
        return Strip(segments, self.width * self.scale).adjust_cell_length(self.size.width)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
