"""Start-up guarantees: the paths to `--help` and to the app's first screen never import torch,
torchvision or scikit-learn (each costs seconds); the app loads them in a worker after painting."""

import subprocess
import sys

import pytest

HEAVY = ("torch", "torchvision", "sklearn")


def imported_heavy_modules(code: str) -> list[str]:
    probe = code + f"\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [m for m in done.stdout.splitlines()[-1].split(",") if m]


@pytest.mark.parametrize(
    "code",
    [
        "import tui_trainer.ui.app",
        "from tui_trainer.engine.datasets import dataset_specs, find_spec, load_dataset",
        "from tui_trainer.engine.events import BatchEnd, Evaluation",
        "from tui_trainer.cli import main",
    ],
)
def test_ui_path_imports_no_heavy_modules(code):
    assert imported_heavy_modules(code) == []


def test_listing_and_looking_up_datasets_stays_torch_free():
    code = (
        "from tui_trainer.engine.datasets import dataset_names, find_spec\n"
        "assert 'mnist' in dataset_names() and 'digits' in dataset_names()\n"
        "find_spec('csv:x.csv'); find_spec('cifar10')"
    )
    assert imported_heavy_modules(code) == []


def test_lazy_loader_still_loads_and_keeps_tensor_types_reachable():
    from tui_trainer.engine.config import DatasetConfig
    from tui_trainer.engine.datasets import Split, find_spec, load_dataset

    spec, _ = find_spec("moons")
    assert spec.loader.__name__ == "moons"
    cfg = DatasetConfig(name="moons", n_samples=100)
    splits = load_dataset(cfg, seed=0)
    assert isinstance(splits.train, Split)
    assert splits.meta.n_train + splits.meta.n_val + splits.meta.n_test == 100


def test_digits_loads_without_scikit_learn_and_matches_it():
    code = (
        "from tui_trainer.engine.config import DatasetConfig\n"
        "from tui_trainer.engine.datasets import load_dataset\n"
        "assert load_dataset(DatasetConfig(), seed=0).meta.n_classes == 10"
    )
    assert imported_heavy_modules(code) == ["torch"]

    import numpy as np
    from sklearn.datasets import load_digits

    from tui_trainer.engine.datasets.builtin import _digits_arrays

    images, target = _digits_arrays()
    reference = load_digits()
    assert np.array_equal(images, reference.images) and np.array_equal(target, reference.target)
