"""The Confusion tab: a heat-coloured confusion matrix with per-class precision, recall and F1."""

from __future__ import annotations

from rich.console import Group
from rich.measure import Measurement
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.containers import ScrollableContainer
from textual.widgets import Static

from tui_trainer.formatting import format_percent

MAX_CLASSES_SHOWN = 30


def heat_style(count: int, row_total: int, diagonal: bool) -> Style:
    """Green shades on the diagonal, red off it; stronger for a larger share of the row."""
    share = count / row_total if row_total else 0.0
    if count == 0:
        return Style(color="grey42")
    level = int(60 + 195 * share)
    if diagonal:
        return Style(color="black" if share > 0.5 else "white", bgcolor=f"rgb(0,{level},0)", bold=True)
    return Style(color="white", bgcolor=f"rgb({max(level, 110)},0,0)", bold=True)


def matrix_table(counts: list[list[int]], names: list[str]) -> Table:
    """The matrix as compact as it reads: each cell is the widest count plus one space, so ten
    classes fit a 40-column pane (padded cells did not, and Rich then elided the counts)."""
    width = len(str(max(max(row) for row in counts))) + 1
    table = Table(box=None, padding=0, show_edge=False, pad_edge=False, collapse_padding=True)
    table.add_column("true\\pred", no_wrap=True, style="bold")
    for name in names:
        table.add_column(name[: width - 1].rjust(width), justify="right", no_wrap=True, min_width=width)
    for i, name in enumerate(names):
        total = sum(counts[i])
        # The cell carries its leading space so the heat colour fills the whole cell.
        cells = [Text(f"{c:>{width}}", heat_style(c, total, i == j)) for j, c in enumerate(counts[i])]
        table.add_row(name[:14] + " ", *cells)
    return table


def natural_width(console, renderable) -> int:
    """How wide a renderable is when nothing squeezes it."""
    return Measurement.get(console, console.options.update_width(1000), renderable).maximum


def confusion_renderable(evaluation, console):
    """The tab's content, and the width its tables need (the text above them wraps)."""
    matrix = evaluation.confusion
    n = int(matrix.shape[0])
    names = evaluation.class_names or [str(i) for i in range(n)]
    header = Text(
        f"{evaluation.split} accuracy {evaluation.accuracy * 100:.2f}% · epoch {evaluation.epoch + 1} · "
        f"rows = true class, columns = predicted",
        style="bold",
    )
    if n > MAX_CLASSES_SHOWN:
        body = Text(f"{n} classes: too many to draw; per-class metrics below.", style="dim")
    else:
        body = matrix_table(matrix.tolist(), names)
    metrics = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
    for title in ("class", "precision", "recall", "F1", "support"):
        metrics.add_column(title, justify="left" if title == "class" else "right", no_wrap=True)
    supports = matrix.sum(dim=1).tolist()
    for i, name in enumerate(names):
        metrics.add_row(
            name[:20],
            format_percent(evaluation.precision[i], 0),
            format_percent(evaluation.recall[i], 0),
            f"{evaluation.f1[i]:.3f}",
            str(int(supports[i])),
        )
    macro = evaluation.extra.get("macro_f1")
    footer = Text(f"macro F1 {macro:.3f}" if macro is not None else "", style="dim")
    tables = [metrics] + ([body] if isinstance(body, Table) else [])
    width = max(natural_width(console, t) for t in tables)
    return Group(header, Text(""), body, Text(""), metrics, footer), width


class ConfusionPane(ScrollableContainer):
    """Scrolls both ways: a matrix wider than the pane keeps its columns and scrolls instead."""

    def compose(self):
        yield Static(
            "No confusion matrix yet: it appears after the first epoch of a classification run.",
            id="confusion-body",
        )

    def show(self, evaluation) -> None:
        body = self.query_one("#confusion-body", Static)
        if evaluation.confusion is None:
            body.styles.min_width = None
            body.update(Text("Regression target: no confusion matrix (see the Samples tab).", style="dim"))
        else:
            renderable, width = confusion_renderable(evaluation, self.app.console)
            body.styles.min_width = width
            body.update(renderable)
