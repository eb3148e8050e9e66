"""The one typed configuration of a training run, with TOML I/O and `--set` overrides.

This module imports no torch: the CLI's `--help` and the UI's field validation must stay fast.
Checks that need torch or the data (device availability, CSV columns, batch size versus
dataset size) live in `engine.validate`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from tui_trainer.engine.config_values import (
    MAX_TOY_SAMPLES,
    ConfigError,
    Problem,
    coerce,
    limit_problems,
    parse_toml,
    parse_value,
)
from tui_trainer.engine.layer_stack import parse_layers
from tui_trainer.engine.names import (
    ACTIVATIONS,
    AMP_MODES,
    CLASS_WEIGHTS,
    INITS,
    LOADERS,
    LOSS_CHOICES,
    NORMALIZATIONS,
    OPTIMIZERS,
    SCHEDULERS,
    TARGET_NORMALIZATIONS,
    TASKS,
)

__all__ = ["MAX_TOY_SAMPLES", "ConfigError", "TrainConfig", "coerce", "field_type", "parse_value"]


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
    image_size: int = 28
    grayscale: bool = True
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
    # They are always written on the first epoch, at the end, at a stop and before an early stop;
    # a kill -9 loses at most this many seconds of finished epochs (see docs/runs.md).
    checkpoint_every_s: float = 30.0


@dataclass
class TrainConfig:
    dataset: DatasetConfig = field(default_factory=DatasetConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    train: TrainSettings = field(default_factory=TrainSettings)

    # ---- conversion -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        config = cls()
        if not isinstance(data, dict):
            raise ConfigError("config must be a table of sections")
        for section_name, values in data.items():
            section = _section(config, section_name)
            if not isinstance(values, dict):
                raise ConfigError(f"[{section_name}] must be a table, got {values!r}")
            for key, value in values.items():
                _assign(section, section_name, key, value)
        return config

    def copy(self) -> TrainConfig:
        return TrainConfig.from_dict(self.to_dict())

    # ---- TOML -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> TrainConfig:
        """The config in a TOML file; any problem with the file is a ConfigError naming it."""
        path = Path(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
        data = parse_toml(raw, path)
        try:
            return cls.from_dict(data)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict())

    def save(self, path: str | Path) -> None:
        from tui_trainer.engine.rundir.atomic import atomic_write_text

        atomic_write_text(Path(path), self.to_toml())

    # ---- overrides --------------------------------------------------------------------
    def set(self, assignment: str) -> None:
        """Apply one `section.key=value` override, parsing value to the field's type."""
        if "=" not in assignment:
            raise ConfigError(f"--set expects key=value, got {assignment!r}")
        key_path, raw = assignment.split("=", 1)
        key_path = key_path.strip()
        if key_path.count(".") != 1:
            raise ConfigError(f"--set key must look like section.field (e.g. optimizer.lr), got {key_path!r}")
        section_name, key = key_path.split(".")
        section = _section(self, section_name)
        _assign(
            section,
            section_name,
            key,
            parse_value(raw.strip(), _field_type(section, section_name, key), key_path),
        )

    def with_overrides(self, assignments: list[str]) -> TrainConfig:
        config = self.copy()
        for assignment in assignments:
            config.set(assignment)
        config.check()
        return config

    # ---- static validation ------------------------------------------------------------
    def check(self) -> TrainConfig:
        """Raise ConfigError for the first problem that can be seen without data or torch."""
        for problem in self.problems():
            raise ConfigError(problem.message)
        return self

    def problems(self) -> list[Problem]:
        """Every static problem as (field, one-line message); the UI shows each under its field."""
        out: list[Problem] = []
        d, m, lo, o, s, t = (
            self.dataset,
            self.model,
            self.loss,
            self.optimizer,
            self.scheduler,
            self.train,
        )
        if not d.name.strip():
            out.append(
                Problem(
                    "dataset.name",
                    "dataset.name is empty: pick a dataset (e.g. digits, spirals, csv:data.csv)",
                )
            )
        if not 0.0 < d.val_fraction < 1.0:
            out.append(
                Problem(
                    "dataset.val_fraction",
                    f"dataset.val_fraction must be between 0 and 1 (exclusive), got {d.val_fraction}",
                )
            )
        if not 0.0 <= d.test_fraction < 1.0:
            out.append(
                Problem(
                    "dataset.test_fraction", f"dataset.test_fraction must be in [0, 1), got {d.test_fraction}"
                )
            )
        elif d.val_fraction + d.test_fraction >= 1.0:
            out.append(
                Problem(
                    "dataset.val_fraction",
                    "dataset.val_fraction + dataset.test_fraction must leave some training data (< 1)",
                )
            )
        if d.batch_size < 1:
            out.append(
                Problem(
                    "dataset.batch_size", f"dataset.batch_size must be a positive integer, got {d.batch_size}"
                )
            )
        if d.n_samples < 4:
            out.append(
                Problem(
                    "dataset.n_samples",
                    f"dataset.n_samples must be between 4 and {MAX_TOY_SAMPLES:,}, got {d.n_samples}",
                )
            )
        if d.noise < 0:
            out.append(Problem("dataset.noise", f"dataset.noise must be >= 0, got {d.noise}"))
        if d.image_size < 4:
            out.append(
                Problem(
                    "dataset.image_size", f"dataset.image_size must be at least 4 pixels, got {d.image_size}"
                )
            )
        if d.num_workers < 0:
            out.append(
                Problem("dataset.num_workers", f"dataset.num_workers must be >= 0, got {d.num_workers}")
            )
        _check_choice(out, "dataset.normalization", d.normalization, NORMALIZATIONS)
        _check_choice(out, "dataset.loader", d.loader, LOADERS)
        _check_choice(out, "dataset.task", d.task, TASKS)
        bad_hidden = [h for h in m.hidden if not isinstance(h, int) or isinstance(h, bool) or h <= 0]
        if bad_hidden:
            out.append(
                Problem(
                    "model.hidden", f"model.hidden sizes must be positive integers, got {bad_hidden[0]!r}"
                )
            )
        if m.layers:
            try:
                parse_layers(m.layers)
            except ConfigError as exc:
                out.append(Problem("model.layers", str(exc)))
        _check_choice(out, "model.activation", m.activation, ACTIVATIONS)
        _check_choice(out, "model.init", m.init, INITS)
        if m.batch_norm and d.batch_size < 2:
            out.append(
                Problem(
                    "model.batch_norm",
                    "model.batch_norm needs dataset.batch_size >= 2 (a batch of one has no variance)",
                )
            )
        if not 0.0 <= m.dropout < 1.0:
            out.append(Problem("model.dropout", f"model.dropout must be in [0, 1), got {m.dropout}"))
        _check_choice(out, "dataset.target_normalization", d.target_normalization, TARGET_NORMALIZATIONS)
        _check_choice(out, "loss.name", lo.name, LOSS_CHOICES)
        _check_choice(out, "loss.class_weights", lo.class_weights, CLASS_WEIGHTS)
        if lo.class_weights == "balanced" and lo.name not in ("auto", "cross_entropy", "nll"):
            out.append(
                Problem(
                    "loss.class_weights",
                    f"loss.class_weights=balanced applies to cross_entropy and nll, not {lo.name}; "
                    "set loss.class_weights=none or pick one of those losses",
                )
            )
        _check_choice(out, "optimizer.name", o.name, OPTIMIZERS)
        if not o.lr > 0:
            out.append(Problem("optimizer.lr", f"optimizer.lr must be > 0, got {o.lr}"))
        if o.momentum < 0:
            out.append(Problem("optimizer.momentum", f"optimizer.momentum must be >= 0, got {o.momentum}"))
        if o.weight_decay < 0:
            out.append(
                Problem(
                    "optimizer.weight_decay", f"optimizer.weight_decay must be >= 0, got {o.weight_decay}"
                )
            )
        if len(o.betas) != 2 or not all(0.0 <= b < 1.0 for b in o.betas):
            out.append(
                Problem("optimizer.betas", f"optimizer.betas must be two numbers in [0, 1), got {o.betas}")
            )
        if o.nesterov and o.name == "sgd" and o.momentum <= 0:
            out.append(Problem("optimizer.momentum", "optimizer.nesterov needs optimizer.momentum > 0"))
        _check_choice(out, "scheduler.name", s.name, SCHEDULERS)
        if s.step_size < 1:
            out.append(Problem("scheduler.step_size", f"scheduler.step_size must be >= 1, got {s.step_size}"))
        if not 0.0 < s.gamma <= 1.0:
            out.append(Problem("scheduler.gamma", f"scheduler.gamma must be in (0, 1], got {s.gamma}"))
        if s.patience < 0:
            out.append(Problem("scheduler.patience", f"scheduler.patience must be >= 0, got {s.patience}"))
        if t.epochs < 0:
            out.append(Problem("train.epochs", f"train.epochs must be >= 1, or auto (0), got {t.epochs}"))
        if t.patience < 0:
            out.append(
                Problem(
                    "train.patience",
                    f"train.patience must be >= 0 (0 turns early stopping off), got {t.patience}",
                )
            )
        if t.seed < 0:
            out.append(Problem("train.seed", f"train.seed must be between 0 and 2**63 - 1, got {t.seed}"))
        if not _valid_device_name(t.device):
            out.append(
                Problem(
                    "train.device", f"train.device must be auto, cpu, cuda, cuda:N or mps, got {t.device!r}"
                )
            )
        if t.report_every_ms < 10:
            out.append(
                Problem(
                    "train.report_every_ms", f"train.report_every_ms must be >= 10, got {t.report_every_ms}"
                )
            )
        _check_choice(out, "train.amp", t.amp, AMP_MODES)
        if not t.checkpoint_every_s >= 0:
            out.append(
                Problem(
                    "train.checkpoint_every_s",
                    f"train.checkpoint_every_s must be >= 0 (0 = every epoch), got {t.checkpoint_every_s}",
                )
            )
        if t.n_samples_shown < 0:
            out.append(
                Problem(
                    "train.n_samples_shown", f"train.n_samples_shown must be >= 0, got {t.n_samples_shown}"
                )
            )
        if not t.output_dir.strip():
            out.append(
                Problem(
                    "train.output_dir",
                    "train.output_dir is empty: give a directory for run files (e.g. runs)",
                )
            )
        out += [Problem(field, message) for field, message in limit_problems(self)]
        for section in fields(self):
            for item in fields(getattr(self, section.name)):
                value = getattr(getattr(self, section.name), item.name)
                if isinstance(value, str) and "\0" in value:
                    # Paths with NUL cannot be opened ("embedded null byte" deep in the OS layer).
                    name = f"{section.name}.{item.name}"
                    out.append(Problem(name, f"{name} contains a NUL character (\\0); remove it"))
        return out


