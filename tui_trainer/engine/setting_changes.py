"""Settings a run may change part-way: while it is paused in the app, or when a stopped run is
continued with `--resume RUN --set ...`. Torch-free, so the app can check a change as it is typed.

The changeable fields steer the optimizer, the schedule and the batches without rebuilding the
model or reloading the data; everything else is locked for the run's life. A change takes effect
from the next optimizer step (a batch size from the next epoch: the current one is already cut
into batches). Each change is a `SettingChange`: a line of its own in metrics.jsonl
(`{"type": "change", "epoch": ..., "step": ..., "field": ..., "old": ..., "new": ...}`, between the
epochs' lines), kept in last.pt (the `ChangeLog` callback) so a resume keeps it, and the point
where the app draws a marker on the loss plot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tui_trainer.engine.config import TrainConfig, coerce, field_type, parse_value
from tui_trainer.engine.config_values import ConfigError, Problem

# In the order a change's log line lists them.
CHANGEABLE_FIELDS: tuple[str, ...] = (
    "optimizer.lr",
    "optimizer.momentum",
    "optimizer.betas",
    "optimizer.weight_decay",
    "optimizer.clip_grad_norm",
    "scheduler.name",
    "scheduler.step_size",
    "scheduler.gamma",
    "scheduler.patience",
    "dataset.batch_size",
    "train.accumulate_batches",
    "train.epochs",
    "train.patience",
)
# How long the run trains rather than how: these are logged when they change, but draw no marker
# (a resume could always change them).
RUN_LENGTH_FIELDS = frozenset({"train.epochs", "train.patience"})
CHANGE_RECORD = "change"  # the `type` of a change's line in metrics.jsonl


@dataclass(frozen=True)
class SettingChange:
    field: str  # `section.key`
    old: Any
    new: Any
    epoch: int  # 1-based: the epoch it took effect in
    step: int  # batches trained before it took effect: it applies from batch `step + 1`

    def as_record(self) -> dict[str, Any]:
        return {
            "type": CHANGE_RECORD,
            "epoch": self.epoch,
            "step": self.step,
            "field": self.field,
            "old": self.old,
            "new": self.new,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> SettingChange:
        """The change a metrics.jsonl / last.pt record holds; ValueError, KeyError or TypeError
        when the record is not one."""
        if record.get("type") != CHANGE_RECORD:
            raise ValueError("not a change record")
        return cls(
            str(record["field"]), record["old"], record["new"], int(record["epoch"]), int(record["step"])
        )

    def describe(self) -> str:
        return f"{self.field} {shown_value(self.old)} → {shown_value(self.new)}"


def shown_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ",".join(shown_value(v) for v in value)
    return str(value)


def is_change_record(record: Mapping[str, Any]) -> bool:
    return record.get("type") == CHANGE_RECORD


def changed_fields(old: TrainConfig, new: TrainConfig) -> list[tuple[str, Any, Any]]:
    """(field, old value, new value) for every changeable field that differs."""
    out = []
    for name in CHANGEABLE_FIELDS:
        section, key = name.split(".")
        before, after = getattr(getattr(old, section), key), getattr(getattr(new, section), key)
        if before != after:
            out.append((name, before, after))
    return out


def with_changes(config: TrainConfig, changes: Mapping[str, Any]) -> TrainConfig:
    """A copy of `config` with `changes` (`section.key` -> a value or its text) applied; a
    ConfigError names a field that cannot change during a run or a value of the wrong type."""
    new = config.copy()
    for name, value in changes.items():
        if name not in CHANGEABLE_FIELDS:
            raise ConfigError(
                f"{name} cannot change during a run (it needs a new model or new data); "
                f"fields that can: {', '.join(CHANGEABLE_FIELDS)}"
            )
        expected = field_type(name)
        if isinstance(value, str) and expected is not str:
            typed = parse_value(value.strip(), expected, name)
        else:
            typed = coerce(value, expected, name)
        section, key = name.split(".")
        setattr(getattr(new, section), key, typed)
    return new


def setting_change_problems(
    config: TrainConfig, changes: Mapping[str, Any], epochs_done: int = 0
) -> list[Problem]:
    """Why `changes` cannot be applied to a run with `config` that has finished `epochs_done`
    epochs: each a Problem under its field (the app shows it there); [] when they can."""
    out = []
    for name, value in changes.items():
        try:
            with_changes(config, {name: value})
        except ConfigError as exc:
            out.append(Problem(name, str(exc)))
    if out:
        return out
    new = with_changes(config, changes)
    before = set(config.problems())
    out = [problem for problem in new.problems() if problem not in before]
    if new.train.epochs != config.train.epochs and new.train.epochs <= epochs_done:
        out.append(
            Problem(
                "train.epochs",
                f"train.epochs must be above the {epochs_done} epochs already trained, "
                f"got {new.train.epochs}",
            )
        )
    return out


def merged_records(epoch_records: list[dict[str, Any]], changes: list[SettingChange]) -> list[dict[str, Any]]:
    """metrics.jsonl's lines in order: each change after the epochs finished before it."""
    keyed = [((int(r["epoch"]), 0), r) for r in epoch_records]
    keyed += [((c.epoch - 1, 1), c.as_record()) for c in changes]
    return [record for _, record in sorted(keyed, key=lambda item: item[0])]
