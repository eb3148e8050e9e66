"""`model.layers`: every token builds and trains, the shape table matches a real forward pass,
and a stack that cannot work is a one-line problem naming the field."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.layer_stack import NAMED_ARCHITECTURES, expand, infer_shapes, parse_layers
from tui_trainer.engine.model import build_model, describe_model, layer_summary
from tui_trainer.engine.validate import data_problems

REPO = Path(__file__).resolve().parents[2]


def image_meta(channels=1, size=12, classes=3) -> DatasetMeta:
    return DatasetMeta(
        name="tiny-images",
        task="classification",
        input_shape=(channels, size, size),
        n_classes=classes,
        class_names=[str(i) for i in range(classes)],
        is_image=True,
        n_train=160,
    )


def config_with(layers: str, *more: str) -> TrainConfig:
    return TrainConfig().with_overrides([f"model.layers={layers}", *more])


@pytest.mark.parametrize(
    "layers",
    [
        "conv4",
        "conv4x5",
        "conv4,pool",
        "conv4,pool3",
        "conv4,avgpool",
        "conv4,avgpool3",
        "conv4,gap",
        "res4",
        "conv4,res8",
        "conv4,drop0.25,fc8",
        "fc8,drop0.5",
        "conv4,pool,fc8,fc4",
        "lenet5",
        "simple-cnn",
        "resnet8",
    ],
)
@pytest.mark.parametrize("batch_norm", [False, True])
def test_every_token_builds_trains_one_step_and_matches_its_shape_table(layers, batch_norm):
    size = 32 if layers in NAMED_ARCHITECTURES else 12
    meta = image_meta(channels=3 if layers == "resnet8" else 1, size=size)
    config = config_with(layers, f"model.batch_norm={str(batch_norm).lower()}")
    torch.manual_seed(0)
    model = build_model(config, meta)
    x = torch.randn(4, *meta.input_shape)
    y = torch.tensor([0, 1, 2, 0])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = [p.detach().clone() for p in model.parameters()]
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    assert torch.isfinite(loss)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    # The summary's shapes and parameter counts, from shapes alone, against a real forward pass.
    shapes = []
    hooks = [
        layer.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:]))) for layer in model
    ]
    model.eval()(x)
    for hook in hooks:
        hook.remove()
    rows = layer_summary(model, meta)
    assert [r.output_shape for r in rows] == shapes
    assert [r.params for r in rows] == [sum(p.numel() for p in layer.parameters()) for layer in model]
    # The torch-free shape inference the app shows as you type agrees too.
    steps = infer_shapes(parse_layers(config.model.layers), meta.input_shape, meta.name, batch_norm)
    assert sum(s.params for s in steps) == sum(r.params for r in rows[:-1])  # all but the output layer
    assert sum(s.macs for s in steps) == sum(r.macs for r in rows[:-1])


def test_named_architectures_expand_to_their_layers():
    assert expand(["lenet5"]) == ["conv6x5", "pool", "conv16x5", "pool", "fc120", "fc84"]
    rows, total = describe_model(config_with("lenet5"), image_meta(size=28, classes=10))
    # LeNet-5's layers with this tool's "same" padding: 16×7×7 features reach fc120 (the 1998
    # paper's valid convolutions on 32×32 leave 16×5×5, 61,706 parameters in all).
    assert total == 107_786
    assert rows[0].output_shape == (6, 28, 28) and rows[-1].output_shape == (10,)


def test_an_empty_stack_keeps_the_mlp_exactly():
    meta = image_meta(size=8, classes=10)
    plain = TrainConfig().with_overrides(["model.hidden=16,8"])
    with_empty = TrainConfig().with_overrides(["model.hidden=16,8", "model.layers="])
    assert with_empty.model.layers == []
    torch.manual_seed(0)
    a = build_model(plain, meta)
    torch.manual_seed(0)
    b = build_model(with_empty, meta)
    assert str(a) == str(b)
    assert all(
        torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True)
    )


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (
            "conv8,pool,pool,pool,pool",
            "model.layers: pool after layer 4 would make the 1×1 image 0×0 — remove a pool or use a "
            "larger image",
        ),
        (
            "conv8,fc16,conv8",
            "model.layers: layer 3 conv8 comes after a dense layer; image layers must come "
            "before the first fc layer",
        ),
    ],
)
def test_shape_errors_name_the_field_and_the_layer(layers, message):
    problems = data_problems(config_with(layers), image_meta(size=8))
    assert [(p.field, p.message) for p in problems] == [("model.layers", message)]


def test_conv_layers_on_a_table_say_to_use_fc_layers():
    meta = DatasetMeta(name="wine", task="classification", input_shape=(13,), n_classes=3, n_train=100)
    (problem,) = data_problems(config_with("conv32,fc16"), meta)
    assert problem.message == (
        "model.layers: conv32 needs image input (C×H×W); dataset wine is tabular — use fc layers"
    )


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("conv", "layer 1 'conv' is not a layer token"),
        ("conv32,pool,fcx", "layer 3 'fcx' is not a layer token"),
        ("conv0", "channels must be between 1 and 4,096, got 0"),
        ("drop1.5", "a dropout probability must be in [0, 1), got 1.5"),
        ("conv8,lenet5", "lenet5 is a whole architecture: give it alone"),
    ],
)
def test_bad_tokens_are_problems_of_the_field(value, fragment):
    config = TrainConfig()
    config.model.layers = value.split(",")
    (problem,) = config.problems()
    assert problem.field == "model.layers" and fragment in problem.message
    with pytest.raises(ConfigError, match="model.layers"):
        config.check()


def test_the_console_script_refuses_a_bad_stack_in_one_line(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tui_trainer",
            "--batch",
            "--set",
            "model.layers=conv8,pool,pool,pool,pool",
            "--output-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "tui-trainer: error: model.layers: pool after layer 4 would make the 1×1 image 0×0 — remove a "
        "pool or use a larger image"
    ]
