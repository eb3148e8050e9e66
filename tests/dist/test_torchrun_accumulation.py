"""Gradient accumulation under DDP: 2 gloo ranks accumulating 2 batches of 16 update exactly as one
process training batches of 64 (each update averages the same 64 samples' gradients)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.toy_config import toy_config
from tui_trainer.engine import Trainer

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
SETTINGS = (
    "dataset.n_samples=600",
    "model.hidden=16",
    "optimizer.name=sgd",
    "optimizer.lr=0.2",
    "train.epochs=3",
)


def metrics(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_two_ranks_accumulating_match_one_process_with_the_whole_batch(tmp_path, env):
    # 420 training samples: 210 per rank, in batches of 16 (the last 2) updated every 2, against
    # 7 batches of 64 (the last 36) in one process. Clipping sees the same averaged gradients.
    single = Trainer(
        toy_config(tmp_path / "one", *SETTINGS, "dataset.batch_size=64", "optimizer.clip_grad_norm=0.5")
    ).run()
    assert single.status == "completed", single.reason
    path = tmp_path / "two.toml"
    toy_config(
        tmp_path / "two",
        *SETTINGS,
        "dataset.batch_size=16",
        "train.accumulate_batches=2",
        "optimizer.clip_grad_norm=0.5",
    ).save(path)
    launched = subprocess.run(
        [*TORCHRUN, "-m", "tui_trainer", "--batch", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert launched.returncode == 0, launched.stdout[-2000:] + launched.stderr[-2000:]
    (run_dir,) = list((tmp_path / "two").iterdir())
    one, two = metrics(Path(single.run_dir)), metrics(run_dir)
    for a, b in zip(one, two, strict=True):
        for key in ("train_loss", "val_loss", "clipped_fraction"):
            assert b[key] == pytest.approx(a[key], rel=1e-4, abs=1e-6), key
