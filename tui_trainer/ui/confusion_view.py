"""The Confusion tab: a heat-coloured confusion matrix with per-class precision, recall and F1."""

from __future__ import annotations

from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.containers import ScrollableContainer
from textual.widgets import Static

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


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def confusion_renderable(evaluation):
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
        # Cells carry their own padding so the heat colour fills the whole cell.
        body = Table(box=None, padding=0, show_edge=False, pad_edge=False)
        body.add_column("true\\pred", no_wrap=True, style="bold")
        width = max(3, len(str(int(matrix.max()))))
        for name in names:
            body.add_column(name[:width + 1] + " ", justify="right", no_wrap=True)
        counts = matrix.tolist()
        for i, name in enumerate(names):
            total = sum(counts[i])
            cells = [Text(f" {c:>{width}} ", heat_style(c, total, i == j)) for j, c in enumerate(counts[i])]
            body.add_row(name[:14] + " ", *cells)
    metrics = Table(box=None, padding=(0, 1), show_edge=False, pad_edge=False)
    for title in ("class", "precision", "recall", "F1", "support"):
        metrics.add_column(title, justify="left" if title == "class" else "right", no_wrap=True)
    supports = matrix.sum(dim=1).tolist()
    for i, name in enumerate(names):
        metrics.add_row(
            name[:20], _pct(evaluation.precision[i]), _pct(evaluation.recall[i]),
            f"{evaluation.f1[i]:.3f}", str(int(supports[i])),
        )
    macro = evaluation.extra.get("macro_f1")
    footer = Text(f"macro F1 {macro:.3f}" if macro is not None else "", style="dim")
    return Group(header, Text(""), body, Text(""), metrics, footer)


class ConfusionPane(ScrollableContainer):
    def compose(self):
        yield Static(
            "No confusion matrix yet: it appears after the first epoch of a classification run.",
            id="confusion-body",
        )

    def show(self, evaluation) -> None:
        body = self.query_one("#confusion-body", Static)
        if evaluation.confusion is None:
            body.update(Text("Regression target: no confusion matrix (see the Samples tab).", style="dim"))
        else:
            body.update(confusion_renderable(evaluation))
