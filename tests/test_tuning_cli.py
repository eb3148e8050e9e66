"""The tuning features from the command line: `--find-lr` (its plot and suggestions, `--apply`),
and `--resume RUN --set optimizer.lr=...` recording the change."""

import io
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from rich.console import Console

from tests.toy_config import toy_config
from tui_trainer.cli import main
from tui_trainer.engine import Trainer
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_OK
from tui_trainer.find_lr_command import run_find_lr

ROOT = Path(__file__).resolve().parents[1]
LINEAR_REGRESSION = (
    "dataset.name=linear",
    "dataset.n_samples=2000",
    "dataset.batch_size=8",
    "model.hidden=",
    "optimizer.name=sgd",
    "optimizer.momentum=0",
)


def run_cli(*args, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.run(["tui-trainer", *args], capture_output=True, text=True, env=env, timeout=timeout)


def set_args(*assignments: str) -> list[str]:
    return [part for assignment in assignments for part in ("--set", assignment)]


def test_find_lr_plots_the_curve_and_prints_both_suggestions(tmp_path):
    out = io.StringIO()
    console = Console(file=out, width=90, highlight=False)
    config = toy_config(tmp_path, *LINEAR_REGRESSION, "dataset.n_samples=600")
    assert run_find_lr(config, console=console) == EXIT_OK
    text = out.getvalue()
    header = re.search(r"learning-rate range test on linear: lr 1e-07 to 10 in (\d+) steps", text)
    assert header is not None and 40 <= int(header[1]) < 100, "one epoch of ~420 samples in batches of 8"
    assert "learning rate (log scale)" in text and "1e-7" in text and "1e0" in text
    assert "steepest" in text and "min÷10" in text, "both suggestions are marked on the plot"
    lines = text.splitlines()
    (minimum,) = [line for line in lines if line.startswith("minimum ÷ 10")]
    assert minimum.endswith("<- suggested")
    rate = minimum.split("lr ")[1].split()[0]
    assert any(line.startswith("steepest descent  lr ") for line in lines)
    assert f"train with it: --set optimizer.lr={rate} (or run again with --apply)" in lines
    assert max(len(line) for line in lines) <= 90
    assert not any(Path(tmp_path).iterdir()), "the range test writes no run directory"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--apply"], "--apply goes with --find-lr"),
        (["--find-lr", "--batch"], "--find-lr runs on its own"),
        (["--find-lr", "--set", "train.accumulate_batches=0"], "train.accumulate_batches must be >= 1"),
        (["--find-lr", "--set", "optimizer.clip_grad_norm=-1"], "optimizer.clip_grad_norm must be >= 0"),
    ],
)
def test_bad_tuning_arguments_get_one_line_and_exit_2(args, message, capsys):
    assert main(args) == EXIT_BAD_CONFIG
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.slow
def test_find_lr_apply_trains_with_the_suggested_rate(tmp_path):
    result = run_cli(
        "--find-lr", "--apply", "--output-dir", str(tmp_path), *set_args(*LINEAR_REGRESSION, "train.epochs=2")
    )
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("applying the minimum ÷ 10")]
    rate = float(line.split("optimizer.lr=")[1])
    (run_dir,) = list(tmp_path.iterdir())
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "completed"
    assert f"lr = {rate}" in (run_dir / "config.toml").read_text()


@pytest.mark.slow
def test_resume_with_a_new_learning_rate_records_the_change(tmp_path):
    # The first run is trained in this process: what is tested is the console script's --resume.
    Trainer(toy_config(tmp_path, "train.epochs=2", "model.hidden=8")).run()
    (run_dir,) = list(tmp_path.iterdir())
    resumed = run_cli("--resume", str(run_dir), *set_args("train.epochs=3", "optimizer.lr=0.0003"))
    assert resumed.returncode == 0, resumed.stderr
    assert "changed from step " in resumed.stdout and "optimizer.lr 0.001 → 0.0003" in resumed.stdout
    lines = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert [line.get("field") for line in lines] == [None, None, "optimizer.lr", None]
    assert lines[-1]["lr"] == 0.0003
