"""Listing past runs, robust to half-written and damaged directories."""

import json

import pytest

from tests.runs.past_run_dirs import write_past_run
from tui_trainer.engine.config import ConfigError
from tui_trainer.engine.rundir.layout import NOTE_FILE
from tui_trainer.engine.rundir.lock import RunLock
from tui_trainer.engine.rundir.past_runs import (
    MAX_NOTE_LENGTH,
    list_runs,
    load_curves,
    load_run_config,
    read_run,
)
from tui_trainer.engine.rundir.run_edits import RunEditError, delete_run, write_note
from tui_trainer.engine.trainer import Trainer


def test_a_finished_run_is_listed_with_its_numbers(tiny_config, runs_dir):
    result = Trainer(tiny_config("train.epochs=2", "optimizer.lr=0.01")).run()
    (record,) = list_runs(runs_dir)
    assert str(record.path) == result.run_dir
    described = (record.dataset, record.model, record.optimizer, record.lr)
    assert described == ("spirals", "16x8 relu", "adam", 0.01)
    assert record.epochs == 2 and record.status == "completed" and record.problem is None
    assert record.best_val_loss == result.metrics["best_val_loss"]
    assert record.duration is not None and record.duration > 0 and record.resumable
    curves = load_curves(record.path)
    assert curves.epochs == [1, 2] and len(curves.val_loss) == 2
    assert load_run_config(record.path).optimizer.lr == 0.01
    assert set(record.as_row()) >= {
        "name",
        "dataset",
        "model",
        "optimizer",
        "lr",
        "epochs",
        "best_val_accuracy",
        "best_val_loss",
        "duration",
        "status",
        "path",
    }


def test_damaged_and_partial_directories_still_give_rows(tiny_config, runs_dir):
    Trainer(tiny_config("train.epochs=1")).run()
    (good,) = list(runs_dir.iterdir())
    broken = runs_dir / "20990101-000000-broken"
    broken.mkdir()
    (broken / "config.toml").write_text("this is [not toml")
    (broken / "metrics.jsonl").write_text(
        '{"epoch": 1, "val_loss": 0.5, "val_accuracy": 0.8}\n{"epoch": 2, "val_lo'
    )
    (broken / "summary.json").write_text("{")
    killed = runs_dir / "20990101-000001-killed"
    killed.mkdir()
    (killed / "config.toml").write_text((good / "config.toml").read_text())
    (runs_dir / "notes.txt").write_text("not a run")
    (runs_dir / "empty-dir").mkdir()

    records = {r.path.name: r for r in list_runs(runs_dir)}
    assert set(records) == {good.name, broken.name, killed.name}
    row = records[broken.name]
    assert row.epochs == 1 and row.best_val_loss == 0.5 and row.best_val_accuracy == 0.8
    assert "not valid TOML" in row.problem and "1 unreadable line" in row.problem
    assert "summary.json unreadable" in row.problem
    assert records[killed.name].status == "incomplete" and records[killed.name].dataset == "spirals"
    with pytest.raises(ConfigError):
        load_run_config(broken)


def test_a_missing_runs_directory_lists_nothing(tmp_path):
    assert list_runs(tmp_path / "absent") == []


