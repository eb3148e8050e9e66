"""`--batch` end to end through the real console script, and the CLI's fast paths."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _auto_device_type() -> str:
    """What train.device=auto picks here: the test also runs on GPU machines."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "mps" if torch.backends.mps.is_available() else "cpu"


def run_cli(*args, cwd=None, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.run(
        ["tui-trainer", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout
    )


@pytest.mark.slow
def test_batch_default_config_writes_run_directory(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[train]\nepochs = 3\n[model]\nhidden = [32]\n")
    out = tmp_path / "runs"
    proc = run_cli("--batch", str(config), "--set", "optimizer.lr=0.01", "--output-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    # Not a TTY: plain one-line-per-epoch logs, then the final tables.
    epoch_lines = [line for line in proc.stdout.splitlines() if line.startswith("epoch ")]
    assert len(epoch_lines) == 3 and "val " in epoch_lines[0] and epoch_lines[0].endswith("/s")
    assert all(len(line) <= 80 for line in epoch_lines), epoch_lines  # never wraps at 80 columns
    assert "final metrics" in proc.stdout and "confusion matrix" in proc.stdout
    (run,) = list(out.iterdir())
    assert {p.name for p in run.iterdir()} == {
        "config.toml",
        "metrics.jsonl",
        "summary.json",
        "model.pt",
        "model_stats.jsonl",
        "preprocessing.json",
        "last.pt",
        "best.pt",
    }
    assert "lr = 0.01" in (run / "config.toml").read_text()
    assert len((run / "metrics.jsonl").read_text().splitlines()) == 3
    summary = json.loads((run / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["metrics"]["val_accuracy"] > 0.8
    assert {"python", "torch", "torchvision", "numpy", "tui-trainer"} <= set(summary["versions"])
    assert summary["versions"]["tui-trainer"] != "not installed"
    assert summary["wall_seconds"] > 0 and summary["device"].startswith(_auto_device_type())


def test_batch_without_file_uses_default(tmp_path):
    proc = run_cli(
        "--batch", "--set", "train.epochs=1", "--set", "dataset.name=xor", "--output-dir", str(tmp_path)
    )
    assert proc.returncode == 0, proc.stderr
    assert "xor:" in proc.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "optimizer.lr=0"], "optimizer.lr must be > 0"),
        (["--set", "model.hidden=64,-1"], "model.hidden sizes must be positive integers"),
        (["--set", "model.activation=swish"], "valid: relu, leaky_relu, gelu"),
        (["--set", "dataset.name=linear", "--set", "loss.name=cross_entropy"], "needs class labels"),
        (["--set", "dataset.batch_size=100000"], "larger than the training split"),
        (["missing.toml"], "config file not found: missing.toml"),
    ],
)
def test_bad_config_exits_2_with_one_line(tmp_path, args, message):
    proc = run_cli("--batch", *args, "--output-dir", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in proc.stderr


def test_training_failure_exits_1(tmp_path):
    proc = run_cli(
        "--batch",
        "--set",
        "dataset.name=linear",
        "--set",
        "loss.name=mse",
        "--set",
        "optimizer.name=sgd",
        "--set",
        "optimizer.lr=100",
        "--output-dir",
        str(tmp_path),
    )
    assert proc.returncode == 1
    assert "lower the learning rate" in proc.stderr and "Traceback" not in proc.stderr


def test_help_is_fast_and_does_not_import_torch():
    code = (
        "import sys; from tui_trainer import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('TORCH' if 'torch' in sys.modules else 'NO-TORCH')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    assert "--batch" in proc.stdout and proc.stdout.strip().endswith("NO-TORCH")


def test_print_config_round_trips(tmp_path):
    proc = run_cli("--print-config", "--set", "model.hidden=8,4")
    assert proc.returncode == 0
    path = tmp_path / "c.toml"
    path.write_text(proc.stdout)
    from tui_trainer.engine.config import TrainConfig

    assert TrainConfig.load(path).model.hidden == [8, 4]


def test_terminal_progress_bar_per_epoch_shows_loss_accuracy_speed_and_eta(tmp_path):
    import io

    from rich.console import Console

    from tui_trainer.batch import run_batch
    from tui_trainer.engine.config import TrainConfig

    config = TrainConfig().with_overrides(
        [
            "dataset.name=spirals",
            "dataset.n_samples=3000",
            "dataset.batch_size=8",
            "train.epochs=2",
            "train.device=cpu",
            "train.report_every_ms=10",
            f"train.output_dir={tmp_path}",
        ]
    )
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=160, color_system=None)
    assert run_batch(config, console=console) == 0
    shown = screen.getvalue()
    # The live bar is redrawn in place: its frames are still in the captured stream.
    assert "epoch 1/2" in shown and "epoch 2/2" in shown
    frame = next(
        line for line in shown.replace("\r", "\n").splitlines() if "acc " in line and "epoch 2/2" in line
    )
    assert "loss " in frame and "samples/s" in frame and "ETA" in frame
    assert "run " in shown  # the whole run's bar under the epoch's
    assert "completed: trained 2 epochs" in shown
