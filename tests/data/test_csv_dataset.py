"""`csv:` datasets: encoding rules, regression versus classification, and every bad-file error."""

from __future__ import annotations

import json

import pytest
import torch
from batch_cli import batch_args, run_cli, single_run_dir, summary

from tui_trainer.engine.config import ConfigError, DatasetConfig, TrainConfig
from tui_trainer.engine.datasets import load_dataset

FRUIT = "weight,colour,origin,name,kind\n" + "".join(
    f"{100 + 7 * (i % 13) + (60 if i % 3 == 0 else 0)},{['red', 'green', 'yellow'][i % 3]},"
    f"{['spain', 'chile'][i % 2]},item{i},{['apple', 'pear', 'banana'][i % 3]}\n"
    for i in range(90)
)


def _cfg(path, target=""):
    cfg = TrainConfig().dataset
    cfg.name, cfg.target = f"csv:{path}", target
    return cfg


def _write(tmp_path, text, name="table.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.slow
def test_categorical_features_and_string_target_train_in_batch_mode(tmp_path):
    path = _write(tmp_path, FRUIT, "fruit.csv")
    out = tmp_path / "runs"
    result = run_cli(
        *batch_args(f"csv:{path}", tmp_path, out, "dataset.target=kind", "dataset.batch_size=16")
    )
    assert result.returncode == 0, result.stderr
    assert "column 'name' skipped: 90 distinct text values" in result.stdout
    info = summary(single_run_dir(out))
    assert info["status"] == "completed"
    assert "input 6, 3 classes" in info["dataset"]


def test_encoding_of_features_and_class_names(tmp_path):
    splits = load_dataset(_cfg(_write(tmp_path, FRUIT), "kind"), seed=0)
    meta = splits.meta
    assert meta.task == "classification" and meta.class_names == ["apple", "banana", "pear"]
    assert meta.feature_names == [
        "weight",
        "colour=green",
        "colour=red",
        "colour=yellow",
        "origin=chile",
        "origin=spain",
    ]
    assert not meta.is_image and meta.input_shape == (6,)
    one_hot = torch.cat([splits.train.x, splits.val.x, splits.test.x])[:, 1:4]
    assert torch.equal(one_hot.sum(dim=1), torch.ones(len(one_hot)))
    # Standardised on the training split by the Normalizer.
    normalised = splits.normalizer(splits.train.x)
    assert torch.allclose(normalised.mean(dim=0), torch.zeros(6), atol=1e-5)


def test_regression_csv_trains_in_batch_mode_using_the_last_column(tmp_path):
    rows = "".join(f"{i / 10:.1f},{(i * 7) % 5},{3 * i / 10 + 0.5:.3f}\n" for i in range(120))
    path = _write(tmp_path, "x,z,price\n" + rows, "prices.csv")
    out = tmp_path / "runs"
    result = run_cli(*batch_args(f"csv:{path}", tmp_path, out, "loss.name=mse"))
    assert result.returncode == 0, result.stderr
    assert "dataset.target is not set: using the last column 'price'" in result.stdout
    info = summary(single_run_dir(out))
    assert "regression" in info["dataset"] and "test_mae" in json.dumps(info["metrics"])


def test_few_distinct_integers_mean_classification(tmp_path):
    rows = "".join(f"{i * 0.5},{i % 3}\n" for i in range(100))
    meta = load_dataset(_cfg(_write(tmp_path, "a,label\n" + rows), "label"), seed=0).meta
    assert (meta.task, meta.class_names) == ("classification", ["0", "1", "2"])
    # A 0/1 label in a small file is still two classes.
    small = "".join(f"{i * 0.5},{i % 2}\n" for i in range(39))
    assert (
        load_dataset(_cfg(_write(tmp_path, "a,sick\n" + small, "b.csv"), "sick"), seed=0).meta.task
        == "classification"
    )
    # Fifteen distinct integers on 30 rows (an age, a count) are a measurement: regression.
    ages = "".join(f"{i * 0.5},{20 + i % 15}\n" for i in range(30))
    assert (
        load_dataset(_cfg(_write(tmp_path, "a,age\n" + ages, "c.csv"), "age"), seed=0).meta.task
        == "regression"
    )


@pytest.mark.parametrize(
    "task, expected", [("classification", "classification"), ("regression", "regression")]
)
def test_dataset_task_overrides_the_guess(tmp_path, task, expected):
    ages = "".join(f"{i * 0.5},{20 + i % 15}\n" for i in range(30))
    cfg = _cfg(_write(tmp_path, "a,age\n" + ages), "age")
    cfg.task = task
    meta = load_dataset(cfg, seed=0).meta
    assert meta.task == expected
    if expected == "classification":
        assert meta.class_names == [str(a) for a in range(20, 35)]


def test_dataset_task_errors_are_one_line(tmp_path):
    cfg = _cfg(_write(tmp_path, FRUIT, "fruit.csv"), "kind")
    cfg.task = "regression"
    with pytest.raises(
        ConfigError, match=r"dataset.task=regression needs a numeric target, but column 'kind'"
    ):
        load_dataset(cfg, seed=0)
    digits = DatasetConfig(name="digits", task="classification")
    with pytest.raises(ConfigError, match=r"dataset.task=classification applies to csv: tables only"):
        load_dataset(digits, seed=0)


def test_half_numeric_column_is_one_hot_with_a_note(tmp_path):
    rows = "".join(f"{'oops' if i % 2 else i},{i % 2}\n" for i in range(40))
    meta = load_dataset(_cfg(_write(tmp_path, "b,label\n" + rows), "label"), seed=0).meta
    assert "b=oops" in meta.feature_names
    assert any(
        "column 'b' is read as text (one-hot): only 20 of 40 cells are numbers" in n for n in meta.notes
    )


def test_relative_path_is_also_looked_up_in_the_data_dir(tmp_path):
    _write(tmp_path, FRUIT, "fruit.csv")
    cfg = _cfg("fruit.csv", "kind")
    cfg.data_dir = str(tmp_path)
    assert load_dataset(cfg, seed=0).meta.name == "fruit.csv"


BAD_FILES = [
    ("missing", None, "", r"CSV file not found: .*nothing\.csv"),
    ("empty", "", "", r"is empty; it needs a header row"),
    ("header only", "a,b,c\n", "", r"has a header but no data rows"),
    (
        "missing target",
        "a,b\n1,2\n3,4\n",
        "species",
        r"dataset.target 'species' is not a column of table.csv; columns: a, b",
    ),
    (
        "non-numeric",
        "a,b,y\n1,2,x\n3,4,y\nthree,5,x\n6,7,y\n",
        "y",
        r"table.csv line 4, column 'a': 'three' is not a number",
    ),
    (
        "after blank and quoted lines",
        'a,b,y\n1,2,x\n\n3,4,y\n"5\n",6,x\nthree,7,y\n8,9,x\n',
        "y",
        r"table.csv line 7, column 'a': 'three' is not a number",
    ),
    (
        "infinite",
        "a,b,y\n1,2,x\n3,4,y\ninf,5,x\n6,7,y\n",
        "y",
        r"table.csv line 4, column 'a': 'inf' is not a finite float32 number",
    ),
    (
        "too large",
        "a,b,y\n1,2,x\n3,4,y\n5,6,x\n6,1e300,y\n",
        "y",
        r"table.csv line 5, column 'b': '1e300' is not a finite float32 number",
    ),
    (
        "one class",
        "a,y\n1,x\n2,x\n3,x\n",
        "y",
        r"target column 'y' of table.csv has only one value \('x'\); classification needs at least 2",
    ),
    (
        "one number",
        "a,y\n1,1\n2,1\n3,1\n",
        "y",
        r"target column 'y' of table.csv has only one value \('1'\); there is nothing to learn",
    ),
    (
        "ragged",
        "a,b,y\n1,2,x\n3,y\n",
        "y",
        r"table.csv line 3 has 2 fields but the header has 3; fix that row",
    ),
    ("only target", "y\na\nb\n", "y", r"has only the target column"),
    ("duplicate columns", "a,a,y\n1,2,x\n3,4,y\n", "y", r"duplicate column names: a"),
    ("empty target", "a,y\n1,\n2,NA\n3,?\n", "y", r"target column 'y' of table.csv is empty; fill it in"),
    ("device", "/dev/zero", "", r"/dev/zero is not a regular file \(a device, pipe or socket\)"),
    (
        "long row",
        "a,b,y\n1,2,x\n3,4,5,y\n",
        "y",
        r"table.csv line 3 has 4 fields but the header has 3; fix that row",
    ),
]


@pytest.mark.parametrize("case,text,target,message", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_files_give_one_line_errors(tmp_path, case, text, target, message):
    if text is None:
        path = tmp_path / "nothing.csv"
    else:
        path = text if text.startswith("/dev/") else _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_dataset(_cfg(path, target), seed=0)
    assert "\n" not in str(info.value)


def test_bad_file_in_batch_mode_exits_2_with_the_message(tmp_path):
    path = _write(tmp_path, "a,b,y\n1,2,x\n3,4,y\nthree,5,x\n6,7,y\n")
    result = run_cli(*batch_args(f"csv:{path}", tmp_path, tmp_path / "runs", "dataset.target=y"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "tui-trainer: error: table.csv line 4, column 'a': 'three' is not a number (the column is "
        "numeric); fix or remove that value"
    )
