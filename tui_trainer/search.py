"""`--search`: an Optuna search over ranges and choices of config fields, `--resume-search` to go on.

Each trial is a real run directory under `<output_dir>/search-<timestamp>/`, trained with the
search's TPE sampler choosing its values (seeded from train.seed) and its median pruner watching
each epoch's validation loss (a pruned run ends with the status "pruned"). The study lives in
optuna.db in that directory, so a search stopped by Ctrl-C continues with `--resume-search DIR`
(the interrupted trial's values run again) until it has the asked number of trials, and Optuna's
own tools can read it. `--parallel K` runs K trials at once in worker processes that divide the
CPU threads (one GPU each when there are several), as a sweep does. At the end: the results
table best first, search.csv, search.json (with Optuna's parameter importances) and best.toml.
The trials themselves are `search_trials`'; the files and the table `search_results`'. Torch and
the trainer are imported only once the search is known to be good, so a bad one is refused at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from tui_trainer.engine import ConfigError, RunInUse, TrainConfig, find_spec
from tui_trainer.engine.rundir.layout import (
    SEARCH_BASE_CONFIG,
    SEARCH_BEST_CONFIG,
    SEARCH_PREFIX,
    SEARCH_TABLE_FILE,
)
from tui_trainer.engine.rundir.lock import RunLock
from tui_trainer.engine.search_space import parse_search_space
from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK
from tui_trainer.formatting import format_number
from tui_trainer.search_results import (
    TrialResult,
    best_result,
    new_manifest,
    search_table,
    write_search_files,
)
from tui_trainer.search_study import (
    INSTALL_HINT,
    SearchSetup,
    counted_trials,
    mark_interrupted,
    open_study,
    optuna_missing,
    running_trials,
)
from tui_trainer.signals import set_exit_at_once_message

if TYPE_CHECKING:
    import optuna

DEFAULT_TRIALS = 20
POLL_SECONDS = 0.2


def run_search(
    base: TrainConfig,
    specs: list[str],
    trials: int | None = None,
    parallel: int = 1,
    set_keys: Sequence[str] = (),
    console: Console | None = None,
) -> int:
    """A new search from `base` over `specs` (`--search` arguments)."""
    if optuna_missing():
        return _refuse(INSTALL_HINT)
    n_trials = DEFAULT_TRIALS if trials is None else trials
    try:
        space = parse_search_space(specs, base, list(set_keys))
        names = [c for p in space if p.key == "dataset.name" for c in p.choices] or [base.dataset.name]
        for name in names:
            find_spec(name)
        _check_run_settings(n_trials, parallel)
    except ConfigError as exc:
        return _refuse(str(exc))
    from tui_trainer.engine.rundir.writer import create_sweep_dir

    try:
        search_dir = create_sweep_dir(Path(base.train.output_dir).expanduser(), SEARCH_PREFIX)
        base.save(search_dir / SEARCH_BASE_CONFIG)
        setup = SearchSetup(search_dir, base, list(specs), space, n_trials, parallel, search_dir.name)
        new_manifest(setup, list(set_keys))
        study = open_study(setup, create=True)
    except OSError as exc:
        print(f"tui-trainer: error: cannot create the search directory: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return Search(setup, console, study).run()


def resume_search(
    path: str, trials: int | None = None, parallel: int = 1, console: Console | None = None
) -> int:
    """Go on with the search in `path` until it has `trials` trials (the number it was started with)."""
    if optuna_missing():
        return _refuse(INSTALL_HINT)
    try:
        setup = SearchSetup.load(path)
        if trials is not None:
            setup.n_trials = trials
        _check_run_settings(setup.n_trials, parallel)
        setup.parallel = parallel
    except ConfigError as exc:
        return _refuse(str(exc))
    return Search(setup, console).run()


class Search:
    def __init__(
        self, setup: SearchSetup, console: Console | None = None, study: optuna.Study | None = None
    ) -> None:
        self.setup = setup
        self.study = study
        self.console = console or Console(highlight=False, width=None if sys.stdout.isatty() else 200)
        self.stopping = False
        self.workers: list[subprocess.Popen[bytes]] = []

    def run(self) -> int:
        setup = self.setup
        try:
            lock = RunLock.acquire(setup.dir)
        except RunInUse:
            return _refuse(
                f"the search {setup.dir} is running in another process; wait for it or stop it first"
            )
        try:
            study = self.study = self.study or open_study(setup)
            _recover_interrupted(study)
            with_results = write_search_files(setup, study)
            done = sum(r.counted and r.status != "running" for r in with_results)
            self._say(self._header(done))
            if done < setup.n_trials:
                if setup.parallel == 1:
                    self._run_here()
                else:
                    self._run_workers()
            set_exit_at_once_message(
                "tui-trainer: interrupted while writing the results; "
                f"tui-trainer --resume-search {setup.dir} writes them"
            )
            _recover_interrupted(study)  # trials of workers killed by a second Ctrl-C
            results = write_search_files(setup, study, final=True)
        finally:
            lock.release()
        return self._report(results, len(counted_trials(study)))

    def _header(self, done: int) -> str:
        from tui_trainer.sweep import threads_per_process

        setup = self.setup
        space = ", ".join(p.describe() for p in setup.space)
        threads = threads_per_process(setup.parallel)
        resumed = f" ({done} done)" if done else ""
        return (
            f"search: {setup.n_trials} trials{resumed} over {space}; {setup.parallel} at a time, "
            f"{threads} CPU thread(s) each; directory {setup.dir}"
        )

    def _run_here(self) -> None:
        from tui_trainer.search_trials import TrialLoop, install_stop_handlers

        loop = TrialLoop(self.setup, 0, self.console, self.study)
        restore = install_stop_handlers(loop)
        try:
            loop.run()
        finally:
            restore()
        self.stopping = loop.stopping

    def _run_workers(self) -> None:
        from tui_trainer.sweep import forward_stop_signals, threads_per_process, visible_gpus

        setup = self.setup
        threads = threads_per_process(setup.parallel)
        gpus = visible_gpus(setup.base)
        restore = forward_stop_signals(
            self.console, "trials", lambda: self.workers, lambda: self.stopping, self._stop
        )
        try:
            for slot in range(setup.parallel):
                env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
                if gpus:
                    env["CUDA_VISIBLE_DEVICES"] = gpus[slot % len(gpus)]
                command = [sys.executable, "-m", "tui_trainer.search_trials", str(setup.dir), str(slot)]
                # A new session: a terminal Ctrl-C reaches only us, and we pass exactly one on.
                self.workers.append(
                    subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
                )
            while any(worker.poll() is None for worker in self.workers):
                time.sleep(POLL_SECONDS)
        finally:
            for worker in self.workers:  # only still running on an abort
                if worker.poll() is None:
                    worker.kill()
                    worker.wait()
            restore()

    def _stop(self) -> None:
        self.stopping = True

    def _report(self, results: list[TrialResult], n_counted: int) -> int:
        setup = self.setup
        self.console.print(search_table(setup, results))
        self._say(f"search results: {setup.dir / SEARCH_TABLE_FILE}")
        best = best_result(results)
        if best is not None:
            shown = " ".join(f"{k}={v}" for k, v in best.texts.items())
            self._say(f"best: trial {best.number}, best val loss {format_number(best.value)}: {shown}")
            self._say(f"best config: {setup.dir / SEARCH_BEST_CONFIG}")
        retried = [r for r in results if not r.counted]
        if retried:
            names = ", ".join(str(r.attrs.get("run_name", r.number)) for r in retried)
            self._say(f"interrupted trials (their values run again): {names}")
        if self.stopping or n_counted < setup.n_trials:
            self._say(
                f"{n_counted} of {setup.n_trials} trials done; continue with: "
                f"tui-trainer --resume-search {setup.dir}"
            )
            return EXIT_INTERRUPTED if self.stopping else EXIT_FAILED
        return EXIT_OK if best is not None else EXIT_FAILED

    def _say(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False)


def _recover_interrupted(study: optuna.Study) -> None:
    """Trials a killed process left running: failed, not counted, their values queued again."""
    for trial in running_trials(study):
        mark_interrupted(study, trial.number, trial.params)


def _check_run_settings(n_trials: int, parallel: int) -> None:
    if n_trials < 1:
        raise ConfigError(f"--trials must be at least 1, got {n_trials}")
    if parallel < 1:
        raise ConfigError(f"--parallel must be at least 1, got {parallel}")
    from tui_trainer.engine.distributed import launched_by_torchrun

    if launched_by_torchrun():
        raise ConfigError("--search cannot run under torchrun; run the search without torchrun")


def _refuse(message: str) -> int:
    print(f"tui-trainer: error: {message}", file=sys.stderr)
    return EXIT_BAD_CONFIG
