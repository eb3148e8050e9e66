"""`dataset.augment`: flips and padded crops of training batches, seeded, on uint8 images, never
on validation or test data, and refused for data that is not images."""

import dataclasses

import pytest
import torch

from tests.runs.runs_helpers import numbers_only, read_metrics
from tests.toy_config import toy_config
from tui_trainer.engine.augment import CROP_PADDING, augment_batches, augment_images
from tui_trainer.engine.auto_settings import resolve_for_data
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.control import TrainingControl
from tui_trainer.engine.data_placement import place_data
from tui_trainer.engine.datasets import load_dataset
from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.events import EpochEnd
from tui_trainer.engine.trainer import Trainer
from tui_trainer.engine.validate import data_problems


def images(n=64, channels=3, height=6, width=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(1, 256, (n, channels, height, width), generator=g, dtype=torch.uint8)


def draws(seed=0):
    return torch.Generator().manual_seed(seed)


def test_a_flip_mirrors_some_images_left_right_and_leaves_the_rest():
    x = images()
    out = augment_images(x, flip=True, crop=False, draws=draws())
    assert out.dtype == torch.uint8 and out.shape == x.shape
    mirrored = [torch.equal(o, i.flip(2)) for o, i in zip(out, x, strict=True)]
    kept = [torch.equal(o, i) for o, i in zip(out, x, strict=True)]
    assert all(m or k for m, k in zip(mirrored, kept, strict=True))
    assert 10 < sum(mirrored) < 54  # about half of 64


def test_a_crop_is_a_window_of_the_zero_padded_image():
    x = images()
    out = augment_images(x, flip=False, crop=True, draws=draws())
    assert out.dtype == torch.uint8 and out.shape == x.shape
    p = CROP_PADDING
    padded = torch.nn.functional.pad(x, (p, p, p, p))
    offsets = set()
    for o, pad in zip(out, padded, strict=True):
        found = [
            (top, left)
            for top in range(2 * p + 1)
            for left in range(2 * p + 1)
            if torch.equal(o, pad[:, top : top + x.shape[2], left : left + x.shape[3]])
        ]
        assert found, "every output is some window of its padded image"
        offsets.add(found[0])
    assert len(offsets) > 10  # the offsets vary from image to image


def test_the_same_seed_gives_the_same_batch_and_another_seed_another():
    x = images()
    first = augment_images(x, True, True, draws(3))
    assert torch.equal(first, augment_images(x, True, True, draws(3)))
    assert not torch.equal(first, augment_images(x, True, True, draws(4)))


def test_none_draws_nothing_so_runs_without_augmentation_stay_as_they_were():
    generator = draws(5)
    state = generator.get_state()
    batches = [(images(4), torch.zeros(4))]
    assert augment_batches(iter(batches), "none", generator) is not None
    assert list(augment_batches(iter(batches), "none", generator))[0][0] is batches[0][0]
    assert torch.equal(generator.get_state(), state)


def test_ranks_augment_differently_and_the_trainer_stream_advances_the_same():
    x, y = images(16), torch.zeros(16)
    outputs, states = [], []
    for rank in (0, 1):
        generator = draws(7)
        outputs.append(next(iter(augment_batches(iter([(x, y)]), "flip+crop", generator, rank)))[0])
        states.append(generator.get_state())
    assert not torch.equal(outputs[0], outputs[1])
    assert torch.equal(states[0], states[1])  # every rank then draws the same next permutation


def digits_config(tmp_path, *overrides):
    return toy_config(
        tmp_path,
        "dataset.name=digits",
        "dataset.batch_size=128",
        "model.layers=conv4,pool,fc16",
        "train.epochs=2",
        "train.n_samples_shown=0",
        *overrides,
    )


def test_only_training_batches_are_augmented(tmp_path):
    config = digits_config(tmp_path, "dataset.augment=flip+crop")
    data = load_dataset(config.dataset, config.train.seed)
    placed = place_data(data, torch.device("cpu"), config.dataset)
    assert placed.augment == "flip+crop"
    assert torch.equal(placed.val.x, data.val.x) and torch.equal(placed.test.x, data.test.x)
    unresolved = dataclasses.replace(config.dataset, augment="auto")  # auto not yet decided: none
    plain = place_data(data, torch.device("cpu"), unresolved)
    assert plain.augment == "none"
    augmented = list(placed.batches(draws()))
    unchanged = list(plain.batches(draws()))
    assert augmented[0][0].dtype == torch.uint8  # before normalisation, on the stored pixels
    assert len(augmented) == len(unchanged)
    assert not torch.equal(augmented[0][0], unchanged[0][0])
    # Only the pixels change: the epoch's permutation is drawn before the augmentation's seed.
    assert all(torch.equal(a[1], u[1]) for a, u in zip(augmented, unchanged, strict=True))


def test_an_augmented_run_is_reproducible_and_differs_from_a_plain_one(tmp_path):
    config = digits_config(tmp_path, "dataset.augment=flip+crop", "train.epochs=1")
    first = Trainer(config.copy()).run()
    second = Trainer(config.copy()).run()
    plain = Trainer(digits_config(tmp_path, "dataset.augment=none", "train.epochs=1")).run()
    assert first.status == second.status == plain.status == "completed"
    assert numbers_only(read_metrics(first.run_dir)) == numbers_only(read_metrics(second.run_dir))
    assert numbers_only(read_metrics(first.run_dir)) != numbers_only(read_metrics(plain.run_dir))


def test_an_augmented_conv_run_resumes_bit_identically(tmp_path):
    config = digits_config(tmp_path, "dataset.augment=flip+crop", "model.batch_norm=true", "train.epochs=3")
    straight = Trainer(config.copy()).run()
    control = TrainingControl()

    def stop_after_first_epoch(event):
        if isinstance(event, EpochEnd) and event.epoch == 0:
            control.stop()

    stopped = Trainer(config.copy(), stop_after_first_epoch, control).run()
    assert stopped.status == "stopped"
    resumed = Trainer(config.copy(), resume_from=stopped.run_dir).run()
    assert resumed.status == "completed", resumed.reason
    assert numbers_only(read_metrics(resumed.run_dir)) == numbers_only(read_metrics(straight.run_dir))
    assert resumed.metrics["test_loss"] == straight.metrics["test_loss"]


def test_auto_is_flip_and_crop_for_cifar_and_none_elsewhere():
    cifar = DatasetMeta("cifar10", "classification", (3, 32, 32), n_classes=10, is_image=True, n_train=100)
    config, notes = resolve_for_data(TrainConfig().with_overrides(["dataset.name=cifar10"]), cifar)
    assert config.dataset.augment == "flip+crop"
    assert any("dataset.augment=flip+crop" in note for note in notes)
    digits = DatasetMeta("digits", "classification", (1, 8, 8), n_classes=10, is_image=True, n_train=100)
    config, _ = resolve_for_data(TrainConfig(), digits)
    assert config.dataset.augment == "none"
    chosen, _ = resolve_for_data(TrainConfig().with_overrides(["dataset.augment=crop"]), digits)
    assert chosen.dataset.augment == "crop"


def test_augmenting_a_table_is_a_problem_of_the_field(tmp_path):
    meta = DatasetMeta("wine", "classification", (13,), n_classes=3, n_train=100)
    config = TrainConfig().with_overrides(["dataset.augment=flip"])
    (problem,) = data_problems(config, meta)
    assert problem.field == "dataset.augment"
    assert problem.message == (
        "dataset.augment=flip flips and crops images; dataset wine is not an image set — "
        "use dataset.augment=none"
    )
    failed = Trainer(toy_config(tmp_path, "dataset.augment=crop")).run()
    assert failed.status == "failed" and "dataset.augment=crop" in failed.reason


@pytest.mark.parametrize("value", ["mirror", "flip,crop", "auto "])
def test_an_unknown_augment_is_a_static_problem(value):
    config = TrainConfig()
    config.dataset.augment = value
    (problem,) = config.problems()
    assert problem.field == "dataset.augment"
    assert "valid: auto, none, flip, crop, flip+crop" in problem.message
