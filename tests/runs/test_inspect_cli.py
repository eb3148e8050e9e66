"""`tui-trainer --inspect RUN_DIR`: the linear model's fitted equation, the tables, and one line
for every run directory it cannot inspect."""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from rich.console import Console

from tests.toy_config import toy_config
from tui_trainer.engine.trainer import Trainer
from tui_trainer.inspect_command import inspect_and_report

ROOT = Path(__file__).resolve().parents[2]
EQUATION = re.compile(r"fitted equation: y = (-?[\d.]+)·x ([+-]) ([\d.]+)")


def train_run(runs_dir, *overrides) -> Path:
    result = Trainer(toy_config(runs_dir, *overrides)).run()
    assert result.status == "completed", result.reason
    return Path(result.run_dir)


@pytest.fixture(scope="module")
def linear_run(tmp_path_factory):
    """The linear toy (y = 2x + 1 + noise) fitted by a model without hidden layers."""
    runs = tmp_path_factory.mktemp("runs")
    return train_run(
        runs,
        "dataset.name=linear",
        "dataset.noise=0.01",
        "dataset.n_samples=500",
        "model.hidden=",
        "loss.name=mse",
        "optimizer.name=sgd",
        "optimizer.lr=0.05",
        "train.epochs=20",
    )


@pytest.mark.slow  # the console script's start-up
def test_inspect_prints_the_fitted_line_in_the_data_units(linear_run):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        ["tui-trainer", "--inspect", str(linear_run)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    match = EQUATION.search(done.stdout)
    assert match, done.stdout
    slope, sign, intercept = float(match[1]), match[2], float(match[3])
    assert abs(slope - 2.0) <= 0.05 and sign == "+" and abs(intercept - 1.0) <= 0.1
    # not a terminal: plain aligned text, no box drawing
    assert "learned parameters (epoch 20):" in done.stdout and "│" not in done.stdout
    assert "parameter values:" in done.stdout and "health: no warnings" in done.stdout
    assert done.stderr == ""


def test_inspect_on_a_terminal_draws_rich_tables(linear_run):
    console = Console(force_terminal=True, record=True, width=140)
    assert inspect_and_report(str(linear_run), console) == 0
    text = console.export_text()
    for title in ("layers", "learned parameters (epoch 20)", "layer health", "parameter values"):
        assert title in text
    assert "│" in text or "┃" in text
    assert EQUATION.search(text)


def test_inspect_shows_warnings_and_activations_of_a_vanishing_network(runs_dir, capsys):
    run = train_run(runs_dir, "model.hidden=16,16,16,16,16,16,16,16", "model.activation=sigmoid")
    assert inspect_and_report(str(run), Console(width=200)) == 0
    out = capsys.readouterr().out
    assert "warning (epoch" in out and "vanishing gradients: layer 0" in out
    assert "activations (latest collection):" in out and "Sigmoid" in out
    assert "fitted equation" not in out


def test_inspect_summarises_a_conv_models_feature_maps(runs_dir, capsys):
    run = train_run(runs_dir, "dataset.name=digits", "model.layers=conv4,pool", "train.epochs=1")
    assert inspect_and_report(str(run), Console(width=200)) == 0
    out = capsys.readouterr().out
    assert "feature maps of the test sample 1:" in out and "4×8×8" in out
    assert "first conv layer 0: 4 filters of 1×3×3" in out


def old_run(tmp_path, linear_run) -> Path:
    """A run directory as an older tui-trainer left it: no model_stats.jsonl."""
    run = tmp_path / "old-run"
    shutil.copytree(linear_run, run)
    (run / "model_stats.jsonl").unlink()
    return run


def missing(tmp_path, _linear_run) -> Path:
    return tmp_path / "missing"


def a_file(tmp_path, _linear_run) -> Path:
    (tmp_path / "file").write_text("x")
    return tmp_path / "file"


def not_a_run(tmp_path, _linear_run) -> Path:
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (missing, "no run directory"),
        (a_file, "is not a run directory (it is a file)"),
        (not_a_run, "it has no config.toml"),
        (old_run, "has no model_stats.jsonl: it was trained by an older tui-trainer"),
    ],
    ids=["missing", "file", "not-a-run", "old-run"],
)
def test_a_directory_that_cannot_be_inspected_is_one_line_and_exit_2(
    tmp_path, linear_run, capsys, make, expected
):
    path = make(tmp_path, linear_run)
    assert inspect_and_report(str(path)) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and expected in captured.err
    assert captured.err.count("\n") == 1 and captured.err.startswith("tui-trainer: error: ")


def test_a_run_without_a_finished_epoch_says_so(tmp_path, linear_run, capsys):
    run = old_run(tmp_path, linear_run)
    (run / "model_stats.jsonl").write_text('{"epoch": 1, "par')  # only a torn line
    assert inspect_and_report(str(run)) == 2
    assert "no model statistics yet" in capsys.readouterr().err


class _Payload:
    """Unpickling this would create `marker`: what a hostile weights file would do."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_hostile_weights_are_not_loaded_and_the_statistics_still_show(tmp_path, linear_run, capsys):
    run = tmp_path / "shared"
    shutil.copytree(linear_run, run)
    marker = tmp_path / "marker"
    for name in ("model.pt", "last.pt", "best.pt"):
        payload = torch.load(run / name, weights_only=True)
        payload["extra"] = _Payload(marker)
        (run / name).unlink()
        torch.save(payload, run / name)
    with open(run / "model_stats.jsonl", "a") as stats:
        stats.write("not json\n")
    assert inspect_and_report(str(run), Console(width=200)) == 0
    out = capsys.readouterr().out
    assert not marker.exists()
    assert "no layer table:" in out and "not loaded for safety" in out
    assert "(1 unreadable lines of model_stats.jsonl skipped)" in out
    assert EQUATION.search(out), "the equation comes from the statistics, not the weights"
