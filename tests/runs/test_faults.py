"""Faults during a run: the message is one line and files written before the fault stay intact."""

import errno
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from runs_helpers import read_metrics, read_summary

from tui_trainer.engine.checkpoint import epochs_done, load_checkpoint
from tui_trainer.engine.datasets import registry
from tui_trainer.engine.datasets.base import DatasetMeta, LoadedData
from tui_trainer.engine.events import EpochEnd, RunStarted
from tui_trainer.engine.rundir import atomic
from tui_trainer.engine.rundir.weights import load_model
from tui_trainer.engine.trainer import Trainer

KEPT_FILES = ("config.toml", "metrics.jsonl", "last.pt", "best.pt")


def snapshot(run_dir) -> dict[str, bytes]:
    return {name: (Path(run_dir) / name).read_bytes() for name in KEPT_FILES}


def run_with_fault_after_epoch_1(config, inject):
    """Run; after epoch 1 is saved, snapshot the files and call `inject(trainer)`: at the first
    forward pass after epoch 1's EpochEnd, which comes after its checkpoint is written."""
    saved = {}
    # A run longer than the checkpoint interval has its first epoch written (a short one only
    # at its end); the fault comes in epoch 2, long before this end.
    config.train.epochs = 100_000

    def callback(event):
        if isinstance(event, RunStarted):
            saved["run_dir"] = event.run_dir
            forward = trainer.model.forward

            def watched(x):
                if saved.get("armed") and "files" not in saved:
                    saved["files"] = snapshot(saved["run_dir"])
                    inject(trainer)
                    return trainer.model(x)  # through whatever `inject` put in place
                return forward(x)

            trainer.model.forward = watched
        elif isinstance(event, EpochEnd) and event.epoch == 0:
            saved["armed"] = True  # epoch 1's checkpoint is written before epoch 2's first batch

    trainer = Trainer(config, callback)
    return trainer.run(), saved


def assert_untouched(saved, result, metrics_may_grow=False):
    """Files as they were after epoch 1. With `metrics_may_grow`, metrics.jsonl may have lines
    appended past last.pt (a failed checkpoint write after its epoch's line; a resume drops them)."""
    assert "\n" not in result.reason
    for name, data in saved["files"].items():
        now = (Path(result.run_dir) / name).read_bytes()
        if name == "metrics.jsonl" and metrics_may_grow:
            assert now.startswith(data), f"{name} changed"
        else:
            assert now == data, f"{name} changed"
    assert epochs_done(load_checkpoint(result.run_dir)) == 1
    assert len(read_metrics(result.run_dir)) == 1 or metrics_may_grow


def test_nan_loss_fails_clearly_and_keeps_earlier_files(tiny_config):
    def poison(trainer):
        forward = trainer.model.forward
        trainer.model.forward = lambda x: forward(x) * float("nan")

    result, saved = run_with_fault_after_epoch_1(tiny_config("train.report_every_ms=10"), poison)
    assert result.status == "failed"
    assert "loss became NaN" in result.reason and "optimizer.lr" in result.reason
    assert_untouched(saved, result)
    assert read_summary(result.run_dir)["status"] == "failed"
    assert not (Path(result.run_dir) / "model.pt").exists()


def test_cuda_out_of_memory_fails_clearly_and_keeps_earlier_files(tiny_config):
    def out_of_memory(trainer):
        def forward(x):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

        trainer.model.forward = forward

    result, saved = run_with_fault_after_epoch_1(tiny_config(), out_of_memory)
    assert result.status == "failed"
    assert result.reason.startswith("CUDA out of memory at batch size 16")
    assert "dataset.batch_size" in result.reason
    assert_untouched(saved, result)


