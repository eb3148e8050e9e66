"""The app's tuning actions, kept out of app.py: `p` (pause, and resume with the settings edited
while paused: `paused_changes`), `L` (the LR finder screen) and the palette's "Overfit one batch".

`TuningActions` is a mixin of `TrainerApp`; it uses the app's public attributes (setup, view,
control, training, start_training)."""

from __future__ import annotations

from typing import Any

from tui_trainer.engine import TrainConfig
from tui_trainer.formatting import format_lr
from tui_trainer.ui.app_keys import refusal_text
from tui_trainer.ui.lr_finder_screen import LRFinderScreen
from tui_trainer.ui.paused_changes import LOCKED_MESSAGE, changes_to_send, unlock_changeable

# The overfit check trains at least this many epochs (each is the one batch): fewer rarely fit it.
OVERFIT_MIN_EPOCHS = 100


class TuningActions:
    # The setup's config when the run paused: what the edits made while paused are compared to.
    paused_from: TrainConfig | None = None

    def action_pause(self, shown_as: str = "pause") -> None:
        app: Any = self
        control = app.control
        if not app.training or control is None:
            app.notify("Nothing is training: press s to start.", severity="warning")
            return
        if control.paused:
            if not self.send_paused_changes():
                return  # stays paused: the message names the field to fix
            control.resume()
            app.view.status.state = "running"
            app.setup.set_locked(True, LOCKED_MESSAGE)
            if app.focused is not None and app.focused.is_disabled:
                app.set_focus(None)
        else:
            control.pause()
            app.view.status.state = "pausing"
            self.paused_from = unlock_changeable(app.setup)
        app.refresh_bindings()  # the footer's p: Pause or Resume

    def send_paused_changes(self) -> bool:
        """Send the settings edited while paused; False (and why, as a notification) when one
        cannot be taken."""
        app: Any = self
        before, self.paused_from = self.paused_from, None
        if before is None:
            return True
        last_epoch, started = app.view.last_epoch, app.view.started
        epochs_done = last_epoch.epoch + 1 if last_epoch else (started.start_epoch if started else 0)
        setup = app.setup
        changes, refusal = changes_to_send(before, setup.config, setup.parse_errors, epochs_done)
        if refusal is not None:
            self.paused_from = before
            app.notify(refusal, title="cannot resume with this change", severity="error", timeout=8)
            return False
        if changes:
            app.control.request_changes(changes)
        return True

    def action_find_lr(self) -> None:
        app: Any = self
        if app.training and not app.paused:
            app.notify("A run is training: p pauses it (or x stops it), then L.", severity="warning")
            return
        setup = app.setup
        if setup.problems:
            app.notify(refusal_text(setup.problems), title="cannot run the LR finder", severity="error")
            return
        app.push_screen(LRFinderScreen(setup.config.copy()), self.apply_found_lr)

    def apply_found_lr(self, lr: float | None) -> None:
        if lr is None:
            return
        app: Any = self
        text = format_lr(lr)
        app.setup.set_value("optimizer.lr", float(text))
        app.view.write(f"optimizer.lr set to {text}, the LR finder's suggestion (minimum ÷ 10)", "bold")
        app.notify(f"optimizer.lr = {text}", title="LR finder", timeout=3)

    def action_overfit_batch(self) -> None:
        """Train on the first batch only: can this model fit at all? (the setup is not changed)"""
        app: Any = self
        if app.training:
            app.notify("A run is already training: x stops it first.", severity="warning")
            return
        setup = app.setup
        if setup.problems:
            app.notify(refusal_text(setup.problems), title="cannot start", severity="error", timeout=10)
            return
        config = setup.config.copy()
        config.train.overfit_batches = 1
        config.train.epochs = max(config.train.epochs, OVERFIT_MIN_EPOCHS)
        app.start_training(config)
        app.view.write(
            f"overfit check: the first batch only, up to {config.train.epochs} epochs; "
            "the setup's own settings are unchanged"
        )
