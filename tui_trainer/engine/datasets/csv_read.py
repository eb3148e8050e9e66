"""Reading a CSV file into typed columns with pandas, for `csv_file.py`.

pandas' C parser reads the file in chunks of about CHUNK_CELLS cells and infers each column's
type in each chunk. Numeric columns go straight into one preallocated float32 matrix (NaN where a
cell is missing) without a Python object per cell; only the chunks of a column that pandas reads
as text are kept as values, so the rules in csv_file.py can count their numbers and name a bad
cell. The header is read first by the csv module: it gives the delimiter, the (linear) duplicate
check and the column names. Measured by bench/csv_load.py.

pandas rather than pyarrow.csv: on the 2-core test machine pyarrow read the 60,000 x 785
MNIST-as-a-table file in 4.1-4.6 s against pandas' 2.6-3.8 s, and pyarrow fixes a column's type
from the first block, so a word further down is a conversion error instead of a text column.
"""

from __future__ import annotations

import csv
import math
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tui_trainer.engine.config import ConfigError

# The cells read as a missing value (in any column); everything else is a number or text.
MISSING_MARKERS = ["", "NA", "NaN", "?", "null"]
# Refused before reading: the loaded table needs about as many bytes of memory as the file.
MAX_CSV_BYTES = 4 * 1024**3
DELIMITERS = ",;\t|"
HEADER_BYTES = 1 << 20
# Cells per pandas chunk: its int64 columns and word buffers are what the peak adds to the data.
# bench/csv_load.py, 60,000 x 785: 4M cells -> peak 1.56x the float32 data, 8M -> 2.0x, no faster.
CHUNK_CELLS = 4_000_000


@dataclass
class Column:
    name: str
    numbers: int = 0  # cells that are numbers
    missing: int = 0
    # (chunk number, values) for chunks where pandas read the column as text.
    text_chunks: list[tuple[int, np.ndarray]] = field(default_factory=list)
    first_infinite: int | None = None  # row of the first inf/-inf, for the error message


@dataclass
class Table:
    file: Path
    header: list[str]
    delimiter: str
    columns: list[Column]
    # float32 (rows, columns), NaN where a cell is missing or read as text. The target column is
    # stored last, so the features are `matrix[:n_rows, :-1]`: a view, not a second copy.
    matrix: np.ndarray
    position: list[int]  # header index -> column of `matrix`
    starts: list[int] = field(default_factory=list)  # first row of each chunk
    n_rows: int = 0

    @property
    def name(self) -> str:
        return self.file.name

    def numbers(self, index: int) -> np.ndarray:
        """The float32 values of a column (a view), NaN where missing or read as text."""
        return self.matrix[: self.n_rows, self.position[index]]

    def chunk_rows(self, chunk: int) -> slice:
        end = self.starts[chunk + 1] if chunk + 1 < len(self.starts) else self.n_rows
        return slice(self.starts[chunk], end)

    def line_and_cells(self, row: int) -> tuple[int, list[str]]:
        """The file line of data row `row` (where its record ends, as csv.reader counts) and its
        cells, found by scanning: only error messages need it, so no line table is kept."""
        for index, line, cells in _data_rows(self):
            if index == row:
                return line, cells
        return row + 2, []

    def line_of(self, row: int) -> int:
        return self.line_and_cells(row)[0]

    def column_values(self, index: int) -> np.ndarray:
        """Every value of one column as objects (floats or text, None when missing)."""
        values = self.numbers(index).astype(object)
        values[np.isnan(self.numbers(index))] = None
        for chunk, text in self.columns[index].text_chunks:
            text = text.astype(object)
            text[is_missing(text)] = None
            values[self.chunk_rows(chunk)] = text
        return values


def is_missing(values: np.ndarray) -> np.ndarray:
    """Which cells of a column pandas read as text are missing (a marker with spaces around it
    stays text to pandas)."""
    import pandas as pd

    return np.fromiter(
        (
            v is None
            or v is pd.NA
            or (isinstance(v, float) and math.isnan(v))
            or (isinstance(v, str) and v.strip() in _MARKERS)
            for v in values
        ),
        dtype=bool,
        count=len(values),
    )


