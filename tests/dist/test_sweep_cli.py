"""Sweeps end to end through the real `tui-trainer` console script."""

import csv
import json
import shutil
import signal
import subprocess

import pytest

CONSOLE_SCRIPT = shutil.which("tui-trainer")
pytestmark = pytest.mark.skipif(CONSOLE_SCRIPT is None, reason="tui-trainer console script not installed")


def run_cli(args, env, timeout=300):
    return subprocess.run([CONSOLE_SCRIPT, *args], env=env, capture_output=True, text=True, timeout=timeout)


def the_sweep_dir(output_dir):
    sweeps = [p for p in output_dir.iterdir() if p.name.startswith("sweep-")]
    assert len(sweeps) == 1, sweeps
    return sweeps[0]


def read_csv(sweep_dir):
    with open(sweep_dir / "sweep.csv", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_sequential_sweep_writes_runs_csv_and_ranked_table(moons_config, env):
    config, output_dir = moons_config("seq", epochs=4)
    result = run_cli(
        ["--batch", str(config), "--sweep", "optimizer.lr=1e-3,2e-2", "--sweep", "model.hidden=8|32,32"], env
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    sweep_dir = the_sweep_dir(output_dir)
    rows = read_csv(sweep_dir)
    assert [(r["optimizer.lr"], r["model.hidden"]) for r in rows] == [
        ("1e-3", "8"), ("1e-3", "32,32"), ("2e-2", "8"), ("2e-2", "32,32"),
    ]
    run_dirs = sorted(p for p in sweep_dir.iterdir() if p.is_dir() and p.name not in ("points", "logs"))
    assert len(run_dirs) == 4
    for row in rows:
        assert row["status"] == "completed"
        assert 0.0 <= float(row["best_val_accuracy"]) <= 1.0
        assert float(row["best_val_accuracy"]) >= float(row["val_accuracy"])
        summary = json.loads((sweep_dir / row["run_dir"].split("/")[-1] / "summary.json").read_text())
        assert summary["sweep"]["name"] == sweep_dir.name
        assert summary["sweep"]["params"] == {
            "optimizer.lr": row["optimizer.lr"], "model.hidden": row["model.hidden"]
        }
    configs = {p.name: p for p in run_dirs}
    assert all((p / "config.toml").exists() and (p / "model.pt").exists() for p in configs.values())
    manifest = json.loads((sweep_dir / "sweep.json").read_text())
    assert manifest["axes"] == {"optimizer.lr": ["1e-3", "2e-2"], "model.hidden": ["8", "32,32"]}
    # The table lists the points best validation accuracy first.
    best = max(rows, key=lambda r: float(r["best_val_accuracy"]))
    table = result.stdout.split(f"{sweep_dir.name}: best validation accuracy first", 1)[1]
    table_rows = [line for line in table.splitlines() if line.startswith("│")]
    assert len(table_rows) == 4
    assert f"{float(best['best_val_accuracy']) * 100:.2f}%" in table_rows[0]


@pytest.mark.slow
def test_parallel_sweep_runs_two_points_at_once_with_logs(moons_config, env):
    config, output_dir = moons_config("par", epochs=3)
    result = run_cli(["--batch", str(config), "--sweep", "optimizer.lr=1e-3,1e-2", "--parallel", "2"], env)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "2 at a time, 1 CPU thread(s) each" in result.stdout
    sweep_dir = the_sweep_dir(output_dir)
    rows = read_csv(sweep_dir)
    assert [r["status"] for r in rows] == ["completed", "completed"]
    logs = sorted(p.name for p in (sweep_dir / "logs").iterdir())
    assert logs == ["p1-lr1e-3.log", "p2-lr1e-2.log"]
    assert all("completed: trained 3 epochs" in (sweep_dir / "logs" / name).read_text() for name in logs)


@pytest.mark.parametrize(
    "sweep, message",
    [
        ("optimizer.lr=1e-3,0", "sweep point 2 (optimizer.lr=0): optimizer.lr must be > 0, got 0.0"),
        ("dataset.name=moons,mons",
         "sweep point 2 (dataset.name=mons): unknown dataset.name 'mons'; valid: "),
    ],
)
def test_bad_sweep_is_refused_before_anything_runs(sweep, message, moons_config, env):
    config, output_dir = moons_config("bad")
    result = run_cli(["--batch", str(config), "--sweep", sweep], env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"tui-trainer: error: {message}")
    assert result.stderr.count("\n") == 1
    assert not output_dir.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--sweep", "optimizer.lr=1e-3"], "--sweep runs headless: add --batch"),
        (["--batch", "--parallel", "2"], "--parallel only applies to sweeps"),
        (["--batch", "--sweep", "optimizer.lr=1e-3", "--parallel", "0"], "--parallel must be at least 1"),
    ],
)
def test_sweep_flag_misuse_gives_one_line_errors(args, message, env):
    result = run_cli(args, env)
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP])
def test_interrupt_stops_the_running_point_and_skips_the_rest(moons_config, env, signum):
    config, output_dir = moons_config("stop", epochs=100000)
    process = subprocess.Popen(
        [CONSOLE_SCRIPT, "--batch", str(config), "--sweep", "optimizer.lr=1e-3,1e-2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines = []
    for line in process.stdout:  # wait until the first point is training
        lines.append(line)
        if line.split()[:2] == ["epoch", "2/100000"]:
            break
    process.send_signal(signum)
    rest, _ = process.communicate(timeout=120)
    assert process.returncode == 130, "".join(lines) + rest
    rows = read_csv(the_sweep_dir(output_dir))
    assert [r["status"] for r in rows] == ["stopped", "skipped"]
    assert rows[0]["run_dir"]
    assert (the_sweep_dir(output_dir) / rows[0]["run_dir"].split("/")[-1] / "model.pt").exists()
