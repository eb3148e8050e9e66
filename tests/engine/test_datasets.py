import pytest
import torch

from tui_trainer.engine.config import ConfigError, DatasetConfig
from tui_trainer.engine.datasets import dataset_names, find_spec, load_dataset
from tui_trainer.engine.datasets.base import Normalizer

BUILTINS = ["digits", "spirals", "moons", "circles", "xor", "blobs", "linear", "sine"]


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_sets_load_and_split(name):
    cfg = DatasetConfig(name=name, n_samples=300)
    data = load_dataset(cfg, seed=1)
    meta = data.meta
    total = len(data.train) + len(data.val) + (len(data.test) if data.test else 0)
    assert total == (1797 if name == "digits" else 300)
    assert meta.n_train == len(data.train) and meta.n_val == len(data.val)
    assert tuple(data.train.x.shape[1:]) == meta.input_shape
    if meta.task == "classification":
        assert data.train.y.dtype == torch.int64
        assert int(data.train.y.max()) < meta.n_classes
        assert len(meta.class_names) == meta.n_classes
    else:
        assert data.train.y.shape == (len(data.train), 1)


def test_digits_is_compact_images():
    data = load_dataset(DatasetConfig(), seed=0)
    assert data.meta.is_image and data.meta.input_shape == (1, 8, 8)
    assert data.train.x.dtype == torch.uint8
    assert data.meta.pixel_max == 16
    normalised = data.normalizer(data.train.x)
    assert abs(float(normalised.mean())) < 1e-3
    assert abs(float(normalised.std()) - 1) < 1e-2


def test_splits_are_seeded_and_disjoint():
    cfg = DatasetConfig(name="moons", n_samples=200)
    a, b, c = load_dataset(cfg, 0), load_dataset(cfg, 0), load_dataset(cfg, 1)
    assert torch.equal(a.train.x, b.train.x)
    assert not torch.equal(a.train.x, c.train.x)
    rows = {tuple(r.tolist()) for r in a.train.x}
    assert not rows & {tuple(r.tolist()) for r in a.val.x}


def test_toy_sizes_and_noise_are_configurable():
    quiet = load_dataset(DatasetConfig(name="linear", n_samples=100, noise=0.0, test_fraction=0.0), 0)
    x, y = quiet.train.x, quiet.train.y
    assert torch.allclose(y, 2 * x + 1, atol=1e-5)
    assert len(quiet.train) + len(quiet.val) == 100


def test_normalizer_fits_on_train_only():
    x = torch.tensor([[0.0, 10.0], [2.0, 10.0]])
    n = Normalizer.fit(x, "standardize", is_image=False)
    assert torch.allclose(n(x)[:, 0], torch.tensor([-0.7071, 0.7071]), atol=1e-3)
    assert torch.equal(n(x)[:, 1], torch.zeros(2))  # constant column: no division by zero
    m = Normalizer.fit(x, "minmax", is_image=False)
    assert torch.equal(m(x)[:, 0], torch.tensor([0.0, 1.0]))


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(ConfigError, match="unknown dataset.name 'mnist2'; valid: digits"):
        find_spec("mnist2")
    assert "digits" in dataset_names()


def test_too_few_samples_for_split():
    with pytest.raises(ConfigError, match="too few"):
        load_dataset(DatasetConfig(name="moons", n_samples=4, val_fraction=0.1, test_fraction=0.0), 0)