def test_disk_full_while_saving_keeps_earlier_files(tiny_config, monkeypatch):
    real_fsync = os.fsync

    def disk_full(trainer):
        def fsync(fd):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(atomic.os, "fsync", fsync)

    # A checkpoint every epoch, so the full disk stops the run at epoch 2's write.
    result, saved = run_with_fault_after_epoch_1(tiny_config("train.checkpoint_every_s=0"), disk_full)
    monkeypatch.setattr(atomic.os, "fsync", real_fsync)
    assert result.status == "failed"
    assert result.reason.startswith("disk full while saving")
    assert "train.output_dir" in result.reason
    assert_untouched(saved, result, metrics_may_grow=True)
    leftovers = [p.name for p in Path(result.run_dir).iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    assert load_model(result.run_dir, "last")[2].name == "spirals"


def _mount_tmpfs_possible() -> bool:
    if shutil.which("unshare") is None or sys.platform != "linux":
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"], capture_output=True
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _mount_tmpfs_possible(), reason="needs `unshare -m` and mount rights for a tmpfs")
def test_really_full_disk_fails_in_one_line_and_keeps_last_pt(tmp_path):
    """The real thing: a 112 KiB tmpfs (in a private mount namespace) fills up while saving: room
    for one checkpoint (last.pt a hard link to best.pt) and the small files, not for a second."""
    mount, kept = tmp_path / "tiny-disk", tmp_path / "kept"
    mount.mkdir()
    kept.mkdir()
    command = (
        f"mount -t tmpfs -o size=112k tmpfs {mount} && "
        f"{sys.executable} -m tui_trainer --batch --set dataset.name=spirals --set model.hidden=64,64 "
        f"--set train.epochs=5 --set train.checkpoint_every_s=0 --output-dir {mount} "
        f"2>{tmp_path}/stderr; echo $? >{tmp_path}/rc; "
        f"cp -a {mount}/. {kept}/"  # the tmpfs vanishes with the namespace: keep what it held
    )
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]), OMP_NUM_THREADS="1")
    subprocess.run(["unshare", "-m", "sh", "-c", command], env=env, check=True, timeout=300)
    error = (tmp_path / "stderr").read_text().strip().splitlines()
    assert (tmp_path / "rc").read_text().strip() == "1"
    assert len(error) == 1 and error[0].startswith("tui-trainer: error: disk full while saving"), error
    [run_dir] = list(kept.iterdir())
    assert not [p.name for p in run_dir.iterdir() if p.name.endswith(".tmp")]
    assert load_checkpoint(run_dir)["state_dict"]
    assert read_summary(run_dir)["status"] == "failed"


def test_run_files_get_the_usual_permissions_not_private_ones(tiny_config):
    result = Trainer(tiny_config()).run()
    assert result.status == "completed"
    umask = os.umask(0)
    os.umask(umask)
    for path in Path(result.run_dir).iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path.name


def test_unwritable_output_directory_is_a_one_line_error(tiny_config, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the runs directory should be")
    result = Trainer(tiny_config(f"train.output_dir={blocker}/runs")).run()
    assert result.status == "failed"
    assert result.reason.startswith("cannot create run directory under")
    assert "\n" not in result.reason
    assert blocker.read_text() == "a file where the runs directory should be"


def _file_dataset(cfg, seed, path):
    data = torch.load(path, weights_only=True)
    meta = DatasetMeta(
        name="points",
        task="classification",
        input_shape=(2,),
        n_classes=2,
        class_names=["a", "b"],
        feature_names=["x1", "x2"],
        description="points read from a file",
    )
    return LoadedData(data["x"], data["y"], meta)


def test_dataset_file_deleted_mid_run_does_not_disturb_the_run(tiny_config, tmp_path, monkeypatch):
    registry.register(registry.DatasetSpec("pointsfile", _file_dataset, "file", "test points", prefix=True))
    try:
        generator = torch.Generator().manual_seed(0)
        x = torch.randn(80, 2, generator=generator)
        path = tmp_path / "points.pt"
        torch.save({"x": x, "y": (x[:, 0] > 0).long()}, path)

        def delete_after_first_epoch(event):
            if isinstance(event, EpochEnd) and event.epoch == 0:
                path.unlink()

        config = tiny_config(f"dataset.name=pointsfile:{path}", "train.epochs=3")
        result = Trainer(config, delete_after_first_epoch).run()
        # The data was read into memory at the start: the run does not need the file again.
        assert result.status == "completed", result.reason
        assert not path.exists()
        # Resuming reloads the data: without the file that is a clear failure, not a traceback.
        again = Trainer(config.with_overrides(["train.epochs=4"]), resume_from=result.run_dir).run()
        assert again.status == "failed"
        assert "\n" not in again.reason and "points.pt" in again.reason
    finally:
        registry._REGISTRY.pop("pointsfile", None)
