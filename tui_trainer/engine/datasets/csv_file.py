"""`csv:path/to/file.csv`: a table with a header row, one column of which is the target.

The file is read by pandas (csv_read.py): types are inferred per column by pandas' C parser and
numeric columns go into one float32 array without a Python object per cell. The rules, documented
in docs/datasets.md:
- The delimiter is the one (`,` `;` tab `|`) that splits the header into most fields, else `,`.
  A file that is not a regular file (device, pipe) or is over MAX_CSV_BYTES is refused at once.
- Missing values are empty cells and MISSING_MARKERS (`NA`, `NaN`, `?`, `null`). In a numeric
  column they are filled with the column's median on the training split (a note says how many);
  in a text column they are a category of their own; a row without a target value is dropped with
  a note; a column with more than MAX_MISSING_FRACTION missing is skipped with a note.
- A column is numeric when most of its other cells are numbers; a stray word in it is then an
  error naming the line and column, not a silent guess.
- Text feature columns are one-hot encoded (`colour=red`); text columns with more than
  MAX_CATEGORIES distinct values (names, ids) are dropped with a note.
- A text target means classification, classes sorted by name. A numeric target is classification
  when it holds at most MAX_INTEGER_CLASSES distinct integers that are also few compared with the
  rows (at most one distinct value per 5 rows, so an integer measurement such as an age in a
  small file stays a number); otherwise it is regression. `dataset.task` overrides the guess.
Numeric features are standardised later by the Normalizer, fitted on the training split.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from tui_trainer.engine.config import ConfigError, DatasetConfig
from tui_trainer.engine.datasets.base import DatasetMeta, LoadedData
from tui_trainer.engine.datasets.csv_cells import (
    MISSING_CATEGORY,
    cell_counts,
    cell_texts,
    is_numeric_column,
    make_numeric,
    number_label,
)
from tui_trainer.engine.datasets.csv_encoding import CsvColumn, CsvEncoding
from tui_trainer.engine.datasets.csv_read import (  # noqa: F401  (MAX_CSV_BYTES, MISSING_MARKERS re-exported)
    MAX_CSV_BYTES,
    MISSING_MARKERS,
    Table,
    check_file,
    is_missing,
    is_number,
    read_header,
    read_table,
)

MAX_CATEGORIES = 50
MAX_INTEGER_CLASSES = 20
ROWS_PER_INTEGER_CLASS = 5
# A column with no missing cell in training still needs a fill value for prediction: the median
# of this many training rows (a random sample already); over all rows of a 60,000 x 785 table
# it would add about a second to the load.
FILL_SAMPLE_ROWS = 2000
# Forced classification of a numeric column: beyond this it is surely a measurement.
MAX_FORCED_CLASSES = 1000
MAX_MISSING_FRACTION = 0.5
MAX_LISTED_COLUMNS = 30


def _target(table: Table, index: int, notes: list[str], task: str = "auto"):
    """(y tensor, task, class names, rows kept) for the target column; `task` is dataset.task."""
    column = table.columns[index]
    numeric = is_numeric_column(table, index)
    if task == "regression" and not numeric:
        texts = cell_texts(table.column_values(index))
        example = next(v for v in texts if v is not None and not is_number(v))
        raise ConfigError(
            f"dataset.task=regression needs a numeric target, but column {column.name!r} of {table.name} "
            f"holds text such as {example!r}; use dataset.task=auto",
            field="dataset.task",
        )
    if numeric:
        make_numeric(table, index)
        all_values = table.numbers(index).astype(np.float64)
        keep = ~np.isnan(all_values)
    else:
        all_values = cell_texts(table.column_values(index))
        keep = np.array([v is not None for v in all_values], dtype=bool)
    dropped = len(keep) - int(keep.sum())
    if dropped == len(keep):
        raise ConfigError(
            f"target column {column.name!r} of {table.name} is empty; fill it in", field="dataset.target"
        )
    if dropped:
        notes.append(f"{_count(dropped, 'row')} without a value in the target column {column.name!r} dropped")
    values = all_values[keep]
    if numeric:
        distinct = np.unique(values)
        if len(distinct) < 2:
            raise ConfigError(
                f"target column {column.name!r} of {table.name} has only one value "
                f"({number_label(distinct[0])!r}); "
                "there is nothing to learn: it needs at least 2 distinct values",
                field="dataset.target",
            )
        integers = bool(np.all(np.floor(distinct) == distinct))
        few = len(distinct) <= MAX_INTEGER_CLASSES and len(distinct) * ROWS_PER_INTEGER_CLASS <= len(values)
        if task == "regression" or (task == "auto" and not (few and integers)):
            hint = (
                " (set dataset.task=classification if they are class labels)"
                if integers and task == "auto"
                else ""
            )
            notes.append(
                f"target {column.name!r} is numeric with {len(distinct)} distinct values: regression{hint}"
            )
            return torch.from_numpy(values.astype(np.float32)).view(-1, 1), "regression", [], keep
        if len(distinct) > MAX_FORCED_CLASSES:
            raise ConfigError(
                f"dataset.task=classification: target column {column.name!r} has {len(distinct)} distinct "
                f"values, more than {MAX_FORCED_CLASSES} classes; it looks like a measurement (use "
                "regression)",
                field="dataset.task",
            )
        names = [number_label(v) for v in distinct]
        labels = np.searchsorted(distinct, values)
        notes.append(
            f"target {column.name!r} has {len(distinct)} distinct {'integers' if integers else 'values'}: "
            "classification"
        )
    else:
        names = sorted(set(values))
        lookup = {v: i for i, v in enumerate(names)}
        labels = np.array([lookup[v] for v in values], dtype=np.int64)
    if len(names) < 2:
        raise ConfigError(
            f"target column {column.name!r} of {table.name} has only one value ({names[0]!r}); "
            "classification needs at least 2 classes",
            field="dataset.target",
        )
    return torch.from_numpy(np.asarray(labels, dtype=np.int64)), "classification", names, keep


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def training_rows(n: int, cfg: DatasetConfig, seed: int) -> np.ndarray:
    """The rows (of the n kept) that load_dataset will put in the training split.

    The split is made after loading, by registry.load_dataset: a torch.randperm seeded with the
    run's seed, training first, then validation and test by dataset.val_fraction/test_fraction.
    The same permutation is drawn here so a missing value is filled from the training rows only:
    a median over all rows would let validation and test values leak into training.
    tests/data/test_csv_missing.py checks that both agree.
    """
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_train = n - round(n * cfg.val_fraction) - round(n * cfg.test_fraction)
    return order[: n_train if n_train >= 1 else n].numpy()


def _one_hot(table: Table, index: int, keep: np.ndarray, notes: list[str]):
    """(one-hot tensor, names, categories), or None when the column is skipped."""
    name = table.columns[index].name
    numbers, filled = cell_counts(table, index)
    if numbers * 4 >= filled > 0:
        # Half numbers, half words is more often a damaged numeric column than categories.
        notes.append(
            f"column {name!r} is read as text (one-hot): only {numbers} of {filled} cells are "
            "numbers; fix the others if it is meant to be numeric"
        )
    values = cell_texts(table.column_values(index)[keep])
    categories = sorted({v for v in values if v is not None})
    if any(v is None for v in values):
        categories.append(MISSING_CATEGORY)
        values[[v is None for v in values]] = MISSING_CATEGORY
    if len(categories) > MAX_CATEGORIES:
        notes.append(
            f"column {name!r} skipped: {len(categories)} distinct text values are too many to one-hot encode"
        )
        return None
    lookup = {v: i for i, v in enumerate(categories)}
    codes = torch.tensor([lookup[v] for v in values], dtype=torch.long)
    one_hot = torch.nn.functional.one_hot(codes, len(categories)).float()
    return one_hot, [f"{name}={v}" for v in categories], categories


def _numeric_matrix(table: Table, columns: list[int], keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(float32 values of `columns` in the kept rows, missing cells per column). When every
    feature column is numeric and no row is dropped, this is a view of the table's matrix (the
    target is its last column), so the data is never held twice."""
    features = table.matrix[: table.n_rows, :-1]
    positions = [table.position[i] for i in columns]
    if positions == list(range(features.shape[1])) and keep.all():
        return features, np.array([table.columns[i].missing for i in columns], dtype=np.int64)
    subset = features[np.ix_(np.flatnonzero(keep), np.array(positions, dtype=np.intp))]
    return subset, np.isnan(subset).sum(axis=0)


