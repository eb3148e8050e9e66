"""The Textual app: setup on the left, the live run on the right, training in a worker thread.

The engine's callback runs on the training thread and only appends to an `EventBuffer`; the
right-hand `RunView` drains it on a 4 Hz timer, so the screen redraws at most four times a second
however fast the loop reports (see run_view.DRAIN_INTERVAL). Widgets tell the app what the user
asked for with messages (`SetupColumn.ReadyToStart`, `RunsScreen.LoadConfig`, `RunsScreen.OpenRun`,
`RunsScreen.ResumeRequested`); the app owns the training worker and acts on them.

Start-up: nothing on the path to the first screen imports torch, torchvision or scikit-learn
(a test checks it). Right after the first paint a worker thread imports the training engine and
looks for GPUs, while the setup column loads the dataset's metadata, so by the time `s` is
pressed the heavy imports are done.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Footer, Input
from textual.worker import Worker, WorkerState

from tui_trainer.engine import ConfigError, TrainConfig, TrainingControl, list_presets, load_preset
from tui_trainer.exit_codes import EXIT_INTERRUPTED  # a signal, or q / ctrl+q, stopped a run
from tui_trainer.signals import exit_once_done, handle_stop_signals_in_loop, silence_hung_up_terminal
from tui_trainer.ui.app_keys import APP_KEYS, LETTER_ACTIONS, PALETTE_COMMANDS, PANEL_FOCUS, refusal_text
from tui_trainer.ui.config_source import config_source
from tui_trainer.ui.event_buffer import EventBuffer
from tui_trainer.ui.help_screen import app_help
from tui_trainer.ui.long_lived import freeze_imported_objects
from tui_trainer.ui.loss_plot import LossPlot
from tui_trainer.ui.open_run_actions import OpenRunActions
from tui_trainer.ui.paused_changes import LOCKED_MESSAGE
from tui_trainer.ui.presets_screen import PresetScreen
from tui_trainer.ui.run_view import RunView
from tui_trainer.ui.runs_screen import RunsScreen
from tui_trainer.ui.samples_view import SamplesPane
from tui_trainer.ui.screenshot import save_screenshot
from tui_trainer.ui.setup import SetupColumn
from tui_trainer.ui.threads import ThreadPerTaskExecutor
from tui_trainer.ui.too_small import fit_screen
from tui_trainer.ui.tuning_actions import TuningActions


class TrainerApp(TuningActions, OpenRunActions, App):
    CSS_PATH = "app.tcss"
    TITLE = "tui-trainer"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    AUTO_FOCUS = None  # start with no field focused so `s` trains at once
    BINDINGS = APP_KEYS

    def __init__(self, config: TrainConfig | None = None, config_path: str | None = None) -> None:
        super().__init__()
        self.initial_config = config or TrainConfig()
        self.config_path = config_path
        self.events = EventBuffer()
        # Made here, not looked up: launch.resume_note reads its last run after the app has closed.
        self.view = RunView(self.events, id="right")
        self.control: TrainingControl | None = None
        self.worker: Worker | None = None
        self._quitting = False
        self.quit_stopped_run = False  # quitting stopped a run: run_app says how to resume it
        self.signal_before_mount: int | None = None  # set by run_app's handler, acted on at mount
        self._restore_signals = lambda: None
        self.training_done = threading.Event()  # clear while a training thread runs
        self.training_done.set()

    # ---- layout -----------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # GPUs are looked for (which needs torch) after the first paint; see preload_engine.
        devices = [f"cpu {os.cpu_count() or 1} cores (looking for GPUs…)"]
        with Horizontal(id="main"):
            yield SetupColumn(self.initial_config, devices, id="setup")
            yield self.view
        yield Footer(compact=True)

    def on_load(self) -> None:
        # Before any worker starts: each thread worker gets a thread that ends with it.
        asyncio.get_running_loop().set_default_executor(ThreadPerTaskExecutor())

    def on_mount(self) -> None:
        self.call_after_refresh(lambda: fit_screen(self, self.size))
        self.call_after_refresh(self._greet)
        self.call_after_refresh(self.preload_engine)
        self._restore_signals = handle_stop_signals_in_loop(asyncio.get_running_loop(), self.on_stop_signal)
        if self.signal_before_mount is not None:
            self.on_stop_signal(self.signal_before_mount)

    def on_resize(self, event: events.Resize) -> None:
        if self.is_mounted(self.view):
            fit_screen(self, event.size)

    def on_unmount(self) -> None:
        if self.control is not None:
            # However the app ends (a crash, a failed test), a worker paused or mid-epoch must
            # finish: the executor's shutdown waits for it, and a paused one would wait forever.
            self.control.stop()
        self._restore_signals()

    def on_stop_signal(self, signum: int) -> None:
        """A `kill`, Ctrl-C from outside or the terminal closing (SIGHUP, e.g. the SSH session
        ended): stop and save the run like `q` does, then exit with the interrupted code."""
        if signum == signal.SIGHUP:
            silence_hung_up_terminal()  # nothing can be drawn now; writing would only fail
            if self.control is not None:
                self.control.stop()
            # Textual's output thread can die on the closed terminal and block its exit for good.
            exit_once_done(self.training_done, 5.0, "tui-trainer: the terminal closed; the run is saved")
        self.call_later(self.quit_saving, EXIT_INTERRUPTED)

    @work(thread=True, group="preload", exit_on_error=False)
    def preload_engine(self) -> None:
        """Import torch and the engine off the UI thread so the first `s` trains at once."""
        from tui_trainer.engine import detected_devices, warm_up

        warm_up()
        devices = detected_devices()
        freeze_imported_objects()
        with contextlib.suppress(RuntimeError):  # the app closed while loading
            self.call_from_thread(self.setup.show_devices, devices)

    def _greet(self) -> None:
        source = config_source(self.initial_config, self.config_path)
        output_dir = self.initial_config.train.output_dir
        self.view.write(f"tui-trainer ready {source}; runs are saved under {output_dir}/")
        self.view.write("s or Enter starts training · Tab moves between fields · ? shows every key", "dim")

    @property
    def setup(self) -> SetupColumn:
        return self.query_one(SetupColumn)

    @property
    def training(self) -> bool:
        return self.worker is not None and self.worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    # ---- the training worker ----------------------------------------------------------
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker or event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        self.view.drain()
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            text = " ".join(str(error).split()) or type(error).__name__
            self.view.write(f"training thread failed: {type(error).__name__}: {text}", "bold red")
            self.notify(f"{type(error).__name__}: {text}", title="training failed", severity="error")
            self.view.status.state = "failed"
        self.setup.set_locked(False)
        self.refresh_bindings()

    # ---- actions ----------------------------------------------------------------------
    @property
    def typing(self) -> bool:
        return isinstance(self.focused, Input)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_field" or parameters == ("field",):
            return self.typing
        if action == "quit_key":
            return True
        if action == "pause" and not self.typing:
            return self.paused == (parameters == ("resume",))
        return not (self.typing and action in LETTER_ACTIONS)

    def action_start(self) -> None:
        if self.training:
            self.notify("A run is already training: p pauses, x stops, r restarts.", severity="warning")
            return
        setup = self.setup
        setup.start_requested = False
        setup.recheck_files()
        if setup.problems:
            self.notify(refusal_text(setup.problems), title="cannot start", severity="error", timeout=10)
            return
        if setup.checking:
            setup.start_requested = True  # it posts ReadyToStart when the check is done
            self.notify(f"Checking {setup.config.dataset.name}: training starts when it is ready.", timeout=3)
            return
        self.start_training(setup.config.copy())

    def action_start_anywhere(self) -> None:
        """Ctrl+S: start even while a field is typed into (the letter `s` types there)."""
        self.action_start()

    def start_training(self, config: TrainConfig, resume_from: str | Path | None = None) -> None:
        """Train `config` in the worker thread; `resume_from` continues that run directory."""
        if self.training:
            self.notify("A run is already training: p pauses, x stops, r restarts.", severity="warning")
            return
        self.control = control = TrainingControl()
        control.request_model_snapshots()  # the Try tab predicts with the latest evaluation's weights
        self.view.reset()
        if resume_from is not None:
            self.view.write(f"resuming {Path(resume_from).name} up to epoch {config.train.epochs}", "bold")
        else:
            self.view.write(f"starting: {config.dataset.name}, {config.train.epochs} epochs", "bold")
        self.setup.set_locked(True, LOCKED_MESSAGE)
        if self.focused is not None and self.focused.disabled:
            self.set_focus(None)
        self.training_done.clear()
        self.worker = self.train(config, control, resume_from)

    @work(thread=True, name="training", group="training", exit_on_error=False)
    def train(self, config: TrainConfig, control: TrainingControl, resume_from: str | Path | None) -> None:
        # Imported here, on the worker thread: if the preload is still running, the UI
        # thread must not block on the import lock.
        from tui_trainer.engine import Trainer, warm_up

        try:
            warm_up()  # every import a run makes (cached once the preload has run it)...
            freeze_imported_objects()  # ...is done before the freeze, and no run object exists yet
            Trainer(config, self.events.put, control, resume_from=resume_from).run()
        finally:
            self.training_done.set()

    @property
    def paused(self) -> bool:
        return self.training and self.control is not None and self.control.paused

    async def action_stop(self) -> None:
        if not self.training:
            self.notify("Nothing is training.", severity="warning")
            return
        await self.stop_run()

    async def stop_run(self) -> None:
        """Ask the loop to stop after the current batch and wait until it has saved the run."""
        if self.control is not None:
            self.control.stop()
        self.view.status.state = "stopping"
        worker = self.worker
        if worker is not None:
            with contextlib.suppress(Exception):  # a failed or cancelled worker has nothing more to wait for
                await worker.wait()
        self.view.drain()

    async def action_restart(self) -> None:
        if self.training:
            await self.stop_run()
            self.setup.set_locked(False)
        self.action_start()

    async def action_quit(self, where: str = "") -> None:
        await self.quit_saving(0)

    action_quit_key = action_quit  # `where`: which of ctrl+q's two footer entries is shown

    async def quit_saving(self, code: int) -> None:
        if self._quitting:
            return
        self._quitting = True
        if self.training:
            self.notify("Stopping the run and saving it before quitting…")
            await self.stop_run()
            self.quit_stopped_run = True
            code = EXIT_INTERRUPTED  # like --batch: scripts can tell a cut-off run from a clean quit
        self.exit(code)

    def action_toggle_metric(self) -> None:
        metric = self.query_one(LossPlot).toggle_metric()
        self.view.show_tab("tab-train")
        self.notify(f"plot shows {metric}", timeout=2)

    def action_toggle_mistakes(self) -> None:
        self.view.tab_shown("tab-samples")  # the newest evaluation first, then its mistakes
        only = self.query_one(SamplesPane).toggle_mistakes()
        self.view.show_tab("tab-samples")
        self.notify("showing only mistakes" if only else "showing all samples", timeout=2)

    def action_show_tab(self, tab: str) -> None:
        self.view.show_tab(tab)

    def action_focus_panel(self, key: str) -> None:
        if self.setup.locked:
            self.notify(LOCKED_MESSAGE, severity="warning")
            return
        widget = self.query_one(PANEL_FOCUS[key])
        widget.focus()
        widget.scroll_visible()

    def action_first_problem(self) -> None:
        if not self.setup.problems:
            self.notify("No problems: s starts training.", timeout=3)
        elif not self.setup.focus_first_problem():
            self.notify(self.setup.problems[0], title="not a field's problem", severity="error")

    def action_leave_field(self) -> None:
        self.set_focus(None)

    action_unfocus = action_leave_field

    def action_help(self) -> None:
        self.push_screen(app_help(self, self.screen_stack[0], RunsScreen.key_bindings()))

    def action_runs(self) -> None:
        if not isinstance(self.screen, RunsScreen):
            self.push_screen(RunsScreen(self.setup.config.train.output_dir, lambda: self.training))

    # ---- widgets' messages ------------------------------------------------------------
    @on(SetupColumn.ProblemsChanged)
    def show_problem_count(self, message: SetupColumn.ProblemsChanged) -> None:
        self.view.status.problems = message.count

    @on(SetupColumn.ReadyToStart)
    def start_once_checked(self) -> None:
        self.action_start()  # refuses with the problem when the check found one

    @on(SetupColumn.LossReplaced)
    def say_loss_replaced(self, message: SetupColumn.LossReplaced) -> None:
        text = f"loss {message.old} does not fit {message.task}: switched to {message.new}"
        self.view.write(text, "yellow")
        self.notify(text, timeout=4)

    def action_presets(self) -> None:
        if self.setup.locked:
            self.notify(LOCKED_MESSAGE, severity="warning")
            return
        try:
            presets = list_presets()
        except ConfigError as exc:
            self.notify(str(exc), title="presets", severity="error")
            return
        self.push_screen(PresetScreen(presets), self.load_preset)

    def load_preset(self, name: str | None) -> None:
        if name is None:
            return
        try:
            config = load_preset(name)
        except ConfigError as exc:
            self.notify(str(exc), title="preset", severity="error")
            return
        # Runs go where this app saves them, on the device it was told to use.
        config.train.output_dir = self.setup.config.train.output_dir
        config.train.device = self.setup.config.train.device
        self.setup.load_config(config)
        self.view.write(f"loaded the preset {name}; s trains it", "bold")

    @on(RunsScreen.LoadConfig)
    def load_past_config(self, message: RunsScreen.LoadConfig) -> None:
        setup = self.setup
        if setup.locked:
            self.notify("A run is training: x stops it, then load a config.", severity="warning")
            return
        # New runs go where the app saves runs, not into the old run's sweep directory.
        message.config.train.output_dir = setup.config.train.output_dir
        setup.load_config(message.config)
        self.view.write(f"loaded the config of {message.name}; s trains it as a new run", "bold")
        self.notify(f"loaded the config of {message.name}: edit it, then s trains a new run", timeout=4)
        message.runs_screen.dismiss()

    @on(RunsScreen.OpenRun)
    def open_past_run(self, message: RunsScreen.OpenRun) -> None:
        self.open_run(message)  # open_run_actions.py: the run's model, shown without training

    @on(RunsScreen.ResumeRequested)
    def resume_past_run(self, message: RunsScreen.ResumeRequested) -> None:
        if self.training:
            self.notify("A run is already training: x stops it first.", severity="warning")
            return
        shown = message.config.copy()
        shown.train.output_dir = self.setup.config.train.output_dir
        self.setup.load_config(shown)
        message.runs_screen.dismiss()
        self.view.show_tab("tab-train")
        self.start_training(message.config, resume_from=message.path)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_focus_next()  # Enter ends a field's edit, as Tab does; s or Ctrl+S starts

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        run_dir = self.view.started.run_dir if self.view.started else None
        return save_screenshot(self, run_dir, filename, path, time_format)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for title, help_text, action in PALETTE_COMMANDS:
            yield SystemCommand(title, help_text, getattr(self, f"action_{action}"))
