"""Thread-safe run control and the loop's internal signals."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from tui_trainer.engine.config_values import ConfigError
from tui_trainer.engine.setting_changes import CHANGEABLE_FIELDS


class TrainingControl:
    """Pause, resume and stop a run from any thread, and change its settings; the loop polls it
    between batches."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._snapshots = threading.Event()
        self._lock = threading.Lock()
        self._changes: dict[str, Any] = {}

    def request_model_snapshots(self) -> None:
        """Ask for a `ModelSnapshot` event after each epoch's evaluation (the app's Try tab
        predicts with it); runs nobody asks pay nothing for them."""
        self._snapshots.set()

    @property
    def model_snapshots_requested(self) -> bool:
        return self._snapshots.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()  # a paused loop must wake up to notice the stop

    def wait_running(self, timeout: float) -> None:
        self._running.wait(timeout)

    def request_changes(self, changes: Mapping[str, Any]) -> None:
        """Change settings of the running (or paused) run from its next optimizer step:
        `section.key` -> a value or its text, for the fields in `CHANGEABLE_FIELDS`. The trainer
        checks the values when it applies them and reports the outcome as a LogMessage (an error
        one when a value is refused); `setting_change_problems` checks them beforehand. Later
        requests for the same field replace earlier ones not yet applied."""
        locked = [name for name in changes if name not in CHANGEABLE_FIELDS]
        if locked:
            raise ConfigError(
                f"{locked[0]} cannot change during a run; fields that can: {', '.join(CHANGEABLE_FIELDS)}"
            )
        with self._lock:
            self._changes.update(changes)

    def take_changes(self) -> dict[str, Any]:
        """The requested changes not yet applied, handed over once."""
        with self._lock:
            changes, self._changes = self._changes, {}
        return changes

    @property
    def has_changes(self) -> bool:
        return bool(self._changes)

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()


class NonFiniteLoss(Exception):
    def __init__(self, step: int, value: float):
        super().__init__(step, value)
        self.step = step
        self.value = value


class StopRun(Exception):
    """Raised inside the loop when a stop was requested; the partial epoch is abandoned."""
