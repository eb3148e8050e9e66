"""The space of a hyperparameter search: `--search KEY=SPEC` arguments parsed and checked against
the base config, and the config of one trial. Torch-free and Optuna-free, so a bad search is
refused before anything is imported or started.

Syntax of one `--search section.field=SPEC`:
- a range of a number field: `LOW..HIGH`, sampled uniformly, or `LOW..HIGH:log`, uniformly in
  log space (both ends > 0), e.g. `optimizer.lr=1e-4..1e-1:log`, `model.dropout=0..0.5`,
  `dataset.batch_size=16..256:log` (an integer field samples integers);
- a choice among values, written as `--sweep` writes its values: `,` between scalar values
  (`optimizer.name=adam,sgd`), `|` between the values of a list field
  (`model.hidden=64|128,64|256,128`); at least two values.
Every end and every choice must make a valid config on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import get_origin

from tui_trainer.engine.config import ConfigError, TrainConfig, field_type, parse_value
from tui_trainer.engine.sweep_grid import compact_value, parse_axis

RANGE_SEPARATOR = ".."
LOG_SUFFIX = ":log"

FLOAT = "float"
INT = "int"
CHOICE = "choice"


@dataclass(frozen=True)
class SearchParam:
    key: str  # section.field
    kind: str  # FLOAT, INT or CHOICE
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    choices: tuple[str, ...] = ()  # each as `--set` accepts it

    def describe(self) -> str:
        """The parameter as the search's header line shows it: `optimizer.lr 1e-4..0.1 log`."""
        if self.kind == CHOICE:
            return f"{self.key} {' | '.join(self.choices)}"
        return f"{self.key} {self.low:g}..{self.high:g}{' log' if self.log else ''}"

    def as_text(self, value: object) -> str:
        """A sampled value as it is shown and named: floats to four significant digits."""
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    def as_dict(self) -> dict[str, object]:
        if self.kind == CHOICE:
            return {"key": self.key, "kind": self.kind, "choices": list(self.choices)}
        return {"key": self.key, "kind": self.kind, "low": self.low, "high": self.high, "log": self.log}


def parse_search_param(spec: str) -> SearchParam:
    """One `--search` argument; raises ConfigError with one line naming the spec and the fix."""
    if "=" not in spec:
        raise ConfigError(
            f"--search {spec!r}: expected section.field=LOW..HIGH or section.field=A,B "
            "(e.g. optimizer.lr=1e-4..1e-1:log)"
        )
    key, raw = (part.strip() for part in spec.split("=", 1))
    if key.count(".") != 1 or not all(key.split(".")):
        raise ConfigError(f"--search {spec!r}: the key must look like section.field (e.g. optimizer.lr)")
    try:
        expected = field_type(key)
    except ConfigError as exc:
        raise ConfigError(f"--search {spec!r}: {exc}") from None
    if RANGE_SEPARATOR not in raw:
        if raw.endswith(LOG_SUFFIX):
            raise ConfigError(f"--search {spec!r}: :log applies to ranges only (e.g. {key}=1e-4..1e-1:log)")
        axis = parse_axis(spec, flag="--search")
        if len(axis.texts) < 2:
            raise ConfigError(
                f"--search {spec!r}: give a range (LOW..HIGH) or at least two values; "
                f"for one fixed value use --set {key}={raw}"
            )
        return SearchParam(key, CHOICE, choices=axis.texts)
    if expected not in (int, float):
        what = "a list" if get_origin(expected) is list else f"a {getattr(expected, '__name__', expected)}"
        separator = "|" if get_origin(expected) is list else ","
        raise ConfigError(
            f"--search {spec!r}: {key} is {what} field, so it takes choices, not a range "
            f"(e.g. {key}=A{separator}B)"
        )
    log = raw.endswith(LOG_SUFFIX)
    bounds = raw.removesuffix(LOG_SUFFIX) if log else raw
    if ":" in bounds:
        raise ConfigError(f"--search {spec!r}: the only option after a range is :log")
    low_text, high_text = (part.strip() for part in bounds.split(RANGE_SEPARATOR, 1))
    if not low_text or not high_text:
        raise ConfigError(f"--search {spec!r}: a range needs both ends, e.g. {key}=1e-4..1e-1")
    try:
        low, high = (parse_value(text, expected, key) for text in (low_text, high_text))
    except ConfigError as exc:
        raise ConfigError(f"--search {spec!r}: {exc}") from None
    if low >= high:
        raise ConfigError(
            f"--search {spec!r}: the low end must be below the high end ({key}={high_text}..{low_text}?)"
        )
    if log and low <= 0:
        raise ConfigError(
            f"--search {spec!r}: a :log range must start above 0 (e.g. {key}=1e-5..{high_text}:log)"
        )
    return SearchParam(key, INT if expected is int else FLOAT, float(low), float(high), log)


def parse_search_space(
    specs: Sequence[str], base: TrainConfig, set_keys: Sequence[str] = ()
) -> list[SearchParam]:
    """Every `--search` argument, each key once, none also `--set`, every end and choice valid
    on `base`; raises ConfigError with one line saying what to fix."""
    space = [parse_search_param(spec) for spec in specs]
    fixed = {k.split("=", 1)[0].strip() for k in set_keys}
    seen: set[str] = set()
    for param, spec in zip(space, specs, strict=True):
        if param.key in seen:
            raise ConfigError(f"--search {param.key} is given twice; keep one --search per field")
        if param.key in fixed:
            raise ConfigError(f"{param.key} is both --set and --search; keep only one of them")
        seen.add(param.key)
        ends = (
            param.choices
            if param.kind == CHOICE
            else (_number_text(param, param.low), _number_text(param, param.high))
        )
        for text in ends:
            config = base.copy()
            try:
                config.set(f"{param.key}={text}")
                config.check()
            except ConfigError as exc:
                raise ConfigError(f"--search {spec!r}: with {param.key}={text}: {exc}") from None
    return space


def trial_config(base: TrainConfig, values: Mapping[str, object]) -> TrainConfig:
    """`base` with a trial's sampled values (exact floats, not their shown text); checked."""
    config = base.copy()
    for key, value in values.items():
        config.set(f"{key}={value!r}" if isinstance(value, float) else f"{key}={value}")
    return config.check()


def trial_run_name(number: int, width: int, texts: Mapping[str, str]) -> str:
    """Short, unique, file-safe: t07-lr0.003142-hidden128x64-dropout0.21."""
    parts = [f"t{number:0{width}d}"]
    for key, text in texts.items():
        parts.append(key.split(".", 1)[1].replace("_", "") + compact_value(text))
    return "-".join(parts)


def _number_text(param: SearchParam, value: float) -> str:
    return str(int(value)) if param.kind == INT else repr(value)
