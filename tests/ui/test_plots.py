"""The plots as a user sees them at 80×24 (and the Runs plot at 100×30), read off the drawn text:
the legend under the data, labels on the rows they name, epochs at their ends, R² for a
regression, a diverged run's axis, the fitted curve ŷ(x), and the Samples map's counts."""

import re
from pathlib import Path

from textual.widgets import Static

from tests.ui.conftest import notifications, shown_lines, toy_config, train_to_the_end, wait_for
from tui_trainer.engine.trainer import train
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.loss_plot import LossPlot
from tui_trainer.ui.runs_plot import ComparePlot
from tui_trainer.ui.runs_screen import RunsScreen
from tui_trainer.ui.samples_view import RegressionScatter, SampleGrid

BRAILLE = re.compile("[\u2801-\u28ff]")


class Drawn:
    """A plot's text split into its parts: title, canvas rows, y labels, x ticks, legend."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.top = next(i for i, line in enumerate(lines) if "┌" in line)
        self.bottom = next(i for i, line in enumerate(lines) if "└" in line)
        self.left, self.right = lines[self.top].index("┌") + 1, lines[self.top].index("┐")
        self.rows = lines[self.top + 1 : self.bottom]  # top row first
        self.canvas = [row[self.left : self.right] for row in self.rows]
        self.title = " ".join(lines[: self.top]).strip()
        self.legend = " ".join(lines[self.bottom + 2 :])

    def labels(self) -> dict[int, float]:
        """Row (0 = the bottom one) -> the y value labelled on it."""
        out = {}
        for i, row in enumerate(self.rows):
            if row[self.left - 1] == "┤":
                out[len(self.rows) - 1 - i] = float(row[: self.left - 1])
        return out

    def label_widths(self) -> list[int]:
        return [len(row[: self.left - 1].strip()) for row in self.rows if row[self.left - 1] == "┤"]

    def x_ticks(self) -> dict[int, float]:
        """Canvas column -> the x value labelled under it."""
        columns = [i - self.left for i, char in enumerate(self.lines[self.bottom]) if char == "┬"]
        values = [float(v) for v in self.lines[self.bottom + 1].split()]
        assert len(columns) == len(values)
        return dict(zip(columns, values, strict=True))

    def cells(self, glyph: str) -> list[tuple[int, int]]:
        """(row from the bottom, column) of each `glyph` on the canvas."""
        height = len(self.canvas)
        return [
            (height - 1 - r, c)
            for r, row in enumerate(self.canvas)
            for c, ch in enumerate(row)
            if ch == glyph
        ]


def row_of(value: float, labels: dict[int, float]) -> int:
    """The row a value is drawn on, from the labels' own scale (each label names its row)."""
    (r0, v0), (r1, v1) = sorted(labels.items())[:2]
    pitch = (v1 - v0) / (r1 - r0)
    return round(r0 + (value - v0) / pitch)


async def test_loss_plot_at_80x24_legend_below_labels_on_their_rows_epochs_at_ends(make_config):
    config = make_config(epochs=3)
    config.train.report_every_ms = 3_600_000  # each epoch's last steps wait for the next report
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await train_to_the_end(pilot, "moons")
        plot = app.query_one(LossPlot)
        drawn = Drawn(plot.text_lines())

        # the legend is under the figure; the canvas holds data only
        assert not any(re.search("[A-Za-z]", row) for row in drawn.canvas)
        for name in ("step", "smoothed", "train", "val"):
            assert name in drawn.legend
        assert len(drawn.canvas) >= 5 and drawn.right - drawn.left >= 30

        # every label names its own row: one value per row across all labels
        labels = drawn.labels()
        assert len(labels) >= 2
        (r0, v0), (r1, v1) = sorted(labels.items())[:2]
        pitch = (v1 - v0) / (r1 - r0)
        for row, value in labels.items():
            assert abs(v0 + (row - r0) * pitch - value) < abs(pitch) * 1e-6, (row, value)
        # ...and the validation points sit on the rows their values say
        val_losses = [p.val_loss for p in plot.epochs]
        assert {row for row, _ in drawn.cells("●")} == {row_of(v, labels) for v in val_losses}

        # each epoch is drawn at the step it ended on, the first at steps_per_epoch
        per_epoch = app.view.started.steps_per_epoch
        assert [p.step for p in plot.epochs] == [per_epoch * e for e in (1, 2, 3)]
        ticks = sorted(drawn.x_ticks().items())
        (c0, x0), (c1, x1) = ticks[0], ticks[-1]
        expected = {round(c0 + (per_epoch * e - x0) * (c1 - c0) / (x1 - x0)) for e in (1, 2, 3)}
        columns = {column for _, column in drawn.cells("●")}
        assert all(min(abs(c - e) for c in columns) <= 1 for e in expected), (columns, expected)


