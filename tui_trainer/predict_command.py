"""`--predict INPUT... RUN_DIR`: predict with a trained run, then show or write the predictions.

The predictions are the engine's (engine/predict.py). Here they become a CSV file (`--out`), a
table on a terminal (its first MAX_TABLE_ROWS rows) or one tab-separated line per input when the
output is piped, followed by the score when the inputs carry their true class or value.
Warnings and notes go to stderr, so piped output is the predictions alone.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tui_trainer.engine import ConfigError, PredictionRow, Predictions, describe_write_error, predict_files
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_FAILED, EXIT_OK
from tui_trainer.final_tables import MAX_CONFUSION_CLASSES, confusion_table
from tui_trainer.formatting import format_count, format_number, format_percent

DEFAULT_TOP = 3
MAX_TABLE_ROWS = 50  # a terminal table beyond this scrolls away; --out writes every row
REGRESSION_SCORES = (("R²", "r2"), ("MSE", "mse"), ("MAE", "mae"))
USAGE = "give the inputs, then the run directory: tui-trainer --predict new.csv runs/<id>"


def predict_and_report(
    items: list[str],
    out: str | None,
    weights: str = "final",
    top: int = DEFAULT_TOP,
    console: Console | None = None,
) -> int:
    """`items` are the inputs followed by the run directory, as given after --predict."""
    if len(items) < 2:
        return _error(f"--predict needs at least one input and a run directory; {USAGE}")
    if top < 1:
        return _error(f"--top {top}: the number of classes shown must be at least 1")
    *inputs, run_dir = items
    if out and not Path(out).expanduser().parent.is_dir():
        return _error(f"--out {out}: the folder {Path(out).parent} does not exist; create it first")
    try:
        predictions = predict_files(inputs, run_dir, weights)
    except ConfigError as exc:
        return _error(str(exc))
    except OSError as exc:  # e.g. a file that vanished or is unreadable after the checks
        where = f" {exc.filename}" if exc.filename else ""
        return _error(f"cannot read{where}: {exc.strerror or exc}")
    for line in predictions.warnings:
        print(f"tui-trainer: warning: {line}", file=sys.stderr)
    for line in predictions.notes:
        print(f"tui-trainer: note: {line}", file=sys.stderr)
    if console is None:
        console = Console(highlight=False)
        if not console.is_terminal:  # logs and pipes: tables as wide as they are, not cut at 80
            console = Console(highlight=False, width=200)
    if out:
        try:
            write_csv(predictions, out, top)
        except OSError as exc:
            print(f"tui-trainer: error: {describe_write_error(exc)}", file=sys.stderr)
            return EXIT_FAILED
        console.print(f"wrote {format_count(len(predictions))} predictions to {out}", markup=False)
    elif console.is_terminal:
        console.print(prediction_table(predictions, top))
        if len(predictions) > MAX_TABLE_ROWS:
            more = format_count(len(predictions) - MAX_TABLE_ROWS)
            console.print(f"… {more} more; --out FILE writes every prediction", markup=False)
    else:
        for line in plain_lines(predictions, top):
            console.file.write(line + "\n")  # as is: rich would expand the tabs
    print_score(console, predictions)
    return EXIT_OK


def _error(message: str) -> int:
    print(f"tui-trainer: error: {message}", file=sys.stderr)
    return EXIT_BAD_CONFIG


def _headers(predictions: Predictions, top: int) -> list[str]:
    headers = ["id", "predicted"]
    if predictions.task == "classification":
        headers += ["probability", f"top {min(top, len(predictions.class_names))}"]
    return headers + (["target"] if predictions.target is not None else [])


def _cells(row: PredictionRow, with_target: bool) -> list[str]:
    """One input as people read it: id, prediction, its probability, the top classes, target."""
    if row.probability is not None:
        ranked = ", ".join(f"{name} {format_percent(p, 1)}" for name, p in row.top)
        cells = [row.id, str(row.predicted), format_percent(row.probability, 1), ranked]
    else:
        cells = [row.id, _value(row.predicted)]
    return cells + ([_value(row.target)] if with_target else [])


def _value(value: str | float | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else format_number(value)


def prediction_table(predictions: Predictions, top: int) -> Table:
    table = Table(title=f"predictions ({format_count(len(predictions))} inputs)")
    for header in _headers(predictions, top):
        table.add_column(header, justify="right" if header == "probability" else "left", overflow="fold")
    for row in predictions.rows(top)[:MAX_TABLE_ROWS]:
        table.add_row(*_cells(row, predictions.target is not None))
    return table


def plain_lines(predictions: Predictions, top: int) -> Iterator[str]:
    yield "\t".join(_headers(predictions, top))
    for row in predictions.rows(top):
        yield "\t".join(_cells(row, predictions.target is not None))


def write_csv(predictions: Predictions, path: str, top: int) -> None:
    """Every prediction, numbers in full: id, predicted, probability, top1, top1_probability, …,
    and target when the inputs had one."""
    k = min(top, len(predictions.class_names))
    classify = predictions.task == "classification"
    with_target = predictions.target is not None
    header = ["id", "predicted"]
    if classify:
        header.append("probability")
        header += [f"top{j}{part}" for j in range(1, k + 1) for part in ("", "_probability")]
    header += ["target"] if with_target else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in predictions.rows(k):
        cells: list[object] = [row.id, row.predicted]
        if classify:
            cells.append(row.probability)
            for name, p in row.top:
                cells += [name, p]
        if with_target:
            cells.append("" if row.target is None else row.target)
        writer.writerow(cells)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(buffer.getvalue())


def print_score(console: Console, predictions: Predictions) -> None:
    evaluation = predictions.evaluation
    if evaluation is None:
        return
    if evaluation.confusion is not None:
        scored = format_count(int(evaluation.confusion.sum()))
        console.print(f"accuracy {format_percent(evaluation.accuracy)} on {scored} inputs", markup=False)
        if evaluation.confusion.shape[0] <= MAX_CONFUSION_CLASSES:
            console.print(confusion_table(evaluation))
        return
    assert predictions.target is not None  # an evaluation is made only of inputs with a target
    scored = format_count(int((~predictions.target.isnan()).sum()))
    metrics = "  ".join(f"{name} {format_number(evaluation.extra[key])}" for name, key in REGRESSION_SCORES)
    console.print(f"{metrics} on {scored} inputs", markup=False)
