"""Hands engine events from the training thread to the UI thread, a batch at a time.

The engine calls `put` on its own thread; the app drains the buffer on a timer, so the number of
redraws a second is set by the timer, not by how fast the loop reports. Consecutive progress
reports are merged into one, keeping every step's loss for the plot.
"""

from __future__ import annotations

import threading

from tui_trainer.engine.events import BatchEnd, DataProgress, merge_batches


class EventBuffer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list = []

    def put(self, event) -> None:
        with self._lock:
            last = self._events[-1] if self._events else None
            if isinstance(event, BatchEnd) and isinstance(last, BatchEnd):
                self._events[-1] = merge_batches(last, event)
            elif isinstance(event, DataProgress) and isinstance(last, DataProgress):
                self._events[-1] = event
            else:
                self._events.append(event)

    def drain(self) -> list:
        with self._lock:
            events, self._events = self._events, []
        return events

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)
