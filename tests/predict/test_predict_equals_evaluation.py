"""Predicting the rows of a run's test split gives the run's own evaluation of them: the same
encoded inputs, the same accuracy and confusion matrix (or R², MSE, MAE), for a CSV table with
and without its target column, a regression table, an image folder, image files and a toy."""

from __future__ import annotations

import csv

import pytest
import torch

from tests.predict.predict_data import copy_images, rows_in_test_split, write_rows
from tui_trainer.engine import predict_files
from tui_trainer.engine.evaluation import evaluate
from tui_trainer.engine.predict import Predictor
from tui_trainer.engine.predict_inputs import read_inputs


def run_evaluation(run):
    """The run's own evaluation of its test split with its final weights (model.pt)."""
    t = run.trainer
    args = (t.config, t.meta, t.placed.eval_normalizer, t.loss_fn, t.device, False)
    return evaluate(t.model, t.placed.test, "test", 0, *args, target_scaling=t.placed.target_scaling)


def write_test_split(run, path, folder, drop=()):
    return write_rows(path, rows_in_test_split(150, run.trainer.config), folder / "test.csv", drop)


def test_csv_rows_with_their_target_score_as_the_runs_test_evaluation(fruit_run, tmp_path):
    run, path = fruit_run
    test_csv = write_test_split(run, path, tmp_path)
    predictor = Predictor.load(run.run_dir)
    inputs = read_inputs([str(test_csv)], predictor.preprocessing)
    # The same features as training made of these rows: medians filled, one-hot, skipped column.
    assert torch.equal(inputs.stored, run.trainer.placed.test.x)
    predictions = predictor.predict(inputs)
    expected = run_evaluation(run)
    assert predictions.evaluation is not None
    assert predictions.evaluation.accuracy == expected.accuracy == run.summary_metrics["test_accuracy"]
    assert torch.equal(predictions.evaluation.confusion, expected.confusion)
    assert predictions.evaluation.precision == expected.precision
    assert [row.target for row in predictions.rows(2)] == [
        run.trainer.meta.class_names[int(c)] for c in run.trainer.placed.test.y
    ]


def test_csv_rows_without_the_target_column_get_the_same_predictions(fruit_run, tmp_path):
    run, path = fruit_run
    with_target = predict_files([str(write_test_split(run, path, tmp_path))], run.run_dir)
    (tmp_path / "no_target").mkdir()
    rows = write_test_split(run, path, tmp_path / "no_target", drop=("fruit",))
    without = predict_files([str(rows)], run.run_dir)
    assert without.target is None and without.evaluation is None
    assert torch.equal(without.predicted, with_target.predicted)
    assert torch.equal(without.probabilities, with_target.probabilities)
    assert without.ids == [str(i) for i in range(1, len(without) + 1)]
    assert without.top(0, 3)[0] == (without.label(0), without.confidence(0))
    for i, row in enumerate(without.rows(2)):
        assert (row.id, row.predicted, row.probability, row.target) == (
            without.ids[i],
            without.label(i),
            without.confidence(i),
            None,
        )
        assert row.top == without.top(i, 2)


def test_regression_rows_are_predicted_in_the_targets_units_and_scored_as_the_run(price_run, tmp_path):
    run, path = price_run
    predictions = predict_files([str(write_test_split(run, path, tmp_path))], run.run_dir)
    expected = run_evaluation(run)
    assert predictions.task == "regression" and predictions.evaluation is not None
    for key in ("r2", "mse", "mae"):
        value = predictions.evaluation.extra[key]
        assert value == pytest.approx(expected.extra[key], rel=1e-9)
        assert value == pytest.approx(run.summary_metrics[f"test_{key}"], rel=1e-9)
    # Prices in their own units (thousands), not the standardised target the network trained on.
    assert torch.equal(predictions.target, run.trainer.placed.test.y.view(-1))
    assert float(predictions.predicted.abs().mean()) > 1000


def folder_samples(root):
    """The image files in the order torchvision's ImageFolder lists them (the loader's rows)."""
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    return [file for folder in folders for file in sorted(folder.iterdir())]


def test_a_folder_of_the_test_images_scores_as_the_runs_test_evaluation(image_run, tmp_path):
    run, root = image_run
    files = folder_samples(root)
    test_files = [files[r] for r in rows_in_test_split(len(files), run.trainer.config)]
    folder = copy_images(test_files, root, tmp_path / "test")
    predictor = Predictor.load(run.run_dir)
    inputs = read_inputs([str(folder)], predictor.preprocessing)
    # Each file becomes exactly the tensor training made of it (resized, made grey).
    position = {str(folder / f.relative_to(root)): i for i, f in enumerate(test_files)}
    order = [position[shown] for shown in inputs.ids]
    assert torch.equal(inputs.stored, run.trainer.placed.test.x[order])
    predictions = predictor.predict(inputs)
    expected = run_evaluation(run)
    assert predictions.evaluation.accuracy == expected.accuracy == run.summary_metrics["test_accuracy"]
    assert torch.equal(predictions.evaluation.confusion, expected.confusion)
    # The same images given one by one: no true class, the same predictions.
    one_by_one = predict_files(inputs.ids, run.run_dir)
    assert one_by_one.target is None and torch.equal(one_by_one.predicted, predictions.predicted)


def test_a_toy_predicts_from_a_csv_of_its_named_features(moons_run, tmp_path):
    t = moons_run.trainer
    path = tmp_path / "moons.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x1", "x2", "y"])
        for (x1, x2), y in zip(t.placed.test.x.tolist(), t.placed.test.y.tolist(), strict=True):
            writer.writerow([repr(x1), repr(x2), y])
    predictions = predict_files([str(path)], moons_run.run_dir)
    expected = run_evaluation(moons_run)
    assert predictions.evaluation.accuracy == expected.accuracy == moons_run.summary_metrics["test_accuracy"]
    assert torch.equal(predictions.evaluation.confusion, expected.confusion)
