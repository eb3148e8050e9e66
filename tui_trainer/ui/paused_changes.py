"""Settings changed while a run is paused: the setup column unlocks only the fields a run can take
up part-way (`engine.CHANGEABLE_FIELDS`: learning rate, momentum/betas, weight decay, clipping,
the scheduler, batch size, accumulation, epochs, early stopping); the rest stay locked, with the
banner saying why. On resume the edited ones are checked here (a one-line message naming the
field when one cannot be taken) and sent with `TrainingControl.request_changes`; the engine
applies them from the next step, logs them and reports `SettingsChanged` (the loss plot's marker).
"""

from __future__ import annotations

from typing import Any

from tui_trainer.engine import CHANGEABLE_FIELDS, TrainConfig, changed_fields, setting_change_problems
from tui_trainer.ui.fields import Field
from tui_trainer.ui.setup import SetupColumn

LOCKED_MESSAGE = "Setup is locked while training: x stops the run, then edit (r restarts)."
PAUSED_MESSAGE = (
    "Paused: the unlocked fields (lr, momentum, betas, weight decay, clipping, scheduler, batch "
    "size, accumulation, epochs, early stop) apply when p resumes; the others need a new model or "
    "new data: x stops, r restarts."
)


def unlock_changeable(setup: SetupColumn) -> TrainConfig:
    """Unlock only the fields a paused run can change; returns the config they start from."""
    setup.set_locked(True, PAUSED_MESSAGE)
    for panel in setup.query(".panel"):
        panel.disabled = False
    for field in setup.query(Field):
        field.disabled = field.key not in CHANGEABLE_FIELDS
    return setup.config.copy()


def edited_settings(before: TrainConfig, after: TrainConfig) -> dict[str, Any]:
    """`section.key` -> new value for every changeable field that differs."""
    return {name: new for name, _, new in changed_fields(before, after)}


def changes_to_send(
    before: TrainConfig, after: TrainConfig, parse_errors: dict[str, str], epochs_done: int
) -> tuple[dict[str, Any], str | None]:
    """The changes a resume sends, or ({}, why not): one line naming the field."""
    for key, message in parse_errors.items():
        if key in CHANGEABLE_FIELDS:
            return {}, message
    changes = edited_settings(before, after)
    for problem in setting_change_problems(before, changes, epochs_done):
        message = problem.message
        return {}, message if problem.field in message else f"{problem.field}: {message}"
    return changes, None
