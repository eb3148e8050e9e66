"""The terminal of a training run closes (an SSH session ends): the real app, or `--batch` with its
live progress bar, under a pseudo-terminal whose controlling side we close, which makes the kernel
send it SIGHUP."""

import fcntl
import json
import os
import pty
import select
import struct
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
import torch

from tui_trainer.engine.checkpoint import epochs_done, load_checkpoint

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not hasattr(os, "forkpty"), reason="needs a POSIX pseudo-terminal")


class AppInPty:
    """`python -m tui_trainer ARGS` as the session leader of a new 100x30 pseudo-terminal."""

    def __init__(self, args: list[str], env: dict) -> None:
        pid, self.fd = pty.fork()
        if pid == 0:  # the child: its stdin/stdout/stderr are the terminal
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
                os.execve(sys.executable, [sys.executable, "-m", "tui_trainer", *args], env)
            finally:
                os._exit(127)
        self.pid = pid
        self.output = bytearray()
        self._reading = True
        # The app blocks once the terminal's buffer is full: read everything it draws.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while self._reading:
            if select.select([self.fd], [], [], 0.05)[0]:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.output += chunk

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def hang_up(self) -> None:
        """Close the terminal's controlling side, as sshd does when the connection drops."""
        self._reading = False
        self._reader.join()
        os.close(self.fd)

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            time.sleep(0.05)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        pytest.fail(f"the app was still running {timeout}s after the hang-up")


def epochs_written(output: Path) -> int:
    files = list(output.glob("*/metrics.jsonl"))
    return len(files[0].read_text().splitlines()) if files else 0


@pytest.mark.slow
def test_sighup_mid_run_stops_after_the_batch_saves_everything_and_exits_130(tmp_path):
    output = tmp_path / "runs"
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        OMP_NUM_THREADS="1",
        HOME=str(tmp_path),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        TERM="xterm-256color",
    )
    app = AppInPty(
        [
            "--output-dir",
            str(output),
            "--set",
            "dataset.name=moons",
            "--set",
            "dataset.n_samples=300",
            "--set",
            "train.epochs=100000",
            "--set",
            "train.device=cpu",
        ],
        env,
    )
    try:
        deadline = time.monotonic() + 120
        while epochs_written(output) < 1:  # `s` until the run trains (keys before the app is up are dropped)
            assert time.monotonic() < deadline, f"no epoch finished; the app drew:\n{app.output[-2000:]!r}"
            if not list(output.glob("*/config.toml")):
                app.type("s")
            time.sleep(0.3)
        app.hang_up()
        code = app.wait(timeout=60)
    finally:
        try:
            os.kill(app.pid, 9)
            os.waitpid(app.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    assert code == 130
    (run_dir,) = [p for p in output.iterdir() if p.is_dir()]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert len((run_dir / "metrics.jsonl").read_text().splitlines()) == summary["epochs_done"] >= 1
    assert torch.load(run_dir / "model.pt", weights_only=True)["state_dict"]
    assert epochs_done(load_checkpoint(run_dir / "last.pt")) == summary["epochs_done"]


def test_sighup_from_a_closed_terminal_stops_batch_with_complete_files(tmp_path):
    output = tmp_path / "runs"
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", TERM="xterm-256color")
    run = AppInPty(
        [
            "--batch",
            "--output-dir",
            str(output),
            "--set",
            "dataset.name=moons",
            "--set",
            "dataset.n_samples=300",
            "--set",
            "train.epochs=100000",
            "--set",
            "train.device=cpu",
        ],
        env,
    )
    try:
        deadline = time.monotonic() + 120
        while epochs_written(output) < 1:
            assert time.monotonic() < deadline, f"no epoch finished; the run printed:\n{run.output[-2000:]!r}"
            time.sleep(0.05)
        run.hang_up()  # the progress bar is drawing: its next write meets the closed terminal
        code = run.wait(timeout=60)
    finally:
        try:
            os.kill(run.pid, 9)
            os.waitpid(run.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    assert code == 130
    (run_dir,) = [p for p in output.iterdir() if p.is_dir()]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "stopped"
    assert epochs_done(load_checkpoint(run_dir / "last.pt")) == summary["epochs_done"] >= 1
    assert torch.load(run_dir / "model.pt", weights_only=True)["state_dict"]
