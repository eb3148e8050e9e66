"""`dataset.augment`: random horizontal flips and padded random crops of training batches.

Applied to whole batches on the training device, to the stored uint8 images before they are
normalised: no PIL, no per-sample Python. A crop pads the image with 4 zero pixels on every side
and cuts an H×W window at a random offset, as torchvision's `RandomCrop(size, padding=4)` does.

The random draws come from a generator seeded once per epoch from the trainer's generator (after
the epoch's permutation, so the batches hold the same samples as without augmentation), so a run
is reproducible, a resume continues bit-identically (the trainer's generator is in every
checkpoint), the trainer's own stream advances by one draw per epoch whatever the batch sizes, and
each torchrun rank augments its shard differently. They are drawn on the CPU, so the same seed
gives the same augmentation on every device. Validation and test data never pass through here.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import torch
import torch.nn.functional as F

CROP_PADDING = 4
# What each resolved `dataset.augment` does: (flip, crop). `auto` is resolved before training.
MODES = {"none": (False, False), "flip": (True, False), "crop": (False, True), "flip+crop": (True, True)}


def augment_batches(
    batches: Iterator[tuple[torch.Tensor, torch.Tensor]], mode: str, generator: torch.Generator, rank: int = 0
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The epoch's batches, each augmented as `mode` says (unchanged, with no draws, for none)."""
    flip, crop = MODES[mode]
    if not (flip or crop):
        return batches
    return _augmented(batches, flip, crop, generator, rank)


def _augmented(batches, flip: bool, crop: bool, generator: torch.Generator, rank: int):
    batches = iter(batches)
    first = next(batches, None)  # the epoch's permutation first: augmenting changes only pixels
    if first is None:
        return
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    draws = torch.Generator().manual_seed(seed + rank)
    for xb, yb in itertools.chain([first], batches):
        yield augment_images(xb, flip, crop, draws), yb


def augment_images(x: torch.Tensor, flip: bool, crop: bool, draws: torch.Generator) -> torch.Tensor:
    """A batch of (N, C, H, W) images, each flipped left-right with probability 1/2 and/or cut
    from its 4-pixel zero padding at a uniformly random offset; same dtype and device."""
    n = x.shape[0]
    if flip:
        mirrored = torch.rand(n, generator=draws).lt(0.5).to(x.device, non_blocking=True)
        x = torch.where(mirrored.view(n, 1, 1, 1), x.flip(3), x)
    if crop:
        offsets = torch.randint(0, 2 * CROP_PADDING + 1, (2, n), generator=draws).to(
            x.device, non_blocking=True
        )
        x = _crop(x, offsets[0], offsets[1])
    return x


def _crop(x: torch.Tensor, top: torch.Tensor, left: torch.Tensor) -> torch.Tensor:
    n, channels, height, width = x.shape
    padded = F.pad(x, (CROP_PADDING,) * 4)
    rows = (top.view(n, 1) + torch.arange(height, device=x.device)).view(n, 1, height, 1)
    cols = (left.view(n, 1) + torch.arange(width, device=x.device)).view(n, 1, 1, width)
    samples = torch.arange(n, device=x.device).view(n, 1, 1, 1)
    planes = torch.arange(channels, device=x.device).view(1, channels, 1, 1)
    return padded[samples, planes, rows, cols]
