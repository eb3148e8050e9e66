"""The Inside tab: the model's learned parameters, each layer's health over the reports, the
warnings, a linear model's fitted equation and a conv model's first filters.

`RunView` hands it each `ModelStats` event (`add`); the pane keeps the run's collections and
redraws only while it is shown (`RunView.tab_shown` calls `shown` when the tab is switched to).
A resumed run's pane starts with the collections its run directory stored (`load_stored`, read on
a worker thread).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual import events, work
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui_trainer.inside_tables import (
    activation_trend_section,
    conv_line,
    equation_line,
    feature_map_section,
    layer_trend_section,
    parameter_section,
    values_section,
    warning_lines,
)
from tui_trainer.ui.inside_render import filter_lines, section_table

WAITING = "Model statistics appear at the first epoch's end half a second into the run."


def spark_width(width: int) -> int:
    """Reports drawn in each sparkline: fewer on a narrow pane, so a layer keeps to one line."""
    return 4 if width < 60 else 8 if width < 100 else 16


class InsidePane(VerticalScroll):
    DEFAULT_CSS = """
    InsidePane { height: 1fr; padding: 0 1; scrollbar-gutter: stable; }
    InsidePane > #inside-body { width: 1fr; height: auto; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.history: list[Any] = []  # ModelStats, oldest first
        self.source = ""  # where a stored history came from
        self.stale = False  # collections arrived that are not drawn yet
        self.drawn_width = 0

    def compose(self):
        yield Static(WAITING, id="inside-body")

    def reset(self) -> None:
        """A new run starts."""
        self.history, self.source, self.stale = [], "", False
        self.query_one("#inside-body", Static).update(WAITING)

    def add(self, stats: Any, visible: bool) -> None:
        self.history.append(stats)
        self.stale = True
        if visible:
            self.redraw()

    def shown(self) -> None:
        """The tab is being switched to: draw what arrived while it was hidden."""
        if self.stale:
            self.redraw()

    def on_resize(self, event: events.Resize) -> None:
        if self.history and event.size.width != self.drawn_width:
            self.redraw()

    @work(thread=True, exclusive=True, group="inside-load", exit_on_error=False)
    def load_stored(self, run_dir: str) -> None:
        """A resumed run's earlier collections, from its model_stats.jsonl."""
        from tui_trainer.engine import read_model_stats

        try:
            stored, _ = read_model_stats(run_dir)
        except OSError:
            return  # none stored (an older run): the new run's reports still come
        self.app.call_from_thread(self.put_stored, stored, Path(run_dir).name)

    def put_stored(self, stored: list[Any], source: str) -> None:
        live = self.history
        first_live = live[0].epoch if live else None
        self.history = [s for s in stored if first_live is None or s.epoch < first_live] + live
        self.source, self.stale = source, True
        if self.is_on_screen:
            self.redraw()

    def redraw(self) -> None:
        self.stale = False
        self.drawn_width = self.size.width
        body = self.query_one("#inside-body", Static)
        # The gutter is kept for the scrollbar (stable), so the width does not change as it comes.
        width = max(20, self.scrollable_content_region.width)
        body.update(Group(*self.parts(width)) if self.history else WAITING)

    def parts(self, width: int) -> list[RenderableType]:
        """What the pane shows for its history at `width` columns."""
        history, latest = self.history, self.history[-1]
        spark = spark_width(width)
        found: list[RenderableType] = []
        where = f" of {self.source}" if self.source else ""
        reports = f"{len(history)} report{'s' if len(history) > 1 else ''}"
        found.append(Text(f"epoch {latest.epoch + 1} · step {latest.step:,} · {reports}{where}", style="dim"))
        equation = equation_line(latest)
        if equation:
            found.append(Text(equation, style="bold"))
        for line in warning_lines(history):
            found.append(Text(line, style="green" if line.startswith("health:") else "bold yellow"))
        sections = [
            parameter_section(latest),
            values_section(latest),
            layer_trend_section(history, spark),
            activation_trend_section(history, spark),
            feature_map_section(latest),
        ]
        for section in sections:
            if section is not None and section.rows:
                found += [Text(), section_table(section, width)]
        conv = conv_line(latest)
        if conv and latest.filters is not None:
            found += [Text(), Text(conv, style="bold"), *filter_lines(latest.filters.weights, width)]
        return found
