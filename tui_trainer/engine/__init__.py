"""The engine's public API: what the app and the command line may use.

Names are imported on first use (PEP 562), so `from tui_trainer.engine import TrainConfig`
does not import torch: the app's first screen and `--help` stay fast. The groups:

- config: the one typed configuration and its parsing;
- events and control: what a run reports, and how another thread steers it;
- descriptions: datasets, losses, optimizers and models described without training;
- tuning: settings a run may change part-way, and the learning-rate range test;
- runs: run directories (`engine/rundir/`): their names, past runs, their lock, export, and
  the one safe weights loader;
- using a trained run: its preprocessing, predictions, and its model reviewed (`review_run`).
- inside: the model's statistics a run records (`model_stats`), reading them back
  (`inspection`), and the conv filters and feature maps of a model (`model_probe`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    # config
    "TrainConfig": "config",
    "ConfigError": "config",
    "Problem": "config_values",
    "field_type": "config",
    "parse_value": "config",
    # events and control
    "Event": "events",
    "EventListener": "events",
    "BatchEnd": "events",
    "DataProgress": "events",
    "EpochEnd": "events",
    "Evaluation": "events",
    "LogMessage": "events",
    "ModelStats": "events",
    "ModelSnapshot": "events",
    "RunFinished": "events",
    "RunPaused": "events",
    "RunResumed": "events",
    "RunStarted": "events",
    "merge_batches": "events",
    "TrainingControl": "control",
    "Trainer": "trainer",
    "warm_up": "warmup",
    "SettingsChanged": "events",
    # tuning: settings changed part-way, the learning-rate range test
    "CHANGEABLE_FIELDS": "setting_changes",
    "RUN_LENGTH_FIELDS": "setting_changes",
    "SettingChange": "setting_changes",
    "setting_change_problems": "setting_changes",
    "changed_fields": "setting_changes",
    "LRFinderResult": "lr_finder",
    "LRFinderSettings": "lr_finder",
    "RangeTestFailed": "lr_finder",
    "find_lr": "lr_finder",
    "find_lr_for_run": "lr_finder",
    # descriptions
    "dataset_specs": "datasets.registry",
    "find_spec": "datasets.registry",
    "dataset_files_signature": "datasets.paths",
    "load_dataset": "datasets.registry",
    "DatasetMeta": "datasets.meta",
    "data_problems": "validate",
    "describe_model": "model",
    "output_size": "model",
    "detected_devices": "device",
    "losses_for_task": "names",
    "loss_task_problem": "names",
    "default_loss": "names",
    "REGRESSION_LOSSES": "names",
    "USES_BETAS": "names",
    "USES_MOMENTUM": "names",
    "ACTIVATIONS": "names",
    "LOSSES": "names",
    "LOSS_LABELS": "names",
    "OPTIMIZERS": "names",
    "SCHEDULERS": "names",
    "AMP_MODES": "names",
    "CLASS_WEIGHTS": "names",
    "INITS": "names",
    "LOADERS": "names",
    "NORMALIZATIONS": "names",
    "TARGET_NORMALIZATIONS": "names",
    "TASKS": "names",
    "AUGMENTATIONS": "names",
    "X_SPACINGS": "names",
    "NAMED_ARCHITECTURES": "layer_stack",
    # runs
    "RunRecord": "rundir.past_runs",
    "RunCurves": "rundir.past_runs",
    "list_runs": "rundir.past_runs",
    "load_curves": "rundir.past_runs",
    "load_run_config": "rundir.past_runs",
    "load_summary": "rundir.past_runs",
    "load_search": "rundir.past_runs",
    "SearchRecord": "rundir.past_runs",
    "RUNNING": "rundir.past_runs",
    "is_sweep_dir": "rundir.layout",
    "is_search_dir": "rundir.layout",
    "short_run_name": "rundir.layout",
    "sweep_start_clock": "rundir.layout",
    "RunInUse": "rundir.lock",
    "check_not_in_use": "rundir.lock",
    "MAX_NOTE_LENGTH": "rundir.past_runs",
    "RunEditError": "rundir.run_edits",
    "delete_run": "rundir.run_edits",
    "write_note": "rundir.run_edits",
    "ExportError": "export",
    "export_run": "export",
    "WeightsFileError": "rundir.weights",
    "load_weights_file": "rundir.weights",
    "load_model": "rundir.weights",
    "describe_write_error": "rundir.writer",
    # presets
    "Preset": "presets",
    "list_presets": "presets",
    "load_preset": "presets",
    # using a trained run
    "Preprocessing": "preprocessing",
    "PreprocessingError": "preprocessing",
    "PredictionError": "predict",
    "PredictionRow": "predict",
    "Predictions": "predict",
    "Predictor": "predict",
    "predict_files": "predict",
    "ReviewError": "run_review",
    "review_run": "run_review",
    # inside
    "ActivationHealth": "model_stats",
    "ConvFilters": "model_stats",
    "FeatureMapSummary": "model_stats",
    "FeatureMaps": "model_stats",
    "HealthWarning": "model_stats",
    "LayerHealth": "model_stats",
    "LinearFit": "model_stats",
    "ParameterStats": "model_stats",
    "InspectError": "inspection",
    "RunInspection": "inspection",
    "WarningSpan": "model_stats",
    "stat_series": "model_stats",
    "warning_spans": "model_stats",
    "load_inspection": "inspection",
    "read_model_stats": "rundir.model_stats_file",
    "conv_filters": "model_probe",
    "feature_maps": "model_probe",
}

__all__ = [
    "ACTIVATIONS",
    "CHANGEABLE_FIELDS",
    "RUN_LENGTH_FIELDS",
    "AMP_MODES",
    "CLASS_WEIGHTS",
    "INITS",
    "LOADERS",
    "NORMALIZATIONS",
    "TARGET_NORMALIZATIONS",
    "TASKS",
    "AUGMENTATIONS",
    "X_SPACINGS",
    "NAMED_ARCHITECTURES",
    "ActivationHealth",
    "ConvFilters",
    "DatasetMeta",
    "LOSSES",
    "LOSS_LABELS",
    "OPTIMIZERS",
    "PredictionError",
    "PredictionRow",
    "Predictions",
    "Predictor",
    "Preprocessing",
    "PreprocessingError",
    "Problem",
    "MAX_NOTE_LENGTH",
    "RUNNING",
    "SCHEDULERS",
    "BatchEnd",
    "ConfigError",
    "DataProgress",
    "EpochEnd",
    "Evaluation",
    "Event",
    "EventListener",
    "ExportError",
    "FeatureMapSummary",
    "FeatureMaps",
    "HealthWarning",
    "InspectError",
    "LayerHealth",
    "LinearFit",
    "LRFinderResult",
    "LRFinderSettings",
    "LogMessage",
    "ModelStats",
    "ParameterStats",
    "ModelSnapshot",
    "REGRESSION_LOSSES",
    "RangeTestFailed",
    "RunCurves",
    "RunFinished",
    "RunInUse",
    "RunInspection",
    "RunPaused",
    "RunEditError",
    "RunRecord",
    "RunResumed",
    "ReviewError",
    "RunStarted",
    "SettingChange",
    "SettingsChanged",
    "SearchRecord",
    "TrainConfig",
    "Trainer",
    "TrainingControl",
    "USES_BETAS",
    "USES_MOMENTUM",
    "WarningSpan",
    "WeightsFileError",
    "check_not_in_use",
    "conv_filters",
    "data_problems",
    "default_loss",
    "dataset_files_signature",
    "dataset_specs",
    "describe_model",
    "describe_write_error",
    "detected_devices",
    "export_run",
    "feature_maps",
    "field_type",
    "find_lr",
    "find_lr_for_run",
    "is_search_dir",
    "is_sweep_dir",
    "find_spec",
    "delete_run",
    "list_runs",
    "load_curves",
    "load_dataset",
    "load_inspection",
    "load_model",
    "load_run_config",
    "load_search",
    "load_summary",
    "load_weights_file",
    "loss_task_problem",
    "losses_for_task",
    "merge_batches",
    "output_size",
    "parse_value",
    "setting_change_problems",
    "changed_fields",
    "predict_files",
    "read_model_stats",
    "review_run",
    "short_run_name",
    "stat_series",
    "sweep_start_clock",
    "warm_up",
    "warning_spans",
    "write_note",
    "Preset",
    "list_presets",
    "load_preset",
]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # the type checker sees the real names; at run time they load on first use
    from tui_trainer.engine.config import ConfigError, TrainConfig, field_type, parse_value
    from tui_trainer.engine.config_values import Problem
    from tui_trainer.engine.control import TrainingControl
    from tui_trainer.engine.datasets.meta import DatasetMeta
    from tui_trainer.engine.datasets.paths import dataset_files_signature
    from tui_trainer.engine.datasets.registry import dataset_specs, find_spec, load_dataset
    from tui_trainer.engine.device import detected_devices
    from tui_trainer.engine.events import (
        BatchEnd,
        DataProgress,
        EpochEnd,
        Evaluation,
        Event,
        EventListener,
        LogMessage,
        ModelSnapshot,
        ModelStats,
        RunFinished,
        RunPaused,
        RunResumed,
        RunStarted,
        SettingsChanged,
        merge_batches,
    )
    from tui_trainer.engine.export import ExportError, export_run
    from tui_trainer.engine.inspection import InspectError, RunInspection, load_inspection
    from tui_trainer.engine.layer_stack import NAMED_ARCHITECTURES
    from tui_trainer.engine.lr_finder import (
        LRFinderResult,
        LRFinderSettings,
        RangeTestFailed,
        find_lr,
        find_lr_for_run,
    )
    from tui_trainer.engine.model import describe_model, output_size
    from tui_trainer.engine.model_probe import conv_filters, feature_maps
    from tui_trainer.engine.model_stats import (
        ActivationHealth,
        ConvFilters,
        FeatureMaps,
        FeatureMapSummary,
        HealthWarning,
        LayerHealth,
        LinearFit,
        ParameterStats,
        WarningSpan,
        stat_series,
        warning_spans,
    )
    from tui_trainer.engine.names import (
        ACTIVATIONS,
        AMP_MODES,
        AUGMENTATIONS,
        CLASS_WEIGHTS,
        INITS,
        LOADERS,
        LOSS_LABELS,
        LOSSES,
        NORMALIZATIONS,
        OPTIMIZERS,
        REGRESSION_LOSSES,
        SCHEDULERS,
        TARGET_NORMALIZATIONS,
        TASKS,
        USES_BETAS,
        USES_MOMENTUM,
        X_SPACINGS,
        default_loss,
        loss_task_problem,
        losses_for_task,
    )
    from tui_trainer.engine.predict import (
        PredictionError,
        PredictionRow,
        Predictions,
        Predictor,
        predict_files,
    )
    from tui_trainer.engine.preprocessing import Preprocessing, PreprocessingError
    from tui_trainer.engine.presets import Preset, list_presets, load_preset
    from tui_trainer.engine.run_review import ReviewError, review_run
    from tui_trainer.engine.rundir.layout import (
        is_search_dir,
        is_sweep_dir,
        short_run_name,
        sweep_start_clock,
    )
    from tui_trainer.engine.rundir.lock import RunInUse, check_not_in_use
    from tui_trainer.engine.rundir.model_stats_file import read_model_stats
    from tui_trainer.engine.rundir.past_runs import (
        MAX_NOTE_LENGTH,
        RUNNING,
        RunCurves,
        RunRecord,
        SearchRecord,
        list_runs,
        load_curves,
        load_run_config,
        load_search,
        load_summary,
    )
    from tui_trainer.engine.rundir.run_edits import RunEditError, delete_run, write_note
    from tui_trainer.engine.rundir.weights import WeightsFileError, load_model, load_weights_file
    from tui_trainer.engine.rundir.writer import describe_write_error
    from tui_trainer.engine.setting_changes import (
        CHANGEABLE_FIELDS,
        RUN_LENGTH_FIELDS,
        SettingChange,
        changed_fields,
        setting_change_problems,
    )
    from tui_trainer.engine.trainer import Trainer
    from tui_trainer.engine.validate import data_problems
    from tui_trainer.engine.warmup import warm_up
