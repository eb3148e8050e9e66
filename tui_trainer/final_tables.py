"""The tables `--batch` prints when a run ends: its final metrics and its confusion matrix."""

from __future__ import annotations

from rich.table import Table

from tui_trainer.engine import Evaluation, RunFinished
from tui_trainer.formatting import format_percent

MAX_CONFUSION_CLASSES = 20  # a wider matrix does not fit a terminal; the app's Confusion tab shows it


def metrics_table(finished: RunFinished) -> Table:
    table = Table(title="final metrics", show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in finished.metrics.items():
        if value is None:
            continue
        if isinstance(value, float):
            if "accuracy" in key:
                text = format_percent(value)
            elif key == "samples_per_sec":
                text = f"{value:,.0f}"
            else:
                text = f"{value:.4g}"
        else:
            text = str(value)
        table.add_row(key, text)
    return table


def confusion_table(evaluation: Evaluation) -> Table:
    matrix = evaluation.confusion
    assert matrix is not None  # only evaluations of a classifier are shown
    names = evaluation.class_names or [str(i) for i in range(matrix.shape[0])]
    table = Table(title=f"confusion matrix ({evaluation.split}; rows = true, columns = predicted)")
    table.add_column("true\\pred", no_wrap=True)
    for name in names:
        table.add_column(name[:10], justify="right")
    table.add_column("recall", justify="right")
    for i, name in enumerate(names):
        cells = []
        for j in range(len(names)):
            count = int(matrix[i, j])
            if i == j:
                cells.append(f"[bold green]{count}[/]")
            else:
                cells.append(f"[red]{count}[/]" if count else "[dim]0[/]")
        table.add_row(name[:16], *cells, format_percent(evaluation.recall[i], 0))
    table.add_row(
        "precision",
        *[format_percent(p, 0) for p in evaluation.precision],
        format_percent(evaluation.accuracy, 0),
    )
    return table


def shown_confusion(last_test: Evaluation | None, last_val: Evaluation | None) -> Evaluation | None:
    """The evaluation whose matrix is printed (test, else validation), if it has one that fits."""
    shown = last_test or last_val
    if shown is None or shown.confusion is None or shown.confusion.shape[0] > MAX_CONFUSION_CLASSES:
        return None
    return shown
