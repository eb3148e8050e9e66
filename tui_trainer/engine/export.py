"""Export a run's model to TorchScript or ONNX, checked by reloading and comparing outputs.

The exported graph takes raw inputs (the stored pixel values or features, batch first) and applies
the training split's normalisation itself, so it needs nothing from tui-trainer to be used. A
regression model trained on a standardised target also undoes that scaling: its outputs are in the
target's original units.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.rundir.atomic import atomic_write
from tui_trainer.engine.rundir.layout import EXPORT_FORMATS, WEIGHT_CHOICES, export_file_name, weights_path
from tui_trainer.engine.rundir.weights import read_weights, rebuild_model

TOLERANCE = 1e-4  # absolute difference allowed between PyTorch and the reloaded export


class ExportError(Exception):
    """A one-line reason the export could not be made or did not match."""


@dataclass
class ExportResult:
    path: Path
    format: str
    max_abs_diff: float
    checked_with: str  # what ran the reloaded model

    def describe(self) -> str:
        return (
            f"exported {self.format} to {self.path} (checked with {self.checked_with}: "
            f"max |difference| {self.max_abs_diff:.2e})"
        )


class NormalizedModel(nn.Module):
    """The trained network with its input normalisation in front and, for a standardised
    regression target, the target's scaling undone behind (identity otherwise)."""

    def __init__(
        self,
        model: nn.Module,
        mean: torch.Tensor,
        scale: torch.Tensor,
        target_mean: float = 0.0,
        target_scale: float = 1.0,
    ):
        super().__init__()
        self.model = model
        self.register_buffer("mean", mean.float().clone())
        self.register_buffer("scale", scale.float().clone())
        self.register_buffer("target_mean", torch.tensor(float(target_mean)))
        self.register_buffer("target_scale", torch.tensor(float(target_scale)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # Buffers read back as Tensor | Module to mypy; a class-level annotation would fix that but
        # breaks torch.jit.script (it cannot resolve the string annotation).
        outputs = self.model((x.float() - self.mean) / self.scale)  # type: ignore[operator]
        return outputs * self.target_scale + self.target_mean


def example_inputs(meta, batch: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    shape = (batch, *meta.input_shape)
    if meta.is_image:
        return torch.rand(shape, generator=generator) * float(meta.pixel_max or 1.0)
    return torch.randn(shape, generator=generator)


def load_for_export(run_path: str | Path, weights: str = "final") -> tuple[NormalizedModel, DatasetMeta]:
    if weights not in WEIGHT_CHOICES:
        raise ExportError(f"unknown weights {weights!r}; valid: {', '.join(WEIGHT_CHOICES)}")
    if not Path(run_path).expanduser().exists():
        raise ExportError(f"nothing to export at {run_path}: give a run directory or a .pt weights file")
    path = weights_path(run_path, weights)
    if not path.exists():
        hint = " (the run did not finish; try --weights last)" if weights == "final" else ""
        raise ExportError(f"no weights to export: {path} does not exist{hint}")
    payload = read_weights(path)  # WeightsFileError (a refused or damaged file) goes up as it is
    try:
        model, _config, meta = rebuild_model(payload)
    except Exception as exc:
        raise ExportError(f"cannot load {path}: {' '.join(str(exc).split())[:160]}") from None
    normalizer = payload.get("normalizer") or {"mean": torch.zeros(()), "scale": torch.ones(())}
    target_mean = meta.target_mean if meta.target_mean is not None else 0.0
    target_scale = meta.target_scale if meta.target_scale is not None else 1.0
    wrapped = NormalizedModel(model, normalizer["mean"], normalizer["scale"], target_mean, target_scale)
    wrapped.eval()
    return wrapped, meta


def export_run(
    run_path: str | Path, fmt: str, weights: str = "final", out: str | Path | None = None
) -> ExportResult:
    """Export a run directory's (or a weights file's) model and verify the written file."""
    if fmt not in EXPORT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; valid: {', '.join(EXPORT_FORMATS)}")
    model, meta = load_for_export(run_path, weights)
    run_path = Path(run_path).expanduser()
    base = run_path if run_path.is_dir() else run_path.parent
    target = Path(out) if out else base / export_file_name(fmt, weights)
    # Checked on another batch size than the export used, so a fixed batch dimension is caught.
    check_input = example_inputs(meta, 7, seed=1)
    with torch.no_grad():
        expected = model(check_input)
    try:
        if fmt == "torchscript":
            outputs, checked_with = _torchscript(model, target, check_input)
        else:
            outputs, checked_with = _onnx(model, meta, target, check_input)
    except (OSError, ExportError):
        raise
    except Exception as exc:
        reason = " ".join(str(exc).split())[:200]
        raise ExportError(f"{fmt} export failed: {type(exc).__name__}: {reason}") from None
    if outputs is None:
        return ExportResult(target, fmt, float("nan"), checked_with)
    diff = float((outputs - expected).abs().max()) if expected.numel() else 0.0
    if not diff <= TOLERANCE:
        raise ExportError(f"the reloaded {fmt} model differs from PyTorch by {diff:.3g} (> {TOLERANCE})")
    return ExportResult(target, fmt, diff, checked_with)


def _torchscript(model: nn.Module, target: Path, check_input: torch.Tensor):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.script(model)
        buffer = io.BytesIO()
        torch.jit.save(scripted, buffer)
        atomic_write(target, lambda handle: handle.write(buffer.getvalue()))
        reloaded = torch.jit.load(str(target), map_location="cpu")
        with torch.no_grad():
            return reloaded(check_input), "torch.jit.load"


def _onnx(model: nn.Module, meta, target: Path, check_input: torch.Tensor):
    try:
        import onnx
    except ImportError:
        raise ExportError(
            "ONNX export needs the onnx package: pip install 'tui-trainer[onnx]' "
            "(or export with --export torchscript)"
        ) from None
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (example_inputs(meta, 2, seed=0),),
            buffer,  # type: ignore[arg-type]  # a file object is documented to work; the annotation says path
            dynamo=False,
            input_names=["input"],
            output_names=["output"],
            dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}},
        )
    atomic_write(target, lambda handle: handle.write(buffer.getvalue()))
    onnx.checker.check_model(onnx.load(str(target)))
    try:
        import onnxruntime
    except ImportError:
        return None, "onnx.checker only; pip install onnxruntime to compare outputs"
    session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    (output,) = session.run(None, {"input": check_input.numpy()})
    return torch.from_numpy(output), "onnxruntime"
