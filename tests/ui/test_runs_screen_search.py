"""The Runs screen on a real search: its trials grouped like a sweep's points, and on a trial's
row the search's line (progress, best trial, Optuna's parameter importances) and its objective
over the trials as a plot."""

import io
from pathlib import Path

import pytest
from rich.console import Console

from tests.ui.conftest import toy_config, wait_for
from tui_trainer.engine.trainer import train
from tui_trainer.search import run_search
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.runs_data import collect_runs, describe_search, format_sweep
from tui_trainer.ui.runs_screen import RunsScreen
from tui_trainer.ui.search_plot import SearchPlot

pytest.importorskip("optuna")
pytestmark = pytest.mark.slow  # the module's search takes several seconds
TRIALS = 7


@pytest.fixture(scope="module")
def search_root(tmp_path_factory) -> Path:
    """One single run and a seven-trial search beside it, read-only for the tests."""
    root = tmp_path_factory.mktemp("history") / "runs"
    single = toy_config(root, epochs=2)
    single.train.run_name = "alone"
    assert train(single).status == "completed"
    specs = ["optimizer.lr=1e-4..1:log", "model.hidden=8|16"]
    output = io.StringIO()
    code = run_search(
        toy_config(root, epochs=4), specs, trials=TRIALS, console=Console(file=output, width=200)
    )
    assert code == 0, output.getvalue()
    return root


def search_rows(root):
    return [row for row in collect_runs(root) if row.search_dir]


def test_a_searchs_trials_are_grouped_with_their_numbers_and_values(search_root):
    rows = search_rows(search_root)
    assert sorted(row.trial for row in rows) == list(range(TRIALS))
    assert len({row.sweep for row in rows}) == 1 and rows[0].sweep.startswith("search-")
    first = next(row for row in rows if row.trial == 0)
    assert format_sweep(first).endswith(" t0") and first.sweep_params.startswith("optimizer.lr=")
    started = [row.group_started for row in rows]
    assert len(set(started)) == 1  # the default order keeps the search together


def test_the_search_line_names_progress_best_trial_and_importance(search_root):
    from tui_trainer.engine import load_search

    search = load_search(search_rows(search_root)[0].search_dir)
    line = describe_search(search)
    assert f"{TRIALS}/{TRIALS} trials" in line and f"best trial {search.best_number}:" in line
    assert [key for key, _ in search.importance] and "importance: " in line
    assert {key for key, _ in search.importance} == {"optimizer.lr", "model.hidden"}


async def test_runs_screen_shows_the_search_beside_a_trials_curves(search_root):
    app = TrainerApp(toy_config(search_root))
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="the Runs screen")
        screen = app.screen
        plot = screen.query_one(SearchPlot)
        line = screen.query_one("#runs-search")

        async def move_to(predicate):
            target = next(i for i, row in enumerate(screen.rows) if predicate(row))
            while screen.table.cursor_row != target:
                await pilot.press("down" if screen.table.cursor_row < target else "up")
            await pilot.pause()

        await move_to(lambda row: row.trial == 2)
        assert line.display and plot.display
        assert "importance: " in str(line.render()) and "◆ this run" in str(line.render())
        assert plot.current == 2 and plot.search is not None and len(plot.search.trials) == TRIALS
        drawn = "\n".join(plot.text_lines())
        assert "best validation loss per trial" in drawn
        assert drawn.count("◆") == 1  # the highlighted run's trial
        assert "trial 2 of search-" in str(screen.query_one("#runs-detail").render())

        await move_to(lambda row: row.record.name.endswith("alone"))
        assert not line.display and not plot.display
