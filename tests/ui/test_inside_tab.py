"""The Inside tab: the shared table builder on a hand-made model, and the tab driven by its key."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from tests.ui.conftest import screen_text, toy_config, train_to_the_end, wait_for
from tui_trainer.engine import ModelStats, ParameterStats, load_preset
from tui_trainer.formatting import MISSING
from tui_trainer.inside_tables import (
    columns_that_fit,
    parameter_section,
    spark_cell,
    sparkline,
    values_section,
)
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.inside_view import InsidePane


def stats_of(model: nn.Module) -> ModelStats:
    """A collection as the engine records it, built here from the parameters by hand."""
    found = []
    for name, p in model.named_parameters():
        values = p.detach().flatten().tolist()
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
        found.append(
            ParameterStats(
                name, tuple(p.shape), len(values), mean, std, min(values), max(values), None, values
            )
        )
    return ModelStats(epoch=0, step=10, parameters=found)


def test_the_parameter_table_has_each_parameter_with_its_mean_and_std():
    layer = nn.Linear(2, 1)
    layer.weight.data.copy_(torch.tensor([[1.0, 3.0]]))
    layer.bias.data.copy_(torch.tensor([-2.0]))
    section = parameter_section(stats_of(nn.Sequential(layer)))
    assert section.title == "learned parameters (epoch 1)"
    rows = {row[0]: row for row in section.rows}
    # weight [1, 3]: mean 2, population std 1; bias [-2]: mean -2, std 0
    assert rows["0.weight"][1:5] == ["1×2", "2", "2", "1"]
    assert rows["0.bias"][1:5] == ["1", "1", "-2", "0"]
    assert rows["0.weight"][7] == MISSING  # no gradient yet
    values = values_section(stats_of(nn.Sequential(layer)))
    assert values is not None and values.rows[0] == ["0.weight", "1, 3"]
    # A narrow pane drops count, min, max, shape in that order, never the name or the mean.
    kept = [section.columns[i] for i in columns_that_fit(section, 30)]
    assert "name" in kept and "mean" in kept and "count" not in kept


def test_sparklines_follow_the_values():
    assert sparkline([1.0, 10.0, 100.0]) == "▁▅█"  # log scale
    assert sparkline([0.0, 0.5, 1.0], log=False) == "▁▅█"
    assert spark_cell([0.0, 0.25, 1.0], 4, log=False, percent=True).endswith(" 100%")
    assert spark_cell([None, None], 4) == MISSING


async def test_i_shows_the_model_insides_of_the_run(tmp_path):
    app = TrainerApp(toy_config(tmp_path / "runs", epochs=2))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("i")
        pane = app.query_one(InsidePane)
        assert "Model statistics appear at the first epoch" in screen_text(app)
        await train_to_the_end(pilot, "moons")
        await wait_for(pilot, lambda: not pane.stale and pane.history, what="the Inside tab's redraw")
        await pilot.pause(0.1)
        shown = screen_text(app)
        assert "learned parameters" in shown and "0.weight" in shown and "0.bias" in shown
        assert "layer health" in shown and "health: no warnings" in shown


@pytest.mark.slow  # a second app launch: the linear-regression preset's 100 short epochs
async def test_the_linear_regression_preset_shows_its_fitted_equation(tmp_path):
    config = load_preset("linear-regression")
    config.train.output_dir = str(tmp_path / "runs")
    config.train.device = "cpu"
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await train_to_the_end(pilot, "linear")
        await pilot.press("i")
        await wait_for(pilot, lambda: "y = 2.00·x + 1.00" in screen_text(app), what="the fitted equation")
