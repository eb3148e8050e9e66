"""`--batch`'s view of a run: engine events as terminal output. A rich progress bar per epoch and
one for the run on a terminal; plain lines (an epoch line, a download's quarters) in logs and CI."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from tui_trainer.engine import (
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
    SettingsChanged,
)
from tui_trainer.formatting import format_amount, format_epoch_line, format_progress_stats, run_header


class BatchReporter(EventListener):
    """Turns engine events into terminal output; remembers the last evaluations for the end."""

    def __init__(self, console: Console, live: bool):
        self.console = console
        self.live = live
        self.started = False
        self.last_val: Evaluation | None = None
        self.last_test: Evaluation | None = None
        self.progress: Progress | None = None
        self.epoch_task: TaskID | None = None
        self.run_task: TaskID | None = None
        self.bar_epoch = -1
        self.epochs = 0
        self.steps_per_epoch = 0
        self.data_bar: Progress | None = None
        self.data_tasks: dict[str, TaskID] = {}
        self.data_quarters: dict[str, int] = {}

    def on_log(self, event: LogMessage) -> None:
        style = {"error": "red", "warning": "yellow"}.get(event.level, "dim")
        self.console.print(event.text, style=style, markup=False, highlight=False)

    def on_data_progress(self, event: DataProgress) -> None:
        self._data_progress(event)

    def on_run_start(self, event: RunStarted) -> None:
        self._stop_data_bar()
        self._started(event)

    def on_batch_end(self, event: BatchEnd) -> None:
        if self.progress is not None:
            self._advance(self.progress, event)

    def on_epoch_end(self, event: EpochEnd) -> None:
        self.console.print(format_epoch_line(event), markup=False, highlight=False, soft_wrap=True)

    def on_evaluation(self, event: Evaluation) -> None:
        if event.split == "val":
            self.last_val = event
        else:
            self.last_test = event

    def on_pause(self, event: RunPaused) -> None:
        self.console.print(f"paused at step {event.step}", markup=False)

    def on_resume(self, event: RunResumed) -> None:
        self.console.print(f"resumed at step {event.step}", markup=False)

    def on_settings_change(self, event: SettingsChanged) -> None:
        # The change itself is in the log; the epoch bar's "epoch 3/N" follows a changed length.
        self.epochs = event.epochs

    def on_run_end(self, event: RunFinished) -> None:
        self._stop_data_bar()
        self._stop_progress()

    def end_data_progress(self) -> None:
        """A dataset load reported through this reporter is over: its bar goes."""
        self._stop_data_bar()

    def _data_progress(self, event: DataProgress) -> None:
        amount = format_amount(event.what, event.done, event.total)
        if not self.live:
            # Plain output (logs, CI): a line at the start and at each quarter, not per chunk.
            quarter = 4 * event.done // event.total if event.total else 0
            if self.data_quarters.get(event.what, -1) < quarter:
                self.data_quarters[event.what] = quarter
                percent = f"{25 * quarter}% " if event.total else ""
                self.console.print(f"{event.what}: {percent}({amount})", markup=False, highlight=False)
            return
        if self.data_bar is None:
            self.data_bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[amount]}"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.data_bar.start()
        task = self.data_tasks.get(event.what)
        if task is None:
            task = self.data_bar.add_task(event.what, total=event.total, amount="")
            self.data_tasks[event.what] = task
        self.data_bar.update(task, completed=event.done, total=event.total, amount=amount)

    def _stop_data_bar(self) -> None:
        if self.data_bar is not None:
            self.data_bar.stop()
            self.data_bar = None

    def _started(self, event: RunStarted) -> None:
        self.started = True
        self.epochs = event.config.train.epochs
        lines = run_header(event)
        lines[-1] += f"; run dir: {event.run_dir}"
        if event.start_epoch:
            lines.append(f"resuming after epoch {event.start_epoch}")
        self.console.print("\n".join(lines), markup=False, highlight=False)
        if self.live:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[stats]}"),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.steps_per_epoch = event.steps_per_epoch
            self.epoch_task = self.progress.add_task(
                f"epoch {event.start_epoch + 1}/{self.epochs}", total=event.steps_per_epoch, stats=""
            )
            self.bar_epoch = event.start_epoch
            self.run_task = self.progress.add_task(
                "run", total=event.total_steps, completed=event.start_epoch * event.steps_per_epoch, stats=""
            )
            self.progress.start()

    def _advance(self, progress: Progress, event: BatchEnd) -> None:
        """A bar for the epoch (loss, running accuracy, speed, the epoch's ETA) above one for the run."""
        assert self.epoch_task is not None and self.run_task is not None  # made with `progress`
        if event.epoch != self.bar_epoch:
            self.bar_epoch = event.epoch
            progress.reset(
                self.epoch_task,
                total=self.steps_per_epoch,
                description=f"epoch {event.epoch + 1}/{self.epochs}",
            )
        stats = format_progress_stats(event)
        progress.update(
            self.epoch_task, completed=round(event.epoch_fraction * self.steps_per_epoch), stats=stats
        )
        progress.update(self.run_task, completed=event.step, total=event.total_steps)

    def _stop_progress(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
