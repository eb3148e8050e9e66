"""The app's keys: each binding's tooltip is its line on the help screen (help_screen.py reads the
live bindings), and the letter keys that type into a focused field instead."""

from __future__ import annotations

from textual.binding import Binding

# Actions of plain letter keys: while a field is typed into, the letters type instead, so the
# footer hides them (and shows how to leave the field).
LETTER_ACTIONS = {
    "start",
    "pause",
    "stop",
    "restart",
    "toggle_metric",
    "runs",
    "presets",
    "toggle_mistakes",
    "focus_panel",
    "find_lr",
    "first_problem",
    "show_tab",
    "help",
    "quit",
}
START = "start training with the settings on the left"
PANELS = "jump to the Dataset, Model, Loss, Optimizer panel"
TABS = "show the Training, Confusion, Samples, Try, Inside tab"
LEAVE = "leave a field, so letter keys work as commands again"
FIRST_PROBLEM = "jump to the first field with a problem (a refused start lists them all)"
MAX_LISTED_PROBLEMS = 6
QUIT = "quit (a running run is stopped and saved first)"
PANEL_FOCUS = {
    "d": "#cfg-ui-dataset_pick",
    "m": "#cfg-model-hidden",
    "l": "#cfg-loss-name",
    "o": "#cfg-optimizer-name",
}

# The tooltips are the help screen's text for each key.
APP_BINDINGS: list[Binding | tuple[str, str] | tuple[str, str, str]] = [
    Binding("s", "start", "Start", tooltip=START),
    Binding("enter", "start", "Start", show=False, tooltip=START + " (in a field: next field)"),
    Binding(
        "ctrl+s", "start_anywhere", "Start", show=False, priority=True, tooltip=START + " (also while typing)"
    ),
    Binding("p", "pause", "Pause", tooltip="pause / resume the run"),
    Binding("x", "stop", "Stop", tooltip="stop the run (the run directory keeps every finished epoch)"),
    Binding(
        "r",
        "restart",
        "Restart",
        show=False,  # the footer has room for ten keys at 80 columns; help and the palette list it
        tooltip="restart: stop the run and start again with the current settings",
    ),
    Binding("a", "toggle_metric", "Loss/Acc", tooltip="plot accuracy instead of loss (and back)"),
    Binding(
        "R",
        "runs",
        "Runs",
        tooltip="Runs screen: past runs (sweeps too), sortable; compare, load, resume",
    ),
    Binding("P", "presets", "Presets", tooltip="presets: complete configs for the classic exercises"),
    Binding(
        "e",
        "toggle_mistakes",
        "Mistakes",
        show=False,
        tooltip="Samples: show only the mistakes (and back)",
    ),
    Binding(
        "L",
        "find_lr",
        "LR finder",
        show=False,
        tooltip="LR finder: loss against lr on the setup; a applies the suggestion",
    ),
    Binding("d", "focus_panel('d')", "Dataset", show=False, tooltip=PANELS),
    Binding("m", "focus_panel('m')", "Model", show=False, tooltip=PANELS),
    Binding("l", "focus_panel('l')", "Loss", show=False, tooltip=PANELS),
    Binding("o", "focus_panel('o')", "Optim", show=False, tooltip=PANELS),
    Binding("f", "first_problem", "First problem", show=False, tooltip=FIRST_PROBLEM),
    Binding("t", "show_tab('tab-train')", "Train", show=False, tooltip=TABS),
    Binding("c", "show_tab('tab-confusion')", "Confusion", show=False, tooltip=TABS),
    Binding("v", "show_tab('tab-samples')", "Samples", show=False, tooltip=TABS),
    Binding("y", "show_tab('tab-try')", "Try", show=False, tooltip=TABS),
    Binding("i", "show_tab('tab-inside')", "Inside", show=False, tooltip=TABS),
    Binding("escape", "leave_field", "Leave field", tooltip=LEAVE),  # shown while typing
    Binding("escape", "unfocus", show=False, tooltip=LEAVE),  # the same for a select or a checkbox
    Binding("question_mark", "help", "Help", tooltip="this help (↑ ↓ PgUp PgDn scroll it)"),
    Binding("q", "quit", "Quit", tooltip=QUIT),
    # While a field is typed into, `q` types, so the footer shows ctrl+q instead (this
    # binding); elsewhere `q` is shown and ctrl+q quits just the same (the hidden one).
    Binding("ctrl+q", "quit_key('field')", "Quit", priority=True, tooltip=QUIT),
    Binding("ctrl+q", "quit_key('anywhere')", show=False, priority=True, tooltip=QUIT),
]


def refusal_text(problems: list[str]) -> str:
    """Why `s` did not start: every problem (the first few, then a count) and how to get to them."""
    lines = [f"• {problem}" for problem in problems[:MAX_LISTED_PROBLEMS]]
    if len(problems) > MAX_LISTED_PROBLEMS:
        lines.append(f"… and {len(problems) - MAX_LISTED_PROBLEMS} more")
    lines.append("f jumps to the first one")
    return "\n".join(lines)


def with_resume_key(bindings: list) -> list:
    """The bindings with a second `p` after `p Pause`: shown instead of it while a run is paused,
    so the footer says what `p` does now (`check_action` picks the one shown)."""
    at = next(i for i, b in enumerate(bindings) if isinstance(b, Binding) and b.action == "pause") + 1
    resume = Binding("p", "pause('resume')", "Resume", tooltip=bindings[at - 1].tooltip)
    return [*bindings[:at], resume, *bindings[at:]]


APP_KEYS = with_resume_key(APP_BINDINGS)

# The command palette's own entries (Ctrl+P): title, help, and the app's action they run.
PALETTE_COMMANDS = [
    ("Start training", "Train with the current settings (s)", "start"),
    ("Pause / resume", "Pause or resume the run (p)", "pause"),
    ("Stop training", "Stop and save the run (x)", "stop"),
    ("Restart training", "Stop and start again (r)", "restart"),
    ("Toggle loss / accuracy plot", "(a)", "toggle_metric"),
    ("Learning-rate finder", "Range test on the current setup; a applies its suggestion (L)", "find_lr"),
    ("Overfit one batch", "Train on the first batch only: can the model fit at all?", "overfit_batch"),
    ("Show only mistakes", "Samples tab (e)", "toggle_mistakes"),
    ("Runs: past runs, compare, load, resume", "(R)", "runs"),
    ("Presets: the classic exercises", "(P)", "presets"),
    ("Keys and help", "(?)", "help"),
]
