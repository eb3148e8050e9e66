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

# The repository's assets/ folder (an editable install or a checkout); TUI_TRAINER_PRESETS
# points elsewhere, e.g. for a wheel installed without the repository.
PRESETS_DIR = Path(__file__).resolve().parents[2] / "assets" / "presets"


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    expect: str
    path: Path


def presets_dir() -> Path:
    return Path(os.environ.get("TUI_TRAINER_PRESETS") or PRESETS_DIR)


def list_presets() -> list[Preset]:
    found = []
    for path in sorted(presets_dir().glob("*.toml")):
        table = _read(path).get("preset", {})
        found.append(Preset(path.stem, str(table.get("description", "")), str(table.get("expect", "")), path))
    return found


def load_preset(name: str) -> TrainConfig:
    """The preset's config; ConfigError naming the valid presets for an unknown name."""
    path = presets_dir() / f"{name}.toml"
    if not path.is_file():
        names = ", ".join(p.name for p in list_presets()) or "none found"
        raise ConfigError(f"unknown preset {name!r}; valid: {names} (tui-trainer --presets lists them)")
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
