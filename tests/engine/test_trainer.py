import json
import math
import threading
import time

import pytest
import torch

from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.events import (
    BatchEnd,
    EpochEnd,
    Evaluation,
    RunFinished,
    RunPaused,
    RunResumed,
    RunStarted,
)
from tui_trainer.engine.rundir.weights import load_model
from tui_trainer.engine.trainer import Trainer, TrainingControl, train


def toy_config(runs_dir, **sections) -> TrainConfig:
    config = TrainConfig()
    config.dataset.name = "moons"
    config.dataset.n_samples = 600
    config.dataset.batch_size = 32
    config.model.hidden = [32, 32]
    config.optimizer.lr = 0.01
    config.train.epochs = 15
    config.train.output_dir = str(runs_dir)
    config.train.device = "cpu"
    for assignment in sections.get("overrides", []):
        config.set(assignment)
    return config


class Recorder:
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def __call__(self, event):
        with self.lock:
            self.events.append(event)

    def of(self, kind):
        with self.lock:
            return [e for e in self.events if isinstance(e, kind)]


def test_two_d_toy_learns_above_90_percent(runs_dir):
    rec = Recorder()
    result = train(toy_config(runs_dir), rec)
    assert result.status == "completed", result.reason
    assert result.metrics["val_accuracy"] > 0.9
    assert result.metrics["test_accuracy"] > 0.9
    started = rec.of(RunStarted)
    assert len(started) == 1 and rec.events.index(started[0]) < rec.events.index(rec.of(BatchEnd)[0])
    assert started[0].param_count == 2 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2
    assert len(rec.of(EpochEnd)) == 15
    assert isinstance(rec.events[-1], RunFinished)


def test_spirals_reach_90_percent(runs_dir):
    config = toy_config(
        runs_dir,
        overrides=["dataset.name=spirals", "model.hidden=64,64", "train.epochs=60", "dataset.noise=0.05"],
    )
    result = train(config)
    assert result.metrics["val_accuracy"] > 0.9, result.metrics


def test_evaluation_events_carry_views(runs_dir):
    rec = Recorder()
    train(toy_config(runs_dir, overrides=["train.epochs=2", "train.n_samples_shown=8"]), rec)
    val = [e for e in rec.of(Evaluation) if e.split == "val"]
    assert len(val) == 2
    last = val[-1]
    assert last.confusion.shape == (2, 2)
    assert int(last.confusion.sum()) == 120
    assert abs(last.accuracy - float(last.confusion.diag().sum()) / 120) < 1e-12
    assert len(last.samples) == 8 and all(0 <= s.confidence <= 1 for s in last.samples)
    assert last.boundary is not None and last.boundary.classes.shape == (40, 80)
    assert set(last.boundary.classes.unique().tolist()) <= {0, 1}
    assert [e.split for e in rec.of(Evaluation)][-1] == "test"
    batches = rec.of(BatchEnd)
    steps = [s for b in batches for s in range(b.first_step, b.first_step + len(b.step_losses))]
    assert steps == list(range(1, batches[-1].step + 1))  # every step's loss is reported once


def test_regression_run(runs_dir):
    rec = Recorder()
    config = toy_config(
        runs_dir, overrides=["dataset.name=linear", "loss.name=mse", "train.epochs=20", "dataset.noise=0.05"]
    )
    result = train(config, rec)
    assert result.status == "completed", result.reason
    assert result.metrics["val_r2"] > 0.95
    assert result.metrics["train_accuracy"] is None
    last = [e for e in rec.of(Evaluation) if e.split == "val"][-1]
    assert last.confusion is None and last.regression is not None
    assert last.regression.inputs.shape == last.regression.targets.shape


def test_same_seed_gives_identical_metrics(runs_dir):
    config = toy_config(runs_dir, overrides=["train.epochs=3", "model.dropout=0.2"])
    first, second = Recorder(), Recorder()
    Trainer(config, first, write_run_dir=False).run()
    Trainer(config, second, write_run_dir=False).run()

    def numbers(rec):
        return [(e.train_loss, e.val_loss, e.train_accuracy, e.val_accuracy) for e in rec.of(EpochEnd)]

    assert numbers(first) == numbers(second)
    other = toy_config(runs_dir, overrides=["train.epochs=3", "model.dropout=0.2", "train.seed=1"])
    third = Recorder()
    Trainer(other, third, write_run_dir=False).run()
    assert numbers(third) != numbers(first)


