"""`train.overfit_batches`: train and validate on the first N batches; stop once the training loss
is near zero, or end with a one-line hint when the model cannot fit them."""

import torch

from tests.toy_config import toy_config
from tui_trainer.engine import LogMessage, Trainer, load_dataset
from tui_trainer.engine.auto_settings import resolve_for_data
from tui_trainer.engine.callbacks.overfit_check import FIT_FRACTION


def test_a_model_that_can_fit_stops_once_the_loss_is_near_zero(tmp_path):
    config = toy_config(
        tmp_path,
        "train.overfit_batches=2",
        "dataset.batch_size=16",
        "model.hidden=32,32",
        "optimizer.lr=0.05",
        "train.epochs=300",
    )
    events = []
    trainer = Trainer(config, events.append)
    finished = trainer.run()
    assert finished.status == "early_stopped", finished.reason
    assert finished.reason.startswith("the model fits 2 batches: training loss")
    history = trainer.history
    assert history[-1].train_loss <= FIT_FRACTION * history[0].train_loss < history[-2].train_loss
    assert finished.epochs_done < 300
    # Trained and validated on the same 32 samples, in the same order every epoch; no test split.
    placed = trainer.placed
    assert len(placed.train) == len(placed.val) == 32 and placed.test is None
    assert torch.equal(placed.epoch_order(trainer.generator), torch.arange(32))
    assert "test_loss" not in finished.metrics
    assert any(isinstance(e, LogMessage) and e.text.startswith("overfit check: ") for e in events)


def test_a_model_that_cannot_fit_ends_with_a_one_line_hint(tmp_path):
    # A linear model cannot separate xor's four quadrants.
    config = toy_config(
        tmp_path, "dataset.name=xor", "model.hidden=", "train.overfit_batches=1", "train.epochs=20"
    )
    finished = Trainer(config).run()
    assert finished.status == "completed"
    assert finished.reason.startswith("the model did not fit 1 batch in 20 epochs (training loss ")
    assert "optimizer.lr" in finished.reason and "model.hidden" in finished.reason
    assert "\n" not in finished.reason


def test_auto_epochs_count_passes_over_the_batches(tmp_path):
    config = toy_config(tmp_path, "dataset.name=digits", "train.overfit_batches=10", "train.epochs=auto")
    meta = load_dataset(config.dataset, config.train.seed).meta
    resolved, notes = resolve_for_data(config, meta)
    # 1,000 steps in epochs of 10 batches, not digits' recommended 10 epochs over the whole set.
    assert resolved.train.epochs == 100
    assert not any("recommended" in note for note in notes)
