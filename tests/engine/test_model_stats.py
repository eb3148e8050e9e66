"""The model statistics against values worked out by hand on tiny models with chosen weights."""

import json
import math

import pytest
import torch
from torch import nn

from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.events import ModelStats
from tui_trainer.engine.model_probe import (
    DeviceReads,
    activation_reads,
    conv_filters,
    conv_stages,
    feature_maps,
    layer_reads,
    linear_fit,
    parameter_reads,
    snapshot_weights,
    update_norms,
)
from tui_trainer.engine.model_stats import (
    ActivationHealth,
    LayerHealth,
    ParameterStats,
    health_warnings,
)
from tui_trainer.formatting import format_linear_equation


def tiny_mlp() -> nn.Sequential:
    """2 -> 2 (ReLU) -> 1 with chosen weights: the second hidden unit's bias keeps it off."""
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
        model[0].bias.copy_(torch.tensor([0.0, -100.0]))
        model[2].weight.copy_(torch.tensor([[0.5, -0.5]]))
        model[2].bias.copy_(torch.tensor([0.25]))
    model[0].weight.grad = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
    return model


def measured(model, updates=None):
    reads = DeviceReads()
    params, layers = parameter_reads(model, reads), layer_reads(model, reads, updates)
    reads.read()
    return params(), layers()


def test_parameter_statistics_match_hand_computed_values():
    params, _ = measured(tiny_mlp())
    by_name = {p.name: p for p in params}
    assert list(by_name) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    weight = by_name["0.weight"]
    # 1, 2, 3, 4: mean 2.5; population variance ((1.5² + 0.5²) · 2) / 4 = 1.25; gradient (3, 4) → 5.
    assert (weight.shape, weight.count) == ((2, 2), 4)
    assert weight.mean == pytest.approx(2.5)
    assert weight.std == pytest.approx(math.sqrt(1.25))
    assert (weight.min, weight.max) == (1.0, 4.0)
    assert weight.grad_norm == pytest.approx(5.0)
    assert weight.values == [1.0, 2.0, 3.0, 4.0]
    bias = by_name["0.bias"]
    assert (bias.mean, bias.std, bias.min, bias.max) == (-50.0, 50.0, -100.0, 0.0)
    assert bias.grad_norm is None, "no gradient yet"
    single = by_name["2.bias"]
    assert (single.count, single.mean, single.std, single.values) == (1, 0.25, 0.0, [0.25])


def test_values_are_listed_only_for_models_of_at_most_64_parameters():
    small = nn.Sequential(nn.Linear(7, 8))  # 56 + 8 = 64
    large = nn.Sequential(nn.Linear(8, 8))  # 64 + 8 = 72
    assert all(p.values is not None for p in measured(small)[0])
    assert all(p.values is None for p in measured(large)[0])


def test_layer_health_norms_and_the_update_ratio_of_one_step():
    model = tiny_mlp()
    before = snapshot_weights(model)
    with torch.no_grad():
        model[0].weight += torch.tensor([[0.3, 0.0], [0.0, 0.4]])  # an update of norm 0.5
    _, layers = measured(model, update_norms(model, before))
    first, last = layers
    assert (first.name, first.kind, last.name) == ("0", "Linear", "2")
    # after the step: 1.3, 2, 3, 4.4 → ‖W‖² = 1.69 + 4 + 9 + 19.36
    assert first.weight_norm == pytest.approx(math.sqrt(34.05))
    assert first.grad_norm == pytest.approx(5.0)
    assert first.update_ratio == pytest.approx(0.5 / math.sqrt(34.05))
    assert last.weight_norm == pytest.approx(math.sqrt(0.5))
    assert last.update_ratio == 0.0 and last.grad_norm is None


def test_activations_and_dead_units_on_a_batch():
    model = tiny_mlp()
    reads = DeviceReads()
    build = activation_reads(model, torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), reads)
    reads.read()
    (relu,) = build()
    # first unit x1 + 2·x2 = 1, 2, 3; the second is below -90 everywhere: ReLU gives 1, 0, 2, 0, 3, 0.
    assert (relu.name, relu.kind, relu.units) == ("1", "ReLU", 2)
    assert relu.mean == pytest.approx(1.0)
    assert relu.std == pytest.approx(math.sqrt(8 / 6))
    assert relu.dead_fraction == 0.5
    assert model.training, "the probe restores training mode"


def test_a_conv_channel_is_dead_only_if_off_at_every_position():
    conv = nn.Conv2d(1, 2, 1)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([1.0, -1.0]).view(2, 1, 1, 1))
        conv.bias.zero_()
    model = nn.Sequential(conv, nn.ReLU(), nn.Flatten(), nn.Linear(8, 1))
    x = -torch.ones(3, 1, 2, 2)
    x[1, 0, 1, 1] = 2.0  # one positive pixel in one sample keeps channel 0 alive
    reads = DeviceReads()
    build = activation_reads(model, x, reads)
    reads.read()
    assert build()[0].dead_fraction == 0.0
    reads = DeviceReads()
    build = activation_reads(model, -x.abs(), reads)  # nothing positive: channel 0 dies
    reads.read()
    assert build()[0].dead_fraction == 0.5


