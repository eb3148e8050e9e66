"""`--preset NAME` (start from a ready-made config in assets/presets/) and `--presets` (list them)."""

from __future__ import annotations

import sys

from tui_trainer.engine import ConfigError, TrainConfig, list_presets, load_preset
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_OK


def starting_config(path: str | None, preset: str | None) -> TrainConfig:
    """The config a run starts from before `--set`: the file, the preset, or the defaults."""
    if preset is not None and path:
        raise ConfigError(f"give either a config file ({path}) or --preset {preset}, not both")
    if preset is not None:
        return load_preset(preset)
    return TrainConfig.load(path) if path else TrainConfig()


def print_presets() -> int:
    """Each preset's name, what it shows and what to expect; exit code 2 for an unreadable one."""
    try:
        presets = list_presets()
    except ConfigError as exc:
        print(f"tui-trainer: error: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    width = max((len(p.name) for p in presets), default=0) + 2
    for preset in presets:
        print(f"{preset.name:<{width}}{preset.description}")
        if preset.expect:
            print(f"{'':<{width}}expect: {preset.expect}")
    print("\nuse one with: tui-trainer --preset NAME (add --batch to train headless; --set overrides fields)")
    return EXIT_OK
