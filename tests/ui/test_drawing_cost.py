"""What the app does not draw while training: hidden tabs, layout passes for log lines, plot
redraws beyond their budget; and the fast ANSI path the plot is drawn through."""

from rich.console import Console
from rich.text import Text
from textual import messages
from textual.app import App
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Static

from tests.ui.conftest import screen_text, shown_lines, train_to_the_end, wait_for
from tui_trainer.engine.config import TrainConfig
from tui_trainer.ui.ansi_strips import ansi_strips
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.confusion_view import ConfusionPane
from tui_trainer.ui.event_log import EventLog
from tui_trainer.ui.loss_plot import EpochPoint, LossPlot
from tui_trainer.ui.run_view import PLOT_BUDGET, PLOT_INTERVAL, PLOT_INTERVAL_MAX
from tui_trainer.ui.samples_view import SampleGrid, SamplesPane


def cells(strip: Strip) -> list[tuple[str, object]]:
    """(character, style) for each character; no style and the null style draw the same."""
    return [(char, segment.style or None) for segment in strip for char in segment.text]


def rich_strips(text: str, width: int) -> list[Strip]:
    console = Console(width=width, color_system="truecolor")
    lines = console.render_lines(Text.from_ansi(text), console.options.update_width(width), pad=True)
    return [Strip(line).adjust_cell_length(width) for line in lines]


def app_showing(widget_class) -> App:
    """An app whose screen is one widget of `widget_class`."""

    class OneWidgetApp(App):
        def compose(self):
            yield widget_class()

    return OneWidgetApp()


def test_ansi_strips_read_every_escape_as_rich_does():
    text = "\n".join(
        [
            "\x1b[48;2;30;30;30m  \x1b[0m\x1b[48;2;30;30;30m\x1b[38;2;224;224;224mtitle\x1b[0m plain",
            "\x1b[1;31mbold red\x1b[22m red\x1b[39m plain\x1b[38;5;8m⢕⢕●\x1b[m reset",
            "\x1b[4mcarried over the line end",
            "\x1b[2Kno SGR: dropped\x1b[0m, and a wide 漢字 character",
        ]
    )
    mine = ansi_strips(text, 60)
    assert [cells(strip) for strip in mine] == [cells(strip) for strip in rich_strips(text, 60)]
    assert len(mine) == 4 and all(strip.cell_length == 60 for strip in mine)


async def test_the_plot_draws_what_plotext_built_with_each_colour():
    app = app_showing(LossPlot)
    async with app.run_test(size=(90, 26)) as pilot:
        plot = app.query_one(LossPlot)
        plot.add_steps(1, [1 / (1 + i * 1e-3) for i in range(5000)])
        for epoch in range(1, 5):
            plot.add_epoch(EpochPoint(epoch, epoch * 1250, 0.5 / epoch, 0.6 / epoch, 0.8, 0.7))
        plot.refresh()
        await pilot.pause()
        width, height = plot.size
        drawn = [cells(plot.render_line(y)) for y in range(height)]
        # plotext's own output for the same data, decoded and rendered by Rich (the widget's
        # style adds nothing: every cell has plotext's colours)
        strips = rich_strips(plot.plot_text(), width)[:height]
        expected = [cells(strip.apply_style(plot.rich_style)) for strip in strips]
        assert drawn == expected
        assert any("smoothed" in line for line in plot.text_lines())
        assert plot.draws >= 1 and plot.draw_seconds > 0


async def test_plot_redraws_are_spaced_by_what_a_redraw_costs(make_config):
    app = TrainerApp(make_config(epochs=1))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        plot = app.query_one(LossPlot)
        costs = plot._draw_costs
        costs.clear()
        costs.extend([0.001] * 5)  # a fast machine: the shortest interval
        assert app.view.plot_interval() == PLOT_INTERVAL
        costs.extend([0.02] * 5)  # a slow one: spaced so that redraws stay within the budget
        assert app.view.plot_interval() == 0.02 / PLOT_BUDGET
        costs.append(5.0)  # one draw held up (a garbage collection): the typical cost still rules
        assert app.view.plot_interval() == 0.02 / PLOT_BUDGET
        costs.extend([5.0] * 5)  # never spaced beyond PLOT_INTERVAL_MAX
        assert app.view.plot_interval() == PLOT_INTERVAL_MAX

        plot.refresh()  # a real redraw is measured
        await pilot.pause()
        assert costs[-1] != 5.0 and 0 < costs[-1] < 5.0


