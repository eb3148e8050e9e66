"""Thread-safe run control and the loop's internal signals."""

from __future__ import annotations

import threading


class TrainingControl:
    """Pause, resume and stop a run from any thread; the loop polls it between batches."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._snapshots = threading.Event()

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
