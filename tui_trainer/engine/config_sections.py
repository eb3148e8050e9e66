"""The sections of a run's config (`[dataset]`, `[model]`, `[loss]`, `[optimizer]`, `[scheduler]`,
`[train]`) with their defaults. `engine.config.TrainConfig` holds one of each."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DatasetConfig:
    name: str = "digits"
    # Where downloadable / file-based data lives; empty means the per-user cache directory.
    data_dir: str = ""
    target: str = ""
    # csv: only. auto: text targets and a few distinct integers are classes, other numbers regression.
    task: str = "auto"
    val_fraction: float = 0.2
    test_fraction: float = 0.1
    batch_size: int = 64
    normalization: str = "standardize"
    # Regression targets: auto standardises them with the training split's mean and std (the
    # network trains on the scaled target; metrics and exports are in the original units).
    target_normalization: str = "auto"
    # Size and noise of the generated toy sets (spirals, moons, ...); ignored by real data.
    n_samples: int = 1000
    noise: float = 0.1
    # The linear toy: y = slope·x + intercept + noise for x in [x_min, x_max], drawn at random
    # or (x_spacing = even) evenly spaced with both ends included (x = 0, 1, …, 10 for 11 points).
    slope: float = 2.0
    intercept: float = 1.0
    x_min: float = -2.0
    x_max: float = 2.0
    x_spacing: str = "random"
    image_size: int = 28
    grayscale: bool = True
    # Image sets: random horizontal flips and/or crops with 4-pixel padding of each training batch
    # (engine/augment.py); auto is flip+crop for CIFAR and none for the rest (a flip changes digits).
    augment: str = "auto"
    # "auto" keeps data as tensors on the device when it fits, else streams through a DataLoader.
    loader: str = "auto"
    num_workers: int = 2


@dataclass
class ModelConfig:
    hidden: list[int] = field(default_factory=lambda: [64, 32])
    # A layer stack (conv32,pool,fc128 or lenet5, see engine/layer_stack.py); empty: the MLP of
    # `hidden`, exactly as before the field existed.
    layers: list[str] = field(default_factory=list)
    activation: str = "relu"
    dropout: float = 0.0
    batch_norm: bool = False
    init: str = "default"

    def architecture(self, separator: str = ",") -> str:
        """The network in a few characters: the layer stack (`conv32,pool,fc128`, `lenet5`), else
        the MLP's hidden sizes (`64x32`, `linear` for none)."""
        if self.layers:
            return separator.join(self.layers)
        return "x".join(str(h) for h in self.hidden) or "linear"


@dataclass
class LossConfig:
    # auto: cross_entropy for classification, mse for regression (engine/auto_settings.py).
    name: str = "auto"
    # balanced: cross_entropy/nll weigh each class by inverse frequency in the training split.
    class_weights: str = "none"
    # Regression losses (MSE, L1, Huber) on class labels need one-hot targets; off means "refuse".
    one_hot: bool = False


@dataclass
class OptimizerConfig:
    name: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    # Rescale the gradients when their total L2 norm exceeds this before each update; 0 = off.
    clip_grad_norm: float = 0.0


@dataclass
class SchedulerConfig:
    name: str = "none"
    step_size: int = 10
    gamma: float = 0.5
    patience: int = 3


@dataclass
class TrainSettings:
    # 0 (written `auto` with --set) picks the count from the data: engine/auto_settings.py.
    epochs: int = 0
    # Early stopping on validation loss; 0 turns it off (with auto epochs it picks a patience).
    patience: int = 0
    seed: int = 0
    device: str = "auto"
    output_dir: str = "runs"
    run_name: str = ""
    # Progress events are rate-limited so neither the UI nor the log is flooded.
    report_every_ms: int = 100
    n_samples_shown: int = 32
    # Also log scalars and confusion matrices for TensorBoard into <run dir>/tensorboard.
    tensorboard: bool = False
    # Mixed precision: "auto" (float32 everywhere: bf16 measured slower for these small models),
    # "off", "bf16" (CUDA or CPU), "fp16" (CUDA only, with a gradient scaler). See engine/precision.py.
    amp: str = "auto"
    # torch.compile the training forward pass: off by default: no faster for these small models
    # on CPU, and seconds of compiling before the first step.
    compile: bool = False
    # Seconds between writes of last.pt / best.pt (and fsyncs of metrics.jsonl); 0 = every epoch.
    # They are always written at the end, at a stop and before an early stop, and on the first epoch
    # of a run that lasts longer than this;
    # a kill -9 loses at most this many seconds of finished epochs (see docs/runs.md).
    checkpoint_every_s: float = 30.0
    # Batches whose gradients are summed before each optimizer update: an effective batch of
    # dataset.batch_size × this, in the memory of one batch (engine/optimizer_step.py).
    accumulate_batches: int = 1
    # > 0: the "can this model fit at all" check: train and validate on the first N batches only
    # and stop once the training loss is near zero (engine/overfit.py); 0 = off.
    overfit_batches: int = 0
