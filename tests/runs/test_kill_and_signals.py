"""Process-level faults: SIGKILL during checkpoint writes; Ctrl-C, SIGTERM and SIGHUP in --batch,
from the first moment tui-trainer's code runs to the middle of training."""

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from runs_helpers import read_metrics, read_summary

from tui_trainer.engine.checkpoint import epochs_done, load_checkpoint, save_checkpoint
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.rundir.past_runs import list_runs
from tui_trainer.exit_codes import EXIT_INTERRUPTED, EXIT_OK

REPO = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent(
    """
    import sys, torch
    from tui_trainer.engine.checkpoint import CHECKPOINT_FORMAT, save_checkpoint
    path = sys.argv[1]
    weights = torch.randn(512, 512)  # about 1 MB, so a kill often lands inside a write
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        w = weights * n
        save_checkpoint(path, {"format": CHECKPOINT_FORMAT, "epoch": n, "w": w, "sum": float(w.sum())})
    """
)


def child_env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


@pytest.mark.slow
def test_sigkill_during_checkpoint_writes_always_leaves_a_loadable_last_pt(tmp_path):
    last = tmp_path / "last.pt"
    save_checkpoint(last, {"format": 1, "epoch": 0})
    rng = random.Random(1234)
    epochs_seen = []
    for _ in range(3):  # each kill lands at a random point of the write loop
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(last)], stdout=subprocess.PIPE, env=child_env(), text=True
        )
        try:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.05, 0.5))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        payload = load_checkpoint(last)  # raises if the file were torn
        if payload["epoch"]:
            assert float(payload["w"].sum()) == payload["sum"], "weights and their checksum disagree"
        epochs_seen.append(payload["epoch"])
    assert max(epochs_seen) > 0, "the child never completed a write; the test did not exercise kills"


def start_batch(runs_dir, *extra):
    args = [
        sys.executable,
        "-m",
        "tui_trainer",
        "--batch",
        "--set",
        "dataset.name=digits",
        "--set",
        "dataset.batch_size=8",
        "--set",
        "model.hidden=32",
        "--set",
        "train.epochs=400",
        "--set",
        "train.device=cpu",
        "--output-dir",
        str(runs_dir),
        *extra,
    ]
    return subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(), text=True, cwd=REPO
    )


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_interrupting_batch_saves_valid_files_exits_130_and_resumes(runs_dir, signum):
    process = start_batch(runs_dir)
    try:
        for line in process.stdout:
            if line.split()[:2] == ["epoch", "2/400"]:
                break
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == EXIT_INTERRUPTED, err
    assert "resume with: tui-trainer --resume" in out
    (run,) = list_runs(runs_dir)
    summary = read_summary(run.path)
    assert summary["status"] == "stopped"
    done = epochs_done(load_checkpoint(run.path))
    assert done >= 2 and [r["epoch"] for r in read_metrics(run.path)] == list(range(1, done + 1))
    if signum != signal.SIGTERM:
        return  # the files are what every signal leaves; resuming them is tested once, below
    resumed = subprocess.run(
        [sys.executable, "-m", "tui_trainer", "--resume", str(run.path), "--set", f"train.epochs={done + 1}"],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=REPO,
        timeout=120,
    )
    assert resumed.returncode == EXIT_OK, resumed.stderr
    assert f"resuming after epoch {done}" in resumed.stdout
    assert [r["epoch"] for r in read_metrics(run.path)] == list(range(1, done + 2))
    assert read_summary(run.path)["status"] == "completed"


def test_second_ctrl_c_aborts_at_once_without_a_traceback(runs_dir):
    # With the default interval a run this short is written at its end only, so an abort may
    # leave no last.pt (the documented kill -9 loss); writing every epoch makes the test exact.
    process = start_batch(runs_dir, "--set", "train.checkpoint_every_s=0")
    try:
        for line in process.stdout:
            if line.split()[:2] == ["epoch", "2/400"]:
                break
        process.send_signal(signal.SIGINT)
        time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == EXIT_INTERRUPTED, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    (run,) = list_runs(runs_dir)
    # Every epoch is written before the next one starts, so by "epoch 2/" epoch 1 is on disk.
    assert epochs_done(load_checkpoint(run.path)) >= 1


def catches(pid: int, signum: int) -> bool:
    """Whether the process has a handler of its own for `signum` (Linux: SigCgt in /proc)."""
    with open(f"/proc/{pid}/status") as status:
        caught = next(int(line.split()[1], 16) for line in status if line.startswith("SigCgt:"))
    return bool(caught >> (signum - 1) & 1)


def assert_whole_files(runs_dir: Path) -> None:
    """Every file of every run directory under `runs_dir` reads back completely."""
    for run_dir in runs_dir.iterdir() if runs_dir.exists() else ():
        for path in run_dir.iterdir():
            if path.name.startswith("."):  # an atomic write's temp file; a resume removes it
                continue
            if path.name == "model.pt":
                assert torch.load(path, weights_only=True)["state_dict"]
            elif path.suffix == ".pt":
                load_checkpoint(path)
            elif path.suffix == ".json":
                json.loads(path.read_text())
            elif path.suffix == ".jsonl":
                [json.loads(line) for line in path.read_text().splitlines()]
            elif path.suffix == ".toml":
                TrainConfig.load(path)


@pytest.mark.slow  # nine start-ups of a few seconds each
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads SigCgt from Linux's /proc")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("delay", [0.0, 0.5, 1.5])
def test_signal_while_importing_exits_130_with_one_line(runs_dir, signum, delay):
    """`--batch` on the default config, stopped while torch and the engine are still being
    imported (the first seconds): exit 130, at most one line on stderr, no traceback."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_trainer", "--batch", "--output-dir", str(runs_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
        text=True,
        cwd=REPO,
    )
    try:
        # Python's own start-up (before any tui-trainer code runs) is out of our hands; Python
        # never handles SIGHUP itself, so a handler for it means tui-trainer's code is running.
        while not catches(process.pid, signal.SIGHUP):
            assert process.poll() is None and time.monotonic() - started < 30, (
                "tui-trainer never installed its own signal handlers"
            )
            time.sleep(0.005)
        time.sleep(max(0.0, started + delay - time.monotonic()))
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == EXIT_INTERRUPTED, err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1, err
    assert_whole_files(runs_dir)
