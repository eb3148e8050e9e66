"""The Samples tab: samples of the last evaluation (val, or test at the end) with their labels.

Images are drawn as a grid of half-block pictures; 2-D toy sets as a decision-boundary map with
the points; regression targets as a predicted-versus-true scatter. Wrong predictions are shown in
red, and `e` shows only them.
"""

from __future__ import annotations

import contextlib

from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tui_trainer.ui.fitted_curve import draw_fitted_curve, fitted_legend, has_fitted_curve
from tui_trainer.ui.pixels import (
    boundary_map,
    boundary_wrong_mask,
    class_rgb,
    half_block_lines,
    image_to_rgb,
)
from tui_trainer.ui.strip_plot import LegendEntry, StripPlot

RIGHT = Style(color="black", bgcolor="green")
WRONG = Style(color="white", bgcolor="red", bold=True)


def _name(names: list[str], index) -> str:
    if isinstance(index, int) and 0 <= index < len(names):
        return names[index]
    return str(index)


class SampleGrid(Widget):
    """Draws the current evaluation's samples laid out for the widget's width.

    The lines are built into strips once per evaluation, off the UI thread when the width is
    known, and drawn with the line API: showing the tab, scrolling and redraws only copy strips.
    Building them (a boundary map is ~40 lines of ~100 coloured cells) took 50-300 ms on the UI
    thread while training, so switching to the Samples tab lagged behind the key.
    """

    DEFAULT_CSS = "SampleGrid { height: auto; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.evaluation = None
        self.meta = None
        self.mistakes_only = False
        self._version = 0  # bumped when what is shown changes
        self._width = 0  # the width layout last gave the grid (0: never laid out)
        self._strips: list[Strip] = []
        self._drawn: tuple[int, int] | None = None  # (version, width) the strips show
        self._pending: tuple[int, int] | None = None  # (version, width) a worker is building

    def show(self, evaluation, meta) -> None:
        self.evaluation, self.meta = evaluation, meta
        self._version += 1
        if self._width:
            self._build_in_background()
        else:
            self.refresh(layout=True)  # built at the first layout, when the width is known

    def set_mistakes_only(self, value: bool) -> None:
        self.mistakes_only = value
        self._version += 1
        if self._width:  # the key's answer is drawn at once, not a worker later
            self._take((self._version, self._width), self._make_strips(self._width))

    def visible_samples(self) -> list:
        return _visible(self.evaluation, self.mistakes_only)

    def get_content_height(self, container, viewport, width: int) -> int:
        self._width = width
        if self._drawn is None or self._drawn[1] != width:  # first layout or a resize
            self._strips, self._drawn = self._make_strips(width), (self._version, width)
        elif self._drawn[0] != self._version and self._pending != (self._version, width):
            self._build_in_background()
        return max(1, len(self._strips))

    def render_line(self, y: int) -> Strip:
        # The widget's style is applied here, not baked into the strips, so a theme change shows
        # at once (each strip caches its styled copy).
        if 0 <= y < len(self._strips):
            return self._strips[y].apply_style(self.rich_style)
        return Strip.blank(self.size.width, self.rich_style)

    def _build_in_background(self) -> None:
        key = self._pending = (self._version, self._width)
        build = self._strip_builder(self._width)
        app = self.app

        def work() -> None:
            strips = build()
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                app.call_from_thread(self._take, key, strips)

        self.run_worker(work, thread=True, group="sample-grid", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        event.stop()
        if event.state == WorkerState.ERROR:  # a bug, not bad input: say so, keep the last drawing
            error = event.worker.error
            self.notify(f"{type(error).__name__}: {error}", title="cannot draw the samples", severity="error")

    def _take(self, key: tuple[int, int], strips: list[Strip]) -> None:
        if key != (self._version, self._width):
            return  # superseded by a newer evaluation or a resize
        resized = len(strips) != len(self._strips)
        self._strips, self._drawn = strips, key
        self.refresh(layout=resized)  # a layout pass redoes the whole screen: only when needed

    def _make_strips(self, width: int) -> list[Strip]:
        return self._strip_builder(width)()

    def _strip_builder(self, width: int):
        """A function that builds the strips for what is shown now; safe to run on any thread
        (it reads only this snapshot, and rendering Text only reads the console's settings)."""
        evaluation, meta, mistakes_only = self.evaluation, self.meta, self.mistakes_only
        console = self.app.console
        width = max(width, 10)

        def build() -> list[Strip]:
            lines = sample_lines(evaluation, meta, mistakes_only, width, console)
            return [Strip(line.render(console)).adjust_cell_length(width) for line in lines]

        return build


def _visible(evaluation, mistakes_only: bool) -> list:
    samples = evaluation.samples if evaluation is not None else []
    return [s for s in samples if not s.correct] if mistakes_only else list(samples)


def sample_lines(ev, meta, mistakes_only: bool, width: int, console) -> list[Text]:
    """What the grid shows for evaluation `ev`, as lines `width` cells wide."""
    if ev is None or meta is None:
        return list(
            Text("No predictions yet: they appear after the first epoch.", style="dim").wrap(console, width)
        )
    lines: list[Text] = []
    if ev.boundary is not None:
        drawn = boundary_map(ev.boundary, width, boundary_wrong_mask(ev.boundary))
        lines += drawn.lines
        legend = Text("classes: ")
        for k, name in enumerate(meta.class_names or [str(i) for i in range(meta.n_classes)]):
            legend.append(f"■ {name}  ", Style(color="rgb({},{},{})".format(*class_rgb(k))))
        legend.append("✗ = misclassified", "bold")
        count = Text(f"{drawn.right} ● and {drawn.wrong} ✗ drawn (a cell shows one of its points)", "dim")
        lines += [legend, *count.wrap(console, width), Text("")]
    samples = _visible(ev, mistakes_only)
    if not samples:
        lines.append(Text("No mistakes among the shown samples." if mistakes_only else "No samples."))
        return lines
    if meta.is_image:
        lines += _image_grid(samples, meta, width)
    else:
        lines += [_sample_row(s, meta, width) for s in samples]
    return lines


def _image_grid(samples, meta, width: int) -> list[Text]:
    names = meta.class_names
    images = [image_to_rgb(s.input, meta.pixel_max) for s in samples]
    # Tiny images (8×8 digits) are drawn twice as large when the pane has room.
    if width >= 100 and max(images[0].shape[:2]) <= 12:
        images = [im.repeat_interleave(2, dim=0).repeat_interleave(2, dim=1) for im in images]
    pictures = [half_block_lines(im) for im in images]
    tile = max(max(len(p[0]) for p in pictures if p), 7)
    per_row = max(1, (width + 1) // (tile + 1))
    out: list[Text] = []
    for start in range(0, len(samples), per_row):
        row = list(zip(samples[start : start + per_row], pictures[start : start + per_row], strict=True))
        height = max(len(p) for _, p in row)
        for line in range(height):
            text = Text()
            for _sample, picture in row:
                part = picture[line] if line < len(picture) else Text("")
                text.append_text(part)
                text.append(" " * (tile - len(part) + 1))
            out.append(text)
        labels = Text()
        for s, _ in row:
            label = f"{_name(names, s.target)}→{_name(names, s.predicted)}"[:tile]
            labels.append(label.ljust(tile), RIGHT if s.correct else WRONG)
            labels.append(" ")
        out += [labels, Text("")]
    return out


def _sample_row(sample, meta, width: int) -> Text:
    values = sample.input.reshape(-1).tolist()
    features = ", ".join(f"{v:.3g}" for v in values[:4]) + (", …" if len(values) > 4 else "")
    text = Text(f"#{sample.index:<4}", "dim")
    if meta.task == "classification":
        names = meta.class_names
        verdict = f" true {_name(names, sample.target)} · pred {_name(names, sample.predicted)}"
        if sample.confidence is not None:
            verdict += f" ({sample.confidence:.0%})"
        text.append(verdict + " ", RIGHT if sample.correct else WRONG)
    else:
        error = float(sample.predicted) - float(sample.target)
        target, predicted = float(sample.target), float(sample.predicted)
        text.append(f" true {target:.4g} · pred {predicted:.4g} (err {error:+.3g}) ")
    text.append(f" x=({features})", "dim")
    text.truncate(width)
    return text


class RegressionScatter(StripPlot):
    """A regression's predictions: for a 1-D input the fitted curve ŷ(x) over the data points (as
    TensorFlow Playground draws it), for more inputs the predicted-versus-true scatter."""

    DEFAULT_CSS = "RegressionScatter { height: 16; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pairs = None
        self.split = "val"

    def show(self, pairs, split: str) -> None:
        self.pairs, self.split = pairs, split
        self.refresh()

    @property
    def fitted(self) -> bool:
        return has_fitted_curve(self.pairs)

    def legend(self) -> list[LegendEntry]:
        if self.pairs is None:
            return []
        if self.fitted:
            return fitted_legend(self.split)
        return [LegendEntry("•", "cyan", f"{self.split} samples"), LegendEntry("━", "gray", "y = x")]

    def draw_figure(self, plt) -> None:
        pairs = self.pairs
        if pairs is None:
            return
        true = pairs.targets.tolist()
        if self.fitted:
            points, fit = (pairs.inputs.tolist(), true), (pairs.fit_x.tolist(), pairs.fit_y.tolist())
            draw_fitted_curve(self, plt, points, fit, f"fitted curve ŷ(x) ({self.split})")
            return
        pred = pairs.predictions.tolist()
        plt.title(f"predicted ↑ vs true → ({self.split})")
        low, high = min(true + pred), max(true + pred)
        self.set_axes(plt, true + pred, true + pred)
        plt.scatter(true, pred, marker="dot", color="cyan")
        plt.plot([low, high], [low, high], color="gray")


class SamplesPane(VerticalScroll):
    def compose(self):
        yield Static("No predictions yet: start a run (s).", id="samples-status")
        yield RegressionScatter(id="regression-scatter")
        yield SampleGrid(id="sample-grid")

    def on_mount(self) -> None:
        self.query_one(RegressionScatter).display = False

    def show(self, evaluation, meta) -> None:
        grid = self.query_one(SampleGrid)
        grid.show(evaluation, meta)
        scatter = self.query_one(RegressionScatter)
        scatter.display = evaluation.regression is not None
        if evaluation.regression is not None:
            scatter.show(evaluation.regression, evaluation.split)
        self._status()

    def toggle_mistakes(self) -> bool:
        grid = self.query_one(SampleGrid)
        grid.set_mistakes_only(not grid.mistakes_only)
        self._status()
        return grid.mistakes_only

    def _status(self) -> None:
        grid = self.query_one(SampleGrid)
        ev = grid.evaluation
        if ev is None:
            return
        wrong = sum(1 for s in ev.samples if not s.correct)
        mode = "mistakes only" if grid.mistakes_only else "all"
        # The split the samples come from: validation during a run, the test split at its end.
        text = f"epoch {ev.epoch + 1} · {len(ev.samples)} {ev.split} samples"
        if ev.boundary is not None:  # the map draws the whole split, the list under it the samples
            points = len(ev.boundary.points)
            text = f"epoch {ev.epoch + 1} · map: {points} {ev.split} points · list: {len(ev.samples)} samples"
        if ev.accuracy is not None:
            text += f", {wrong} wrong · showing {mode} (e toggles)"
        self.query_one("#samples-status", Static).update(text)
