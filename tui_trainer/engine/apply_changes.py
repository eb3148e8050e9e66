"""Changed settings put into a live run: the optimizer's parameter groups, the LR scheduler, early
stopping, the batches and the update step. Which fields may change and how a change is recorded
is `engine.setting_changes`'; this module reads and writes the trainer's public attributes.

The scheduler continues from the learning rate in use: a new lr restarts the schedule's decay from
it; a different scheduler starts from the current lr (cosine then anneals from it to the run's
last epoch, as a resume with more epochs re-plans it, `components.replan_schedule`).
"""

from __future__ import annotations

from typing import Any

import torch

from tui_trainer.engine.components import build_scheduler, replan_schedule
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.events import LogMessage, SettingsChanged
from tui_trainer.engine.names import USES_BETAS, USES_MOMENTUM
from tui_trainer.engine.setting_changes import (
    RUN_LENGTH_FIELDS,
    SettingChange,
    changed_fields,
    setting_change_problems,
    with_changes,
)
from tui_trainer.engine.validate import data_problems


def apply_requested_changes(trainer: Any, requested: dict[str, Any]) -> list[SettingChange]:
    """Apply what `TrainingControl.request_changes` asked for, or refuse all of it with an error
    LogMessage naming the first problem."""
    config = trainer.config
    problems = setting_change_problems(config, requested, trainer.progress.epochs_done)
    if not problems:
        new = with_changes(config, requested)
        before = set(data_problems(config, trainer.meta))
        problems = [p for p in data_problems(new, trainer.meta) if p not in before]
    if problems:
        messages = "; ".join(problem.message for problem in problems)
        trainer.emit(LogMessage(f"settings not changed: {messages}", "error"))
        return []
    return apply_changes(trainer, config, new)


def apply_changes(trainer: Any, old: TrainConfig, new: TrainConfig) -> list[SettingChange]:
    """Make the run train on `new` from its next optimizer step, where it trained on `old` (a
    resume passes its checkpoint's config); records, logs and emits the changes."""
    differences = changed_fields(old, new)
    trainer.config = new
    trainer.early_stopping.patience = new.train.patience
    trainer.placed.batch_size = new.dataset.batch_size  # cut into batches from the next epoch
    trainer.optimizer_step.configure(new)
    if not differences:
        return []
    names = {name for name, _, _ in differences}
    optimizer, progress = trainer.optimizer, trainer.progress
    lr_in_use = optimizer.param_groups[0]["lr"]
    notes = []
    if "train.epochs" in names:
        last_lr = trainer.history[-1].lr if trainer.history else None
        notes.append(
            replan_schedule(trainer.scheduler, optimizer, new.train.epochs, progress.epochs_done, last_lr)
        )
    notes += _set_parameter_groups(optimizer, new, names)
    if any(name.startswith("scheduler.") for name in names):
        _change_scheduler(trainer, old, new)
    epoch, step = progress.epochs_done + 1, progress.step
    changes = [
        SettingChange(name, lr_in_use if name == "optimizer.lr" else before, after, epoch, step)
        for name, before, after in differences
    ]
    trainer.change_log.record(trainer, [c for c in changes if c.field not in RUN_LENGTH_FIELDS])
    if trainer.run_dir is not None:
        trainer.run_dir.write_config(new)  # a later --resume reads it
    if "dataset.batch_size" in names:
        notes.append(f"dataset.batch_size {new.dataset.batch_size} is used from the next epoch on")
    described = ", ".join(change.describe() for change in changes)
    trainer.emit(LogMessage(f"changed from step {step + 1} (epoch {epoch}): {described}"))
    for note in notes:
        if note:
            trainer.emit(LogMessage(note))
    trainer.emit(SettingsChanged(epoch, step, changes, new.train.epochs))
    return changes


def _set_parameter_groups(
    optimizer: torch.optim.Optimizer, config: TrainConfig, names: set[str]
) -> list[str]:
    o = config.optimizer
    for group in optimizer.param_groups:
        if "optimizer.lr" in names:
            group["lr"] = o.lr
        if "optimizer.weight_decay" in names:
            group["weight_decay"] = o.weight_decay
        if "optimizer.momentum" in names and "momentum" in group:
            group["momentum"] = o.momentum
        if "optimizer.betas" in names and "betas" in group:
            group["betas"] = (o.betas[0], o.betas[1])
    unused = [
        field
        for field, users in (("optimizer.momentum", USES_MOMENTUM), ("optimizer.betas", USES_BETAS))
        if field in names and o.name not in users
    ]
    return [f"{field} is not used by {o.name}: kept in the config only" for field in unused]


def _change_scheduler(trainer: Any, old: TrainConfig, new: TrainConfig) -> None:
    """The scheduler's settings changed: the same scheduler takes them up, a different one starts
    from the learning rate in use."""
    s, scheduler = new.scheduler, trainer.scheduler
    lr_scheduler = torch.optim.lr_scheduler
    if s.name == old.scheduler.name and scheduler is not None:
        if isinstance(scheduler, lr_scheduler.StepLR):
            scheduler.step_size, scheduler.gamma = s.step_size, s.gamma
        elif isinstance(scheduler, lr_scheduler.ReduceLROnPlateau):
            scheduler.factor, scheduler.patience = s.gamma, s.patience
        return
    for group in trainer.optimizer.param_groups:
        group.pop("initial_lr", None)  # a new schedule's base is the lr in use, not the run's first
    scheduler = build_scheduler(new, trainer.optimizer)
    if isinstance(scheduler, lr_scheduler.CosineAnnealingLR):
        # Steps on from this epoch's place with PyTorch's recursive form, which scales the lr in
        # use: a cosine from it down to eta_min at the last epoch.
        scheduler.last_epoch = trainer.progress.epochs_done
    trainer.scheduler = scheduler
