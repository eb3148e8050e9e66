"""What the right-hand side, the help, the log and the footer show, at 80×24 and after resizes."""

import re
from dataclasses import replace

import pytest
from textual.binding import Binding
from textual.widgets import Footer, Static, TabbedContent, Tabs

from tests.ui.conftest import (
    log_of,
    meta_loaded,
    notifications,
    screen_text,
    shown_lines,
    toy_config,
    train_to_the_end,
    wait_for,
)
from tui_trainer.engine.config import TrainConfig
from tui_trainer.ui import samples_view
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.confusion_view import ConfusionPane
from tui_trainer.ui.event_log import EventLog
from tui_trainer.ui.help_screen import HelpScreen
from tui_trainer.ui.loss_plot import LossPlot
from tui_trainer.ui.runs_screen import RunsScreen
from tui_trainer.ui.samples_view import RegressionScatter, SampleGrid


def footer_keys(app) -> dict[str, object]:
    """Footer description -> its FooterKey widget (the footer rebuilds them when focus moves)."""
    return {key.description: key for key in app.query_one(Footer).query("FooterKey")}


async def test_ten_class_confusion_matrix_shows_every_count_at_80x24(tmp_path):
    config = TrainConfig()  # digits: 10 classes
    config.train.output_dir = str(tmp_path / "runs")
    config.train.epochs = 1
    config.train.device = "cpu"
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await train_to_the_end(pilot, "digits")
        await pilot.press("c")
        await pilot.pause()
        counts = app.view.last_eval.confusion.tolist()
        width = len(str(max(max(row) for row in counts))) + 1
        shown = screen_text(app)
        for row in counts:  # each row's counts, side by side, as drawn
            assert "".join(f"{c:>{width}}" for c in row) in shown
        assert "…" not in "".join(shown_lines(app.query_one("#confusion-body")))
        pane = app.query_one(ConfusionPane)
        assert pane.max_scroll_x == 0  # it fits: no sideways scrolling needed

        await pilot.resize_terminal(60, 24)  # a pane narrower than the matrix scrolls instead
        await pilot.pause()
        body = app.query_one("#confusion-body", Static)
        assert body.size.width > pane.size.width and pane.max_scroll_x > 0
        assert "".join(f"{c:>{width}}" for c in counts[0]) in "".join(shown_lines(body))


async def test_regression_run_labels_the_split_and_wraps_the_confusion_note(make_config):
    config = make_config(epochs=2, dataset__name="sine", loss__name="mse")
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await train_to_the_end(pilot, "sine")
        assert app.view.last_eval.split == "test"  # the trainer evaluates the test split last
        await pilot.press("v")
        await pilot.pause()
        status = str(app.query_one("#samples-status", Static).render())
        assert "test samples" in status and "val samples" not in status
        scatter = app.query_one(RegressionScatter)
        assert scatter.display and "fitted curve ŷ(x) (test)" in "".join(shown_lines(scatter))

        await pilot.press("c")
        await pilot.pause()
        body = app.query_one("#confusion-body", Static)
        assert body.region.right <= app.size.width
        text = " ".join(line.strip() for line in shown_lines(body))
        assert "Regression target: no confusion matrix (see the Samples tab)." in " ".join(text.split())


