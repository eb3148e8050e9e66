"""End to end through a real terminal: tmux runs the installed `tui-trainer` and we read the screen."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)"
)


def tui_trainer_command() -> str:
    script = shutil.which("tui-trainer")
    if script:
        return script
    return f"{sys.executable} -m tui_trainer"


class Tmux:
    def __init__(self, session: str) -> None:
        self.session = session

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def wait_for(self, text: str, timeout: float = 90.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} never appeared on the screen; last screen:\n{screen}")
            time.sleep(0.3)


@pytest.mark.slow
def test_app_in_tmux_trains_and_shows_confusion_matrix(tmp_path):
    session = f"tui-trainer-test-{os.getpid()}"
    output = tmp_path / "runs"
    env = (
        f"PYTHONPATH={REPO} OMP_NUM_THREADS=1 HOME={tmp_path} "
        f"XDG_CACHE_HOME={tmp_path / 'cache'} TERM=xterm-256color"
    )
    command = (
        f"env {env} {tui_trainer_command()} --output-dir {output} --set dataset.name=moons "
        f"--set dataset.n_samples=300 --set train.epochs=3 --set train.device=cpu; sleep 30"
    )
    tmux = Tmux(session)
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    tmux.run("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command)
    try:
        tmux.wait_for("ready — press s", timeout=120)
        for title in ("Dataset (d)", "Model (m)", "Training", "Confusion", "Samples"):  # tabs: "(t)" if wide
            tmux.wait_for(title, timeout=10)
        tmux.wait_for("2 classes")
        tmux.keys("s")
        tmux.wait_for("completed ·", timeout=120)
        tmux.keys("c")
        screen = tmux.wait_for("true\\pred")
        assert "precision" in screen and "recall" in screen
        tmux.keys("q")
        deadline = time.monotonic() + 30
        while not list(output.glob("*/summary.json")) and time.monotonic() < deadline:
            time.sleep(0.2)
        (summary,) = list(output.glob("*/summary.json"))
        assert json.loads(summary.read_text())["status"] == "completed"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


@pytest.mark.slow
def test_q_mid_run_leaves_the_resume_command_on_the_terminal(tmp_path):
    session = f"tui-trainer-quit-{os.getpid()}"
    output = tmp_path / "runs"
    env = (
        f"PYTHONPATH={REPO} OMP_NUM_THREADS=1 HOME={tmp_path} "
        f"XDG_CACHE_HOME={tmp_path / 'cache'} TERM=xterm-256color"
    )
    command = (
        f"env {env} {tui_trainer_command()} --output-dir {output} --set dataset.name=moons "
        f"--set dataset.n_samples=300 --set train.epochs=100000 --set train.device=cpu; "
        f"echo exit code $?; sleep 30"
    )
    tmux = Tmux(session)
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    tmux.run("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command)
    try:
        tmux.wait_for("ready — press s", timeout=120)
        tmux.wait_for("2 classes")
        tmux.keys("s")
        deadline = time.monotonic() + 120
        while not any(p.read_text().strip() for p in output.glob("*/metrics.jsonl")):
            assert time.monotonic() < deadline, "no epoch finished"
            time.sleep(0.2)
        tmux.keys("q")
        tmux.wait_for("exit code", timeout=60)
        # -J joins the lines the 100-column pane wrapped: the long path is one line again.
        lines = tmux.run("capture-pane", "-p", "-J", "-t", session).splitlines()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    (run_dir,) = [p for p in output.iterdir() if p.is_dir()]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "stopped" and (run_dir / "model.pt").exists()
    printed = [line.rstrip() for line in lines if line.strip()]
    assert printed[-3:] == [
        f"tui-trainer: run stopped after epoch {summary['epochs_done']}, saved in {run_dir}",
        f"resume with: tui-trainer --resume {run_dir}",
        "exit code 130",
    ], "\n".join(lines)
