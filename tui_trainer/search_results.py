"""A search's results, read from its Optuna study: the trials best first, the table printed at the
end, search.csv, search.json (what the app's Runs screen reads: the space, every trial's
objective, the parameter importances) and best.toml (the best trial's config, ready to train)."""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.table import Table

from tui_trainer.engine.rundir.atomic import atomic_write_text
from tui_trainer.engine.rundir.layout import (
    SEARCH_BASE_CONFIG,
    SEARCH_BEST_CONFIG,
    SEARCH_MANIFEST_FILE,
    SEARCH_STORAGE_FILE,
    SEARCH_TABLE_FILE,
)
from tui_trainer.engine.search_space import trial_config
from tui_trainer.formatting import format_number, format_percent
from tui_trainer.results_table import ResultRow, csv_cell, results_table
from tui_trainer.search_study import OBJECTIVE, STATUS, SearchSetup, is_interrupted, run_facts

if TYPE_CHECKING:
    import optuna

# The order of the table: finished trials by their objective, then pruned ones by theirs, then the rest.
_STATE_ORDER = {"COMPLETE": 0, "PRUNED": 1}


@dataclass
class TrialResult:
    number: int
    state: str  # Optuna's: COMPLETE, PRUNED, FAIL, RUNNING
    status: str  # the run's: completed, early_stopped, pruned, failed, stopped; or running, interrupted
    texts: dict[str, str]  # key -> the value as shown
    value: float | None  # the objective Optuna holds (a pruned trial's: its last reported loss)
    attrs: dict[str, Any]

    @property
    def counted(self) -> bool:
        return self.status not in ("interrupted", "stopped")


def trial_results(setup: SearchSetup, study: optuna.Study) -> list[TrialResult]:
    """Every trial that started (not those queued), in trial order."""
    from optuna.trial import TrialState

    results = []
    for trial in study.get_trials(deepcopy=False):
        if trial.state == TrialState.WAITING:
            continue
        facts = run_facts(trial)
        texts = facts.get("texts")
        if not isinstance(texts, dict):
            texts = {p.key: p.as_text(trial.params[p.key]) for p in setup.space if p.key in trial.params}
        if trial.state == TrialState.RUNNING:
            status = "running"
        elif is_interrupted(trial):
            status = "interrupted" if facts.get(STATUS) is None else "stopped"
        else:
            status = str(facts.get(STATUS, trial.state.name.lower()))
        value = trial.value if trial.state in (TrialState.COMPLETE, TrialState.PRUNED) else None
        results.append(TrialResult(trial.number, trial.state.name, status, texts, value, facts))
    return results


def ranked(results: list[TrialResult]) -> list[TrialResult]:
    """Best first: finished trials by objective, then pruned ones, then failed and running ones."""

    def key(r: TrialResult) -> tuple[int, float, int]:
        order = _STATE_ORDER.get(r.state, 2)
        return (order, r.value if r.value is not None and order < 2 else 0.0, r.number)

    return sorted(results, key=key)


def best_result(results: list[TrialResult]) -> TrialResult | None:
    done = [r for r in results if r.state == "COMPLETE" and r.value is not None]
    return min(done, key=lambda r: (r.value, r.number)) if done else None


def search_table(setup: SearchSetup, results: list[TrialResult]) -> Table:
    by_accuracy = any(r.attrs.get("best_val_accuracy") is not None for r in results)
    titles = ["best val loss", "val acc"] if by_accuracy else ["best val loss"]
    rows = []
    for r in ranked([r for r in results if r.counted or r.status == "running"]):
        metrics = [format_number(r.attrs.get("best_val_loss"))]
        if by_accuracy:
            metrics.append(format_percent(r.attrs.get("best_val_accuracy")))
        done, planned = r.attrs.get("epochs_done"), r.attrs.get("epochs_planned")
        epochs = "-" if done is None else f"{done}/{planned}" if planned else str(done)
        params = [r.texts.get(p.key, "-") for p in setup.space]
        rows.append(ResultRow(str(r.number), params, r.status, metrics, epochs, r.attrs.get("run_name", "-")))
    title = f"{setup.dir.name}: {OBJECTIVE} first"
    return results_table(title, [p.key for p in setup.space], titles, rows)


