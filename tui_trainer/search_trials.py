"""One process's share of a search: take the next trial from the study (under the claim lock, so
parallel processes never run more than the asked number), train it in this process with each
epoch's validation loss reported to the pruner, and record how it ended in the study.

A search with `--parallel 1` runs this loop in its own process. With `--parallel K` it starts K
worker processes, `python -m tui_trainer.search_trials SEARCH_DIR SLOT`, each with its share of
the CPU threads (and its own GPU when there are several), as a sweep divides them among points.
Each trial's full output goes to logs/<run name>.log; the terminal gets a line as it starts and ends.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from rich.console import Console

from tui_trainer.batch_reporter import BatchReporter
from tui_trainer.engine import ConfigError, RunFinished, Trainer, TrainingControl, load_curves, load_summary
from tui_trainer.engine.callbacks import TrialPruning
from tui_trainer.engine.rundir.atomic import atomic_write_text
from tui_trainer.engine.rundir.layout import SEARCH_LOGS_DIR, SUMMARY_FILE
from tui_trainer.engine.search_space import CHOICE, FLOAT, SearchParam, trial_config, trial_run_name
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_INTERRUPTED, EXIT_OK
from tui_trainer.final_tables import metrics_table
from tui_trainer.formatting import format_number, format_percent
from tui_trainer.search_results import write_search_files
from tui_trainer.search_study import (
    RUN_ATTR,
    STATUS,
    SearchSetup,
    claim_lock,
    counted_trials,
    make_sampler,
    mark_interrupted,
    open_study,
    running_trials,
)
from tui_trainer.signals import SIGNAL_NAMES, exit_interrupted, handle_stop_signals, silence_hung_up_terminal

if TYPE_CHECKING:
    import optuna

# Seeds of parallel workers lie this far apart, so no two sample the same random start-up trials.
SEED_STRIDE = 7919


class TrialLoop:
    def __init__(
        self, setup: SearchSetup, slot: int, console: Console, study: optuna.Study | None = None
    ) -> None:
        self.setup = setup
        self.console = console
        self.stopping = False
        self.control: TrainingControl | None = None  # the running trial's
        self.study = study or open_study(setup)
        # Seeded from train.seed and how far the search has come: a resumed search goes on with
        # new samples instead of repeating its first ones.
        seed = setup.base.train.seed + len(self.study.get_trials(deepcopy=False)) + SEED_STRIDE * slot
        self.study.sampler = make_sampler(setup, seed)

    def run(self) -> None:
        """Trials until the search has its number of them or a stop signal arrives."""
        while not self.stopping:
            claimed = self._claim()
            if claimed is None:
                return
            self._run_trial(*claimed)

    def stop(self) -> None:
        """The running trial stops after its current batch; no further trial starts."""
        self.stopping = True
        if self.control is not None:
            self.control.stop()

    # ---- one trial --------------------------------------------------------------------
    def _claim(self) -> tuple[optuna.Trial, dict[str, Any]] | None:
        with claim_lock(self.setup.dir):
            taken = len(counted_trials(self.study)) + len(running_trials(self.study))
            if taken >= self.setup.n_trials or self.stopping:
                return None
            trial = self.study.ask()
            return trial, {p.key: suggest(trial, p) for p in self.setup.space}

    def _run_trial(self, trial: optuna.Trial, values: dict[str, Any]) -> None:
        setup = self.setup
        texts = {p.key: p.as_text(values[p.key]) for p in setup.space}
        name = trial_run_name(trial.number, setup.name_width, texts)
        trial.set_user_attr(RUN_ATTR, {"texts": texts, "run_name": name})
        shown = " ".join(f"{k}={v}" for k, v in texts.items())
        self.say(f"trial {trial.number} start: {shown}")
        try:
            config = trial_config(setup.base, values)
            (setup.dir / SEARCH_LOGS_DIR).mkdir(exist_ok=True)
            log = open(setup.dir / SEARCH_LOGS_DIR / f"{name}.log", "w", encoding="utf-8")  # noqa: SIM115
        except (ConfigError, OSError) as exc:
            self._record(trial, texts, name, RunFinished("failed", str(exc), 0, 0.0))
            return
        config.train.output_dir, config.train.run_name = str(setup.dir), name
        self.control = TrainingControl()
        if self.stopping:
            self.control.stop()
        with log:
            console = Console(file=log, width=200, highlight=False)
            pruning = TrialPruning(self._pruning_report(trial))
            finished = Trainer(config, BatchReporter(console, False), self.control, callbacks=[pruning]).run()
            with contextlib.suppress(OSError):  # the run's own files say how it ended
                console.print(
                    f"{finished.status}: {finished.reason} in {finished.seconds:.1f}s", markup=False
                )
                if finished.metrics:
                    console.print(metrics_table(finished))
        self.control = None
        self._record(trial, texts, name, finished)

    def _pruning_report(self, trial: optuna.Trial) -> Callable[[int, float], str | None]:
        def report(epoch: int, val_loss: float) -> str | None:
            trial.report(val_loss, epoch)
            if not trial.should_prune():
                return None
            return (
                f"validation loss {format_number(val_loss)} at epoch {epoch + 1} is worse than the "
                "median of the earlier trials at that epoch"
            )

        return report

    def _record(self, trial: optuna.Trial, texts: dict[str, str], name: str, finished: RunFinished) -> None:
        """Tell the study how the trial ended, note it in the run's summary.json, say it."""
        from optuna.trial import TrialState

        attrs = {"texts": texts, "run_name": name, **_run_facts(finished)}
        trial.set_user_attr(RUN_ATTR, attrs)
        best_loss = attrs.get("best_val_loss")
        with claim_lock(self.setup.dir):
            if finished.status == "stopped":
                mark_interrupted(self.study, trial.number, trial.params)
            elif finished.status == "pruned":
                self.study.tell(trial, state=TrialState.PRUNED)
            elif finished.status in ("completed", "early_stopped") and best_loss is not None:
                self.study.tell(trial, best_loss)
            else:
                self.study.tell(trial, state=TrialState.FAIL)
            results = write_search_files(self.setup, self.study)
        if finished.run_dir:
            _note_search_in_summary(Path(finished.run_dir), self.setup, trial.number, texts)
        done = sum(r.counted and r.status != "running" for r in results)
        self.say(f"trial {trial.number} {_end_text(finished, attrs)} [{done}/{self.setup.n_trials} done]")

    def say(self, text: str) -> None:
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            self.console.print(text, markup=False, highlight=False)


