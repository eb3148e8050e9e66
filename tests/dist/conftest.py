"""Shared pieces of the distributed and sweep tests: a tiny moons config and subprocess env."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.toy_config import toy_config

REPO_ROOT = Path(__file__).resolve().parents[2]

def write_moons_config(path: Path, output_dir: Path, epochs: int = 15) -> Path:
    config = toy_config(
        output_dir, "dataset.n_samples=600", "dataset.noise=0.15", "model.hidden=32,32", "optimizer.lr=0.01",
        "loss.name=cross_entropy", f"train.epochs={epochs}", "train.n_samples_shown=32",
    )
    config.save(path)
    return path


def subprocess_env() -> dict[str, str]:
    """This checkout's package first on the path, one thread per process (2 shared cores)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["OMP_NUM_THREADS"] = "1"
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    return env


@pytest.fixture
def moons_config(tmp_path):
    """Factory: a moons config file whose runs go under tmp_path/<output>."""

    def make(output: str = "runs", epochs: int = 15) -> tuple[Path, Path]:
        output_dir = tmp_path / output
        path = write_moons_config(tmp_path / f"{output}.toml", output_dir, epochs)
        return path, output_dir

    return make


@pytest.fixture
def env() -> dict[str, str]:
    return subprocess_env()
