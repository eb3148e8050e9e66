"""The Runs screen's table, driven by real keys: both accuracy columns, same-named runs told apart,
a key per column to sort, `/` to filter, j/k, `n` notes, `d` deletes, and a footer of its own keys."""

from pathlib import Path

import pytest

from tests.runs.past_run_dirs import write_past_run
from tests.ui.conftest import notifications, screen_text, shown_lines, toy_config, wait_for
from tui_trainer.engine.rundir.layout import NOTE_FILE
from tui_trainer.engine.rundir.lock import RunLock
from tui_trainer.engine.rundir.past_runs import read_run
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.help_screen import HelpScreen
from tui_trainer.ui.runs_dialogs import ConfirmDelete, NoteDialog
from tui_trainer.ui.runs_plot import ComparePlot
from tui_trainer.ui.runs_screen import RunsScreen

SAME = "moons-64x32-adam"


@pytest.fixture
def runs_root(tmp_path) -> Path:
    """Two runs of one name an hour apart (the first: best accuracy 80% at epoch 3, 65% at its
    lowest loss), a digits run (70% at both), and a run without any accuracy."""
    root = tmp_path / "runs"
    write_past_run(root, "20250101-090000", SAME, [0.5, 0.4, 0.45], [0.70, 0.65, 0.80])
    write_past_run(root, "20250101-100000", SAME, [0.6, 0.3], [0.60, 0.90])
    write_past_run(root, "20250101-110000", "digits-64x32-adam", [1.0, 0.8], [0.50, 0.70], dataset="digits")
    write_past_run(root, "20250101-120000", "no-accuracy", [0.9], [None], dataset="spirals")
    return root


async def open_runs(pilot) -> RunsScreen:
    await pilot.press("R")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, RunsScreen), what="the Runs screen")
    return pilot.app.screen


def shown(screen: RunsScreen) -> list[str]:
    return [row.record.path.name for row in screen.rows]


def title(screen: RunsScreen) -> str:
    return str(screen.query_one("#runs-title").render())


