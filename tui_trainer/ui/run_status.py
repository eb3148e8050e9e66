"""The line above the run's tabs and its progress bar, following the run's state."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import var
from textual.widgets import ProgressBar, Static

from tui_trainer.engine import BatchEnd, DataProgress, EpochEnd, RunStarted
from tui_trainer.formatting import compact_rate, format_clock, format_live_loss

PAUSED_STATES = ("pausing", "paused")


class RunStatus(Vertical):
    """The line above the tabs (state, epoch, step, rate, ETA, loss, device) and the progress bar.

    The run's state is held here as reactives; each watcher redraws the line, so whoever changes
    the state (the app on `p` or `x`, the events of the run) never redraws by hand.
    """

    DEFAULT_CSS = "RunStatus { height: auto; }"

    # idle, starting, loading <what>, running, pausing, paused, stopping, then the run's status
    state: var[str] = var("idle")
    # always_update: events are dataclasses, and comparing them would compare their arrays
    started: var[RunStarted | None] = var(None, always_update=True)
    last_batch: var[BatchEnd | None] = var(None, always_update=True)
    last_epoch: var[EpochEnd | None] = var(None, always_update=True)
    # How many problems the setup column shows: the idle line says so instead of "ready".
    problems: var[int] = var(0)
    # The run's length when settings changed part-way (SettingsChanged); None: as it started.
    epochs: var[int | None] = var(None)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._rows = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="progress-line")
        yield ProgressBar(total=1, id="progress-bar", show_eta=False)

    def on_mount(self) -> None:
        self._show()

    def watch_state(self) -> None:
        self._show()

    def watch_started(self, started: RunStarted | None) -> None:
        if started is not None:
            self.query_one(ProgressBar).update(
                total=started.total_steps, progress=started.start_epoch * started.steps_per_epoch
            )
        self._show()

    def watch_last_batch(self, batch: BatchEnd | None) -> None:
        if batch is not None and self.started is not None:
            self.query_one(ProgressBar).update(progress=batch.step)
        self._show()

    def watch_last_epoch(self) -> None:
        self._show()

    def watch_problems(self) -> None:
        self._show()

    def watch_epochs(self) -> None:
        self._show()

    def show_opened(self, name: str) -> None:
        """A past run's model is shown (Runs screen `o`): it ended, so its bar is full."""
        self.query_one(ProgressBar).update(total=1, progress=1)
        self.state = f"opened {name}"

    def show_loading(self, event: DataProgress) -> None:
        self.query_one(ProgressBar).update(total=event.total, progress=event.done)
        self.state = f"loading {event.what}"

    def text(self) -> str:
        parts = [self.state]
        started, batch = self.started, self.last_batch
        if started is not None:
            epochs = self.epochs or started.config.train.epochs
            epoch = batch.epoch + 1 if batch else 1
            step = batch.step if batch else 0
            parts.append(f"epoch {epoch}/{epochs}")
            parts.append(f"step {step:,}/{started.total_steps:,}")
            if batch is not None:
                if self.state not in PAUSED_STATES:  # a paused run has no rate, and no end in sight
                    parts.append(f"{compact_rate(batch.samples_per_sec)} samples/s")
                if self.state == "running":
                    parts.append(f"ETA {format_clock(batch.eta_seconds)}")
                parts.append(f"loss {format_live_loss(batch.loss)}")
                if batch.clipped_fraction is not None:  # clipping is on
                    parts.append(f"clipped {batch.clipped_fraction * 100:.0f}%")
            if self.last_epoch is not None and self.last_epoch.val_accuracy is not None:
                parts.append(f"val acc {self.last_epoch.val_accuracy * 100:.1f}%")
            parts.append(started.device)
        elif self.state == "idle" and self.problems:
            parts = [f"{self.problems} problem(s) to fix before training — f jumps to the first"]
        elif self.state == "idle":
            parts = ["ready — press s to train, ? for help"]
        return " · ".join(parts)

    def _show(self) -> None:
        """Update the line, asking for a layout pass only when its wrapped height changes: a
        layout of the whole screen costs tens of milliseconds of UI-thread time, which at ten
        updates a second would be taken from the training thread (the GIL)."""
        line = next(self.query("#progress-line").results(Static), None)
        if line is None:
            return  # not composed yet: on_mount shows the state
        text = self.text()
        width = line.content_size.width
        rows = len(Text(text).wrap(self.app.console, width)) if width > 0 else -1
        line.update(text, layout=rows != self._rows or rows < 0)
        self._rows = rows
