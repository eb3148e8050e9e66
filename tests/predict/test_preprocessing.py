"""The preprocessing a run saves (preprocessing.json): what it holds, that it reads back to the same
thing, and that applied to the training file's own rows it rebuilds the loader's tensors exactly."""

from __future__ import annotations

import json

import pytest
import torch

from tui_trainer.engine import ConfigError, Preprocessing, PreprocessingError
from tui_trainer.engine.datasets.csv_encoding import TableColumns
from tui_trainer.engine.datasets.csv_read import read_header, read_table
from tui_trainer.engine.datasets.image_encoding import image_files
from tui_trainer.engine.datasets.registry import load_dataset, load_raw


def test_the_csv_runs_file_holds_what_training_learned(fruit_run):
    run, _path = fruit_run
    saved = json.loads((run.run_dir / "preprocessing.json").read_text())
    table = saved["table"]
    assert table["target"] == "fruit" and table["skipped"] == ["note"]
    size, weight, colour = table["columns"]
    assert [size["name"], weight["name"], colour["name"]] == ["size", "weight", "colour"]
    assert [size["kind"], weight["kind"], colour["kind"]] == ["number", "number", "category"]
    assert colour["categories"] == ["green", "red", "yellow", "(missing)"]
    assert size["fill"] is not None and weight["fill"] is not None
    assert saved["class_names"] == ["apple", "banana", "cherry"]
    normalizer = run.trainer.placed.eval_normalizer
    assert saved["normalizer"]["mean"] == normalizer.mean.tolist()
    assert saved["normalizer"]["scale"] == normalizer.scale.tolist()
    assert len(saved["normalizer"]["mean"]) == 2 + 4  # size, weight, four colour indicators


def test_saved_and_restored_preprocessing_is_the_same(fruit_run, price_run, image_run, moons_run):
    for run in (fruit_run[0], price_run[0], image_run[0], moons_run):
        text = (run.run_dir / "preprocessing.json").read_text()
        restored = Preprocessing.from_json(text)
        assert restored.to_json() == text
        config = run.trainer.config
        assert (
            Preprocessing.load(run.run_dir).to_json()
            == load_dataset(config.dataset, config.train.seed).preprocessing.to_json()
        )


def test_the_training_files_rows_encode_to_the_loaders_features(fruit_run, price_run):
    for run, path in (fruit_run, price_run):
        config = run.trainer.config
        loaded = load_raw(config.dataset, config.train.seed)
        prep = Preprocessing.load(run.run_dir)
        header, delimiter = read_header(path)
        table = read_table(path, header, delimiter, header.index(prep.table.target))
        encoded = prep.table.encode(TableColumns(table))
        assert encoded.warnings == []
        assert torch.equal(torch.from_numpy(encoded.features), loaded.x)


def test_image_files_convert_to_the_loaders_pixels_resized_and_grey(image_run):
    run, root = image_run
    config = run.trainer.config
    loaded = load_raw(config.dataset, config.train.seed)
    prep = Preprocessing.load(run.run_dir)
    files = [f for folder in sorted(root.iterdir()) for f in sorted(folder.iterdir())]
    stored, resized = prep.image.read(files, [str(f) for f in files])
    assert torch.equal(stored, loaded.x)
    assert resized == len(files)  # 12×12 and 15×10 files, trained at 8×8
    assert sorted(image_files(root)) == sorted(files)


def test_apply_turns_a_form_row_into_the_models_input(fruit_run):
    run, _path = fruit_run
    prep = Preprocessing.load(run.run_dir)
    row = {"size": "7.5", "weight": 151.0, "colour": "red"}
    features = prep.encode_rows([row]).features
    assert features.tolist() == [[7.5, 151.0, 0.0, 1.0, 0.0, 0.0]]
    expected = run.trainer.placed.eval_normalizer(torch.from_numpy(features))
    assert torch.equal(prep.apply(row), expected)
    # A missing number gets the training median; a missing colour is the "(missing)" category.
    filled = prep.encode_rows([{"size": "", "weight": "NA", "colour": None}]).features[0]
    assert filled[0] == pytest.approx(prep.table.columns[0].fill)
    assert filled.tolist()[2:] == [0.0, 0.0, 0.0, 1.0]


def test_an_unseen_category_is_all_zeros_with_a_warning(fruit_run):
    prep = Preprocessing.load(fruit_run[0].run_dir)
    encoded = prep.encode_rows([{"size": 3, "weight": 20, "colour": "purple"}] * 2)
    assert encoded.features[:, 2:].tolist() == [[0.0] * 4] * 2
    assert encoded.warnings == [
        "column 'colour': 2 rows hold a value training never saw ('purple'); encoded as zeros"
    ]


def test_a_word_in_a_numeric_column_of_a_form_row_names_it(fruit_run):
    prep = Preprocessing.load(fruit_run[0].run_dir)
    with pytest.raises(ConfigError, match=r"row 1, column 'size': 'big' is not a number"):
        prep.encode_rows([{"size": "big", "weight": 1, "colour": "red"}])


def test_the_toys_are_tables_of_their_named_features(moons_run, tmp_path):
    prep = Preprocessing.load(moons_run.run_dir)
    assert [c.name for c in prep.table.columns] == ["x1", "x2"] and prep.table.target == "y"
    points = torch.tensor([[0.5, -0.25], [1.0, 0.0]])
    assert torch.equal(prep.apply([{"x1": 0.5, "x2": -0.25}, {"x1": "1", "x2": "0"}]), prep.apply(points))
    with pytest.raises(ConfigError, match="column 'x2' is empty"):
        prep.encode_rows([{"x1": 1.0}])


@pytest.mark.parametrize(
    "text, message",
    [
        ("{", "is not valid JSON"),
        ("[]", "is not a preprocessing file of format 1"),
        ('{"format": 1, "task": "classification"}', "is damaged"),
    ],
)
def test_a_damaged_file_is_one_line_naming_it(text, message):
    with pytest.raises(PreprocessingError, match=message):
        Preprocessing.from_json(text, "runs/x/preprocessing.json")


def test_a_file_whose_parts_disagree_is_damaged(moons_run):
    saved = json.loads((moons_run.run_dir / "preprocessing.json").read_text())
    saved["input_shape"] = [3]
    with pytest.raises(PreprocessingError, match=r"damaged \(2 features for inputs of shape \(3,\)\)"):
        Preprocessing.from_json(json.dumps(saved))
