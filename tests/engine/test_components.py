"""Every activation × loss × optimizer builds and takes a finite training step."""

import itertools

import pytest
import torch
from torch import nn

from tui_trainer.engine import names
from tui_trainer.engine.components import (
    FUSED_OPTIMIZERS,
    LOSS_CLASSES,
    OPTIMIZER_CLASSES,
    build_loss,
    build_optimizer,
    build_scheduler,
    prepare_targets,
    uses_fused_kernel,
)
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.datasets.base import DatasetMeta
from tui_trainer.engine.model import ACTIVATION_CLASSES, build_model, describe_model

MULTICLASS = DatasetMeta("blobs", "classification", (2,), n_classes=4)
BINARY = DatasetMeta("moons", "classification", (2,), n_classes=2)
REGRESSION = DatasetMeta("linear", "regression", (1,))
IMAGES = DatasetMeta("digits", "classification", (1, 8, 8), n_classes=10, is_image=True)


def test_registries_match_names():
    assert set(ACTIVATION_CLASSES) == set(names.ACTIVATIONS)
    assert set(LOSS_CLASSES) == set(names.LOSSES)
    assert set(OPTIMIZER_CLASSES) == set(names.OPTIMIZERS)


def _meta_for(loss: str) -> tuple[DatasetMeta, bool]:
    if loss == "bce_with_logits":
        return BINARY, False
    if loss in ("cross_entropy", "nll"):
        return MULTICLASS, False
    return REGRESSION, False


def _batch(meta: DatasetMeta):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(16, *meta.input_shape, generator=g)
    if meta.task == "regression":
        return x, torch.randn(16, 1, generator=g)
    return x, torch.randint(0, meta.n_classes, (16,), generator=g)


@pytest.mark.parametrize(
    "activation, loss, optimizer",
    list(itertools.product(names.ACTIVATIONS, names.LOSSES, names.OPTIMIZERS)),
)
def test_every_combination_takes_a_step(activation, loss, optimizer):
    config = TrainConfig()
    config.model.hidden = [8, 4]
    config.model.activation = activation
    config.loss.name = loss
    config.optimizer.name = optimizer
    config.optimizer.lr = 0.01
    meta, _ = _meta_for(loss)
    torch.manual_seed(0)
    model = build_model(config, meta)
    loss_fn = build_loss(config)
    opt = build_optimizer(config, model.parameters())
    x, y = _batch(meta)
    before = [p.detach().clone() for p in model.parameters()]
    value = loss_fn(model(x), prepare_targets(config, y, meta.n_classes))
    opt.zero_grad()
    value.backward()
    opt.step()
    assert torch.isfinite(value)
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=False))


@pytest.mark.parametrize("loss", ["mse", "l1", "smooth_l1", "huber"])
def test_regression_losses_on_one_hot_classes(loss):
    config = TrainConfig()
    config.loss.name = loss
    config.loss.one_hot = True
    model = build_model(config, MULTICLASS)
    x, y = _batch(MULTICLASS)
    targets = prepare_targets(config, y, 4)
    assert targets.shape == (16, 4)
    assert torch.isfinite(build_loss(config)(model(x), targets))


def test_model_structure_and_summary():
    config = TrainConfig()
    config.model.hidden = [32, 16]
    config.model.batch_norm = True
    config.model.dropout = 0.2
    config.loss.name = "nll"
    model = build_model(config, IMAGES)
    kinds = [type(m).__name__ for m in model]
    assert kinds == [
        "Flatten",
        "Linear",
        "BatchNorm1d",
        "ReLU",
        "Dropout",
        "Linear",
        "BatchNorm1d",
        "ReLU",
        "Dropout",
        "Linear",
        "LogSoftmax",
    ]
    rows, params = describe_model(config, IMAGES)
    assert params == 64 * 32 + 32 + 2 * 32 + 32 * 16 + 16 + 2 * 16 + 16 * 10 + 10
    assert rows[0].output_shape == (64,)
    assert rows[-2].output_shape == (10,)
    assert sum(r.params for r in rows) == params


def test_binary_bce_has_one_output():
    config = TrainConfig()
    config.loss.name = "bce_with_logits"
    model = build_model(config, BINARY)
    assert model(torch.zeros(3, 2)).shape == (3, 1)


@pytest.mark.parametrize("init", names.INITS)
def test_inits(init):
    config = TrainConfig()
    config.model.init = init
    model = build_model(config, MULTICLASS)
    assert all(torch.isfinite(p).all() for p in model.parameters())


@pytest.mark.parametrize("scheduler", names.SCHEDULERS)
def test_schedulers(scheduler):
    config = TrainConfig()
    config.scheduler.name = scheduler
    model = build_model(config, MULTICLASS)
    opt = build_optimizer(config, model.parameters())
    sched = build_scheduler(config, opt)
    assert (sched is None) == (scheduler == "none")


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta"])
def test_fused_kernel_where_pytorch_has_one_else_the_default(name):
    model = nn.Linear(3, 2)
    config = TrainConfig().with_overrides([f"optimizer.name={name}"])
    opt = build_optimizer(config, model.parameters())
    try:
        type(opt)(nn.Linear(1, 1).parameters(), lr=0.1, fused=True)
        has_fused = True
    except (RuntimeError, ValueError, TypeError):
        has_fused = False
    assert uses_fused_kernel(opt) == (name in FUSED_OPTIMIZERS and has_fused)
    before = model.weight.detach().clone()
    model(torch.randn(4, 3)).pow(2).sum().backward()
    opt.step()
    assert not torch.equal(before, model.weight)
