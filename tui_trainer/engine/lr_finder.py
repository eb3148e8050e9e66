"""The learning-rate range test (Smith 2015; fastai's and Lightning's `lr_find`): train a copy of
the model for a short while with the learning rate growing exponentially, and read a good rate
off the loss curve.

From `start_lr` (1e-7) to `end_lr` (10), one optimizer update per point, `max_steps` (100) updates
or one epoch, whichever is less. The loss is smoothed (a debiased exponential moving average,
`smoothing` 0.98 per point for 100 points, as fastai; a shorter test averages over the same share
of its points) and the test stops once it exceeds `diverge_factor` (4) times its best. Two
suggestions, as fastai shows them: the rate where the smoothed loss falls fastest against log(lr)
(`steepest_lr`, Lightning's choice) and the rate of the lowest smoothed loss divided by 10
(`minimum_lr`, the one `suggested_lr` and `--find-lr --apply` use: on a linear toy whose best rate
is known to be 0.5, with 210 samples in batches of 8, the steepest point sat at 4e-7 on a flat
stretch of noise while the minimum ÷ 10 said 0.49; with 1,400 samples both were within 4×).

Nothing of a run changes: the model is a copy (or built afresh from the config), the optimizer
is new, and every random state it draws from — torch's, CUDA's, Python's, NumPy's and the run's
shuffling generator — is put back afterwards. Each update is the run's own (`OptimizerStep`: the
same precision, clipping and accumulation).
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from tui_trainer.engine.auto_settings import resolve_for_data
from tui_trainer.engine.checkpoint import restore_rng_states, rng_states
from tui_trainer.engine.components import build_loss, build_optimizer
from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.control import TrainingControl
from tui_trainer.engine.data_placement import PlacedData, place_data
from tui_trainer.engine.datasets import DatasetSplits, load_dataset
from tui_trainer.engine.datasets.base import LoadProgress
from tui_trainer.engine.device import resolve_device
from tui_trainer.engine.failures import describe_failure
from tui_trainer.engine.model import build_model
from tui_trainer.engine.optimizer_step import OptimizerStep
from tui_trainer.engine.precision import make_precision
from tui_trainer.engine.validate import check_against_data

# The test's length that `LRFinderSettings.smoothing` is meant for.
FULL_LENGTH = 100
# (step done, steps planned, lr, smoothed loss) after each point: progress for a screen.
FinderProgress = Callable[[int, int, float, float], None]


class RangeTestFailed(Exception):
    """The range test could not run to its end (out of memory, a broken data file, ...); the
    message is one line saying what to change. Config problems are ConfigErrors instead."""


@dataclass(frozen=True)
class LRFinderSettings:
    start_lr: float = 1e-7
    end_lr: float = 10.0
    max_steps: int = 100
    smoothing: float = 0.98
    diverge_factor: float = 4.0


@dataclass
class LRFinderResult:
    lrs: list[float] = field(default_factory=list)
    losses: list[float] = field(default_factory=list)  # smoothed, one per lr
    raw_losses: list[float] = field(default_factory=list)
    steps_planned: int = 0
    stop_reason: str = ""
    steepest_lr: float | None = None  # steepest descent of the smoothed loss
    minimum_lr: float | None = None  # the lowest smoothed loss's lr ÷ 10

    @property
    def suggested_lr(self) -> float | None:
        """The rate to train with: the minimum ÷ 10 (None when the curve cannot tell)."""
        return self.minimum_lr


def find_lr(
    config: TrainConfig,
    settings: LRFinderSettings | None = None,
    data: DatasetSplits | None = None,
    on_step: FinderProgress | None = None,
    control: TrainingControl | None = None,
    data_progress: LoadProgress | None = None,
) -> LRFinderResult:
    """The range test for a run of `config` before it starts: the model as the run would build
    it (same seed), the run's data (loaded unless given). Raises ConfigError for a bad config."""
    config = config.check()
    with _failures_described(config):
        data = data or load_dataset(config.dataset, config.train.seed, data_progress)
        config, _ = resolve_for_data(config, data.meta)
        check_against_data(config, data.meta)
        device = resolve_device(config.train.device)
        generator = torch.Generator().manual_seed(config.train.seed)
        with _random_states_kept(generator):
            torch.manual_seed(config.train.seed)
            model = build_model(config, data.meta).to(device)
            placed = place_data(data, device, config.dataset)
            loss_fn = build_loss(config, data.train.y, data.meta.n_classes).to(device)
            precision = make_precision(config.train.amp, device)
            parts = (model, placed, loss_fn, precision, data.meta.n_classes, generator)
            return _range_test(config, *parts, settings or LRFinderSettings(), on_step, control)


def find_lr_for_run(
    trainer: Any,
    settings: LRFinderSettings | None = None,
    on_step: FinderProgress | None = None,
    control: TrainingControl | None = None,
) -> LRFinderResult:
    """The range test from where a paused run stands: on a copy of its model, with its data and
    loss; the run's model, optimizer and random states (its shuffling generator too) are left
    exactly as they were. Call it only while the run is paused (from any thread)."""
    with _failures_described(trainer.config), _random_states_kept(trainer.generator):
        model = copy.deepcopy(trainer.model)
        parts = (model, trainer.placed, trainer.loss_fn, trainer.precision, trainer.meta.n_classes)
        return _range_test(
            trainer.config, *parts, trainer.generator, settings or LRFinderSettings(), on_step, control
        )


