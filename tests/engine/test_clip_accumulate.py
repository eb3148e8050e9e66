"""Gradient clipping and accumulation (`engine/optimizer_step.py`): clipping bounds the gradient
norm (after the fp16 scaler has unscaled it), N batches of B accumulated update exactly as one
batch of N·B, DDP skips the gradient sync on the batches before an update, and a resumed run with
both continues exactly."""

import contextlib
import copy
import json
from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from torch import nn

from tests.toy_config import toy_config
from tui_trainer.engine import BatchEnd, EpochEnd, Trainer, TrainingControl
from tui_trainer.engine.optimizer_step import OptimizerStep
from tui_trainer.engine.precision import Precision


def grad_norm(model: nn.Module) -> float:
    return float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()])))


def make_step(model, clip=0.0, accumulate=1, scaler=None, lr=0.0):
    config = toy_config("runs", f"optimizer.clip_grad_norm={clip}", f"train.accumulate_batches={accumulate}")
    config.loss.name = "mse"
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    precision = Precision("off", "cpu", None, scaler)
    return OptimizerStep(config, model, nn.MSELoss(), optimizer, precision, 0, lambda x: x)


def batch(n=16, scale=100.0):
    generator = torch.Generator().manual_seed(n)
    x = torch.randn(n, 4, generator=generator)
    return x, scale * torch.randn(n, 1, generator=generator)


@pytest.mark.parametrize("scaled", [False, True], ids=["float32", "fp16 grad scaler"])
def test_clipping_bounds_the_gradient_norm(scaled):
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**14) if scaled else None
    step = make_step(model, clip=0.5, scaler=scaler)
    step.start_epoch(2, 32, 16)
    step(*batch(), 1)
    # Unscaled before clipping: the gradients the update used are within the bound.
    assert grad_norm(model) == pytest.approx(0.5, rel=1e-4)
    x, _ = batch()
    step(x, model(x).detach() + 0.01, 2)  # predicted almost exactly: a small gradient
    assert 0 < grad_norm(model) < 0.5
    assert int(step.clipped) == 1 and step.updates == 2
    assert step.epoch_record() == {"clipped_fraction": 0.5}


def test_no_clipping_leaves_the_gradient_alone():
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    step = make_step(model)
    step.start_epoch(1, 16, 16)
    step(*batch(), 1)
    assert grad_norm(model) > 10 and step.clipped is None and step.epoch_record() == {}


def trained(tmp_path, name, *sets):
    config = toy_config(tmp_path / name, "optimizer.name=sgd", "optimizer.lr=0.1", "model.dropout=0", *sets)
    trainer = Trainer(config, write_run_dir=False)
    finished = trainer.run()
    assert finished.status == "completed", finished.reason
    return trainer


def test_accumulating_4_batches_of_8_equals_one_batch_of_32(tmp_path):
    # 210 training samples: 7 batches of 32 (the last 18) against 27 of 8 (the last 2) in cycles of 4.
    big = trained(tmp_path, "big", "dataset.batch_size=32")
    small = trained(tmp_path, "small", "dataset.batch_size=8", "train.accumulate_batches=4")
    for name, weight in big.model.state_dict().items():
        torch.testing.assert_close(small.model.state_dict()[name], weight, rtol=1e-5, atol=1e-6)
    for one, other in zip(big.history, small.history, strict=True):
        assert other.train_loss == pytest.approx(one.train_loss, rel=1e-5)
        assert other.val_loss == pytest.approx(one.val_loss, rel=1e-5)
    assert small.progress.step == 3 * 27 and small.optimizer_step.updates == 7


def test_the_progress_line_and_metrics_carry_the_clipped_share(tmp_path):
    events = []
    config = toy_config(tmp_path, "optimizer.clip_grad_norm=0.05", "train.report_every_ms=10")
    Trainer(config, events.append).run()
    reports = [e for e in events if isinstance(e, BatchEnd)]
    assert reports and all(r.clipped_fraction is not None for r in reports)
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert all(0 < e.extra["clipped_fraction"] <= 1 for e in epochs), "a bound this low clips"


@contextlib.contextmanager
def one_process_group(tmp_path):
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


def test_ddp_syncs_gradients_only_on_the_batch_that_updates(tmp_path):
    torch.manual_seed(0)
    with one_process_group(tmp_path):
        ddp = nn.parallel.DistributedDataParallel(nn.Linear(4, 1))
        step = make_step(ddp, accumulate=3, lr=0.01)
        synced = []
        no_sync = ddp.no_sync

        @contextlib.contextmanager
        def recording_no_sync():
            synced.append(False)
            with no_sync():
                yield

        ddp.no_sync = recording_no_sync
        step.start_epoch(5, 80, 16)
        for number in range(1, 6):
            before = len(synced)
            step(*batch(), number)
            if len(synced) == before:
                synced.append(True)
    # Batches 1-2 accumulate, 3 updates; 4 accumulates, 5 ends the epoch with an update.
    assert synced == [False, False, True, False, True]
    assert step.updates == 2


def test_a_resumed_run_with_clipping_and_accumulation_continues_exactly(tmp_path):
    sets = (
        "optimizer.clip_grad_norm=0.3",
        "train.accumulate_batches=3",
        "model.dropout=0.2",
        "train.epochs=3",
    )
    straight = Trainer(toy_config(tmp_path / "straight", *sets)).run()
    control = TrainingControl()

    def stop_after_first_epoch(event):
        if isinstance(event, EpochEnd):
            control.stop()

    config = toy_config(tmp_path / "cut", *sets)
    cut = Trainer(config.copy(), stop_after_first_epoch, control).run()
    assert cut.status == "stopped"
    resumed = Trainer(config.copy(), resume_from=cut.run_dir).run()
    assert resumed.status == "completed", resumed.reason

    def numbers(run_dir):
        lines = (Path(run_dir) / "metrics.jsonl").read_text().splitlines()
        return [
            {k: v for k, v in json.loads(line).items() if k not in ("seconds", "samples_per_sec")}
            for line in lines
        ]

    assert numbers(resumed.run_dir) == numbers(straight.run_dir)
    assert "clipped_fraction" in numbers(resumed.run_dir)[-1]


def test_clipping_scales_the_gradients_as_torch_clip_grad_norm_does():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    reference = copy.deepcopy(model)
    x, y = batch()
    nn.functional.mse_loss(reference(x), y).backward()
    expected_norm = nn.utils.clip_grad_norm_(list(reference.parameters()), 0.5)
    step = make_step(model, clip=0.5)
    step.start_epoch(1, 16, 16)
    step(x, y, 1)
    for mine, theirs in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(mine.grad, theirs.grad)
    assert int(step.clipped) == 1 and float(expected_norm) > 0.5
