"""How numbers and run facts are written for people, the same in `--batch`, the sweep and the app:
percentages, losses, durations, rates, the epoch line and the run header.

Plain strings only (no rich, no Textual, no torch), so every front end can use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_trainer.engine.events import BatchEnd, EpochEnd, RunStarted

MISSING = "-"  # a value not known (yet)


def format_percent(value: float | None, decimals: int = 2) -> str:
    """0.9731 -> "97.31%"; `decimals=0` for narrow cells (a confusion matrix's recall)."""
    return MISSING if value is None else f"{value * 100:.{decimals}f}%"


def format_count(value: int) -> str:
    """A count with thousands separators: 10000 -> "10,000"."""
    return f"{value:,}"


def format_loss(value: float | None) -> str:
    return MISSING if value is None else f"{value:.4f}"


def format_lr(value: float | None) -> str:
    """A learning rate in three significant digits: "0.00316", "1e-07", "10"."""
    return MISSING if value is None else f"{value:.3g}"


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


def format_short_count(n: int) -> str:
    """A large count in a few characters: "950", "12.3k", "4.1M", "1.2G"."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= limit:
            return f"{n / limit:.1f}{suffix}"
    return str(n)


def compact_rate(value: float) -> str:
    """A rate in at most five characters for a status line: "950", "12k", "1.2M"."""
    if value >= 1e6:
        return f"{value / 1e6:.1f}M"
    if value >= 1e4:
        return f"{value / 1e3:.0f}k"
    return f"{value:,.0f}"


def format_progress_stats(event: BatchEnd) -> str:
    """A progress report for a bar: `loss 0.4123  acc 87.50%  clipped 12%  12,345 samples/s`
    (accuracy for classification, the clipped share of updates when clipping is on)."""
    stats = f"loss {event.loss:.4f}"
    if event.accuracy is not None:
        stats += f"  acc {format_percent(event.accuracy)}"
    if event.clipped_fraction is not None:
        stats += f"  clipped {format_percent(event.clipped_fraction, 0)}"
    return f"{stats}  {format_rate(event.samples_per_sec)}"


def format_epoch_line(event: EpochEnd) -> str:
    """One finished epoch in at most 80 columns, so a log line never wraps in a terminal:
    `epoch  3/10  train 0.4123 87.5%  val 0.4567 86.2%  lr 0.001  85k/s` (a regression set shows
    R² and MAE instead of accuracy; each epoch's seconds are in metrics.jsonl)."""
    width = len(str(event.epochs))
    train = f"train {_epoch_loss(event.train_loss)}"
    if event.train_accuracy is not None:
        train += f" {format_percent(event.train_accuracy, 1)}"
    val = f"val {_epoch_loss(event.val_loss)}"
    if event.val_accuracy is not None:
        val += f" {format_percent(event.val_accuracy, 1)}"
    if "val_r2" in event.extra:
        val += f" R² {event.extra['val_r2']:.3f}"
    if "val_mae" in event.extra:
        val += f" MAE {event.extra['val_mae']:.4g}"
    parts = [
        f"epoch {event.epoch + 1:>{width}}/{event.epochs}",
        train,
        val,
        f"lr {event.lr:.3g}",
        f"{compact_rate(event.samples_per_sec)}/s",
    ]
    return "  ".join(parts)


def _epoch_loss(value: float) -> str:
    # Four decimals where they matter (a classifier's loss); four digits for a large regression MSE.
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.4g}"


def run_header(event: RunStarted) -> list[str]:
    """What a run is, in three lines: the data, the model and its training, where it runs."""
    c = event.config
    if c.model.layers:
        network = f"layers {c.model.architecture()}"
    else:
        network = "MLP hidden " + (",".join(str(h) for h in c.model.hidden) or "none")
    return [
        event.meta.summary(),
        f"model: {network}, {c.model.activation}, {event.param_count:,} parameters; "
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


def format_coefficient(value: float | None) -> str:
    """A fitted coefficient: two decimals ("2.00"), or three significant digits where two
    decimals would hide it ("0.000312", "1.5e+07")."""
    if value is None:
        return MISSING
    return f"{value:.2f}" if value == 0 or 0.01 <= abs(value) < 1e6 else f"{value:.3g}"


def format_linear_equation(
    coefficients: list[float], intercept: float, names: list[str], target: str = "y"
) -> str:
    """A linear model's fitted equation: `y = 2.00·x + 1.00`, `y = 0.50·x1 - 3.00·x2 - 1.25`."""
    terms = []
    for index, (value, name) in enumerate(zip(coefficients, names, strict=True)):
        if index == 0:
            terms.append(f"{format_coefficient(value)}·{name}")
        else:
            terms.append(f"{'-' if value < 0 else '+'} {format_coefficient(abs(value))}·{name}")
    terms.append(f"{'-' if intercept < 0 else '+'} {format_coefficient(abs(intercept))}")
    return f"{target} = " + " ".join(terms)


def format_ticks(values: list[float]) -> list[str]:
    """Labels for evenly spaced axis ticks, as short as tells them apart: `0.5 1.0 1.5`, `200 400`,
    `2e+15 4e+15` (a diverged loss)."""
    if not values:
        return []
    step = min((abs(b - a) for a, b in zip(values, values[1:], strict=False) if b != a), default=0.0)
    values = [0.0 if abs(v) <= step * 1e-9 else v for v in values]  # -0.0 or 1e-17 from adding steps
    if max(abs(v) for v in values) < 1e5 and (step == 0.0 or step >= 1e-4):
        for decimals in range(5):
            labels = [f"{v:.{decimals}f}" for v in values]
            if all(abs(float(label) - v) <= step * 1e-3 for label, v in zip(labels, values, strict=True)):
                return labels
    for digits in range(1, 5):
        labels = [f"{v:.{digits}g}" for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return [f"{v:.4g}" for v in values]


def format_live_loss(value: float) -> str:
    """The newest loss on a status line: four decimals, four digits when large (a diverging run)."""
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.4g}"
