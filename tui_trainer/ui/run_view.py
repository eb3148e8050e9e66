"""The right-hand side: the run's status line, its tabs, and the 4 Hz drain that feeds them.

`RunView` is a widget: it composes the status line (`RunStatus`), the Training, Confusion,
Samples, Try and Inside tabs, and drains the app's `EventBuffer` on its own timer
(DRAIN_INTERVAL), applying the engine's events to its children. The run's state lives in
`RunStatus`'s reactives; the line and the progress bar follow them.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Resize
from textual.widgets import TabbedContent, TabPane

from tui_trainer.engine import (
    RUN_LENGTH_FIELDS,
    BatchEnd,
    DataProgress,
    EpochEnd,
    Evaluation,
    EventListener,
    LogMessage,
    ModelSnapshot,
    ModelStats,
    RunFinished,
    RunPaused,
    RunResumed,
    RunStarted,
    SettingsChanged,
    load_curves,
)
from tui_trainer.formatting import (
    format_epoch_line,
    run_header,
)
from tui_trainer.ui.confusion_view import ConfusionPane
from tui_trainer.ui.event_buffer import EventBuffer
from tui_trainer.ui.event_log import EventLog
from tui_trainer.ui.inside_view import InsidePane
from tui_trainer.ui.loss_plot import EpochPoint, LossPlot
from tui_trainer.ui.run_status import RunStatus
from tui_trainer.ui.samples_view import SamplesPane
from tui_trainer.ui.try_view import TryPane

# Every millisecond the UI thread spends drawing is taken from the training thread (the GIL): at
# 10 Hz the app trained ~0.8x as fast as --batch on 2 cores, at 4 Hz at the same speed
# (bench/app_speed.py). Keys are handled at once, not on this timer.
DRAIN_INTERVAL = 0.25  # seconds: the right side redraws at most this often from training events

PLOT_INTERVAL = 0.4  # the shortest time between plot redraws while training, in seconds

PLOT_BUDGET = 0.02  # the share of a core plot redraws may take: a slower redraw is spaced further apart
PLOT_INTERVAL_MAX = 2.0  # ...but never further than this

EVALUATION_TABS = ("tab-confusion", "tab-samples", "tab-try")

LOG_STYLES = {"error": "bold red", "warning": "yellow", "info": ""}

# The tabs and their keys; a tab's label is its name and key, or the name alone where narrow.
TAB_NAMES = {
    "tab-train": ("Training", "t"),
    "tab-confusion": ("Confusion", "c"),
    "tab-samples": ("Samples", "v"),
    "tab-try": ("Try", "y"),
    "tab-inside": ("Inside", "i"),
}
TAB_BAR_WIDTH = sum(len(name) + 6 for name, _ in TAB_NAMES.values())  # "Name (k)" and 1 pad each side


def tab_label(pane_id: str, short: bool = False) -> str:
    name, key = TAB_NAMES[pane_id]
    return name if short else f"{name} ({key})"


class RunView(Vertical, EventListener):
    """The live run: drains the engine's events four times a second and shows them."""

    def __init__(self, events: EventBuffer, **kwargs) -> None:
        super().__init__(**kwargs)
        self.events = events
        self.last_eval: Evaluation | None = None
        self.finished: RunFinished | None = None
        self.epochs_seen = 0
        self.plot_dirty = False
        self._plot_drawn_at = 0.0
        # tab id -> the newest evaluation it has not shown, with its run's dataset metadata
        self._unshown: dict[str, tuple[Evaluation, object]] = {}
        self.status = RunStatus()
        self.model_meta: object = None  # the dataset description of the latest ModelSnapshot

    def compose(self) -> ComposeResult:
        yield self.status
        with TabbedContent(id="tabs"):
            with TabPane(tab_label("tab-train"), id="tab-train"):
                yield LossPlot(id="plot")
                yield EventLog(id="log", max_lines=2000)
            with TabPane(tab_label("tab-confusion"), id="tab-confusion"):
                yield ConfusionPane(id="confusion")
            with TabPane(tab_label("tab-samples"), id="tab-samples"):
                yield SamplesPane(id="samples")
            with TabPane(tab_label("tab-try"), id="tab-try"):
                yield TryPane(id="try")
            with TabPane(tab_label("tab-inside"), id="tab-inside"):
                yield InsidePane(id="inside")

    def on_mount(self) -> None:
        self.set_interval(DRAIN_INTERVAL, self.drain)

    def on_resize(self, event: Resize) -> None:
        # At 80 columns the right side is ~44 wide: the key hints would push Try and Inside out
        # of the tab bar, so there the names go alone (the help lists the keys).
        short = event.size.width < TAB_BAR_WIDTH
        tabs = self.query_one(TabbedContent)
        for pane_id in TAB_NAMES:
            tabs.get_tab(pane_id).label = tab_label(pane_id, short)

    # what the status line holds, read by the app and the tests
    @property
    def state(self) -> str:
        return self.status.state

    @state.setter
    def state(self, value: str) -> None:
        self.status.state = value

    @property
    def started(self) -> RunStarted | None:
        return self.status.started

    @property
    def last_batch(self) -> BatchEnd | None:
        return self.status.last_batch

    @property
    def last_epoch(self) -> EpochEnd | None:
        return self.status.last_epoch

    @property
    def plot(self) -> LossPlot:
        return self.query_one(LossPlot)

    def write(self, text: str, style: str = "") -> None:
        self.query_one(EventLog).write(Text(text, style=style))

    def reset(self) -> None:
        """A new run starts: forget the last one and drop its undrained events."""
        self.events.drain()
        self.status.started = self.status.last_batch = self.status.last_epoch = None
        self.status.epochs = None
        self.finished, self.model_meta = None, None
        self.epochs_seen = 0
        self.plot_dirty = False
        self.plot.reset()
        self.query_one(TryPane).reset()
        self.query_one(InsidePane).reset()
        self.status.state = "starting"

    def drain(self) -> None:
        """Apply what the training thread reported since the last tick."""
        events = self.events.drain()
        if events:
            self.apply(events)
        else:
            self.flush_plot()

    def apply(self, events: list) -> None:
        # Short epochs deliver several evaluations per UI tick; only the newest of each split
        # is drawn (each costs milliseconds of UI-thread work that training would wait for).
        newest = {e.split: i for i, e in enumerate(events) if isinstance(e, Evaluation)}
        for index, event in enumerate(events):
            if not isinstance(event, Evaluation) or newest[event.split] == index:
                self(event)
        self.flush_plot()

    def on_batch_end(self, event: BatchEnd) -> None:
        self.status.last_batch = event
        self.plot.add_steps(event.first_step, event.step_losses)
        self.plot_dirty = True

    def on_epoch_end(self, event: EpochEnd) -> None:
        self._epoch(event)
        self.plot_dirty = True

    def on_evaluation(self, event: Evaluation) -> None:
        self._evaluation(event)

    def on_model_snapshot(self, event: ModelSnapshot) -> None:
        self.model_meta = event.meta
        self.query_one(TryPane).offer_snapshot(event)

    def on_model_stats(self, event: ModelStats) -> None:
        visible = self.query_one(TabbedContent).active == "tab-inside"
        self.query_one(InsidePane).add(event, visible)

    def on_log(self, event: LogMessage) -> None:
        self.write(event.text, LOG_STYLES.get(event.level, ""))

    def on_data_progress(self, event: DataProgress) -> None:
        self.status.show_loading(event)

    def on_run_start(self, event: RunStarted) -> None:
        self._started(event)

    def on_pause(self, event: RunPaused) -> None:
        self.status.state = "paused"
        self.write(f"paused at step {event.step} (p resumes, x stops)", "yellow")

    def on_resume(self, event: RunResumed) -> None:
        self.status.state = "running"
        self.write(f"resumed at step {event.step}")

    def on_settings_change(self, event: SettingsChanged) -> None:
        # The engine's own log line says what changed; run-length changes draw no marker.
        if any(change.field not in RUN_LENGTH_FIELDS for change in event.changes):
            self.plot.mark_change(event.step)
            self.plot_dirty = True
        self.status.epochs = event.epochs

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
        if not self.plot_dirty or self.query_one(TabbedContent).active != "tab-train":
            return
        if force or now - self._plot_drawn_at >= self.plot_interval():
            self.plot_dirty = False
            self._plot_drawn_at = now
            self.plot.refresh()

    def _started(self, event: RunStarted) -> None:
        self.status.started = event
        self.status.state = "running"
        for line in run_header(event):
            self.write(line)
        if event.run_dir:
            self.write(f"run directory: {event.run_dir}", "dim")
        if event.start_epoch and event.run_dir:
            shown = self.show_earlier_epochs(event.run_dir, event.start_epoch, event.steps_per_epoch)
            self.write(f"resumed after epoch {event.start_epoch}: {shown} earlier epoch(s) on the plot")
            self.query_one(InsidePane).load_stored(event.run_dir)

    def show_earlier_epochs(self, run_dir: str, up_to_epoch: int, steps_per_epoch: int) -> int:
        """The epochs a run directory trained, up to `up_to_epoch`, on the plot (a resumed run's
        before it continues, an opened run's all): how many were drawn."""
        curves = load_curves(run_dir)
        shown = 0
        for i, epoch in enumerate(curves.epochs):
            train_loss, val_loss = curves.train_loss[i], curves.val_loss[i]
            if epoch > up_to_epoch or train_loss is None or val_loss is None:
                continue
            self.plot.add_epoch(
                EpochPoint(
                    epoch,
                    epoch * steps_per_epoch,
                    train_loss,
                    val_loss,
                    curves.train_accuracy[i],
                    curves.val_accuracy[i],
                    curves.val_r2[i],
                )
            )
            shown += 1
        self.plot_dirty = True
        return shown

    def _epoch(self, event: EpochEnd) -> None:
        self.status.last_epoch = event
        self.epochs_seen += 1
        # The epoch's end, not the newest report: its last steps may still be held for the next.
        if self.started is not None:
            step = (event.epoch + 1) * self.started.steps_per_epoch
        else:
            step = self.last_batch.step if self.last_batch else 0
        self.plot.add_epoch(
            EpochPoint(
                event.epoch + 1,
                step,
                event.train_loss,
                event.val_loss,
                event.train_accuracy,
                event.val_accuracy,
                event.extra.get("val_r2"),
            )
        )
        self.write(format_epoch_line(event), "green" if event.improved else "")

    def _evaluation(self, event: Evaluation) -> None:
        # Validation results each epoch; the test split once at the end replaces them on screen.
        self.last_eval = event
        active = self.query_one(TabbedContent).active
        # A later run's meta may differ when shown; an opened run (no RunStarted) has its weights'.
        meta = self.started.meta if self.started else self.model_meta
        for tab in EVALUATION_TABS:
            self._unshown[tab] = (event, meta)
            if tab == active:
                self.tab_shown(tab)
        if event.split == "test":
            accuracy = f"accuracy {event.accuracy * 100:.2f}%, " if event.accuracy is not None else ""
            self.write(f"test {accuracy}loss {event.loss:.4f}", "bold")

    def show_tab(self, tab: str) -> None:
        # The tab's new content first, so it is laid out in the same pass as the switch.
        self.tab_shown(tab)
        self.query_one(TabbedContent).active = tab
        if tab == "tab-try":
            self.query_one(TryPane).focus_input()
        elif tab == "tab-inside":  # arrows and PgUp/PgDn scroll it
            self.query_one(InsidePane).focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # Tabs switched by mouse or from the tab bar's own keys.
        if event.pane.id:
            self.tab_shown(event.pane.id)

    def tab_shown(self, tab: str) -> None:
        """Draw the newest evaluation on a tab that is being shown.

        A hidden tab is not updated: the new content's layout pass redoes the whole screen
        (~25-45 ms) and the Samples drawing takes a worker tens of milliseconds, all of it UI
        work that training waits for (the GIL). `show_tab` calls this before it switches tabs,
        so the content comes in the switch's own layout pass.
        """
        if tab == "tab-inside":
            self.query_one(InsidePane).shown()
        if tab == "tab-try":  # the newest weights it has not had, and the newest evaluation
            self.query_one(TryPane).shown(self._unshown.pop(tab, None))
        if tab not in self._unshown:
            return
        event, meta = self._unshown.pop(tab)
        if tab == "tab-confusion":
            self.query_one(ConfusionPane).show(event)
        elif tab == "tab-samples" and meta is not None:
            self.query_one(SamplesPane).show(event, meta)

    def _finished(self, event: RunFinished) -> None:
        self.finished = event
        self._plot_drawn_at = 0.0  # the final state is drawn at once
        self.status.state = event.status
        if event.ok or event.status == "stopped":
            style = "bold green" if event.ok else "yellow"
            self.write(f"{event.status}: {event.reason} in {event.seconds:.1f}s", style)
            self.notify(f"{event.status}: {event.reason}", severity="information" if event.ok else "warning")
        else:
            self.write(f"run failed: {event.reason}", "bold red")
            self.plot.mark_failure(event.reason.split(" — ")[0])  # what happened; the log says what to do
            self.notify(event.reason, title="run failed", severity="error", timeout=10)
        if event.run_dir:
            self.write(f"run directory: {event.run_dir}", "bold")
