"""`csv:` loading of real tables, wide headers, the delimiter choice and files that are refused."""

from __future__ import annotations

import os
import time

import pytest
import torch
from dataset_files import write_sklearn_csv, write_wide_csv

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.datasets import load_dataset
from tui_trainer.engine.datasets.csv_file import MAX_CSV_BYTES
from tui_trainer.engine.datasets.csv_read import read_header


def _cfg(path, target=""):
    cfg = TrainConfig().dataset
    cfg.name, cfg.target = f"csv:{path}", target
    return cfg


@pytest.mark.parametrize(
    "loader, rows, features, task, classes",
    [
        ("load_wine", 178, 13, "classification", ["0", "1", "2"]),
        ("load_breast_cancer", 569, 30, "classification", ["0", "1"]),
        ("load_diabetes", 442, 10, "regression", []),
    ],
)
def test_scikit_learn_tables_load_with_their_shapes_classes_and_task(
    tmp_path, loader, rows, features, task, classes
):
    import sklearn.datasets

    path = write_sklearn_csv(tmp_path, loader)
    splits = load_dataset(_cfg(path, "target"), seed=0)
    meta = splits.meta
    assert (meta.task, meta.class_names, meta.input_shape) == (task, classes, (features,))
    assert meta.n_train + meta.n_val + meta.n_test == rows
    bunch = getattr(sklearn.datasets, loader)()
    assert meta.feature_names == list(bunch.feature_names)
    # The values are the table's, row for row, whatever split a row landed in.
    x = torch.cat([splits.train.x, splits.val.x, splits.test.x]).double()
    expected = torch.from_numpy(bunch.data).float().double()
    assert torch.allclose(x.sort(dim=0).values, expected.sort(dim=0).values)


def test_header_of_100k_columns_is_read_in_linear_time(tmp_path):
    # The duplicate check was quadratic: 100,000 names took minutes before any output.
    path = write_wide_csv(tmp_path / "wide.csv", 100_000, rows=1)
    start = time.perf_counter()
    header, delimiter = read_header(path)
    assert (len(header), delimiter) == (100_000, ",")
    assert time.perf_counter() - start < 10
    text = path.read_text().replace("feature_99999", "feature_5", 1)
    path.write_text(text)
    with pytest.raises(ConfigError, match=r"duplicate column names: feature_5; rename them"):
        read_header(path)


@pytest.mark.slow
def test_20k_column_table_loads(tmp_path):
    path = write_wide_csv(tmp_path / "wide.csv", 20_000, rows=40)
    meta = load_dataset(_cfg(path, "feature_0"), seed=0).meta
    assert meta.input_shape == (19_999,)


@pytest.mark.slow
def test_100k_column_table_loads_in_seconds(tmp_path):
    path = write_wide_csv(tmp_path / "wide.csv", 100_000, rows=20)
    start = time.perf_counter()
    meta = load_dataset(_cfg(path, "feature_0"), seed=0).meta
    assert meta.input_shape == (99_999,)
    assert time.perf_counter() - start < 60


def test_quoted_semicolons_do_not_change_the_comma_delimiter(tmp_path):
    # csv.Sniffer picked ';' here (cells such as "red";"blue" first on each line) and then
    # reported a misleading field count.
    rows = "".join(f'"""red"";""{["blue", "green"][i % 2]}""",{i},{"ab"[i % 2]}\n' for i in range(30))
    path = tmp_path / "notes.csv"
    path.write_text("note,size,label\n" + rows)
    meta = load_dataset(_cfg(path, "label"), seed=0).meta
    assert meta.class_names == ["a", "b"]
    assert meta.feature_names == ['note="red";"blue"', 'note="red";"green"', "size"]


def test_semicolon_file_is_still_read(tmp_path):
    rows = "".join(f"{i};{i % 3 * 1.5};{'xy'[i % 2]}\n" for i in range(30))
    path = tmp_path / "semi.csv"
    path.write_text("a;b;label\n" + rows)
    assert load_dataset(_cfg(path, "label"), seed=0).meta.feature_names == ["a", "b"]


def test_fifo_is_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)  # opening it to read would block for ever: it must not be opened
    with pytest.raises(ConfigError, match=r"pipe.csv is not a regular file \(a device, pipe or socket\)"):
        load_dataset(_cfg(fifo), seed=0)


def test_file_over_the_size_limit_is_refused_at_once(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(MAX_CSV_BYTES + 1)  # sparse: no disk used
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"big.csv is 4.0 GB, over the 4 GB limit for csv: tables") as info:
        load_dataset(_cfg(big), seed=0)
    assert time.perf_counter() - start < 2 and "\n" not in str(info.value)
