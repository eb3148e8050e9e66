"""A run directory in use is locked; a deleted or failing directory gets one line naming the file."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import torch

from tui_trainer.engine.events import EpochEnd
from tui_trainer.engine.rundir import atomic
from tui_trainer.engine.rundir.lock import RunInUse, RunLock, check_not_in_use, holder
from tui_trainer.engine.rundir.writer import RunDirectory, describe_write_error
from tui_trainer.engine.trainer import Trainer

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")


def test_a_held_lock_names_its_process_and_ends_with_it(tmp_path):
    lock = RunLock.acquire(tmp_path)
    assert holder(tmp_path) == os.getpid()  # another open file in this very process sees it too
    with pytest.raises(RunInUse, match=f"is being trained by process {os.getpid()}"):
        RunLock.acquire(tmp_path)
    lock.release()
    assert holder(tmp_path) is None
    assert not (tmp_path / ".lock").exists()
    RunLock.acquire(tmp_path).release()


def test_a_lock_left_by_a_killed_process_is_stale(tmp_path):
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from tui_trainer.engine.rundir.lock import RunLock; "
            f"RunLock.acquire({str(tmp_path)!r}); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert child.stdout.readline().strip() == "held"
    assert holder(tmp_path) == child.pid
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert (tmp_path / ".lock").exists()  # the file stays, the lock does not
    assert holder(tmp_path) is None
    check_not_in_use(tmp_path)
    RunLock.acquire(tmp_path).release()


def test_training_holds_the_lock_until_the_run_ends(tiny_config):
    seen = []

    def callback(event):
        if isinstance(event, EpochEnd) and not seen:
            seen.append(holder(trainer.run_dir.path))

    trainer = Trainer(tiny_config(), callback)
    result = trainer.run()
    assert result.status == "completed"
    assert seen == [os.getpid()]
    assert holder(result.run_dir) is None
    assert not (Path(result.run_dir) / ".lock").exists()


@pytest.mark.slow
def test_a_second_resume_of_a_live_run_is_refused_and_the_first_run_is_undisturbed(tmp_path):
    runs = tmp_path / "runs"
    first = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui_trainer",
            "--batch",
            "--set",
            "dataset.name=spirals",
            "--set",
            "dataset.n_samples=20000",
            "--set",
            "train.epochs=6",
            "--set",
            "train.device=cpu",
            "--output-dir",
            str(runs),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    deadline = time.monotonic() + 120
    run_dir = None
    while time.monotonic() < deadline and first.poll() is None:
        found = [p for p in runs.glob("*") if (p / "metrics.jsonl").exists()] if runs.exists() else []
        if found:
            run_dir = found[0]
            break
        time.sleep(0.1)
    assert run_dir is not None, "the first run never finished an epoch"
    second = subprocess.run(
        [sys.executable, "-m", "tui_trainer", "--resume", str(run_dir), "--set", "train.epochs=8"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert second.returncode == 2
    assert second.stderr.strip().splitlines() == [
        f"tui-trainer: error: run {run_dir} is being trained by process {first.pid}; "
        "wait for it to finish or stop it first"
    ]
    assert first.wait(timeout=300) == 0, first.stderr.read()
    assert (run_dir / "summary.json").exists() and (run_dir / "model.pt").exists()


def test_resume_inside_the_engine_is_refused_while_another_holds_the_run(tiny_config):
    first = Trainer(tiny_config("train.epochs=1")).run()
    lock = RunLock.acquire(first.run_dir)
    try:
        result = Trainer(tiny_config("train.epochs=2"), resume_from=first.run_dir).run()
    finally:
        lock.release()
    assert result.status == "failed"
    assert result.reason == (
        f"run {first.run_dir} is being trained by process {os.getpid()}; "
        "wait for it to finish or stop it first"
    )


def test_deleting_the_run_directory_mid_run_stops_with_one_line(tiny_config):
    def callback(event):
        if isinstance(event, EpochEnd) and event.epoch == 0:
            shutil.rmtree(trainer.run_dir.path)

    trainer = Trainer(tiny_config("train.checkpoint_every_s=0"), callback)  # a write every epoch
    result = trainer.run()
    assert result.status == "failed"
    assert result.reason.startswith(f"the folder {result.run_dir} was deleted while saving")
    assert result.reason.endswith("the run stopped — start it again")
    assert "\n" not in result.reason
    assert not Path(result.run_dir).exists()  # not rebuilt as a directory without its config


class _FillsUp:
    """A file object whose disk runs out after `room` bytes, as a full disk behaves."""

    def __init__(self, handle, room: int):
        self.handle, self.room = handle, room

    def write(self, data) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.handle.write(data)

    def flush(self) -> None:
        self.handle.flush()


def test_torchs_zip_writer_failing_on_a_full_disk_reads_as_disk_full(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "_disk_full", lambda directory: True)
    target = tmp_path / "best.pt"
    with pytest.raises(OSError) as caught:
        atomic.atomic_write(
            target, lambda handle: torch.save({"w": torch.randn(5000)}, _FillsUp(handle, 3000))
        )
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert describe_write_error(caught.value).startswith(f"disk full while saving {target}: ")
    assert not target.exists() and not list(tmp_path.glob(".*.tmp"))


def test_a_directory_turned_read_only_is_reported_with_the_real_file_name(tmp_path, monkeypatch):
    real = tempfile.mkstemp

    def refused(prefix, suffix, dir):
        temp_name = os.path.join(dir, f"{prefix}i3sfed7h{suffix}")
        raise PermissionError(errno.EROFS, "Read-only file system", temp_name)

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refused)
    run_dir = RunDirectory(tmp_path)
    with pytest.raises(OSError) as caught:
        run_dir.write_summary({"status": "completed"})  # metrics.jsonl is appended, not replaced
    monkeypatch.setattr(atomic.tempfile, "mkstemp", real)
    message = describe_write_error(caught.value)
    assert message.startswith(f"cannot write {tmp_path / 'summary.json'}: Read-only file system")
    assert ".tmp" not in message
