"""Keep the cyclic garbage collector away from the objects the imports create.

Importing torch and the modules its optimizers pull in (torch._dynamo, sympy) leaves ~330,000
objects tracked by the garbage collector. Every full collection walks all of them: 150 ms on an
idle core, ~250 ms while training holds the other, every few seconds in the app (whose redraws
keep making objects that survive). Those pauses were the app's slowest key presses. Moving the
objects to the permanent generation (`gc.freeze`) takes them out of every later collection.

Freezing happens once, after the imports and before the first run's objects exist: anything frozen
is never collected if it later becomes cyclic garbage, and a run's model or data must be.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_imported_objects() -> bool:
    """Freeze what exists now, the first time only; True if this call froze them. Callers: the
    start-up preload when it finishes, and each training thread before it builds its trainer
    (whichever comes first wins, so no run's objects are ever frozen)."""
    global _frozen
    with _lock:
        if _frozen:
            return False
        gc.freeze()
        _frozen = True
        return True
