"""The first log line's account of where the opening config came from."""

from __future__ import annotations

from tui_trainer.engine import TrainConfig


def config_source(config: TrainConfig, path: str | None) -> str:
    """Where the opening config came from, for the first log line: the default config or a
    file, and which keys `--set`/`--output-dir`/... changed (read off by comparing with it)."""
    try:
        base = TrainConfig.load(path) if path else TrainConfig()
    except Exception:  # the file changed since the command line read it
        base = None
    source = f"on the config from {path}" if path else "on the default config"
    if base is None:
        return source
    defaults = base.to_dict()
    changed = [
        f"{section}.{key}"
        for section, values in config.to_dict().items()
        for key, value in values.items()
        if defaults[section][key] != value
    ]
    if changed:
        shown = ", ".join(changed[:4]) + (f" and {len(changed) - 4} more" if len(changed) > 4 else "")
        source += f" with overrides ({shown})"
    return source
