"""`tui-trainer --runs [DIR]` through the real console script: the Runs screen's columns and
numbers as plain lines, as a rich table on a terminal, and as JSON."""

import json
import os
import pty
import re
import select
import subprocess
from pathlib import Path

import pytest

from tests.runs.past_run_dirs import write_past_run
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_OK
from tui_trainer.runs_table import collect_runs, row_cells, visible_columns

ROOT = Path(__file__).resolve().parents[2]
SAME = "moons-64x32-adam"


def run_cli(*args, cwd=None, **streams):
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="200")
    return subprocess.run(
        ["tui-trainer", *args],
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        **(streams or {"capture_output": True}),
    )


@pytest.fixture
def runs_dir(tmp_path) -> Path:
    """Two runs of one name (the first: 80% best accuracy, 65% at its lowest loss), a digits run
    without a summary (killed), and a sweep's point."""
    root = tmp_path / "runs"
    write_past_run(root, "20250101-090000", SAME, [0.5, 0.4, 0.45], [0.70, 0.65, 0.80])
    write_past_run(root, "20250101-100000", SAME, [0.6, 0.3], [0.60, 0.90])
    write_past_run(root, "20250101-110000", "digits-run", [1.0], [0.5], dataset="digits", summary=False)
    write_past_run(root / "sweep-20250102-080000", "20250102-080500", "p1-lr1e-3", [0.5], [0.7])
    return root


def test_plain_lines_have_the_screens_columns_and_cells(runs_dir):
    proc = run_cli("--runs", str(runs_dir))
    assert proc.returncode == EXIT_OK and proc.stderr == ""
    header, *lines = proc.stdout.splitlines()
    rows = collect_runs(runs_dir)
    columns = visible_columns(rows)
    assert re.split(r" {2,}", header) == [column.title for column in columns]
    assert {"sweep", "best val acc", "acc @ best loss"} <= {column.title for column in columns}
    assert len(lines) == len(rows) == 4
    for line, row in zip(lines, rows, strict=True):  # the screen's order (newest first) and text
        assert re.split(r" {2,}", line.strip()) == [cell for cell in row_cells(row, columns) if cell]
    first = next(line for line in lines if "01-01 09:00:00" in line)
    assert SAME in first and first.index("80.00%") < first.index("65.00%")


def test_json_gives_both_accuracies_as_numbers(runs_dir):
    proc = run_cli("--runs", str(runs_dir), "--json")
    assert proc.returncode == EXIT_OK, proc.stderr
    runs = {run["started"]: run for run in json.loads(proc.stdout)}
    first = runs["2025-01-01T09:00:00"]
    assert first["name"] == SAME and first["best_val_accuracy"] == 0.8
    assert first["val_accuracy_at_best_loss"] == 0.65 and first["best_val_loss"] == 0.4
    assert runs["2025-01-01T10:00:00"]["best_val_accuracy"] == 0.9
    killed = next(run for run in runs.values() if run["name"] == "digits-run")
    assert killed["status"] == "incomplete" and killed["dataset"] == "digits"
    point = next(run for run in runs.values() if run["sweep"])
    assert point["sweep"] == "sweep-20250102-080000" and point["name"] == "p1-lr1e-3"


def test_a_terminal_gets_a_table(runs_dir):
    main, secondary = pty.openpty()
    proc = run_cli("--runs", str(runs_dir), stdout=secondary, stderr=secondary)
    os.close(secondary)
    chunks = []
    while select.select([main], [], [], 5)[0]:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    text = b"".join(chunks).decode()
    assert proc.returncode == EXIT_OK, text
    assert "4 runs in" in text and "acc @ best loss" in text and "80.00%" in text
    assert "━" in text or "─" in text  # drawn as a table, not plain lines


def test_default_directory_is_the_configs_output_dir(runs_dir):
    proc = run_cli("--runs", cwd=runs_dir.parent)  # train.output_dir is "runs"
    assert proc.returncode == EXIT_OK and len(proc.stdout.splitlines()) == 5
    proc = run_cli("--runs", "--output-dir", str(runs_dir), "--json")
    assert proc.returncode == EXIT_OK and len(json.loads(proc.stdout)) == 4


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    for args in (["--runs", str(tmp_path / "absent")], ["--json"]):
        proc = run_cli(*args)
        assert proc.returncode == EXIT_BAD_CONFIG and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("tui-trainer: error:")
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = run_cli("--runs", str(empty))
    assert proc.returncode == EXIT_OK and proc.stdout.strip() == f"no runs in {empty}"
