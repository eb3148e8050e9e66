"""Pictures made of text: images and decision-boundary maps drawn with the half-block `▀`.

Each character cell shows two pixels, the top one as the foreground colour and the bottom one as
the background colour, so an 8×8 digit takes 8 columns and 4 lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.color import Color
from rich.style import Style
from rich.text import Text

if TYPE_CHECKING:  # tensors only arrive with training events, after torch has loaded
    import torch

HALF_BLOCK = "▀"
MAX_IMAGE_SIDE = 28

# Distinct, readable class colours for maps and labels (RGB).
PALETTE = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
]


def class_rgb(index: int) -> tuple[int, int, int]:
    return PALETTE[index % len(PALETTE)]


def _scale(rgb: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    return tuple(int(max(0, min(255, c * factor))) for c in rgb)  # type: ignore[return-value]


def image_to_rgb(image: torch.Tensor, pixel_max: float) -> torch.Tensor:
    """(C,H,W) or (H,W) raw values → (H,W,3) uint8, shrunk to at most MAX_IMAGE_SIDE pixels."""
    x = image.float()
    if x.dim() == 2:
        x = x.unsqueeze(0)
    if x.dim() != 3:
        raise ValueError(f"expected an image of shape (C,H,W), got {tuple(image.shape)}")
    step = max(1, -(-max(x.shape[1], x.shape[2]) // MAX_IMAGE_SIDE))
    x = x[:, ::step, ::step]
    x = (x / (pixel_max or 1.0)).clamp(0, 1)
    if x.shape[0] == 1:
        x = x.expand(3, -1, -1)
    elif x.shape[0] != 3:
        x = x[:1].expand(3, -1, -1)
    return (x.permute(1, 2, 0) * 255).round().byte()


def half_block_lines(rgb: torch.Tensor) -> list[Text]:
    """(H,W,3) uint8 → one Text per pair of pixel rows."""
    height, width = int(rgb.shape[0]), int(rgb.shape[1])
    pixels = rgb.tolist()
    lines = []
    for top in range(0, height, 2):
        line = Text()
        for col in range(width):
            upper = pixels[top][col]
            lower = pixels[top + 1][col] if top + 1 < height else (0, 0, 0)
            line.append(
                HALF_BLOCK,
                Style(color=Color.from_rgb(*upper), bgcolor=Color.from_rgb(*lower)),
            )
        lines.append(line)
    return lines


@dataclass
class BoundaryMap:
    lines: list[Text]
    right: int  # cells drawn ● (a cell shows one of the points in it, a wrong one if any)
    wrong: int  # cells drawn ✗


def boundary_lines(boundary, width: int, wrong_mask: torch.Tensor | None = None) -> list[Text]:
    return boundary_map(boundary, width, wrong_mask).lines


def boundary_map(boundary, width: int, wrong_mask: torch.Tensor | None = None) -> BoundaryMap:
    """The predicted class over the plane (dim where unsure) with the points on top, and how many
    marks of each kind it draws.

    Resampled to `width` columns; the map keeps the grid's aspect ratio in character cells.
    """
    # Plain lists and cached styles: indexing tensors element by element from Python cost
    # ~0.4 s per map (10,000 points), and every millisecond here holds the GIL the UI and the
    # training thread need (the Samples grid calls this on a worker thread per evaluation).
    classes, confidence = boundary.classes.tolist(), boundary.confidence.tolist()
    rows, cols = len(classes), len(classes[0])
    width = max(8, min(width, cols))
    lines_count = max(4, round(rows * width / cols / 2))
    pixel_rows = lines_count * 2
    col_index = [min(cols - 1, c * cols // width) for c in range(width)]
    row_index = [min(rows - 1, r * rows // pixel_rows) for r in range(pixel_rows)]

    def region(r: int, c: int) -> tuple[int, int, int]:
        row, col = row_index[r], col_index[c]
        return _scale(class_rgb(classes[row][col]), 0.25 + 0.35 * confidence[row][col])

    (x0, x1), (y0, y1) = boundary.x_range, boundary.y_range
    points = boundary.points.double()  # as Python floats: the cell a point lands in must not move
    c_all = ((points[:, 0] - x0) / (x1 - x0 or 1.0) * width).long()  # truncates toward zero, as int()
    r_all = ((y1 - points[:, 1]) / (y1 - y0 or 1.0) * lines_count).long()
    inside = ((c_all >= 0) & (c_all < width) & (r_all >= 0) & (r_all < lines_count)).tolist()
    wrong_all = wrong_mask.tolist() if wrong_mask is not None else [False] * len(inside)
    marks: dict[tuple[int, int], tuple[int, bool]] = {}
    points = zip(r_all.tolist(), c_all.tolist(), boundary.labels.tolist(), wrong_all, inside, strict=True)
    for r, c, label, wrong, keep in points:
        if keep and (wrong or (r, c) not in marks):
            marks[(r, c)] = (label, bool(wrong))
    styles: dict[tuple, Style] = {}

    def style(fg: tuple[int, int, int], bg: tuple[int, int, int], bold: bool | None = None) -> Style:
        key = (fg, bg, bold)
        if key not in styles:
            styles[key] = Style(color=Color.from_rgb(*fg), bgcolor=Color.from_rgb(*bg), bold=bold)
        return styles[key]

    out = []
    for line in range(lines_count):
        text = Text()
        for c in range(width):
            top, bottom = region(2 * line, c), region(2 * line + 1, c)
            mark = marks.get((line, c))
            if mark is None:
                text.append(HALF_BLOCK, style(top, bottom))
            else:
                label, wrong = mark
                glyph = "✗" if wrong else "●"
                colour = (255, 255, 255) if wrong else _scale(class_rgb(label), 1.3)
                text.append(glyph, style(colour, top, wrong))
        out.append(text)
    wrong_cells = sum(1 for _, wrong in marks.values() if wrong)
    return BoundaryMap(out, len(marks) - wrong_cells, wrong_cells)


def boundary_wrong_mask(boundary) -> torch.Tensor:
    """Which points fall in a region predicted as another class (read off the grid)."""
    classes = boundary.classes
    rows, cols = int(classes.shape[0]), int(classes.shape[1])
    (x0, x1), (y0, y1) = boundary.x_range, boundary.y_range
    pts = boundary.points.float()
    c = ((pts[:, 0] - x0) / ((x1 - x0) or 1.0) * cols).long().clamp(0, cols - 1)
    r = ((y1 - pts[:, 1]) / ((y1 - y0) or 1.0) * rows).long().clamp(0, rows - 1)
    return classes[r, c] != boundary.labels
