"""Presets (assets/presets/*.toml): each loads and validates and says what to expect; the ones
whose data is here train to what they promise; and the linear toy they build on."""

import math

import pytest
import torch

from tui_trainer.engine.config import ConfigError, DatasetConfig, TrainConfig
from tui_trainer.engine.datasets.toys import linear
from tui_trainer.engine.presets import CHECKOUT_DIR, list_presets, load_preset, preset_names
from tui_trainer.engine.trainer import Trainer
from tui_trainer.engine.validate import data_problems

ISSUE_PRESETS = {
    "linear-regression",
    "mnist-mlp",
    "mnist-lenet5",
    "fashion-cnn",
    "cifar10-resnet8",
    "digits-cnn",
    "spirals-playground",
}


def test_every_preset_loads_validates_and_says_what_it_shows_and_what_to_expect():
    presets = list_presets()
    assert {p.name for p in presets} >= ISSUE_PRESETS
    assert [p.name for p in presets] == preset_names() == sorted(p.stem for p in CHECKOUT_DIR.glob("*.toml"))
    for preset in presets:
        assert preset.description and "\n" not in preset.description, preset.name
        assert preset.expect and "\n" not in preset.expect, preset.name
        # Every expectation is measured here or quoted with its source.
        assert "measured here" in preset.expect or "quoted" in preset.expect, preset.name
        config = load_preset(preset.name)
        assert config.problems() == []
        # Written back and read again, the preset is the same config (no [preset] table left).
        assert TrainConfig.from_dict(config.to_dict()) == config


def test_presets_without_a_download_also_fit_their_data():
    from tui_trainer.engine.datasets import load_dataset

    for name in ("linear-regression", "digits-cnn", "spirals-playground"):
        config = load_preset(name)
        data = load_dataset(config.dataset, config.train.seed)
        assert data_problems(config, data.meta) == [], name


def test_an_unknown_preset_names_the_valid_ones():
    with pytest.raises(ConfigError) as caught:
        load_preset("mnist-cnn")
    message = str(caught.value)
    assert message.startswith("unknown preset 'mnist-cnn'; valid: cifar10-resnet8, digits-cnn, ")
    assert "\n" not in message


@pytest.mark.parametrize("name", ["../pyproject", "/etc/passwd", "digits-cnn.toml", ""])
def test_only_the_folder_s_own_presets_can_be_named(name):
    with pytest.raises(ConfigError, match="unknown preset"):
        load_preset(name)


def test_another_presets_folder_can_be_chosen_and_a_bad_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("TUI_TRAINER_PRESETS", str(tmp_path))
    (tmp_path / "mine.toml").write_text(
        '[preset]\ndescription = "mine"\nexpect = "measured here: 1.0"\n[train]\nepochs = 3\n'
    )
    (tmp_path / "broken.toml").write_text("[optimizer]\nlr = -1\n")
    assert preset_names() == ["broken", "mine"]
    assert load_preset("mine").train.epochs == 3
    with pytest.raises(ConfigError, match=r"preset broken \(.*broken.toml\): optimizer.lr must be > 0"):
        load_preset("broken")
    (tmp_path / "broken.toml").write_text("[optimizer\n")
    with pytest.raises(ConfigError, match="broken.toml cannot be read"):
        list_presets()


# ---- the linear toy -------------------------------------------------------------------------


def test_the_linear_toy_keeps_its_defaults():
    cfg = DatasetConfig(name="linear", n_samples=50)
    data = linear(cfg, seed=4)
    g = torch.Generator().manual_seed(4)
    x = torch.rand(50, generator=g) * 4 - 2
    y = 2 * x + 1 + torch.randn(50, generator=g) * 0.1
    assert torch.equal(data.x.view(-1), x) and torch.equal(data.y.view(-1), y)


