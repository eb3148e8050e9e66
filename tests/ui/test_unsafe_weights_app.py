"""The app's Runs screen never runs code from a shared run directory's weights files."""

import os
from pathlib import Path

import torch

from tests.ui.conftest import toy_config, wait_for
from tui_trainer.engine.trainer import train
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.resume_dialog import ResumeDialog
from tui_trainer.ui.runs_screen import RunsScreen
from tui_trainer.ui.setup import SetupColumn


class _Payload:
    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _hostile_run(root: Path, marker: Path) -> Path:
    config = toy_config(root, epochs=2)
    config.train.run_name = "shared"
    finished = train(config)
    assert finished.status == "completed", finished.reason
    run = Path(finished.run_dir)
    for name in ("model.pt", "last.pt", "best.pt"):
        payload = torch.load(run / name, weights_only=True)
        payload["extra"] = _Payload(marker)
        (run / name).unlink()  # last.pt may be a hard link to best.pt: give each its own file
        torch.save(payload, run / name)
    return run


async def test_runs_screen_resume_and_load_run_no_code(tmp_path):
    root, marker = tmp_path / "runs", tmp_path / "marker"
    run = _hostile_run(root, marker)
    app = TrainerApp(toy_config(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="the Runs screen")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ResumeDialog), what="the resume dialog")
        await pilot.press("home", "ctrl+k", "4", "enter")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the refusal")
        assert app.view.finished.status == "failed"
        # Wrapped log lines are joined without their breaks; compare without white space.
        log_text = "".join("".join(line.text for line in app.query_one("#log").lines).split())
        expected = f"{run / 'last.pt'} is not a tui-trainer weights file (it holds Python objects"
        assert "".join(expected.split()) in log_text
        assert "notloadedforsafety" in log_text
        assert not app.query_one(SetupColumn).locked
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="the Runs screen")
        await pilot.press("l")
        await wait_for(pilot, lambda: not isinstance(app.screen, RunsScreen), what="the loaded config")
        assert app.query_one(SetupColumn).config.train.epochs == 2
    assert not marker.exists()
    assert len((run / "metrics.jsonl").read_text().splitlines()) == 2


async def test_a_run_training_elsewhere_shows_as_running_and_is_not_resumed(tmp_path):
    from tui_trainer.engine.rundir.lock import RunLock

    root = tmp_path / "runs"
    config = toy_config(root, epochs=2)
    config.train.run_name = "live"
    finished = train(config)
    run = Path(finished.run_dir)
    (run / "summary.json").unlink()  # as a run still in its first session looks
    lock = RunLock.acquire(run)  # what the training process holds
    app = TrainerApp(toy_config(root))
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("R")
            await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="the Runs screen")
            screen = app.screen
            [row] = screen.rows
            assert row.record.status == "running" and not row.record.resumable
            detail = str(screen.query_one("#runs-detail").render())
            assert f"being trained by process {os.getpid()}" in detail
            assert "c resumes" not in detail and "incomplete" not in detail
            await pilot.press("c")
            await pilot.pause(0.2)
            assert app.screen is screen  # no resume dialog for a live run
            assert not app.training
    finally:
        lock.release()
