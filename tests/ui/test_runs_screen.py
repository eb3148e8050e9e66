"""The Runs screen, driven by real keys, on run directories the engine wrote (and a damaged one)."""

import json
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input

from tests.ui.conftest import notifications, toy_config, wait_for
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.trainer import train
from tui_trainer.runs_table import collect_runs, format_sweep
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.resume_dialog import ResumeDialog
from tui_trainer.ui.runs_plot import ComparePlot
from tui_trainer.ui.runs_screen import RunsScreen
from tui_trainer.ui.setup import SetupColumn

CLEAR = ("home", "ctrl+k")
SWEEP = "sweep-20250101-120000"


def make_run(output_dir: Path, name: str, **overrides) -> Path:
    config = toy_config(output_dir, **overrides)
    config.train.run_name = name
    finished = train(config)
    assert finished.status == "completed", finished.reason
    return Path(finished.run_dir)


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory) -> Path:
    """Two single runs, a sweep of one point, and a damaged directory, read-only for the tests."""
    root = tmp_path_factory.mktemp("history") / "runs"
    make_run(root, "alpha", epochs=2, optimizer__lr=0.01)
    make_run(root, "beta", epochs=3, optimizer__lr=0.001, model__hidden=[8])
    point = make_run(root / SWEEP, "p1-lr3e-3", epochs=2, optimizer__lr=0.003)
    summary = json.loads((point / "summary.json").read_text())
    summary["sweep"] = {
        "name": SWEEP,
        "dir": str(root / SWEEP),
        "index": 1,
        "points": 1,
        "params": {"optimizer.lr": "3e-3"},
    }
    (point / "summary.json").write_text(json.dumps(summary))
    broken = root / "20250101-000000-broken"
    broken.mkdir()
    (broken / "config.toml").write_text("[model\nhidden = ")
    (broken / "metrics.jsonl").write_text(
        '{"epoch": 1, "train_loss": 0.5, "val_loss": 0.6}\n{"epoch": 2, "tra'
    )
    return root


def app_on(root: Path) -> TrainerApp:
    return TrainerApp(toy_config(root))


def names(screen: RunsScreen) -> list[str]:
    return [row.record.name.split("-", 2)[-1] for row in screen.rows]


async def open_runs(pilot) -> RunsScreen:
    await pilot.press("R")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, RunsScreen), what="the Runs screen")
    return pilot.app.screen


async def move_to(pilot, screen: RunsScreen, name: str) -> None:
    target = names(screen).index(name)
    while screen.table.cursor_row != target:
        await pilot.press("down" if screen.table.cursor_row < target else "up")


def test_collect_runs_finds_sweep_runs_and_keeps_damaged_ones(runs_root):
    rows = {row.record.name.split("-", 2)[-1]: row for row in collect_runs(runs_root)}
    assert set(rows) == {"alpha", "beta", "p1-lr3e-3", "broken"}
    assert rows["p1-lr3e-3"].sweep == SWEEP and format_sweep(rows["p1-lr3e-3"]) == "12:00:00 #1"
    assert rows["p1-lr3e-3"].sweep_params == "optimizer.lr=3e-3"
    broken = rows["broken"].record
    assert broken.status == "incomplete" and "unreadable line" in broken.problem
    assert rows["beta"].record.epochs == 3 and rows["beta"].record.best_val_accuracy is not None


async def test_runs_screen_lists_sorts_and_shows_problems(runs_root):
    app = app_on(runs_root)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_runs(pilot)
        assert len(screen.rows) == 4 and screen.table.row_count == 4
        # Newest first, the sweep's run as its own block, the damaged run listed too.
        assert set(names(screen)) == {"alpha", "beta", "p1-lr3e-3", "broken"}

        await move_to(pilot, screen, "broken")
        detail = str(screen.query_one("#runs-detail").render())
        assert "unreadable line" in detail and "incomplete" in detail

        await pilot.press("A")  # Shift+A: the best val acc column
        accuracies = [row.record.best_val_accuracy for row in screen.rows]
        known = [a for a in accuracies if a is not None]
        assert known == sorted(known, reverse=True) and accuracies[-1] is None  # unknown last
        assert "best val acc ↓" in str(screen.query_one("#runs-title").render())
        await pilot.press("A")  # again: reversed
        known_now = [
            r.record.best_val_accuracy for r in screen.rows if r.record.best_val_accuracy is not None
        ]
        assert known_now == sorted(known, reverse=False)
        first_cell = screen.table.get_row_at(0)[1]
        assert str(first_cell) == names(screen)[0]  # the table follows the order

        await pilot.press("N")
        assert names(screen) == sorted(names(screen))

        await pilot.press("r")  # refresh re-reads the directory, keeping the order
        assert len(screen.rows) == 4 and names(screen) == sorted(names(screen))
        await pilot.press("escape")
        assert not isinstance(app.screen, RunsScreen)


