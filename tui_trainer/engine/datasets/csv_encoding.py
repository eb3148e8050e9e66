"""How a table's columns became a run's features, kept so new rows are encoded the same way.

The CSV loader (csv_file.py) records it while it encodes the training file: each feature column in
header order, numeric with the value a missing cell is filled with (the training median) or text
with its one-hot categories, plus the columns it skipped and the target's name. The built-in toys
are tables of numeric columns (`x1`, `x2` or `x`, target `y`) that fill nothing. Prediction reads
new rows through a `ColumnSource` (a CSV file read by the loader's own reader and cell rules, or
rows given as mappings, e.g. a form) and `CsvEncoding.encode` makes the same features: an unseen
category becomes all zeros with a warning, a missing column or a word in a numeric column is an
error naming it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, Protocol

import numpy as np

from tui_trainer.engine.config import ConfigError
from tui_trainer.engine.datasets.csv_cells import MISSING_CATEGORY, cell_texts, make_numeric, number_label
from tui_trainer.engine.datasets.csv_read import MISSING_MARKERS, Table, is_number

MAX_LISTED = 3  # unseen categories named in a warning


class ColumnSource(Protocol):
    """Rows of raw cells, read column by column."""

    n_rows: int

    def names(self) -> list[str]: ...

    def numbers(self, name: str) -> np.ndarray:
        """float32 values of a column, NaN where a cell is missing; ConfigError for a word."""
        ...

    def texts(self, name: str) -> np.ndarray:
        """A column's cells as stripped text (numbers as labels: 3.0 -> "3"), None where missing."""
        ...

    def where(self, row: int) -> str:
        """How a row is named in messages ("line 7 of x.csv", "row 3")."""
        ...


