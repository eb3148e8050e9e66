"""A finished (or running) run's insides, read back from its directory: what `--inspect` prints
and the app's Inside tab shows for a past run.

`load_inspection` reads model_stats.jsonl (every collection of `ModelStats`) and, when a weights
file is there, the model itself (through the one safe loader) for the layer table, the conv
filters and feature maps of a sample the caller picks (`model_probe.feature_maps`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.datasets.base import Normalizer
from tui_trainer.engine.datasets.meta import DatasetMeta
from tui_trainer.engine.events import ModelStats
from tui_trainer.engine.model import LayerInfo, count_parameters, layer_summary
from tui_trainer.engine.model_stats import WarningSpan, stat_series, warning_spans
from tui_trainer.engine.rundir.layout import CONFIG_FILE, MODEL_STATS_FILE, WEIGHT_CHOICES, weights_path
from tui_trainer.engine.rundir.model_stats_file import read_model_stats
from tui_trainer.engine.rundir.weights import WeightsFileError, read_weights, rebuild_model


class InspectError(ConfigError):
    """A run directory that cannot be inspected, in one line that says what to do."""


@dataclass
class RunInspection:
    path: Path
    history: list[ModelStats]  # every collection, oldest first (never empty)
    skipped_lines: int = 0
    config: TrainConfig | None = None
    meta: DatasetMeta | None = None
    layers: list[LayerInfo] = field(default_factory=list)  # empty without a readable weights file
    param_count: int = 0
    weights_file: str | None = None  # the file the model came from
    weights_problem: str | None = None  # why there is no model, one line
    model: Any = None  # nn.Module on the CPU, eval mode
    normalizer: Normalizer | None = None

    @property
    def latest(self) -> ModelStats:
        return self.history[-1]

    def series(self, part: str, name: str, key: str) -> list[float | None]:
        """One value over the collections (`model_stats.stat_series`)."""
        return stat_series(self.history, part, name, key)

    def warning_spans(self) -> list[WarningSpan]:
        return warning_spans(self.history)


def load_inspection(run_dir: str | Path, weights: str = "final") -> RunInspection:
    """What `run_dir` recorded about its model; InspectError (one line) when it cannot tell."""
    path = Path(run_dir).expanduser()
    if not path.exists():
        raise InspectError(f"no run directory {run_dir}")
    if not path.is_dir():
        raise InspectError(f"{run_dir} is not a run directory (it is a file)")
    if not (path / CONFIG_FILE).exists():
        raise InspectError(f"{run_dir} is not a run directory: it has no {CONFIG_FILE}")
    try:
        history, skipped = read_model_stats(path)
    except FileNotFoundError:
        raise InspectError(
            f"{run_dir} has no {MODEL_STATS_FILE}: it was trained by an older tui-trainer, before "
            "model statistics were recorded — train it again to inspect it"
        ) from None
    except OSError as exc:
        raise InspectError(f"cannot read {path / MODEL_STATS_FILE}: {exc.strerror or exc}") from None
    if not history:
        raise InspectError(
            f"{run_dir} has no model statistics yet: the run is still in its first epoch, or "
            f"stopped before one ended{f' ({skipped} unreadable lines)' if skipped else ''}"
        )
    inspection = RunInspection(path, history, skipped)
    _add_model(inspection, weights)
    if inspection.config is None:
        with contextlib.suppress(ConfigError):  # the statistics alone are still worth showing
            inspection.config = TrainConfig.load(path / CONFIG_FILE)
    return inspection


def _add_model(inspection: RunInspection, weights: str) -> None:
    """The model from the first readable weights file: `weights`, then the others."""
    problems = []
    for which in dict.fromkeys((weights, *WEIGHT_CHOICES)):
        file = weights_path(inspection.path, which)
        if not file.exists():
            continue
        try:
            payload = read_weights(file)
            model, config, meta = rebuild_model(payload)
        except (WeightsFileError, ConfigError) as exc:
            problems.append(str(exc))
            continue
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:  # a payload of another shape
            problems.append(f"{file} does not match its config ({' '.join(str(exc).split())[:120]})")
            continue
        if not isinstance(model, nn.Sequential):  # what build_model makes
            continue
        model.eval()
        saved = payload.get("normalizer") or {}
        mean, scale = saved.get("mean"), saved.get("scale")
        inspection.normalizer = Normalizer(mean, scale) if mean is not None and scale is not None else None
        inspection.model, inspection.config, inspection.meta = model, config, meta
        inspection.layers, inspection.param_count = layer_summary(model, meta), count_parameters(model)
        inspection.weights_file = file.name
        return
    inspection.weights_problem = problems[0] if problems else "no weights file (model.pt, last.pt, best.pt)"
