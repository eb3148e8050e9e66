"""Run the real `tui-trainer` console script in a subprocess on this worktree's package."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, extra_path: Path | None = None, env: dict[str, str] | None = None, timeout: int = 180
):
    paths = [str(REPO)] + ([str(extra_path)] if extra_path else [])
    full_env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths), OMP_NUM_THREADS="1")
    full_env.update(env or {})
    return subprocess.run(
        ["tui-trainer", *args], capture_output=True, text=True, env=full_env, timeout=timeout, cwd=REPO
    )


def batch_args(dataset: str, data_dir: Path, output_dir: Path, *sets: str) -> list[str]:
    args = [
        "--batch",
        "--set",
        f"dataset.name={dataset}",
        "--data-dir",
        str(data_dir),
        "--output-dir",
        str(output_dir),
        "--set",
        "train.epochs=1",
        "--set",
        "model.hidden=16",
        "--set",
        "train.device=cpu",
    ]
    for assignment in sets:
        args += ["--set", assignment]
    return args


def single_run_dir(output_dir: Path) -> Path:
    runs = [p for p in output_dir.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    run = runs[0]
    for name in ("config.toml", "metrics.jsonl", "summary.json", "model.pt"):
        assert (run / name).is_file(), f"{name} missing in {run}"
    return run


def summary(run: Path) -> dict:
    return json.loads((run / "summary.json").read_text())