def test_pause_resume_stop_from_another_thread(runs_dir):
    config = toy_config(runs_dir, overrides=["train.epochs=100000", "train.report_every_ms=10"])
    rec = Recorder()
    control = TrainingControl()
    results = []
    worker = threading.Thread(target=lambda: results.append(Trainer(config, rec, control).run()))
    worker.start()
    try:
        _wait_for(lambda: len(rec.of(BatchEnd)) >= 2)
        control.pause()
        _wait_for(lambda: rec.of(RunPaused))
        assert control.paused
        steps_at_pause = rec.of(RunPaused)[0].step
        time.sleep(0.3)
        assert all(b.step <= steps_at_pause for b in rec.of(BatchEnd))
        control.resume()
        _wait_for(lambda: rec.of(RunResumed))
        _wait_for(lambda: any(b.step > steps_at_pause for b in rec.of(BatchEnd)))
    finally:
        control.stop()
        worker.join(timeout=30)
    assert not worker.is_alive()
    (result,) = results
    assert result.status == "stopped"
    assert "stopped by user" in result.reason
    summary = json.loads((runs_dir.glob("*/summary.json").__next__()).read_text())
    assert summary["status"] == "stopped"


def test_stop_while_paused(runs_dir):
    config = toy_config(runs_dir, overrides=["train.epochs=100000", "train.report_every_ms=10"])
    rec, control, results = Recorder(), TrainingControl(), []
    worker = threading.Thread(target=lambda: results.append(Trainer(config, rec, control).run()))
    worker.start()
    _wait_for(lambda: rec.of(BatchEnd))
    control.pause()
    _wait_for(lambda: rec.of(RunPaused))
    control.stop()
    worker.join(timeout=30)
    assert results[0].status == "stopped"


def test_nan_loss_stops_with_clear_reason(runs_dir):
    config = toy_config(
        runs_dir, overrides=["dataset.name=linear", "loss.name=mse", "optimizer.name=sgd", "optimizer.lr=100"]
    )
    result = train(config)
    assert result.status == "failed"
    assert result.reason.startswith("loss became")
    assert "lower the learning rate" in result.reason
    step = int(result.reason.split("at step ")[1].split()[0])
    assert 1 <= step < 50
    assert not list(runs_dir.glob("*/model.pt"))  # no garbage weights saved
    summary = json.loads(next(runs_dir.glob("*/summary.json")).read_text())
    assert summary["status"] == "failed"


def test_nan_loss_on_cpu_is_caught_at_its_own_step_before_the_update(runs_dir):
    # Reports every minute: on the CPU the check must not wait for a report.
    config = toy_config(
        runs_dir,
        overrides=[
            "dataset.name=linear",
            "loss.name=mse",
            "optimizer.name=sgd",
            "optimizer.lr=100",
            "train.report_every_ms=60000",
        ],
    )
    trainer = Trainer(config, write_run_dir=False)
    result = trainer.run()
    assert result.status == "failed" and result.reason.startswith("loss became")
    step = int(result.reason.split("at step ")[1].split()[0])
    assert trainer.progress.step == step - 1  # the bad step was refused, not applied
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        (["dataset.batch_size=5000"], "dataset.batch_size 5000 is larger than the training split"),
        (["dataset.name=linear", "loss.name=cross_entropy"], "loss cross_entropy needs class labels"),
        (["loss.name=mse"], "needs one-hot targets: set loss.one_hot = true"),
        (
            ["dataset.name=blobs", "loss.name=bce_with_logits"],
            "bce_with_logits is binary but the dataset has 4 classes",
        ),
        (["dataset.name=nope"], "unknown dataset.name 'nope'"),
    ],
)
def test_data_dependent_config_errors(runs_dir, overrides, fragment):
    result = train(toy_config(runs_dir, overrides=overrides))
    assert result.status == "failed"
    assert fragment in result.reason and "\n" not in result.reason
    assert not runs_dir.exists() or not list(runs_dir.iterdir())


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_unavailable_device(runs_dir):
    result = train(toy_config(runs_dir, overrides=["train.device=cuda"]))
    assert result.status == "failed"
    assert "cuda requested but torch.cuda.is_available() is False" in result.reason


