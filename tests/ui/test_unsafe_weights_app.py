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
        log_text = "".join(line.text for line in app.query_one("#log").lines)
        assert f"{run / 'last.pt'} is not a tui-trainer weights file" in log_text
        assert "not loaded for safety" in log_text
        assert not app.query_one(SetupColumn).locked
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="the Runs screen")
        await pilot.press("l")
        await wait_for(pilot, lambda: not isinstance(app.screen, RunsScreen), what="the loaded config")
        assert app.query_one(SetupColumn).config.train.epochs == 2
    assert not marker.exists()
    assert len((run / "metrics.jsonl").read_text().splitlines()) == 2
