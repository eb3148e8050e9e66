"""The wheel ships every module, the app's stylesheet and the presets of assets/presets/, and an
installed copy finds its presets without the repository."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_wheel_holds_every_module_and_preset_and_finds_them_installed(tmp_path):
    # Built from a copy: setuptools leaves build/ and *.egg-info beside the sources it builds.
    source = tmp_path / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("tui_trainer", "assets"):
        shutil.copytree(ROOT / part, source / part, ignore=skip)
    for part in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / part, source / part)
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    (wheel,) = tmp_path.glob("tui_trainer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tui_trainer").rglob("*.py")}
    assert modules - names == set(), "modules missing from the wheel (pyproject.toml lists packages)"
    assert "tui_trainer/ui/app.tcss" in names
    presets = {p.name for p in (ROOT / "assets" / "presets").glob("*.toml")}
    assert presets and {f"tui_trainer/assets/presets/{name}" for name in presets} <= names

    site = tmp_path / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--target",
            str(site),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    env = {k: v for k, v in os.environ.items() if k != "TUI_TRAINER_PRESETS"}
    env["PYTHONPATH"] = str(site)
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tui_trainer.engine.presets import list_presets, presets_dir; "
            "print(presets_dir()); print(','.join(p.name for p in list_presets()))",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,  # not the repository: the installed copy must find its own presets
        timeout=120,
    )
    assert found.returncode == 0, found.stderr
    where, listed = found.stdout.splitlines()
    assert Path(where) == site / "tui_trainer" / "assets" / "presets"
    assert set(listed.split(",")) == {name.removesuffix(".toml") for name in presets}
