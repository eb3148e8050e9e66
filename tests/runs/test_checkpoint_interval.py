"""train.checkpoint_every_s: last.pt / best.pt written at most that often (and on the first epoch,
at the end, at a stop); a kill -9 loses only the epochs since the last write, and a resume from
that older last.pt reproduces the uninterrupted run exactly."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from runs_helpers import numbers_only, read_metrics, read_summary

from tui_trainer.engine.callbacks.checkpointing import ends_within
from tui_trainer.engine.checkpoint import epochs_done, load_checkpoint
from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.events import EpochEnd
from tui_trainer.engine.rundir.past_runs import list_runs
from tui_trainer.engine.trainer import Trainer

REPO = Path(__file__).resolve().parents[2]


def epochs_on_disk_during_the_run(config) -> tuple[list[int], str]:
    """The epochs last.pt held on disk as each epoch ended (read from the file by a listener)."""
    seen: list[int] = []
    run_dir: list[str] = []

    def listener(event):
        if isinstance(event, EpochEnd):
            (path,) = list_runs(config.train.output_dir)
            last = path.path / "last.pt"
            seen.append(epochs_done(load_checkpoint(last)) if last.exists() else None)
            run_dir[:] = [str(path.path)]

    finished = Trainer(config, listener).run()
    assert finished.status == "completed", finished.reason
    return seen, run_dir[0]


def test_a_run_shorter_than_the_interval_writes_last_pt_at_the_end_only(tiny_config):
    config = tiny_config("train.epochs=5", "train.checkpoint_every_s=3600")
    seen, run_dir = epochs_on_disk_during_the_run(config)
    assert seen == [None] * 5  # a kill -9 would lose the whole run: seconds, less than the interval
    assert epochs_done(load_checkpoint(run_dir)) == 5
    best = load_checkpoint(Path(run_dir) / "best.pt")
    assert epochs_done(best) == read_summary(run_dir)["best"]["epoch"]
    assert [r["epoch"] for r in read_metrics(run_dir)] == [1, 2, 3, 4, 5]


def test_the_first_epoch_is_written_when_the_rest_of_the_run_outlasts_the_interval():
    def epoch(index, epochs, seconds):
        return EpochEnd(index, epochs, 1.0, 1.0, None, None, 0.001, seconds, 1.0)

    assert not ends_within(epoch(0, 100_000, 0.01), 30)  # ~1,000 s to go: written (the kill -9 test)
    assert ends_within(epoch(0, 10, 0.02), 30)  # digits: 0.2 s to go, written at the end only
    assert not ends_within(epoch(0, 20, 2.0), 30)  # 38 s to go
    assert ends_within(epoch(9, 10, 100.0), 30)  # the last epoch: the end's write follows at once


def test_interval_zero_writes_last_pt_every_epoch(tiny_config):
    seen, _ = epochs_on_disk_during_the_run(tiny_config("train.epochs=4", "train.checkpoint_every_s=0"))
    assert seen == [1, 2, 3, 4]


def test_a_stop_writes_the_newest_finished_epoch_and_resumes_exactly(tiny_config):
    from test_resume_exact import stop_after_epoch, straight_and_resumed

    config = tiny_config("train.checkpoint_every_s=3600")
    control, callback = stop_after_epoch(3)
    straight, interrupted, resumed, started = straight_and_resumed(config, control, callback)
    assert started.start_epoch == 3
    assert numbers_only(read_metrics(resumed.run_dir)) == numbers_only(read_metrics(straight.run_dir))


@pytest.mark.parametrize("value", ["-1", "nan", "1e9"])
def test_a_bad_checkpoint_interval_is_one_line_naming_the_field(tiny_config, value):
    with pytest.raises(ConfigError, match=r"train\.checkpoint_every_s"):
        tiny_config(f"train.checkpoint_every_s={value}").check()


@pytest.mark.slow
def test_kill_9_loses_only_epochs_since_the_last_write_and_resumes_exactly(runs_dir):
    """A run killed mid-way long after its last checkpoint: metrics.jsonl is ahead of last.pt; the
    resume drops those lines and retrains the lost epochs to exactly the straight run's numbers."""
    settings = [
        "dataset.name=spirals",
        "dataset.n_samples=120",
        "dataset.batch_size=16",
        "model.hidden=16,8",
        "model.dropout=0.2",
        "scheduler.name=none",
        "train.device=cpu",
        "train.n_samples_shown=2",
        # Shorter than the 100,000 epochs' minutes, so the first epoch is written; far longer than
        # the six epochs before the kill.
        "train.checkpoint_every_s=60",
    ]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    args = [sys.executable, "-m", "tui_trainer", "--batch", "--output-dir", str(runs_dir / "killed")]
    for setting in [*settings, "train.epochs=100000"]:
        args += ["--set", setting]
    child = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO
    )
    try:
        for line in child.stdout:
            if line.split()[:2] == ["epoch", "6/100000"]:
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    (run,) = list_runs(runs_dir / "killed")
    assert epochs_done(load_checkpoint(run.path)) == 1  # written on the first epoch only
    assert len(read_metrics(run.path)) >= 6  # lines past last.pt: lost with it, then retrained

    epochs = 8
    config = TrainConfig().with_overrides(
        [*settings, f"train.epochs={epochs}", f"train.output_dir={runs_dir}"]
    )
    resumed = Trainer(config.copy(), resume_from=run.path).run()
    assert resumed.status == "completed", resumed.reason
    straight = Trainer(config.copy()).run()
    assert [r["epoch"] for r in read_metrics(run.path)] == list(range(1, epochs + 1))
    assert numbers_only(read_metrics(run.path)) == numbers_only(read_metrics(straight.run_dir))
    assert resumed.metrics["test_loss"] == straight.metrics["test_loss"]
