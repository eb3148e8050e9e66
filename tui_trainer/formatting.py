"""How numbers and run facts are written for people, the same in `--batch`, the sweep and the app:
percentages, losses, durations, rates, the epoch line and the run header.

Plain strings only (no rich, no Textual, no torch), so every front end can use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_trainer.engine.events import EpochEnd, RunStarted

MISSING = "-"  # a value not known (yet)


def format_percent(value: float | None, decimals: int = 2) -> str:
    """0.9731 -> "97.31%"; `decimals=0` for narrow cells (a confusion matrix's recall)."""
    return MISSING if value is None else f"{value * 100:.{decimals}f}%"


def format_loss(value: float | None) -> str:
    return MISSING if value is None else f"{value:.4f}"


def format_number(value: float | None) -> str:
    """Four significant digits, for values of any scale (a regression loss, a metric)."""
    return MISSING if value is None else f"{value:.4g}"


def format_duration(seconds: float | None) -> str:
    """How long something took: "12.3s" under a minute, then "4:05" or "1:02:05"."""
    if seconds is None:
        return MISSING
    if seconds < 60:
        return f"{seconds:.1f}s"
    return format_clock(seconds)


def format_clock(seconds: float | None) -> str:
    """Whole seconds as "1:15" or "1:02:05" (a time left, a run's length)."""
    if seconds is None:
        return MISSING
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_rate(samples_per_sec: float) -> str:
    """The full figure: "12,345 samples/s"."""
    return f"{samples_per_sec:,.0f} samples/s"


def compact_rate(value: float) -> str:
    """A rate in at most five characters for a status line: "950", "12k", "1.2M"."""
    if value >= 1e6:
        return f"{value / 1e6:.1f}M"
    if value >= 1e4:
        return f"{value / 1e3:.0f}k"
    return f"{value:,.0f}"


def format_epoch_line(event: EpochEnd) -> str:
    """One finished epoch: `epoch 3/10  train_loss 0.4123  train_acc 87.50%  val_loss ...`."""
    parts = [
        f"epoch {event.epoch + 1}/{event.epochs}",
        f"train_loss {event.train_loss:.4f}",
    ]
    if event.train_accuracy is not None:
        parts.append(f"train_acc {format_percent(event.train_accuracy)}")
    parts.append(f"val_loss {event.val_loss:.4f}")
    if event.val_accuracy is not None:
        parts.append(f"val_acc {format_percent(event.val_accuracy)}")
    for key in ("val_mae", "val_r2"):
        if key in event.extra:
            parts.append(f"{key} {event.extra[key]:.4f}")
    parts += [f"lr {event.lr:.3g}", format_rate(event.samples_per_sec), f"{event.seconds:.2f}s"]
    return "  ".join(parts)


def run_header(event: RunStarted) -> list[str]:
    """What a run is, in three lines: the data, the model and its training, where it runs."""
    c = event.config
    hidden = ",".join(str(h) for h in c.model.hidden) or "none"
    return [
        event.meta.summary(),
        f"model: MLP hidden {hidden}, {c.model.activation}, {event.param_count:,} parameters; "
        f"loss {c.loss.name}; optimizer {c.optimizer.name} lr {c.optimizer.lr:g}",
        f"device: {event.device}; data: {event.loader}; {event.steps_per_epoch} steps/epoch × "
        f"{c.train.epochs} epochs",
    ]


def format_amount(what: str, done: int, total: int | None) -> str:
    """`3.1/9.9 MB` for downloads (counted in bytes), `120/500` for anything else."""
    if what.startswith("downloading"):
        mb = f"{done / 1e6:.1f}"
        return f"{mb}/{total / 1e6:.1f} MB" if total else f"{mb} MB"
    return f"{done}/{total}" if total else str(done)