def make_run(root: Path, name: str, epochs: int) -> None:
    config = toy_config(root, epochs=epochs)
    config.train.run_name = name
    assert train(config).status == "completed"


async def test_runs_compare_at_100x30_hides_no_run_behind_the_legend(tmp_path):
    root = tmp_path / "runs"
    make_run(root, "short", 3)
    make_run(root, "long", 10)
    app = TrainerApp(toy_config(root))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunsScreen), what="the Runs screen")
        screen = app.screen
        assert isinstance(screen, RunsScreen)
        await pilot.press("space", "down", "space")
        await wait_for(pilot, lambda: len(screen.marked) == 2, what="two marked runs")
        drawn = Drawn(screen.query_one(ComparePlot).text_lines())
        assert not any(re.search("[A-Za-z]", row) for row in drawn.canvas)
        assert "short" in drawn.legend and "long" in drawn.legend
        # the 10-epoch run's validation points, one per epoch column, all on the canvas
        assert len({column for _, column in drawn.cells("●")}) >= 10


async def test_regression_a_shows_r2_per_epoch_and_samples_show_the_fitted_curve(make_config):
    app = TrainerApp(make_config(epochs=2, dataset__name="sine", loss__name="mse"))
    async with app.run_test(size=(80, 24)) as pilot:
        await train_to_the_end(pilot, "sine")
        await pilot.press("a")
        await pilot.pause()
        drawn = Drawn(app.query_one(LossPlot).text_lines())
        assert "R² per epoch" in drawn.title and "val R²" in drawn.legend
        assert len(drawn.cells("●")) == 2  # one per epoch
        assert any("accuracy does not apply" in n.message for n in notifications(app))

        await pilot.press("v")
        await pilot.pause()
        scatter = app.query_one(RegressionScatter)
        drawn = Drawn(shown_lines(scatter))
        assert "fitted curve ŷ(x) (test)" in drawn.title and "model ŷ(x)" in drawn.legend
        assert sum(len(BRAILLE.findall(row)) for row in drawn.canvas) >= 20  # the curve across the plot
        assert sum(row.count("•") for row in drawn.canvas) >= 10  # the data points under it


async def test_a_diverged_run_keeps_a_readable_axis_and_marks_the_failure(make_config):
    config = make_config(epochs=3)
    config.optimizer.name = "sgd"
    config.optimizer.lr = 100.0  # plain SGD on moons diverges at it
    app = TrainerApp(config)
    async with app.run_test(size=(80, 24)) as pilot:
        await train_to_the_end(pilot, "moons")
        assert app.view.finished.status == "failed"
        await pilot.pause()
        drawn = Drawn(app.query_one(LossPlot).text_lines())
        assert max(drawn.label_widths()) <= 6  # no 16-digit labels squeezing the canvas
        assert drawn.right - drawn.left >= 30
        assert "✗ loss became" in drawn.legend and drawn.cells("✗")


async def test_samples_caption_counts_what_the_map_draws(make_config):
    app = TrainerApp(make_config(epochs=2))
    async with app.run_test(size=(80, 24)) as pilot:
        await train_to_the_end(pilot, "moons")
        await pilot.press("v")
        grid = app.query_one(SampleGrid)
        await wait_for(pilot, lambda: any("drawn" in line for line in shown_lines(grid)), what="the map")
        lines = shown_lines(grid)
        legend = next(i for i, line in enumerate(lines) if line.startswith("classes:"))
        drawn_map = "".join(lines[:legend])
        match = re.search(r"(\d+) ● and (\d+) ✗ drawn", " ".join(lines))
        assert match is not None
        assert (int(match[1]), int(match[2])) == (drawn_map.count("●"), drawn_map.count("✗"))
        status = str(app.query_one("#samples-status", Static).render())
        points = len(app.view.last_eval.boundary.points)
        assert f"map: {points} test points" in status
