import pytest

from tests.toy_config import toy_config
from tui_trainer.engine.config import TrainConfig


@pytest.fixture
def tiny_config(runs_dir):
    """A seconds-long CPU run: toy data, small MLP, dropout and a scheduler so their state matters."""

    def make(*overrides: str) -> TrainConfig:
        return toy_config(
            runs_dir,
            "dataset.name=spirals",
            "dataset.n_samples=120",
            "dataset.batch_size=16",
            "model.hidden=16,8",
            "model.dropout=0.2",
            "scheduler.name=step",
            "scheduler.step_size=1",
            "scheduler.gamma=0.9",
            "train.epochs=4",
            "train.n_samples_shown=2",
            *overrides,
        )

    return make
