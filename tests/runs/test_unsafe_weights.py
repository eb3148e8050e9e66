"""A shared run directory must never run code: every entry point that reads a .pt refuses a file
whose pickle carries more than tensors and plain values, with one line and exit 2."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tui_trainer.cli import main
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.rundir.weights import WeightsFileError, load_weights_file
from tui_trainer.engine.trainer import Trainer

WEIGHT_FILES = ("model.pt", "last.pt", "best.pt")


class _Payload:
    """Unpickling this runs `touch marker`: what a hostile weights file would do."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    config = TrainConfig().with_overrides(
        [
            "dataset.name=moons",
            "dataset.n_samples=80",
            "dataset.batch_size=16",
            "model.hidden=8",
            "train.epochs=2",
            "train.device=cpu",
            "train.n_samples_shown=0",
            f"train.output_dir={runs}",
        ]
    )
    result = Trainer(config).run()
    assert result.status == "completed", result.reason
    return Path(result.run_dir)


@pytest.fixture
def hostile_run(clean_run, tmp_path):
    """A copy of a real run whose three weights files each carry the payload beside real weights."""
    run = tmp_path / "shared-run"
    shutil.copytree(clean_run, run)
    marker = tmp_path / "marker"
    for name in WEIGHT_FILES:
        payload = torch.load(run / name, weights_only=True)
        payload["extra"] = _Payload(marker)
        (run / name).unlink()  # last.pt may be a hard link to best.pt: give each its own file
        torch.save(payload, run / name)
    return run, marker


def _refusal(path: Path) -> str:
    return (
        f"tui-trainer: error: {path} is not a tui-trainer weights file (it holds Python objects "
        "that are not loaded for safety)"
    )


@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
@pytest.mark.parametrize("weights", ["final", "best", "last"])
def test_export_refuses_a_weights_file_carrying_code(hostile_run, fmt, weights, capsys):
    run, marker = hostile_run
    code = main(["--export", fmt, str(run), "--weights", weights])
    err = capsys.readouterr().err.strip().splitlines()
    name = {"final": "model.pt", "best": "best.pt", "last": "last.pt"}[weights]
    assert code == 2
    assert err == [_refusal(run / name)]
    assert not marker.exists()
    assert not list(run.glob("model*.onnx")) and not list(run.glob("model*.torchscript.pt"))


def test_export_of_a_pt_path_given_directly_is_refused(hostile_run, capsys):
    run, marker = hostile_run
    assert main(["--export", "torchscript", str(run / "best.pt")]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [_refusal(run / "best.pt")]
    assert not marker.exists()


@pytest.mark.parametrize("weights", ["final", "best", "last"])
def test_predict_refuses_a_weights_file_carrying_code(hostile_run, weights, capsys):
    run, marker = hostile_run
    points = run.parent / "points.csv"
    points.write_text("x1,x2\n0.5,0.25\n")
    assert main(["--predict", str(points), str(run), "--weights", weights]) == 2
    name = {"final": "model.pt", "best": "best.pt", "last": "last.pt"}[weights]
    assert capsys.readouterr().err.strip().splitlines() == [_refusal(run / name)]
    assert not marker.exists()


def test_resume_refuses_a_checkpoint_carrying_code(hostile_run, capsys):
    run, marker = hostile_run
    code = main(["--resume", str(run), "--set", "train.epochs=4"])
    err = [line for line in capsys.readouterr().err.strip().splitlines() if line]
    assert code == 2
    assert err == [_refusal(run / "last.pt")]
    assert not marker.exists()


def test_the_console_script_refuses_it_in_one_line(hostile_run):
    run, marker = hostile_run
    done = subprocess.run(
        [sys.executable, "-m", "tui_trainer", "--export", "onnx", str(run)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [_refusal(run / "model.pt")]
    assert not marker.exists()


def test_the_loader_reads_real_weights_and_names_damaged_files(clean_run, tmp_path):
    assert "state_dict" in load_weights_file(clean_run / "model.pt")
    torn = tmp_path / "torn.pt"
    torn.write_bytes((clean_run / "model.pt").read_bytes()[:200])
    with pytest.raises(WeightsFileError, match=r"torn.pt is not a readable weights file"):
        load_weights_file(torn)
    with pytest.raises(WeightsFileError, match="no weights file"):
        load_weights_file(tmp_path / "missing.pt")


def test_no_module_loads_pickles_without_weights_only():
    """The one loader is the only torch.load in the package, and it is weights_only."""
    package = Path(__file__).resolve().parents[2] / "tui_trainer"
    callers = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if "torch.load(" in path.read_text()
    ]
    assert callers == ["engine/rundir/weights.py"]
    assert "weights_only=False" not in (package / "engine" / "rundir" / "weights.py").read_text()
