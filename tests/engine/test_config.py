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
    assert config.train.epochs == 0  # auto


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
        ("loss.name=hinge", "unknown loss.name 'hinge'; valid: auto, cross_entropy"),
        ("optimizer.name=lion", "unknown optimizer.name 'lion'; valid: sgd, adam"),
        ("scheduler.name=cyclic", "unknown scheduler.name"),
        ("train.device=tpu", "train.device must be auto, cpu, cuda, cuda:N or mps"),
        ("train.device=cuda:x", "train.device must be"),
        ("dataset.val_fraction=1.5", "dataset.val_fraction must be between 0 and 1"),
        ("dataset.batch_size=0", "dataset.batch_size must be a positive integer"),
        ("model.dropout=1", "model.dropout must be in [0, 1)"),
        ("train.epochs=-1", "train.epochs must be >= 1, or auto (0)"),
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
    assert any("optimizer.lr" in p.message and p.field == "optimizer.lr" for p in problems)
    assert any("model.hidden" in p.message and p.field == "model.hidden" for p in problems)


# ---- upper bounds, huge numbers, NUL, file encodings ----------------------------------------

from tui_trainer.engine.config_values import LIMITS, MAX_HIDDEN_LAYERS, parse_toml  # noqa: E402


def _with(name: str, value) -> TrainConfig:
    config = TrainConfig()
    section, key = name.split(".")
    setattr(getattr(config, section), key, [value] if key == "hidden" else value)
    return config


@pytest.mark.parametrize("name", sorted(LIMITS))
def test_every_numeric_field_has_an_upper_bound_named_in_problems(name):
    low, high = LIMITS[name]
    assert _with(name, high).problems() == []  # the bound itself is allowed
    above = high + 1 if isinstance(high, int) and field_type(name) in (int, list[int]) else high * 1.5
    problems = _with(name, above).problems()
    assert len(problems) == 1, problems
    assert problems[0].field == name
    assert problems[0].message.startswith(f"{name} must be between {low:,} and {high:,}, got ")


def test_every_numeric_field_is_in_the_limits_table():
    from dataclasses import fields

    numeric = {
        f"{section.name}.{item.name}"
        for section in fields(TrainConfig)
        for item in fields(getattr(TrainConfig(), section.name))
        if field_type(f"{section.name}.{item.name}") in (int, float, list[int])
    }
    # Fractions, dropout, gamma and betas are bounded by their own [0, 1] checks.
    assert numeric - set(LIMITS) == {
        "dataset.val_fraction",
        "dataset.test_fraction",
        "model.dropout",
        "scheduler.gamma",
    }


def test_hidden_layers_are_bounded_in_total_size_and_count():
    assert TrainConfig().with_overrides(["model.hidden=10000,10000,10000"]).problems() == []
    config = TrainConfig()
    config.model.hidden = [200_000, 100_000]
    (problem,) = config.problems()
    assert problem.field == "model.hidden"
    assert problem.message.startswith("model.hidden 200000,100000 needs 20,000,000,000 weights")
    config.model.hidden = [2] * (MAX_HIDDEN_LAYERS + 1)
    (problem,) = config.problems()
    assert f"model.hidden has {MAX_HIDDEN_LAYERS + 1:,} layers" in problem.message


@pytest.mark.parametrize(
    "assignment, fragment",
    [
        ("model.hidden=1e300", "model.hidden must be between 1 and 1,000,000, got 1e300"),
        (
            "train.epochs=1" + "0" * 400,
            "train.epochs must be between 1 and 1,000,000, got 10000000… (401 digits)",
        ),
        (
            "train.epochs=1" + "0" * 5000,
            "train.epochs must be between 1 and 1,000,000, got 10000000… (5,001 digits)",
        ),
        ("train.seed=-1" + "0" * 30, "train.seed must be between 0 and 9,223,372,036,854,775,807"),
        ("dataset.num_workers=1e20", "dataset.num_workers must be between 0 and 256"),
        ("optimizer.momentum=1.5", "optimizer.momentum must be between 0 and 1, got 1.5"),
        ("dataset.noise=1e300", "dataset.noise must be between 0 and 100, got 1e+300"),
    ],
    ids=lambda case: case.split("=")[0][:40] if case.count("=") == 1 else None,
)
def test_huge_values_are_refused_at_parse_or_check_with_the_field(assignment, fragment):
    with pytest.raises(ConfigError) as info:
        TrainConfig().with_overrides([assignment])
    assert fragment in str(info.value) and len(str(info.value)) < 200


def test_huge_toml_numbers_are_refused_with_the_field(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[optimizer]\nlr = 1" + "0" * 400 + "\n")  # an int: float() would overflow
    with pytest.raises(
        ConfigError, match=r"c\.toml: optimizer\.lr must be a finite number, got 10000000… \(401 digits\)"
    ):
        TrainConfig.load(path)
    path.write_text("[train]\nepochs = 1e300\n")
    with pytest.raises(ConfigError, match=r"train\.epochs must be between 1 and 1,000,000"):
        TrainConfig.load(path)


@pytest.mark.parametrize(
    "name", ["train.output_dir", "train.run_name", "dataset.name", "dataset.data_dir", "dataset.target"]
)
def test_nul_in_any_text_field_is_a_problem(name):
    problems = _with(name, "runs\0x").problems()
    assert [p.field for p in problems] == [name]
    assert f"{name} contains a NUL character" in problems[0].message


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-32"])
def test_toml_with_a_byte_order_mark_is_read(tmp_path, encoding):
    text = TrainConfig().with_overrides(["train.epochs=7", "train.run_name=café"]).to_toml()
    raw = text.encode(encoding)
    if encoding == "utf-16-le":
        raw = b"\xff\xfe" + raw  # PowerShell 5's `>`: little-endian with its mark
    path = tmp_path / "c.toml"
    path.write_bytes(raw)
    loaded = TrainConfig.load(path)
    assert loaded.train.epochs == 7 and loaded.train.run_name == "café"


@pytest.mark.parametrize(
    "raw, fragment",
    [
        (
            b"[train]\nepochs = " + b"9" * 5000,
            "is not a usable config: an integer has more than 4,300 digits",
        ),
        (b"a = " + b"[" * 100_000, "is not a usable config: its values are nested too deeply"),
        (b"[train]\nrun_name = '\xe9'\n", "is not UTF-8 text (byte 20); save it as UTF-8"),
        (b"\xff\xfe\x00\xd8", "is not UTF-16 text (byte 2); save it as UTF-8"),
    ],
    ids=["bigint", "nested", "latin1", "broken-utf16"],
)
def test_unreadable_toml_is_a_config_error_naming_the_file(tmp_path, raw, fragment):
    path = tmp_path / "c.toml"
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as info:
        TrainConfig.load(path)
    assert str(info.value) == f"{path} {fragment}"
    with pytest.raises(ConfigError):
        parse_toml(raw, path)
