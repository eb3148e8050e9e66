"""The static checks of a config: every problem that can be seen without data or torch, each
a `Problem(field, message)` naming the field and what to change."""

from __future__ import annotations

from dataclasses import fields
from types import SimpleNamespace
from typing import Any

from tui_trainer.engine.config_sections import (
    DatasetConfig,
    LossConfig,
    ModelConfig,
    OptimizerConfig,
    SchedulerConfig,
    TrainSettings,
)
from tui_trainer.engine.config_values import MAX_TOY_SAMPLES, ConfigError, Problem, limit_problems
from tui_trainer.engine.layer_stack import parse_layers
from tui_trainer.engine.names import (
    ACTIVATIONS,
    AMP_MODES,
    AUGMENTATIONS,
    CLASS_WEIGHTS,
    INITS,
    LOADERS,
    LOSS_CHOICES,
    NORMALIZATIONS,
    OPTIMIZERS,
    SCHEDULERS,
    TARGET_NORMALIZATIONS,
    TASKS,
    X_SPACINGS,
)


def static_problems(
    d: DatasetConfig, m: ModelConfig, lo: LossConfig, o: OptimizerConfig, s: SchedulerConfig, t: TrainSettings
) -> list[Problem]:
    """Every static problem as (field, one-line message); the UI shows each under its field."""
    out: list[Problem] = []
    sections: dict[str, Any] = {
        "dataset": d,
        "model": m,
        "loss": lo,
        "optimizer": o,
        "scheduler": s,
        "train": t,
    }
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
    if d.name == "linear" and d.x_min >= d.x_max:  # the other sets ignore the range
        out.append(
            Problem(
                "dataset.x_max",
                f"dataset.x_max must be above dataset.x_min, got x_min {d.x_min:g} and x_max {d.x_max:g}",
            )
        )
    _check_choice(out, "dataset.x_spacing", d.x_spacing, X_SPACINGS)
    _check_choice(out, "dataset.augment", d.augment, AUGMENTATIONS)
    if d.image_size < 4:
        out.append(
            Problem("dataset.image_size", f"dataset.image_size must be at least 4 pixels, got {d.image_size}")
        )
    if d.num_workers < 0:
        out.append(Problem("dataset.num_workers", f"dataset.num_workers must be >= 0, got {d.num_workers}"))
    _check_choice(out, "dataset.normalization", d.normalization, NORMALIZATIONS)
    _check_choice(out, "dataset.loader", d.loader, LOADERS)
    _check_choice(out, "dataset.task", d.task, TASKS)
    bad_hidden = [h for h in m.hidden if not isinstance(h, int) or isinstance(h, bool) or h <= 0]
    if bad_hidden:
        out.append(
            Problem("model.hidden", f"model.hidden sizes must be positive integers, got {bad_hidden[0]!r}")
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
            Problem("optimizer.weight_decay", f"optimizer.weight_decay must be >= 0, got {o.weight_decay}")
        )
    if len(o.betas) != 2 or not all(0.0 <= b < 1.0 for b in o.betas):
        out.append(
            Problem("optimizer.betas", f"optimizer.betas must be two numbers in [0, 1), got {o.betas}")
        )
    if not o.clip_grad_norm >= 0:
        out.append(
            Problem(
                "optimizer.clip_grad_norm",
                f"optimizer.clip_grad_norm must be >= 0 (0 turns clipping off), got {o.clip_grad_norm}",
            )
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
            Problem("train.device", f"train.device must be auto, cpu, cuda, cuda:N or mps, got {t.device!r}")
        )
    if t.report_every_ms < 10:
        out.append(
            Problem("train.report_every_ms", f"train.report_every_ms must be >= 10, got {t.report_every_ms}")
        )
    _check_choice(out, "train.amp", t.amp, AMP_MODES)
    if not t.checkpoint_every_s >= 0:
        out.append(
            Problem(
                "train.checkpoint_every_s",
                f"train.checkpoint_every_s must be >= 0 (0 = every epoch), got {t.checkpoint_every_s}",
            )
        )
    if t.accumulate_batches < 1:
        out.append(
            Problem(
                "train.accumulate_batches",
                "train.accumulate_batches must be >= 1 (1 = an update per batch), "
                f"got {t.accumulate_batches}",
            )
        )
    if t.overfit_batches < 0:
        out.append(
            Problem(
                "train.overfit_batches",
                f"train.overfit_batches must be >= 0 (0 = off), got {t.overfit_batches}",
            )
        )
    if t.n_samples_shown < 0:
        out.append(
            Problem("train.n_samples_shown", f"train.n_samples_shown must be >= 0, got {t.n_samples_shown}")
        )
    if not t.output_dir.strip():
        out.append(
            Problem(
                "train.output_dir",
                "train.output_dir is empty: give a directory for run files (e.g. runs)",
            )
        )
    out += [Problem(field, message) for field, message in limit_problems(SimpleNamespace(**sections))]
    for section_name, section in sections.items():
        for item in fields(section):
            value = getattr(section, item.name)
            if isinstance(value, str) and "\0" in value:
                # Paths with NUL cannot be opened ("embedded null byte" deep in the OS layer).
                name = f"{section_name}.{item.name}"
                out.append(Problem(name, f"{name} contains a NUL character (\\0); remove it"))
    return out


def _check_choice(out: list[Problem], name: str, value: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        out.append(Problem(name, f"unknown {name} {value!r}; valid: {', '.join(valid)}"))


def _valid_device_name(device: str) -> bool:
    if device in ("auto", "cpu", "cuda", "mps"):
        return True
    if device.startswith("cuda:"):
        return device[5:].isdigit()
    return False
