"""The training loop: one config in, a stream of events out, controllable from another thread.

Read top to bottom: set-up (`_set_up`), the epoch loop (`_fit`), one epoch's steps (`_train_steps`),
its evaluation (`_end_epoch`), the end (`_finish`). Where the run stands lives in `progress`; early
stopping, checkpoints and the run directory's records are callbacks (`engine.callbacks`) that keep
their own state; events go out to listeners. The hot loop never forces a device sync per step: step
losses stay on the device and are read once a progress report is due (`train.report_every_ms`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from tui_trainer.engine import checkpoint
from tui_trainer.engine.apply_changes import apply_changes, apply_requested_changes
from tui_trainer.engine.callbacks import Callback, ChangeLog, EarlyStopping, loop_callbacks
from tui_trainer.engine.callbacks.base import overrides
from tui_trainer.engine.components import build_loss, build_optimizer, build_scheduler
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.control import NonFiniteLoss, StopRun, TrainingControl
from tui_trainer.engine.data_placement import PlacedData, place_data
from tui_trainer.engine.datasets import DatasetSplits
from tui_trainer.engine.datasets.base import LoadProgress
from tui_trainer.engine.device import resolve_device, tune_for_model
from tui_trainer.engine.distributed import DistributedRun
from tui_trainer.engine.evaluation import evaluate, predict_classes
from tui_trainer.engine.events import (
    BatchEnd,
    DataProgress,
    EpochEnd,
    Event,
    EventCallback,
    LogMessage,
    RunFinished,
    RunPaused,
    RunResumed,
)
from tui_trainer.engine.failures import describe_failure
from tui_trainer.engine.model import build_model
from tui_trainer.engine.optimizer_step import OptimizerStep
from tui_trainer.engine.precision import make_precision, maybe_compile
from tui_trainer.engine.progress import TrainingProgress
from tui_trainer.engine.report_cadence import ReportCadence, StepWindow
from tui_trainer.engine.run_data import prepare_run_data
from tui_trainer.engine.run_start import announce_start
from tui_trainer.engine.rundir.writer import RunDirectory, describe_write_error
from tui_trainer.engine.training_state import resume_training


class Trainer:
    def __init__(
        self,
        config: TrainConfig,
        callback: EventCallback | None = None,
        control: TrainingControl | None = None,
        data: DatasetSplits | None = None,
        write_run_dir: bool = True,
        data_progress: LoadProgress | None = None,
        resume_from: str | Path | None = None,
        distributed: DistributedRun | None = None,
        callbacks: list[Callback] | None = None,
    ) -> None:
        self.config = config
        self.control = control or TrainingControl()
        self.data = data
        self.write_run_dir = write_run_dir
        self.data_progress = data_progress
        # A run directory (or checkpoint file) to continue; `config` must match its config.
        self.resume_from = resume_from
        self.distributed = distributed
        # Every event goes to each listener in turn (TensorBoard, when on, before `callback`).
        self.listeners: list[EventCallback] = [callback] if callback is not None else []
        if distributed is not None and not distributed.is_main:
            self.listeners, self.write_run_dir = [], False  # rank 0 alone reports and writes
        self.progress = TrainingProgress()
        self.early_stopping = EarlyStopping(config.train.patience)
        self.change_log = ChangeLog()
        overfit = config.train.overfit_batches
        self.callbacks: list[Callback] = loop_callbacks(
            self.early_stopping, self.change_log, callbacks or [], overfit
        )
        # Progress reports come often: only callbacks that use the hook are called for them.
        self._report_callbacks = [c for c in self.callbacks if overrides(c, "on_batch_end")]
        self.history: list[EpochEnd] = []
        # Built by `_set_up`: these four may be read after a failed set-up, the rest only after.
        self.meta: Any = None  # DatasetMeta
        self.model: nn.Module | None = None
        self.run_dir: RunDirectory | None = None
        self.scheduler: Any = None
        self.total_steps = 0

    device: torch.device
    train_model: nn.Module  # the DDP wrapper under torchrun, else model
    placed: PlacedData
    precision: Any
    loss_fn: nn.Module
    optimizer: torch.optim.Optimizer
    optimizer_step: OptimizerStep
    generator: torch.Generator
    cadence: ReportCadence

    def emit(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    def _call(self, hook: str, *args: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(self, *args)

    # ---- public entry -----------------------------------------------------------------
    def run(self) -> RunFinished:
        """Train to the end (or stop/failure) and return the final event. Never raises for
        configuration or training problems: they arrive as a failed RunFinished."""
        self.progress.started_at = time.perf_counter()
        try:
            self._set_up()
            return self._fit()
        except Exception as exc:  # one line for the user; the run directory keeps what finished
            return self._finish("failed", describe_failure(exc, self.config))

    # ---- set-up -----------------------------------------------------------------------
    def _set_up(self) -> None:
        """Data, model, optimizer and run directory, a resume's state restored; emits RunStarted."""
        config = self.config.check()
        resume = checkpoint.load_checkpoint(self.resume_from) if self.resume_from is not None else None
        if resume is not None:
            checkpoint.check_resumable(resume, config)
        if config.train.tensorboard:
            from tui_trainer.engine.tensorboard import TensorBoardLogger

            self.listeners.insert(0, TensorBoardLogger(config))
        self.emit(LogMessage(f"loading dataset {config.dataset.name}"))
        progress = self.data_progress or (lambda what, done, n: self.emit(DataProgress(what, done, n)))
        dist_run = self.distributed
        prepared = prepare_run_data(config, progress, self.data, dist_run.world_size if dist_run else 1)
        config, data, meta = prepared.config, prepared.data, prepared.data.meta
        for note in prepared.notes:
            self.emit(LogMessage(note))
        self.config, self.meta, self.early_stopping.patience = config, meta, config.train.patience
        self.preprocessing = data.preprocessing  # what prediction needs (ModelSnapshots sends it)
        device = self.device = dist_run.device if dist_run else resolve_device(config.train.device)
        torch.manual_seed(config.train.seed)
        model = self.model = build_model(config, meta).to(device)
        tune_for_model(model, device)
        placed = self.placed = place_data(data, device, config.dataset)
        placed.shuffle = not config.train.overfit_batches
        self.train_model = dist_run.prepare(model, placed, config.train.seed) if dist_run else model
        self.precision = make_precision(config.train.amp, device)
        self.train_model = maybe_compile(self.train_model, config.train.compile)
        self.loss_fn = build_loss(config, data.train.y, meta.n_classes).to(device)
        self.optimizer = build_optimizer(config, model.parameters())
        self.scheduler = build_scheduler(config, self.optimizer)
        self.optimizer_step = OptimizerStep(
            config,
            self.train_model,
            self.loss_fn,
            self.optimizer,
            self.precision,
            meta.n_classes,
            placed.batch_normalizer,
            check_each_step=device.type == "cpu",
        )
        self.generator = torch.Generator().manual_seed(config.train.seed)
        self.cadence = ReportCadence(config.train.report_every_ms / 1000.0)
        # A resume continues its checkpoint's state, then takes up the settings changed since.
        resumed = resume_training(self, resume) if resume is not None else None
        self._plan_steps()
        if resume is None and self.write_run_dir:
            self.run_dir = RunDirectory.create(config)
        if self.run_dir is not None:
            self.run_dir.write_config(config, data.preprocessing)
        announce_start(self)
        if resumed is not None:
            if resumed.replanned:
                self.emit(LogMessage(resumed.replanned))
            apply_changes(self, resumed.saved_config, config)

    # ---- the loop ---------------------------------------------------------------------
    def _fit(self) -> RunFinished:
        status, reason = "completed", ""
        self._call("on_run_start")
        try:
            epoch = self.progress.start_epoch
            while epoch < self.config.train.epochs:  # read each time: a change may extend or shorten it
                self._train_epoch(epoch)
                stopper = next((c for c in self.callbacks if c.stop_reason), None)
                if stopper is not None:
                    status, reason = stopper.stop_status, str(stopper.stop_reason)
                    break
                epoch += 1
        except StopRun:
            status = "stopped"
            reason = f"stopped by user at step {self.progress.step} (epoch {self.progress.epochs_done + 1})"
        self._send_held_report()  # early stopping or a stop left the last steps unsent
        return self._finish(status, reason or f"trained {self.config.train.epochs} epochs")

    def _train_epoch(self, epoch: int) -> None:
        """One epoch of training, then its evaluation."""
        window, correct = self._train_steps(epoch)
        train_seconds = time.perf_counter() - window.epoch_start
        self.progress.train_seconds += train_seconds
        n_correct = float(correct) if correct is not None else 0.0
        epoch_loss, seen = math.fsum(window.sample_losses), float(window.seen)
        if self.distributed is not None:
            epoch_loss, seen, n_correct = self.distributed.sum_values(epoch_loss, seen, n_correct)
        classify = self.meta.task == "classification"
        train_accuracy = n_correct / seen if classify and correct is not None else None
        self._end_epoch(epoch, epoch_loss / max(seen, 1), train_accuracy, train_seconds, int(seen))

    def _batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        batches = self.placed.batches(self.generator)
        return self.distributed.synchronized(batches, self.control) if self.distributed else batches

    def _plan_steps(self) -> int:
        """The batches left in the run counted from here (an epoch's start), as `total_steps`."""
        per_epoch = self.placed.batches_per_epoch
        self.total_steps = (
            self.progress.step + (self.config.train.epochs - self.progress.epochs_done) * per_epoch
        )
        return per_epoch

    def _train_steps(self, epoch: int) -> tuple[StepWindow, torch.Tensor | None]:
        """The epoch's batches (`optimizer_step` trains each), reporting progress when due. Returns
        the epoch's window (losses and sample counts) and its device counter of correct predictions."""
        control, progress, cadence, step = self.control, self.progress, self.cadence, self.optimizer_step
        classify = self.meta.task == "classification"
        loss_name = self.config.loss.name
        self.train_model.train()
        steps_per_epoch, epoch_start_step = self._plan_steps(), progress.step
        step.start_epoch(steps_per_epoch, self.placed.samples_per_epoch, self.placed.batch_size)
        window = StepWindow(epoch, steps_per_epoch, self.total_steps, progress.step, time.perf_counter())
        cadence.start(window.epoch_start)
        losses, sizes = window.losses, window.sizes
        correct = None  # a device counter: adding to it never waits for the device
        for xb, yb in self._batches():
            if control.stop_requested:
                raise StopRun
            if control.paused:
                if losses:  # the screen shows the step the run paused at
                    self._report(window, correct, time.perf_counter())
                paused_for = self._wait_while_paused()
                window.shift(paused_for)
                cadence.postpone(paused_for)
            if control.has_changes and step.at_boundary:
                apply_requested_changes(self, control.take_changes())
                remaining = (self.config.train.epochs - epoch) * steps_per_epoch
                self.total_steps = window.total_steps = epoch_start_step + remaining
            loss, out = step(xb, yb, progress.step + 1)
            losses.append(loss)
            sizes.append(int(yb.shape[0]))
            if classify:
                hits = (predict_classes(out.detach(), loss_name) == yb).sum()
                correct = hits if correct is None else correct + hits
            progress.step += 1
            now = time.perf_counter()
            if now >= cadence.next_due:
                self._report(window, correct, now)
        if losses:
            # The epoch's last steps: reported now only when a report is due (or the run ends),
            # else held for the next report, so reports stay at most one per report_every_ms.
            now = time.perf_counter()
            hold = now < cadence.next_due and epoch + 1 < self.config.train.epochs
            self._report(window, correct, now, hold=hold)
        return window, correct

    def _report(self, window: StepWindow, correct, now: float, hold: bool = False) -> None:
        """Emit progress (or hold it for the next report) for the steps since the last report."""
        step = self.optimizer_step
        report = window.report(
            self.progress.step, self.progress.train_seconds, now, correct, step.clipped, step.updates
        )
        event = self.cadence.combine(report)
        if hold:
            self.cadence.held = event
        else:
            self._send_report(event)
            self.cadence.sent()

    def _send_report(self, event: BatchEnd) -> None:
        for callback in self._report_callbacks:
            callback.on_batch_end(self, event)
        self.emit(event)

    def _send_held_report(self) -> None:
        held = self.cadence.take_held() if self.cadence is not None else None
        if held is not None:
            self._send_report(held)

    def _wait_while_paused(self) -> float:
        started = time.perf_counter()
        self._send_held_report()  # the last epoch's end, not yet shown
        self.emit(RunPaused(self.progress.step))
        while self.control.paused:
            self.control.wait_running(0.1)
        if self.control.stop_requested:
            raise StopRun
        self.emit(RunResumed(self.progress.step))
        return time.perf_counter() - started

    def _end_epoch(
        self, epoch: int, train_loss: float, train_accuracy: float | None, seconds: float, n_seen: int
    ) -> None:
        """Evaluate the epoch, step the scheduler, run the callbacks, emit EpochEnd and the evaluation."""
        config = self.config
        result = self._evaluate("val", epoch, detailed=bool(self.listeners))
        if self.distributed is not None:
            result.loss = self.distributed.from_main(result.loss)
        if not math.isfinite(result.loss):
            raise NonFiniteLoss(self.progress.step, result.loss)
        lr = self.optimizer.param_groups[0]["lr"]
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(result.loss)
        elif self.scheduler is not None:
            self.scheduler.step()
        self._call("on_evaluation", result)
        event = EpochEnd(
            epoch=epoch,
            epochs=config.train.epochs,
            train_loss=train_loss,
            val_loss=result.loss,
            train_accuracy=train_accuracy,
            val_accuracy=result.accuracy,
            lr=lr,
            seconds=seconds,
            samples_per_sec=n_seen / seconds if seconds > 0 else 0.0,
            improved=self.early_stopping.improved,
            extra={f"val_{k}": v for k, v in result.extra.items()} | self.optimizer_step.epoch_record(),
        )
        self.history.append(event)
        self.progress.epochs_done = epoch + 1
        self._call("on_epoch_end", event)  # metrics.jsonl, last.pt and best.pt
        self.emit(event)
        self.emit(result)

    def _evaluate(self, split: str, epoch: int, detailed: bool = True):
        data = self.placed.val if split == "val" else self.placed.test
        assert self.model is not None and data is not None  # both exist once set-up succeeded
        args = (self.config, self.meta, self.placed.eval_normalizer, self.loss_fn, self.device, detailed)
        return evaluate(self.model, data, split, epoch, *args, target_scaling=self.placed.target_scaling)

    # ---- the end ----------------------------------------------------------------------
    def _finish(self, status: str, reason: str) -> RunFinished:
        metrics: dict = {}
        if self.history:
            metrics.update({k: v for k, v in self.history[-1].as_record().items() if k != "seconds"})
            metrics["best_val_loss"] = self.early_stopping.best_val_loss
            metrics["best_epoch"] = self.early_stopping.best_epoch + 1
        run_dir = str(self.run_dir.path) if self.run_dir else None
        finished = RunFinished(status, reason, self.progress.epochs_done, 0.0, metrics, run_dir)
        try:
            if status != "failed" and self.placed.test is not None:  # not failed: set-up succeeded
                test = self._evaluate("test", self.progress.epochs_done - 1)
                metrics.update(test.as_metrics())
                self._call("on_evaluation", test)
                self.emit(test)
            finished.seconds = self.progress.wall_seconds()
            try:
                self._call("on_run_end", finished)  # model.pt, summary.json, last.pt and best.pt
            finally:
                if self.run_dir is not None:
                    self.run_dir.close()  # its lock: another process may resume the run now
        except OSError as exc:
            finished.status = "failed"
            finished.reason = f"{reason}; and saving the run failed: {describe_write_error(exc)}"
        finished.seconds = self.progress.wall_seconds()
        self.emit(finished)
        return finished


def train(config: TrainConfig, callback: EventCallback | None = None, **kwargs) -> RunFinished:
    """Convenience wrapper: build a Trainer and run it on this thread."""
    return Trainer(config, callback, **kwargs).run()
