"""Collecting the model's insides (`engine.model_stats`) at epoch ends, within a cost budget.

At an epoch's end the parameters' statistics, each weighted layer's norms and gradient norms (the
gradients the epoch's last step left), the activations on the last `PROBE_SAMPLES` validation
samples and, for conv models, the first test sample's feature maps are measured on the device and
read back in one transfer. The update-to-weight ratio needs the weights just before the epoch's
last step: an optimizer pre-hook copies them (on the device) for that one step only, and the
post-hook measures the update. Nothing runs per step but two integer comparisons.

A collection happens at an epoch's end only when the time since the previous one is at least
1 / `COST_SHARE` times what that one cost, so collecting takes about 2% of a run and stays under
3% (with the hooks and the last collection) however short its epochs (on the toys, every few
epochs). The first is at the first epoch's end `FIRST_AFTER_S` into the run; the run's last epoch
is always collected, and a run that ends otherwise (early stop, stop, failure) gets a last
collection for its final state.

Each collection is a `ModelStats` event, a line of model_stats.jsonl, and a warning line in the
log the first time each rule fires.
"""

from __future__ import annotations

import time
from typing import Any

from tui_trainer.engine import model_probe
from tui_trainer.engine.callbacks.base import Callback
from tui_trainer.engine.events import EpochEnd, LogMessage, ModelStats, RunFinished
from tui_trainer.engine.model_stats import health_warnings

COST_SHARE = 0.02
# The first collection waits this long into the run: a run shorter than that is collected once,
# at its end (on digits, two collections more were 3% of the whole run).
FIRST_AFTER_S = 0.5
PROBE_SAMPLES = 512


class ModelStatsCollector(Callback):
    def __init__(self) -> None:
        self.warned: set[str] = set()  # the rules already written to the log
        self._active = False
        self._hooks: list[Any] = []
        self._last_step = -1  # global step count after the current epoch's last step
        self._before: list[Any] | None = None  # weights before the last step, on the device
        self._updates: list[Any] | None = None  # ‖ΔW‖ per weighted layer of that step
        self._next_due = 0.0  # time.perf_counter() from which the next collection may run
        self._collected_step = -1
        self._epoch_end_step = -1
        self._trainer: Any = None

    def state_dict(self) -> dict[str, Any]:
        return {"warned": sorted(self.warned)} if self.warned else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.warned = set(state.get("warned", []))

    def on_run_start(self, trainer: Any) -> None:
        # Under torchrun only rank 0 has listeners and a run directory; the others skip it all.
        self._active = bool(trainer.listeners) or trainer.run_dir is not None
        if not self._active:
            return
        self._trainer = trainer
        self._collected_step = self._epoch_end_step = trainer.progress.step
        self._next_due = time.perf_counter() + FIRST_AFTER_S
        self._last_step = trainer.progress.step + trainer.placed.batches_per_epoch
        optimizer = trainer.optimizer
        self._hooks = [
            optimizer.register_step_pre_hook(self._before_step),
            optimizer.register_step_post_hook(self._after_step),
        ]

    def _before_step(self, *_: Any) -> None:
        trainer = self._trainer
        if trainer.progress.step + 1 == self._last_step and self._due(trainer.progress.epochs_done):
            self._before = model_probe.snapshot_weights(trainer.model)

    def _after_step(self, *_: Any) -> None:
        if self._before is not None:
            self._updates = model_probe.update_norms(self._trainer.model, self._before)
            self._before = None

    def _due(self, epoch: int) -> bool:
        return epoch + 1 >= self._trainer.config.train.epochs or time.perf_counter() >= self._next_due

    def on_epoch_end(self, trainer: Any, epoch: EpochEnd) -> None:
        if not self._active:
            return
        self._epoch_end_step = trainer.progress.step
        self._last_step = trainer.progress.step + trainer.placed.batches_per_epoch
        if self._due(epoch.epoch):
            self._collect(trainer, epoch.epoch)

    def on_run_end(self, trainer: Any, finished: RunFinished) -> None:
        for hook in self._hooks:
            hook.remove()
        self._hooks = []
        step = trainer.progress.step
        if not self._active or step in (0, self._collected_step):
            return
        # The final state after an early stop, a stop or a failure: the last finished epoch's, or
        # the one in progress.
        done = trainer.progress.epochs_done
        epoch = done - 1 if step == self._epoch_end_step else done
        try:
            self._collect(trainer, max(epoch, 0))
        except RuntimeError as exc:  # a failed run's model may be in no state to measure
            trainer.emit(LogMessage(f"model statistics not recorded: {exc}", "warning"))

    def _collect(self, trainer: Any, epoch: int) -> None:
        started = time.perf_counter()
        event = measure(trainer, epoch, self._updates)
        self._updates = None
        if trainer.run_dir is not None:
            trainer.run_dir.append_model_stats(event.as_record())
        for warning in event.warnings:
            if warning.rule not in self.warned:
                self.warned.add(warning.rule)
                trainer.emit(LogMessage(f"epoch {epoch + 1}: {warning.text}", "warning"))
        trainer.emit(event)
        self._collected_step = trainer.progress.step
        finished = time.perf_counter()
        self._next_due = finished + (finished - started) / COST_SHARE


def measure(trainer: Any, epoch: int, updates: list[Any] | None = None) -> ModelStats:
    """One collection of the trainer's model as it stands (see the module's docstring)."""
    model, placed, meta = trainer.model, trainer.placed, trainer.meta
    normalize = placed.eval_normalizer
    reads = model_probe.DeviceReads()
    parameters = model_probe.parameter_reads(model, reads)
    layers = model_probe.layer_reads(model, reads, updates)
    probe = placed.val.x[-PROBE_SAMPLES:].to(trainer.device, non_blocking=True)
    activations = model_probe.activation_reads(model, normalize(probe), reads) if len(probe) else lambda: []
    shown = placed.test if placed.test is not None and len(placed.test) else placed.val
    sample = normalize(shown.x[:1].to(trainer.device, non_blocking=True))
    maps = model_probe.feature_map_reads(model, sample, reads) if len(sample) else lambda: ([], [])
    reads.read()  # the one transfer
    event = ModelStats(epoch, trainer.progress.step, parameters(), layers(), activations())
    event.warnings = health_warnings(event.layers, event.activations)
    event.probe_samples = int(probe.shape[0])
    event.feature_maps, event.feature_map_arrays = maps()
    if event.feature_maps:
        event.probe_sample = f"{'test' if shown is placed.test else 'validation'} sample 1"
        event.filters = model_probe.conv_filters(model)
    target = trainer.config.dataset.target or "y"
    event.linear_fit = model_probe.linear_fit(model, normalize.mean, normalize.scale, meta, target)
    if trainer.config.train.tensorboard:
        event.histograms = model_probe.histograms(model)
    return event
