"""Each rank's share of an epoch: DistributedSampler's cut, the same steps on every rank."""

import pytest
import torch
from torch.utils.data import DistributedSampler

from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.data_placement import place_data
from tui_trainer.engine.datasets import load_dataset
from tui_trainer.engine.distributed import shard_indices


@pytest.mark.parametrize("n, world", [(10, 2), (10, 3), (7, 4), (3, 5), (1, 2)])
def test_shards_match_distributed_sampler(n, world):
    for rank in range(world):
        expected = list(DistributedSampler(range(n), num_replicas=world, rank=rank, shuffle=False))
        assert shard_indices(torch.arange(n), rank, world).tolist() == expected


@pytest.mark.parametrize("loader", ["tensor", "dataloader"])
def test_ranks_split_one_shared_permutation(loader):
    config = TrainConfig().with_overrides(
        ["dataset.name=moons", "dataset.n_samples=101", "dataset.batch_size=8", f"dataset.loader={loader}",
         "dataset.num_workers=0", "train.device=cpu"]
    )
    data = load_dataset(config.dataset, 0, None)
    world = 3
    per_rank = []
    for rank in range(world):
        placed = place_data(data, torch.device("cpu"), config.dataset)
        placed.rank, placed.world_size = rank, world
        batches = list(placed.batches(torch.Generator().manual_seed(5)))
        assert len(batches) == placed.batches_per_epoch
        per_rank.append(torch.cat([xb for xb, _ in batches]))
        assert len(per_rank[-1]) == placed.samples_per_epoch == -(-len(data.train) // world)
    whole = place_data(data, torch.device("cpu"), config.dataset)
    order = whole.epoch_order(torch.Generator().manual_seed(5))
    expected = whole.train.x[order]
    # Interleaving the ranks' samples gives back the one permutation (plus DistributedSampler's padding).
    interleaved = torch.stack(per_rank, dim=1).reshape(-1, expected.shape[1])[: len(expected)]
    assert torch.equal(interleaved, expected)
