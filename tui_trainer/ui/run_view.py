"""Applies a drained batch of engine events to the right-hand widgets, once per UI tick."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import ProgressBar, RichLog, Static, TabbedContent

from tui_trainer.engine.events import (
    BatchEnd,
    DataProgress,
    EpochEnd,
    Evaluation,
    EventListener,
    LogMessage,
    RunFinished,
    RunPaused,
    RunResumed,
    RunStarted,
)
from tui_trainer.formatting import compact_rate, format_clock, format_epoch_line, run_header
from tui_trainer.ui.confusion_view import ConfusionPane
from tui_trainer.ui.loss_plot import EpochPoint, LossPlot
from tui_trainer.ui.samples_view import SamplesPane

PLOT_INTERVAL = 0.4  # the shortest time between plot redraws while training, in seconds
PLOT_BUDGET = 0.02  # the share of a core plot redraws may take: a slower redraw is spaced further apart
PLOT_INTERVAL_MAX = 2.0  # ...but never further than this

EVALUATION_TABS = ("tab-confusion", "tab-samples")

LOG_STYLES = {"error": "bold red", "warning": "yellow", "info": ""}


class RunView(EventListener):
    """Holds what the right-hand side shows about the current run and updates it from events."""

    def __init__(self, app) -> None:
        self.app = app
        self.started: RunStarted | None = None
        self.last_batch: BatchEnd | None = None
        self.last_epoch: EpochEnd | None = None
        self.last_eval: Evaluation | None = None
        self.finished: RunFinished | None = None
        self.state = "idle"
        self.epochs_seen = 0
        self.plot_dirty = False
        self._plot_drawn_at = 0.0
        self._progress_rows = 0
        # tab id -> the newest evaluation it has not shown, with its run's dataset metadata
        self._unshown: dict[str, tuple[Evaluation, object]] = {}

    # widgets, looked up when used so the view works before and after mounting
    @property
    def plot(self) -> LossPlot:
        return self.app.query_one("#plot", LossPlot)

    @property
    def log(self) -> RichLog:
        return self.app.query_one("#log", RichLog)

    def write(self, text: str, style: str = "") -> None:
        self.log.write(Text(text, style=style))

    def reset(self) -> None:
        self.started = self.last_batch = self.last_epoch = self.finished = None
        self.epochs_seen = 0
        self.plot_dirty = False
        self.plot.reset()
        self.state = "starting"
        self.update_progress()

    def apply(self, events: list) -> None:
        # Short epochs deliver several evaluations per UI tick; only the newest of each split
        # is drawn (each costs milliseconds of UI-thread work that training would wait for).
        newest = {e.split: i for i, e in enumerate(events) if isinstance(e, Evaluation)}
        for index, event in enumerate(events):
            if not isinstance(event, Evaluation) or newest[event.split] == index:
                self(event)
        if events:
            self.update_progress()
        self.flush_plot()

    def on_batch_end(self, event: BatchEnd) -> None:
        self.last_batch = event
        self.plot.add_steps(event.first_step, event.step_losses)
        self.plot_dirty = True

    def on_epoch_end(self, event: EpochEnd) -> None:
        self._epoch(event)
        self.plot_dirty = True

    def on_evaluation(self, event: Evaluation) -> None:
        self._evaluation(event)

    def on_log(self, event: LogMessage) -> None:
        self.write(event.text, LOG_STYLES.get(event.level, ""))

    def on_data_progress(self, event: DataProgress) -> None:
        self._data_progress(event)

    def on_run_start(self, event: RunStarted) -> None:
        self._started(event)

    def on_pause(self, event: RunPaused) -> None:
        self.state = "paused"
        self.write(f"paused at step {event.step} (p resumes, x stops)", "yellow")

    def on_resume(self, event: RunResumed) -> None:
        self.state = "running"
        self.write(f"resumed at step {event.step}")

    def on_run_end(self, event: RunFinished) -> None:
        self._finished(event)

    def plot_interval(self) -> float:
        """Seconds between plot redraws: PLOT_INTERVAL, or longer where a redraw is slow.

        Every millisecond the UI thread spends drawing is taken from training, which needs the
        same GIL: redraws of 20-30 ms (a large terminal on a slow CPU) every 0.4 s were 5-7% of a
        core, the largest part of the app's cost over --batch. Spacing redraws by their measured
        cost keeps them within PLOT_BUDGET of a core on any machine and terminal size (about
        every 0.9 s at 160×48 on the 2-core test machine, every 0.5 s at 100×30).
        """
        return min(PLOT_INTERVAL_MAX, max(PLOT_INTERVAL, self.plot.draw_seconds / PLOT_BUDGET))

    def flush_plot(self, force: bool = False) -> None:
        """Redraw the plot when it has new data, at most every `plot_interval()` seconds.

        Drawing the plot costs tens of milliseconds on a large terminal whatever the run's
        length, so it is redrawn less often than the progress line, and only while its tab is
        shown: a plot refreshed while hidden is drawn when its tab is switched to, making the
        key wait for it (~50 ms, twice that while training holds the GIL). Switching back shows
        the frame drawn last, and the next drain (within DRAIN_INTERVAL) draws the new steps.
        """
        now = time.monotonic()
        if not self.plot_dirty or self.app.query_one(TabbedContent).active != "tab-train":
            return
        if force or now - self._plot_drawn_at >= self.plot_interval():
            self.plot_dirty = False
            self._plot_drawn_at = now
            self.plot.refresh()

    def _started(self, event: RunStarted) -> None:
        self.started = event
        self.state = "running"
        for line in run_header(event):
            self.write(line)
        if event.run_dir:
            self.write(f"run directory: {event.run_dir}", "dim")
        bar = self.app.query_one("#progress-bar", ProgressBar)
        bar.update(total=event.total_steps, progress=event.start_epoch * event.steps_per_epoch)
        if event.start_epoch and event.run_dir:
            self._show_earlier_epochs(event)

    def _show_earlier_epochs(self, event: RunStarted) -> None:
        """A resumed run's plot starts with the epochs it trained before."""
        from tui_trainer.engine import load_curves

        curves = load_curves(event.run_dir)
        shown = 0
        for i, epoch in enumerate(curves.epochs):
            train_loss, val_loss = curves.train_loss[i], curves.val_loss[i]
            if epoch > event.start_epoch or train_loss is None or val_loss is None:
                continue
            self.plot.add_epoch(
                EpochPoint(epoch, epoch * event.steps_per_epoch, train_loss, val_loss,
                           curves.train_accuracy[i], curves.val_accuracy[i])
            )
            shown += 1
        self.write(f"resumed after epoch {event.start_epoch}: {shown} earlier epoch(s) on the plot")
        self.plot_dirty = True

    def _epoch(self, event: EpochEnd) -> None:

        self.last_epoch = event
        self.epochs_seen += 1
        step = self.last_batch.step if self.last_batch else 0
        self.plot.add_epoch(
            EpochPoint(event.epoch + 1, step, event.train_loss, event.val_loss,
                       event.train_accuracy, event.val_accuracy)
        )
        self.write(format_epoch_line(event), "green" if event.improved else "")

    def _evaluation(self, event: Evaluation) -> None:
        # Validation results each epoch; the test split once at the end replaces them on screen.
        self.last_eval = event
        active = self.app.query_one(TabbedContent).active
        meta = self.started.meta if self.started else None  # a later run's may differ when shown
        for tab in EVALUATION_TABS:
            self._unshown[tab] = (event, meta)
            if tab == active:
                self.tab_shown(tab)
        if event.split == "test":
            accuracy = f"accuracy {event.accuracy * 100:.2f}%, " if event.accuracy is not None else ""
            self.write(f"test {accuracy}loss {event.loss:.4f}", "bold")

    def tab_shown(self, tab: str) -> None:
        """Draw the newest evaluation on a tab that is being shown.

        A hidden tab is not updated: the new content's layout pass redoes the whole screen
        (~25-45 ms) and the Samples drawing takes a worker tens of milliseconds, all of it UI
        work that training waits for (the GIL). The app calls this before it switches tabs, so
        the content comes in the switch's own layout pass.
        """
        if tab not in self._unshown:
            return
        event, meta = self._unshown.pop(tab)
        if tab == "tab-confusion":
            self.app.query_one(ConfusionPane).show(event)
        elif tab == "tab-samples" and meta is not None:
            self.app.query_one(SamplesPane).show(event, meta)

    def _data_progress(self, event: DataProgress) -> None:
        bar = self.app.query_one("#progress-bar", ProgressBar)
        bar.update(total=event.total, progress=event.done)
        self.state = f"loading {event.what}"

    def _finished(self, event: RunFinished) -> None:
        self.finished = event
        self._plot_drawn_at = 0.0  # the final state is drawn at once
        self.state = event.status
        if event.ok or event.status == "stopped":
            self.write(f"{event.status}: {event.reason} in {event.seconds:.1f}s", "bold green" if event.ok else "yellow")
            self.app.notify(f"{event.status}: {event.reason}", severity="information" if event.ok else "warning")
        else:
            self.write(f"run failed: {event.reason}", "bold red")
            self.app.notify(event.reason, title="run failed", severity="error", timeout=10)
        if event.run_dir:
            self.write(f"run directory: {event.run_dir}", "bold")

    def update_progress(self) -> None:
        parts = [self.state]
        started, batch = self.started, self.last_batch
        if started is not None:
            epochs = started.config.train.epochs
            epoch = batch.epoch + 1 if batch else 1
            step = batch.step if batch else 0
            parts.append(f"epoch {epoch}/{epochs}")
            parts.append(f"step {step:,}/{started.total_steps:,}")
            if batch is not None:
                parts.append(f"{compact_rate(batch.samples_per_sec)} samples/s")
                if self.state == "running":
                    parts.append(f"ETA {format_clock(batch.eta_seconds)}")
                parts.append(f"loss {batch.loss:.4f}")
            if self.last_epoch is not None and self.last_epoch.val_accuracy is not None:
                parts.append(f"val acc {self.last_epoch.val_accuracy * 100:.1f}%")
            parts.append(started.device)
            if batch is not None:
                self.app.query_one("#progress-bar", ProgressBar).update(progress=step)
        elif self.state == "idle":
            parts = ["ready — press s to train, ? for help"]
        self._show_progress(" · ".join(parts))

    def _show_progress(self, text: str) -> None:
        """Update the progress line, asking for a layout pass only when its wrapped height
        changes: a layout of the whole screen costs tens of milliseconds of UI-thread time,
        which at ten updates a second would be taken from the training thread (the GIL)."""
        line = self.app.query_one("#progress-line", Static)
        width = line.content_size.width
        rows = len(Text(text).wrap(self.app.console, width)) if width > 0 else -1
        line.update(text, layout=rows != self._progress_rows or rows < 0)
        self._progress_rows = rows