@contextlib.contextmanager
def _failures_described(config: TrainConfig) -> Iterator[None]:
    """ConfigErrors pass; any other failure becomes a RangeTestFailed with the one line a failed
    run would show."""
    try:
        yield
    except ConfigError:
        raise
    except Exception as exc:
        raise RangeTestFailed(describe_failure(exc, config)) from exc


class _random_states_kept:
    """Every random state the test draws from, put back when it ends (however it ends)."""

    def __init__(self, generator: torch.Generator) -> None:
        self.generator = generator

    def __enter__(self) -> None:
        self.cuda_was_initialized = torch.cuda.is_available() and torch.cuda.is_initialized()
        self.states = rng_states(self.generator)

    def __exit__(self, *exc: object) -> None:
        restore_rng_states(self.states, self.generator)
        if not self.cuda_was_initialized and torch.cuda.is_available() and torch.cuda.is_initialized():
            # CUDA started during the test: its generators go back to what they start from.
            torch.cuda.manual_seed_all(torch.initial_seed())


def _range_test(
    config: TrainConfig,
    model: torch.nn.Module,
    placed: PlacedData,
    loss_fn: torch.nn.Module,
    precision: Any,
    n_classes: int,
    generator: torch.Generator,
    settings: LRFinderSettings,
    on_step: FinderProgress | None,
    control: TrainingControl | None,
) -> LRFinderResult:
    optimizer = build_optimizer(config, model.parameters())
    normalize = placed.batch_normalizer
    step = OptimizerStep(config, model, loss_fn, optimizer, precision, n_classes, normalize)
    step.start_epoch(placed.batches_per_epoch, placed.samples_per_epoch, placed.batch_size)
    planned = max(1, min(settings.max_steps, -(-placed.batches_per_epoch // step.accumulate)))
    result = LRFinderResult(steps_planned=planned)
    # fastai's 0.98 is for 100 points; a shorter test averages over the same share of its curve.
    beta = settings.smoothing ** (FULL_LENGTH / planned)
    average, best, lr, total, samples = 0.0, math.inf, settings.start_lr, 0.0, 0
    model.train()
    for xb, yb in placed.batches(generator):
        if control is not None and control.stop_requested:
            result.stop_reason = "stopped"
            break
        point = step.updates
        if step.at_boundary:
            lr = settings.start_lr * (settings.end_lr / settings.start_lr) ** (point / max(planned - 1, 1))
            for group in optimizer.param_groups:
                group["lr"] = lr
        loss, _ = step(xb, yb, point + 1)
        total, samples = total + float(loss) * len(yb), samples + len(yb)  # the test reads every loss
        if step.updates == point:  # more batches of this update to come
            continue
        raw, total, samples = total / samples, 0.0, 0
        if not math.isfinite(raw):
            result.stop_reason = f"the loss became {raw} at lr {lr:.3g}"
            break
        average = beta * average + (1 - beta) * raw
        smoothed = average / (1 - beta ** (point + 1))
        result.lrs.append(lr)
        result.raw_losses.append(raw)
        result.losses.append(smoothed)
        best = min(best, smoothed)
        if on_step is not None:
            on_step(point + 1, planned, lr, smoothed)
        if smoothed > settings.diverge_factor * best:
            result.stop_reason = f"the loss passed {settings.diverge_factor:g}× its lowest at lr {lr:.3g}"
            break
        if step.updates >= planned:
            break
    if not result.stop_reason:
        result.stop_reason = f"reached lr {lr:.3g}" if result.lrs else "no steps"
    result.steepest_lr, result.minimum_lr = suggestions(result.lrs, result.losses)
    return result


def suggestions(lrs: list[float], losses: list[float]) -> tuple[float | None, float | None]:
    """(steepest descent, minimum ÷ 10) of a smoothed loss curve. As fastai does, the first tenth
    of the points (the average has not settled) and the last twentieth (at least one: where the
    loss diverges) are left out; None for both where that leaves fewer than 3 points or the loss
    never falls."""
    kept = slice(len(lrs) // 10, len(lrs) - max(1, round(len(lrs) / 20)))
    lrs, losses = lrs[kept], losses[kept]
    if len(lrs) < 3:
        return None, None
    logs = [math.log10(lr) for lr in lrs]
    # The slope across a twentieth of the curve on each side: across neighbours, a small batch's
    # noise on the flat start outweighs the real descent.
    reach = max(1, round(len(lrs) / 20))
    n = len(lrs)
    slopes = [
        (losses[min(i + reach, n - 1)] - losses[max(i - reach, 0)])
        / (logs[min(i + reach, n - 1)] - logs[max(i - reach, 0)])
        for i in range(n)
    ]
    steepest = min(range(n), key=slopes.__getitem__)
    if slopes[steepest] >= 0:
        return None, None
    lowest = min(range(n), key=losses.__getitem__)
    return lrs[steepest], lrs[lowest] / 10