def layer(name, grad, weight=1.0):
    return LayerHealth(name, "Linear", weight, grad)


@pytest.mark.parametrize(
    ("grads", "rule"),
    [
        ([1e-4, 0.1, 1.0], "vanishing"),  # the first layer gets 1e-4 of the last one's gradient
        ([2e-3, 1.0], None),
        ([1e4, 1.0], "exploding"),
        ([float("nan"), 1.0], "exploding"),
        ([0.3, 0.5], None),
        ([1e-9], None),  # one layer: nothing to compare
    ],
)
def test_gradient_warning_rules(grads, rule):
    layers = [layer(str(i), g) for i, g in enumerate(grads)]
    found = [w.rule for w in health_warnings(layers, [])]
    assert found == ([rule] if rule else [])


def test_dead_unit_rule_fires_above_half():
    acts = [ActivationHealth("1", "ReLU", 4, 0.1, 0.2, 0.5), ActivationHealth("3", "ReLU", 4, 0.1, 0.2, 0.75)]
    (warning,) = health_warnings([], acts)
    assert (warning.rule, warning.layer) == ("dead", "3") and "75%" in warning.text


def test_linear_fit_undoes_input_and_target_standardisation():
    model = nn.Sequential(nn.Linear(1, 1))
    with torch.no_grad():
        model[0].weight.fill_(0.5)
        model[0].bias.fill_(0.25)
    meta = DatasetMeta("linear", "regression", (1,), feature_names=["x"], target_mean=1.0, target_scale=4.0)
    mean, scale = torch.tensor([3.0]), torch.tensor([2.0])
    fit = linear_fit(model, mean, scale, meta)
    # y = 4·(0.5·(x - 3)/2 + 0.25) + 1 = x - 1
    assert fit.coefficients == pytest.approx([1.0]) and fit.intercept == pytest.approx(-1.0)
    assert format_linear_equation(fit.coefficients, fit.intercept, fit.feature_names) == "y = 1.00·x - 1.00"
    for x in (-2.0, 0.0, 5.0):
        with torch.no_grad():
            raw = float(model((torch.tensor([[x]]) - mean) / scale)) * 4.0 + 1.0
        assert raw == pytest.approx(fit.coefficients[0] * x + fit.intercept)


def test_no_equation_for_hidden_layers_or_classifiers():
    meta = DatasetMeta("linear", "regression", (1,))
    mean, scale = torch.zeros(()), torch.ones(())
    assert linear_fit(nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(4, 1)), mean, scale, meta) is None
    classifier = DatasetMeta("moons", "classification", (2,), n_classes=2)
    assert linear_fit(nn.Sequential(nn.Linear(2, 1)), mean, scale, classifier) is None


def test_filters_and_feature_maps_of_a_conv_model():
    conv = nn.Conv2d(1, 2, 3, padding="same")
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0, 1, 1] = 1.0  # passes the image through
        conv.weight[1, 0, 1, 1] = -1.0  # negates it
        conv.bias.zero_()
    model = nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, 3))
    assert [(n, kind) for n, kind, _ in conv_stages(model)] == [("0", "Conv2d")]
    filters = conv_filters(model)
    assert filters.name == "0" and torch.equal(filters.weights, conv.weight.detach())
    image = torch.arange(16.0).view(1, 4, 4) - 8
    (maps,) = feature_maps(model, image, lambda x: x.float())
    assert maps.maps.shape == (2, 4, 4)
    assert torch.equal(maps.maps[0], image[0].clamp(min=0)) and torch.equal(
        maps.maps[1], (-image[0]).clamp(min=0)
    )
    assert conv_filters(tiny_mlp()) is None and feature_maps(tiny_mlp(), torch.zeros(2)) == []


def test_a_record_reads_back_with_non_finite_values_as_null():
    stats = ModelStats(
        epoch=4,
        step=50,
        parameters=[
            ParameterStats("0.weight", (2, 2), 4, 2.5, 1.1, 1.0, 4.0, float("nan"), [1.0, 2.0, 3.0, 4.0])
        ],
        layers=[LayerHealth("0", "Linear", 5.4, float("inf"), 0.01)],
        activations=[ActivationHealth("1", "ReLU", 2, 1.0, 1.2, 0.5)],
        probe_samples=3,
    )
    stats.warnings = health_warnings(stats.layers, stats.activations)
    line = json.dumps(stats.as_record(), allow_nan=False)  # valid JSON: no NaN or Infinity
    back = ModelStats.from_record(json.loads(line))
    assert back.epoch == 4 and back.step == 50 and back.probe_samples == 3
    assert back.parameters[0].grad_norm is None and back.parameters[0].shape == (2, 2)
    assert back.layers[0].grad_norm is None and back.layers[0].update_ratio == 0.01
    assert back.activations == stats.activations and back.warnings == stats.warnings
    assert [w.rule for w in back.warnings] == ["exploding"]
