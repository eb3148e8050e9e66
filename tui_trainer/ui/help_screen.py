"""The `?` screen: every key, and how the panels and tabs fit together.

The keys are read from the live bindings (the app's, its screen's, the Runs screen's), each with
its tooltip (or its description), so the help cannot drift from what the keys do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

# (prefix for each line, the bindings, how a binding's key is written)
KeyGroup = tuple[str, Iterable[Binding], Callable[[Binding], str]]


ABOUT = """\
## Setup (left)
Edit a field and the change applies at once. A field with a problem turns red and says what to
fix under it; **Start** stays disabled until every problem is fixed, and while a dataset you
just named is being checked (`s` then starts once it is ready). Hidden sizes are a comma
list, e.g. `256,128`; empty means a linear model. The Model panel shows each layer and the
parameter count as you type. The Loss panel offers only losses that fit the dataset's task.
Momentum or betas appear only for optimizers that use them. While a run trains, the setup is
locked: press `x` to stop it, then edit.

## Training (right)
The plot shows the train loss of every step (grey), its moving average (cyan) and the
train/validation loss of every epoch. The line above it shows epoch, step, samples/s, time left
and the device. The log lists events and errors; each run writes a run directory (config.toml,
metrics.jsonl, summary.json, model.pt) whose path appears in the log.

Press `Esc` or `?` to close this help.
"""


def declared_bindings(node: DOMNode) -> list[Binding]:
    """The bindings `node`'s class and its bases declare, the class's own first; a key a class
    binds hides its bases' bindings of that key, as it does when the key is pressed."""
    bindings: list[Binding] = []
    for cls in type(node).__mro__:
        declared: list[BindingType] = cls.__dict__.get("BINDINGS", [])
        overridden = {binding.key for binding in bindings}
        bindings += [b for b in Binding.make_bindings(declared) if b.key not in overridden]
    return bindings


def key_rows(
    bindings: Iterable[Binding], key_display: Callable[[Binding], str], prefix: str = ""
) -> list[tuple[str, str]]:
    """(keys, what they do), one row per text: keys doing the same thing share a row."""
    rows: dict[str, list[str]] = {}
    for binding in bindings:
        text = binding.tooltip or binding.description
        if not text:
            continue
        keys = rows.setdefault(prefix + text, [])
        key = key_display(binding)
        if key not in keys:
            keys.append(key)
    return [(" / ".join(keys), text) for text, keys in rows.items()]


def keys_table(groups: Iterable[KeyGroup]) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for prefix, bindings, key_display in groups:
        for keys, text in key_rows(bindings, key_display, prefix):
            table.add_row(("  " if prefix else "") + keys, text)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "dismiss", "close"),
        Binding("question_mark", "dismiss", "close"),
        Binding("q", "dismiss", "close", show=False),
    ]

    def __init__(self, groups: list[KeyGroup]) -> None:
        super().__init__()
        self.groups = groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text("tui-trainer keys", style="bold"))
            yield Static(keys_table(self.groups))
            yield Markdown(ABOUT)

    def on_mount(self) -> None:
        # Focused, the body takes the scroll keys (↑ ↓ PgUp PgDn Home End); unfocused, nothing
        # did and the lines below an 80×24 screen could not be reached.
        self.query_one("#help-box").focus()


def app_help(app: App, main_screen: DOMNode, other_screens_keys: list[Binding]) -> HelpScreen:
    """The help for `app`: its keys and its main screen's, the palette's, then the Runs screen's."""
    palette = Binding(app.COMMAND_PALETTE_BINDING, "command_palette", "command palette")
    main_keys = [*declared_bindings(app), *declared_bindings(main_screen), palette]
    return HelpScreen(
        [("", main_keys, app.get_key_display), ("Runs: ", other_screens_keys, app.get_key_display)]
    )
