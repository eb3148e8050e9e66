"""The fitted curve ŷ(x) a 1-D regression's evaluations carry for the Samples tab: the model's
predictions over the inputs' range, in the input's and the target's own units."""

import torch

from tests.toy_config import toy_config
from tui_trainer.engine.events import Evaluation
from tui_trainer.engine.trainer import train


def evaluations(config) -> list[Evaluation]:
    seen: list[Evaluation] = []
    finished = train(config, lambda event: seen.append(event) if isinstance(event, Evaluation) else None)
    assert finished.status == "completed", finished.reason
    return seen


def interpolate(curve_x: torch.Tensor, curve_y: torch.Tensor, at: torch.Tensor) -> torch.Tensor:
    """The piecewise-linear curve's value at each of `at` (inside its x range)."""
    index = torch.searchsorted(curve_x, at).clamp(1, len(curve_x) - 1)
    x0, x1 = curve_x[index - 1], curve_x[index]
    y0, y1 = curve_y[index - 1], curve_y[index]
    return y0 + (y1 - y0) * (at - x0) / (x1 - x0)


def test_linear_fit_is_the_models_prediction_over_the_inputs_range_in_target_units(tmp_path):
    config = toy_config(
        tmp_path, "dataset.name=linear", "loss.name=mse", "train.epochs=8",
        "model.hidden=16", "optimizer.lr=0.01", "dataset.noise=0.05",
    )  # fmt: skip
    last = [e for e in evaluations(config) if e.split == "val"][-1]
    pairs = last.regression
    assert pairs is not None and pairs.inputs is not None
    assert pairs.fit_x is not None and pairs.fit_y is not None
    assert len(pairs.fit_x) == len(pairs.fit_y) > 100
    assert bool((pairs.fit_x[1:] > pairs.fit_x[:-1]).all())
    # the curve covers the validation inputs (the first ones are the shown points)
    assert pairs.fit_x[0] <= pairs.inputs.min() and pairs.fit_x[-1] >= pairs.inputs.max()
    # the same model as the points' predictions, and in the target's units (trained on a scaled one)
    on_curve = interpolate(pairs.fit_x, pairs.fit_y, pairs.inputs)
    span = float(pairs.targets.max() - pairs.targets.min())
    assert float((on_curve - pairs.predictions).abs().max()) < 0.02 * span
    # what a learner expects to see for y = 2x + 1
    expected = 2 * pairs.fit_x + 1
    residual = float(((pairs.fit_y - expected) ** 2).mean())
    assert residual < 0.05 * float(expected.var())


def test_a_csv_with_one_feature_gets_the_curve_and_two_features_do_not(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("x,y\n" + "".join(f"{i / 10},{3 * i / 10 - 1}\n" for i in range(60)))
    two = tmp_path / "two.csv"
    two.write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i + i % 7}\n" for i in range(60)))
    for path, fitted in ((one, True), (two, False)):
        config = toy_config(tmp_path / "runs", f"dataset.name=csv:{path}", "loss.name=mse", "train.epochs=1")
        pairs = [e for e in evaluations(config) if e.split == "val"][-1].regression
        assert pairs is not None
        assert (pairs.fit_x is not None and pairs.fit_y is not None) == fitted, path.name
