"""A real `torchrun` launch: 2 gloo processes train moons as well as 1 process, rank 0 alone writes."""

import json
import shutil
import subprocess
import sys

import pytest

TORCHRUN = shutil.which("torchrun")


def final_summary(output_dir):
    runs = [p for p in output_dir.iterdir() if p.is_dir()]
    assert len(runs) == 1, f"expected exactly one run directory, found {runs}"
    return runs[0], json.loads((runs[0] / "summary.json").read_text())


@pytest.mark.slow
@pytest.mark.skipif(TORCHRUN is None, reason="torchrun is not on PATH")
def test_two_gloo_ranks_match_one_process(moons_config, env):
    config_one, out_one = moons_config("one")
    single = subprocess.run(
        [sys.executable, "-m", "tui_trainer", "--batch", str(config_one)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert single.returncode == 0, single.stderr

    config_two, out_two = moons_config("two")
    launched = subprocess.run(
        [TORCHRUN, "--standalone", "--nproc_per_node=2", "-m", "tui_trainer", "--batch", str(config_two)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert launched.returncode == 0, launched.stdout[-2000:] + launched.stderr[-2000:]

    _, one = final_summary(out_one)
    run_dir, two = final_summary(out_two)
    assert sorted(p.name for p in run_dir.iterdir()) == ["config.toml", "metrics.jsonl", "model.pt", "summary.json"]
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
