"""The run directory's names: what the writer creates is what the readers recognise."""

import time

from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.rundir.layout import (
    CONFIG_FILE,
    export_file_name,
    find_run_dir,
    is_sweep_dir,
    short_run_name,
    slug,
    sweep_start_clock,
    weights_path,
)
from tui_trainer.engine.rundir.writer import RunDirectory, create_sweep_dir
from tui_trainer.ui.runs_data import collect_runs, format_sweep


def test_a_created_run_directory_is_found_by_its_run_name_and_shown_without_its_timestamp(tmp_path):
    config = TrainConfig().with_overrides([f"train.output_dir={tmp_path}", "train.run_name=lr 1e-3/adam"])
    first, second = RunDirectory.create(config), RunDirectory.create(config)
    try:
        assert first.path != second.path  # same second, same name: the second gets a suffix
        assert short_run_name(first.path.name) == slug("lr 1e-3/adam") == "lr_1e-3_adam"
        assert find_run_dir(tmp_path, "lr 1e-3/adam") == first.path
        assert find_run_dir(tmp_path, "another") is None
    finally:
        first.close()
        second.close()


def test_a_created_sweep_directory_is_listed_as_a_sweep_with_its_start_time(tmp_path):
    before = time.localtime()
    sweep = create_sweep_dir(tmp_path / "runs")
    assert is_sweep_dir(sweep) and not is_sweep_dir(tmp_path)
    clock = sweep_start_clock(sweep.name)
    assert clock is not None and int(clock[:2]) in (before.tm_hour, (before.tm_hour + 1) % 24)
    config = TrainConfig().with_overrides([f"train.output_dir={sweep}", "train.run_name=p1"])
    run = RunDirectory.create(config)
    run.write_config(config)
    run.close()
    (row,) = collect_runs(tmp_path / "runs")
    assert row.sweep == sweep.name and format_sweep(row) == clock
    assert (run.path / CONFIG_FILE).exists()
    assert sweep_start_clock("20990101-000000-run") is None


def test_weights_and_export_names(tmp_path):
    assert weights_path(tmp_path, "best") == tmp_path / "best.pt"
    assert weights_path(tmp_path) == tmp_path / "model.pt"
    assert weights_path(tmp_path / "w.pt", "best") == tmp_path / "w.pt"  # a file is itself
    assert export_file_name("onnx") == "model.onnx"
    assert export_file_name("torchscript", "best") == "model-best.torchscript.pt"
