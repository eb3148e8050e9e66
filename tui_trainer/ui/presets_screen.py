"""The preset chooser: the classic exercises in assets/presets/, one line each with what it
shows and what to expect; Enter fills the setup panels with the chosen one."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui_trainer.engine import Preset


class PresetScreen(ModalScreen[str | None]):
    """Dismisses with the chosen preset's name, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("j", "cursor('down')", show=False),
        Binding("k", "cursor('up')", show=False),
    ]
    DEFAULT_CSS = """
    PresetScreen { align: center middle; }
    #preset-box { width: 90%; max-width: 110; height: auto; max-height: 90%;
                  border: round $accent; background: $surface; padding: 0 1; }
    #preset-list { height: auto; max-height: 20; }
    """

    def __init__(self, presets: list[Preset]) -> None:
        super().__init__()
        self.presets = presets

    def compose(self):
        with Vertical(id="preset-box"):
            yield Static("Presets: complete configs for the classic exercises", classes="resume-title")
            yield Static(
                "Enter fills the panels (then s trains) · j/k or ↑/↓ move · Esc cancels",
                classes="info",
            )
            options = [Option(self._label(p), id=p.name) for p in self.presets]
            yield OptionList(*options, id="preset-list")

    @staticmethod
    def _label(preset: Preset) -> str:
        lines = [f"{preset.name}: {preset.description}"]
        if preset.expect:
            lines.append(f"  expect: {preset.expect}")
        return "\n".join(lines)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def choose(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cursor(self, direction: str) -> None:
        options = self.query_one(OptionList)
        if direction == "down":
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
