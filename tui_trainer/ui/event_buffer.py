"""Hands engine events from the training thread to the UI thread, a batch at a time.

The engine calls `put` on its own thread; the app drains the buffer on a timer, so the number of
redraws a second is set by the timer, not by how fast the loop reports. Consecutive progress
reports are merged into one, keeping every step's loss for the plot.
"""

from __future__ import annotations

import threading

from tui_trainer.engine import BatchEnd, DataProgress, merge_batches

# Event types whose consecutive reports fold into one: (earlier, later) -> the one kept.
MERGERS = {
    BatchEnd: merge_batches,
    DataProgress: lambda earlier, later: later,
}


class EventBuffer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list = []

    def put(self, event) -> None:
        with self._lock:
            merge = MERGERS.get(type(event))
            if merge is not None and self._events and type(self._events[-1]) is type(event):
                self._events[-1] = merge(self._events[-1], event)
            else:
                self._events.append(event)

    def drain(self) -> list:
        with self._lock:
            events, self._events = self._events, []
        return events

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)
