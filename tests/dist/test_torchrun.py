"""A real `torchrun` launch: 2 gloo processes train moons as well as 1 process, rank 0 alone writes,
and a run stopped after some epochs resumes under torchrun to exactly the uninterrupted metrics."""

import json
import subprocess
import sys

import pytest

# `torchrun` is the console script of torch.distributed.run; calling the module through this
# interpreter finds it even where the script is not on PATH (e.g. a pyenv shim not yet rehashed).
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]


def final_summary(output_dir):
    runs = [p for p in output_dir.iterdir() if p.is_dir()]
    assert len(runs) == 1, f"expected exactly one run directory, found {runs}"
    return runs[0], json.loads((runs[0] / "summary.json").read_text())


@pytest.mark.slow
def test_two_gloo_ranks_match_one_process(moons_config, env):
    config_one, out_one = moons_config("one")
    single = subprocess.run(
        [sys.executable, "-m", "tui_trainer", "--batch", str(config_one)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert single.returncode == 0, single.stderr

    config_two, out_two = moons_config("two")
    launched = subprocess.run(
        [*TORCHRUN, "-m", "tui_trainer", "--batch", str(config_two)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert launched.returncode == 0, launched.stdout[-2000:] + launched.stderr[-2000:]

    _, one = final_summary(out_one)
    run_dir, two = final_summary(out_two)
    assert sorted(p.name for p in run_dir.iterdir()) == [
        "best.pt",
        "config.toml",
        "last.pt",
        "metrics.jsonl",
        "model.pt",
        "model_stats.jsonl",
        "preprocessing.json",
        "summary.json",
    ]
    assert one["status"] == two["status"] == "completed"
    acc_one, acc_two = one["metrics"]["val_accuracy"], two["metrics"]["val_accuracy"]
    assert acc_one >= 0.9 and acc_two >= 0.9
    assert abs(acc_one - acc_two) <= 0.05
    # Each rank ran half of every epoch: 420 training samples, 32 per batch, 2 ranks -> 7 steps.
    assert two["steps"] == 7 * 15 and one["steps"] == 14 * 15
    # Only rank 0 printed: one banner and one line per epoch.
    assert launched.stdout.count("distributed: 2 processes (gloo)") == 1
    assert launched.stdout.count("epoch 15/15") == 1
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(records) == 15


def epoch_numbers(run_dir):
    """metrics.jsonl without its timing fields: what a bit-exact resume must reproduce."""
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [
        {k: v for k, v in json.loads(line).items() if k not in ("seconds", "samples_per_sec")}
        for line in lines
    ]


@pytest.mark.slow
def test_resume_under_torchrun_matches_the_uninterrupted_run(moons_config, env):
    # Dropout makes every rank's own RNG matter: rank 1 must continue its draws, not rank 0's.
    dropout = ["--set", "model.dropout=0.2"]
    config_full, out_full = moons_config("full", epochs=4)
    full = subprocess.run(
        [*TORCHRUN, "-m", "tui_trainer", "--batch", str(config_full), *dropout],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert full.returncode == 0, full.stderr[-2000:]

    config_cut, out_cut = moons_config("cut", epochs=2)
    first = subprocess.run(
        [*TORCHRUN, "-m", "tui_trainer", "--batch", str(config_cut), *dropout],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr[-2000:]
    cut_dir, _ = final_summary(out_cut)
    resumed = subprocess.run(
        [*TORCHRUN, "-m", "tui_trainer", "--resume", str(cut_dir), "--set", "train.epochs=4"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]

    full_dir, full_summary = final_summary(out_full)
    _, resumed_summary = final_summary(out_cut)
    assert resumed_summary["status"] == "completed" and resumed_summary["resumed_from_epoch"] == 2
    assert len(epoch_numbers(cut_dir)) == 4
    assert epoch_numbers(cut_dir) == epoch_numbers(full_dir)
    assert resumed_summary["metrics"]["val_loss"] == full_summary["metrics"]["val_loss"]
