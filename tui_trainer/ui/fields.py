"""One labelled setup field: the editing widget, its label, and the error line under it.

A field's widget id encodes the config key it edits (`cfg-optimizer-lr` edits `optimizer.lr`), so
one handler in the setup column can parse and apply any field.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.containers import Container
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

PREFIX = "cfg-"


def field_id(key: str) -> str:
    return PREFIX + key.replace(".", "-", 1)


def box_id(key: str) -> str:
    """The id of the `Field` that holds the widget editing `key`."""
    return "field-" + key.replace(".", "-", 1)


def key_of(widget_id: str | None) -> str | None:
    if not widget_id or not widget_id.startswith(PREFIX):
        return None
    return widget_id[len(PREFIX) :].replace("-", ".", 1)


def format_value(value) -> str:
    """A config value as the text a user would type for it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(format_value(v) for v in value)
    if isinstance(value, float):
        short = f"{value:g}"
        return short if float(short) == value else repr(value)  # never round a loaded value
    return str(value)


class ChoiceSelect(Select[str]):
    """A Select that says which options it offers (`offered`), as (label, value) pairs."""

    def __init__(self, options: Iterable[tuple[str, str]], **kwargs) -> None:
        self.offered = list(options)
        super().__init__(self.offered, **kwargs)

    def set_options(self, options: Iterable[tuple[str, str]]) -> None:  # type: ignore[override]
        self.offered = list(options)
        super().set_options(self.offered)

    def offers(self, value: object) -> bool:
        return any(v == value for _, v in self.offered)


class Field(Container):
    # A grid, not a Horizontal row inside a Vertical, and the error line made only when the field
    # first has one: the setup column has ~57 fields, and every widget in it is styled when the
    # app starts and laid out again on each key typed.
    DEFAULT_CSS = """
    Field { height: auto; layout: grid; grid-size: 2; grid-columns: 11 1fr; grid-rows: auto; }
    Field > .field-error { column-span: 2; }
    """

    def __init__(self, label: str, widget: Widget, key: str, **kwargs) -> None:
        super().__init__(classes="field", id=box_id(key), **kwargs)
        self.key = key
        self.label = label
        self.widget = widget
        self.error: Static | None = None  # the line under the field, once it has had an error

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="field-label")
        yield self.widget

    @property
    def error_text(self) -> str:
        return str(self.error.content) if self.error is not None and self.error.display else ""

    def show_error(self, message: str | None) -> None:
        if message and self.error is None:
            self.error = Static(message, classes="field-error")
            self.mount(self.error)
        if self.error is not None:
            show_text(self.error, message or "")
            self.error.display = bool(message)
        self.set_class(bool(message), "-invalid")


def show_text(static: Static, text: str) -> None:
    """Set a Static's text unless it already shows it: every update lays out the whole screen
    again, and the setup column re-checks each field on each keystroke."""
    if static.content != text:
        static.update(text)


def text_field(label: str, key: str, value, placeholder: str = "") -> Field:
    return Field(
        label,
        Input(format_value(value), placeholder=placeholder, id=field_id(key), compact=True),
        key,
    )


def select_field(label: str, key: str, options: list[tuple[str, str]], value: str) -> Field:
    if value not in [v for _, v in options]:
        options = options + [(value, value)]
    return Field(
        label,
        ChoiceSelect(options, value=value, allow_blank=False, id=field_id(key), compact=True),
        key,
    )


class OnOffCheckbox(Checkbox):
    """A checkbox whose state does not depend on colour: ✓ when on, an empty box when off
    (Textual's draws an X either way and tells them apart by its colour only)."""

    def on_mount(self) -> None:
        self.watch(self, "value", self._show_state, init=True)

    def _show_state(self, value: bool) -> None:
        self.BUTTON_INNER = "✓" if value else " "
        self.refresh()


def check_field(label: str, key: str, value: bool, text: str) -> Field:
    return Field(label, OnOffCheckbox(text, value, id=field_id(key), compact=True), key)
