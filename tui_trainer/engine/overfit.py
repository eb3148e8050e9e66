"""The data of the overfit check (`train.overfit_batches = N`, see `callbacks.overfit_check`): the
first N batches of the training split, trained in the same order every epoch and validated on as
they are, with no test split."""

from __future__ import annotations

from dataclasses import replace

from tui_trainer.engine.datasets.base import DatasetSplits, Split


def overfit_data(data: DatasetSplits, batch_size: int, n_batches: int) -> tuple[DatasetSplits, str]:
    """The splits of the check, and the log line saying what they hold."""
    n = min(len(data.train), batch_size * n_batches)
    subset = Split(data.train.x[:n], data.train.y[:n])
    splits = replace(data, train=subset, val=subset, test=None)
    batches = -(-n // batch_size)
    note = (
        f"overfit check: training and validating on the first {batches} batch"
        f"{'es' if batches != 1 else ''} ({n} of {len(data.train)} training samples), the same "
        "order every epoch; it stops once the training loss is near zero"
    )
    return splits, note
