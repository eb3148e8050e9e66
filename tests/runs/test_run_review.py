"""`review_run`: a finished run's model opened again without training, read-only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.predict.predict_data import write_image_folder, write_price_csv
from tests.toy_config import toy_config
from tui_trainer.engine import (
    DataProgress,
    Evaluation,
    LogMessage,
    ModelSnapshot,
    ModelStats,
    Predictor,
    ReviewError,
    RunInUse,
    load_summary,
    read_model_stats,
    review_run,
)
from tui_trainer.engine.rundir.lock import RunLock
from tui_trainer.engine.trainer import Trainer


def train(output_dir: Path, *overrides: str) -> Path:
    finished = Trainer(toy_config(output_dir, *overrides)).run()
    assert finished.ok, finished.reason
    assert finished.run_dir is not None
    return Path(finished.run_dir)


@pytest.fixture(scope="module")
def moons_run(tmp_path_factory) -> Path:
    return train(tmp_path_factory.mktemp("review") / "runs")


def files_of(directory: Path) -> dict[str, tuple[int, int]]:
    """Every entry under `directory` (the directory too) with its size and modification time."""
    found = {".": (0, directory.stat().st_mtime_ns)}
    for path in sorted(directory.rglob("*")):
        stat = path.stat()
        found[str(path.relative_to(directory))] = (stat.st_size, stat.st_mtime_ns)
    return found


def test_review_sends_the_runs_stats_weights_and_test_evaluation_writing_nothing(moons_run):
    before = files_of(moons_run)
    events: list = []
    reviewed = review_run(moons_run, events.append)
    assert files_of(moons_run) == before  # nothing written, created or touched

    kinds = [type(e) for e in events if not isinstance(e, (LogMessage, DataProgress))]
    stored, _ = read_model_stats(moons_run)
    assert kinds == [ModelStats] * len(stored) + [ModelSnapshot, Evaluation]
    assert len(stored) == reviewed.model_stats >= 1
    evaluation = events[-1]
    assert evaluation is reviewed.evaluation and evaluation.split == "test"
    summary = load_summary(moons_run)
    assert summary is not None
    assert evaluation.accuracy == pytest.approx(summary["metrics"]["test_accuracy"], abs=1e-12)
    assert evaluation.boundary is not None and len(evaluation.samples) == 12  # the detailed evaluation
    assert evaluation.epoch == 2 and reviewed.epochs_done == 3
    assert reviewed.steps_per_epoch == summary["steps"] // 3

    snapshot = events[-2]
    assert snapshot.epoch == 2
    predictor = Predictor.from_snapshot(snapshot)  # as the Try tab builds it
    saved = Predictor.load(moons_run)
    point = evaluation.samples[0].input.view(1, 2)
    assert predictor.outputs(point).tolist() == saved.outputs(point).tolist()


def test_a_run_training_now_is_refused_naming_it(moons_run):
    lock = RunLock.acquire(moons_run)
    try:
        with pytest.raises(RunInUse, match="being trained") as caught:
            review_run(moons_run, lambda event: None)
        assert str(moons_run) in str(caught.value)
    finally:
        lock.release()


def test_a_run_without_weights_or_data_is_refused_in_one_line(moons_run, tmp_path):
    copy = Path(shutil.copytree(moons_run, tmp_path / moons_run.name))
    (copy / "model.pt").unlink()
    with pytest.raises(ReviewError) as caught:
        review_run(copy, lambda event: None)
    message = str(caught.value)
    assert str(copy) in message and "has no model.pt" in message and "resumes it from last.pt" in message
    assert "\n" not in message

    with pytest.raises(ReviewError, match="no run directory"):
        review_run(tmp_path / "gone", lambda event: None)


def test_a_csv_regression_whose_file_is_gone_is_refused_and_one_that_is_there_opens(tmp_path):
    data = write_price_csv(tmp_path / "price.csv", n=90)
    run = train(tmp_path / "runs", f"dataset.name=csv:{data}", "dataset.target=price", "train.epochs=1")
    events: list = []
    reviewed = review_run(run, events.append)
    assert reviewed.evaluation.regression is not None and reviewed.evaluation.accuracy is None
    assert isinstance(events[-1], Evaluation) and isinstance(events[-2], ModelSnapshot)

    data.unlink()
    with pytest.raises(ReviewError) as caught:
        review_run(run, lambda event: None)
    assert str(caught.value).startswith(f"cannot build the data of {run}")
    assert "\n" not in str(caught.value)


def test_a_conv_runs_latest_statistics_get_its_filters_and_feature_maps_drawn_again(tmp_path):
    root = write_image_folder(tmp_path / "shapes", per_class=8)
    run = train(
        tmp_path / "runs",
        f"dataset.name=folder:{root}",
        "dataset.image_size=8",
        "dataset.grayscale=true",
        "dataset.batch_size=8",
        "model.layers=conv4,pool,fc8",
        "train.epochs=1",
    )
    events: list = []
    review_run(run, events.append)
    stats = [e for e in events if isinstance(e, ModelStats)]
    assert stats and stats[-1].feature_maps  # model_stats.jsonl keeps the summaries only...
    assert stats[-1].filters is not None and stats[-1].filters.weights.shape[0] == 4  # ...drawn again
    assert [m.name for m in stats[-1].feature_map_arrays] == [m.name for m in stats[-1].feature_maps]
