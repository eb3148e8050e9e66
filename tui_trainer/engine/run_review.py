"""A finished (or stopped) run's model looked at again, without training: `review_run`.

The run directory is only read. Its weights come through the one safe loader (`Predictor.load`,
with the run's saved preprocessing), its data is built as its training built it
(`run_data.prepare_run_data`: the same seed, split and `auto` decisions), and the test split (the
validation split of a run without one) is evaluated in detail as a run's end evaluates it. What a
run would have reported goes to `callback` as the run's own event types: every stored `ModelStats`
(model_stats.jsonl), a `ModelSnapshot` of the weights (what the app's Try tab predicts with) and
the `Evaluation` (confusion, samples, the decision-boundary map or the fitted curve). A listener
of a training run shows an opened run with no change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from tui_trainer.engine.components import build_loss
from tui_trainer.engine.config import ConfigError
from tui_trainer.engine.data_placement import place_data
from tui_trainer.engine.datasets.base import LoadProgress
from tui_trainer.engine.device import resolve_device
from tui_trainer.engine.evaluation import evaluate
from tui_trainer.engine.events import (
    DataProgress,
    Evaluation,
    EventCallback,
    LogMessage,
    ModelSnapshot,
    ModelStats,
)
from tui_trainer.engine.failures import describe_failure
from tui_trainer.engine.model_probe import conv_filters, feature_maps
from tui_trainer.engine.predict import Predictor
from tui_trainer.engine.run_data import prepare_run_data
from tui_trainer.engine.rundir.layout import CONFIG_FILE, LAST_CHECKPOINT, WEIGHT_CHOICES, weights_path
from tui_trainer.engine.rundir.lock import RunInUse, check_not_in_use
from tui_trainer.engine.rundir.model_stats_file import read_model_stats
from tui_trainer.engine.rundir.past_runs import load_run_config, load_summary


class ReviewError(ConfigError):
    """A run directory that cannot be opened, in one line naming it and saying what to do."""


@dataclass
class ReviewedRun:
    path: Path
    evaluation: Evaluation  # of the test split, or of the validation split without one
    epochs_done: int
    steps_per_epoch: int
    model_stats: int  # stored collections sent (0: the run recorded none)


def review_run(
    run_dir: str | Path,
    callback: EventCallback,
    weights: str = "final",
    device: str = "cpu",
    data_progress: LoadProgress | None = None,
) -> ReviewedRun:
    """Send `run_dir`'s stored statistics, its weights and a detailed evaluation of its test split
    to `callback`, writing nothing. ReviewError (or RunInUse) in one line when it cannot: no such
    run, a run training now, no weights file, data that is gone or no longer fits the model."""
    path = Path(run_dir).expanduser()
    _check_openable(path, weights)
    try:
        return _review(path, callback, weights, device, data_progress)
    except (ReviewError, RunInUse):
        raise
    except ConfigError as exc:  # bad weights, preprocessing or config; a dataset file gone
        raise ReviewError(f"cannot open {path}: {exc}") from None
    except Exception as exc:  # torch and the loaders raise many types: one line, no traceback
        raise ReviewError(f"cannot open {path}: {' '.join(str(exc).split())[:200]}") from None


def _check_openable(path: Path, weights: str) -> None:
    if weights not in WEIGHT_CHOICES:
        raise ReviewError(f"unknown weights {weights!r}; valid: {', '.join(WEIGHT_CHOICES)}")
    if not path.is_dir():
        raise ReviewError(f"no run directory {path}: give the folder of a trained run")
    if not (path / CONFIG_FILE).is_file():
        raise ReviewError(f"{path} is not a run directory (it has no {CONFIG_FILE})")
    check_not_in_use(path)  # RunInUse: "… is being trained by process N; wait for it …"
    file = weights_path(path, weights)
    if not file.is_file():
        resume = f"; c on the Runs screen resumes it from {LAST_CHECKPOINT}"
        hint = resume if (path / LAST_CHECKPOINT).is_file() else "; train it again"
        raise ReviewError(f"{path} has no {file.name}: the run ended before saving its model{hint}")


def _review(
    path: Path, callback: EventCallback, weights: str, device_name: str, data_progress: LoadProgress | None
) -> ReviewedRun:
    config = load_run_config(path)
    predictor = Predictor.load(path, weights)  # the one safe loader, and preprocessing.json
    callback(LogMessage(f"loading dataset {config.dataset.name}"))
    progress = data_progress or (lambda what, done, n: callback(DataProgress(what, done, n)))
    try:
        prepared = prepare_run_data(config, progress)
    except ConfigError as exc:
        raise ReviewError(f"cannot build the data of {path}: {exc}") from None
    except Exception as exc:
        raise ReviewError(f"cannot build the data of {path}: {describe_failure(exc, config)}") from None
    config, data, meta = prepared.config, prepared.data, prepared.data.meta
    saved = predictor.meta
    if tuple(meta.input_shape) != tuple(saved.input_shape) or meta.n_classes != saved.n_classes:
        raise ReviewError(
            f"the data of {path} no longer fits its model (inputs {tuple(meta.input_shape)}, "
            f"{meta.n_classes} classes; trained on {tuple(saved.input_shape)}, {saved.n_classes}): "
            "its dataset file changed since; train it again"
        )
    summary = load_summary(path) or {}
    stats = _stored_stats(path, callback)
    epochs_done = _int(summary.get("epochs_done")) or (stats[-1].epoch + 1 if stats else 1)
    steps = _int(summary.get("steps"))
    # The weights as the Try tab takes them: CPU copies, with the model's own config and meta.
    state = {k: v.detach().to("cpu", copy=True) for k, v in predictor.model.state_dict().items()}
    snapshot = ModelSnapshot(epochs_done - 1, predictor.config, saved, state, predictor.preprocessing)

    device = resolve_device(device_name)
    placed = place_data(data, device, config.dataset)
    model = predictor.model.to(device).eval()
    split_name, split = ("test", placed.test) if placed.test is not None else ("val", placed.val)
    if stats:
        _add_conv_drawings(stats[-1], model, split.x, placed.eval_normalizer)
    loss_fn = build_loss(config, data.train.y, meta.n_classes).to(device)
    evaluation = evaluate(
        model,
        split,
        split_name,
        epochs_done - 1,
        config,
        meta,
        placed.eval_normalizer,
        loss_fn,
        device,
        detailed=True,
        target_scaling=placed.target_scaling,
    )
    for collection in stats:
        callback(collection)
    callback(snapshot)
    callback(evaluation)
    per_epoch = steps // epochs_done if steps else placed.batches_per_epoch
    return ReviewedRun(path, evaluation, epochs_done, per_epoch, len(stats))


def _stored_stats(path: Path, callback: EventCallback) -> list[ModelStats]:
    try:
        stats, skipped = read_model_stats(path)
    except OSError:
        callback(
            LogMessage(f"{path.name} recorded no model statistics: the Inside tab stays empty", "warning")
        )
        return []
    if skipped:
        callback(
            LogMessage(f"{skipped} unreadable line(s) in {path.name}'s model statistics skipped", "warning")
        )
    return stats


def _add_conv_drawings(latest: ModelStats, model: torch.nn.Module, inputs: torch.Tensor, normalize) -> None:
    """A conv model's first filters and one sample's feature maps, which model_stats.jsonl does not
    keep: drawn again from the weights, as the run drew them at its last collection."""
    if not latest.feature_maps or not len(inputs):
        return
    latest.filters = conv_filters(model)
    latest.feature_map_arrays = feature_maps(model, inputs[0], normalize)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
