"""The inputs of a prediction, read from files with the training's own rules.

A table run reads one CSV file: the loader's reader and cell rules (csv_read.py, csv_cells.py),
then the run's `CsvEncoding`; the target column may be there (then rows are scored) or not. An
image run reads image files and folders of them (at any depth): each file is converted as
training converted its images (`ImageEncoding`). A folder laid out as the training folder was, one
sub-folder per class, gives each image its true class, so the images are scored too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from tui_trainer.engine.config import ConfigError
from tui_trainer.engine.datasets.csv_encoding import TableColumns
from tui_trainer.engine.datasets.csv_read import check_file, read_header, read_table
from tui_trainer.engine.datasets.image_encoding import IMAGE_EXTENSIONS, image_files
from tui_trainer.engine.preprocessing import Preprocessing


@dataclass
class RawInputs:
    stored: torch.Tensor  # (N, *input_shape) stored values, before normalisation
    ids: list[str]  # the row number (from 1) or the file, per input
    # The true class (-1: unknown) or value (NaN: unknown) per input; None when no input has one.
    target: torch.Tensor | None = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_inputs(paths: Sequence[str], prep: Preprocessing) -> RawInputs:
    """The inputs the paths name, encoded for the run `prep` describes; ConfigError (one line
    naming the file or column) for anything that does not fit."""
    if not paths:
        raise ConfigError("nothing to predict: give a CSV file, image files or a folder of images")
    if prep.table is not None:
        columns = ", ".join(column.name for column in prep.table.columns[:8])
        more = ", …" if len(prep.table.columns) > 8 else ""
        wanted = f"give one CSV file with the columns {columns}{more}"
        if len(paths) != 1:
            raise ConfigError(f"the run was trained on a table ({prep.dataset}); {wanted}")
        path = Path(paths[0]).expanduser()
        if path.is_dir() or path.suffix.lower() in IMAGE_EXTENSIONS:
            raise ConfigError(f"the run was trained on a table ({prep.dataset}), not images; {wanted}")
        return read_table_file(path, prep)
    return read_images(paths, prep)


def read_table_file(file: Path, prep: Preprocessing) -> RawInputs:
    encoding = prep.table
    assert encoding is not None  # a table run
    check_file(file)
    header, delimiter = read_header(file)
    has_target = encoding.target in header
    # Without a target column any column may stand last in the table's matrix: none is dropped.
    last = header.index(encoding.target) if has_target else len(header) - 1
    table = read_table(file, header, delimiter, last)
    source = TableColumns(table)
    encoding.check_columns(source, file.name)
    encoded = encoding.encode(source)
    ids = [str(row + 1) for row in range(table.n_rows)]
    inputs = RawInputs(torch.from_numpy(encoded.features), ids, None, encoded.warnings)
    if has_target:
        if prep.task == "classification":
            labels, warnings = encoding.target_labels(source, prep.class_names)
            inputs.target = torch.from_numpy(labels)
            inputs.warnings += warnings
        else:
            inputs.target = torch.from_numpy(np.array(source.numbers(encoding.target), dtype=np.float32))
    return inputs


def read_images(paths: Sequence[str], prep: Preprocessing) -> RawInputs:
    image = prep.image
    assert image is not None  # an image run
    files: list[Path] = []
    shown: list[str] = []
    labels: list[int] = []
    lookup = {name: i for i, name in enumerate(prep.class_names)}
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            found = image_files(path)
            if not found:
                raise ConfigError(
                    f"{given} contains no images ({' '.join(IMAGE_EXTENSIONS)}); give image files or a "
                    "folder with images in it, at any depth"
                )
            relative = [file.relative_to(path) for file in found]
            # Laid out as a folder: dataset (a sub-folder per class): the sub-folder is the truth.
            by_class = all(len(r.parts) > 1 and r.parts[0] in lookup for r in relative)
            files += found
            shown += [str(Path(given) / r) for r in relative]
            labels += [lookup[r.parts[0]] if by_class else -1 for r in relative]
        elif path.is_file():
            if path.suffix.lower() in (".csv", ".tsv", ".txt"):
                raise ConfigError(
                    f"the run was trained on images ({prep.dataset}); give image files or folders of "
                    f"them, not the table {given}"
                )
            files.append(path)
            shown.append(given)
            labels.append(-1)
        else:
            raise ConfigError(f"no such file or folder: {given}")
    stored, resized = image.read(files, shown)
    inputs = RawInputs(stored, shown)
    if any(label >= 0 for label in labels):
        inputs.target = torch.tensor(labels, dtype=torch.long)
    if resized:
        inputs.notes.append(
            f"{resized} of {len(files)} images resized to {image.size_text} (bilinear), the size the run "
            "was trained on"
        )
    return inputs
