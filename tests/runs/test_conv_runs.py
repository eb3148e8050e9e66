"""Conv models (`model.layers`) through everything a run does: export to TorchScript and ONNX,
a bit-identical resume on the CPU, and sweeps over `model.layers`."""

import json
import warnings

import pytest
import torch
from runs_helpers import numbers_only, read_metrics
from test_resume_exact import StopAfterPolls, straight_and_resumed

from tests.data.batch_cli import run_cli
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.export import export_run
from tui_trainer.engine.rundir.weights import load_model, read_weights
from tui_trainer.engine.sweep_grid import grid_points, parse_axes, point_run_name
from tui_trainer.engine.trainer import Trainer

# Every kind of layer with state or randomness: conv with batch norm, a residual block, pooling,
# global pooling, dropout between dense layers.
CONV_STACK = "conv4,res8,pool,conv8x5,gap,fc16,drop0.25,fc8"


def conv_config(runs_dir, *overrides: str) -> TrainConfig:
    return TrainConfig().with_overrides(
        [
            "dataset.name=digits",
            "dataset.batch_size=128",
            f"model.layers={CONV_STACK}",
            "model.batch_norm=true",
            "train.epochs=2",
            "train.device=cpu",
            "train.n_samples_shown=0",
            f"train.output_dir={runs_dir}",
            *overrides,
        ]
    )


@pytest.fixture(scope="module")
def conv_run(tmp_path_factory):
    result = Trainer(conv_config(tmp_path_factory.mktemp("runs"), "train.epochs=1")).run()
    assert result.status == "completed", result.reason
    return result.run_dir


def raw_pixels(n=6):
    return torch.randint(0, 17, (n, 1, 8, 8), generator=torch.Generator().manual_seed(1), dtype=torch.uint8)


def expected_outputs(run_dir, pixels):
    """The trained network on normalised pixels, as the trainer evaluates it."""
    model, _config, _meta = load_model(run_dir)
    normalizer = read_weights(f"{run_dir}/model.pt")["normalizer"]
    with torch.no_grad():
        return model.eval()((pixels.float() - normalizer["mean"]) / normalizer["scale"])


def test_a_conv_model_exports_to_torchscript_taking_raw_pixels(conv_run):
    result = export_run(conv_run, "torchscript")
    assert result.max_abs_diff <= 1e-4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # TorchScript is deprecated from torch 2.9
        scripted = torch.jit.load(str(result.path))
    pixels = raw_pixels()
    with torch.no_grad():
        assert torch.allclose(scripted(pixels.float()), expected_outputs(conv_run, pixels), atol=1e-5)


def test_a_conv_model_exports_to_onnx_checked_by_onnxruntime(conv_run):
    pytest.importorskip("onnx", reason="onnx not installed (pip install 'tui-trainer[onnx]')")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime not installed")
    result = export_run(conv_run, "onnx")
    assert result.checked_with == "onnxruntime" and result.max_abs_diff <= 1e-4
    session = ort.InferenceSession(str(result.path), providers=["CPUExecutionProvider"])
    pixels = raw_pixels(9)  # another batch size than the export's example input
    (outputs,) = session.run(None, {session.get_inputs()[0].name: pixels.float().numpy()})
    assert torch.allclose(torch.from_numpy(outputs), expected_outputs(conv_run, pixels), atol=1e-4)


def test_a_conv_run_stopped_mid_epoch_resumes_bit_identically(runs_dir):
    config = conv_config(runs_dir, "dataset.augment=crop", "train.epochs=3")
    steps_per_epoch = 10  # 1,258 training images in batches of 128
    straight, interrupted, resumed, started = straight_and_resumed(
        config, StopAfterPolls(steps_per_epoch + 4)
    )
    assert interrupted.epochs_done == 1 and started.start_epoch == 1
    assert numbers_only(read_metrics(resumed.run_dir)) == numbers_only(read_metrics(straight.run_dir))
    assert resumed.metrics["test_loss"] == straight.metrics["test_loss"]
    saved = read_weights(f"{resumed.run_dir}/model.pt")["state_dict"]
    reference = read_weights(f"{straight.run_dir}/model.pt")["state_dict"]
    assert saved.keys() == reference.keys()
    assert all(torch.equal(saved[k], reference[k]) for k in saved)  # batch-norm statistics included


def test_a_sweep_over_layer_stacks_separates_them_with_a_bar():
    axes = parse_axes(["model.layers=conv8,pool,fc16|lenet5|simple-cnn"])
    points = grid_points(TrainConfig().with_overrides(["dataset.name=digits"]), axes)
    assert [p.config.model.layers for p in points] == [["conv8", "pool", "fc16"], ["lenet5"], ["simple-cnn"]]
    assert [point_run_name(p, 1) for p in points] == [
        "p1-layersconv8xpoolxfc16",
        "p2-layerslenet5",
        "p3-layerssimple-cnn",
    ]


@pytest.mark.slow
def test_the_console_script_sweeps_layer_stacks(tmp_path):
    out = tmp_path / "runs"
    done = run_cli(
        "--batch",
        "--set",
        "dataset.name=digits",
        "--set",
        "train.epochs=1",
        "--set",
        "train.device=cpu",
        "--output-dir",
        str(out),
        "--sweep",
        "model.layers=conv4,pool,fc8|lenet5",
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    (sweep_dir,) = [p for p in out.iterdir() if p.name.startswith("sweep-")]
    manifest = json.loads((sweep_dir / "sweep.json").read_text())
    assert manifest["axes"] == {"model.layers": ["conv4,pool,fc8", "lenet5"]}
    layers = sorted(
        json.loads((run / "summary.json").read_text())["sweep"]["params"]["model.layers"]
        for run in sweep_dir.iterdir()
        if (run / "summary.json").is_file()
    )
    assert layers == ["conv4,pool,fc8", "lenet5"]