def _features(table: Table, target_index: int, keep: np.ndarray, train: np.ndarray, notes: list[str]):
    """(features, their names, the encoding a prediction repeats on new rows)."""
    pieces: list[tuple[int, torch.Tensor, list[str]]] = []  # (header index, one-hot, names)
    numeric: list[int] = []
    rules: dict[int, CsvColumn] = {}
    skipped: list[str] = []
    for index, column in enumerate(table.columns):
        if index == target_index:
            continue
        if column.missing > MAX_MISSING_FRACTION * table.n_rows:
            notes.append(
                f"column {column.name!r} skipped: {column.missing} of {table.n_rows} values are missing"
            )
            skipped.append(column.name)
            continue
        if not column.text_chunks or is_numeric_column(table, index):
            make_numeric(table, index)
            numeric.append(index)
            continue
        encoded = _one_hot(table, index, keep, notes)
        if encoded is None:
            skipped.append(column.name)
            continue
        pieces.append((index, encoded[0], encoded[1]))
        rules[index] = CsvColumn(column.name, "category", categories=encoded[2])
    if not numeric and not pieces:
        raise ConfigError(f"{table.name} has no usable feature columns besides the target")
    matrix, missing = _numeric_matrix(table, numeric, keep)
    fills = _sample_medians(matrix, train, np.flatnonzero(missing == 0))
    for j in map(int, np.flatnonzero(missing)):
        median = np.nanmedian(matrix[train, j])
        if math.isnan(median):  # every training value missing: the other rows are all there is
            median = np.nanmedian(matrix[:, j])
        matrix[np.isnan(matrix[:, j]), j] = median
        fills[j] = float(median)
        notes.append(
            f"column {table.columns[numeric[j]].name}: {_count(int(missing[j]), 'missing value')} "
            "filled with "
            f"the median {median:g}"
        )
    for j, index in enumerate(numeric):
        rules[index] = CsvColumn(table.columns[index].name, "number", fill=fills[j])
    encoding = CsvEncoding(table.columns[target_index].name, [rules[i] for i in sorted(rules)], skipped)
    if not pieces:
        return torch.from_numpy(matrix), [table.columns[i].name for i in numeric], encoding
    parts, names = [], []
    one_hots = iter(pieces)
    upcoming = next(one_hots, None)
    j = 0
    while j < len(numeric) or upcoming is not None:
        if upcoming is not None and (j == len(numeric) or upcoming[0] < numeric[j]):
            parts.append(upcoming[1])
            names += upcoming[2]
            upcoming = next(one_hots, None)
            continue
        end = j
        while end < len(numeric) and (upcoming is None or numeric[end] < upcoming[0]):
            end += 1
        parts.append(torch.from_numpy(matrix[:, j:end]))
        names += [table.columns[i].name for i in numeric[j:end]]
        j = end
    return torch.cat(parts, dim=1), names, encoding


