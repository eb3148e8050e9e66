"""A thread per worker, ended when the work ends, for the app's thread workers.

Textual runs thread workers on asyncio's default executor, whose threads live on. Every thread
that has run an OpenMP-parallel torch kernel (loading a dataset's metadata, the start-up
warm-up, a finished run) keeps its own OpenMP thread team; once the teams' threads outnumber
the CPU cores, libgomp stops spin-waiting between parallel regions and each small kernel of the
training thread pays a sleep/wake-up: training in the app ran ~5× slower than `--batch` on 2
cores (README, Performance). A thread that exits releases its team, so each worker gets a fresh
thread that ends with it. Workers are few and long (a run, a metadata load), so thread start-up
costs nothing measurable.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor


class ThreadPerTaskExecutor(ThreadPoolExecutor):
    """asyncio accepts only ThreadPoolExecutor subclasses as its default executor; the pool
    itself is never used (submit and shutdown are replaced)."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self._live_threads: set[threading.Thread] = set()
        self._live_lock = threading.Lock()
        self._closed = False

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()

        def run() -> None:
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as exc:  # handed to whoever awaits the future
                    future.set_exception(exc)
            with self._live_lock:
                self._live_threads.discard(threading.current_thread())

        with self._live_lock:
            if self._closed:
                raise RuntimeError("cannot schedule new work after shutdown")
            thread = threading.Thread(target=run, name="tui-trainer-worker", daemon=True)
            self._live_threads.add(thread)
        thread.start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False)
        with self._live_lock:
            self._closed = True
            threads = list(self._live_threads)
        if wait:
            for thread in threads:
                thread.join()
