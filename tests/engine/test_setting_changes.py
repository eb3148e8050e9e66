"""Settings changed part-way: while paused (TrainingControl.request_changes) and on resume
(`--resume RUN --set ...`). Each takes effect from the next step, is logged, recorded in
metrics.jsonl and last.pt, and kept by a later resume."""

import json
import math
from pathlib import Path

import pytest

from tests.toy_config import toy_config
from tui_trainer.engine import (
    ConfigError,
    EpochEnd,
    LogMessage,
    RunPaused,
    SettingsChanged,
    TrainConfig,
    Trainer,
    TrainingControl,
    load_curves,
    setting_change_problems,
)
from tui_trainer.engine.callbacks import Callback
from tui_trainer.engine.checkpoint import load_checkpoint

STEPS_PER_EPOCH = 7  # 210 training samples of moons in batches of 32


class LearningRates(Callback):
    """The learning rate of every optimizer update, by the batch number it trained."""

    def __init__(self) -> None:
        self.by_step: dict[int, float] = {}

    def on_run_start(self, trainer) -> None:
        def record(optimizer, args, kwargs):
            self.by_step[trainer.progress.step + 1] = optimizer.param_groups[0]["lr"]

        trainer.optimizer.register_step_pre_hook(record)


def records(run_dir) -> list[dict]:
    return [json.loads(line) for line in (Path(run_dir) / "metrics.jsonl").read_text().splitlines()]


def changes_while_paused(config, changes: dict, pause_after_epoch: int = 1, stop_after_epoch=None):
    """Run `config`, pause after epoch `pause_after_epoch`, request `changes` while paused, resume."""
    control, events, rates = TrainingControl(), [], LearningRates()

    def listener(event):
        events.append(event)
        if isinstance(event, EpochEnd) and event.epoch + 1 == pause_after_epoch:
            control.pause()
        if isinstance(event, EpochEnd) and event.epoch + 1 == stop_after_epoch:
            control.stop()
        if isinstance(event, RunPaused):
            control.request_changes(changes)
            control.resume()

    finished = Trainer(config, listener, control, callbacks=[rates]).run()
    return finished, events, rates


def test_an_lr_changed_while_paused_applies_from_the_next_step_and_is_recorded(tmp_path):
    config = toy_config(tmp_path, "optimizer.lr=0.01", "train.epochs=3")
    finished, events, rates = changes_while_paused(config, {"optimizer.lr": "0.002"})
    assert finished.status == "completed", finished.reason
    # The pause came before epoch 2's first step: every step from there trained with 0.002.
    first_new = STEPS_PER_EPOCH + 1
    assert {rates.by_step[s] for s in range(1, first_new)} == {0.01}
    assert {rates.by_step[s] for s in range(first_new, 3 * STEPS_PER_EPOCH + 1)} == {0.002}
    (changed,) = [e for e in events if isinstance(e, SettingsChanged)]
    assert (changed.epoch, changed.step) == (2, STEPS_PER_EPOCH)
    assert [c.describe() for c in changed.changes] == ["optimizer.lr 0.01 → 0.002"]
    logs = [e.text for e in events if isinstance(e, LogMessage)]
    assert f"changed from step {first_new} (epoch 2): optimizer.lr 0.01 → 0.002" in logs
    lines = records(finished.run_dir)
    assert lines[1] == {
        "type": "change",
        "epoch": 2,
        "step": STEPS_PER_EPOCH,
        "field": "optimizer.lr",
        "old": 0.01,
        "new": 0.002,
    }
    assert [line["epoch"] for line in lines] == [1, 2, 2, 3]
    assert [e["lr"] for e in lines if "type" not in e] == [0.01, 0.002, 0.002]
    curves = load_curves(finished.run_dir)
    assert curves.epochs == [1, 2, 3] and [c.field for c in curves.changes] == ["optimizer.lr"]
    saved = load_checkpoint(finished.run_dir)
    assert saved["config"]["optimizer"]["lr"] == 0.002
    assert saved["callbacks"]["ChangeLog"]["changes"] == [lines[1]]
    assert TrainConfig.load(Path(finished.run_dir) / "config.toml").optimizer.lr == 0.002


def test_a_resume_from_last_pt_keeps_the_change(tmp_path):
    config = toy_config(tmp_path, "optimizer.lr=0.01", "train.epochs=3", "train.checkpoint_every_s=0")
    stopped, _, _ = changes_while_paused(config, {"optimizer.lr": 0.002}, stop_after_epoch=2)
    assert stopped.status == "stopped", stopped.reason
    saved = TrainConfig.load(Path(stopped.run_dir) / "config.toml")
    rates, events = LearningRates(), []
    resumed = Trainer(saved, events.append, resume_from=stopped.run_dir, callbacks=[rates]).run()
    assert resumed.status == "completed", resumed.reason
    assert set(rates.by_step.values()) == {0.002} and min(rates.by_step) == 2 * STEPS_PER_EPOCH + 1
    assert not [e for e in events if isinstance(e, SettingsChanged)], "nothing changed on this resume"
    lines = records(resumed.run_dir)
    assert [(line.get("type"), line["epoch"]) for line in lines] == [
        (None, 1),
        ("change", 2),
        (None, 2),
        (None, 3),
    ]


