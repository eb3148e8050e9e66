"""The training loop: one config in, a stream of events out, controllable from another thread.

The hot loop never forces a device sync per step: step losses stay on the device and are read in
one batch when a progress report is due (at most every `train.report_every_ms`).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Iterator

import torch
from torch import nn

from tui_trainer.engine import checkpoint
from tui_trainer.engine.components import (
    build_loss,
    build_optimizer,
    build_scheduler,
    prepare_targets,
    uses_fused_kernel,
)
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.control import NonFiniteLoss, StopRun as _StopRun, TrainingControl
from tui_trainer.engine.failures import describe_failure
from tui_trainer.engine.data_placement import PlacedData, place_data
from tui_trainer.engine.datasets import DatasetSplits, load_dataset
from tui_trainer.engine.datasets.base import LoadProgress
from tui_trainer.engine.device import describe_device, resolve_device
from tui_trainer.engine.distributed import DistributedRun
from tui_trainer.engine.evaluation import evaluate, predict_classes
from tui_trainer.engine.events import (
    BatchEnd,
    DataProgress,
    EpochEnd,
    Event,
    EventCallback,
    LogMessage,
    merge_batches,
    RunFinished,
    RunPaused,
    RunResumed,
    RunStarted,
)
from tui_trainer.engine.model import build_model, count_parameters, layer_summary
from tui_trainer.engine.precision import make_precision, maybe_compile
from tui_trainer.engine.runs import RunDirectory, describe_write_error
from tui_trainer.engine.summary import write_final_files
from tui_trainer.engine.validate import check_against_data


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
    ) -> None:
        self.config = config
        self.callback = callback
        self.control = control or TrainingControl()
        self.data = data
        self.write_run_dir = write_run_dir
        self.data_progress = data_progress
        # A run directory (or checkpoint file) to continue; `config` must match its config.
        self.resume_from = resume_from
        self.start_epoch = 0
        self.distributed = distributed
        if distributed is not None and not distributed.is_main:
            self.callback, self.write_run_dir = None, False  # rank 0 alone reports and writes
        self.model: nn.Module | None = None
        self.train_model: nn.Module | None = None  # the DDP wrapper under torchrun, else model
        self.run_dir: RunDirectory | None = None
        self.history: list[EpochEnd] = []
        self.placed: PlacedData | None = None
        self._step = 0
        self._train_seconds = 0.0
        self._best_val = math.inf
        self._best_epoch = -1
        self._stale_epochs = 0
        self._held_report: BatchEnd | None = None  # an epoch's last steps, reported with the next
        self._next_report: float | None = None  # when the next progress report is due

    def emit(self, event: Event) -> None:
        if self.callback is not None:
            self.callback(event)

    # ---- public entry -----------------------------------------------------------------
    def run(self) -> RunFinished:
        """Train to the end (or stop/failure) and return the final event. Never raises for
        configuration or training problems: they arrive as a failed RunFinished."""
        self._t0 = time.perf_counter()
        self._epochs_done = 0
        try:
            return self._run()
        except Exception as exc:  # one line for the user; the run directory keeps what finished
            return self._finish("failed", describe_failure(exc, self.config))
        finally:
            if self.run_dir is not None:
                self.run_dir.close()

    # ---- set-up -----------------------------------------------------------------------
    def _run(self) -> RunFinished:
        config = self.config.check()
        resume = checkpoint.load_checkpoint(self.resume_from) if self.resume_from is not None else None
        if resume is not None:
            checkpoint.check_resumable(resume, config)
        if config.train.tensorboard:
            from tui_trainer.engine.tensorboard import TensorBoardLogger

            self.callback = TensorBoardLogger.chained(self.callback, config)
        self.emit(LogMessage(f"loading dataset {config.dataset.name}"))
        progress = self.data_progress or (lambda what, done, total: self.emit(DataProgress(what, done, total)))
        data = self.data or load_dataset(config.dataset, config.train.seed, progress)
        meta = data.meta
        for note in meta.notes:
            self.emit(LogMessage(note))
        check_against_data(config, meta)
        dist_run = self.distributed
        device = dist_run.device if dist_run else resolve_device(config.train.device)
        torch.manual_seed(config.train.seed)
        model = build_model(config, meta).to(device)
        self.model = model
        placed = place_data(data, device, config.dataset)
        self.train_model = dist_run.prepare(model, placed, config.train.seed) if dist_run else model
        self.precision = make_precision(config.train.amp, device)
        self.train_model = maybe_compile(self.train_model, config.train.compile)
        self.meta, self.device, self.placed = meta, device, placed
        self.loss_fn = build_loss(config)
        self.optimizer = build_optimizer(config, model.parameters())
        self.scheduler = build_scheduler(config, self.optimizer)
        self.generator = torch.Generator().manual_seed(config.train.seed)
        if resume is not None:
            checkpoint.apply_training_state(self, resume)
            if self.write_run_dir:
                path = Path(self.resume_from)
                self.run_dir = RunDirectory.open(path if path.is_dir() else path.parent, resume["history"])
        elif self.write_run_dir:
            self.run_dir = RunDirectory.create(config)
        if self.run_dir is not None:
            self.run_dir.write_config(config)
        steps_per_epoch = placed.batches_per_epoch
        self.emit(
            RunStarted(
                config=config,
                meta=meta,
                device=describe_device(device),
                param_count=count_parameters(model),
                layers=layer_summary(model, meta),
                steps_per_epoch=steps_per_epoch,
                total_steps=steps_per_epoch * config.train.epochs,
                start_epoch=self.start_epoch,
                run_dir=str(self.run_dir.path) if self.run_dir else None,
                loader=placed.mode,
            )
        )
        compiled = "; torch.compile on" if config.train.compile else ""
        kernel = " (fused kernel)" if uses_fused_kernel(self.optimizer) else ""
        self.emit(LogMessage(
            f"training step in {self.precision.describe()}{compiled}; optimizer {type(self.optimizer).__name__}{kernel}"
        ))
        return self._fit()

    # ---- the loop ---------------------------------------------------------------------
    def _fit(self) -> RunFinished:
        config, placed = self.config, self.placed
        epochs = config.train.epochs
        self._total_steps = placed.batches_per_epoch * epochs
        status, reason = "completed", f"trained {epochs} epochs"
        if self.start_epoch == 0:
            checkpoint.save_epoch_checkpoints(self)
        try:
            for epoch in range(self.start_epoch, epochs):
                stopped_early = self._train_epoch(epoch)
                self._epochs_done = epoch + 1
                checkpoint.save_epoch_checkpoints(self)
                if stopped_early:
                    status = "early_stopped"
                    reason = (
                        f"validation loss did not improve for {config.train.patience} epochs "
                        f"(best {self._best_val:.4g} at epoch {self._best_epoch + 1})"
                    )
                    break
        except _StopRun:
            status = "stopped"
            reason = f"stopped by user at step {self._step} (epoch {self._epochs_done + 1})"
        self._send_held_report()  # early stopping or a stop left the last steps unsent
        return self._finish(status, reason)

    def _batches(self, epoch: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        batches = self.placed.batches(self.generator)
        return self.distributed.synchronized(batches, self.control) if self.distributed else batches

    def _train_epoch(self, epoch: int) -> bool:
        """One epoch of training and validation. Returns True when early stopping triggers."""
        config, model = self.config, self.train_model
        loss_fn, optimizer = self.loss_fn, self.optimizer
        control = self.control
        classify = self.meta.task == "classification"
        loss_name = config.loss.name
        n_classes = self.meta.n_classes
        report_every = config.train.report_every_ms / 1000.0
        normalize = self.placed.batch_normalizer
        autocast, scaler = self.precision.autocast, self.precision.scaler
        # On the CPU reading a loss costs no device sync, so every step is checked before its
        # update is applied; on a GPU that read would stall the queue, so losses are checked at
        # each report (at most report_every_ms late; the failed run saves no model.pt).
        check_each_step = self.device.type == "cpu"

        model.train()
        pending: list[torch.Tensor] = []
        pending_sizes: list[int] = []
        correct = None  # a device counter: adding to it never waits for the device
        # Summed exactly once at the end: the total must not depend on how reports were timed.
        sample_losses: list[float] = []
        epoch_seen = 0
        window_start_step = self._step
        epoch_start = time.perf_counter()
        window_start = epoch_start
        # One deadline across epochs: with epochs shorter than the interval a per-epoch deadline
        # would never fall due inside one, and every report would wait for the run's end.
        if self._next_report is None:
            self._next_report = epoch_start + report_every
        steps_per_epoch = self.placed.batches_per_epoch

        def flush(now: float, hold: bool = False) -> None:
            """Report the steps since the last report (or hold them for the next one)."""
            nonlocal pending, pending_sizes, epoch_seen, window_start_step, window_start
            epoch_seen += sum(pending_sizes)
            fraction = (self._step - epoch * steps_per_epoch) / steps_per_epoch
            sample_losses.extend(self._report(
                epoch, pending, pending_sizes, window_start_step, now - window_start, fraction,
                now - epoch_start, _share(correct, epoch_seen), hold=hold,
            ))
            pending, pending_sizes = [], []
            window_start_step, window_start = self._step, now
            if not hold:
                # Counted from after the report was handled, so a slow listener cannot make the
                # next report come sooner than report_every_ms after this one.
                self._next_report = time.perf_counter() + report_every

        for xb, yb in self._batches(epoch):
            if control.stop_requested:
                raise _StopRun
            if control.paused:
                if pending:  # the screen shows the step the run paused at
                    flush(time.perf_counter())
                paused_for = self._wait_while_paused()
                window_start += paused_for
                epoch_start += paused_for
                self._next_report += paused_for
            with autocast():
                out = model(normalize(xb))
                loss = loss_fn(out, prepare_targets(config, yb, n_classes))
            if check_each_step and not math.isfinite(value := loss.item()):
                raise NonFiniteLoss(self._step + 1, value)
            optimizer.zero_grad(set_to_none=True)
            if scaler is None:
                loss.backward()
                optimizer.step()
            else:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            pending.append(loss.detach())
            pending_sizes.append(int(yb.shape[0]))
            if classify:
                hits = (predict_classes(out.detach(), loss_name) == yb).sum()
                correct = hits if correct is None else correct + hits
            self._step += 1
            now = time.perf_counter()
            if now >= self._next_report:
                flush(now)
        if pending:
            # The epoch's last steps: reported now only when a report is due (or the run ends),
            # else held for the next report, so reports stay at most one per report_every_ms.
            now = time.perf_counter()
            flush(now, hold=now < self._next_report and epoch + 1 < config.train.epochs)
        train_seconds = time.perf_counter() - epoch_start
        self._train_seconds += train_seconds
        n_correct = float(correct) if correct is not None else 0.0
        epoch_loss = math.fsum(sample_losses)
        if self.distributed is not None:
            epoch_loss, epoch_seen, n_correct = self.distributed.sum_values(epoch_loss, epoch_seen, n_correct)
        train_accuracy = n_correct / epoch_seen if classify and correct is not None else None
        return self._end_epoch(epoch, epoch_loss / max(epoch_seen, 1), train_accuracy, train_seconds, epoch_seen)

    def _send_held_report(self) -> None:
        if self._held_report is not None:
            self.emit(self._held_report)
            self._held_report = None

    def _wait_while_paused(self) -> float:
        started = time.perf_counter()
        self._send_held_report()  # the last epoch's end, not yet shown
        self.emit(RunPaused(self._step))
        while self.control.paused:
            self.control.wait_running(0.1)
        if self.control.stop_requested:
            raise _StopRun
        self.emit(RunResumed(self._step))
        return time.perf_counter() - started

    def _report(self, epoch, pending, sizes, first_step, seconds, fraction, epoch_seconds, accuracy,
                hold: bool = False) -> list[float]:
        """Read the window's step losses in one transfer, check them, emit progress (or hold it
        for the next report). Returns each step's loss times its batch size."""
        losses = torch.stack(pending).float().cpu()
        finite = torch.isfinite(losses)
        if not bool(finite.all()):
            bad = int((~finite).nonzero()[0])
            raise NonFiniteLoss(first_step + bad + 1, float(losses[bad]))
        values = losses.tolist()
        n_samples = sum(sizes)
        total_train = self._train_seconds + epoch_seconds
        remaining = self._total_steps - self._step
        eta = remaining * total_train / self._step if self._step else None
        event = BatchEnd(
            epoch=epoch,
            step=self._step,
            total_steps=self._total_steps,
            loss=sum(values) / len(values),
            step_losses=values,
            first_step=first_step + 1,
            samples_per_sec=n_samples / seconds if seconds > 0 else 0.0,
            epoch_fraction=min(fraction, 1.0),
            eta_seconds=eta,
            accuracy=accuracy,
        )
        if self._held_report is not None:
            event = merge_batches(self._held_report, event)
        if hold:
            self._held_report = event
        else:
            self._held_report = None
            self.emit(event)
        return [v * s for v, s in zip(values, sizes)]

    def _end_epoch(self, epoch, train_loss, train_accuracy, seconds, n_seen) -> bool:
        config, data = self.config, self.placed
        result = evaluate(
            self.model, data.val, "val", epoch, config, self.meta, data.eval_normalizer,
            self.loss_fn, self.device, detailed=self.callback is not None,
        )
        if self.distributed is not None:
            result.loss = self.distributed.from_main(result.loss)
        if not math.isfinite(result.loss):
            raise NonFiniteLoss(self._step, result.loss)
        lr = self.optimizer.param_groups[0]["lr"]
        if self.scheduler is not None:
            if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                self.scheduler.step(result.loss)
            else:
                self.scheduler.step()
        improved = result.loss < self._best_val
        if improved:
            self._best_val, self._best_epoch, self._stale_epochs = result.loss, epoch, 0
        else:
            self._stale_epochs += 1
        extra = {f"val_{k}": v for k, v in result.extra.items()}
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
            improved=improved,
            extra=extra,
        )
        self.history.append(event)
        if self.run_dir is not None:
            self.run_dir.append_metrics(event.as_record())
        self.emit(event)
        self.emit(result)
        patience = config.train.patience
        return patience > 0 and self._stale_epochs >= patience

    # ---- the end ----------------------------------------------------------------------
    def _finish(self, status: str, reason: str) -> RunFinished:
        metrics: dict = {}
        if self.history:
            last = self.history[-1]
            metrics.update({k: v for k, v in last.as_record().items() if k not in ("seconds",)})
            metrics["best_val_loss"] = self._best_val
            metrics["best_epoch"] = self._best_epoch + 1
        try:
            if status != "failed" and self.model is not None and self.placed.test is not None:
                test = evaluate(
                    self.model, self.placed.test, "test", self._epochs_done - 1, self.config,
                    self.meta, self.placed.eval_normalizer, self.loss_fn, self.device,
                )
                metrics["test_loss"] = test.loss
                if test.accuracy is not None:
                    metrics["test_accuracy"] = test.accuracy
                metrics.update({f"test_{k}": v for k, v in test.extra.items()})
                self.emit(test)
            if self.run_dir is not None:
                write_final_files(self, status, reason, metrics)
        except OSError as exc:
            status, reason = "failed", f"{reason}; and saving the run failed: {describe_write_error(exc)}"
        event = RunFinished(
            status=status,
            reason=reason,
            epochs_done=self._epochs_done,
            seconds=time.perf_counter() - self._t0,
            metrics=metrics,
            run_dir=str(self.run_dir.path) if self.run_dir else None,
        )
        self.emit(event)
        return event


def _share(count, total: int) -> float | None:
    """count / total for a device counter (one read), None when there is nothing counted."""
    return float(count) / total if count is not None and total else None


def train(config: TrainConfig, callback: EventCallback | None = None, **kwargs) -> RunFinished:
    """Convenience wrapper: build a Trainer and run it on this thread."""
    return Trainer(config, callback, **kwargs).run()
