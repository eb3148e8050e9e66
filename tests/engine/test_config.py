import pytest

from tui_trainer.engine.config import ConfigError, TrainConfig, field_type


def test_toml_round_trip(tmp_path):
    config = TrainConfig()
    config.model.hidden = [256, 128]
    config.optimizer.lr = 3e-4
    config.scheduler.name = "cosine"
    path = tmp_path / "c.toml"
    config.save(path)
    loaded = TrainConfig.load(path)
    assert loaded == config


def test_partial_toml_keeps_defaults(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[optimizer]\nname = "sgd"\nlr = 1\n[model]\nhidden = [8]\n')
    config = TrainConfig.load(path)
    assert config.optimizer.name == "sgd"
    assert config.optimizer.lr == 1.0 and isinstance(config.optimizer.lr, float)
    assert config.model.hidden == [8]
    assert config.dataset.name == "digits"


def test_set_overrides_parse_types():
    config = TrainConfig().with_overrides(
        [
            "model.hidden=256,128",
            "optimizer.lr=3e-4",
            "model.batch_norm=true",
            "train.epochs=3",
            "optimizer.betas=0.8,0.99",
            "dataset.name=csv:data/iris.csv",
        ]
    )
    assert config.model.hidden == [256, 128]
    assert config.optimizer.lr == 3e-4
    assert config.model.batch_norm is True
    assert config.train.epochs == 3
    assert config.optimizer.betas == [0.8, 0.99]
    assert config.dataset.name == "csv:data/iris.csv"


def test_with_overrides_leaves_original_untouched():
    config = TrainConfig()
    config.with_overrides(["train.epochs=99"])
    assert config.train.epochs == 10


def test_field_type_for_text_inputs():
    assert field_type("model.hidden") == list[int]
    assert field_type("optimizer.lr") is float


@pytest.mark.parametrize(
    "assignment, fragment",
    [
        ("model.hidden=256,-3", "model.hidden sizes must be positive integers"),
        ("model.hidden=256,abc", "model.hidden must be an integer"),
        ("model.hidden=256,,3", "empty item"),
        ("model.hidden=1.5", "model.hidden must be an integer"),
        ("optimizer.lr=0", "optimizer.lr must be > 0"),
        ("optimizer.lr=-1e-3", "optimizer.lr must be > 0"),
        ("optimizer.lr=fast", "optimizer.lr must be a number"),
        ("optimizer.lr=nan", "finite"),
        ("model.activation=swish", "unknown model.activation 'swish'; valid: relu, leaky_relu"),
        ("loss.name=hinge", "unknown loss.name 'hinge'; valid: cross_entropy"),
        ("optimizer.name=lion", "unknown optimizer.name 'lion'; valid: sgd, adam"),
        ("scheduler.name=cyclic", "unknown scheduler.name"),
        ("train.device=tpu", "train.device must be auto, cpu, cuda, cuda:N or mps"),
        ("train.device=cuda:x", "train.device must be"),
        ("dataset.val_fraction=1.5", "dataset.val_fraction must be between 0 and 1"),
        ("dataset.batch_size=0", "dataset.batch_size must be a positive integer"),
        ("model.dropout=1", "model.dropout must be in [0, 1)"),
        ("train.epochs=0", "train.epochs must be >= 1"),
        ("model.batch_norm=maybe", "model.batch_norm must be true or false"),
        ("train.epochs", "--set expects key=value"),
        ("epochs=3", "section.field"),
        ("training.epochs=3", "unknown config section 'training'"),
        ("train.epoch=3", "unknown field train.epoch; valid: epochs"),
    ],
)
def test_bad_overrides_give_one_line_errors(assignment, fragment):
    with pytest.raises(ConfigError) as info:
        TrainConfig().with_overrides([assignment])
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message


def test_bad_toml_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[model\nhidden = 3")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        TrainConfig.load(path)
    with pytest.raises(ConfigError, match="config file not found"):
        TrainConfig.load(tmp_path / "missing.toml")
    path.write_text('[model]\nhidden = "big"\n')
    with pytest.raises(ConfigError, match="model.hidden must be an integer"):
        TrainConfig.load(path)


def test_problems_lists_every_issue():
    config = TrainConfig()
    config.optimizer.lr = -1
    config.model.hidden = [0]
    problems = config.problems()
    assert any("optimizer.lr" in p for p in problems)
    assert any("model.hidden" in p for p in problems)
