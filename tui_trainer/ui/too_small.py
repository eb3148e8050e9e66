"""What a terminal below the app's minimum size shows: one line saying so, instead of a layout
squeezed until its panes are a few columns wide.

The app pushes `TooSmallScreen` when the terminal shrinks below MIN_SIZE and it leaves when the
terminal is large enough again. Training goes on meanwhile; only quitting works from here (the
other keys act on panes that cannot be seen).
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Static

MIN_SIZE = Size(80, 24)


def too_small(size: Size) -> bool:
    return size.width < MIN_SIZE.width or size.height < MIN_SIZE.height


def too_small_text(size: Size) -> str:
    return f"terminal too small: {size.width}×{size.height}, need {MIN_SIZE.width}×{MIN_SIZE.height}"


class TooSmallScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; }
    TooSmallScreen > Static { width: auto; height: auto; }
    """
    BINDINGS = [
        Binding("q", "app.quit", "Quit", tooltip="quit (a running run is stopped and saved first)"),
        Binding("ctrl+q", "app.quit", show=False, priority=True),
    ]

    def __init__(self, size: Size) -> None:
        super().__init__()
        self._size = size

    def compose(self) -> ComposeResult:
        yield Static(too_small_text(self._size), id="too-small")

    def show_size(self, size: Size) -> None:
        self.query_one("#too-small", Static).update(too_small_text(size))

    def on_screen_resume(self) -> None:
        # Back on top after a screen opened over it closed: the terminal may have grown meanwhile.
        if not too_small(self.app.size):
            self.dismiss()


def fit_screen(app: App, size: Size) -> None:
    """Show the line when `size` is below the minimum; take it away when it is not."""
    top = app.screen
    if too_small(size):
        if isinstance(top, TooSmallScreen):
            top.show_size(size)
        else:
            app.push_screen(TooSmallScreen(size))
    elif isinstance(top, TooSmallScreen):
        top.dismiss()