def test_the_linear_toy_takes_a_line_a_range_and_even_spacing():
    cfg = DatasetConfig(
        name="linear",
        n_samples=11,
        noise=0.0,
        slope=-3.0,
        intercept=0.5,
        x_min=0.0,
        x_max=10.0,
        x_spacing="even",
    )
    data = linear(cfg, seed=0)
    assert data.x.view(-1).tolist() == [float(i) for i in range(11)]
    assert data.y.view(-1).tolist() == [-3.0 * i + 0.5 for i in range(11)]
    assert data.meta.description == "y = -3x + 0.5, x in [0, 10]"
    spread = linear(DatasetConfig(name="linear", n_samples=500, x_min=5.0, x_max=6.0), seed=0).x
    assert float(spread.min()) >= 5.0 and float(spread.max()) < 6.0


@pytest.mark.parametrize(
    ("assignment", "field", "fragment"),
    [
        ("dataset.slope=-2e6", "dataset.slope", "must be between -1,000,000 and 1,000,000, got -2000000.0"),
        ("dataset.intercept=1e7", "dataset.intercept", "must be between -1,000,000 and 1,000,000"),
        (
            "dataset.x_max=-3",
            "dataset.x_max",
            "dataset.x_max must be above dataset.x_min, got x_min -2 and x_max -3",
        ),
        ("dataset.x_spacing=grid", "dataset.x_spacing", "valid: random, even"),
    ],
)
def test_the_linear_toy_s_fields_are_checked(assignment, field, fragment):
    config = TrainConfig()
    config.set("dataset.name=linear")
    config.set(assignment)
    (problem,) = config.problems()
    assert problem.field == field and fragment in problem.message


# ---- the presets train to what they promise ------------------------------------------------


def fitted_line(trainer: Trainer) -> tuple[float, float]:
    """Slope and intercept of the trained Linear(1, 1) in the data's own units: it saw
    standardised x and y, so y = t_mean + t_scale · (w · (x − x_mean) / x_scale + b)."""
    (layer,) = [m for m in trainer.model.modules() if isinstance(m, torch.nn.Linear)]
    w, b = float(layer.weight.detach()), float(layer.bias.detach())
    normalizer = trainer.placed.eval_normalizer
    x_mean, x_scale = float(normalizer.mean), float(normalizer.scale)
    t_mean, t_scale = trainer.meta.target_mean, trainer.meta.target_scale
    return t_scale * w / x_scale, t_mean + t_scale * (b - w * x_mean / x_scale)


def test_linear_regression_learns_y_equals_2x_plus_1():
    config = load_preset("linear-regression")
    config.train.device = "cpu"
    trainer = Trainer(config, write_run_dir=False)
    finished = trainer.run()
    assert finished.status == "completed" and finished.epochs_done == 100
    slope, intercept = fitted_line(trainer)
    assert math.isclose(slope, 2.0, abs_tol=1e-3) and math.isclose(intercept, 1.0, abs_tol=1e-3)
    assert finished.metrics["val_loss"] < 1e-6


@pytest.mark.slow
def test_digits_cnn_reaches_98_percent_and_beats_the_mlp(tmp_path):
    config = load_preset("digits-cnn")
    config.train.output_dir = str(tmp_path)
    config.train.device = "cpu"
    cnn = Trainer(config).run()
    mlp_config = config.copy()
    mlp_config.model.layers, mlp_config.model.batch_norm = [], False  # the default 64-32 MLP
    mlp = Trainer(mlp_config).run()
    assert cnn.status == mlp.status == "completed"
    assert cnn.metrics["val_accuracy"] >= 0.98
    assert cnn.metrics["val_accuracy"] > mlp.metrics["val_accuracy"]


@pytest.mark.slow
def test_spirals_playground_reaches_95_percent(tmp_path):
    config = load_preset("spirals-playground")
    config.train.output_dir = str(tmp_path)
    config.train.device = "cpu"
    finished = Trainer(config).run()
    assert finished.status == "completed"
    assert finished.metrics["val_accuracy"] >= 0.95
