"""`tui-trainer` without --batch: run the app, then, once the terminal is restored, say how to
continue a run that quitting stopped."""

from __future__ import annotations

import contextlib
import shlex

from tui_trainer.engine import TrainConfig
from tui_trainer.signals import handle_stop_signals
from tui_trainer.ui.app import TrainerApp


def run_app(config: TrainConfig, config_path: str | None = None) -> int:
    """Open the app on `config`; the exit code for the command line."""
    app = TrainerApp(config, config_path)

    def remember(signum, frame) -> None:  # until the app's loop handles signals (its on_mount)
        app.signal_before_mount = signum

    restore_signals = handle_stop_signals(remember)
    try:
        result = app.run()
        note = resume_note(app)
        if note:  # the app's screen is gone by now, so this stays on the terminal
            with contextlib.suppress(OSError):  # the terminal closed (SIGHUP)
                print(note, flush=True)
    finally:
        restore_signals()
    return result if isinstance(result, int) else 0


def resume_note(app: TrainerApp) -> str | None:
    """Where the run that quitting stopped is saved, and the command that continues it."""
    finished = app.view.finished
    if not app.quit_stopped_run or finished is None or finished.status != "stopped" or not finished.run_dir:
        return None
    return (
        f"tui-trainer: run stopped after epoch {finished.epochs_done}, saved in {finished.run_dir}\n"
        f"resume with: tui-trainer --resume {shlex.quote(str(finished.run_dir))}"
    )
