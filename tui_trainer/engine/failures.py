"""What a failed run tells the user: one line per kind of failure, saying what to change.

The trainer catches everything a run can raise and reports it through this mapping, so the app
and `--batch` show the same sentence and neither ever shows a traceback.
"""

from __future__ import annotations

import math

import torch

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.control import NonFiniteLoss
from tui_trainer.engine.rundir.writer import describe_write_error


def describe_failure(exc: Exception, config: TrainConfig) -> str:
    if isinstance(exc, ConfigError):
        return str(exc)
    if isinstance(exc, NonFiniteLoss):
        word = "NaN" if math.isnan(exc.value) else "infinite"
        o = config.optimizer
        if o.weight_decay * o.lr >= 1:
            # Each step scales the weights by (1 - lr × weight_decay): at 1 or more they flip sign
            # or vanish, whatever the gradients do, so weight decay is the setting to change.
            return (
                f"loss became {word} at step {exc.step} — lower optimizer.weight_decay or the learning "
                f"rate (weight_decay {o.weight_decay:g} × lr {o.lr:g} is {o.weight_decay * o.lr:g}; "
                "keep it well below 1)"
            )
        return f"loss became {word} at step {exc.step} — lower the learning rate (optimizer.lr is {o.lr:g})"
    if isinstance(exc, torch.cuda.OutOfMemoryError):
        return (
            f"CUDA out of memory at batch size {config.dataset.batch_size} — lower "
            "dataset.batch_size or model.hidden, or use train.device=cpu"
        )
    if isinstance(exc, OSError):
        return describe_write_error(exc)
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"
