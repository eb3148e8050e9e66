"""The `?` screen: every key, and how the panels and tabs fit together."""

from __future__ import annotations

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from rich.table import Table
from rich.text import Text
from textual.widgets import Markdown, Static

KEYS = [
    ("s / Enter", "start training with the settings on the left"),
    ("p", "pause / resume the run"),
    ("x", "stop the run (the run directory keeps every finished epoch)"),
    ("r", "restart: stop the run and start again with the current settings"),
    ("d m l o", "jump to the Dataset, Model, Loss, Optimizer panel"),
    ("Tab", "next field (Shift+Tab: previous)"),
    ("Esc", "leave a field, so letter keys work as commands again"),
    ("t c v", "show the Training, Confusion, Samples tab"),
    ("a", "plot accuracy instead of loss (and back)"),
    ("e", "Samples: show only the mistakes (and back)"),
    ("R", "Runs screen: past runs (sweeps too), sortable; compare, load, resume"),
    ("  space", "Runs: mark a run; the plot overlays the marked runs' loss curves"),
    ("  s / S", "Runs: sort by the next column / reverse the order (or click a header)"),
    ("  l / Enter", "Runs: load the run's config into the setup panels"),
    ("  c", "Runs: resume the run from last.pt up to a number of epochs you give"),
    ("  r / Esc", "Runs: re-read the runs directory / back"),
    ("Ctrl+P", "command palette"),
    ("?", "this help (↑ ↓ PgUp PgDn scroll it)"),
    ("q / Ctrl+Q", "quit (a running run is stopped and saved first)"),
]

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


def keys_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, text in KEYS:
        table.add_row(key, text)
    return table


class HelpScreen(ModalScreen):
    BINDINGS = [
        Binding("escape", "dismiss", "close"),
        Binding("question_mark", "dismiss", "close"),
        Binding("q", "dismiss", "close", show=False),
    ]

    def compose(self):
        with VerticalScroll(id="help-box"):
            yield Static(Text("tui-trainer keys", style="bold"))
            yield Static(keys_table())
            yield Markdown(ABOUT)

    def on_mount(self) -> None:
        # Focused, the body takes the scroll keys (↑ ↓ PgUp PgDn Home End); unfocused, nothing
        # did and the lines below an 80×24 screen could not be reached.
        self.query_one("#help-box").focus()
