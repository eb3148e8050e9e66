"""When the loop reports progress: at most once per `train.report_every_ms`, never per step.

Step losses stay on the device in a `StepWindow` until a report is due; then they are read in one
transfer. The last steps of an epoch are held (not reported) when no report is due yet, and go out
merged with the next report, so reports stay at most one per interval across epoch ends.
"""

from __future__ import annotations

import math
import time

import torch

from tui_trainer.engine.control import NonFiniteLoss
from tui_trainer.engine.events import BatchEnd, merge_batches


class ReportCadence:
    """The deadline of the next report (one across epochs) and the report held for it."""

    def __init__(self, interval_seconds: float) -> None:
        self.interval = interval_seconds
        # Read directly by the hot loop (`now >= cadence.next_due`): no call per step.
        self.next_due = math.inf
        self.held: BatchEnd | None = None
        self._started = False

    def start(self, now: float) -> None:
        """Set the first deadline. One deadline across epochs: with epochs shorter than the
        interval a per-epoch deadline would never fall due inside one, and every report would
        wait for the run's end."""
        if not self._started:
            self._started = True
            self.next_due = now + self.interval

    def postpone(self, seconds: float) -> None:
        self.next_due += seconds

    def sent(self) -> None:
        # Counted from after the report was handled, so a slow listener cannot make the next
        # report come sooner than the interval after this one.
        self.next_due = time.perf_counter() + self.interval

    def combine(self, event: BatchEnd) -> BatchEnd:
        """`event` merged with the held report, which it replaces."""
        held, self.held = self.held, None
        return event if held is None else merge_batches(held, event)

    def take_held(self) -> BatchEnd | None:
        held, self.held = self.held, None
        return held


class StepWindow:
    """One epoch's steps: the device losses since the last report and the epoch's totals."""

    def __init__(
        self, epoch: int, steps_per_epoch: int, total_steps: int, first_step: int, now: float
    ) -> None:
        self.epoch, self.steps_per_epoch, self.total_steps = epoch, steps_per_epoch, total_steps
        self.losses: list[torch.Tensor] = []  # cleared, never replaced: the loop holds the list
        self.sizes: list[int] = []
        self.first_step = first_step  # global step before the window's first step
        self.window_start = self.epoch_start = now
        self.seen = 0  # samples of reported steps
        # Summed exactly once at the end: the total must not depend on how reports were timed.
        self.sample_losses: list[float] = []

    def shift(self, seconds: float) -> None:
        """Leave a pause out of the window's and the epoch's time."""
        self.window_start += seconds
        self.epoch_start += seconds

    def report(
        self, step: int, earlier_train_seconds: float, now: float, correct, clipped=None, updates: int = 0
    ) -> BatchEnd:
        """The progress report of the steps since the last one (read in one device transfer,
        NonFiniteLoss at the first bad step); starts the next window. `correct` and `clipped`
        are device counters of the epoch so far (correct predictions, clipped updates of
        `updates`), read here too."""
        losses = torch.stack(self.losses).float().cpu()
        finite = torch.isfinite(losses)
        if not bool(finite.all()):
            bad = int((~finite).nonzero()[0])
            raise NonFiniteLoss(self.first_step + bad + 1, float(losses[bad]))
        values = losses.tolist()
        n_samples = sum(self.sizes)
        self.seen += n_samples
        self.sample_losses.extend(v * s for v, s in zip(values, self.sizes, strict=True))
        seconds = now - self.window_start
        train_seconds = earlier_train_seconds + (now - self.epoch_start)
        event = BatchEnd(
            epoch=self.epoch,
            step=step,
            total_steps=self.total_steps,
            loss=sum(values) / len(values),
            step_losses=values,
            first_step=self.first_step + 1,
            samples_per_sec=n_samples / seconds if seconds > 0 else 0.0,
            epoch_fraction=min((step - self.epoch * self.steps_per_epoch) / self.steps_per_epoch, 1.0),
            eta_seconds=(self.total_steps - step) * train_seconds / step if step else None,
            accuracy=share(correct, self.seen),
            clipped_fraction=share(clipped, updates) if clipped is not None else None,
        )
        self.losses.clear()
        self.sizes.clear()
        self.first_step, self.window_start = step, now
        return event


def share(count, total: int) -> float | None:
    """count / total for a device counter (one read), None when there is nothing counted."""
    return float(count) / total if count is not None and total else None
