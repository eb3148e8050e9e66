"""The Runs screen: past runs in a sortable table, their loss curves overlaid, load or resume one.
On a search's run it also shows the search: its progress, Optuna's parameter importances and
each trial's objective, beside the run's curves.

Everything is read from the run directories on disk, so a run that is still training, was
killed, or was damaged by hand still gets a row that says what is wrong with it. The screen does
not touch the app: it posts `LoadConfig` or `ResumeRequested`, and the app dismisses the screen
once it has acted on one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tui_trainer.engine import (
    ConfigError,
    RunCurves,
    RunInUse,
    SearchRecord,
    TrainConfig,
    check_not_in_use,
    load_curves,
    load_run_config,
    load_search,
)
from tui_trainer.ui.resume_dialog import ResumeDialog
from tui_trainer.ui.runs_data import (
    SORT_COLUMNS,
    TABLE_COLUMNS,
    RunRow,
    SortColumn,
    clip,
    collect_runs,
    describe_row,
    describe_search,
    row_cells,
    short_name,
    sort_rows,
)
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
LEGEND_WIDTH = 24
MARK_HELP = "mark a run; the plot overlays the marked runs' loss curves"
LOAD = "load the run's config into the setup panels"
SORT = "sort by the next column / reverse the order (or click a header)"
BACK = "re-read the runs directory / back"


class RunsTable(DataTable):
    # Enter loads the run's config (DataTable's own Enter would only post a selection).
    BINDINGS = [Binding("enter", "screen.load", "Load config", show=False, tooltip=LOAD)]


class RunsScreen(Screen[None]):
    # The tooltips are the help screen's text for each key.
    BINDINGS = [
        Binding("space", "mark", "Mark", tooltip=MARK_HELP),
        Binding("s", "sort", "Sort", tooltip=SORT),
        Binding("S", "reverse", "Reverse", show=False, tooltip=SORT),
        Binding("l", "load", "Load config", tooltip=LOAD),
        Binding(
            "c", "resume", "Resume", tooltip="resume the run from last.pt up to a number of epochs you give"
        ),
        Binding("r", "refresh", "Refresh", tooltip=BACK),
        Binding("escape", "close", "Back", tooltip=BACK),
        Binding("q", "close", "Back", show=False, tooltip=BACK),
    ]

    class LoadConfig(Message):
        """Load this past run's config into the setup panels (refused while a run trains)."""

        def __init__(self, runs_screen: RunsScreen, config: TrainConfig, name: str) -> None:
            super().__init__()
            self.runs_screen = runs_screen
            self.config = config
            self.name = name

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
        self.rows: list[RunRow] = []
        self.marked: set[str] = set()
        self.sort_index = 0
        self.descending = SORT_COLUMNS[0].descending
        self._curves: dict[str, RunCurves] = {}
        self._searches: dict[str, SearchRecord] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="runs-body"):
            yield Static("", id="runs-title")
            yield RunsTable(id="runs-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="runs-detail")
            yield Static("", id="runs-search")
            with Horizontal(id="runs-plots"):
                yield ComparePlot(id="runs-plot")
                yield SearchPlot(id="search-plot")
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
    def sort_column(self) -> SortColumn:
        return SORT_COLUMNS[self.sort_index]

    # ---- filling the table --------------------------------------------------------------
    def action_refresh(self) -> None:
        self._curves.clear()
        self._searches.clear()
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
            plain = row_cells(row)
            cells: list[str | Text] = list(plain)
            status_at = 2
            running = row.record.status == "running"
            status_style = STATUS_STYLES.get(row.record.status, "yellow")
            style = "red" if row.record.problem and not running else status_style
            cells[status_at] = Text(plain[status_at], style=style)
            if row.record.problem:
                cells[0] = Text(plain[0], style="red")
            table.add_row(MARK if row.key in self.marked else "", *cells, key=row.key)
        if current is not None and current.key in {r.key for r in self.rows}:
            table.move_cursor(row=table.get_row_index(current.key))
        self._show_title()
        self._show_current()

    def _show_title(self) -> None:
        arrow = "↓" if self.descending else "↑"
        n = len(self.rows)
        parts = [
            f"Runs in {self.root}",
            f"{n} run{'s' * (n != 1)}",
            f"sorted by {self.sort_column.title} {arrow}",
        ]
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
        try:
            config = load_run_config(row.record.path)
        except ConfigError as exc:
            self.notify(str(exc), title=f"cannot load {row.record.name}", severity="error")
            return
        self.post_message(self.LoadConfig(self, config, row.record.name))

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
