"""DistributedDataParallel under torchrun: one process per device, rank 0 speaks for the run.

torchrun (PyTorch's own launcher) starts the processes and sets RANK, WORLD_SIZE, LOCAL_RANK and
the rendezvous variables; we only read them. Every rank holds the whole dataset, shuffles it with
the same seeded permutation and takes every world_size-th index (DistributedSampler semantics,
padded so every rank runs the same number of steps). DDP averages the gradients. Epoch metrics
are summed over ranks. Validation runs on the full validation set on every rank (the replicas are
identical, so no data moves) and rank 0's loss is broadcast so early stopping and plateau
schedulers decide the same on every rank. Stop requests are agreed on over a CPU (gloo) group
every few steps, so all ranks leave the loop at the same step and no collective is left waiting.
"""

from __future__ import annotations

import datetime
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch
import torch.distributed as dist
from torch import nn

from tui_trainer.engine.config import ConfigError

TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK")
# Steps between stop-flag agreements: rare enough to cost nothing, often enough to stop promptly.
STOP_SYNC_STEPS = 8
INIT_TIMEOUT = datetime.timedelta(minutes=10)


def launched_by_torchrun(environ=os.environ) -> bool:
    return all(name in environ for name in TORCHRUN_VARIABLES)


def shard_indices(order: torch.Tensor, rank: int, world_size: int) -> torch.Tensor:
    """Rank `rank`'s part of a permutation, exactly as DistributedSampler(drop_last=False) cuts
    it: pad with the permutation's head to a multiple of world_size, then every world_size-th."""
    n = order.numel()
    per_rank = -(-n // world_size)
    total = per_rank * world_size
    if total > n:
        repeats = -(-(total - n) // n)
        order = torch.cat([order] + [order] * repeats)[:total]
    return order[rank:total:world_size]


@dataclass
class DistributedRun:
    rank: int
    world_size: int
    local_rank: int
    backend: str
    device: torch.device
    _stop_request: threading.Event = field(default_factory=threading.Event)
    _flag_group: object | None = None

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    # ---- set-up and tear-down ---------------------------------------------------------
    @classmethod
    def from_torchrun(cls, device_name: str) -> DistributedRun:
        """Join the process group torchrun described. Raises ConfigError for bad set-ups."""
        try:
            rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
            local_rank = int(os.environ["LOCAL_RANK"])
        except ValueError:
            raise ConfigError("RANK, WORLD_SIZE and LOCAL_RANK must be integers (set by torchrun)") from None
        device = _rank_device(device_name, local_rank)
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        if not dist.is_initialized():
            dist.init_process_group(backend=backend, timeout=INIT_TIMEOUT)
        run = cls(rank=rank, world_size=world, local_rank=local_rank, backend=backend, device=device)
        # Stop flags travel over gloo on the CPU so agreeing on them never syncs a GPU stream.
        run._flag_group = dist.new_group(backend="gloo") if backend != "gloo" else None
        return run

    def shutdown(self) -> None:
        if dist.is_initialized():
            dist.destroy_process_group()

    # ---- training hooks ---------------------------------------------------------------
    def prepare(self, model: nn.Module, placed, seed: int) -> nn.Module:
        """Shard the placed data and return DDP around the model (it broadcasts rank 0's
        weights); dropout draws differ per rank afterwards."""
        placed.rank, placed.world_size = self.rank, self.world_size
        wrapped = nn.parallel.DistributedDataParallel(
            model, device_ids=[self.device.index] if self.device.type == "cuda" else None
        )
        torch.manual_seed(seed + self.rank)
        return wrapped

    def gather_rng_states(self) -> list[dict[str, torch.Tensor]]:
        """Every rank's own RNG state (its dropout draws differ from the others'), for rank 0's
        checkpoint; a collective, so every rank calls it."""
        own = {"torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            own["cuda"] = torch.cuda.get_rng_state(self.device)
        states: list = [None] * self.world_size
        dist.all_gather_object(states, own)
        return states

    def restore_rng_state(self, states: list | None, seed: int, epochs_done: int) -> None:
        """After a resume put back this rank's RNG; the checkpoint's common RNG state is rank 0's.
        A different world size (or an older checkpoint) cannot be continued exactly: the other
        ranks then draw from a fresh seed of their own, so their dropout masks still differ."""
        if states is not None and len(states) == self.world_size:
            torch.set_rng_state(states[self.rank]["torch"])
            if self.device.type == "cuda" and "cuda" in states[self.rank]:
                torch.cuda.set_rng_state(states[self.rank]["cuda"], self.device)
        elif self.rank != 0:
            torch.manual_seed(seed + self.rank + 1_000_003 * epochs_done)

    def sum_values(self, *values: float) -> list[float]:
        """Sum of each value over all ranks (epoch loss sums, correct and sample counts)."""
        tensor = torch.tensor(values, dtype=torch.float64, device=self._collective_device())
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor.cpu().tolist()

    def from_main(self, value: float) -> float:
        """Rank 0's value on every rank, so decisions taken from it agree everywhere."""
        tensor = torch.tensor([value], dtype=torch.float64, device=self._collective_device())
        dist.broadcast(tensor, src=0)
        return float(tensor.item())

    def request_stop(self) -> None:
        """Called from a signal handler: the next agreement stops every rank."""
        self._stop_request.set()

    @property
    def stop_pending(self) -> bool:
        return self._stop_request.is_set()

    def synchronized(self, batches: Iterator, control) -> Iterator:
        """Yield the batches; every STOP_SYNC_STEPS steps the ranks agree on whether any was
        asked to stop, and then all stop at the same step through `control`."""
        for step, batch in enumerate(batches):
            if step % STOP_SYNC_STEPS == 0 and self._any_rank_stopping(control):
                control.stop()
            yield batch

    def _any_rank_stopping(self, control) -> bool:
        flag = torch.tensor([1 if self._stop_request.is_set() else 0], dtype=torch.int32)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX, group=self._flag_group)  # type: ignore[call-overload]
        return bool(flag.item())

    def _collective_device(self) -> torch.device:
        return self.device if self.backend == "nccl" else torch.device("cpu")


def _rank_device(device_name: str, local_rank: int) -> torch.device:
    """One device per local rank: cuda:LOCAL_RANK on GPUs, the CPU otherwise."""
    if device_name == "mps":
        raise ConfigError("train.device=mps cannot run under torchrun; use cpu or cuda")
    wants_cuda = device_name.startswith("cuda") or (device_name == "auto" and torch.cuda.is_available())
    if not wants_cuda:
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ConfigError(f"train.device: {device_name} requested but no CUDA device is available; use cpu")
    count = torch.cuda.device_count()
    if local_rank >= count:
        raise ConfigError(
            f"torchrun started local rank {local_rank} but this node has {count} CUDA device(s); "
            f"use --nproc_per_node={count} or fewer"
        )
    return torch.device("cuda", local_rank)