def test_repeated_epochs_keep_the_newest_values(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    lines = [{"epoch": 1, "val_loss": 2.0}, {"epoch": 2, "val_loss": 1.5}, {"epoch": 2, "val_loss": 1.0}]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    curves = load_curves(run)
    assert curves.epochs == [1, 2] and curves.val_loss == [2.0, 1.0]
    assert read_run(run).best_val_loss == 1.0


def write_damaged_runs(root):
    """Run directories that each broke a whole listing once: one reason each."""
    damaged = {
        "20990101-000010-bigint": ("config.toml", b"[train]\nepochs = " + b"9" * 5000 + b"\n"),
        "20990101-000011-deepjson": ("metrics.jsonl", b"[" * 100_000 + b"\n"),
        "20990101-000012-latin1": ("config.toml", '[train]\nrun_name = "café"\n'.encode("latin-1")),
        "20990101-000013-deepsummary": ("summary.json", b"[" * 100_000),
        "20990101-000014-infepoch": (
            "metrics.jsonl",
            b'{"epoch": 1e999}\n{"epoch": 1, "val_loss": 1' + b"0" * 400 + b"}\n",
        ),
    }
    for name, (file, content) in damaged.items():
        (root / name).mkdir(parents=True)
        (root / name / file).write_bytes(content)
    return damaged


def test_each_damaged_directory_gets_its_own_row_and_the_rest_are_listed(tiny_config, runs_dir):
    Trainer(tiny_config("train.epochs=1")).run()
    (good,) = list(runs_dir.iterdir())
    damaged = write_damaged_runs(runs_dir)
    utf16 = runs_dir / "20990101-000015-utf16"  # what PowerShell writes: read, not damaged
    utf16.mkdir()
    (utf16 / "config.toml").write_bytes((good / "config.toml").read_text().encode("utf-16"))

    records = {r.path.name: r for r in list_runs(runs_dir)}
    assert set(records) == {good.name, utf16.name, *damaged}
    assert records[good.name].problem is None and records[good.name].status == "completed"
    assert records[utf16.name].problem is None and records[utf16.name].dataset == "spirals"
    reasons = {name: records[name].problem for name in damaged}
    assert reasons["20990101-000010-bigint"] == (
        "config.toml is not a usable config: an integer has more than 4,300 digits"
    )
    assert "1 unreadable line(s) in metrics.jsonl" in reasons["20990101-000011-deepjson"]
    assert "config.toml is not UTF-8 text" in reasons["20990101-000012-latin1"]
    assert "summary.json unreadable: nested too deeply" in reasons["20990101-000013-deepsummary"]
    assert "1 unreadable line(s) in metrics.jsonl" in reasons["20990101-000014-infepoch"]
    assert records["20990101-000014-infepoch"].best_val_loss is None  # 10**400 is no loss value


def test_a_directory_in_place_of_the_metrics_file_still_gives_a_row(tmp_path):
    run = tmp_path / "20990101-000000-unreadable"
    run.mkdir()
    (run / "metrics.jsonl").mkdir()  # a directory where a file belongs
    (tmp_path / "20990101-000001-fine").mkdir()
    (tmp_path / "20990101-000001-fine" / "metrics.jsonl").write_text('{"epoch": 1, "val_loss": 0.5}\n')
    records = {r.path.name: r for r in list_runs(tmp_path)}
    assert set(records) == {run.name, "20990101-000001-fine"}
    assert records[run.name].epochs == 0 and records[run.name].problem == "no config.toml"
    assert records["20990101-000001-fine"].best_val_loss == 0.5


def test_best_val_accuracy_is_the_highest_and_the_best_loss_epochs_is_kept_apart(tmp_path):
    """Epoch 2 has the lowest loss (0.40, 65%); epoch 3 the highest accuracy (80%)."""
    losses, accuracies = [0.5, 0.4, 0.45], [0.70, 0.65, 0.80]
    with_summary = write_past_run(tmp_path, "20250101-120000", "finished", losses, accuracies)
    killed = write_past_run(tmp_path, "20250101-130000", "killed", losses, accuracies, summary=False)
    for run in (with_summary, killed):
        record = read_run(run)
        assert record.best_val_accuracy == max(accuracies)
        assert record.val_accuracy_at_best_loss == accuracies[losses.index(min(losses))]
        assert record.best_val_loss == min(losses)
        assert record.as_row()["val_accuracy_at_best_loss"] == record.val_accuracy_at_best_loss


def test_a_summarys_best_record_stands_in_when_the_metrics_have_no_accuracy(tmp_path):
    run = write_past_run(tmp_path, "20250101-120000", "old", [0.5, 0.4], [None, None])
    summary = json.loads((run / "summary.json").read_text())
    summary["best"]["val_accuracy"] = 0.9
    (run / "summary.json").write_text(json.dumps(summary))
    record = read_run(run)
    assert record.best_val_accuracy == record.val_accuracy_at_best_loss == 0.9


def test_a_note_is_saved_cleaned_read_back_and_removed(tmp_path):
    run = write_past_run(tmp_path, "20250101-120000", "noted", [0.5], [0.7])
    assert read_run(run).note == ""
    saved = write_note(run, "  lr too high?\nretry with\t1e-3 \x1b[31m ")
    assert saved == "lr too high? retry with 1e-3 [31m"
    assert (run / NOTE_FILE).read_text().strip() == saved
    assert read_run(run).note == saved
    assert len(write_note(run, "x" * 5000)) == MAX_NOTE_LENGTH
    write_note(run, "   ")
    assert not (run / NOTE_FILE).exists() and read_run(run).note == ""


def test_delete_removes_a_run_but_never_one_being_trained_or_a_non_run(tmp_path):
    run = write_past_run(tmp_path, "20250101-120000", "gone", [0.5], [0.7])
    busy = write_past_run(tmp_path, "20250101-130000", "busy", [0.5], [0.7])
    other = tmp_path / "not-a-run"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    lock = RunLock.acquire(busy)
    try:
        with pytest.raises(RunEditError, match="being trained"):
            delete_run(busy)
    finally:
        lock.release()
    with pytest.raises(RunEditError, match="not a run directory"):
        delete_run(other)
    delete_run(run)
    assert not run.exists() and busy.exists() and (other / "keep.txt").exists()
    assert [r.path.name for r in list_runs(tmp_path)] == [busy.name]