_MARKERS = frozenset(MISSING_MARKERS)


def is_number(text) -> bool:
    try:
        float(str(text))
    except ValueError:
        return False
    return True


def check_file(file: Path) -> None:
    """Refuse at once what cannot be a CSV table, before a byte is read."""
    try:
        info = file.stat()
    except FileNotFoundError:
        raise ConfigError(f"CSV file not found: {file}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read CSV file {file}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"{file} is a folder, not a CSV file (use folder:{file} for images)")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{file} is not a regular file (a device, pipe or socket); give a CSV file on disk")
    if info.st_size > MAX_CSV_BYTES:
        raise ConfigError(
            f"CSV file {file} is {info.st_size / 1024**3:.1f} GB, over the {MAX_CSV_BYTES // 1024**3} GB "
            "limit for csv: tables; use a sample of its rows"
        )


def read_header(file: Path) -> tuple[list[str], str]:
    """(column names, delimiter). The delimiter is the candidate that splits the header into the
    most fields, `,` when none splits it: quoted cells further down cannot mislead it the way
    csv.Sniffer is misled by `"a";"b"` inside a comma file."""
    try:
        with open(file, encoding="utf-8-sig", newline="") as handle:
            text = handle.read(HEADER_BYTES)
            while "\n" not in text.lstrip("\r\n"):  # a very wide header: read on to its end
                more = handle.read(HEADER_BYTES)
                if not more:
                    break
                text += more
    except UnicodeDecodeError:
        raise ConfigError(f"{file} is not UTF-8 text; save it as UTF-8 CSV") from None
    best: tuple[list[str], str] | None = None
    error: csv.Error | None = None
    for delimiter in DELIMITERS:
        try:
            rows = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
            first = next((row for row in rows if any(cell.strip() for cell in row)), None)
        except csv.Error as exc:  # e.g. a whole wide header as one over-long field: not this one
            error = error or exc
            continue
        if first is None:
            raise ConfigError(f"CSV file {file} is empty; it needs a header row and data rows")
        if best is None or len(first) > len(best[0]):
            best = (first, delimiter)
    if best is None:
        raise ConfigError(f"{file.name} is not valid CSV: {error}")
    cells, delimiter = best
    header = [cell.strip() or f"column {i + 1}" for i, cell in enumerate(cells)]
    duplicates = sorted(name for name, count in Counter(header).items() if count > 1)
    if duplicates:
        raise ConfigError(f"{file.name} has duplicate column names: {', '.join(duplicates)}; rename them")
    return header, delimiter


def _data_rows(table: Table):
    """(data row index, file line) of every data row, skipping blank lines as pandas does."""
    with open(table.file, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=table.delimiter)
        index = -1
        for row in reader:
            if len(row) <= 1 and not "".join(row).strip():
                continue  # pandas skips blank lines (a line of delimiters is a row of missing cells)
            if index >= 0:
                yield index, reader.line_num, row
            index += 1


def _ragged_row(table: Table) -> None:
    for _, line, row in _data_rows(table):
        if len(row) != len(table.header):
            raise ConfigError(
                f"{table.name} line {line} has {len(row)} fields but the header has "
                f"{len(table.header)}; fix that row"
            )


def _row_bound(file: Path, columns: int) -> int:
    """An upper bound of the data rows. A full row has at least `columns` bytes (its delimiters
    and line end), so size // columns bounds them without reading the file; where that bound
    would reserve over a GiB, the line ends are counted instead."""
    bound = file.stat().st_size // columns + 2
    if bound * columns * 4 <= 1 << 30:
        return bound
    newlines = returns = 0
    with open(file, "rb") as handle:
        while block := handle.read(1 << 24):
            newlines += block.count(b"\n")
            returns += block.count(b"\r")
    return max(newlines, returns) + 2


