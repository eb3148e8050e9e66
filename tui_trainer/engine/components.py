"""The loss, optimizer and LR-scheduler registries: config names to PyTorch objects."""

from __future__ import annotations

import math

import torch
from torch import nn

from tui_trainer.engine.config import TrainConfig

LOSS_CLASSES: dict[str, type[nn.Module]] = {
    "cross_entropy": nn.CrossEntropyLoss,
    "nll": nn.NLLLoss,
    "mse": nn.MSELoss,
    "l1": nn.L1Loss,
    "smooth_l1": nn.SmoothL1Loss,
    "huber": nn.HuberLoss,
    "bce_with_logits": nn.BCEWithLogitsLoss,
}

OPTIMIZER_CLASSES: dict[str, type[torch.optim.Optimizer]] = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
    "adadelta": torch.optim.Adadelta,
}


def build_loss(config: TrainConfig, y_train: torch.Tensor | None = None, n_classes: int = 0) -> nn.Module:
    """The configured loss (`auto` already resolved), weighted per class with
    `loss.class_weights = balanced` (the weights come from the training targets `y_train`)."""
    class_weights = class_weights_for(config, y_train, n_classes) if y_train is not None else None
    if class_weights is not None and config.loss.name in ("cross_entropy", "nll"):
        return LOSS_CLASSES[config.loss.name](weight=class_weights)
    return LOSS_CLASSES[config.loss.name]()


def class_weights_for(config: TrainConfig, y_train: torch.Tensor, n_classes: int) -> torch.Tensor | None:
    """`loss.class_weights = balanced`: n / (classes * count) per class, from the training split
    (scikit-learn's "balanced"); a class absent from it gets weight 0. None when not asked for."""
    if config.loss.class_weights != "balanced" or n_classes < 2:
        return None
    counts = torch.bincount(y_train.view(-1).long().cpu(), minlength=n_classes).double()
    balanced = counts.sum() / (n_classes * counts.clamp(min=1))
    weights = torch.where(counts > 0, balanced, torch.zeros_like(counts))
    return weights.float()


def build_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    o = config.optimizer
    kwargs: dict = {"lr": o.lr, "weight_decay": o.weight_decay}
    if o.name == "sgd":
        kwargs.update(momentum=o.momentum, nesterov=o.nesterov)
    elif o.name == "rmsprop":
        kwargs.update(momentum=o.momentum)
    elif o.name in ("adam", "adamw"):
        kwargs.update(betas=(o.betas[0], o.betas[1]))
    return _with_fused_kernel(o.name, list(params), kwargs)


# One kernel for the whole update instead of a chain of per-tensor-list kernels: the small MLPs
# trained here are bound by kernel-launch and dispatch overhead, so this was worth +17% samples/s
# on a 2-core CPU and more on CUDA (README, Performance). Same maths; other optimizers have no
# fused kernel and use PyTorch's default.
FUSED_OPTIMIZERS = ("sgd", "adam", "adamw")


def _with_fused_kernel(name: str, params: list, kwargs: dict) -> torch.optim.Optimizer:
    cls = OPTIMIZER_CLASSES[name]
    if name in FUSED_OPTIMIZERS and params:
        try:
            # `fused` is a keyword of Adam/AdamW/SGD (FUSED_OPTIMIZERS), not of the Optimizer base.
            return cls(params, fused=True, **kwargs)  # type: ignore[call-arg]
        except (RuntimeError, ValueError, TypeError):
            pass  # an older PyTorch, or a device without the fused kernel
    return cls(params, **kwargs)


def uses_fused_kernel(optimizer: torch.optim.Optimizer) -> bool:
    return bool(optimizer.defaults.get("fused"))


def build_scheduler(config: TrainConfig, optimizer: torch.optim.Optimizer):
    """None, or a scheduler stepped once per epoch (plateau is stepped with the val loss)."""
    s = config.scheduler
    if s.name == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=s.step_size, gamma=s.gamma)
    if s.name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.train.epochs)
    if s.name == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="min", factor=s.gamma, patience=s.patience
        )
    return None


def prepare_targets(config: TrainConfig, y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """Targets in the form the loss expects: class indices, one-hot floats or a float column."""
    name = config.loss.name
    if name == "bce_with_logits":
        return y.float().view(-1, 1)
    if name in ("cross_entropy", "nll"):
        return y
    if y.dtype == torch.long:  # regression loss on class labels, one-hot chosen
        return nn.functional.one_hot(y, n_classes).float()
    return y


def replan_schedule(
    scheduler, optimizer: torch.optim.Optimizer, epochs: int, done: int, last_lr: float | None
) -> str | None:
    """Fit a resumed run's scheduler to a changed `train.epochs`; returns what was re-planned.

    Only cosine depends on the epoch count. Keeping its old period would, past the old end,
    climb back up (0.05, 0.0375, 0.0125, 0.0, 0.0125, ...). Instead the lr continues from the
    one the last finished epoch trained with, down a cosine that ends at the new last epoch:
    lr(t) = last_lr * (1 + cos(pi t / epochs)) / (1 + cos(pi (done - 1) / epochs)) for t >= done.
    PyTorch's CosineAnnealingLR steps exactly this way (it scales the current lr by that ratio)
    once T_max = epochs and the current lr is lr(done); both go into the next checkpoint, so a
    later resume continues the new plan.
    """
    if not isinstance(scheduler, torch.optim.lr_scheduler.CosineAnnealingLR) or scheduler.T_max == epochs:
        return None
    old_period = scheduler.T_max
    scheduler.T_max = epochs
    if done == 0 or last_lr is None:  # nothing trained yet: the plan for `epochs` from the start
        return f"cosine lr schedule re-planned for {epochs} epochs (was {old_period})"
    eta_min = scheduler.eta_min
    ratio = (1 + math.cos(math.pi * done / epochs)) / (1 + math.cos(math.pi * (done - 1) / epochs))
    next_lr = eta_min + (last_lr - eta_min) * ratio
    for group in optimizer.param_groups:
        group["lr"] = next_lr
    return (
        f"cosine lr schedule re-planned for {epochs} epochs (was {old_period}): lr continues from "
        f"{last_lr:.4g} (epoch {done}) down to {eta_min:g} at epoch {epochs}, next {next_lr:.4g}"
    )
