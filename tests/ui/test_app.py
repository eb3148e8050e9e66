"""Pilot tests: the real keys, on the real engine, with tiny toy runs."""

import json
from pathlib import Path

import pytest
import torch
from textual.widgets import Button, Input, Select

from tests.ui.conftest import (
    field_error,
    log_of,
    meta_loaded,
    notifications,
    screen_text,
    static_text,
    wait_for,
)
from tui_trainer.engine.config import TrainConfig
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.help_screen import HelpScreen
from tui_trainer.ui.launch import resume_note
from tui_trainer.ui.loss_plot import LossPlot
from tui_trainer.ui.runs_screen import RunsScreen
from tui_trainer.ui.samples_view import SampleGrid
from tui_trainer.ui.setup import SetupColumn

CLEAR = ("home", "ctrl+k")  # Input: cursor to start, delete to the end


@pytest.mark.slow
async def test_default_app_opens_on_digits_and_edits_model_and_dataset(tmp_path):
    config = TrainConfig()
    config.train.output_dir = str(tmp_path)
    app = TrainerApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "digits"), what="digits metadata")
        assert "10 classes" in static_text(app, "#dataset-info")
        assert "6,570" in static_text(app, "#model-summary")

        await pilot.press("m")  # focus the hidden sizes, text selected
        assert app.focused is app.query_one("#cfg-model-hidden", Input)
        await pilot.press(*"128,64")
        assert setup.config.model.hidden == [128, 64]
        # 64*128+128 + 128*64+64 + 64*10+10
        assert "17,226" in static_text(app, "#model-summary")

        await pilot.press(*CLEAR, *"12,x")
        assert app.query_one("#cfg-model-hidden", Input).value == "12,x"
        assert "model.hidden must be an integer" in field_error(app, "model.hidden")
        assert app.query_one("#start", Button).disabled
        await pilot.press("escape", "s")
        assert app.worker is None, "start must be refused while a field is invalid"

        await pilot.press("m")
        await pilot.press(*"32")
        assert field_error(app, "model.hidden") == ""
        assert not app.query_one("#start", Button).disabled

        # Dataset select: open it, move to "moons", choose it.
        await pilot.press("escape", "d", "enter")
        pick = app.query_one("#cfg-ui-dataset_pick", Select)
        options = [value for _, value in pick.offered]
        for _ in range(options.index("moons") - options.index("digits")):
            await pilot.press("down")
        await pilot.press("enter")
        await wait_for(pilot, lambda: setup.config.dataset.name == "moons", what="dataset change")
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        assert "2 classes" in static_text(app, "#dataset-info")
        assert app.query_one("#cfg-dataset-name", Input).value == "moons"


async def test_invalid_batch_size_and_loss_mismatch_are_shown_next_to_fields(tmp_path):
    config = TrainConfig()
    config.train.output_dir = str(tmp_path)
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: meta_loaded(app, "digits"), what="digits metadata")
        batch = app.query_one("#cfg-dataset-batch_size", Input)
        batch.focus()
        await pilot.press(*CLEAR, *"99999")
        assert "larger than the training split" in field_error(app, "dataset.batch_size")
        await pilot.press(*CLEAR, *"-1")
        assert "batch_size must be a positive integer" in field_error(app, "dataset.batch_size")
        assert setup.problems
        await pilot.press("ctrl+s")  # Ctrl+S starts from inside a field, unless something is wrong
        assert app.worker is None
        await pilot.press("enter")  # Enter in a field moves to the next one
        assert app.focused is not batch and app.worker is None
        batch.focus()
        await pilot.press(*CLEAR, *"32")
        assert not setup.problems

        # A regression loss on class labels is offered only with one-hot targets.
        loss = app.query_one("#cfg-loss-name", Select)
        assert not loss.offers("mse")
        setup.set_value("loss.one_hot", True)
        await pilot.pause(0.1)
        assert loss.offers("mse")
        setup.set_value("loss.name", "mse")
        await pilot.pause(0.1)
        assert not setup.problems
        setup.set_value("loss.one_hot", False)
        await pilot.pause(0.1)
        assert "one-hot" in field_error(app, "loss.name")


