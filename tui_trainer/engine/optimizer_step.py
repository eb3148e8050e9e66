"""One training batch: forward, loss, backward and, every `train.accumulate_batches` batches,
the optimizer's update, with gradient clipping, AMP's gradient scaler and DDP's gradient sync.

Accumulation: the batches of one update (a *cycle*) each add their gradients; each batch's loss
is weighted by its share of the cycle's samples, so N batches of B samples give exactly the
gradient of one batch of N·B samples under a mean-reduced loss (class-weighted losses and
BatchNorm statistics still see each batch alone). The last cycle of an epoch may be shorter:
every epoch ends with an update, so checkpoints, taken at epoch ends, never hold half a cycle.
Under DDP the gradients are all-reduced only on a cycle's last batch (`no_sync` before it).

Clipping (`optimizer.clip_grad_norm` > 0) rescales the gradients when their total L2 norm
exceeds the bound, after the fp16 scaler has unscaled them. Which updates were clipped is counted
on the device and read with each progress report, never per step.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import torch
from torch import nn

from tui_trainer.engine.components import prepare_targets
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.control import NonFiniteLoss


class OptimizerStep:
    def __init__(
        self,
        config: TrainConfig,
        model: nn.Module,
        loss_fn: nn.Module,
        optimizer: torch.optim.Optimizer,
        precision: Any,
        n_classes: int,
        normalize: Any,
        check_each_step: bool = False,
    ) -> None:
        self.config = config
        # The module the forward pass runs through (DDP and/or compiled), and the plain one.
        self.model = model
        self.parameters = [p for p in _unwrapped(model).parameters() if p.requires_grad]
        self.ddp = _ddp_of(model)
        self.loss_fn, self.optimizer, self.precision = loss_fn, optimizer, precision
        self.n_classes, self.normalize = n_classes, normalize
        # On the CPU reading a loss costs no device sync, so every batch is checked before its
        # gradients count; on a GPU the loop checks losses at each progress report instead.
        self.check_each_step = check_each_step
        self.configure(config)
        self.start_epoch(0, 0, 1)

    def configure(self, config: TrainConfig) -> None:
        """Take up changed settings (clipping, accumulation) at a cycle boundary."""
        self.config = config
        self.clip = float(config.optimizer.clip_grad_norm)
        self.accumulate = max(1, int(config.train.accumulate_batches))

    def start_epoch(self, n_batches: int, n_samples: int, batch_size: int) -> None:
        """An epoch of `n_batches` batches of `batch_size` (the last one may be short) over
        `n_samples` samples begins."""
        self.n_batches, self.n_samples, self.batch_size = n_batches, n_samples, batch_size
        self.index = 0  # batches of this epoch done
        self.cycle_start = 0  # the first batch of the current cycle
        self.cycle_samples = 0
        self.updates = 0  # optimizer updates this epoch
        device = self.parameters[0].device if self.parameters else torch.device("cpu")
        # A device counter of the epoch's clipped updates: adding to it never waits for the device.
        self.clipped = torch.zeros((), dtype=torch.int64, device=device) if self.clip > 0 else None

    def epoch_record(self) -> dict[str, float]:
        """The epoch's share of clipped updates for its metrics.jsonl line (when clipping is on)."""
        if self.clipped is None or not self.updates:
            return {}
        return {"clipped_fraction": float(self.clipped) / self.updates}

    @property
    def at_boundary(self) -> bool:
        """No batch's gradients are waiting for an update: settings may change now."""
        return self.index == self.cycle_start

    def __call__(
        self, xb: torch.Tensor, yb: torch.Tensor, step_number: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Train on one batch (global batch number `step_number`, for messages); returns its
        loss, detached, and the model's output."""
        first = self.index == self.cycle_start
        cycle_end = min(self.cycle_start + self.accumulate, self.n_batches)
        last = self.index + 1 >= cycle_end
        if first:
            self.optimizer.zero_grad(set_to_none=True)
            self.cycle_samples = self._samples_in(self.cycle_start, cycle_end)
        skip_sync = self.ddp.no_sync() if self.ddp is not None and not last else contextlib.nullcontext()
        scaler = self.precision.scaler
        with skip_sync:
            with self.precision.autocast():
                out = self.model(self.normalize(xb))
                loss = self.loss_fn(out, prepare_targets(self.config, yb, self.n_classes))
            if self.check_each_step and not math.isfinite(value := loss.item()):
                raise NonFiniteLoss(step_number, value)
            share = int(yb.shape[0]) / self.cycle_samples if self.accumulate > 1 else 1.0
            weighted = loss * share if share != 1.0 else loss
            (weighted if scaler is None else scaler.scale(weighted)).backward()
        self.index += 1
        if last:
            self._update()
            self.cycle_start = self.index
        return loss.detach(), out

    def _update(self) -> None:
        scaler = self.precision.scaler
        if self.clip > 0:
            if scaler is not None:
                scaler.unscale_(self.optimizer)  # clip the true gradients, not the scaled ones
            norm = self._clip_gradients()
            hit = norm > self.clip
            self.clipped = hit.long() if self.clipped is None else self.clipped + hit
        if scaler is None:
            self.optimizer.step()
        else:
            scaler.step(self.optimizer)
            scaler.update()
        self.updates += 1

    def _clip_gradients(self) -> torch.Tensor:
        """`nn.utils.clip_grad_norm_`'s arithmetic (scale by bound / (norm + 1e-6) when over it)
        in three multi-tensor kernels: on these small models its grouping of tensors by device and
        dtype costs more than the arithmetic (README, Tuning, has the measurement)."""
        grads = [p.grad for p in self.parameters if p.grad is not None]
        if not grads:
            return torch.zeros(())
        norm = torch.linalg.vector_norm(torch.stack([n.float() for n in torch._foreach_norm(grads)]))
        torch._foreach_mul_(grads, (self.clip / (norm + 1e-6)).clamp(max=1.0))
        return norm

    def _samples_in(self, first: int, end: int) -> int:
        """Samples in batches `first` .. `end - 1` of the epoch (only its last batch is short)."""
        samples = (end - first) * self.batch_size
        if end == self.n_batches and self.n_batches > 0:
            last_size = min(self.batch_size, self.n_samples - (self.n_batches - 1) * self.batch_size)
            samples -= self.batch_size - max(last_size, 1)
        return max(samples, 1)


def _unwrapped(model: nn.Module) -> nn.Module:
    model = getattr(model, "_orig_mod", model)  # torch.compile's wrapper
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def _ddp_of(model: nn.Module) -> nn.parallel.DistributedDataParallel | None:
    inner = getattr(model, "_orig_mod", model)
    return inner if isinstance(inner, nn.parallel.DistributedDataParallel) else None
