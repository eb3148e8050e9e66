"""The Runs screen's two questions: delete this run directory (`d`), and its one-line note (`n`)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui_trainer.engine import MAX_NOTE_LENGTH, RunRecord

DIALOG_CSS = """
{name} {{
    align: center middle;
}}
{name} > Vertical {{
    width: 72;
    max-width: 95%;
    height: auto;
    border: round $accent;
    background: $surface;
    padding: 0 1;
}}
{name} .dialog-title {{
    text-style: bold;
}}
{name} .info {{
    color: $text-muted;
}}
"""


def _count_files(record: RunRecord) -> int:
    try:
        return sum(1 for path in record.path.rglob("*") if path.is_file())
    except OSError:
        return 0


class ConfirmDelete(ModalScreen[bool]):
    """Dismisses with True only for `y`: any other answer keeps the run."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ConfirmDelete") + "ConfirmDelete > Vertical { border: round $error; }"
    )
    BINDINGS = [
        Binding("y", "answer(True)", "Delete"),
        Binding("n", "answer(False)", "Keep"),
        Binding("escape", "answer(False)", "Keep"),
    ]

    def __init__(self, record: RunRecord) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        r = self.record
        files = _count_files(r)
        with Vertical():
            yield Static(f"Delete the run {r.name}?", classes="dialog-title")
            yield Static(
                f"{r.path}\n{files} file{'s' * (files != 1)} ({r.status}, {r.epochs} epochs): "
                "deleted for good, with its checkpoints"
            )
            yield Static("y deletes · n or Esc keeps it", classes="info")

    def action_answer(self, delete: bool) -> None:
        self.dismiss(delete)


class NoteDialog(ModalScreen[str | None]):
    """Dismisses with the note typed (empty: remove the note), or None when cancelled."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NoteDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, record: RunRecord) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Note on {self.record.name}", classes="dialog-title")
            yield Input(self.record.note, id="note-text", max_length=MAX_NOTE_LENGTH, compact=True)
            yield Static("Enter saves (an empty note removes it) · Esc cancels", classes="info")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
