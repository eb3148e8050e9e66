"""A run that fails inside training (here a NaN loss, on any machine) leaves the app usable:
the failure is shown, the setup unlocks, the failed run's files say so, and a fixed run trains."""

import json
from pathlib import Path

from tests.ui.conftest import notifications, wait_for
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.setup import SetupColumn


async def test_nan_loss_is_reported_and_a_fixed_run_then_trains(make_config):
    config = make_config(epochs=3)
    config.dataset.name = "linear"
    config.loss.name = "mse"
    config.optimizer.name = "sgd"
    config.optimizer.lr = 100.0  # diverges within a few steps
    app = TrainerApp(config)
    async with app.run_test(size=(100, 30)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(
            pilot, lambda: setup.meta is not None and setup.meta.name == "linear", what="linear metadata"
        )
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the failure")
        failed = app.view.finished
        assert failed.status == "failed" and "lower the learning rate" in failed.reason
        assert any(n.severity == "error" and "loss became" in n.message for n in notifications(app))
        assert not setup.locked
        failed_dir = Path(failed.run_dir)
        assert json.loads((failed_dir / "summary.json").read_text())["status"] == "failed"
        assert not (failed_dir / "model.pt").exists()  # no diverged weights saved as the result

        setup.set_value("optimizer.lr", 0.01)
        await pilot.pause(0.1)
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.view.finished is not None and app.view.finished is not failed,
            what="the second run",
        )
        assert app.view.finished.status == "completed"
        assert app.view.finished.run_dir != failed.run_dir


async def test_app_ending_while_a_run_is_paused_stops_the_run(make_config):
    """However the app ends (here app.exit(), the path a crash takes, not q), the run is told
    to stop; a paused worker left waiting would block the worker executor's shutdown forever."""
    app = TrainerApp(make_config(epochs=100_000))
    async with app.run_test(size=(100, 30)) as pilot:
        setup = app.query_one(SetupColumn)
        await wait_for(
            pilot, lambda: setup.meta is not None and setup.meta.name == "moons", what="moons metadata"
        )
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.epochs_seen >= 1, what="the first epoch")
        await pilot.press("p")
        await wait_for(pilot, lambda: app.view.state == "paused", what="the pause")
        control = app.control
        app.exit()
    assert control.stop_requested and not control.paused
