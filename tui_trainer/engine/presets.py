"""Presets: complete configs for the classic exercises, kept as TOML files in `assets/presets/`.

Each file is a config plus a `[preset]` table that says what the exercise shows and what to
expect; `load_preset(name)` returns the config (the table stripped), `list_presets()` the
descriptions for `--presets` and the app's chooser. Torch-free, like engine.config.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tui_trainer.engine.config import ConfigError, TrainConfig

# An installed wheel holds assets/ as the package tui_trainer.assets (pyproject.toml); a checkout
# or an editable install has it beside the package. TUI_TRAINER_PRESETS points elsewhere.
INSTALLED_DIR = Path(__file__).resolve().parents[1] / "assets" / "presets"
CHECKOUT_DIR = Path(__file__).resolve().parents[2] / "assets" / "presets"


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    expect: str
    path: Path


def presets_dir() -> Path:
    chosen = os.environ.get("TUI_TRAINER_PRESETS")
    if chosen:
        return Path(chosen)
    return INSTALLED_DIR if INSTALLED_DIR.is_dir() else CHECKOUT_DIR


def preset_names() -> list[str]:
    return sorted(path.stem for path in presets_dir().glob("*.toml"))


def list_presets() -> list[Preset]:
    found = []
    for path in sorted(presets_dir().glob("*.toml")):
        table = _read(path).get("preset", {})
        found.append(Preset(path.stem, str(table.get("description", "")), str(table.get("expect", "")), path))
    return found


def load_preset(name: str) -> TrainConfig:
    """The preset's config; ConfigError naming the valid presets for an unknown name."""
    names = preset_names()
    if name not in names:  # also keeps a name like ../x from reading files outside the folder
        valid = ", ".join(names) or f"none found in {presets_dir()}"
        raise ConfigError(f"unknown preset {name!r}; valid: {valid} (tui-trainer --presets describes them)")
    path = presets_dir() / f"{name}.toml"
    data = _read(path)
    data.pop("preset", None)
    try:
        return TrainConfig.from_dict(data).check()
    except ConfigError as exc:
        raise ConfigError(f"preset {name} ({path}): {exc}") from None


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"preset file {path} cannot be read: {exc}") from None
