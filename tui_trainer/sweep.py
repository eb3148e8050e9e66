"""`--sweep`: run a grid of configs, one `tui-trainer --batch` process per point, and rank them.

Each point is a real CLI subprocess (`python -m tui_trainer --batch points/pNN.toml`), so a point
is exactly a batch run (same files, same exit codes) and a crash in one point cannot take the
sweep down. `--parallel K` runs K points at once and divides the CPU threads among them (and the
GPUs, when there are several). Everything goes under `<output_dir>/sweep-<timestamp>/`: the run
directories, `points/` (each point's config), `logs/` (output of parallel points), `sweep.json`
(the grid) and `sweep.csv` (one row per point, rewritten as points finish).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.distributed import launched_by_torchrun
from tui_trainer.engine.rundir.atomic import atomic_write_text
from tui_trainer.engine.rundir.layout import (
    SUMMARY_FILE,
    SWEEP_LOGS_DIR,
    SWEEP_MANIFEST_FILE,
    SWEEP_POINTS_DIR,
    SWEEP_TABLE_FILE,
    find_run_dir,
)
from tui_trainer.engine.rundir.past_runs import load_curves, load_summary
from tui_trainer.engine.rundir.writer import create_sweep_dir
from tui_trainer.engine.sweep_grid import SweepPoint, grid_points, parse_axes, point_run_name
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from tui_trainer.formatting import format_number, format_percent
from tui_trainer.results_table import FINISHED_OK, ResultRow, csv_cell, results_table
from tui_trainer.signals import SIGNAL_NAMES, handle_stop_signals, silence_hung_up_terminal

POLL_SECONDS = 0.1


@dataclass
class PointResult:
    point: SweepPoint
    run_name: str
    status: str = "pending"  # then running, completed, early_stopped, stopped, failed or skipped
    reason: str = ""
    run_dir: Path | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    best_val_accuracy: float | None = None
    best_val_loss: float | None = None
    epochs_done: int | None = None
    seconds: float | None = None


def run_sweep(
    base: TrainConfig,
    specs: list[str],
    parallel: int = 1,
    set_keys: Sequence[str] = (),
    console: Console | None = None,
) -> int:
    console = console or Console(highlight=False, width=None if sys.stdout.isatty() else 200)
    try:
        if launched_by_torchrun():
            raise ConfigError("--sweep cannot run under torchrun; run the sweep without torchrun")
        if parallel < 1:
            raise ConfigError(f"--parallel must be at least 1, got {parallel}")
        points = grid_points(base, parse_axes(specs, list(set_keys)))
        _check_dataset_names(points)
    except ConfigError as exc:
        print(f"tui-trainer: error: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    try:
        sweep = Sweep(base, points, parallel, console)
    except OSError as exc:
        print(f"tui-trainer: error: cannot create the sweep directory: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return sweep.run()


class Sweep:
    def __init__(self, base: TrainConfig, points: list[SweepPoint], parallel: int, console: Console):
        self.console = console
        self.parallel = min(parallel, len(points))
        self.keys = list(points[0].params)
        self.dir = create_sweep_dir(Path(base.train.output_dir).expanduser())
        (self.dir / SWEEP_POINTS_DIR).mkdir()
        width = len(str(len(points)))
        self.results = [PointResult(p, point_run_name(p, width)) for p in points]
        for result in self.results:
            config = result.point.config
            config.train.output_dir, config.train.run_name = str(self.dir), result.run_name
            config.save(self._config_path(result))
        self.threads = threads_per_process(self.parallel)
        self.gpus = visible_gpus(points[0].config) if self.parallel > 1 else []
        self.stopping = False
        self.running: dict[int, tuple[PointResult, subprocess.Popen[bytes], IO[str] | None]] = {}  # by slot
        self._write_manifest()

    # ---- running ----------------------------------------------------------------------
    def run(self) -> int:
        n = len(self.results)
        self.console.print(
            f"sweep: {n} point{'s' * (n != 1)} over {', '.join(self.keys)}; {self.parallel} at a time, "
            f"{self.threads} CPU thread(s) each; directory {self.dir}",
            markup=False,
            highlight=False,
        )
        restore = self._install_interrupt_handlers()
        running = self.running
        pending = deque(self.results)
        try:
            while pending or running:
                free = [slot for slot in range(self.parallel) if slot not in running]
                while pending and free and not self.stopping:
                    slot = free.pop(0)
                    result = pending.popleft()
                    running[slot] = (result, *self._start(result, slot))
                for slot, (result, process, log) in list(running.items()):
                    if process.poll() is not None:
                        del running[slot]
                        if log is not None:
                            log.close()
                        self._collect(result, process.returncode)
                if self.stopping:
                    for result in pending:
                        result.status, result.reason = "skipped", "sweep interrupted before it started"
                    pending.clear()
                time.sleep(POLL_SECONDS)
        finally:
            for _result, process, _log in running.values():  # only reached on an abort
                process.kill()
                process.wait()
            restore()
        self._write_csv()
        self.console.print(self.table())
        self.console.print(f"sweep results: {self.dir / SWEEP_TABLE_FILE}", markup=False, highlight=False)
        if self.stopping:
            return EXIT_INTERRUPTED
        return EXIT_OK if all(r.status in FINISHED_OK for r in self.results) else EXIT_FAILED

    def _start(self, result: PointResult, slot: int) -> tuple[subprocess.Popen[bytes], IO[str] | None]:
        result.status = "running"
        self.console.print(
            f"[{result.point.index + 1}/{len(self.results)}] start {result.run_name}: {result.point.label()}",
            markup=False,
            highlight=False,
        )
        env = dict(os.environ, OMP_NUM_THREADS=str(self.threads), MKL_NUM_THREADS=str(self.threads))
        if self.gpus:
            env["CUDA_VISIBLE_DEVICES"] = self.gpus[slot % len(self.gpus)]
        command = [sys.executable, "-m", "tui_trainer", "--batch", str(self._config_path(result))]
        log = None
        if self.parallel > 1:  # interleaved progress bars are unreadable: each point gets a log
            self._log_path(result).parent.mkdir(exist_ok=True)
            log = open(self._log_path(result), "w", encoding="utf-8")  # noqa: SIM115 (closed in run())
        # A new session: a terminal Ctrl-C reaches only us, and we pass exactly one on.
        process = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        return process, log

    def _collect(self, result: PointResult, exit_code: int) -> None:
        run_dir = find_run_dir(self.dir, result.run_name)
        result.run_dir = run_dir
        summary = load_summary(run_dir) if run_dir else None
        if summary is None or run_dir is None:
            result.status = "failed"
            result.reason = f"exited with code {exit_code} before writing a summary" + self._log_tail(result)
        else:
            result.status, result.reason = summary.get("status", "failed"), summary.get("reason", "")
            result.metrics = summary.get("metrics", {})
            result.epochs_done, result.seconds = summary.get("epochs_done"), summary.get("wall_seconds")
            result.best_val_loss = result.metrics.get("best_val_loss")
            accuracies = [a for a in load_curves(run_dir).val_accuracy if a is not None]
            result.best_val_accuracy = max(accuracies) if accuracies else None
            summary["sweep"] = {
                "name": self.dir.name,
                "dir": str(self.dir),
                "index": result.point.index + 1,
                "points": len(self.results),
                "params": result.point.params,
            }
            atomic_write_text(run_dir / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")
        self.console.print(
            f"[{result.point.index + 1}/{len(self.results)}] {result.status} {result.run_name}: "
            f"{_best_text(result)}{'; ' + result.reason if result.status not in FINISHED_OK else ''}",
            markup=False,
            highlight=False,
        )
        self._write_csv()

    def _log_tail(self, result: PointResult) -> str:
        path = self._log_path(result)
        if not path.exists():
            return ""
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
        return f": {lines[-1].strip()}" if lines else ""

    def _install_interrupt_handlers(self) -> Callable[[], None]:
        def stop() -> None:
            self.stopping = True

        def processes() -> list[subprocess.Popen[bytes]]:
            return [process for _, process, _ in self.running.values()]

        return forward_stop_signals(self.console, "points", processes, lambda: self.stopping, stop)

    # ---- files and the table ----------------------------------------------------------
    def _config_path(self, result: PointResult) -> Path:
        return self.dir / SWEEP_POINTS_DIR / f"{result.run_name}.toml"

    def _log_path(self, result: PointResult) -> Path:
        return self.dir / SWEEP_LOGS_DIR / f"{result.run_name}.log"

    def _write_manifest(self) -> None:
        manifest = {
            "name": self.dir.name,
            "created": time.strftime("%Y-%m-%d %H:%M:%S"),
            "parallel": self.parallel,
            "axes": {
                key: list(dict.fromkeys(r.point.params[key] for r in self.results)) for key in self.keys
            },
            "points": [
                {
                    "index": r.point.index + 1,
                    "run_name": r.run_name,
                    "params": r.point.params,
                    "config": str(self._config_path(r).relative_to(self.dir)),
                }
                for r in self.results
            ],
        }
        atomic_write_text(self.dir / SWEEP_MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")

    def _write_csv(self) -> None:
        fixed = ["index", *self.keys, "status", "best_val_accuracy", "best_val_loss"]
        metric_keys: list[str] = []
        for result in self.results:  # the final metrics, as summary.json has them
            metric_keys += [k for k in result.metrics if k not in metric_keys and k not in fixed]
        header = [*fixed, *metric_keys, "epochs_done", "seconds", "run_dir", "reason"]
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for r in self.results:
            writer.writerow(
                [
                    r.point.index + 1,
                    *r.point.params.values(),
                    r.status,
                    csv_cell(r.best_val_accuracy),
                    csv_cell(r.best_val_loss),
                    *(csv_cell(r.metrics.get(k)) for k in metric_keys),
                    csv_cell(r.epochs_done),
                    csv_cell(r.seconds),
                    str(r.run_dir or ""),
                    r.reason,
                ]
            )
        atomic_write_text(self.dir / SWEEP_TABLE_FILE, buffer.getvalue())

    def ranked(self) -> list[PointResult]:
        """Best first: by best validation accuracy for classification, loss for regression;
        points without a result come last."""
        by_accuracy = any(r.best_val_accuracy is not None for r in self.results)

        def key(r: PointResult) -> tuple[int, float, int]:
            value = r.best_val_accuracy if by_accuracy else r.best_val_loss
            if value is None:
                return (1, 0.0, r.point.index)
            return (0, -value if by_accuracy else value, r.point.index)

        return sorted(self.results, key=key)

    def table(self) -> Table:
        by_accuracy = any(r.best_val_accuracy is not None for r in self.results)
        metric_titles = ["best val acc", "test acc"] if by_accuracy else ["best val loss", "test loss"]
        rows = []
        for r in self.ranked():
            if by_accuracy:
                metrics = [
                    format_percent(r.best_val_accuracy),
                    format_percent(r.metrics.get("test_accuracy")),
                ]
            else:
                metrics = [format_number(r.best_val_loss), format_number(r.metrics.get("test_loss"))]
            run = r.run_dir.name if r.run_dir else "-"
            rows.append(
                ResultRow(
                    str(r.point.index + 1),
                    list(r.point.params.values()),
                    r.status,
                    metrics,
                    csv_cell(r.epochs_done) or "-",
                    run,
                )
            )
        title = f"{self.dir.name}: best validation {'accuracy' if by_accuracy else 'loss'} first"
        return results_table(title, self.keys, metric_titles, rows)


def _check_dataset_names(points: list[SweepPoint]) -> None:
    from tui_trainer.engine.datasets.registry import find_spec

    for point in points:
        try:
            find_spec(point.config.dataset.name)
        except ConfigError as exc:
            raise ConfigError(f"sweep point {point.index + 1} ({point.label()}): {exc}") from None


def threads_per_process(parallel: int) -> int:
    """CPU threads for each of `parallel` processes: the cores divided among them, at most
    the OMP_NUM_THREADS the user set."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows
        cores = os.cpu_count() or 1
    threads = max(1, cores // parallel)
    user = os.environ.get("OMP_NUM_THREADS", "")
    return min(threads, int(user)) if user.isdigit() and int(user) > 0 else threads


def visible_gpus(config: TrainConfig) -> list[str]:
    """GPU ids to hand out round-robin to parallel processes (one device each), when the
    config lets us choose."""
    if config.train.device not in ("auto", "cuda"):
        return []
    import torch

    count = torch.cuda.device_count()
    if count < 2:
        return []
    listed = [d for d in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip()]
    return listed[:count] if listed else [str(i) for i in range(count)]


def _best_text(result: PointResult) -> str:
    if result.best_val_accuracy is not None:
        return f"best val_acc {format_percent(result.best_val_accuracy)}"
    if result.best_val_loss is not None:
        return f"best val_loss {format_number(result.best_val_loss)}"
    return "no result"


def forward_stop_signals(
    console: Console,
    what: str,
    processes: Callable[[], list[subprocess.Popen[bytes]]],
    stopping: Callable[[], bool],
    stop: Callable[[], None],
) -> Callable[[], None]:
    """First Ctrl-C, SIGTERM or SIGHUP: `stop()` (no new child starts) and the running children
    (`what`: points, trials) stop after their batch and save. A second one is passed on too,
    which makes them abort. Returns the function that puts the previous handlers back."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            silence_hung_up_terminal()
        if not stopping():
            with contextlib.suppress(OSError):
                console.print(
                    f"{SIGNAL_NAMES.get(signum, 'signal')}: stopping the running {what} "
                    "(Ctrl-C again aborts them)"
                )
        stop()
        # SIGHUP is passed on as it came: a child printing to the closed terminal silences it too.
        passed_on = signal.SIGHUP if signum == signal.SIGHUP else signal.SIGINT
        for process in processes():
            if process.poll() is None:
                process.send_signal(passed_on)

    return handle_stop_signals(handler)