async def test_hidden_tabs_are_drawn_when_shown_by_key_or_by_click(make_config):
    app = TrainerApp(make_config(epochs=3))
    async with app.run_test(size=(100, 30)) as pilot:
        confusion_shows, samples_shows = [], []
        confusion_show, samples_show = ConfusionPane.show, SamplesPane.show
        pane, samples = app.query_one(ConfusionPane), app.query_one(SamplesPane)
        pane.show = lambda event: (confusion_shows.append(event), confusion_show(pane, event))
        samples.show = lambda event, meta: (samples_shows.append(event), samples_show(samples, event, meta))

        await train_to_the_end(pilot, "moons")  # watched on the Training tab
        assert confusion_shows == [] and samples_shows == []
        assert "No confusion matrix yet" in str(app.query_one("#confusion-body", Static).render())

        await pilot.press("c")  # the newest evaluation (the test split), in the switch itself
        assert [e.split for e in confusion_shows] == ["test"]
        assert "test accuracy" in screen_text(app)

        await pilot.click("#--content-tab-tab-samples")  # the tab bar, not the app's key
        await wait_for(pilot, lambda: samples_shows, what="the Samples tab to be drawn")
        assert [e.split for e in samples_shows] == ["test"]
        await wait_for(
            pilot, lambda: app.query_one(SampleGrid).evaluation is samples_shows[0], what="the grid"
        )

        await pilot.press("c", "s")  # a second run watched on the Confusion tab: drawn live
        await wait_for(pilot, lambda: app.view.finished is not None, what="the second run")
        second_run = [e.split for e in confusion_shows[1:]]
        assert "val" in second_run and second_run[-1] == "test"
        assert len(samples_shows) == 1  # the hidden Samples tab waits


class LayoutCountingScreen(Screen):
    """A screen of one EventLog that records each layout pass a widget asks it for."""

    def __init__(self) -> None:
        super().__init__()
        self.layout_requests: list[object] = []

    def compose(self):
        yield EventLog()

    def on_layout(self, message: messages.Layout) -> None:  # before Screen's own handler
        self.layout_requests.append(message.widget)


class LogApp(App):
    def get_default_screen(self) -> Screen:
        return LayoutCountingScreen()


async def test_a_line_added_to_an_overflowing_log_costs_no_layout_pass():
    app = LogApp()
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(EventLog)
        for i in range(30):
            log.write(f"line {i}")
        await pilot.pause()
        assert log.show_vertical_scrollbar
        screen = app.screen
        assert isinstance(screen, LayoutCountingScreen)
        screen.layout_requests.clear()  # the first lines grew the log: their layouts were needed
        log.write("the newest line")
        await pilot.pause()
        await pilot.pause()
        assert screen.layout_requests == []
        assert log.vertical_scrollbar.window_virtual_size == 31
        assert shown_lines(log)[-1].startswith("the newest line")  # scrolled to the end
        log.clear()  # the check sees layout requests: clearing shrinks the log and asks for one
        await pilot.pause()
        assert screen.layout_requests


async def test_a_hidden_evaluation_is_drawn_with_its_own_runs_dataset(make_config, tmp_path):
    app = TrainerApp(make_config(epochs=1))
    async with app.run_test(size=(100, 30)) as pilot:
        await train_to_the_end(pilot, "moons")  # its evaluations wait for their tabs
        moons_test = app.view.last_eval
        digits = TrainConfig()
        digits.train.device = "cpu"
        digits.train.output_dir = str(tmp_path / "runs")
        app.start_training(digits)
        app.control.pause()  # held at its first step: no digits evaluation yet
        await wait_for(
            pilot,
            lambda: app.view.started is not None and app.view.state == "paused",
            what="the digits run, paused",
        )
        assert app.view.started.meta.name == "digits"
        await pilot.press("v")  # the moons test split, drawn as moons (a boundary map), not as digits
        grid = app.query_one(SampleGrid)
        assert grid.evaluation is moons_test and grid.meta.name == "moons"
        await wait_for(
            pilot,
            lambda: any("✗ = misclassified" in line for line in shown_lines(grid)),
            what="the moons map's legend",
        )
        await pilot.press("x")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the stop")