def read_table(file: Path, header: list[str], delimiter: str, target: int) -> Table:
    import pandas as pd

    order = [i for i in range(len(header)) if i != target] + [target]
    position = [0] * len(header)
    for place, index in enumerate(order):
        position[index] = place
    # Untouched pages of np.empty take no memory: rows beyond the real count cost nothing, and
    # the chunks are written straight into their place (short rows can pass the bound: it grows).
    try:
        matrix = np.empty((_row_bound(file, len(header)), len(header)), dtype=np.float32)
    except MemoryError:
        raise ConfigError(f"not enough memory to load {file} ({len(header)} columns)") from None
    table = Table(file, header, delimiter, [Column(name) for name in header], matrix, position)
    # Small chunks keep pandas' own buffers (int64 columns, the chunk's words) a fraction of the data.
    rows_per_chunk = max(16, CHUNK_CELLS // len(header))
    chunks = pd.read_csv(
        # No skipinitialspace: it slows the parser by a third, and numbers with spaces are read anyway.
        file,
        sep=delimiter,
        names=header,
        header=0,
        index_col=False,
        na_values=MISSING_MARKERS,
        keep_default_na=False,
        encoding="utf-8-sig",
        quotechar='"',
        chunksize=rows_per_chunk,
    )
    try:
        with chunks:
            for number, frame in enumerate(chunks):
                _add_chunk(table, number, frame, target)
    except UnicodeDecodeError:
        raise ConfigError(f"{file} is not UTF-8 text; save it as UTF-8 CSV") from None
    except (pd.errors.ParserError, csv.Error) as exc:
        _ragged_row(table)
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{file.name} is not valid CSV: {reason}") from None
    if table.n_rows == 0:
        raise ConfigError(f"CSV file {file} has a header but no data rows")
    if table.columns[-1].missing:
        # pandas fills a short row with missing values at its end: tell those from empty cells.
        _ragged_row(table)
    return table


def _add_chunk(table: Table, number: int, frame, target: int) -> None:
    rows = len(frame)
    start = table.n_rows
    kinds = [dtype.kind for dtype in frame.dtypes]
    numeric = [i for i, kind in enumerate(kinds) if kind in "iuf"]
    with np.errstate(over="ignore"):  # a number beyond float32 becomes inf: an error named below
        if len(numeric) == len(kinds):
            block = frame.to_numpy(dtype=np.float32, na_value=np.nan)
        else:
            block = np.full((rows, len(kinds)), np.nan, dtype=np.float32)
            if numeric:
                block[:, numeric] = frame.iloc[:, numeric].to_numpy(dtype=np.float32, na_value=np.nan)
    if start + rows > len(table.matrix):
        table.matrix = np.concatenate(
            [table.matrix[:start], np.empty((max(rows, start), len(kinds)), np.float32)]
        )
    dest = table.matrix[start : start + rows]
    dest[:, :target] = block[:, :target]
    dest[:, target:-1] = block[:, target + 1 :]
    dest[:, -1] = block[:, target]
    if np.isfinite(block).all():
        missing = np.zeros(len(kinds), dtype=np.int64)
    else:
        missing = np.isnan(block).sum(axis=0)
        infinite = np.isinf(block)
        for infinite_index in np.flatnonzero(infinite.any(axis=0)):
            column = table.columns[infinite_index]
            if column.first_infinite is None:
                column.first_infinite = start + int(np.flatnonzero(infinite[:, infinite_index])[0])
    del block
    for index, kind in enumerate(kinds):
        column = table.columns[index]
        if kind in "iuf":
            column.missing += int(missing[index])
            column.numbers += rows - int(missing[index])
        else:
            values = frame.iloc[:, index].to_numpy(dtype=object)
            column.missing += int(is_missing(values).sum())
            column.text_chunks.append((number, values))
    table.starts.append(start)
    table.n_rows += rows
