"""Where the data lives while training: on the device as tensors, or streamed by a DataLoader.

Small sets (all the built-in ones, MNIST, CIFAR) go to the device once and are batched by index
slicing with a seeded shuffle: no per-sample Python, no collation. Sets too large for the device
stay in host memory and stream through a DataLoader with workers and pinned memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch.utils.data import BatchSampler, DataLoader, TensorDataset

from tui_trainer.engine.augment import augment_batches
from tui_trainer.engine.config import DatasetConfig
from tui_trainer.engine.datasets.base import DatasetSplits, Normalizer, Split
from tui_trainer.engine.distributed import shard_indices
from tui_trainer.engine.target_scaling import TargetScaling

# Fraction of free accelerator memory the data may take before we stream instead.
DEVICE_MEMORY_SHARE = 0.5


def _identity(x: torch.Tensor) -> torch.Tensor:
    return x


def choose_loader(requested: str, data: DatasetSplits, device: torch.device) -> str:
    if requested != "auto":
        return requested
    if device.type != "cuda":
        return "tensor"  # host memory already holds it; moving it again gains nothing
    total = data.train.nbytes() + data.val.nbytes() + (data.test.nbytes() if data.test else 0)
    free, _ = torch.cuda.mem_get_info(device)
    return "tensor" if total <= free * DEVICE_MEMORY_SHARE else "dataloader"


@dataclass
class PlacedData:
    mode: str  # "tensor" or "dataloader"
    train: Split
    val: Split
    test: Split | None
    batch_size: int
    drop_single: bool  # BatchNorm cannot train on a batch of one sample
    batch_normalizer: Callable[[torch.Tensor], torch.Tensor]
    eval_normalizer: Normalizer
    device: torch.device
    num_workers: int = 0
    # Regression targets: the training split's y is stored scaled; evaluation unscales outputs.
    target_scaling: TargetScaling | None = None
    # Under torchrun each rank trains its own shard of every epoch's permutation.
    rank: int = 0
    world_size: int = 1
    # Off for the overfit check (`train.overfit_batches`): the same batches every epoch.
    shuffle: bool = True
    augment: str = "none"  # dataset.augment, resolved (engine/augment.py)

    @property
    def samples_per_epoch(self) -> int:
        return -(-len(self.train) // self.world_size)

    @property
    def batches_per_epoch(self) -> int:
        n, bs = self.samples_per_epoch, self.batch_size
        full, rest = divmod(n, bs)
        return full + (1 if rest > 1 or (rest == 1 and not self.drop_single) else 0)

    def batches(self, generator: torch.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """One epoch of training batches on the device, augmented as `dataset.augment` says."""
        batches = (
            self._tensor_batches(generator) if self.mode == "tensor" else self._loader_batches(generator)
        )
        return augment_batches(batches, self.augment, generator, self.rank)

    def epoch_order(self, generator: torch.Generator) -> torch.Tensor:
        """This rank's sample order for one epoch. Shuffled on the CPU generator so runs are
        identical on every device, and every rank draws the same permutation."""
        if self.shuffle:
            order = torch.randperm(len(self.train), generator=generator)
        else:
            order = torch.arange(len(self.train))
        if self.world_size > 1:
            order = shard_indices(order, self.rank, self.world_size)
        return order

    def _tensor_batches(self, generator: torch.Generator):
        x, y, bs = self.train.x, self.train.y, self.batch_size
        order = self.epoch_order(generator).to(self.device, non_blocking=True)
        for b in range(self.batches_per_epoch):
            idx = order[b * bs : (b + 1) * bs]
            yield x[idx], y[idx]

    def _loader_batches(self, generator: torch.Generator):
        n_batches = self.batches_per_epoch  # a batch size changed mid-epoch applies from the next one
        dataset = TensorDataset(self.train.x, self.train.y)
        sampler = BatchSampler(self.epoch_order(generator).tolist(), self.batch_size, drop_last=False)
        # batch_size=None with a batch sampler: each worker fetch is one slice, no per-sample collate.
        loader = DataLoader(
            dataset,
            sampler=sampler,
            batch_size=None,
            num_workers=self.num_workers,
            pin_memory=self.device.type == "cuda",
            persistent_workers=False,
        )
        for b, (xb, yb) in enumerate(loader):
            if b >= n_batches:
                break
            yield xb.to(self.device, non_blocking=True), yb.to(self.device, non_blocking=True)


def place_data(
    data: DatasetSplits, device: torch.device, cfg: DatasetConfig, has_batch_norm: bool = True
) -> PlacedData:
    mode = choose_loader(cfg.loader, data, device)
    normalizer = data.normalizer.to(device)
    if mode == "tensor":
        train, val = data.train.to(device), data.val.to(device)
        test = data.test.to(device) if data.test is not None else None
        if train.x.is_floating_point():
            # Float features are normalised once up front; uint8 images stay compact and are
            # normalised per batch on the device.
            train = Split(normalizer(train.x), train.y)
            batch_normalizer = _identity
        else:
            batch_normalizer = normalizer
    else:
        train, val, test = data.train, data.val, data.test
        batch_normalizer = normalizer
    target_scaling = TargetScaling.from_meta(data.meta)
    if target_scaling is not None:
        train = Split(train.x, target_scaling.scale_targets(train.y))
    return PlacedData(
        mode=mode,
        train=train,
        val=val,
        test=test,
        batch_size=cfg.batch_size,
        drop_single=has_batch_norm,
        batch_normalizer=batch_normalizer,
        eval_normalizer=normalizer,
        device=device,
        num_workers=cfg.num_workers,
        target_scaling=target_scaling,
        augment="none" if cfg.augment == "auto" else cfg.augment,
    )