async def test_training_run_fills_plot_confusion_and_samples(make_config):
    config = make_config(epochs=3)
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the run to finish")
        finished = app.view.finished
        assert finished.status == "completed", finished.reason
        plot = app.query_one(LossPlot)
        assert plot.raw.count == app.view.started.total_steps
        assert [p.epoch for p in plot.epochs] == [1, 2, 3]
        assert any("loss" in line for line in plot.text_lines())
        await pilot.press("c")
        shown = screen_text(app)
        assert "test accuracy" in shown and "true\\pred" in shown and "precision" in shown
        grid = app.query_one(SampleGrid)
        assert grid.evaluation is None  # a hidden tab is drawn when it is shown
        await pilot.press("v")
        assert grid.evaluation is not None and grid.evaluation.boundary is not None
        await pilot.press("e")
        assert all(not s.correct for s in grid.visible_samples())
        await pilot.press("a")
        assert plot.show_accuracy
        run_dir = Path(finished.run_dir)
        assert (run_dir / "model.pt").exists() and (run_dir / "config.toml").exists()
        assert len((run_dir / "metrics.jsonl").read_text().splitlines()) == 3
        assert json.loads((run_dir / "summary.json").read_text())["status"] == "completed"
        log_text = "".join(line.text for line in app.query_one("#log").lines)
        assert str(run_dir) in log_text
        assert not app.query_one(SetupColumn).locked


@pytest.mark.slow
async def test_pause_resume_stop_and_locked_setup(make_config):
    config = make_config(epochs=100_000)  # stopped long before the end
    app = TrainerApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        setup = app.query_one(SetupColumn)
        setup.scroll_end(animate=False)  # the banner must show however far the column is scrolled
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.epochs_seen >= 1, what="the first epoch")
        assert setup.locked and app.query_one("#panel-model").disabled
        banner = app.query_one("#lock-banner")
        assert setup.scroll_y > 0 and setup.content_region.contains_region(banner.region)
        assert "x stops the run, then edit (r restarts)" in " ".join(static_text(app, "#lock-banner").split())
        await pilot.press("m")  # editing is refused with a message, not silently
        assert app.focused is None or app.focused.id != "cfg-model-hidden"
        assert any("locked while training" in str(n.message) for n in notifications(app))

        await pilot.press("p")
        await wait_for(pilot, lambda: app.view.state == "paused", what="the pause")
        assert app.control.paused
        assert "paused" in static_text(app, "#progress-line")
        step = app.view.last_batch.step
        await pilot.pause(0.3)
        assert app.view.last_batch.step == step

        await pilot.press("p")
        await wait_for(pilot, lambda: "resumed at step" in log_of(app), what="the resume")
        assert not app.control.paused
        await pilot.press("x")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the stop")
        assert app.view.finished.status == "stopped"
        assert not setup.locked
        summary = json.loads((Path(app.view.finished.run_dir) / "summary.json").read_text())
        assert summary["status"] == "stopped"


