"""The signals that end tui-trainer, handled the same way everywhere: SIGINT (Ctrl-C), SIGTERM
(`kill`) and SIGHUP (the terminal or the SSH session closed).

Before a run has anything to save (imports, reading the config) a signal leaves at once with one
line and exit code 130; `cli.main` installs that first thing, so no import is ever cut off with a
KeyboardInterrupt traceback, nor killed silently with 143. Once a run trains, `--batch`, the sweep
and the app put their own "stop after the current batch and save" handlers over it.

Torch-free and Textual-free: imported on the way to `--help`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable
from typing import NoReturn

from tui_trainer.exit_codes import EXIT_INTERRUPTED

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
SIGNAL_NAMES: dict[int, str] = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}


def exit_interrupted(message: str) -> NoReturn:
    """Leave now with `message` as the one line on stderr. os._exit, not an exception: raised
    from a signal handler, an exception can land in a finalizer or an import, where Python prints
    a traceback and carries on. Every file tui-trainer writes is replaced atomically, so whatever
    is on disk is a complete earlier version."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    with contextlib.suppress(OSError):  # OSError: no terminal left to tell (SIGHUP)
        os.write(2, (message + "\n").encode())
    os._exit(EXIT_INTERRUPTED)


class ExitAtOnce:
    """Signal handler: leave with `message`, which the owner may update as the process goes on."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, signum, frame) -> None:
        exit_interrupted(self.message)


def set_exit_at_once_message(message: str) -> None:
    """Change what the early handler (`cli.main`'s `ExitAtOnce`) says, if it is the one in place:
    after a run, a signal cuts only the report short."""
    current = signal.getsignal(signal.SIGINT)
    if isinstance(current, ExitAtOnce):
        current.message = message


def handle_stop_signals(handler: Callable) -> Callable[[], None]:
    """Install `handler(signum, frame)` for every stop signal; returns the function that puts
    the previous handlers back. A signal the process was started with ignored stays ignored
    (`nohup tui-trainer --batch` keeps running when the session closes). Only the main thread
    can install handlers; elsewhere (a test's thread) this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig, old in previous.items():
        if old is not signal.SIG_IGN:
            signal.signal(sig, handler)

    def restore() -> None:
        for sig, old in previous.items():
            if old is not None:  # None: set from C; cannot be put back from Python
                signal.signal(sig, old)

    return restore


def handle_stop_signals_in_loop(loop, callback: Callable[[int], None]) -> Callable[[], None]:
    """The app's form of `handle_stop_signals`: each stop signal runs `callback(signum)` on the
    asyncio `loop`; returns the function that hands each signal back to its previous handler."""
    previous = {}
    for sig in STOP_SIGNALS:
        old = signal.getsignal(sig)
        if old is signal.SIG_IGN:  # nohup: the session may close, the process keeps going
            continue
        try:
            loop.add_signal_handler(sig, callback, sig)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # not the main thread, or a platform without loop signal handlers
        previous[sig] = old

    def restore() -> None:
        for sig, old in previous.items():
            try:
                loop.remove_signal_handler(sig)
                if old is not None:
                    signal.signal(sig, old)
            except (NotImplementedError, RuntimeError, ValueError):
                pass

    return restore


def exit_once_done(done: threading.Event, grace_s: float, message: str) -> None:
    """A safety net for when the terminal has closed: once `done` is set (the run is saved), give
    the normal exit `grace_s` seconds, then leave with 130 anyway. A terminal UI's exit writes to
    the terminal, and after a hang-up such a write can block forever."""

    def wait_then_exit() -> None:
        done.wait()
        time.sleep(grace_s)
        exit_interrupted(message)

    threading.Thread(target=wait_then_exit, name="exit-once-saved", daemon=True).start()


def silence_hung_up_terminal() -> None:
    """After SIGHUP the terminal is gone: writing to it fails with EIO, which would turn a clean
    stop into a failure. Point whichever of stdin/stdout/stderr was that terminal at /dev/null;
    a redirected log file or pipe keeps its output. (isatty() is no test here: on a hung-up
    terminal it fails, so any character device counts.)"""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    for fd in (0, 1, 2):
        try:
            if stat.S_ISCHR(os.fstat(fd).st_mode):
                os.dup2(devnull, fd)
        except OSError:
            pass
    os.close(devnull)
