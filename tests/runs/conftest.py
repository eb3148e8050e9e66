import pytest

from tui_trainer.engine.config import TrainConfig


@pytest.fixture
def tiny_config(runs_dir):
    """A seconds-long CPU run: toy data, small MLP, dropout and a scheduler so their state matters."""

    def make(*overrides: str) -> TrainConfig:
        base = [
            "dataset.name=spirals",
            "dataset.n_samples=120",
            "dataset.batch_size=16",
            "model.hidden=16,8",
            "model.dropout=0.2",
            "scheduler.name=step",
            "scheduler.step_size=1",
            "scheduler.gamma=0.9",
            "train.epochs=4",
            "train.device=cpu",
            "train.n_samples_shown=2",
            f"train.output_dir={runs_dir}",
        ]
        return TrainConfig().with_overrides(base + list(overrides))

    return make