async def test_quit_when_idle_exits_0(make_config):
    app = TrainerApp(make_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_value == 0


async def test_quit_mid_run_stops_and_saves_the_run(make_config, tmp_path):
    config = make_config(epochs=100_000)  # stopped long before the end
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.epochs_seen >= 2, what="two epochs")
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_value == 130  # interrupted, as in --batch
    (run_dir,) = list((tmp_path / "runs").iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "stopped"
    metrics = (run_dir / "metrics.jsonl").read_text().splitlines()
    assert len(metrics) == summary["epochs_done"] >= 2
    assert (run_dir / "model.pt").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA to fail the device")
async def test_failed_run_is_reported_and_app_stays_usable(make_config):
    config = make_config(epochs=2)
    config.train.device = "cuda"
    app = TrainerApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the failure")
        assert app.view.finished.status == "failed"
        log_text = "".join(line.text for line in app.query_one("#log").lines)
        assert "run failed" in log_text and "cuda" in log_text
        assert any(n.severity == "error" for n in notifications(app))
        setup = app.query_one(SetupColumn)
        assert not setup.locked
        setup.set_value("train.device", "cpu")
        await pilot.pause(0.1)
        await pilot.press("r")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the second run")
        assert app.view.finished.status == "completed"


async def test_help_screen_and_command_palette(tmp_path):
    config = TrainConfig()
    config.train.output_dir = str(tmp_path)
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert static_text(app, "#progress-line") == "ready — press s to train, ? for help"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        assert app.screen.__class__.__name__ == "CommandPalette"
        await pilot.press(*"help", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help from the palette")


@pytest.mark.slow
async def test_custom_dataset_name_with_missing_file_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = TrainConfig()
    config.train.output_dir = str(tmp_path)
    app = TrainerApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "digits"), what="digits metadata")
        name = app.query_one("#cfg-dataset-name", Input)
        name.focus()
        await pilot.press(*CLEAR, *"csv:missing.csv")
        setup = app.query_one(SetupColumn)
        await wait_for(pilot, lambda: bool(setup.problems), what="the missing-file problem")
        assert app.query_one("#cfg-ui-dataset_pick", Select).value is Select.NULL
        assert "missing.csv" in " ".join(setup.problems)
        assert app.query_one("#start", Button).disabled
        await pilot.press(*CLEAR, *"spirals")
        await wait_for(pilot, lambda: meta_loaded(app, "spirals"), what="spirals metadata")
        assert app.query_one("#cfg-ui-dataset_pick", Select).value == "spirals"
        assert not setup.problems


async def test_exploding_loss_fails_cleanly(make_config):
    config = make_config(epochs=3)
    config.optimizer.name = "sgd"
    config.optimizer.lr = 100.0  # the largest allowed; plain SGD on moons diverges at it
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the run to end")
        assert app.view.finished.status == "failed"
        assert "lower the learning rate" in app.view.finished.reason
        log_text = "".join(line.text for line in app.query_one("#log").lines)
        assert "run failed" in log_text
        assert "failed" in static_text(app, "#progress-line")
        assert not app.query_one(SetupColumn).locked


@pytest.mark.slow
async def test_restart_stops_the_run_and_starts_a_new_one(make_config):
    config = make_config(epochs=100_000)
    app = TrainerApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.epochs_seen >= 1, what="the first epoch")
        first_dir = app.view.started.run_dir
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.view.started is not None and app.view.started.run_dir != first_dir,
            what="the restarted run",
        )
        assert json.loads((Path(first_dir) / "summary.json").read_text())["status"] == "stopped"
        assert app.query_one(SetupColumn).locked
        await pilot.press("x")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the stop")
        assert app.view.finished.status == "stopped"


async def test_ctrl_q_quits_outside_a_field_and_from_the_runs_screen(make_config):
    app = TrainerApp(make_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="the Runs screen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, RunsScreen), what="the main screen")
        assert app.focused is None
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, timeout=10, what="ctrl+q to quit")
    assert app.return_value == 0

    app = TrainerApp(make_config())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="the Runs screen")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, timeout=10, what="ctrl+q to quit")
    assert app.return_value == 0


async def test_ctrl_q_mid_run_stops_saves_and_names_the_resume_command(make_config, tmp_path):
    app = TrainerApp(make_config(epochs=100_000))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.epochs_seen >= 1, what="the first epoch")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_value == 130  # a cut-off run, as with q
    (run_dir,) = list((tmp_path / "runs").iterdir())
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "stopped" and (run_dir / "model.pt").exists()
    where, command = resume_note(app).splitlines()
    assert str(run_dir) in where and f"after epoch {summary['epochs_done']}" in where
    assert command == f"resume with: tui-trainer --resume {run_dir}"
