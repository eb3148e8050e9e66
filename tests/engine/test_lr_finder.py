"""The learning-rate range test: a suggestion near the known best rate on a problem where that rate
is known, the test's length and stopping rule, and a run left exactly as it was."""

import math
import random

import numpy as np
import torch

from tests.toy_config import toy_config
from tui_trainer.engine import EpochEnd, RunPaused, Trainer, TrainingControl, find_lr, find_lr_for_run
from tui_trainer.engine.lr_finder import LRFinderSettings, suggestions

# Least squares on one standardised input with standardised targets: the loss's Hessian is 2·I,
# so plain gradient descent converges fastest at lr = 1/2 and diverges above 1.
KNOWN_BEST_LR = 0.5
LINEAR_REGRESSION = (
    "dataset.name=linear",
    "dataset.n_samples=2000",
    "dataset.batch_size=8",
    "model.hidden=",
    "optimizer.name=sgd",
    "optimizer.momentum=0",
)


def test_the_suggestions_lie_within_10x_of_the_known_best_rate(tmp_path):
    result = find_lr(toy_config(tmp_path, *LINEAR_REGRESSION))
    assert result.steps_planned == 100 and len(result.lrs) <= 100
    for suggestion in (result.steepest_lr, result.minimum_lr):
        assert suggestion is not None
        assert KNOWN_BEST_LR / 10 <= suggestion <= KNOWN_BEST_LR * 10, suggestion
    assert result.suggested_lr == result.minimum_lr


def test_the_rate_grows_exponentially_and_the_test_stops_at_4x_the_best_loss(tmp_path):
    result = find_lr(toy_config(tmp_path, *LINEAR_REGRESSION))
    settings = LRFinderSettings()
    assert result.lrs[0] == settings.start_lr
    ratios = [b / a for a, b in zip(result.lrs, result.lrs[1:], strict=False)]
    assert max(ratios) / min(ratios) < 1 + 1e-9
    assert math.isclose(ratios[0], (settings.end_lr / settings.start_lr) ** (1 / 99))
    # It stopped at the first point past 4× the lowest smoothed loss so far, before 10.
    assert result.losses[-1] > 4 * min(result.losses)
    assert all(loss <= 4 * min(result.losses[: i + 1]) for i, loss in enumerate(result.losses[:-1]))
    assert result.lrs[-1] < settings.end_lr and "4×" in result.stop_reason


def test_a_short_epoch_bounds_the_test(tmp_path):
    # 210 training samples in batches of 64: 4 steps make the epoch, fewer than 100.
    result = find_lr(toy_config(tmp_path, "dataset.batch_size=64"))
    assert result.steps_planned == 4 and len(result.lrs) == 4
    assert result.lrs[-1] == LRFinderSettings().end_lr, "the 4 steps still span the whole range"


def test_suggestions_of_a_known_curve():
    lrs = [10 ** (-7 + 8 * i / 99) for i in range(100)]
    # A loss falling fastest at lr 1e-3 (a logistic step in log lr), lowest at 1e-1, then rising.
    losses = [
        2 - 1.5 / (1 + math.exp(-3 * (math.log10(lr) + 3))) + max(0.0, math.log10(lr) + 1) for lr in lrs
    ]
    steepest, minimum = suggestions(lrs, losses)
    assert steepest is not None and minimum is not None
    assert abs(math.log10(steepest) - -3) < 0.1
    lowest = lrs[min(range(100), key=losses.__getitem__)]
    assert minimum == lowest / 10
    assert suggestions(lrs, [float(i) for i in range(100)]) == (None, None), "a loss that never falls"


def random_states():
    return (
        torch.get_rng_state().clone(),
        random.getstate(),
        np.random.get_state(legacy=True)[1].copy(),
    )


def test_the_test_leaves_every_random_state_as_it_found_it(tmp_path):
    torch.manual_seed(123)
    random.seed(4)
    np.random.seed(5)
    before = random_states()
    find_lr(toy_config(tmp_path, "dataset.batch_size=8", "model.dropout=0.3"))
    after = random_states()
    assert torch.equal(before[0], after[0])
    assert before[1] == after[1]
    assert np.array_equal(before[2], after[2])


def test_a_paused_run_trains_on_exactly_as_if_no_test_had_run(tmp_path):
    """Dropout (torch's RNG) and the shuffle (the run's generator) both draw during the test."""
    config = toy_config(tmp_path, "model.dropout=0.2", "train.epochs=3", "dataset.batch_size=16")
    straight = Trainer(config.copy()).run()

    control = TrainingControl()
    seen: dict = {}

    def listener(event):
        if isinstance(event, EpochEnd) and event.epoch == 0:
            control.pause()
        if isinstance(event, RunPaused):  # on the training thread, as the app's worker would run it
            trainer = seen["trainer"]
            model = {k: v.clone() for k, v in trainer.model.state_dict().items()}
            generator = trainer.generator.get_state()
            seen["result"] = find_lr_for_run(trainer, LRFinderSettings(max_steps=20))
            assert all(torch.equal(v, trainer.model.state_dict()[k]) for k, v in model.items())
            assert torch.equal(generator, trainer.generator.get_state())
            control.resume()

    trainer = Trainer(config.copy(), listener, control)
    seen["trainer"] = trainer
    paused = trainer.run()
    assert paused.status == "completed", paused.reason
    assert len(seen["result"].lrs) == 14  # 210 samples / 16: 14 steps make the epoch
    for key in ("train_loss", "val_loss", "test_loss"):
        assert paused.metrics[key] == straight.metrics[key], key