def test_early_stopping(runs_dir):
    config = toy_config(runs_dir, overrides=["train.epochs=200", "train.patience=3", "optimizer.lr=0.05"])
    rec = Recorder()
    result = train(config, rec)
    epochs = rec.of(EpochEnd)
    assert result.status == "early_stopped"
    assert len(epochs) < 200
    assert not any(e.improved for e in epochs[-3:])
    best = min(e.val_loss for e in epochs)
    assert result.metrics["best_val_loss"] == best


def test_dataloader_path_trains_like_tensor_path(runs_dir):
    tensor = train(toy_config(runs_dir, overrides=["train.epochs=5"]), write_run_dir=False)
    loader = train(
        toy_config(
            runs_dir, overrides=["train.epochs=5", "dataset.loader=dataloader", "dataset.num_workers=0"]
        ),
        write_run_dir=False,
    )
    assert loader.status == "completed"
    assert abs(loader.metrics["val_accuracy"] - tensor.metrics["val_accuracy"]) < 0.1


def test_batch_norm_with_single_sample_last_batch(runs_dir):
    # 600 * 0.7 = 420 train samples; 420 % 419 == 1 leaves a batch of one, which BatchNorm rejects.
    result = train(
        toy_config(runs_dir, overrides=["model.batch_norm=true", "dataset.batch_size=419", "train.epochs=1"]),
        write_run_dir=False,
    )
    assert result.status == "completed", result.reason


def test_run_directory_files(runs_dir):
    config = toy_config(runs_dir, overrides=["train.epochs=3"])
    result = train(config)
    run = runs_dir / result.run_dir.split("/")[-1]
    assert sorted(p.name for p in run.iterdir()) == [
        "best.pt",
        "config.toml",
        "last.pt",
        "metrics.jsonl",
        "model.pt",
        "model_stats.jsonl",
        "preprocessing.json",
        "summary.json",
    ]
    # The saved config records the loss `auto` resolved to, so a resume trains with the same one.
    expected = config.copy()
    expected.loss.name = "cross_entropy"
    expected.dataset.augment = "none"  # and `auto` augmentation, decided for a table
    assert config.loss.name == "auto" and TrainConfig.load(run / "config.toml") == expected
    lines = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in lines] == [1, 2, 3]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["versions"]["torch"] == torch.__version__
    assert math.isclose(summary["metrics"]["val_accuracy"], lines[-1]["val_accuracy"])
    model, loaded_config, meta = load_model(run)
    assert loaded_config == expected and meta.n_classes == 2
    assert model(torch.zeros(4, 2)).shape == (4, 2)


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("condition not met in time")


def test_progress_reports_keep_their_interval_across_epoch_ends_and_lose_no_step(runs_dir):
    # Tiny epochs (5 steps, far under the interval): epoch ends must not add reports, and
    # reports must still come during the run, not only at its end.
    config = toy_config(
        runs_dir,
        overrides=[
            "dataset.name=xor",
            "dataset.n_samples=200",
            "train.epochs=400",
            "train.report_every_ms=50",
        ],
    )
    reports = []
    started = time.perf_counter()
    result = Trainer(
        config,
        lambda e: reports.append((time.perf_counter(), e)) if isinstance(e, BatchEnd) else None,
        write_run_dir=False,
    ).run()
    seconds = time.perf_counter() - started
    assert result.status == "completed"
    # The run's last report closes it: not a gap of the cadence.
    gaps = [b[0] - a[0] for a, b in zip(reports, reports[1:-1], strict=False)]
    assert all(gap >= 0.05 for gap in gaps), gaps
    # About one report per interval (each waits for a step past the deadline, and an epoch's
    # evaluation can delay it): at least a third of the run's length in intervals.
    assert len(reports) >= seconds / 0.05 / 3, (len(reports), seconds)
    steps = [s for _, e in reports for s in range(e.first_step, e.first_step + len(e.step_losses))]
    assert steps == list(range(1, reports[-1][1].total_steps + 1))
    assert all(0 <= e.accuracy <= 1 for _, e in reports)
