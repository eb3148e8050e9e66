"""`--preset NAME` and `--presets` through the real console script (and the app's entry)."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tui_trainer import cli
from tui_trainer.engine.presets import list_presets

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.run(["tui-trainer", *args], capture_output=True, text=True, env=env, timeout=timeout)


def test_presets_lists_each_with_its_description_and_what_to_expect():
    done = run_cli("--presets")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for preset in list_presets():
        (line,) = [i for i, text in enumerate(lines) if text.startswith(preset.name + " ")]
        assert lines[line].endswith(preset.description)
        assert lines[line + 1].strip() == f"expect: {preset.expect}"
    assert "tui-trainer --preset NAME" in lines[-1]


def test_listing_the_presets_does_not_import_torch():
    code = (
        "import contextlib, io, sys\n"
        "from tui_trainer.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--presets']) == 0\n"
        "print('torch' in sys.modules)"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_preset_is_the_starting_config_and_set_still_overrides():
    done = run_cli("--preset", "linear-regression", "--set", "train.epochs=7", "--print-config")
    assert done.returncode == 0, done.stderr
    config = tomllib.loads(done.stdout)
    assert config["dataset"]["name"] == "linear" and config["dataset"]["x_spacing"] == "even"
    assert config["model"]["hidden"] == [] and config["optimizer"]["name"] == "sgd"
    assert config["train"]["epochs"] == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--preset", "mnist-cnn"],
            "tui-trainer: error: unknown preset 'mnist-cnn'; valid: cifar10-resnet8, digits-cnn, ",
        ),
        (
            ["my.toml", "--preset", "digits-cnn"],
            "tui-trainer: error: give either a config file (my.toml) or --preset digits-cnn, not both",
        ),
        (
            ["--batch", "my.toml", "--preset", "digits-cnn"],
            "tui-trainer: error: give either a config file (my.toml) or --preset digits-cnn, not both",
        ),
        (
            ["--resume", "runs/x", "--preset", "digits-cnn"],
            "tui-trainer: error: --resume reads the run's own config.toml: give no config file or preset",
        ),
        (
            ["--preset", "digits-cnn", "--set", "dataset.augment=sideways"],
            "tui-trainer: error: unknown dataset.augment 'sideways'; valid: auto, none, flip, crop, "
            "flip+crop",
        ),
    ],
)
def test_bad_preset_use_is_one_line_and_exit_2(args, message, capsys):
    assert cli.main([*args, "--print-config"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (line,) = captured.err.strip().splitlines()
    assert line.startswith(message)


def test_the_app_opens_on_the_preset(monkeypatch):
    import tui_trainer.ui.launch

    opened = {}

    def run_app(config, config_path=None):
        opened.update(c=config, p=config_path)
        return 0

    monkeypatch.setattr(tui_trainer.ui.launch, "run_app", run_app)
    assert cli.main(["--preset", "digits-cnn", "--set", "train.epochs=3"]) == 0
    assert opened["c"].model.layers == ["simple-cnn"] and opened["c"].train.epochs == 3
    assert opened["p"] is None  # saving asks for a file name: the preset file stays as shipped


@pytest.mark.slow
def test_batch_trains_a_preset_and_records_its_config(tmp_path):
    out = tmp_path / "runs"
    done = run_cli(
        "--batch", "--preset", "linear-regression", "--set", "train.epochs=3", "--output-dir", str(out)
    )
    assert done.returncode == 0, done.stderr
    (run,) = list(out.iterdir())
    config = tomllib.loads((run / "config.toml").read_text())
    assert config["dataset"]["n_samples"] == 11 and config["train"]["epochs"] == 3
    assert config["dataset"]["augment"] == "none"  # auto, decided for a table
