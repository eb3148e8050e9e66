"""ANSI-coloured text (plotext's output) turned into Textual strips, one per line.

Rich's `Text.from_ansi` builds a new Style from every escape sequence: for a 110×32 loss plot
(about 1,000 escapes) that took 17 ms, 40% of a redraw, and the resulting Text then had to be
rendered into strips as well. A plot uses only a handful of distinct colour combinations, so each
combination is decoded by Rich once and looked up after that, and the segments go straight into
strips.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rich.ansi import AnsiDecoder
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

_CSI = re.compile(r"\x1b\[([0-9;?]*)([@-~])")  # any control sequence; only SGR ("m") matters


@lru_cache(maxsize=4096)
def apply_sgr(style: Style, parameters: str) -> Style:
    """The style after one SGR escape (`parameters` as in ESC[<parameters>m), as Rich reads it."""
    decoder = AnsiDecoder()
    decoder.style = style
    decoder.decode_line(f"\x1b[{parameters}m")
    return decoder.style


def ansi_strips(text: str, width: int) -> list[Strip]:
    """One strip per line of `text`, each cropped or padded to `width` cells."""
    strips = []
    style = Style.null()
    for line in text.split("\n"):
        segments = []
        position = 0
        for match in _CSI.finditer(line):
            if match.start() > position:
                segments.append(Segment(line[position : match.start()], style or None))
            position = match.end()
            if match.group(2) == "m":
                style = apply_sgr(style, match.group(1))
        if position < len(line):
            segments.append(Segment(line[position:], style or None))
        strips.append(Strip(segments).adjust_cell_length(width))
    return strips
