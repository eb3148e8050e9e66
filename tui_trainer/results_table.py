"""The results table a sweep and a search print when they end: one row per point or trial, best
first, with the rows that did not finish normally in colour. Callers rank the rows and format
their metrics (with `formatting`); this module lays them out the same way for both."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table

FINISHED_OK = ("completed", "early_stopped")


@dataclass
class ResultRow:
    label: str  # the point's or trial's number
    params: list[str]  # each parameter's value, in the order of the table's keys
    status: str
    metrics: list[str]  # formatted, in the order of the metric titles
    epochs: str
    run: str  # the run directory's name, "-" when there is none


def results_table(title: str, keys: list[str], metric_titles: list[str], rows: list[ResultRow]) -> Table:
    table = Table(title=title)
    table.add_column("#", justify="right")
    for key in keys:
        table.add_column(key)
    table.add_column("status")
    for metric in metric_titles:
        table.add_column(metric, justify="right")
    table.add_column("epochs", justify="right")
    table.add_column("run")
    for row in rows:
        table.add_row(
            row.label,
            *row.params,
            row.status,
            *row.metrics,
            row.epochs,
            row.run,
            style=status_style(row.status),
        )
    return table


def status_style(status: str) -> str:
    if status in FINISHED_OK:
        return ""
    return "red" if status == "failed" else "yellow"


def csv_cell(value: object) -> str:
    """A value in a results CSV: empty when unknown, floats to six significant digits."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