# ---- helpers ----------------------------------------------------------------------------


def _check_choice(out: list[Problem], name: str, value: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        out.append(Problem(name, f"unknown {name} {value!r}; valid: {', '.join(valid)}"))


def _valid_device_name(device: str) -> bool:
    if device in ("auto", "cpu", "cuda", "mps"):
        return True
    if device.startswith("cuda:"):
        return device[5:].isdigit()
    return False


def _section(config: TrainConfig, section_name: str) -> Any:
    names = [f.name for f in fields(config)]
    if section_name not in names:
        raise ConfigError(f"unknown config section {section_name!r}; valid: {', '.join(names)}")
    return getattr(config, section_name)


def _field_type(section: Any, section_name: str, key: str) -> Any:
    hints = get_type_hints(type(section))
    if key not in hints:
        valid = ", ".join(f.name for f in fields(section))
        raise ConfigError(f"unknown field {section_name}.{key}; valid: {valid}")
    return hints[key]


def _assign(section: Any, section_name: str, key: str, value: Any) -> None:
    expected = _field_type(section, section_name, key)
    setattr(section, key, coerce(value, expected, f"{section_name}.{key}"))


def field_type(key_path: str) -> Any:
    """The Python type of `section.field`, for UIs that parse text inputs."""
    section_name, key = key_path.split(".")
    config = TrainConfig()
    return _field_type(_section(config, section_name), section_name, key)
