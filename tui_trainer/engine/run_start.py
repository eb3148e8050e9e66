"""What a run reports once it is set up: RunStarted (the run header's facts), then how its
training step runs."""

from __future__ import annotations

from typing import Any

from tui_trainer.engine.components import uses_fused_kernel
from tui_trainer.engine.device import describe_device
from tui_trainer.engine.events import LogMessage, RunStarted
from tui_trainer.engine.model import count_parameters, layer_summary


def announce_start(trainer: Any) -> None:
    config, placed, optimizer = trainer.config, trainer.placed, trainer.optimizer
    trainer.emit(
        RunStarted(
            config=config,
            meta=trainer.meta,
            device=describe_device(trainer.device),
            param_count=count_parameters(trainer.model),
            layers=layer_summary(trainer.model, trainer.meta),
            steps_per_epoch=placed.batches_per_epoch,
            total_steps=trainer.total_steps,
            start_epoch=trainer.progress.start_epoch,
            run_dir=str(trainer.run_dir.path) if trainer.run_dir else None,
            loader=placed.mode,
        )
    )
    compiled = "; torch.compile on" if config.train.compile else ""
    kernel = " (fused kernel)" if uses_fused_kernel(optimizer) else ""
    step = f"optimizer {type(optimizer).__name__}{kernel}"
    if config.optimizer.clip_grad_norm > 0:
        step += f"; gradients clipped to norm {config.optimizer.clip_grad_norm:g}"
    if config.train.accumulate_batches > 1:
        effective = config.dataset.batch_size * config.train.accumulate_batches
        step += f"; an update every {config.train.accumulate_batches} batches (effective batch {effective})"
    trainer.emit(LogMessage(f"training step in {trainer.precision.describe()}{compiled}; {step}"))
