"""What a person changes in a past run from the Runs screen: its one-line note, or the whole
directory deleted. Torch-free; every failure is a `RunEditError` whose message is one line for the
screen. (Reading the note back is `past_runs.read_note`, with the rest of a run's row.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tui_trainer.engine.rundir.atomic import atomic_write_text
from tui_trainer.engine.rundir.layout import NOTE_FILE
from tui_trainer.engine.rundir.lock import RunInUse, RunLock
from tui_trainer.engine.rundir.past_runs import clean_note, is_run_dir


class RunEditError(Exception):
    """A note could not be saved or a run not deleted; the message is one line for the screen."""


def write_note(path: str | Path, text: str) -> str:
    """Save `text` (cleaned) as the run's note and return what was saved; an empty note removes
    the file."""
    note_file = Path(path) / NOTE_FILE
    note = clean_note(text)
    try:
        if note:
            atomic_write_text(note_file, note + "\n")
        else:
            note_file.unlink(missing_ok=True)
    except OSError as exc:
        raise RunEditError(f"cannot save the note in {path}: {exc.strerror or exc}") from exc
    return note


def delete_run(path: str | Path) -> None:
    """Delete a run directory and everything in it. Refused for a run being trained (its lock is
    held while the files go, so no resume can start meanwhile) and for anything that is not a run
    directory."""
    path = Path(path)
    if path.is_symlink() or not is_run_dir(path):
        raise RunEditError(f"{path} is not a run directory: nothing deleted")
    try:
        lock = RunLock.acquire(path)
    except RunInUse as exc:
        raise RunEditError(str(exc)) from exc
    except OSError as exc:
        raise RunEditError(f"cannot delete {path}: {exc.strerror or exc}") from exc
    try:
        shutil.rmtree(path)
    except OSError as exc:
        raise RunEditError(f"cannot delete all of {path}: {exc.strerror or exc}") from exc
    finally:
        lock.release()
