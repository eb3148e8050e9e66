"""Plain event objects the training loop reports to its callback.

They carry numbers and CPU tensors only, never widgets or live modules, so the same stream drives
the Textual app, the batch printer and TensorBoard. Each event class names the `EventListener`
method that handles it (`listener_method`): a new event type is one class here plus one method on
`EventListener`, and every consumer dispatches the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from tui_trainer.engine.model_stats import (
    ActivationHealth,
    ConvFilters,
    FeatureMaps,
    FeatureMapSummary,
    HealthWarning,
    LayerHealth,
    LinearFit,
    ParameterStats,
    build,
    plain,
)

if TYPE_CHECKING:  # events are imported by the UI before torch is loaded
    import torch


@dataclass
class LogMessage:
    listener_method: ClassVar[str] = "on_log"
    text: str
    level: str = "info"  # "info", "warning", "error"


@dataclass
class DataProgress:
    """Progress of a slow dataset load (a download): `total` is None when unknown."""

    listener_method: ClassVar[str] = "on_data_progress"
    what: str
    done: int
    total: int | None = None


@dataclass
class RunStarted:
    listener_method: ClassVar[str] = "on_run_start"
    config: Any  # TrainConfig
    meta: Any  # DatasetMeta
    device: str
    param_count: int
    layers: list  # list[LayerInfo]
    steps_per_epoch: int
    total_steps: int
    start_epoch: int = 0
    run_dir: str | None = None
    loader: str = "tensor"


@dataclass
class BatchEnd:
    listener_method: ClassVar[str] = "on_batch_end"
    epoch: int  # 0-based
    step: int  # global steps done
    total_steps: int
    loss: float  # mean over the steps since the last report
    # Every step's loss since the last report, first one being step `first_step`; the UI plots them.
    step_losses: list[float]
    first_step: int
    samples_per_sec: float
    epoch_fraction: float
    eta_seconds: float | None = None
    # Training accuracy of the epoch so far (running, from the loop's own predictions); None for regression.
    accuracy: float | None = None
    # Share of the epoch's optimizer updates so far whose gradients were clipped; None when
    # clipping is off (optimizer.clip_grad_norm = 0).
    clipped_fraction: float | None = None


def merge_batches(earlier: BatchEnd, later: BatchEnd) -> BatchEnd:
    """One report covering both windows: the later one's counters, both windows' step losses."""
    losses = earlier.step_losses + later.step_losses
    return replace(
        later,
        step_losses=losses,
        first_step=earlier.first_step,
        loss=sum(losses) / len(losses) if losses else later.loss,
    )


@dataclass
class EpochEnd:
    listener_method: ClassVar[str] = "on_epoch_end"
    epoch: int
    epochs: int
    train_loss: float
    val_loss: float
    train_accuracy: float | None  # None for regression
    val_accuracy: float | None
    lr: float
    seconds: float
    samples_per_sec: float
    improved: bool = False
    extra: dict[str, float] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        record = {
            "epoch": self.epoch + 1,
            "train_loss": self.train_loss,
            "val_loss": self.val_loss,
            "train_accuracy": self.train_accuracy,
            "val_accuracy": self.val_accuracy,
            "lr": self.lr,
            "seconds": round(self.seconds, 4),
            "samples_per_sec": round(self.samples_per_sec, 1),
        }
        record.update(self.extra)
        return record


@dataclass
class SamplePrediction:
    index: int
    input: torch.Tensor  # raw stored values (uint8 images or float features)
    target: float | int
    predicted: float | int
    confidence: float | None  # probability of the predicted class
    probabilities: list[float] | None = None

    @property
    def correct(self) -> bool:
        if isinstance(self.target, int):
            return self.target == self.predicted
        return abs(float(self.target) - float(self.predicted)) < 1e-9


@dataclass
class DecisionBoundary:
    """Predicted class over a grid covering the 2-D inputs, plus the points themselves."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    classes: torch.Tensor  # (rows, cols) int64, row 0 at y_range[1] (top)
    confidence: torch.Tensor  # (rows, cols) float in [0, 1]
    points: torch.Tensor  # (N, 2) raw coordinates
    labels: torch.Tensor  # (N,) int64


@dataclass
class RegressionPairs:
    inputs: torch.Tensor | None  # (N,) for 1-D inputs, else None
    targets: torch.Tensor  # (N,)
    predictions: torch.Tensor  # (N,)
    # 1-D inputs: the fitted curve ŷ(x), the model's predictions over a grid spanning the inputs
    fit_x: torch.Tensor | None = None  # (G,) in the input's own units
    fit_y: torch.Tensor | None = None  # (G,) in the target's own units


@dataclass
class Evaluation:
    listener_method: ClassVar[str] = "on_evaluation"
    epoch: int
    split: str  # "val" or "test"
    loss: float
    accuracy: float | None
    confusion: torch.Tensor | None  # (C, C) int64, rows = true class, cols = predicted
    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    f1: list[float] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)
    samples: list[SamplePrediction] = field(default_factory=list)
    boundary: DecisionBoundary | None = None
    regression: RegressionPairs | None = None
    extra: dict[str, float] = field(default_factory=dict)

    def as_metrics(self) -> dict[str, float]:
        """`<split>_loss`, `<split>_accuracy` (classification) and `<split>_<extra>` for a summary."""
        metrics = {f"{self.split}_loss": self.loss}
        if self.accuracy is not None:
            metrics[f"{self.split}_accuracy"] = self.accuracy
        return metrics | {f"{self.split}_{k}": v for k, v in self.extra.items()}


