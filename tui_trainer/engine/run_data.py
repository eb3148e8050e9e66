"""A run's data as its training used it: loaded and split with the run's seed, its `auto`
settings decided for the data, checked against it, and cut down for the overfit check.

The Trainer's set-up and `run_review.review_run` (a finished run's model looked at again) both
build their data here, so a reviewed run evaluates exactly the splits it was trained and tested on.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_trainer.engine.auto_settings import resolve_for_data
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.datasets import DatasetSplits, load_dataset
from tui_trainer.engine.datasets.base import LoadProgress
from tui_trainer.engine.overfit import overfit_data
from tui_trainer.engine.validate import check_against_data


@dataclass
class RunData:
    config: TrainConfig  # with every `auto` decided for the data
    data: DatasetSplits
    notes: list[str]  # the log lines of the choices made, in the order a run reports them


def prepare_run_data(
    config: TrainConfig,
    progress: LoadProgress | None = None,
    data: DatasetSplits | None = None,
    world_size: int = 1,
) -> RunData:
    """The splits of `config`'s dataset (or `data`, handed over ready-made) as its run trains on
    them; ConfigError when the config does not fit the data."""
    data = data or load_dataset(config.dataset, config.train.seed, progress)
    # `auto` settings are decided now the data is known; config.toml and checkpoints keep the result.
    config, notes = resolve_for_data(config, data.meta, world_size)
    notes = [*data.meta.notes, *notes]
    check_against_data(config, data.meta)
    if config.train.overfit_batches:
        data, note = overfit_data(data, config.dataset.batch_size, config.train.overfit_batches)
        notes.append(note)
    return RunData(config, data, notes)
