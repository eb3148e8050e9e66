"""The CLI's run flags: --resume, --tensorboard, --export with bad input."""

from pathlib import Path

from tui_trainer.cli import build_parser, main, resolve_config
from tui_trainer.engine.trainer import Trainer
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_OK


def test_resume_of_something_that_is_not_a_run_is_a_one_line_error(tmp_path, capsys):
    assert main(["--resume", str(tmp_path / "absent")]) == EXIT_BAD_CONFIG
    assert "is not a directory" in capsys.readouterr().err
    assert main(["--resume", str(tmp_path)]) == EXIT_BAD_CONFIG
    assert "has no config.toml" in capsys.readouterr().err


def test_resume_takes_no_config_file(tmp_path, capsys):
    assert main(["--resume", str(tmp_path), "--batch", "my.toml"]) == EXIT_BAD_CONFIG
    assert "give no config file" in capsys.readouterr().err


def test_resume_of_a_run_without_checkpoint_says_so(tiny_config, capsys):
    result = Trainer(tiny_config("train.epochs=1")).run()
    result_dir = Path(result.run_dir)
    (result_dir / "last.pt").unlink()
    assert main(["--resume", str(result_dir), "--set", "train.epochs=2"]) == EXIT_BAD_CONFIG
    err = capsys.readouterr().err
    assert "no checkpoint at" in err and len(err.strip().splitlines()) == 1


def test_resume_reads_the_runs_config_and_applies_overrides(tiny_config):
    result = Trainer(tiny_config("train.epochs=1")).run()
    args = build_parser().parse_args(["--resume", result.run_dir, "--set", "train.epochs=3", "--tensorboard"])
    config = resolve_config(args)
    assert config.dataset.name == "spirals" and config.train.epochs == 3 and config.train.tensorboard


def test_print_config_with_tensorboard(capsys):
    assert main(["--print-config", "--tensorboard"]) == EXIT_OK
    assert "tensorboard = true" in capsys.readouterr().out
