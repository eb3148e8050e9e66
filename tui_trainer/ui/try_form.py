"""The Try tab for tables: one field per input column, prefilled from a test row, predicted live.

The fields hold raw cells as the CSV had them (numbers, category words, empty for a missing
cell); the run's saved preprocessing encodes them as it encoded the training file, so a word in
a numeric column or a category training never saw is said on the result panel, not raised.
A 1-D regression toy is this form with its one field, `x`.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label

MAX_HINTED_CATEGORIES = 6


class RowForm(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    RowForm { width: 1fr; height: auto; max-height: 100%; }
    RowForm .try-field { height: 1; }
    RowForm .try-label { width: 14; color: $text-muted; }
    RowForm Input { width: 1fr; height: 1; border: none; padding: 0 1; }
    """

    class Changed(Message):
        """A field was edited: `row` maps every column to its cell."""

        def __init__(self, row: dict[str, str]) -> None:
            super().__init__()
            self.row = row

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.columns: list[tuple[str, list[str]]] = []  # (name, categories or [] for a number)
        self._last_row: dict[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Label("No table yet.", id="try-form-empty")

    async def set_columns(self, columns: list[tuple[str, list[str]]]) -> bool:
        """One field per column (kept when the columns are the same: then False)."""
        if columns == self.columns:
            return False
        self.columns = columns
        await self.remove_children()
        rows = []
        for i, (name, categories) in enumerate(columns):
            hint = ", ".join(categories[:MAX_HINTED_CATEGORIES]) + (" …" if len(categories) > 6 else "")
            field = Input(placeholder=hint or "a number", id=f"try-field-{i}", compact=True)
            field.tooltip = f"{name}: {hint}" if hint else name
            rows.append(Horizontal(Label(name[:13], classes="try-label"), field, classes="try-field"))
        await self.mount_all(rows)
        self._last_row = None
        return True

    def fill(self, row: dict[str, str]) -> None:
        """Put a row's cells in the fields; its prediction is asked for once."""
        for i, (name, _) in enumerate(self.columns):
            self.query_one(f"#try-field-{i}", Input).value = row.get(name, "")
        self._post()

    def row(self) -> dict[str, str]:
        fields = self.query(".try-field Input").results(Input)
        return {name: field.value for (name, _), field in zip(self.columns, fields, strict=True)}

    @on(Input.Changed)
    def edited(self, event: Input.Changed) -> None:
        event.stop()
        self._post()

    def _post(self) -> None:
        row = self.row()
        if row != self._last_row:  # filling the fields changes each one: one message for them all
            self._last_row = row
            self.post_message(self.Changed(row))
