"""`--search` specs: ranges, log ranges, integer ranges, choices, trial configs, one-line errors."""

import pytest

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.search_space import (
    CHOICE,
    FLOAT,
    INT,
    parse_search_param,
    parse_search_space,
    trial_config,
    trial_run_name,
)


def test_a_float_range_and_a_log_range():
    lr = parse_search_param("optimizer.lr=1e-4..1e-1:log")
    assert (lr.key, lr.kind, lr.low, lr.high, lr.log) == ("optimizer.lr", FLOAT, 1e-4, 1e-1, True)
    dropout = parse_search_param("model.dropout = 0..0.5")
    assert (dropout.kind, dropout.low, dropout.high, dropout.log) == (FLOAT, 0.0, 0.5, False)
    assert lr.describe() == "optimizer.lr 0.0001..0.1 log"


def test_an_integer_field_gives_an_integer_range():
    batch = parse_search_param("dataset.batch_size=16..256:log")
    assert (batch.kind, batch.low, batch.high, batch.log) == (INT, 16, 256, True)


def test_choices_are_written_as_sweep_values():
    hidden = parse_search_param("model.hidden=64|128,64|256,128")
    assert (hidden.kind, hidden.choices) == (CHOICE, ("64", "128,64", "256,128"))
    name = parse_search_param("optimizer.name=adam,sgd")
    assert name.choices == ("adam", "sgd")


def test_trial_config_sets_exact_values_and_leaves_the_base_alone():
    base = TrainConfig()
    config = trial_config(
        base, {"optimizer.lr": 0.0031415926, "model.hidden": "128,64", "dataset.batch_size": 48}
    )
    assert config.optimizer.lr == 0.0031415926
    assert config.model.hidden == [128, 64] and config.dataset.batch_size == 48
    assert base.optimizer.lr == 1e-3 and base.model.hidden == [64, 32]


def test_trial_run_names_are_short_and_file_safe():
    texts = {"optimizer.lr": "0.003142", "model.hidden": "128,64", "model.batch_norm": "true"}
    assert trial_run_name(7, 2, texts) == "t07-lr0.003142-hidden128x64-batchnormtrue"


def test_every_end_and_choice_is_checked_on_the_base_config():
    space = parse_search_space(["optimizer.lr=1e-4..1e-1:log", "model.dropout=0..0.5"], TrainConfig())
    assert [p.key for p in space] == ["optimizer.lr", "model.dropout"]


@pytest.mark.parametrize(
    "specs, message",
    [
        (["optimizer.lr"], "--search 'optimizer.lr': expected section.field=LOW..HIGH"),
        (["lr=1e-4..1e-1"], "the key must look like section.field"),
        (["optimizer.lrr=1..2"], "unknown field optimizer.lrr"),
        (["optimizer.lr=1e-1..1e-4"], "the low end must be below the high end (optimizer.lr=1e-4..1e-1?)"),
        (["optimizer.lr=0..1e-1:log"], "a :log range must start above 0"),
        (["optimizer.lr=1e-4..1e-1:lin"], "the only option after a range is :log"),
        (["optimizer.lr=1e-4.."], "a range needs both ends"),
        (["optimizer.lr=1e-4..fast"], "optimizer.lr must be a number, got 'fast'"),
        (
            ["model.hidden=64..256"],
            "model.hidden is a list field, so it takes choices, not a range (e.g. model.hidden=A|B)",
        ),
        (["optimizer.name=adam..sgd"], "optimizer.name is a str field, so it takes choices"),
        (
            ["optimizer.name=adam"],
            "give a range (LOW..HIGH) or at least two values; for one fixed value use --set",
        ),
        (["optimizer.name=adam,sgd:log"], ":log applies to ranges only"),
        (["model.hidden=64,32|"], "--search model.hidden: empty value"),
        (["model.dropout=0..1"], "with model.dropout=1.0: model.dropout must be"),
        (["optimizer.name=adam,adamm"], "with optimizer.name=adamm: "),
        (["optimizer.lr=1e-4..1e-1", "optimizer.lr=1e-3,1e-2"], "--search optimizer.lr is given twice"),
    ],
)
def test_bad_specs_say_which_spec_and_what_to_fix(specs, message):
    with pytest.raises(ConfigError) as caught:
        parse_search_space(specs, TrainConfig())
    text = str(caught.value)
    assert message in text, text
    assert "\n" not in text


def test_a_key_both_set_and_searched_is_refused():
    with pytest.raises(ConfigError, match="optimizer.lr is both --set and --search"):
        parse_search_space(["optimizer.lr=1e-4..1e-1"], TrainConfig(), ["optimizer.lr=1e-3"])
