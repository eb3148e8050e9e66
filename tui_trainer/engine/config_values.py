"""From TOML files and `--set` text to config field values, with every numeric field's bounds.

The bounds sit far beyond any sensible run but low enough that each value fits the C types torch
and the OS use (64-bit integers, float32 data and weights): a typo such as `model.hidden=1e300`
or `train.epochs=10**400` then fails here, in one line naming the field and its range, instead
of deep inside torch (a 1.4 KB C++ message) or as an OverflowError mid-run. README.md
("Configuration") lists the same bounds. Lower bounds keep their own messages in `config.py`.

Torch-free; `config.py` builds the dataclasses on top of this module and re-exports its names.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin


class ConfigError(ValueError):
    """A user-facing, one-line problem with the configuration. The message names the field; `field`
    (`section.key`), when given, is the field the app shows it under."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Problem:
    """One problem with a config: the field it belongs to (`section.key`) and a one-line message
    that names it. The app shows the message under that field."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


# Generated toy sets live in memory: beyond this a typo would exhaust RAM instead of erroring.
MAX_TOY_SAMPLES = 10_000_000
# Hidden-to-hidden weights of the MLP: 10**10 float32 weights are 40 GB, 120 GB with Adam's two
# moment buffers, more than any single accelerator holds.
MAX_HIDDEN_WEIGHTS = 10**10
MAX_HIDDEN_LAYERS = 1_000

# field: (lowest, highest) allowed. The low end is only used to word the message.
LIMITS: dict[str, tuple[float, float]] = {
    "dataset.batch_size": (1, 10_000_000),
    "dataset.n_samples": (4, MAX_TOY_SAMPLES),
    # Toy sets live in [-3, 3]: noise 100 already buries any pattern; 1e300 overflows float32.
    "dataset.noise": (0, 100),
    # A 4096×4096 RGB image is 50 MB as uint8; larger sizes only exhaust memory.
    # The linear toy's line and x range: far beyond a tutorial's numbers, and y stays finite in
    # float32 (1e6 · 1e6 + 1e6).
    "dataset.slope": (-1_000_000, 1_000_000),
    "dataset.intercept": (-1_000_000, 1_000_000),
    "dataset.x_min": (-1_000_000, 1_000_000),
    "dataset.x_max": (-1_000_000, 1_000_000),
    "dataset.image_size": (4, 4096),
    "dataset.num_workers": (0, 256),
    "model.hidden": (1, 1_000_000),
    # Sensible learning rates are 1e-5..1; 100 is already divergent for every optimizer here.
    "optimizer.lr": (0, 100),
    # Momentum above 1 makes past gradients grow instead of fade.
    "optimizer.momentum": (0, 1),
    # Sensible weight decay is 0..0.1; at 10 the penalty dwarfs any loss and training diverges.
    "optimizer.weight_decay": (0, 10),
    # Gradient norms of these models are 1e-3..1e2; a bound past 1e6 never clips anything.
    "optimizer.clip_grad_norm": (0, 1_000_000),
    "scheduler.step_size": (1, 1_000_000),
    "scheduler.patience": (0, 1_000_000),
    "train.epochs": (1, 1_000_000),
    "train.patience": (0, 1_000_000),
    "train.seed": (0, 2**63 - 1),
    # One hour between progress reports: beyond that the UI would look frozen.
    "train.report_every_ms": (10, 3_600_000),
    "train.n_samples_shown": (0, 10_000),
    # A day: a longer gap would let a kill -9 lose more than a day's training.
    "train.checkpoint_every_s": (0, 86_400),
    # An effective batch of batch_size × 10,000 is past any data set trained here.
    "train.accumulate_batches": (1, 10_000),
    "train.overfit_batches": (0, 1_000_000),
}
# Fields that may be negative: their lower bound is checked here too.
SIGNED_FIELDS = frozenset({"dataset.slope", "dataset.intercept", "dataset.x_min", "dataset.x_max"})
# Integer fields where `auto` is written as 0 (the value is chosen from the data at set-up).
AUTO_ZERO_FIELDS = frozenset({"train.epochs"})
# Integers outside this range do not fit the 64-bit C integers torch, time and the OS use.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SHOWN_CHARS = 40


def shown(value: Any) -> str:
    """A value as it goes into a one-line message: a 400-digit number is clipped, not printed."""
    try:
        text = value if isinstance(value, str) else repr(value)
    except ValueError:  # an int over Python's 4,300-digit str() limit
        return "a number with thousands of digits"
    digits = text.strip().lstrip("+-")
    if digits.isdigit() and len(text) > SHOWN_CHARS:
        return f"{text.strip()[:8]}… ({len(digits):,} digits)"
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def range_text(name: str) -> str:
    low, high = LIMITS[name]
    return f"between {low:,} and {high:,}"


def out_of_int64(name: str, value: int, raw: str | None = None) -> str | None:
    """The message for an integer too big for C, or None when it fits."""
    if INT64_MIN <= value <= INT64_MAX:
        return None
    allowed = range_text(name) if name in LIMITS else f"between {INT64_MIN:,} and {INT64_MAX:,}"
    return f"{name} must be {allowed}, got {shown(raw if raw is not None else value)}"


def limit_problems(config: Any) -> list[tuple[str, str]]:
    """Every value above its field's upper bound (or below the lower one, for signed fields):
    (field, one line with the field's range)."""
    out: list[tuple[str, str]] = []
    for name, (low, high) in LIMITS.items():
        section, key = name.split(".")
        values = getattr(getattr(config, section), key)
        lowest = low if name in SIGNED_FIELDS else float("-inf")
        for value in values if isinstance(values, list) else [values]:
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if number and not lowest <= value <= high:
                out.append((name, f"{name} must be {range_text(name)}, got {shown(value)}"))
                break
    hidden = [h for h in config.model.hidden if isinstance(h, int) and not isinstance(h, bool)]
    if len(config.model.hidden) > MAX_HIDDEN_LAYERS:
        out.append(
            (
                "model.hidden",
                f"model.hidden has {len(config.model.hidden):,} layers; at most "
                f"{MAX_HIDDEN_LAYERS:,} are allowed",
            )
        )
    elif all(0 < h <= LIMITS["model.hidden"][1] for h in hidden):
        weights = sum(a * b for a, b in zip(hidden, hidden[1:], strict=False))
        if weights > MAX_HIDDEN_WEIGHTS:
            out.append(
                (
                    "model.hidden",
                    f"model.hidden {shown(','.join(map(str, hidden)))} needs {weights:,} weights "
                    "between its layers; "
                    f"at most {MAX_HIDDEN_WEIGHTS:,} fit in memory, use smaller layers",
                )
            )
    return out


# Byte-order marks of the encodings Windows tools write: PowerShell's `>` writes UTF-16 LE,
# Notepad may add a UTF-8 BOM. UTF-32 first, as its LE mark starts with UTF-16 LE's.
BYTE_ORDER_MARKS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def parse_toml(raw: bytes, path: Path) -> dict[str, Any]:
    encoding = next((name for mark, name in BYTE_ORDER_MARKS if raw.startswith(mark)), "utf-8")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not {encoding.upper().replace('-SIG', '')} text (byte {exc.start}); save it as UTF-8"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path} is not a usable config: its values are nested too deeply") from None
    except ValueError as exc:  # e.g. an integer over Python's 4,300-digit limit
        reason = (
            "an integer has more than 4,300 digits"
            if "digits" in str(exc)
            else shown(" ".join(str(exc).split()))
        )
        raise ConfigError(f"{path} is not a usable config: {reason}") from None


