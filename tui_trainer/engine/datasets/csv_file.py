"""`csv:path/to/file.csv`: a table with a header row, one column of which is the target.

Rules (documented in docs/datasets.md):
- A column is numeric when most of its non-empty cells are numbers; a stray word or empty cell in
  it is then an error naming the line and column, not a silent guess.
- Text feature columns are one-hot encoded (`colour=red`); text columns with more than
  MAX_CATEGORIES distinct values (names, ids) are dropped with a note.
- A text target means classification, classes sorted by name. A numeric target is classification
  when it holds at most MAX_INTEGER_CLASSES distinct integers that are also few compared with the
  rows (at most one distinct value per 5 rows, so an integer measurement such as an age in a
  small file stays a number); otherwise it is regression. `dataset.task` overrides the guess.
Numeric features are standardised later by the Normalizer, fitted on the training split.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import torch

from tui_trainer.engine.config import ConfigError, DatasetConfig
from tui_trainer.engine.datasets.base import DatasetMeta, LoadedData

MAX_CATEGORIES = 50
MAX_INTEGER_CLASSES = 20
ROWS_PER_INTEGER_CLASS = 5
# Forced classification of a numeric column: beyond this it is surely a measurement.
MAX_FORCED_CLASSES = 1000
SNIFF_BYTES = 16384


@dataclass
class Table:
    name: str
    header: list[str]
    rows: list[list[str]]
    lines: list[int]  # file line of each row, for error messages


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def read_table(file: Path) -> Table:
    if not file.exists():
        raise ConfigError(f"CSV file not found: {file}")
    if file.is_dir():
        raise ConfigError(f"{file} is a folder, not a CSV file (use folder:{file} for images)")
    try:
        with open(file, encoding="utf-8-sig", newline="") as handle:
            sample = handle.read(SNIFF_BYTES)
            handle.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel
            reader = csv.reader(handle, dialect)
            header: list[str] | None = None
            rows, lines = [], []
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue  # blank lines carry nothing
                if header is None:
                    header = [cell.strip() or f"column {i + 1}" for i, cell in enumerate(row)]
                    continue
                if len(row) != len(header):
                    raise ConfigError(
                        f"{file.name} line {reader.line_num} has {len(row)} fields but the header "
                        f"has {len(header)}; fix that row"
                    )
                rows.append([cell.strip() for cell in row])
                lines.append(reader.line_num)
    except UnicodeDecodeError:
        raise ConfigError(f"{file} is not UTF-8 text; save it as UTF-8 CSV") from None
    except csv.Error as exc:
        raise ConfigError(f"{file.name} is not valid CSV: {exc}") from None
    if header is None:
        raise ConfigError(f"CSV file {file} is empty; it needs a header row and data rows")
    if not rows:
        raise ConfigError(f"CSV file {file} has a header but no data rows")
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise ConfigError(f"{file.name} has duplicate column names: {', '.join(duplicates)}; rename them")
    return Table(file.name, header, rows, lines)


def _count_numbers(values: list[str]) -> tuple[int, int]:
    """(cells that are numbers, non-empty cells)."""
    filled = [v for v in values if v]
    return sum(1 for v in filled if _number(v) is not None), len(filled)


def _is_numeric(values: list[str]) -> bool:
    numbers, filled = _count_numbers(values)
    return filled > 0 and numbers * 2 > filled


def _numbers(table: Table, index: int) -> list[float]:
    column = table.header[index]
    out = []
    for row, line in zip(table.rows, table.lines):
        text = row[index]
        value = _number(text)
        if not text:
            raise ConfigError(
                f"{table.name} line {line}, column {column!r} is empty; fill in or remove rows with "
                "missing values"
            )
        if value is None:
            raise ConfigError(
                f"{table.name} line {line}, column {column!r}: {text!r} is not a number (the column "
                "is numeric); fix or remove that value"
            )
        if not math.isfinite(value):
            raise ConfigError(
                f"{table.name} line {line}, column {column!r}: {text!r} is not a finite number; "
                "fill in or remove missing values"
            )
        out.append(value)
    return out


def _target(table: Table, index: int, notes: list[str], task: str = "auto"):
    """(y tensor, task, class names) for the target column; `task` is dataset.task."""
    column = table.header[index]
    values = [row[index] for row in table.rows]
    for value, line in zip(values, table.lines):
        if not value:
            raise ConfigError(f"{table.name} line {line}: target column {column!r} is empty; fill it in or remove the row")
    numeric = _is_numeric(values)
    if task == "regression" and not numeric:
        raise ConfigError(
            f"dataset.task=regression needs a numeric target, but column {column!r} of {table.name} "
            f"holds text such as {next(v for v in values if _number(v) is None)!r}; use dataset.task=auto"
        )
    if numeric:
        numbers = _numbers(table, index)
        distinct = sorted(set(numbers))
        if len(distinct) < 2:
            raise ConfigError(
                f"target column {column!r} of {table.name} has only one value ({_label(distinct[0])!r}); "
                "there is nothing to learn: it needs at least 2 distinct values"
            )
        integers = all(v.is_integer() for v in distinct)
        few = len(distinct) <= MAX_INTEGER_CLASSES and len(distinct) * ROWS_PER_INTEGER_CLASS <= len(numbers)
        if task == "regression" or (task == "auto" and not (few and integers)):
            hint = " (set dataset.task=classification if they are class labels)" if integers and task == "auto" else ""
            notes.append(f"target {column!r} is numeric with {len(distinct)} distinct values: regression{hint}")
            return torch.tensor(numbers, dtype=torch.float32).view(-1, 1), "regression", []
        if len(distinct) > MAX_FORCED_CLASSES:
            raise ConfigError(
                f"dataset.task=classification: target column {column!r} has {len(distinct)} distinct "
                f"values, more than {MAX_FORCED_CLASSES} classes; it looks like a measurement (use regression)"
            )
        names = [_label(v) for v in distinct]
        lookup = {v: i for i, v in enumerate(distinct)}
        labels = [lookup[v] for v in numbers]
        notes.append(f"target {column!r} has {len(distinct)} distinct {'integers' if integers else 'values'}: "
                     "classification")
    else:
        names = sorted(set(values))
        lookup = {v: i for i, v in enumerate(names)}
        labels = [lookup[v] for v in values]
    if len(names) < 2:
        raise ConfigError(
            f"target column {column!r} of {table.name} has only one value ({names[0]!r}); "
            "classification needs at least 2 classes"
        )
    return torch.tensor(labels, dtype=torch.long), "classification", names


def _label(value: float) -> str:
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _features(table: Table, target_index: int, notes: list[str]):
    columns: list[torch.Tensor] = []
    names: list[str] = []
    for index, column in enumerate(table.header):
        if index == target_index:
            continue
        values = [row[index] for row in table.rows]
        if _is_numeric(values):
            columns.append(torch.tensor(_numbers(table, index), dtype=torch.float32).view(-1, 1))
            names.append(column)
            continue
        numbers, filled = _count_numbers(values)
        if numbers * 4 >= filled > 0:
            # Half numbers, half words is more often a damaged numeric column than categories.
            notes.append(
                f"column {column!r} is read as text (one-hot): only {numbers} of {filled} cells are "
                "numbers; fix the others if it is meant to be numeric"
            )
        categories = sorted(set(values))
        if len(categories) > MAX_CATEGORIES:
            notes.append(
                f"column {column!r} skipped: {len(categories)} distinct text values are too many to "
                "one-hot encode"
            )
            continue
        lookup = {v: i for i, v in enumerate(categories)}
        codes = torch.tensor([lookup[v] for v in values], dtype=torch.long)
        columns.append(torch.nn.functional.one_hot(codes, len(categories)).float())
        names += [f"{column}={v or '(empty)'}" for v in categories]
    if not columns:
        raise ConfigError(f"{table.name} has no usable feature columns besides the target")
    return torch.cat(columns, dim=1), names


def load_csv(cfg: DatasetConfig, seed: int, path: str) -> LoadedData:
    from tui_trainer.engine.datasets.registry import resolve_path

    table = read_table(resolve_path(cfg, path))
    notes: list[str] = []
    target = cfg.target.strip()
    if not target:
        target = table.header[-1]
        notes.append(f"dataset.target is not set: using the last column {target!r} as the target")
    if target not in table.header:
        raise ConfigError(
            f"dataset.target {target!r} is not a column of {table.name}; columns: {', '.join(table.header)}"
        )
    if len(table.header) < 2:
        raise ConfigError(f"{table.name} has only the target column; it needs at least one feature column")
    target_index = table.header.index(target)
    y, task, class_names = _target(table, target_index, notes, cfg.task)
    x, feature_names = _features(table, target_index, notes)
    meta = DatasetMeta(
        name=table.name,
        task=task,
        input_shape=(int(x.shape[1]),),
        n_classes=len(class_names),
        class_names=class_names,
        feature_names=feature_names,
        description=f"{table.name}: {len(table.rows)} rows, {len(feature_names)} features, target {target!r}",
        notes=notes,
    )
    return LoadedData(x, y, meta)
