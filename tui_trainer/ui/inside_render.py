"""Drawing the Inside tab's parts with rich: a `Section` (inside_tables.py) as a borderless table
at the pane's width, and the first conv layer's filters as small half-block images."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from tui_trainer.inside_tables import COLUMN_GAP, Section, columns_that_fit
from tui_trainer.ui.pixels import half_block_lines

if TYPE_CHECKING:
    import torch

MAX_FILTERS = 16  # filters drawn; a layer with more says how many it has
FILTER_GAP = 1  # columns between two filters
FILTER_PIXELS = 6  # a kernel is enlarged to about this many pixels a side (3×3 → 6×6: 6 columns, 3 lines)


def section_table(section: Section, width: int) -> Table:
    """The section as a borderless table with the columns that fit in `width`."""
    keep = columns_that_fit(section, width)
    table = Table(
        title=section.title,
        title_justify="left",
        title_style="bold",
        box=None,
        padding=(0, COLUMN_GAP // 2),
        pad_edge=False,
        header_style="bold dim",
        expand=False,
    )
    for index in keep:
        if index in section.right:
            table.add_column(section.columns[index], justify="right", no_wrap=True)
        else:
            table.add_column(section.columns[index], no_wrap=True)
    for row in section.rows:
        table.add_row(*(row[i] for i in keep))
    return table


def filter_lines(weights: torch.Tensor, width: int) -> list[Text]:
    """Each filter (its input channels averaged) in grey: black the most negative weight of the
    layer, white the most positive, mid-grey zero; as many filters a line as fit in `width`."""
    kernels = weights.detach().float()[:MAX_FILTERS].mean(dim=1)  # (out, kh, kw)
    biggest = float(kernels.abs().max()) or 1.0
    grey = ((kernels / biggest + 1) * 127.5).round().clamp(0, 255).byte()
    scale = max(1, FILTER_PIXELS // max(int(kernels.shape[1]), int(kernels.shape[2])))
    grey = grey.repeat_interleave(scale, dim=1).repeat_interleave(scale, dim=2)
    images = [half_block_lines(kernel.unsqueeze(-1).expand(-1, -1, 3)) for kernel in grey]
    side = int(grey.shape[2])
    per_line = max(1, (width + FILTER_GAP) // (side + FILTER_GAP))
    lines: list[Text] = []
    for first in range(0, len(images), per_line):
        group = images[first : first + per_line]
        for row in range(len(group[0])):
            line = Text()
            for index, image in enumerate(group):
                if index:
                    line.append(" " * FILTER_GAP)
                line.append_text(image[row])
            lines.append(line)
        lines.append(Text())
    return lines