async def test_marking_two_runs_overlays_their_loss_curves(runs_root):
    app = app_on(runs_root)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_runs(pilot)
        plot = screen.query_one(ComparePlot)
        await move_to(pilot, screen, "alpha")
        await pilot.press("space")
        await move_to(pilot, screen, "beta")
        await pilot.press("space")
        assert len(screen.marked) == 2
        assert sorted(label for label, _ in plot.runs) == ["alpha", "beta"]
        assert {"alpha val", "beta val", "alpha train", "beta train"} <= set(plot.labels)
        drawn = "\n".join(plot.text_lines())
        assert "alpha val" in drawn and "beta val" in drawn
        epochs = {label: curves.epochs for label, curves in plot.runs}
        assert epochs == {"alpha": [1, 2], "beta": [1, 2, 3]}
        assert "2 marked" in str(screen.query_one("#runs-title").render())

        await move_to(pilot, screen, "alpha")
        await pilot.press("space")  # unmark
        assert [label for label, _ in plot.runs] == ["beta"]


async def test_load_puts_a_runs_config_into_the_setup_panels(runs_root):
    app = app_on(runs_root)
    async with app.run_test(size=(100, 30)) as pilot:
        setup = app.query_one(SetupColumn)
        assert setup.config.model.hidden == [16]
        screen = await open_runs(pilot)
        await move_to(pilot, screen, "beta")
        await pilot.press("l")
        await wait_for(pilot, lambda: not isinstance(app.screen, RunsScreen), what="the screen to close")
        await pilot.pause(0.2)
        assert setup.config.model.hidden == [8]
        assert setup.config.optimizer.lr == 0.001 and setup.config.train.epochs == 3
        assert app.query_one("#cfg-model-hidden", Input).value == "8"
        assert app.query_one("#cfg-optimizer-lr", Input).value == "0.001"
        assert app.query_one("#cfg-train-epochs", Input).value == "3"
        assert setup.config.train.output_dir == str(runs_root)
        assert not setup.problems

        # A damaged run's config cannot be loaded: an error, the panels unchanged.
        screen = await open_runs(pilot)
        await move_to(pilot, screen, "broken")
        await pilot.press("enter")
        assert isinstance(app.screen, RunsScreen)
        assert any(n.severity == "error" for n in notifications(app))
        assert setup.config.model.hidden == [8]


async def test_resume_from_the_runs_screen_trains_to_the_requested_epochs(tmp_path):
    root = tmp_path / "runs"
    run_dir = make_run(root, "short", epochs=2)
    app = TrainerApp(toy_config(root))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_runs(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ResumeDialog), what="the resume dialog")
        await pilot.press(*CLEAR, "2", "enter")  # not more than it already trained
        assert isinstance(app.screen, ResumeDialog)
        assert "above 2" in str(app.screen.query_one("#resume-error").render())
        await pilot.press(*CLEAR, "4", "enter")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the resumed run")
        finished = app.view.finished
        assert finished.status == "completed", finished.reason
        assert Path(finished.run_dir) == run_dir and app.view.started.start_epoch == 2
        assert len((run_dir / "metrics.jsonl").read_text().splitlines()) == 4
        assert json.loads((run_dir / "summary.json").read_text())["epochs_done"] == 4
        assert [p.epoch for p in app.view.plot.epochs] == [1, 2, 3, 4]  # earlier epochs kept
        assert app.query_one(SetupColumn).config.train.epochs == 4
        assert "resuming" in "".join(line.text for line in app.query_one("#log").lines)
        assert screen is not app.screen


