"""`tui-trainer --runs [DIR]`: the Runs screen's table on the command line.

The same rows, columns and cell text as the screen (tui_trainer/runs_table.py), newest first: a
rich table on a terminal, one plain line per run otherwise (for grep and less), or `--json` with
the numbers unformatted for scripts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TextIO

from tui_trainer.exit_codes import EXIT_BAD_CONFIG, EXIT_OK
from tui_trainer.runs_table import Column, RunRow, collect_runs, row_cells, row_facts, visible_columns

GAP = "  "


def plain_lines(rows: list[RunRow], columns: list[Column]) -> list[str]:
    """A header and a line per run, each column padded to its widest cell."""
    table = [[column.title for column in columns]] + [row_cells(row, columns) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return [
        GAP.join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in table
    ]


def print_rich_table(rows: list[RunRow], columns: list[Column], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column.title, no_wrap=True, overflow="ellipsis")
    for row in rows:
        table.add_row(*row_cells(row, columns))
    Console().print(table)


def print_runs(directory: str, as_json: bool = False, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    root = Path(directory).expanduser()
    if not root.is_dir():
        what = "does not exist" if not root.exists() else "is not a directory"
        print(
            f"tui-trainer: error: --runs: {directory} {what}; give the runs directory "
            "(train.output_dir, e.g. tui-trainer --runs runs)",
            file=sys.stderr,
        )
        return EXIT_BAD_CONFIG
    rows = collect_runs(root)
    if as_json:
        out.write(json.dumps([row_facts(row) for row in rows], indent=2) + "\n")
        return EXIT_OK
    if not rows:
        out.write(f"no runs in {root}\n")
        return EXIT_OK
    columns = visible_columns(rows)
    if out is sys.stdout and out.isatty():
        print_rich_table(rows, columns, f"{len(rows)} run{'s' * (len(rows) != 1)} in {root}, newest first")
    else:
        out.write("\n".join(plain_lines(rows, columns)) + "\n")
    return EXIT_OK
