"""Hypothesis: any text or number in any `--set` field gives a ConfigError or a valid config."""

import tomllib
from dataclasses import fields

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui_trainer.cli import build_parser, resolve_config
from tui_trainer.engine.config import ConfigError, TrainConfig

FIELDS = [
    f"{section.name}.{item.name}"
    for section in fields(TrainConfig)
    for item in fields(getattr(TrainConfig(), section.name))
]

numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
).map(str)
number_lists = st.lists(st.integers(min_value=-5, max_value=5000), max_size=4).map(
    lambda xs: ",".join(map(str, xs))
)
words = st.sampled_from(
    [
        "true",
        "false",
        "yes",
        "0",
        "1",
        "",
        " ",
        "[]",
        "[1,2]",
        "1,,2",
        "nan",
        "-inf",
        "1e400",
        "0x10",
        "1_000",
        "adam",
        "cuda:0",
        "cuda:x",
        "relu",
        "csv:",
    ]
)
values = st.one_of(st.text(max_size=30), numbers, number_lists, words)

settings_ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_valid_or_error(build):
    try:
        config = build()
    except ConfigError as exc:
        assert str(exc).strip()
        return None
    assert config.problems() == []
    # A valid config survives its own TOML round trip unchanged.
    assert TrainConfig.from_dict(tomllib.loads(config.to_toml())) == config
    return config


@settings_
@given(key=st.sampled_from(FIELDS), raw=values)
def test_set_any_value_into_any_field(key, raw):
    def build():
        config = TrainConfig()
        config.set(f"{key}={raw}")
        return config.check()

    assert_valid_or_error(build)


@settings_
@given(
    assignments=st.lists(
        st.one_of(st.text(max_size=40), st.tuples(st.sampled_from(FIELDS), values).map("=".join)), max_size=4
    )
)
def test_with_overrides_of_any_assignments(assignments):
    assert_valid_or_error(lambda: TrainConfig().with_overrides(assignments))


@settings_
@given(
    pairs=st.lists(st.tuples(st.sampled_from(FIELDS), values), max_size=3),
    output_dir=st.one_of(st.none(), st.text(min_size=1, max_size=20).filter(lambda s: not s.startswith("-"))),
    tensorboard=st.booleans(),
)
def test_cli_resolve_config(pairs, output_dir, tensorboard):
    argv = ["--batch"] + [f"--set={key}={raw}" for key, raw in pairs]
    if output_dir is not None:
        argv.append(f"--output-dir={output_dir}")
    if tensorboard:
        argv.append("--tensorboard")
    args = build_parser().parse_args(argv)
    config = assert_valid_or_error(lambda: resolve_config(args))
    if config is not None and tensorboard:
        assert config.train.tensorboard


def test_values_that_would_fail_only_at_run_time_are_config_errors():
    for assignment in (
        "train.seed=18446744073709551616",
        "dataset.n_samples=10000000000",
        "model.batch_norm=true",
    ):
        extra = ["dataset.batch_size=1"] if "batch_norm" in assignment else []
        try:
            TrainConfig().with_overrides([assignment, *extra])
        except ConfigError as exc:
            assert assignment.split("=")[0] in str(exc)
        else:
            raise AssertionError(f"{assignment} was accepted")