def coerce(value: Any, expected: Any, name: str) -> Any:
    """Check a TOML value against the field type, allowing the lossless int→float widening."""
    origin = get_origin(expected)
    if origin is list:
        (item_type,) = get_args(expected)
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            raise ConfigError(f"{name} must be a list, got {shown(value)}")
        return [coerce(v, item_type, name) for v in value]
    if expected is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{name} must be true or false, got {shown(value)}")
    if expected is int:
        if name in AUTO_ZERO_FIELDS and value == "auto":
            return 0
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return _fits_int64(value, name)
        raise ConfigError(f"{name} must be an integer, got {shown(value)}")
    if expected is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                number = float(value)
            except OverflowError:  # an integer beyond float range, e.g. 10**400
                number = float("inf")
            if number != number or number in (float("inf"), float("-inf")):
                raise ConfigError(f"{name} must be a finite number, got {shown(value)}")
            return number
        raise ConfigError(f"{name} must be a number, got {shown(value)}")
    if expected is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{name} must be a string, got {shown(value)}")
    raise ConfigError(f"{name}: unsupported type {expected!r}")  # pragma: no cover


def parse_value(raw: str, expected: Any, name: str) -> Any:
    """Parse a command-line / text-field string into the field's type, with a one-line error."""
    origin = get_origin(expected)
    if origin is list:
        (item_type,) = get_args(expected)
        parts = [p.strip() for p in raw.strip("[]").split(",")] if raw.strip("[] ") else []
        if any(p == "" for p in parts):
            raise ConfigError(f"{name}: empty item in list {shown(repr(raw))} (use e.g. 256,128)")
        return [parse_value(p, item_type, name) for p in parts]
    if expected is bool:
        low = raw.lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        raise ConfigError(f"{name} must be true or false, got {shown(repr(raw))}")
    if expected is int:
        if name in AUTO_ZERO_FIELDS and raw.strip().lower() == "auto":
            return 0
        return _fits_int64(_parse_int(raw, name), name, raw)
    if expected is float:
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {shown(repr(raw))}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ConfigError(f"{name} must be a finite number, got {shown(repr(raw))}")
        return value
    if expected is str:
        return raw
    raise ConfigError(f"{name}: unsupported type")  # pragma: no cover


def _parse_int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:  # not an integer literal, or one over Python's 4,300-digit limit
        pass
    if raw.strip().lstrip("+-").isdigit():
        return INT64_MAX + 1  # digits only: too long for int(), and far too large anyway
    try:
        as_float = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {shown(repr(raw))}") from None
    if not as_float.is_integer():  # also inf and nan
        raise ConfigError(f"{name} must be an integer, got {shown(repr(raw))}")
    return int(as_float)


def _fits_int64(value: int, name: str, raw: str | None = None) -> int:
    message = out_of_int64(name, value, raw)
    if message:
        raise ConfigError(message)
    return value
