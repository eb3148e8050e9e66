"""Searches end to end through the real `tui-trainer` console script, on the moons toy."""

import csv
import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.toy_config import toy_config
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.trainer import train

CONSOLE_SCRIPT = shutil.which("tui-trainer")
pytestmark = pytest.mark.skipif(CONSOLE_SCRIPT is None, reason="tui-trainer console script not installed")
pytest.importorskip("optuna")


def run_cli(args, env, timeout=600):
    return subprocess.run([CONSOLE_SCRIPT, *args], env=env, capture_output=True, text=True, timeout=timeout)


def bad_default(tmp_path, epochs):
    """Plain SGD at a learning rate far too small to move the moons model in a few epochs."""
    config = toy_config(
        tmp_path / "runs", "optimizer.name=sgd", "optimizer.lr=1e-4", f"train.epochs={epochs}"
    )
    path = tmp_path / "bad.toml"
    config.save(path)
    return config, path


def the_search_dir(output_dir):
    searches = [p for p in output_dir.iterdir() if p.name.startswith("search-")]
    assert len(searches) == 1, searches
    return searches[0]


def read_rows(search_dir):
    with open(search_dir / "search.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def counted(rows):
    return [r for r in rows if r["status"] not in ("stopped", "interrupted")]


@pytest.mark.slow
def test_search_beats_a_bad_default_prunes_and_writes_best_toml(tmp_path, env):
    config, path = bad_default(tmp_path, epochs=4)
    default = train(config.with_overrides(["train.output_dir=" + str(tmp_path / "default")]))
    default_loss = default.metrics["best_val_loss"]
    args = ["--batch", str(path), "--search", "optimizer.lr=1e-4..1:log", "--search", "model.hidden=8|32,32"]
    result = run_cli([*args, "--trials", "20"], env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    search_dir = the_search_dir(tmp_path / "runs")
    rows = read_rows(search_dir)
    assert sorted(int(r["number"]) for r in counted(rows)) == list(range(20))
    finished = [r for r in rows if r["status"] == "completed"]
    best = min(finished, key=lambda r: float(r["objective"]))
    assert float(best["objective"]) < 0.5 * default_loss
    pruned = [r for r in rows if r["status"] == "pruned"]
    assert pruned and all(int(r["epochs_done"]) < int(r["epochs_planned"]) for r in pruned)

    # best.toml is the base config with the best trial's values, ready to train.
    best_config = TrainConfig.load(search_dir / "best.toml")
    assert f"{best_config.optimizer.lr:.4g}" == best["optimizer.lr"]
    assert ",".join(map(str, best_config.model.hidden)) == best["model.hidden"]
    assert best_config.train.output_dir == config.train.output_dir and best_config.optimizer.name == "sgd"
    # The table lists the best trial first; the trial's run knows its search.
    table = result.stdout.split(f"{search_dir.name}: best validation loss first", 1)[1]
    table_rows = [line for line in table.splitlines() if line.startswith("│")]
    assert len(table_rows) == 20 and Path(best["run_dir"]).name.split("-", 2)[-1] in table_rows[0]
    summary = json.loads((Path(best["run_dir"]) / "summary.json").read_text())
    assert summary["search"]["index"] == int(best["number"]) and summary["search"]["name"] == search_dir.name
    manifest = json.loads((search_dir / "search.json").read_text())
    assert set(manifest["importance"]) == {"optimizer.lr", "model.hidden"}
    assert sum(manifest["importance"].values()) == pytest.approx(1.0, abs=1e-3)
    assert manifest["best"]["number"] == int(best["number"])


@pytest.mark.slow
def test_an_interrupted_search_resumes_in_parallel_to_the_asked_number(tmp_path, env):
    _, path = bad_default(tmp_path, epochs=25)
    process = subprocess.Popen(
        [CONSOLE_SCRIPT, "--batch", str(path), "--search", "optimizer.lr=1e-3..1e-1:log", "--trials", "3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in process.stdout:  # interrupt the second trial
        lines.append(line)
        if line.startswith("trial 1 start"):
            break
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=300)
    assert process.returncode == 130, "".join(lines) + rest
    search_dir = the_search_dir(tmp_path / "runs")
    assert f"continue with: tui-trainer --resume-search {search_dir}" in rest
    first = read_rows(search_dir)
    assert [(r["number"], r["status"]) for r in first] == [("0", "completed"), ("1", "stopped")]

    result = run_cli(["--resume-search", str(search_dir), "--parallel", "2"], env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "2 at a time, 1 CPU thread(s) each" in result.stdout
    rows = read_rows(search_dir)
    assert len(counted(rows)) == 3 and all(r["status"] == "completed" for r in counted(rows))
    retried = [r for r in rows if r["number"] != "1" and r["optimizer.lr"] == first[1]["optimizer.lr"]]
    assert len(retried) == 1 and int(retried[0]["number"]) >= 2  # the stopped trial's values ran again
    logs = {p.stem for p in (search_dir / "logs").iterdir()}
    assert {Path(r["run_dir"]).name.split("-", 2)[-1] for r in rows} <= logs


@pytest.mark.parametrize(
    "search, message",
    [
        (
            "optimizer.lr=1e-1..1e-4",
            "--search 'optimizer.lr=1e-1..1e-4': the low end must be below the high end",
        ),
        (
            "model.hidden=8..32",
            "--search 'model.hidden=8..32': model.hidden is a list field, so it takes choices",
        ),
    ],
)
def test_a_bad_search_is_refused_in_one_line_before_anything_runs(search, message, moons_config, env):
    config, output_dir = moons_config("bad")
    result = run_cli(["--batch", str(config), "--search", search], env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"tui-trainer: error: {message}") and result.stderr.count("\n") == 1
    assert not output_dir.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--search", "optimizer.lr=1e-4..1e-1"], "--search runs headless: add --batch"),
        (["--batch", "--trials", "5"], "--trials only applies to searches"),
        (
            ["--batch", "--search", "optimizer.lr=1e-4..1e-1", "--sweep", "optimizer.name=adam,sgd"],
            "do not combine",
        ),
        (["--resume-search", "runs/x", "--set", "train.epochs=3"], "give only --trials and --parallel"),
    ],
)
def test_search_flag_misuse_gives_one_line_errors(args, message, env):
    result = run_cli(args, env)
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


def test_resume_search_of_a_directory_that_is_no_search(tmp_path, env):
    result = run_cli(["--resume-search", str(tmp_path)], env)
    assert result.returncode == 2
    assert (
        result.stderr == f"tui-trainer: error: {tmp_path} is not a search directory: it has no search.json\n"
    )


def test_without_optuna_the_search_says_what_to_install(tmp_path, moons_config, env):
    blocker = tmp_path / "blocked" / "optuna"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('optuna is blocked for this test')\n")
    env["PYTHONPATH"] = f"{blocker.parent}:{env['PYTHONPATH']}"
    config, _ = moons_config("no-optuna")
    result = run_cli(["--batch", str(config), "--search", "optimizer.lr=1e-4..1e-1"], env)
    assert result.returncode == 2
    assert result.stderr == "tui-trainer: error: the search needs Optuna: pip install 'tui-trainer[search]'\n"
