"""The cell rules of `csv:` tables, shared by training (csv_file.py) and prediction
(csv_encoding.py), so a file is read the same way by both: which columns are numeric, a word in a
numeric column as an error naming its line, numbers written back as labels (`3.0` -> `3`).
"""

from __future__ import annotations

import math

import numpy as np

from tui_trainer.engine.config import ConfigError
from tui_trainer.engine.datasets.csv_read import Table, is_missing, is_number

# A text column's missing cells are a category of their own, named so.
MISSING_CATEGORY = "(missing)"


def cell_counts(table: Table, index: int) -> tuple[int, int]:
    """(cells that are numbers, cells that are not missing). Only the chunks pandas read as text
    are looked at cell by cell."""
    column = table.columns[index]
    numbers = filled = column.numbers
    for _, values in column.text_chunks:
        for value in values[~is_missing(values)]:
            filled += 1
            numbers += is_number(value)
    return numbers, filled


def is_numeric_column(table: Table, index: int) -> bool:
    numbers, filled = cell_counts(table, index)
    return filled > 0 and numbers * 2 > filled


def make_numeric(table: Table, index: int) -> None:
    """Check a numeric column: a word or an infinite value is an error naming its line; numbers
    that pandas left as text (forms such as `1_000`) join the column's float32 values."""
    column = table.columns[index]
    for chunk, values in column.text_chunks:
        numbers = np.full(len(values), np.nan, dtype=np.float32)
        for row in map(int, np.flatnonzero(~is_missing(values))):
            text = str(values[row]).strip()
            if not is_number(text):
                raise ConfigError(
                    f"{table.name} line {table.line_of(table.starts[chunk] + row)}, column {column.name!r}: "
                    f"{text!r} is not a number (the column is numeric); fix or remove that value"
                )
            with np.errstate(over="ignore"):
                numbers[row] = float(text)
            if not math.isfinite(numbers[row]):
                _not_finite(table, index, table.starts[chunk] + row)
        table.numbers(index)[table.chunk_rows(chunk)] = numbers
    column.text_chunks = []
    if column.first_infinite is not None:
        _not_finite(table, index, column.first_infinite)


def _not_finite(table: Table, index: int, row: int):
    line, cells = table.line_and_cells(row)
    text = cells[index].strip() if index < len(cells) else "?"
    raise ConfigError(
        f"{table.name} line {line}, column {table.columns[index].name!r}: {text!r} is not a finite "
        "float32 number; fix or remove that value"
    )


def cell_texts(values: np.ndarray) -> np.ndarray:
    """Cells as stripped text (numbers read by pandas written back as labels), None when missing."""
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        if value is None:
            continue
        text = number_label(value) if isinstance(value, float) else str(value).strip()
        out[i] = text if text else None
    return out


def number_label(value: float) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"
