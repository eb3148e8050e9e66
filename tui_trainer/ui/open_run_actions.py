"""Opening a past run from the Runs screen (`o`): its model as it ended, shown without training.

`OpenRunActions` is a mixin of `TrainerApp` (it uses the app's public attributes: setup, view,
events, training). The app's `@on(RunsScreen.OpenRun)` handler calls `open_run`: the run's config
goes into the setup panels (as `l` loads it), the run view starts afresh, and the engine's
`review_run` runs on a worker thread of its own (not the training worker), putting the run's
events into the same `EventBuffer` a training run fills. So the Confusion, Samples, Try and Inside
tabs fill exactly as after training; once it is done the run's curves go on the loss plot.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from textual import work

from tui_trainer.ui.inside_view import InsidePane


class OpenRunActions:
    # Which `o` the review worker's events belong to: one opened meanwhile (or a run started)
    # makes an earlier review's late events stale, and they are dropped.
    open_generation = 0

    def open_run(self, message: Any) -> None:
        """Show the model of `message.path` (a `RunsScreen.OpenRun`)."""
        app: Any = self
        if app.training:
            app.notify("A run is training: x stops it, then open a past run.", severity="warning")
            return
        device = app.setup.config.train.device  # this app's device, not the one the run used
        shown = message.config.copy()
        shown.train.output_dir = app.setup.config.train.output_dir  # new runs go where the app saves
        app.setup.load_config(shown)
        message.runs_screen.dismiss()
        view = app.view
        view.reset()
        view.query_one(InsidePane).source = message.name  # its header: "… of <run name>"
        view.status.state = f"opening {message.name}"
        view.show_tab("tab-train")
        view.write(f"opening {message.name}: its weights, data and test split…", "bold")
        self.open_generation += 1
        self.review_past_run(message.path, message.name, self.open_generation, device)

    @work(thread=True, group="open-run", exit_on_error=False)
    def review_past_run(self, path: Path, name: str, generation: int, device: str) -> None:
        from tui_trainer.engine import ConfigError, review_run

        app: Any = self

        def put(event: object) -> None:
            if generation == self.open_generation and not app.training:
                app.events.put(event)

        result: Any
        try:
            result = review_run(path, put, device=device)
        except ConfigError as exc:  # the run or its data cannot be opened: one line says why
            result = str(exc)
        except Exception as exc:  # never a traceback on screen
            result = f"cannot open {path}: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            app.call_from_thread(self.show_opened, path, name, generation, result)

    def show_opened(self, path: Path, name: str, generation: int, result: Any) -> None:
        """The review ended: its events drawn, then the run's curves (or why it could not open)."""
        app: Any = self
        if generation != self.open_generation or app.training:
            return  # another run was opened or started meanwhile
        view = app.view
        view.drain()  # the review's events, before the state below is set
        if isinstance(result, str):
            view.status.state = "idle"
            view.write(result, "bold red")
            app.notify(result, title=f"cannot open {name}", severity="error", timeout=10)
            return
        view.show_earlier_epochs(str(path), result.epochs_done, result.steps_per_epoch)
        view.flush_plot(force=True)
        view.status.show_opened(name)
        view.write(f"opened {name}: its model as it ended; s trains a new run", "bold")
