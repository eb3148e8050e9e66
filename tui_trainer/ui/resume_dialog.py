"""Asks how many epochs a resumed run should reach; the only setting a resume may change here."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_trainer.engine import RunRecord


def default_epochs(record: RunRecord) -> int:
    """The planned length for a run cut short; ten more epochs for one that finished."""
    planned = record.epochs_planned or 0
    return planned if planned > record.epochs else record.epochs + 10


class ResumeDialog(ModalScreen[int | None]):
    """Dismisses with the epoch count to train up to, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, record: RunRecord) -> None:
        super().__init__()
        self.record = record

    def compose(self):
        r = self.record
        planned = f" of {r.epochs_planned}" if r.epochs_planned else ""
        with Vertical(id="resume-box"):
            yield Static(f"Resume {r.name}", classes="resume-title")
            yield Static(
                f"trained {r.epochs}{planned} epochs ({r.status}); continue from last.pt up to epoch:"
            )
            yield Input(str(default_epochs(r)), id="resume-epochs", compact=True)
            yield Static("", id="resume-error")
            yield Static(
                "Enter starts · Esc cancels · everything else stays as the run had it", classes="info"
            )

    def on_mount(self) -> None:
        self.query_one("#resume-error").display = False
        self.query_one("#resume-epochs", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        error = self.query_one("#resume-error", Static)
        try:
            epochs = int(text)
        except ValueError:
            epochs = None
        if epochs is None or epochs <= self.record.epochs:
            error.update(f"! enter a whole number above {self.record.epochs} (the epochs already trained)")
            error.display = True
            return
        self.dismiss(epochs)

    def action_cancel(self) -> None:
        self.dismiss(None)