async def test_resume_refused_by_the_engine_shows_its_reason(tmp_path):
    root = tmp_path / "runs"
    run_dir = make_run(root, "edited", epochs=2)
    config_file = run_dir / "config.toml"
    config_file.write_text(config_file.read_text().replace('activation = "relu"', 'activation = "tanh"'))
    app = TrainerApp(toy_config(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_runs(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ResumeDialog), what="the resume dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the refusal")
        assert app.view.finished.status == "failed"
        log_text = "".join(line.text for line in app.query_one("#log").lines)
        assert "model.activation cannot change on resume" in log_text
        assert any("cannot change on resume" in str(n.message) for n in notifications(app))
        assert len((run_dir / "metrics.jsonl").read_text().splitlines()) == 2
        assert not app.query_one(SetupColumn).locked


async def test_tensorboard_switch_sets_the_config_and_logs(tmp_path):
    app = TrainerApp(toy_config(tmp_path / "runs", epochs=1))
    async with app.run_test(size=(100, 30)) as pilot:
        setup = app.query_one(SetupColumn)
        switch = app.query_one("#cfg-train-tensorboard", Checkbox)
        switch.focus()
        await pilot.press("space")
        assert setup.config.train.tensorboard is True
        assert not app.query_one("#tensorboard-info").display  # installed here: no note
        await pilot.press("escape", "s")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the run")
        assert app.view.finished.status == "completed", app.view.finished.reason
        assert list((Path(app.view.finished.run_dir) / "tensorboard").iterdir())


async def test_tensorboard_switch_without_the_package_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr("tui_trainer.ui.setup.tensorboard_available", lambda: False)
    app = TrainerApp(toy_config(tmp_path / "runs"))
    async with app.run_test(size=(100, 30)) as pilot:
        setup = app.query_one(SetupColumn)
        note = app.query_one("#tensorboard-info")
        assert note.display and "pip install" in str(note.render())
        app.query_one("#cfg-train-tensorboard", Checkbox).focus()
        await pilot.press("space")
        assert setup.config.train.tensorboard is True
        assert any("tensorboard package" in p for p in setup.problems)
        assert app.query_one("#start").disabled
        await pilot.press("space")
        assert not setup.problems


def test_loaded_values_are_shown_without_rounding():
    from tui_trainer.engine.config import parse_value
    from tui_trainer.ui.fields import format_value

    assert format_value(0.001) == "0.001" and format_value(3e-4) == "0.0003"
    for value in (1.23456789e-4, 0.1 + 0.2, 12345678.9):
        assert parse_value(format_value(value), float, "optimizer.lr") == value


async def test_damaged_run_directories_each_get_a_damaged_row(tmp_path):
    """Each of these once emptied the whole screen ("0 runs · cannot list …")."""
    root = tmp_path / "runs"
    make_run(root, "good", epochs=1)
    damaged = {
        "bigint": ("config.toml", b"[train]\nepochs = " + b"9" * 5000 + b"\n", "more than 4,300 digits"),
        "deepjson": ("metrics.jsonl", b"[" * 100_000 + b"\n", "1 unreadable line(s) in metrics.jsonl"),
        "latin1": (
            "config.toml",
            '[train]\nrun_name = "café"\n'.encode("latin-1"),
            "config.toml is not UTF-8 text",
        ),
    }
    for i, (name, (file, content, _)) in enumerate(damaged.items()):
        run = root / f"2099010{i}-000000-{name}"
        run.mkdir()
        (run / file).write_bytes(content)
    powershell = root / "20990109-000000-utf16"
    powershell.mkdir()
    (powershell / "config.toml").write_bytes(TrainConfig().to_toml().encode("utf-16"))

    app = app_on(root)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_runs(pilot)
        assert sorted(names(screen)) == sorted(["good", "utf16", *damaged])
        title = str(screen.query_one("#runs-title").render())
        assert "5 runs" in title and "cannot list" not in title
        assert not any(n.severity == "error" for n in notifications(app))
        for name, (_, _, reason) in damaged.items():
            await move_to(pilot, screen, name)
            row = screen.table.get_row_at(screen.table.cursor_row)
            assert str(row[3]) == "damaged" and row[3].style == "red"
            detail = str(screen.query_one("#runs-detail").render())
            assert "! damaged: " in detail and reason in detail, detail
        for name in ("good", "utf16"):
            await move_to(pilot, screen, name)
            assert str(screen.table.get_row_at(screen.table.cursor_row)[3]) != "damaged"
            assert "! damaged" not in str(screen.query_one("#runs-detail").render())
