"""The Runs screen's keys: each binding's tooltip is its line on the help screen (help_screen.py
reads the live bindings), and how a column's header shows the letter that sorts by it."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding, BindingType

from tui_trainer.runs_table import COLUMNS, Column

MARK_HELP = "mark a run; the plot overlays the marked runs' loss curves"
LOAD = "load the run's config into the setup panels"
OPEN = "open the run's model, no training: curves, confusion, Try, Inside"
SORT = "sort by the column whose letter is underlined (again: reverse)"
SORT_KEYS = "⇧+letter"  # one row in the help for the fourteen keys, short enough not to wrap it
BACK = "re-read the runs directory / back (Esc clears a filter first)"
FILTER = "filter by name or dataset as you type (Enter keeps it, Esc clears it)"
MOVE = "move down / up (as ↓ ↑ do)"


def header_label(column: Column, arrow: str = "") -> Text:
    """The column's title with its sort letter underlined (and the sort arrow on the sorted one)."""
    label = Text(column.title)
    at = column.title.lower().find(column.letter.lower())
    if at >= 0:
        label.stylize("bold underline", at, at + 1)
    if arrow:
        label.append(f" {arrow}")
    return label


SORT_BINDINGS: list[BindingType] = [
    Binding(
        column.letter,
        f"sort('{column.key}')",
        f"Sort {column.title}",
        show=False,
        key_display=SORT_KEYS,
        tooltip=SORT,
    )
    for column in COLUMNS
]

TABLE_BINDINGS: list[BindingType] = [
    # Enter loads the run's config (DataTable's own Enter would only post a selection).
    Binding("enter", "screen.load", "Load config", show=False, tooltip=LOAD),
    Binding("j", "cursor_down", "Down", show=False, tooltip=MOVE),
    Binding("k", "cursor_up", "Up", show=False, tooltip=MOVE),
]

# The tooltips are the help screen's text for each key.
SCREEN_BINDINGS: list[BindingType] = [
    Binding("space", "mark", "Mark", tooltip=MARK_HELP),
    Binding("slash", "filter", "Filter", tooltip=FILTER),
    Binding("l", "load", "Load", tooltip=LOAD),
    Binding("o", "open", "Open", tooltip=OPEN),
    Binding("c", "resume", "Resume", tooltip="resume the run from last.pt up to a number of epochs you give"),
    Binding("n", "note", "Note", tooltip="add or change the run's one-line note (saved in note.txt)"),
    Binding(
        "d",
        "delete",
        "Delete",
        tooltip="delete the run's directory, after you confirm (not while it trains)",
    ),
    # Not in the footer: at 80 columns it would push out `? Help` (Open took its room; the help lists r).
    Binding("r", "refresh", "Refresh", show=False, tooltip=BACK),
    Binding("escape", "close", "Back", tooltip=BACK),
    Binding("q", "close", "Back", show=False, tooltip=BACK),
    Binding("question_mark", "app.help", "Help", tooltip="this help (↑ ↓ PgUp PgDn scroll it)"),
    *SORT_BINDINGS,
]