def write_search_files(setup: SearchSetup, study: optuna.Study, final: bool = False) -> list[TrialResult]:
    """search.json and search.csv as the study stands now (after each trial); at the end
    (`final`) also the parameter importances and best.toml. Returns the trials."""
    results = trial_results(setup, study)
    best = best_result(results)
    _write_manifest(setup, results, best, param_importance(study) if final else None)
    _write_csv(setup, results)
    if final and best is not None:
        _write_best_config(setup, study, best)
    return results


def new_manifest(setup: SearchSetup, overrides: list[str]) -> None:
    """search.json as a new search starts: what `--resume-search` needs to continue it."""
    manifest = {
        "name": setup.dir.name,
        "created": time.strftime("%Y-%m-%d %H:%M:%S"),
        "study": setup.study_name,
        "storage": SEARCH_STORAGE_FILE,
        "base_config": SEARCH_BASE_CONFIG,
        "objective": f"{OBJECTIVE} (minimised)",
        "specs": setup.specs,
        "set": overrides,
    }
    _update_manifest(setup, manifest)


def _update_manifest(setup: SearchSetup, values: dict[str, Any]) -> None:
    path = setup.dir / SEARCH_MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    if not isinstance(manifest, dict):
        manifest = {}
    manifest.update(values)
    manifest.update(
        trials_asked=setup.n_trials, parallel=setup.parallel, space=[p.as_dict() for p in setup.space]
    )
    atomic_write_text(path, json.dumps(manifest, indent=2) + "\n")


def _write_manifest(
    setup: SearchSetup,
    results: list[TrialResult],
    best: TrialResult | None,
    importance: dict[str, float] | None,
) -> None:
    values: dict[str, Any] = {
        "trials_done": sum(r.counted and r.status != "running" for r in results),
        "trials": [
            {
                "number": r.number,
                "status": r.status,
                "value": r.value,
                "params": r.texts,
                "run_name": r.attrs.get("run_name"),
                "epochs_done": r.attrs.get("epochs_done"),
                "epochs_planned": r.attrs.get("epochs_planned"),
            }
            for r in results
        ],
        "best": None if best is None else {"number": best.number, "value": best.value, "params": best.texts},
    }
    if importance is not None:
        values["importance"] = importance
    _update_manifest(setup, values)


def _write_csv(setup: SearchSetup, results: list[TrialResult]) -> None:
    keys = [p.key for p in setup.space]
    header = ["number", *keys, "status", "objective", "best_val_loss", "best_val_accuracy"]
    header += ["epochs_done", "epochs_planned", "seconds", "run_dir", "reason"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for r in results:
        a = r.attrs
        writer.writerow(
            [r.number, *(r.texts.get(k, "") for k in keys), r.status, csv_cell(r.value)]
            + [
                csv_cell(a.get(k))
                for k in ("best_val_loss", "best_val_accuracy", "epochs_done", "epochs_planned")
            ]
            + [csv_cell(a.get("seconds")), a.get("run_dir", ""), a.get("reason", "")]
        )
    atomic_write_text(setup.dir / SEARCH_TABLE_FILE, buffer.getvalue())


def _write_best_config(setup: SearchSetup, study: optuna.Study, best: TrialResult) -> None:
    params = study.trials[best.number].params
    config = trial_config(setup.base, params)
    shown = " ".join(f"{k}={v}" for k, v in best.texts.items())
    header = (
        f"# The best trial ({best.number}) of {setup.dir.name}: {OBJECTIVE} {format_number(best.value)}\n"
        f"# {shown}\n# Train it: tui-trainer --batch {setup.dir / SEARCH_BEST_CONFIG}\n\n"
    )
    atomic_write_text(setup.dir / SEARCH_BEST_CONFIG, header + config.to_toml())


def param_importance(study: optuna.Study) -> dict[str, float] | None:
    """Optuna's fANOVA importance of each parameter (fractions summing to 1), or None when the
    finished trials are too few (or too alike) to tell."""
    import optuna
    from optuna.trial import TrialState

    if len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))) < 2:
        return None
    try:
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
        found = optuna.importance.get_param_importances(study, evaluator=evaluator)
    except (ValueError, RuntimeError, ImportError):
        return None
    return {key: round(float(value), 4) for key, value in found.items()}
