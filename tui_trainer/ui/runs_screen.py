"""The Runs screen: past runs in a sortable table, their loss curves overlaid, load or resume one.

Everything is read from the run directories on disk, so a run that is still training, was
killed, or was damaged by hand still gets a row that says what is wrong with it.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui_trainer.engine import RunCurves, RunInUse, check_not_in_use, load_curves, load_run_config
from tui_trainer.engine.config import ConfigError
from tui_trainer.ui.resume_dialog import ResumeDialog
from tui_trainer.ui.runs_data import (
    SORT_COLUMNS,
    TABLE_COLUMNS,
    RunRow,
    clip,
    collect_runs,
    describe_row,
    row_cells,
    short_name,
    sort_rows,
)
from tui_trainer.ui.runs_plot import ComparePlot

MARK = "●"
STATUS_STYLES = {"completed": "green", "early_stopped": "green", "stopped": "yellow", "failed": "red",
                 "running": "bold cyan"}
LEGEND_WIDTH = 24


class RunsTable(DataTable):
    # Enter loads the run's config (DataTable's own Enter would only post a selection).
    BINDINGS = [Binding("enter", "screen.load", "Load config", show=False)]


class RunsScreen(Screen):
    BINDINGS = [
        Binding("space", "mark", "Mark"),
        Binding("s", "sort", "Sort"),
        Binding("S", "reverse", "Reverse", show=False),
        Binding("l", "load", "Load config"),
        Binding("c", "resume", "Resume"),
        Binding("r", "refresh", "Refresh"),
        Binding("escape", "close", "Back"),
        Binding("q", "close", "Back", show=False),
    ]

    def __init__(self, root: str | Path) -> None:
        super().__init__()
        self.root = Path(root).expanduser()
        self.rows: list[RunRow] = []
        self.marked: set[str] = set()
        self.sort_index = 0
        self.descending = SORT_COLUMNS[0].descending
        self._curves: dict[str, RunCurves] = {}

    def compose(self):
        with Vertical(id="runs-body"):
            yield Static("", id="runs-title")
            yield RunsTable(id="runs-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="runs-detail")
            yield ComparePlot(id="runs-plot")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(RunsTable)
        table.add_column(" ", key="mark", width=1)
        for title, key in TABLE_COLUMNS:
            table.add_column(title, key=key)
        self.action_refresh()
        table.focus()

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    @property
    def sort_column(self):
        return SORT_COLUMNS[self.sort_index]

    # ---- filling the table --------------------------------------------------------------
    def action_refresh(self) -> None:
        self._curves.clear()
        try:
            self.rows = collect_runs(self.root)
        except Exception as exc:  # an unreadable runs directory must not take the app down
            self.rows = []
            self.notify(f"cannot list {self.root}: {' '.join(str(exc).split())}", severity="error")
        self.marked &= {row.key for row in self.rows}
        self._fill()

    def _fill(self) -> None:
        table = self.table
        current = self.current_row()
        self.rows = sort_rows(self.rows, self.sort_column, self.descending)
        table.clear()
        for row in self.rows:
            cells = row_cells(row)
            status_at = 2
            running = row.record.status == "running"
            style = "red" if row.record.problem and not running else STATUS_STYLES.get(row.record.status, "yellow")
            cells[status_at] = Text(cells[status_at], style=style)
            if row.record.problem:
                cells[0] = Text(cells[0], style="red")
            table.add_row(MARK if row.key in self.marked else "", *cells, key=row.key)
        if current is not None and current.key in {r.key for r in self.rows}:
            table.move_cursor(row=table.get_row_index(current.key))
        self._show_title()
        self._show_current()

    def _show_title(self) -> None:
        arrow = "↓" if self.descending else "↑"
        n = len(self.rows)
        parts = [f"Runs in {self.root}", f"{n} run{'s' * (n != 1)}", f"sorted by {self.sort_column.title} {arrow}"]
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        if not self.rows:
            parts.append("no runs yet: train one, then press r")
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
        for index, column in enumerate(SORT_COLUMNS):
            if column.key == key:
                if index == self.sort_index:
                    self.descending = not self.descending
                else:
                    self.sort_index, self.descending = index, column.descending
                self._fill()
                return

    def _show_current(self) -> None:
        row = self.current_row()
        detail = self.query_one("#runs-detail", Static)
        detail.update(describe_row(row) if row else "")
        marked = [r for r in self.rows if r.key in self.marked]
        if marked:
            shown, hint = marked, "space marks / unmarks"
        else:
            shown, hint = ([row] if row else []), "mark runs with space to compare"
        self.query_one(ComparePlot).show([(self._label(r), self._curves_of(r)) for r in shown], hint)

    def _label(self, row: RunRow) -> str:
        return clip(short_name(row.record.name), LEGEND_WIDTH)

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

    def action_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(SORT_COLUMNS)
        self.descending = self.sort_column.descending
        self._fill()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self._fill()

    def action_close(self) -> None:
        self.dismiss()

    def action_load(self) -> None:
        row = self.current_row()
        if row is None:
            return
        if self.app.setup.locked:
            self.notify("A run is training: x stops it, then load a config.", severity="warning")
            return
        try:
            config = load_run_config(row.record.path)
        except ConfigError as exc:
            self.notify(str(exc), title=f"cannot load {row.record.name}", severity="error")
            return
        # New runs go where the app saves runs, not into the old run's sweep directory.
        config.train.output_dir = self.app.setup.config.train.output_dir
        self.app.setup.load_config(config)
        self.app.view.write(f"loaded the config of {row.record.name}; s trains it as a new run", "bold")
        self.app.notify(f"loaded the config of {row.record.name}: edit it, then s trains a new run", timeout=4)
        self.dismiss()

    def action_resume(self) -> None:
        row = self.current_row()
        if row is None:
            return
        if self.app.training:
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
        shown = config.copy()
        shown.train.output_dir = self.app.setup.config.train.output_dir
        self.app.setup.load_config(shown)
        self.dismiss()
        self.app.action_show_tab("tab-train")
        self.app.start_training(config, resume_from=row.record.path)
