"""`--batch`: the engine without Textual. A rich progress bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import signal
import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from tui_trainer.cli import ABORTED_MESSAGE, EXIT_BAD_CONFIG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.distributed import DistributedRun, launched_by_torchrun
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
from tui_trainer.engine.trainer import Trainer, TrainingControl
from tui_trainer.signals import (
    SIGNAL_NAMES,
    ExitAtOnce,
    exit_interrupted,
    handle_stop_signals,
    silence_hung_up_terminal,
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _short_pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def format_epoch(event: EpochEnd) -> str:
    parts = [
        f"epoch {event.epoch + 1}/{event.epochs}",
        f"train_loss {event.train_loss:.4f}",
    ]
    if event.train_accuracy is not None:
        parts.append(f"train_acc {_pct(event.train_accuracy)}")
    parts.append(f"val_loss {event.val_loss:.4f}")
    if event.val_accuracy is not None:
        parts.append(f"val_acc {_pct(event.val_accuracy)}")
    for key in ("val_mae", "val_r2"):
        if key in event.extra:
            parts.append(f"{key} {event.extra[key]:.4f}")
    parts += [f"lr {event.lr:.3g}", f"{event.samples_per_sec:,.0f} samples/s", f"{event.seconds:.2f}s"]
    return "  ".join(parts)


def format_amount(what: str, done: int, total: int | None) -> str:
    """`3.1/9.9 MB` for downloads (counted in bytes), `120/500` for anything else."""
    if what.startswith("downloading"):
        mb = f"{done / 1e6:.1f}"
        return f"{mb}/{total / 1e6:.1f} MB" if total else f"{mb} MB"
    return f"{done}/{total}" if total else str(done)


class BatchReporter(EventListener):
    """Turns engine events into terminal output; remembers the last evaluations for the end."""

    def __init__(self, console: Console, live: bool):
        self.console = console
        self.live = live
        self.started = False
        self.last_val: Evaluation | None = None
        self.last_test: Evaluation | None = None
        self.progress: Progress | None = None
        self.epoch_task = self.run_task = None
        self.bar_epoch = -1
        self.data_bar: Progress | None = None
        self.data_tasks: dict[str, object] = {}
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
            self._advance(event)

    def on_epoch_end(self, event: EpochEnd) -> None:
        self.console.print(format_epoch(event), markup=False, highlight=False, soft_wrap=True)

    def on_evaluation(self, event: Evaluation) -> None:
        if event.split == "val":
            self.last_val = event
        else:
            self.last_test = event

    def on_pause(self, event: RunPaused) -> None:
        self.console.print(f"paused at step {event.step}", markup=False)

    def on_resume(self, event: RunResumed) -> None:
        self.console.print(f"resumed at step {event.step}", markup=False)

    def on_run_end(self, event: RunFinished) -> None:
        self._stop_data_bar()
        self._stop_progress()

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
            task = self.data_tasks[event.what] = self.data_bar.add_task(event.what, total=event.total, amount="")
        self.data_bar.update(task, completed=event.done, total=event.total, amount=amount)

    def _stop_data_bar(self) -> None:
        if self.data_bar is not None:
            self.data_bar.stop()
            self.data_bar = None

    def _started(self, event: RunStarted) -> None:
        self.started = True
        c = event.config
        self.epochs = c.train.epochs
        hidden = ",".join(str(h) for h in c.model.hidden) or "none"
        self.console.print(
            f"{event.meta.summary()}\n"
            f"model: MLP hidden {hidden}, {c.model.activation}, {event.param_count:,} parameters; "
            f"loss {c.loss.name}; optimizer {c.optimizer.name} lr {c.optimizer.lr:g}\n"
            f"device: {event.device}; data: {event.loader}; {event.steps_per_epoch} steps/epoch × "
            f"{c.train.epochs} epochs; run dir: {event.run_dir}"
            + (f"\nresuming after epoch {event.start_epoch}" if event.start_epoch else ""),
            markup=False,
            highlight=False,
        )
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

    def _advance(self, event: BatchEnd) -> None:
        """A bar for the epoch (loss, running accuracy, speed, the epoch's ETA) above one for the run."""
        if event.epoch != self.bar_epoch:
            self.bar_epoch = event.epoch
            self.progress.reset(self.epoch_task, total=self.steps_per_epoch,
                                description=f"epoch {event.epoch + 1}/{self.epochs}")
        stats = f"loss {event.loss:.4f}"
        if event.accuracy is not None:
            stats += f"  acc {_pct(event.accuracy)}"
        stats += f"  {event.samples_per_sec:,.0f} samples/s"
        self.progress.update(self.epoch_task, completed=round(event.epoch_fraction * self.steps_per_epoch),
                             stats=stats)
        self.progress.update(self.run_task, completed=event.step)

    def _stop_progress(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


def metrics_table(finished: RunFinished) -> Table:
    table = Table(title="final metrics", show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in finished.metrics.items():
        if value is None:
            continue
        if isinstance(value, float):
            if "accuracy" in key:
                text = _pct(value)
            elif key == "samples_per_sec":
                text = f"{value:,.0f}"
            else:
                text = f"{value:.4g}"
        else:
            text = str(value)
        table.add_row(key, text)
    return table


def confusion_table(evaluation: Evaluation) -> Table:
    matrix = evaluation.confusion
    names = evaluation.class_names or [str(i) for i in range(matrix.shape[0])]
    table = Table(title=f"confusion matrix ({evaluation.split}; rows = true, columns = predicted)")
    table.add_column("true\\pred", no_wrap=True)
    for name in names:
        table.add_column(name[:10], justify="right")
    table.add_column("recall", justify="right")
    for i, name in enumerate(names):
        cells = []
        for j in range(len(names)):
            count = int(matrix[i, j])
            cells.append(f"[bold green]{count}[/]" if i == j else (f"[red]{count}[/]" if count else "[dim]0[/]"))
        table.add_row(name[:16], *cells, _short_pct(evaluation.recall[i]))
    table.add_row(
        "precision", *[_short_pct(p) for p in evaluation.precision], _short_pct(evaluation.accuracy)
    )
    return table


def run_batch(
    config: TrainConfig,
    console: Console | None = None,
    resume_from: str | None = None,
    export: str | None = None,
    weights: str = "final",
) -> int:
    """Train (or continue `resume_from`) headless; optionally export the finished model.
    Under torchrun, this process is one rank of a DistributedDataParallel run."""
    options = {"resume_from": resume_from, "export": export, "weights": weights}
    if not launched_by_torchrun():
        return _run_batch(config, console, None, **options)
    try:
        distributed = DistributedRun.from_torchrun(config.train.device)
    except (ConfigError, RuntimeError, ValueError) as exc:
        text = " ".join(str(exc).split())
        print(f"tui-trainer: error: cannot join the torchrun process group: {text}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    try:
        return _run_batch(config, console, distributed, **options)
    finally:
        distributed.shutdown()


def _run_batch(
    config: TrainConfig,
    console: Console | None,
    distributed: DistributedRun | None,
    resume_from: str | None,
    export: str | None,
    weights: str,
) -> int:
    if console is None:
        console = Console(highlight=False)
        if not console.is_terminal:
            # Logs and CI captures: one line per epoch, never wrapped at 80 columns.
            console = Console(highlight=False, width=200)
    live = console.is_terminal
    reporter = BatchReporter(console, live)
    control = TrainingControl()
    trainer = Trainer(config, reporter, control, resume_from=resume_from, distributed=distributed)
    quiet = distributed is not None and not distributed.is_main  # rank 0 alone prints and writes
    if distributed is not None and not quiet:
        console.print(
            f"distributed: {distributed.world_size} processes ({distributed.backend}); "
            f"each rank trains 1/{distributed.world_size} of every epoch",
            markup=False,
        )
    restore = _install_interrupt_handlers(control, None if quiet else console, distributed)
    try:
        finished = trainer.run()
    finally:
        restore()
    if quiet:
        return _exit_code(finished, started=True)
    if finished.status == "failed":
        print(f"tui-trainer: error: {finished.reason}", file=sys.stderr)
        if finished.run_dir:  # on stdout: the error stays one line
            console.print(f"run directory: {finished.run_dir}", markup=False, highlight=False)
        return _exit_code(finished, reporter.started)
    console.print(f"{finished.status}: {finished.reason} in {finished.seconds:.1f}s", markup=False)
    if finished.metrics:
        console.print(metrics_table(finished))
    shown = reporter.last_test or reporter.last_val
    if shown is not None and shown.confusion is not None and shown.confusion.shape[0] <= 20:
        console.print(confusion_table(shown))
    if finished.run_dir:
        console.print(f"run directory: {finished.run_dir}", markup=False, highlight=False)
    if finished.status == "stopped" and finished.run_dir:
        console.print(
            f"resume with: tui-trainer --resume {finished.run_dir}", markup=False, highlight=False
        )
    code = _exit_code(finished, reporter.started)
    if code == EXIT_OK and export and finished.run_dir:
        return export_and_report(finished.run_dir, export, weights, console)
    return code


def _exit_code(finished: RunFinished, started: bool) -> int:
    if finished.status == "failed":
        return EXIT_FAILED if started else EXIT_BAD_CONFIG
    return EXIT_INTERRUPTED if finished.status == "stopped" else EXIT_OK


def export_and_report(run_dir: str, fmt: str, weights: str = "final", console: Console | None = None) -> int:
    from tui_trainer.engine.export import ExportError, export_run
    from tui_trainer.engine.runs import describe_write_error
    from tui_trainer.engine.weights_file import WeightsFileError

    try:
        result = export_run(run_dir, fmt, weights)
    except WeightsFileError as exc:
        print(f"tui-trainer: error: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    except ExportError as exc:
        print(f"tui-trainer: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"tui-trainer: error: {describe_write_error(exc)}", file=sys.stderr)
        return EXIT_FAILED
    (console or Console(highlight=False)).print(
        result.describe(), markup=False, highlight=False, soft_wrap=True
    )
    return EXIT_OK


def abort_now(console: Console | None) -> None:
    """The second stop signal: leave at once, as a kill would. Every file of the run is a complete
    earlier version (atomic writes) and a resume removes any temp file, so nothing is lost that a
    finished epoch saved."""
    if console is not None and console.is_terminal:
        try:
            console.show_cursor(True)  # a live progress bar hides it
        except OSError:  # the terminal is gone (SIGHUP)
            pass
    exit_interrupted(ABORTED_MESSAGE)


def _install_interrupt_handlers(control: TrainingControl, console: Console | None, distributed=None):
    """The first Ctrl-C, SIGTERM or SIGHUP stops after the current batch and saves; a second
    one aborts. Under torchrun the ranks first agree on the stop (within a few steps) so none is
    left waiting."""
    stop = distributed.request_stop if distributed is not None else control.stop

    def handler(signum, frame):
        if signum == signal.SIGHUP:
            silence_hung_up_terminal()
        if control.stop_requested or (distributed is not None and distributed.stop_pending):
            abort_now(console)
        if console is not None:
            try:
                console.print(f"{SIGNAL_NAMES.get(signum, 'signal')}: stopping after the current batch "
                              "(press Ctrl-C again to abort)")
            except OSError:
                pass
        stop()

    restore = handle_stop_signals(handler)

    def restore_after_run():
        restore()
        early = signal.getsignal(signal.SIGINT)
        if isinstance(early, ExitAtOnce):  # cli's: from now on a signal cuts only the report short
            early.message = "tui-trainer: interrupted after the run ended; its files are complete"

    return restore_after_run