def test_a_resume_with_set_changes_the_optimizer_and_schedule(tmp_path):
    config = toy_config(tmp_path, "optimizer.lr=0.01", "train.epochs=2", "scheduler.name=step")
    first = Trainer(config.copy()).run()
    longer = config.with_overrides(
        ["train.epochs=4", "optimizer.lr=0.004", "scheduler.name=cosine", "optimizer.clip_grad_norm=0.5"]
    )
    rates, events = LearningRates(), []
    resumed = Trainer(longer, events.append, resume_from=first.run_dir, callbacks=[rates]).run()
    assert resumed.status == "completed", resumed.reason
    assert min(rates.by_step) == 2 * STEPS_PER_EPOCH + 1 and rates.by_step[min(rates.by_step)] == 0.004
    (changed,) = [e for e in events if isinstance(e, SettingsChanged)]
    assert [c.field for c in changed.changes] == [
        "optimizer.lr",
        "optimizer.clip_grad_norm",
        "scheduler.name",
        "train.epochs",
    ]
    lines = records(resumed.run_dir)
    fields = [line["field"] for line in lines if line.get("type") == "change"]
    assert fields == ["optimizer.lr", "optimizer.clip_grad_norm", "scheduler.name"], "run length: log only"
    epochs = [line for line in lines if "type" not in line]
    # A cosine through the lr in use at epoch 3 that reaches 0 after the run's last epoch, 4.
    expected = 0.004 * (1 + math.cos(math.pi * 3 / 4)) / (1 + math.cos(math.pi * 2 / 4))
    assert epochs[2]["lr"] == 0.004 and epochs[3]["lr"] == pytest.approx(expected)
    assert "clipped_fraction" in epochs[3] and "clipped_fraction" not in epochs[1]


def test_a_refused_change_leaves_the_run_as_it_was(tmp_path):
    config = toy_config(tmp_path, "optimizer.lr=0.01", "train.epochs=2", "dataset.batch_size=32")
    finished, events, rates = changes_while_paused(config, {"optimizer.lr": -1, "dataset.batch_size": 5000})
    assert finished.status == "completed"
    assert set(rates.by_step.values()) == {0.01}
    errors = [e.text for e in events if isinstance(e, LogMessage) and e.level == "error"]
    assert len(errors) == 1 and errors[0].startswith("settings not changed: optimizer.lr must be > 0")
    assert not [e for e in events if isinstance(e, SettingsChanged)]
    with pytest.raises(ConfigError, match="model.hidden cannot change during a run"):
        TrainingControl().request_changes({"model.hidden": [8]})


def test_a_batch_size_or_epoch_count_change_applies_at_the_next_epoch(tmp_path):
    config = toy_config(tmp_path, "train.epochs=2", "dataset.batch_size=32")
    finished, events, _ = changes_while_paused(config, {"dataset.batch_size": 70, "train.epochs": 3})
    assert finished.status == "completed" and finished.epochs_done == 3
    # Epoch 1: 7 batches of 32; epoch 2 (paused at its first batch) still 7; epoch 3: 3 of 70.
    assert json.loads((Path(finished.run_dir) / "summary.json").read_text())["steps"] == 7 + 7 + 3
    assert [e.epochs for e in events if isinstance(e, EpochEnd)] == [2, 3, 3]


def test_change_problems_are_named_under_their_fields():
    config = toy_config("runs", "train.epochs=10", "model.batch_norm=true")
    assert setting_change_problems(config, {"optimizer.lr": "3e-4", "train.epochs": 12}, epochs_done=4) == []
    problems = {
        p.field: p.message for p in setting_change_problems(config, {"train.epochs": 3}, epochs_done=4)
    }
    assert problems == {"train.epochs": "train.epochs must be above the 4 epochs already trained, got 3"}
    (problem,) = setting_change_problems(config, {"dataset.batch_size": 1})
    assert problem.field == "model.batch_norm", "the change causes a problem elsewhere"
    (problem,) = setting_change_problems(config, {"optimizer.name": "sgd"})
    assert problem.field == "optimizer.name" and "cannot change during a run" in problem.message
    (problem,) = setting_change_problems(config, {"optimizer.betas": "0.9"})
    assert problem.field == "optimizer.betas" and "two numbers" in problem.message