async def test_help_body_has_focus_and_scrolls_with_keys(tmp_path):
    app = TrainerApp(toy_config(tmp_path / "runs"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        box = app.screen.query_one("#help-box")
        assert app.focused is box and box.max_scroll_y > 0
        assert "close this help" not in screen_text(app)
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: box.scroll_y > 0, what="the help to scroll")
        await pilot.press("end")
        await wait_for(pilot, lambda: box.scroll_y == box.max_scroll_y, what="the end of the help")
        assert "close this help" in screen_text(app)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_lists_every_key_the_app_and_the_runs_screen_bind(tmp_path):
    app = TrainerApp(toy_config(tmp_path / "runs"))
    async with app.run_test(size=(160, 66)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: "tui-trainer keys" in screen_text(app), what="the help drawn")
        text = " ".join(screen_text(app).split())
        for binding in [*TrainerApp.BINDINGS, *RunsScreen.BINDINGS]:
            assert isinstance(binding, Binding)
            assert binding.tooltip and binding.tooltip in text, binding

        # keys doing one thing share a row; Textual's own keys (Tab, the palette) are listed too
        def row(keys: str, text_start: str) -> bool:
            return re.search(re.escape(keys) + r"\s*" + re.escape(text_start), text) is not None

        assert row("d / m / l / o", "jump to the Dataset, Model, Loss, Optimizer panel")
        assert row("s", "start training") and row("⏎", "start training") and row("q / ^q", "quit")
        assert row("space", "Runs: mark a run") and row("r / esc / q", "Runs: re-read")
        assert row("^p", "command palette") and row("tab", "Focus Next")


async def test_log_lines_written_on_another_tab_use_the_full_width(make_config):
    app = TrainerApp(make_config(epochs=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("c", "s")  # the whole run is written while the log is hidden
        await wait_for(pilot, lambda: app.view.finished is not None, what="the run")
        log = app.query_one(EventLog)
        await pilot.press("t")
        # One line (25 columns) once shown, not wrapped at 20 as it was written.
        await wait_for(
            pilot,
            lambda: "starting: moons, 2 epochs" in [ln.text.rstrip() for ln in log.lines],
            what="the log to re-wrap",
        )
        width = log.scrollable_content_region.width
        texts = [line.text.rstrip() for line in log.lines]
        assert any(len(t) > 30 for t in texts) and all(line.cell_length <= width for line in log.lines)

        await pilot.resize_terminal(160, 40)  # wider: earlier lines re-wrap too
        await wait_for(pilot, lambda: log.scrollable_content_region.width > width, what="the resize")
        await wait_for(pilot, lambda: len(log.lines) < len(texts), what="the re-wrap at the new width")
        assert any(line.cell_length > width for line in log.lines)
        assert str(app.view.finished.run_dir) in log_of(app)


async def test_footer_shows_quit_at_80_columns_and_esc_while_typing(tmp_path):
    app = TrainerApp(toy_config(tmp_path / "runs"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = footer_keys(app)
        for name in ("Start", "Stop", "Help", "Quit"):
            assert keys[name].region.width > 0 and keys[name].region.right <= keys["palette"].region.x, name
        assert "Leave field" not in keys
        # Every tab is in the tab bar at 80 columns (its name alone; the help lists the keys).
        tabs = app.query_one(TabbedContent)
        bar = tabs.query_one(Tabs).region
        for pane_id in ("tab-train", "tab-confusion", "tab-samples", "tab-try", "tab-inside"):
            tab = tabs.get_tab(pane_id)
            assert tab.region.width > 0 and tab.region.right <= bar.right, tab.label_text
        assert tabs.get_tab("tab-inside").label_text == "Inside"

        await pilot.press("m")  # typing into the hidden sizes: letters type, Esc leaves
        await pilot.pause()
        keys = footer_keys(app)
        assert "Leave field" in keys and "Quit" in keys and "Start" not in keys
        assert keys["Leave field"].region.right <= keys["palette"].region.x
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is None and "Start" in footer_keys(app)
        await pilot.press("m", "ctrl+q")  # quits from a field too
        await wait_for(pilot, lambda: not app.is_running, what="the app to exit")
    assert app.return_value == 0


async def test_start_up_line_names_the_config_file_and_the_overrides(tmp_path):
    path = tmp_path / "mine.toml"
    base = toy_config(tmp_path / "runs")
    base.save(path)
    async with TrainerApp(TrainConfig.load(path), config_path=str(path)).run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "ready" in log_of(pilot.app), what="the first log line")
        assert f"ready on the config from {path};" in " ".join(log_of(pilot.app).split())

    changed = TrainConfig.load(path).with_overrides(["train.epochs=7"])
    async with TrainerApp(changed, config_path=str(path)).run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "ready" in log_of(pilot.app), what="the first log line")
        shown = " ".join(log_of(pilot.app).split())
        assert f"on the config from {path} with overrides (train.epochs)" in shown

    async with TrainerApp(toy_config(tmp_path / "runs")).run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "ready" in log_of(pilot.app), what="the first log line")
        text = " ".join(log_of(pilot.app).split())
        assert "on the default config with overrides (dataset.name," in text


PREDICTION_ROW = re.compile(r"true (\S+) · pred (\S+)")


def shown_predictions(grid) -> list[tuple[str, str]]:
    return [m.groups() for line in shown_lines(grid) if (m := PREDICTION_ROW.search(line))]


@pytest.mark.slow
async def test_samples_grid_draws_the_map_every_sample_and_mistakes_only(make_config):
    app = TrainerApp(make_config(epochs=2))  # moons: a decision-boundary map and 12 sample rows
    async with app.run_test(size=(100, 60)) as pilot:
        await train_to_the_end(pilot, "moons")
        await pilot.press("v")
        await pilot.pause()
        grid = app.query_one(SampleGrid)
        evaluation = grid.evaluation
        assert "✗ = misclassified" in "".join(shown_lines(grid))
        shown = shown_predictions(grid)
        assert len(shown) == len(evaluation.samples) == 12
        assert shown == [(str(s.target), str(s.predicted)) for s in evaluation.samples]

        # A new evaluation is drawn by a worker thread, then shown without a key press.
        wrong = replace(evaluation, samples=[replace(s, predicted=1 - s.target) for s in evaluation.samples])
        grid.show(wrong, app.view.started.meta)
        await wait_for(
            pilot, lambda: all(t != p for t, p in shown_predictions(grid)), what="the redrawn grid"
        )
        assert len(shown_predictions(grid)) == 12

        await pilot.press("c")  # an evaluation arriving while the tab is hidden is shown on return
        grid.show(evaluation, app.view.started.meta)
        await pilot.pause(0.5)
        await pilot.press("v")
        await wait_for(pilot, lambda: shown_predictions(grid) == shown, what="the first evaluation again")
        await pilot.press("e")  # mistakes only, drawn at once
        mistakes = [(str(s.target), str(s.predicted)) for s in evaluation.samples if not s.correct]
        assert shown_predictions(grid) == mistakes


@pytest.mark.slow
async def test_loss_plot_catches_up_when_its_tab_shows_again(make_config):
    app = TrainerApp(make_config(epochs=100_000))
    async with app.run_test(size=(100, 30)) as pilot:
        plot = app.query_one(LossPlot)
        drawn_counts = []
        plot_text = plot.plot_text

        def counting_plot_text():
            drawn_counts.append(plot.raw.count)
            return plot_text()

        plot.plot_text = counting_plot_text
        await wait_for(pilot, lambda: meta_loaded(app, "moons"), what="moons metadata")
        await pilot.press("s")
        await wait_for(pilot, lambda: drawn_counts and drawn_counts[-1] > 0, what="the plot's first steps")
        await pilot.press("c")
        await pilot.pause(0.1)
        renders = len(drawn_counts)
        steps = plot.raw.count
        await pilot.pause(1.0)  # training goes on, the hidden plot is not drawn
        assert len(drawn_counts) == renders and plot.raw.count > steps
        await pilot.press("t")  # the last frame at once, the new steps at the next drain
        await wait_for(
            pilot,
            lambda: len(drawn_counts) > renders and drawn_counts[-1] > steps,
            what="the plot to catch up",
        )
        await pilot.press("x")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the stop")


@pytest.mark.slow
async def test_a_sample_drawing_that_fails_is_reported_and_the_last_one_kept(make_config, monkeypatch):
    app = TrainerApp(make_config(epochs=1))
    async with app.run_test(size=(100, 60)) as pilot:
        await train_to_the_end(pilot, "moons")
        await pilot.press("v")
        await pilot.pause()
        grid = app.query_one(SampleGrid)
        before = shown_lines(grid)

        def broken(*args, **kwargs):
            raise RuntimeError("map failed")

        monkeypatch.setattr(samples_view, "boundary_map", broken)
        grid.show(grid.evaluation, app.view.started.meta)  # drawn by a worker, which fails
        await wait_for(
            pilot,
            lambda: any("map failed" in str(n.message) for n in notifications(app)),
            what="the notification",
        )
        assert shown_lines(grid) == before and app.is_running
