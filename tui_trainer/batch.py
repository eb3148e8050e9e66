"""`--batch`: the engine without Textual. Trains one run (or one rank of a torchrun run), prints
its end, sets the exit code; the first stop signal stops after the current batch and saves, a
second aborts. What it prints while training is `batch_reporter`'s, the end's tables
`final_tables`'."""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable
from types import FrameType

from rich.console import Console

from tui_trainer.batch_reporter import BatchReporter
from tui_trainer.engine import ConfigError, RunFinished, TrainConfig, Trainer, TrainingControl
from tui_trainer.engine.distributed import DistributedRun, launched_by_torchrun
from tui_trainer.exit_codes import (
    ABORTED_MESSAGE,
    EXIT_BAD_CONFIG,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    INTERRUPTED_AFTER_RUN_MESSAGE,
)
from tui_trainer.export_command import export_and_report
from tui_trainer.final_tables import confusion_table, metrics_table, shown_confusion
from tui_trainer.signals import (
    SIGNAL_NAMES,
    exit_interrupted,
    handle_stop_signals,
    set_exit_at_once_message,
    silence_hung_up_terminal,
)


def run_batch(
    config: TrainConfig,
    console: Console | None = None,
    resume_from: str | None = None,
    export: str | None = None,
    weights: str = "final",
) -> int:
    """Train (or continue `resume_from`) headless; optionally export the finished model.
    Under torchrun, this process is one rank of a DistributedDataParallel run."""
    if not launched_by_torchrun():
        return _run_batch(config, console, None, resume_from, export, weights)
    try:
        distributed = DistributedRun.from_torchrun(config.train.device)
    except (ConfigError, RuntimeError, ValueError) as exc:
        text = " ".join(str(exc).split())
        print(f"tui-trainer: error: cannot join the torchrun process group: {text}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    try:
        return _run_batch(config, console, distributed, resume_from, export, weights)
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
    shown = shown_confusion(reporter.last_test, reporter.last_val)
    if shown is not None:
        console.print(confusion_table(shown))
    if finished.run_dir:
        console.print(f"run directory: {finished.run_dir}", markup=False, highlight=False)
    if finished.status == "stopped" and finished.run_dir:
        console.print(f"resume with: tui-trainer --resume {finished.run_dir}", markup=False, highlight=False)
    code = _exit_code(finished, reporter.started)
    if code == EXIT_OK and export and finished.run_dir:
        return export_and_report(finished.run_dir, export, weights, console)
    return code


def _exit_code(finished: RunFinished, started: bool) -> int:
    if finished.status == "failed":
        return EXIT_FAILED if started else EXIT_BAD_CONFIG
    return EXIT_INTERRUPTED if finished.status == "stopped" else EXIT_OK


def abort_now(console: Console | None) -> None:
    """The second stop signal: leave at once, as a kill would. Every file of the run is a complete
    earlier version (atomic writes) and a resume removes any temp file, so nothing is lost that a
    finished epoch saved."""
    if console is not None and console.is_terminal:
        # A live progress bar hides the cursor; OSError: the terminal is gone (SIGHUP).
        with contextlib.suppress(OSError):
            console.show_cursor(True)
    exit_interrupted(ABORTED_MESSAGE)


def _install_interrupt_handlers(
    control: TrainingControl, console: Console | None, distributed: DistributedRun | None = None
) -> Callable[[], None]:
    """The first Ctrl-C, SIGTERM or SIGHUP stops after the current batch and saves; a second
    one aborts. Under torchrun the ranks first agree on the stop (within a few steps) so none is
    left waiting."""
    stop = distributed.request_stop if distributed is not None else control.stop

    def handler(signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            silence_hung_up_terminal()
        if control.stop_requested or (distributed is not None and distributed.stop_pending):
            abort_now(console)
        if console is not None:
            with contextlib.suppress(OSError):
                console.print(
                    f"{SIGNAL_NAMES.get(signum, 'signal')}: stopping after the current batch "
                    "(press Ctrl-C again to abort)"
                )
        stop()

    restore = handle_stop_signals(handler)

    def restore_after_run() -> None:
        restore()
        set_exit_at_once_message(INTERRUPTED_AFTER_RUN_MESSAGE)

    return restore_after_run
