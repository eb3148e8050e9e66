"""The Runs screen: past runs in a sortable, filterable table, their loss curves overlaid; load,
open, resume, annotate or delete one. On a search's run it also shows the search: its progress,
Optuna's parameter importances and each trial's objective, beside the run's curves.

Everything is read from the run directories on disk, so a run that is still training, was
killed, or was damaged by hand still gets a row that says what is wrong with it. The screen does
not touch the app: it posts `LoadConfig`, `OpenRun` (the app shows the run's model: open_run_actions.py)
or `ResumeRequested`, and the app dismisses the screen once it has acted on one. It is modal, so
only its own keys act (and show in its footer) while it is open; `?` and the priority keys
(ctrl+q) still reach the app.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Static

from tui_trainer.engine import (
    RUNNING,
    ConfigError,
    RunCurves,
    RunEditError,
    RunInUse,
    SearchRecord,
    TrainConfig,
    check_not_in_use,
    delete_run,
    load_curves,
    load_run_config,
    load_search,
    write_note,
)
from tui_trainer.runs_table import (
    COLUMN_BY_KEY,
    DEFAULT_SORT,
    Column,
    RunRow,
    collect_runs,
    row_cells,
    sort_rows,
    visible_columns,
)
from tui_trainer.ui.resume_dialog import ResumeDialog
from tui_trainer.ui.runs_data import describe_row, describe_search, legend_labels
from tui_trainer.ui.runs_dialogs import ConfirmDelete, NoteDialog
from tui_trainer.ui.runs_keys import SCREEN_BINDINGS, TABLE_BINDINGS, header_label
from tui_trainer.ui.runs_plot import ComparePlot
from tui_trainer.ui.search_plot import KEY, SearchPlot

MARK = "●"
STATUS_STYLES = {
    "completed": "green",
    "early_stopped": "green",
    "stopped": "yellow",
    "failed": "red",
    "running": "bold cyan",
    "pruned": "yellow",
}


class RunsTable(DataTable):
    BINDINGS = TABLE_BINDINGS


class RunsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    RunsScreen {
        background: $background;
        overflow-y: hidden;
    }
    #runs-filter {
        display: none;
        height: 1;
        margin: 0 1;
    }
    """
    BINDINGS = SCREEN_BINDINGS

    class LoadConfig(Message):
        """Load this past run's config into the setup panels (refused while a run trains)."""

        def __init__(self, runs_screen: RunsScreen, config: TrainConfig, name: str) -> None:
            super().__init__()
            self.runs_screen = runs_screen
            self.config = config
            self.name = name

    class OpenRun(Message):
        """Show this past run's model (its config into the setup panels too), without training."""

        def __init__(self, runs_screen: RunsScreen, config: TrainConfig, name: str, path: Path) -> None:
            super().__init__()
            self.runs_screen, self.config, self.name, self.path = runs_screen, config, name, path

    class ResumeRequested(Message):
        """Continue the run in `path` up to `config.train.epochs` epochs."""

        def __init__(self, runs_screen: RunsScreen, config: TrainConfig, path: Path) -> None:
            super().__init__()
            self.runs_screen = runs_screen
            self.config = config
            self.path = path

    @classmethod
    def key_bindings(cls) -> list[Binding]:
        """This screen's keys and its table's, for the help screen."""
        return list(Binding.make_bindings([*cls.BINDINGS, *RunsTable.BINDINGS]))

    def __init__(self, root: str | Path, is_training: Callable[[], bool] = lambda: False) -> None:
        super().__init__()
        self.root = Path(root).expanduser()
        self.is_training = is_training  # asked before the resume dialog opens
        self.all_rows: list[RunRow] = []
        self.rows: list[RunRow] = []  # the rows shown: all_rows sorted, less those the filter hides
        self.marked: set[str] = set()
        self.sort_column: Column = DEFAULT_SORT
        self.descending = DEFAULT_SORT.descending
        self.filter_text = ""
        self._curves: dict[str, RunCurves] = {}
        self._searches: dict[str, SearchRecord] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="runs-body"):
            yield Static("", id="runs-title")
            yield Input(placeholder="filter: part of a name or dataset", id="runs-filter", compact=True)
            yield RunsTable(id="runs-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="runs-detail")
            yield Static("", id="runs-search")
            with Horizontal(id="runs-plots"):
                yield ComparePlot(id="runs-plot")
                yield SearchPlot(id="search-plot")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.action_refresh()
        self.table.focus()

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#runs-filter", Input)

    # ---- filling the table --------------------------------------------------------------
    def action_refresh(self) -> None:
        self._curves.clear()
        self._searches.clear()
        try:
            self.all_rows = collect_runs(self.root)
        except Exception as exc:  # an unreadable runs directory must not take the app down
            self.all_rows = []
            self.notify(f"cannot list {self.root}: {' '.join(str(exc).split())}", severity="error")
        self.marked &= {row.key for row in self.all_rows}
        self._fill()

    def _matches(self, row: RunRow) -> bool:
        haystack = f"{row.record.name} {row.record.dataset}".lower()
        return all(word in haystack for word in self.filter_text.lower().split())

    def _fill(self) -> None:
        table = self.table
        current = self.current_row()
        self.all_rows = sort_rows(self.all_rows, self.sort_column, self.descending)
        self.rows = [row for row in self.all_rows if self._matches(row)]
        columns = visible_columns(self.all_rows)
        arrow = "↓" if self.descending else "↑"
        table.clear(columns=True)
        table.add_column(" ", key="mark", width=1)
        for column in columns:
            table.add_column(header_label(column, arrow * (column is self.sort_column)), key=column.key)
        status_at = [column.key for column in columns].index("status")
        for row in self.rows:
            cells: list[str | Text] = list(row_cells(row, columns))
            running = row.record.status == RUNNING
            status_style = STATUS_STYLES.get(row.record.status, "yellow")
            style = "red" if row.record.problem and not running else status_style
            cells[status_at] = Text(str(cells[status_at]), style=style)
            if row.record.problem:
                cells[0] = Text(str(cells[0]), style="red")
            table.add_row(MARK if row.key in self.marked else "", *cells, key=row.key)
        if current is not None and current.key in {r.key for r in self.rows}:
            table.move_cursor(row=table.get_row_index(current.key))
        self._show_title()
        self._show_current()

    def _show_title(self) -> None:
        arrow = "↓" if self.descending else "↑"
        n, total = len(self.rows), len(self.all_rows)
        shown = f"{n} of {total} runs" if self.filter_text else f"{total} run{'s' * (total != 1)}"
        parts = [f"Runs in {self.root}", shown, f"sorted by {self.sort_column.title} {arrow}"]
        if self.filter_text:
            parts.append(f"filter {self.filter_text!r}")
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        if not self.all_rows:
            parts.append("no runs yet: train one, then press r")
        else:
            parts.append("⇧+underlined letter sorts")
        self.query_one("#runs-title", Static).update(" · ".join(parts))

    def current_row(self) -> RunRow | None:
        table = self.table
        if not self.rows or table.row_count == 0:
            return None
        index = min(max(table.cursor_row, 0), len(self.rows) - 1)
        return self.rows[index]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_current()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value
        if key in COLUMN_BY_KEY:
            self.action_sort(key)

    def _show_current(self) -> None:
        row = self.current_row()
        detail = self.query_one("#runs-detail", Static)
        detail.update(describe_row(row) if row else "")
        marked = [r for r in self.all_rows if r.key in self.marked]
        if marked:
            shown, hint = marked, "space marks / unmarks"
        else:
            shown, hint = ([row] if row else []), "mark runs with space to compare"
        runs = [(label, self._curves_of(r)) for label, r in zip(legend_labels(shown), shown, strict=True)]
        self.query_one(ComparePlot).show(runs, hint)
        self._show_search(row)

    def _show_search(self, row: RunRow | None) -> None:
        """The search line and plot for a search's run; both hidden for any other row."""
        search = self._search_of(row) if row is not None and row.search_dir else None
        line = self.query_one("#runs-search", Static)
        plot = self.query_one(SearchPlot)
        line.display = plot.display = search is not None
        if search is not None:
            line.update(f"{describe_search(search)}\n{KEY}")
            plot.show(search, row.trial if row else None)

    def _search_of(self, row: RunRow) -> SearchRecord:
        if row.search_dir not in self._searches:
            self._searches[row.search_dir] = load_search(row.search_dir)
        return self._searches[row.search_dir]

    def _curves_of(self, row: RunRow) -> RunCurves:
        if row.key not in self._curves:
            try:
                self._curves[row.key] = load_curves(row.record.path)
            except Exception:  # a damaged metrics file plots as empty; its row says why
                self._curves[row.key] = RunCurves()
        return self._curves[row.key]

    # ---- keys -------------------------------------------------------------------------
    def action_mark(self) -> None:
        row = self.current_row()
        if row is None:
            return
        self.marked ^= {row.key}
        self.table.update_cell(row.key, "mark", MARK if row.key in self.marked else "")
        if self.table.cursor_row < len(self.rows) - 1:
            self.table.move_cursor(row=self.table.cursor_row + 1)
        self._show_title()
        self._show_current()

    def action_sort(self, key: str) -> None:
        """Sort by the column `key`: its natural direction first, reversed when chosen again."""
        column = COLUMN_BY_KEY[key]
        if column is self.sort_column:
            self.descending = not self.descending
        else:
            self.sort_column, self.descending = column, column.descending
        self._fill()

    def action_filter(self) -> None:
        self.filter_input.display = True
        # At once, not after a refresh as focus() does: what is typed right after `/` (keys
        # already queued behind it) must go into the filter, not run the table's keys.
        self.set_focus(self.filter_input)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "runs-filter" and event.value.strip() != self.filter_text:
            self.filter_text = event.value.strip()
            self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "runs-filter":
            event.stop()
            self.filter_input.display = bool(self.filter_text)
            self.table.focus()

    def action_close(self) -> None:
        if self.filter_text or self.filter_input.display:  # Esc clears the filter first
            self.filter_input.value = self.filter_text = ""
            self.filter_input.display = False
            self.table.focus()
            self._fill()
            return
        self.dismiss()

    def action_load(self, open_model: bool = False) -> None:
        row = self.current_row()
        if row is None:
            return
        try:
            config = load_run_config(row.record.path)
        except ConfigError as exc:
            self.notify(str(exc), title=f"cannot load {row.record.name}", severity="error")
            return
        record = row.record
        message = self.OpenRun(self, config, record.name, record.path) if open_model else None
        self.post_message(message or self.LoadConfig(self, config, record.name))

    def action_open(self) -> None:
        self.action_load(open_model=True)

    def action_resume(self) -> None:
        row = self.current_row()
        if row is None:
            return
        if self.is_training():
            self.notify("A run is already training: x stops it first.", severity="warning")
            return
        if not row.record.resumable:
            self.notify(f"{row.record.name} has no last.pt, so it cannot be resumed.", severity="error")
            return
        try:
            check_not_in_use(row.record.path)
        except RunInUse as exc:
            self.notify(str(exc), title=f"cannot resume {row.record.name}", severity="warning")
            return
        self.app.push_screen(ResumeDialog(row.record), lambda epochs: self._resume(row, epochs))

    def _resume(self, row: RunRow, epochs: int | None) -> None:
        if epochs is None:
            return
        try:
            config = load_run_config(row.record.path)
        except ConfigError as exc:
            self.notify(str(exc), title=f"cannot resume {row.record.name}", severity="error")
            return
        config.train.epochs = epochs
        self.post_message(self.ResumeRequested(self, config, row.record.path))

    def action_note(self) -> None:
        row = self.current_row()
        if row is not None:
            self.app.push_screen(NoteDialog(row.record), lambda text: self._save_note(row, text))

    def _save_note(self, row: RunRow, text: str | None) -> None:
        if text is None:
            return
        try:
            row.record.note = write_note(row.record.path, text)
        except RunEditError as exc:
            self.notify(str(exc), title="note not saved", severity="error")
            return
        self._fill()

    def action_delete(self) -> None:
        row = self.current_row()
        if row is None:
            return
        try:
            check_not_in_use(row.record.path)
        except RunInUse as exc:
            self.notify(str(exc), title=f"cannot delete {row.record.name}", severity="warning")
            return
        self.app.push_screen(ConfirmDelete(row.record), lambda yes: self._delete(row, yes))

    def _delete(self, row: RunRow, yes: bool | None) -> None:
        if not yes:
            return
        try:
            delete_run(row.record.path)
        except RunEditError as exc:
            self.notify(str(exc), title=f"cannot delete {row.record.name}", severity="error")
        else:
            self.notify(f"deleted {row.record.path}", timeout=4)
        self.marked.discard(row.key)
        self.action_refresh()
