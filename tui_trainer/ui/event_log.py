"""The run log: a RichLog that wraps its lines at the width it is shown at, whenever that is.

A RichLog wraps each line once, when it is written, at the width it has then. The log sits in
the Training tab; lines written while another tab is shown (a whole run watched on the Confusion
tab) were wrapped at `min_width` columns, and lines written before a terminal resize kept the old
width, for good. This log keeps what was written and wraps it again when its width changes or it
is shown.

Adding a line grows the log's virtual size, which Textual answers with a layout pass of the whole
screen (25-45 ms on a large terminal) although only the scrollbar's thumb changes once the log
overflows. While training, each epoch's line cost the training thread that time (the GIL), so a
line added to a log whose scrollbar already shows only repaints it and resizes the thumb.
"""

from __future__ import annotations

from collections import deque

from rich.console import RenderableType
from textual.events import Resize, Show
from textual.widgets import RichLog


class EventLog(RichLog):
    DEFAULT_CSS = "EventLog { scrollbar-gutter: stable; }"  # the wrap width must not depend on the scrollbar
    # Inside RichLog.write, which only ever grows the virtual size (a class attribute, as
    # refresh() may run before __init__ has set anything).
    _appending = False

    def __init__(self, *, max_lines: int = 2000, **kwargs) -> None:
        super().__init__(max_lines=max_lines, wrap=True, markup=False, min_width=1, **kwargs)
        self._entries: deque[RenderableType] = deque(maxlen=max_lines)
        self._wrapped_at = 0  # the width the shown lines were wrapped at; 0: some are not shown yet
        self._size_known = True  # written lines are kept here, so RichLog's own deferral is not needed

    def _width(self) -> int:
        return self.scrollable_content_region.width if self.display else 0

    def write(self, content, *args, **kwargs) -> EventLog:
        """Add a line; RichLog's width and scroll options do not apply (lines take the log's width)."""
        self._entries.append(content)
        width = self._width()
        if width <= 0 or width != self._wrapped_at:
            self._wrapped_at = 0  # hidden (or resized and not yet re-wrapped): wrap when shown
            self._rewrap()
        else:
            self._appending = True
            try:
                super().write(content, width=width)
            finally:
                self._appending = False
        return self

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if layout and self._appending and self._only_the_thumb_changes():
            layout = False
            self.vertical_scrollbar.window_virtual_size = self.virtual_size.height
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _only_the_thumb_changes(self) -> bool:
        """True when the grown virtual size needs no new layout: the vertical scrollbar already
        shows (and stays, lines only being added), and the lines still fit the width."""
        return (
            self.show_vertical_scrollbar
            and not self.show_horizontal_scrollbar
            and self.virtual_size.width <= self.scrollable_content_region.width
        )

    def clear(self) -> EventLog:
        self._entries.clear()
        super().clear()
        return self

    def _rewrap(self) -> None:
        width = self._width()
        if width <= 0 or width == self._wrapped_at:
            return
        self._wrapped_at = width
        super().clear()
        for content in self._entries:
            super().write(content, width=width, scroll_end=False)
        self.scroll_end(animate=False, immediate=False, x_axis=False)

    def on_resize(self, event: Resize) -> None:
        self._rewrap()

    def on_show(self, event: Show) -> None:
        self._rewrap()