def _sample_medians(matrix: np.ndarray, train: np.ndarray, columns: np.ndarray) -> dict[int, float]:
    """The median of each of `columns` over (a sample of) the training rows: what a prediction
    fills a missing cell with in a column that had none here."""
    rows = train[:FILL_SAMPLE_ROWS]
    medians: dict[int, float] = {}
    for start in range(0, len(columns), 256):
        block = columns[start : start + 256]
        # One column per row of contiguous memory: the median along rows is twice as fast.
        values = np.median(np.ascontiguousarray(matrix[np.ix_(rows, block)].T), axis=1)
        medians.update(zip(map(int, block), map(float, values), strict=True))
    return medians


def load_csv(cfg: DatasetConfig, seed: int, path: str) -> LoadedData:
    from tui_trainer.engine.datasets.paths import resolve_path

    file = resolve_path(cfg, path)
    check_file(file)
    header, delimiter = read_header(file)
    notes: list[str] = []
    target = cfg.target.strip()
    if not target:
        target = header[-1]
        notes.append(f"dataset.target is not set: using the last column {target!r} as the target")
    if target not in header:
        listed = ", ".join(header[:MAX_LISTED_COLUMNS])
        more = f" … ({len(header) - MAX_LISTED_COLUMNS} more)" if len(header) > MAX_LISTED_COLUMNS else ""
        raise ConfigError(
            f"dataset.target {target!r} is not a column of {file.name}; columns: {listed}{more}",
            field="dataset.target",
        )
    if len(header) < 2:
        raise ConfigError(f"{file.name} has only the target column; it needs at least one feature column")
    target_index = header.index(target)
    table = read_table(file, header, delimiter, target_index)
    y, task, class_names, keep = _target(table, target_index, notes, cfg.task)
    train = training_rows(int(keep.sum()), cfg, seed)
    x, feature_names, encoding = _features(table, target_index, keep, train, notes)
    meta = DatasetMeta(
        name=table.name,
        task=task,
        input_shape=(int(x.shape[1]),),
        n_classes=len(class_names),
        class_names=class_names,
        feature_names=feature_names,
        description=f"{table.name}: {len(y)} rows, {len(feature_names)} features, target {target!r}",
        notes=notes,
    )
    return LoadedData(x, y, meta, table_encoding=encoding)
