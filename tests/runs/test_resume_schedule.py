"""A resume that changes train.epochs re-plans the epoch-dependent lr schedule (cosine)."""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from runs_helpers import read_metrics

from tui_trainer.engine.control import TrainingControl
from tui_trainer.engine.events import EpochEnd, LogMessage
from tui_trainer.engine.trainer import Trainer

REPO = Path(__file__).resolve().parents[2]
LR = 0.05


def cosine_config(tiny_config, epochs: int):
    return tiny_config("scheduler.name=cosine", f"optimizer.lr={LR}", f"train.epochs={epochs}")


def assert_decays_to_zero_after(lrs: list[float], resumed_at: int) -> None:
    after = lrs[resumed_at - 1 :]  # from the last epoch trained before the resume
    assert all(later <= earlier for earlier, later in zip(after, after[1:], strict=False)), lrs
    assert lrs[-1] < LR / 50, lrs


def test_extending_a_finished_cosine_run_continues_the_decay_to_the_new_end(tiny_config):
    first = Trainer(cosine_config(tiny_config, 4)).run()
    assert first.status == "completed", first.reason
    lrs = [r["lr"] for r in read_metrics(first.run_dir)]
    assert lrs == pytest.approx([LR * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(4)])
    logs = []
    extended = Trainer(cosine_config(tiny_config, 8), logs.append, resume_from=first.run_dir).run()
    assert extended.status == "completed", extended.reason
    lrs = [r["lr"] for r in read_metrics(first.run_dir)]
    assert len(lrs) == 8
    assert_decays_to_zero_after(lrs, resumed_at=4)
    assert lrs[4] > LR / 100, "the extension still trains"
    notes = [e.text for e in logs if isinstance(e, LogMessage) and "re-planned" in e.text]
    assert notes == [
        f"cosine lr schedule re-planned for 8 epochs (was 4): lr continues from {lrs[3]:.4g} (epoch 4) "
        f"down to 0 at epoch 8, next {lrs[4]:.4g}"
    ]


def test_a_re_planned_schedule_survives_a_later_stop_and_resume(tiny_config):
    first = Trainer(cosine_config(tiny_config, 4)).run()
    straight = Trainer(cosine_config(tiny_config, 8), resume_from=first.run_dir).run()
    straight_lrs = [r["lr"] for r in read_metrics(straight.run_dir)]

    again = Trainer(cosine_config(tiny_config, 4)).run()
    control = TrainingControl()

    def stop_after_epoch_6(event):
        if isinstance(event, EpochEnd) and event.epoch + 1 == 6:
            control.stop()

    longer = cosine_config(tiny_config, 8)
    stopped = Trainer(longer, stop_after_epoch_6, control, resume_from=again.run_dir).run()
    assert stopped.status == "stopped" and stopped.epochs_done == 6
    logs = []
    resumed = Trainer(cosine_config(tiny_config, 8), logs.append, resume_from=again.run_dir).run()
    assert resumed.status == "completed", resumed.reason
    assert [r["lr"] for r in read_metrics(again.run_dir)] == straight_lrs
    assert not [e for e in logs if isinstance(e, LogMessage) and "re-planned" in e.text]


@pytest.mark.slow
def test_the_console_script_says_how_it_re_planned(tiny_config):
    first = Trainer(cosine_config(tiny_config, 4)).run()
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-m", "tui_trainer", "--resume", first.run_dir, "--set", "train.epochs=8"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "cosine lr schedule re-planned for 8 epochs (was 4)" in result.stdout
    assert_decays_to_zero_after([r["lr"] for r in read_metrics(first.run_dir)], resumed_at=4)
