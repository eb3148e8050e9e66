"""A conv model under a real `torchrun` launch: 2 gloo ranks train a batch-normed conv stack on
the bundled digits with augmentation; rank 0 alone writes, and the model learns."""

import json
import subprocess
import tomllib

import pytest
from test_torchrun import TORCHRUN, final_summary

from tests.toy_config import toy_config


@pytest.mark.slow
def test_two_gloo_ranks_train_a_conv_model(tmp_path, env):
    output_dir = tmp_path / "runs"
    config = toy_config(
        output_dir,
        "dataset.name=digits",
        "dataset.batch_size=64",
        "dataset.augment=flip",
        "model.layers=conv8,pool,conv16,pool,fc32",
        "model.batch_norm=true",
        "optimizer.lr=0.01",
        "train.epochs=3",
    )
    path = tmp_path / "conv.toml"
    config.save(path)
    launched = subprocess.run(
        [*TORCHRUN, "-m", "tui_trainer", "--batch", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert launched.returncode == 0, launched.stdout[-2000:] + launched.stderr[-2000:]
    run_dir, summary = final_summary(output_dir)
    assert summary["status"] == "completed"
    # 1,258 training images, each rank 629 of them in batches of 64: 10 steps per epoch.
    assert summary["steps"] == 10 * 3
    assert summary["metrics"]["val_accuracy"] >= 0.7
    assert launched.stdout.count("distributed: 2 processes (gloo)") == 1
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(records) == 3
    saved = tomllib.loads((run_dir / "config.toml").read_text())
    assert saved["model"]["layers"] == ["conv8", "pool", "conv16", "pool", "fc32"]
    assert saved["dataset"]["augment"] == "flip"
