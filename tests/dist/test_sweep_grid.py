"""`--sweep` grid parsing: values, list fields, the cartesian product and one-line errors."""

import pytest

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.sweep_grid import grid_points, parse_axes, parse_axis, point_run_name


def test_scalar_axis_splits_on_commas():
    axis = parse_axis("optimizer.lr=1e-3, 3e-3,1e-2")
    assert axis.key == "optimizer.lr"
    assert axis.texts == ("1e-3", "3e-3", "1e-2")


def test_list_axis_splits_values_on_bars_and_items_on_commas():
    axis = parse_axis("model.hidden=64|128,64|[]")
    points = grid_points(TrainConfig(), [axis])
    assert [p.config.model.hidden for p in points] == [[64], [128, 64], []]


def test_grid_is_the_cartesian_product_last_axis_fastest():
    axes = parse_axes(["optimizer.lr=1e-3,3e-3,1e-2", "model.hidden=64|128,64"])
    points = grid_points(TrainConfig(), axes)
    assert len(points) == 6
    assert [(p.config.optimizer.lr, p.config.model.hidden) for p in points] == [
        (1e-3, [64]), (1e-3, [128, 64]), (3e-3, [64]), (3e-3, [128, 64]), (1e-2, [64]), (1e-2, [128, 64]),
    ]
    assert points[1].params == {"optimizer.lr": "1e-3", "model.hidden": "128,64"}
    assert [p.index for p in points] == list(range(6))


def test_points_leave_the_base_config_untouched():
    base = TrainConfig()
    points = grid_points(base, parse_axes(["optimizer.name=adam,sgd", "model.batch_norm=true,false"]))
    assert {(p.config.optimizer.name, p.config.model.batch_norm) for p in points} == {
        ("adam", True), ("adam", False), ("sgd", True), ("sgd", False),
    }
    assert base.optimizer.name == "adam" and base.model.batch_norm is False


def test_run_names_are_unique_and_file_safe():
    points = grid_points(TrainConfig(), parse_axes(["optimizer.lr=1e-3,1e-2", "model.hidden=64|128,64|[]"]))
    names = [point_run_name(p, 1) for p in points]
    assert len(set(names)) == len(names)
    assert names[1] == "p2-lr1e-3-hidden128x64"
    assert names[2] == "p3-lr1e-3-hiddennone"
    assert all("," not in n and "/" not in n and " " not in n for n in names)


@pytest.mark.parametrize(
    "specs, message",
    [
        (["optimizer.lr"], "--sweep expects section.field=VALUES"),
        (["lr=1e-3"], "must look like section.field"),
        (["optimizer.lrr=1"], "unknown field optimizer.lrr"),
        (["optim.lr=1"], "unknown config section 'optim'"),
        (["optimizer.lr="], "no values given"),
        (["optimizer.lr=1e-3,,1e-2"], "empty value"),
        (["model.hidden=64,32|"], "list fields separate values with |"),
        (["optimizer.lr=fast"], "optimizer.lr must be a number, got 'fast'"),
        (["optimizer.lr=1,1.0"], "value '1.0' is given twice"),
        (["optimizer.lr=1e-3", "optimizer.lr=1e-2"], "given twice; put all its values in one --sweep"),
        (["optimizer.lr=1e-3,-1"], "sweep point 2 (optimizer.lr=-1): optimizer.lr must be > 0"),
        (["model.hidden=64|0"], "model.hidden sizes must be positive integers"),
        (["optimizer.name=adam,adamm"], "unknown optimizer.name 'adamm'"),
    ],
)
def test_bad_sweeps_give_one_line_errors(specs, message):
    with pytest.raises(ConfigError) as error:
        grid_points(TrainConfig(), parse_axes(specs))
    text = str(error.value)
    assert message in text
    assert "\n" not in text


def test_a_key_cannot_be_both_set_and_swept():
    with pytest.raises(ConfigError, match="optimizer.lr is both --set and --sweep"):
        parse_axes(["optimizer.lr=1e-3,1e-2"], set_keys=["optimizer.lr=3e-4"])