async def test_same_named_runs_differ_by_their_start_time_and_legend(runs_root):
    app = TrainerApp(toy_config(runs_root))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_runs(pilot)
        for size in ((80, 24), (100, 30)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            lines = [line for line in shown_lines(screen.table) if SAME in line]
            assert len(lines) == 2, size
            assert "01-01 10:00:00" in lines[0] and "01-01 09:00:00" in lines[1]  # newest first
            assert "80.00%" in lines[1] and "65.00%" in lines[1]  # both accuracies in view
        assert "sweep" not in [str(key.value) for key in screen.table.columns]  # no sweeps listed

        await pilot.press("down", "down", "space", "space")  # each space marks and moves down
        labels = [label for label, _ in screen.query_one(ComparePlot).runs]
        assert len(set(labels)) == 2 and all(SAME in label for label in labels)
        assert {label.removeprefix(SAME).strip() for label in labels} == {"10:00:00", "09:00:00"}


async def test_a_sweep_brings_its_column_back(runs_root):
    write_past_run(runs_root / "sweep-20250102-080000", "20250102-080500", "p1-lr1e-3", [0.5], [0.7])
    app = TrainerApp(toy_config(runs_root))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_runs(pilot)
        assert "sweep" in [str(key.value) for key in screen.table.columns]
        assert "08:00:00" in screen_text(app)


async def test_both_accuracies_shown_and_each_column_sorts_by_its_key(runs_root):
    app = TrainerApp(toy_config(runs_root))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_runs(pilot)
        first = next(line for line in shown_lines(screen.table) if "09:00:00" in line)
        assert "best val acc" in screen_text(app) and "acc @ best loss" in screen_text(app)
        assert first.index("80.00%") < first.index("65.00%")

        await pilot.press("A")
        assert "sorted by best val acc ↓" in title(screen)
        best = [row.record.best_val_accuracy for row in screen.rows]
        assert best[:3] == sorted(best[:3], reverse=True) and best[3] is None  # unknown last
        assert shown(screen)[:2] == [f"20250101-100000-{SAME}", f"20250101-090000-{SAME}"]
        await pilot.press("A")  # again: reversed, the unknown still last
        assert "sorted by best val acc ↑" in title(screen)
        best = [row.record.best_val_accuracy for row in screen.rows]
        assert best[:3] == sorted(best[:3]) and best[3] is None

        await pilot.press("C")  # by the accuracy at the lowest loss the 09:00 run (65%) is last
        at_loss = [row.record.val_accuracy_at_best_loss for row in screen.rows]
        assert at_loss[:3] == sorted(at_loss[:3], reverse=True) and at_loss[3] is None
        assert shown(screen)[1:3] == ["20250101-110000-digits-64x32-adam", f"20250101-090000-{SAME}"]
        assert "sorted by acc @ best loss ↓" in title(screen)

        await pilot.press("N")
        names = [row.record.name.split("-", 2)[-1] for row in screen.rows]
        assert names == sorted(names) and "sorted by name ↑" in title(screen)
        headers = {key.value: str(column.label) for key, column in screen.table.columns.items()}
        assert headers["name"] == "name ↑" and headers["best_val_accuracy"] == "best val acc"
        await pilot.press("s")  # no longer a sort key: nothing changes
        assert "sorted by name ↑" in title(screen)


async def test_slash_filters_by_name_or_dataset_and_escape_clears(runs_root):
    app = TrainerApp(toy_config(runs_root))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_runs(pilot)
        await pilot.press("slash")
        field = screen.filter_input
        assert field.display and app.focused is field
        await pilot.press(*"digits")  # a dataset name; letters type, they do not sort
        assert shown(screen) == ["20250101-110000-digits-64x32-adam"]
        assert "1 of 4 runs" in title(screen) and "sorted by started" in title(screen)
        await pilot.press("escape")
        assert len(screen.rows) == 4 and not field.display and app.focused is screen.table

        await pilot.press("slash", *"MOONS", "enter")  # a name, any case; Enter keeps it
        assert len(screen.rows) == 2 and app.focused is screen.table
        await pilot.press("escape")  # clears the kept filter first
        assert len(screen.rows) == 4 and isinstance(app.screen, RunsScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, RunsScreen)


async def test_n_saves_a_note_shown_as_a_column(runs_root):
    app = TrainerApp(toy_config(runs_root))
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_runs(pilot)
        run = screen.rows[0].record.path
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), what="the note dialog")
        await pilot.press(*"baseline", "enter")
        await wait_for(pilot, lambda: app.screen is screen, what="the dialog to close")
        assert (run / NOTE_FILE).read_text().strip() == "baseline" and read_run(run).note == "baseline"
        assert str(screen.table.get_row_at(0)[-1]) == "baseline"
        assert "note: baseline" in str(screen.query_one("#runs-detail").render())

        await pilot.press("n")  # Esc keeps the note as it was
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), what="the note dialog")
        await pilot.press("x", "escape")
        await wait_for(pilot, lambda: app.screen is screen, what="the dialog to close")
        assert read_run(run).note == "baseline"


async def test_d_deletes_after_confirming_and_never_a_running_run(runs_root):
    app = TrainerApp(toy_config(runs_root))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_runs(pilot)
        first = screen.rows[0].record.path
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDelete), what="the confirmation")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is screen, what="the dialog to close")
        assert first.exists() and len(screen.rows) == 4

        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDelete), what="the confirmation")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen, what="the dialog to close")
        assert not first.exists() and len(screen.rows) == 3 and "3 runs" in title(screen)

        busy = screen.rows[0].record.path
        lock = RunLock.acquire(busy)  # trained by another process, as far as the screen can tell
        try:
            await pilot.press("d")
            await pilot.pause()
            assert app.screen is screen and busy.exists()
            assert any("being trained" in n.message for n in notifications(app))
        finally:
            lock.release()


async def test_the_footer_shows_the_runs_keys_only_j_k_move_and_help_opens(runs_root):
    app = TrainerApp(toy_config(runs_root))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_runs(pilot)
        # The Runs screen covers the main one: the keys on it are its footer's.
        await wait_for(pilot, lambda: "Delete" in screen_text(app), what="the footer")
        footer = screen_text(app)
        for key in ("Mark", "Filter", "Note", "Delete", "Back"):
            assert key in footer, footer
        for main_screen_key in ("Pause", "Presets", "Loss/Acc", "palette"):
            assert main_screen_key not in footer, footer
        await pilot.press("p")  # the main screen's pause does nothing here
        screen = app.screen
        assert isinstance(screen, RunsScreen) and screen.table.cursor_row == 0
        await pilot.press("j", "j")
        assert screen.table.cursor_row == 2
        assert str(screen.rows[2].record.path) in str(screen.query_one("#runs-detail").render())
        await pilot.press("k")
        assert screen.table.cursor_row == 1
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