class TableColumns:
    """A CSV file read by the loader's reader (csv_read.py) and cell rules (csv_cells.py)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.n_rows = table.n_rows
        self._index = {name: i for i, name in enumerate(table.header)}

    def names(self) -> list[str]:
        return list(self.table.header)

    def numbers(self, name: str) -> np.ndarray:
        index = self._index[name]
        make_numeric(self.table, index)  # a word in the column: an error naming its line
        return self.table.numbers(index)

    def texts(self, name: str) -> np.ndarray:
        return cell_texts(self.table.column_values(self._index[name]))

    def where(self, row: int) -> str:
        return f"{self.table.name} line {self.table.line_of(row)}"


class RowColumns:
    """Rows given as mappings of column name to cell (text, a number or None), e.g. a form."""

    def __init__(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self.rows = list(rows)
        self.n_rows = len(self.rows)

    def names(self) -> list[str]:
        return list(dict.fromkeys(name for row in self.rows for name in row))

    def numbers(self, name: str) -> np.ndarray:
        out = np.full(self.n_rows, np.nan, dtype=np.float32)
        for i, row in enumerate(self.rows):
            value = row.get(name)
            text = value.strip() if isinstance(value, str) else value
            if text is None or text in _MARKERS:
                continue
            if isinstance(text, str) and not is_number(text):
                raise ConfigError(
                    f"{self.where(i)}, column {name!r}: {text!r} is not a number (the column is numeric)"
                )
            number = float(text)
            if math.isinf(number):
                raise ConfigError(f"{self.where(i)}, column {name!r}: {text!r} is not a finite number")
            out[i] = number
        return out

    def texts(self, name: str) -> np.ndarray:
        out = np.empty(self.n_rows, dtype=object)
        for i, row in enumerate(self.rows):
            value = row.get(name)
            if isinstance(value, Real) and not isinstance(value, bool):
                out[i] = number_label(float(value)) if math.isfinite(value) else None
            elif value is not None and str(value).strip() not in _MARKERS:
                out[i] = str(value).strip()
        return out

    def where(self, row: int) -> str:
        return f"row {row + 1}"


_MARKERS = frozenset(MISSING_MARKERS)


@dataclass
class CsvColumn:
    name: str
    kind: str  # "number" or "category"
    # number: what a missing cell becomes (the training median); None: a missing cell is an error.
    fill: float | None = None
    categories: list[str] = field(default_factory=list)  # category: one feature each, in order

    @property
    def width(self) -> int:
        return len(self.categories) if self.kind == "category" else 1

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "category":
            return {"name": self.name, "kind": self.kind, "categories": list(self.categories)}
        return {"name": self.name, "kind": self.kind, "fill": self.fill}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CsvColumn:
        kind = data["kind"]
        if kind == "category":
            return cls(_text(data["name"]), kind, categories=[_text(c) for c in data["categories"]])
        if kind != "number":
            raise ValueError(f"column kind {kind!r}")
        fill = data.get("fill")
        return cls(_text(data["name"]), kind, fill=None if fill is None else float(fill))


@dataclass
class EncodedRows:
    features: np.ndarray  # (rows, features) float32, before normalisation
    warnings: list[str] = field(default_factory=list)


@dataclass
class CsvEncoding:
    target: str  # the target column's name; prediction input may leave it out
    columns: list[CsvColumn]  # the feature columns, in the order their features are
    skipped: list[str] = field(default_factory=list)  # columns training left out: ignored

    @classmethod
    def numeric(cls, names: Sequence[str], target: str) -> CsvEncoding:
        """Numeric columns taken as they are (the generated toys), nothing to fill a gap with."""
        return cls(target, [CsvColumn(name, "number") for name in names])

    @property
    def n_features(self) -> int:
        return sum(column.width for column in self.columns)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "columns": [column.to_dict() for column in self.columns],
            "skipped": list(self.skipped),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CsvEncoding:
        columns = [CsvColumn.from_dict(column) for column in data["columns"]]
        return cls(_text(data["target"]), columns, [_text(name) for name in data.get("skipped", [])])

    def check_columns(self, source: ColumnSource, what: str) -> None:
        """ConfigError naming the feature columns `source` lacks (`what` names the input)."""
        present = set(source.names())
        absent = [column.name for column in self.columns if column.name not in present]
        if absent:
            wanted = _listed([column.name for column in self.columns])
            raise ConfigError(
                f"{what} has no column {_listed(absent)}, which the run was trained on; add it "
                f"(the run's input columns: {wanted})"
            )

    def encode(self, source: ColumnSource) -> EncodedRows:
        """The features of every row of `source`, as training encoded its rows."""
        out = EncodedRows(np.empty((source.n_rows, self.n_features), dtype=np.float32))
        start = 0
        for column in self.columns:
            block = out.features[:, start : start + column.width]
            if column.kind == "number":
                block[:, 0] = self._numbers(source, column)
            else:
                self._one_hot(source, column, block, out.warnings)
            start += column.width
        return out

    @staticmethod
    def _numbers(source: ColumnSource, column: CsvColumn) -> np.ndarray:
        values = source.numbers(column.name)
        missing = np.isnan(values)
        if not missing.any():
            return values
        if column.fill is None:
            raise ConfigError(
                f"{source.where(int(np.flatnonzero(missing)[0]))}: column {column.name!r} is empty, "
                "and the run's data had no missing values to learn a fill from; fill it in"
            )
        return np.where(missing, np.float32(column.fill), values)

    @staticmethod
    def _one_hot(source: ColumnSource, column: CsvColumn, block: np.ndarray, warnings: list[str]) -> None:
        texts = source.texts(column.name)
        lookup = {category: i for i, category in enumerate(column.categories)}
        missing_code = lookup.get(MISSING_CATEGORY, -1)
        codes = np.fromiter(
            (missing_code if text is None else lookup.get(text, -1) for text in texts),
            dtype=np.int64,
            count=len(texts),
        )
        block[:] = 0.0
        known = np.flatnonzero(codes >= 0)
        block[known, codes[known]] = 1.0
        unseen = Counter(MISSING_CATEGORY if t is None else t for t in texts[codes < 0])
        if unseen:
            named = ", ".join(repr(text) for text, _ in unseen.most_common(MAX_LISTED))
            more = f" and {len(unseen) - MAX_LISTED} more" if len(unseen) > MAX_LISTED else ""
            rows = sum(unseen.values())
            holds = "1 row holds" if rows == 1 else f"{rows} rows hold"
            warnings.append(
                f"column {column.name!r}: {holds} a value training never saw ({named}{more}); "
                "encoded as zeros"
            )

    def target_labels(self, source: ColumnSource, class_names: Sequence[str]) -> tuple[np.ndarray, list[str]]:
        """The target column as class indices (-1 where missing or not a class of the run), and
        a warning for the rows that are not."""
        lookup = {name: i for i, name in enumerate(class_names)}
        texts = source.texts(self.target)
        labels = np.fromiter((lookup.get(t, -1) for t in texts), np.int64, len(texts))
        unknown = Counter(t for t in texts[labels < 0] if t is not None)
        warnings = []
        if unknown:
            named = ", ".join(repr(text) for text, _ in unknown.most_common(MAX_LISTED))
            rows = sum(unknown.values())
            holds = "1 row holds" if rows == 1 else f"{rows} rows hold"
            warnings.append(
                f"target column {self.target!r}: {holds} a class the run does not have ({named}); "
                "predicted but not scored"
            )
        return labels, warnings


def _listed(names: Sequence[str], limit: int = 10) -> str:
    more = f" … ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(repr(name) for name in names[:limit]) + more


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return value