@dataclass
class ModelStats:
    """The model's insides at the end of epoch `epoch` (after `step` steps): see
    `engine.model_stats` and docs/inside.md. Stored a line per collection in model_stats.jsonl
    (`as_record`); the arrays for drawing (filters, feature maps, histograms) are not."""

    listener_method: ClassVar[str] = "on_model_stats"
    epoch: int  # 0-based
    step: int
    parameters: list[ParameterStats] = field(default_factory=list)
    layers: list[LayerHealth] = field(default_factory=list)
    activations: list[ActivationHealth] = field(default_factory=list)
    warnings: list[HealthWarning] = field(default_factory=list)
    probe_samples: int = 0  # validation samples the activations were measured on
    linear_fit: LinearFit | None = None
    feature_maps: list[FeatureMapSummary] = field(default_factory=list)  # of `probe_sample`
    probe_sample: str = ""  # which sample the feature maps are of, e.g. "test sample 1"
    filters: ConvFilters | None = None  # the first conv layer's kernels
    feature_map_arrays: list[FeatureMaps] = field(default_factory=list)
    # CPU copies of each parameter ("weights/<name>") and gradient ("grads/<name>"), with TensorBoard on.
    histograms: dict[str, Any] = field(default_factory=dict)

    _PARTS: ClassVar[dict[str, type]] = {
        "parameters": ParameterStats,
        "layers": LayerHealth,
        "activations": ActivationHealth,
        "warnings": HealthWarning,
        "feature_maps": FeatureMapSummary,
    }

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = {"epoch": self.epoch + 1, "step": self.step}
        for key in self._PARTS:
            record[key] = [plain(asdict(part)) for part in getattr(self, key)]
        record["probe_samples"] = self.probe_samples
        record["probe_sample"] = self.probe_sample
        record["linear_fit"] = plain(asdict(self.linear_fit)) if self.linear_fit else None
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> ModelStats:
        """A stored line back as an event (without the arrays); ValueError/TypeError if malformed."""
        fit = record.get("linear_fit")
        stats = cls(
            epoch=int(record["epoch"]) - 1,
            step=int(record.get("step", 0)),
            probe_samples=int(record.get("probe_samples", 0)),
            probe_sample=str(record.get("probe_sample", "")),
            linear_fit=build(LinearFit, fit) if fit else None,
        )
        for key, kind in cls._PARTS.items():
            setattr(stats, key, [build(kind, item) for item in record.get(key) or []])
        return stats


@dataclass
class ModelSnapshot:
    """The model's weights after an epoch's evaluation, for a consumer that predicts with them
    (the app's Try tab). Sent only when the run's `TrainingControl` asks for it: a CPU copy of
    the state_dict each epoch is a cost batch runs do not pay."""

    listener_method: ClassVar[str] = "on_model_snapshot"
    epoch: int  # 0-based: the weights the evaluation of this epoch measured
    config: Any  # TrainConfig
    meta: Any  # DatasetMeta
    state_dict: dict[str, torch.Tensor]  # CPU copies
    preprocessing: Any  # Preprocessing: how raw inputs become the model's inputs


@dataclass
class RunPaused:
    listener_method: ClassVar[str] = "on_pause"
    step: int


@dataclass
class RunResumed:
    listener_method: ClassVar[str] = "on_resume"
    step: int


@dataclass
class SettingsChanged:
    """Settings changed part-way through the run (see `engine.setting_changes`): they apply from
    batch `step + 1`, in epoch `epoch` (1-based). `changes` are `SettingChange`s, run-length
    ones (train.epochs, train.patience) included; `epochs` is the run's length now."""

    listener_method: ClassVar[str] = "on_settings_change"
    epoch: int
    step: int
    changes: list  # list[SettingChange]
    epochs: int


@dataclass
class RunFinished:
    listener_method: ClassVar[str] = "on_run_end"
    status: str  # "completed", "early_stopped", "stopped", "failed"; "pruned" in a search
    reason: str
    epochs_done: int
    seconds: float
    metrics: dict[str, Any] = field(default_factory=dict)
    run_dir: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("completed", "early_stopped")


Event = (
    LogMessage
    | DataProgress
    | RunStarted
    | BatchEnd
    | EpochEnd
    | Evaluation
    | ModelStats
    | ModelSnapshot
    | RunPaused
    | RunResumed
    | SettingsChanged
    | RunFinished
)
EventCallback = Callable[[Event], None]


class EventListener:
    """Base of every event consumer: one no-op method per event type, `__call__` dispatches.

    Subclasses override the methods for the events they use; the instance itself is the
    callback the trainer calls with each event.
    """

    def __call__(self, event: Event) -> None:
        getattr(self, event.listener_method)(event)

    def on_log(self, event: LogMessage) -> None:
        pass

    def on_data_progress(self, event: DataProgress) -> None:
        pass

    def on_run_start(self, event: RunStarted) -> None:
        pass

    def on_batch_end(self, event: BatchEnd) -> None:
        pass

    def on_epoch_end(self, event: EpochEnd) -> None:
        pass

    def on_evaluation(self, event: Evaluation) -> None:
        pass

    def on_model_stats(self, event: ModelStats) -> None:
        pass

    def on_model_snapshot(self, event: ModelSnapshot) -> None:
        pass

    def on_pause(self, event: RunPaused) -> None:
        pass

    def on_resume(self, event: RunResumed) -> None:
        pass

    def on_settings_change(self, event: SettingsChanged) -> None:
        pass

    def on_run_end(self, event: RunFinished) -> None:
        pass