def suggest(trial: optuna.Trial, param: SearchParam) -> Any:
    if param.kind == CHOICE:
        return trial.suggest_categorical(param.key, list(param.choices))
    if param.kind == FLOAT:
        return trial.suggest_float(param.key, param.low, param.high, log=param.log)
    return trial.suggest_int(param.key, int(param.low), int(param.high), log=param.log)


def _run_facts(finished: RunFinished) -> dict[str, Any]:
    """What the results table shows of a trial, kept in the study with it."""
    facts: dict[str, Any] = {STATUS: finished.status, "reason": finished.reason}
    facts["epochs_done"] = finished.epochs_done
    facts["seconds"] = round(finished.seconds, 3)
    if finished.run_dir:
        facts["run_dir"] = finished.run_dir
        summary = load_summary(finished.run_dir) or {}
        facts["epochs_planned"] = summary.get("epochs_planned")
        curves = load_curves(finished.run_dir)
        pairs = [(loss, i) for i, loss in enumerate(curves.val_loss) if loss is not None]
        if pairs:
            loss, i = min(pairs)
            facts["best_val_loss"] = loss
            facts["best_val_accuracy"] = curves.val_accuracy[i]
    return facts


def _note_search_in_summary(run_dir: Path, setup: SearchSetup, number: int, texts: dict[str, str]) -> None:
    """The trial's place in its search, for the Runs screen (as a sweep notes its points)."""
    summary = load_summary(run_dir)
    if summary is None:
        return
    summary["search"] = {
        "name": setup.dir.name,
        "dir": str(setup.dir),
        "index": number,
        "trials": setup.n_trials,
        "params": texts,
    }
    with contextlib.suppress(OSError):
        atomic_write_text(run_dir / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")


def _end_text(finished: RunFinished, attrs: dict[str, Any]) -> str:
    if finished.status in ("completed", "early_stopped", "pruned"):
        best = format_number(attrs.get("best_val_loss"))
        text = f"{finished.status} after {attrs['epochs_done']} epochs: best val loss {best}"
        if attrs.get("best_val_accuracy") is not None:
            text += f" (val acc {format_percent(attrs['best_val_accuracy'])})"
        return text
    return f"{finished.status}: {finished.reason}"


def install_stop_handlers(loop: TrialLoop, announce: bool = True) -> Callable[[], None]:
    """First Ctrl-C, SIGTERM or SIGHUP: the running trial stops after its batch, is recorded as
    interrupted (its parameters run again on resume) and no trial starts; a second one aborts.
    A worker does not `announce` it: the search that passed the signal on already has."""

    def handler(signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            silence_hung_up_terminal()
        if loop.stopping:
            exit_interrupted(
                f"tui-trainer: aborted; continue with tui-trainer --resume-search {loop.setup.dir}"
            )
        if announce:
            name = SIGNAL_NAMES.get(signum, "signal")
            loop.say(f"{name}: stopping the running trial (Ctrl-C again aborts it)")
        loop.stop()

    return handle_stop_signals(handler)


def main(argv: list[str] | None = None) -> int:
    """A worker process of a parallel search: `python -m tui_trainer.search_trials DIR SLOT`."""
    args = sys.argv[1:] if argv is None else argv
    console = Console(highlight=False, width=200)
    try:
        setup = SearchSetup.load(args[0])
        loop = TrialLoop(setup, int(args[1]), console)
    except (ConfigError, IndexError, ValueError) as exc:
        print(f"tui-trainer: error: search worker: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    restore = install_stop_handlers(loop, announce=False)
    try:
        loop.run()
    finally:
        restore()
    return EXIT_INTERRUPTED if loop.stopping else EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
