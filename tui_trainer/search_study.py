"""What every process of a search shares: the search directory's set-up (base config, space, the
number of trials) and the Optuna study in its SQLite storage, opened with the same sampler and
pruner settings everywhere. Optuna is imported only here and by the modules that need a study.

The objective is the trial's best validation loss (minimised): the value the pruner watches
epoch by epoch, and what `train.patience` and best.pt already track.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_trainer.engine import ConfigError, TrainConfig
from tui_trainer.engine.rundir.layout import (
    SEARCH_BASE_CONFIG,
    SEARCH_CLAIM_LOCK,
    SEARCH_MANIFEST_FILE,
    SEARCH_STORAGE_FILE,
)
from tui_trainer.engine.search_space import SearchParam, parse_search_space

if TYPE_CHECKING:
    import optuna

INSTALL_HINT = "the search needs Optuna: pip install 'tui-trainer[search]'"
OBJECTIVE = "best validation loss"
# MedianPruner: no pruning before 5 trials have finished, nor in a trial's first quarter of its
# epochs (at least the first epoch): early losses say more about how fast a config starts than
# where it ends, and a higher dropout or a lower learning rate starts slower.
PRUNER_STARTUP_TRIALS = 5
PRUNER_WARMUP_FRACTION = 0.25
# SQLite waits this long for another worker's write before giving up.
SQLITE_TIMEOUT_S = 60
# The one user attribute a worker keeps on each trial: a dict of what the results table shows
# (the values as shown, the run's name; once it ended, its status, epochs and best losses).
RUN_ATTR = "run"
# The run's status in it. A failed trial without one (its process was killed) or "stopped" (a stop
# signal) was interrupted: it does not count toward the asked number and its values run again.
STATUS = "status"


def optuna_missing() -> bool:
    try:
        import optuna  # noqa: F401
    except ImportError:
        return True
    return False


@dataclass
class SearchSetup:
    """A search as its directory describes it: base.toml, and the specs and trial count in search.json."""

    dir: Path
    base: TrainConfig
    specs: list[str]
    space: list[SearchParam]
    n_trials: int
    parallel: int
    study_name: str

    @classmethod
    def load(cls, search_dir: str | Path) -> SearchSetup:
        """Raises ConfigError naming what is missing or damaged."""
        path = Path(search_dir).expanduser()
        if not path.is_dir():
            raise ConfigError(
                f"--resume-search needs a search directory, {str(search_dir)!r} is not a directory"
            )
        for name in (SEARCH_MANIFEST_FILE, SEARCH_BASE_CONFIG, SEARCH_STORAGE_FILE):
            if not (path / name).exists():
                raise ConfigError(f"{path} is not a search directory: it has no {name}")
        try:
            manifest = json.loads((path / SEARCH_MANIFEST_FILE).read_text(encoding="utf-8"))
            specs = [str(s) for s in manifest["specs"]]
            n_trials, parallel, name = (
                int(manifest["trials_asked"]),
                int(manifest["parallel"]),
                str(manifest["study"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path / SEARCH_MANIFEST_FILE} is damaged: {exc}") from None
        base = TrainConfig.load(path / SEARCH_BASE_CONFIG)
        return cls(path, base, specs, parse_search_space(specs, base), n_trials, parallel, name)

    @property
    def name_width(self) -> int:
        """Digits of the trial number in run names: t07 in a search of up to 100 trials."""
        return max(2, len(str(self.n_trials - 1)))


def storage_url(search_dir: Path) -> str:
    return f"sqlite:///{(search_dir / SEARCH_STORAGE_FILE).resolve()}"


def open_study(setup: SearchSetup, seed: int | None = None, create: bool = False) -> optuna.Study:
    """The search's study with its TPE sampler (seeded: the same search samples the same trials)
    and median pruner; `create` makes it in a new storage."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.RDBStorage(
        storage_url(setup.dir), engine_kwargs={"connect_args": {"timeout": SQLITE_TIMEOUT_S}}
    )
    _write_ahead(storage)
    sampler = make_sampler(setup, seed)
    pruner = optuna.pruners.MedianPruner(
        n_startup_trials=PRUNER_STARTUP_TRIALS, n_warmup_steps=pruner_warmup_epochs(setup.base)
    )
    if create:
        return optuna.create_study(
            storage=storage, study_name=setup.study_name, direction="minimize", sampler=sampler, pruner=pruner
        )
    return optuna.load_study(study_name=setup.study_name, storage=storage, sampler=sampler, pruner=pruner)


def _write_ahead(storage: optuna.storages.RDBStorage) -> None:
    """SQLite in write-ahead-log mode with fsync at checkpoints only: a commit costs no fsync, a
    killed process still loses nothing committed (only a power cut can lose the last few), and
    the workers of a parallel search read while one of them writes."""
    from sqlalchemy import event

    def on_connect(connection: Any, record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(storage.engine, "connect", on_connect)
    storage.engine.dispose()  # the connections made before the listener


def pruner_warmup_epochs(base: TrainConfig) -> int:
    """Epochs a trial trains before it may be pruned (train.epochs auto counts as unknown: 1)."""
    return max(1, int(base.train.epochs * PRUNER_WARMUP_FRACTION))


def make_sampler(setup: SearchSetup, seed: int | None) -> optuna.samplers.BaseSampler:
    """TPE; parallel workers pretend running trials ended badly (constant liar), so they do
    not all sample the same promising spot."""
    import optuna

    return optuna.samplers.TPESampler(seed=seed, constant_liar=setup.parallel > 1)


def is_interrupted(trial: optuna.trial.FrozenTrial) -> bool:
    from optuna.trial import TrialState

    return trial.state == TrialState.FAIL and run_facts(trial).get(STATUS) in (None, "stopped")


def run_facts(trial: optuna.trial.FrozenTrial) -> dict[str, Any]:
    facts = trial.user_attrs.get(RUN_ATTR)
    return facts if isinstance(facts, dict) else {}


def counted_trials(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    """The trials that count toward the asked number: every finished one (completed, pruned,
    failed), not those a stop signal cut short (they run again)."""
    from optuna.trial import TrialState

    finished = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    return [t for t in study.get_trials(deepcopy=False) if t.state in finished and not is_interrupted(t)]


def running_trials(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))


def mark_interrupted(study: optuna.Study, trial_number: int, params: dict[str, Any]) -> None:
    """A trial a signal stopped (or a killed process left running): failed, not counted, and its
    parameters queued so the resumed search trains them first."""
    from optuna.trial import TrialState

    study.tell(trial_number, state=TrialState.FAIL, skip_if_finished=True)
    study.enqueue_trial(params, user_attrs={"retry_of": trial_number})


@contextlib.contextmanager
def claim_lock(search_dir: Path) -> Iterator[None]:
    """Held while a process counts the trials and takes the next one (and rewrites the search's
    files): parallel workers neither overshoot the trial count nor overwrite newer files."""
    fd = os.open(search_dir / SEARCH_CLAIM_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
