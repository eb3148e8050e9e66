"""Export to TorchScript and ONNX, verified by reloading; and the CLI around it."""

import sys
import warnings

import pytest
import torch

from tui_trainer.cli import build_parser, main
from tui_trainer.engine.export import ExportError, export_run, load_for_export
from tui_trainer.engine.rundir.layout import EXPORT_FORMATS, WEIGHT_CHOICES
from tui_trainer.engine.rundir.weights import load_model
from tui_trainer.engine.trainer import Trainer


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    from tui_trainer.engine.config import TrainConfig

    runs = tmp_path_factory.mktemp("runs")
    config = TrainConfig().with_overrides(
        [
            "model.hidden=16",
            "model.batch_norm=true",
            "train.epochs=1",
            "train.device=cpu",
            f"train.output_dir={runs}",
            "train.n_samples_shown=0",
        ]
    )
    result = Trainer(config).run()
    assert result.status == "completed", result.reason
    return result.run_dir


def test_every_format_and_weights_choice_the_cli_offers_the_export_accepts(digits_run, tmp_path):
    parser = build_parser()
    for fmt in EXPORT_FORMATS:
        for weights in WEIGHT_CHOICES:
            args = parser.parse_args(["--export", fmt, "--weights", weights, str(digits_run)])
            assert (args.export, args.weights) == (fmt, weights)
    with pytest.raises(SystemExit):
        parser.parse_args(["--export", "tflite", str(digits_run)])
    # The one list the command line offers is the one export_run checks against.
    result = export_run(digits_run, EXPORT_FORMATS[0], WEIGHT_CHOICES[-1], out=tmp_path / "m.pt")
    assert result.path.exists()
    with pytest.raises(ExportError, match="valid: " + ", ".join(EXPORT_FORMATS)):
        export_run(digits_run, "tflite")


def test_torchscript_export_takes_raw_pixels_and_matches(digits_run):
    result = export_run(digits_run, "torchscript")
    assert result.path.name == "model.torchscript.pt" and result.max_abs_diff <= 1e-4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # TorchScript is deprecated from torch 2.9
        scripted = torch.jit.load(str(result.path))
    model, _config, _meta = load_model(digits_run)
    payload = torch.load(f"{digits_run}/model.pt", weights_only=False)
    pixels = torch.randint(0, 17, (5, 1, 8, 8), dtype=torch.uint8)
    normalizer = payload["normalizer"]
    expected = model.eval()((pixels.float() - normalizer["mean"]) / normalizer["scale"])
    assert torch.allclose(scripted(pixels.float()), expected, atol=1e-5)


def test_onnx_export_is_checked_by_onnxruntime(digits_run):
    pytest.importorskip("onnx", reason="onnx not installed (pip install 'tui-trainer[onnx]')")
    pytest.importorskip("onnxruntime", reason="onnxruntime not installed; only the checker would run")
    result = export_run(digits_run, "onnx", weights="best")
    assert result.path.name == "model-best.onnx"
    assert result.checked_with == "onnxruntime" and result.max_abs_diff <= 1e-4


def test_missing_onnx_is_a_clear_error(digits_run, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ExportError, match=r"pip install 'tui-trainer\[onnx\]'"):
        export_run(digits_run, "onnx")


def test_unfinished_or_missing_runs_give_clear_errors(digits_run, tmp_path):
    with pytest.raises(ExportError, match="nothing to export"):
        export_run(tmp_path / "nope", "torchscript")
    empty = tmp_path / "run"
    empty.mkdir()
    with pytest.raises(ExportError, match="try --weights last"):
        load_for_export(empty, "final")


def test_cli_export_of_a_run_directory(digits_run, capsys):
    assert main(["--export", "torchscript", digits_run, "--weights", "last"]) == 0
    assert "model-last.torchscript.pt" in capsys.readouterr().out
    assert main(["--export", "torchscript"]) == 2
    assert "needs a run directory" in capsys.readouterr().err


def test_batch_then_export(runs_dir, capsys):
    code = main(
        [
            "--batch",
            "--set",
            "dataset.name=moons",
            "--set",
            "dataset.n_samples=100",
            "--set",
            "train.epochs=1",
            "--output-dir",
            str(runs_dir),
            "--export",
            "torchscript",
        ]
    )
    assert code == 0
    assert "exported torchscript" in capsys.readouterr().out
    (run,) = runs_dir.iterdir()
    assert (run / "model.torchscript.pt").exists()
