"""The Samples tab: samples of the last evaluation (val, or test at the end) with their labels.

Images are drawn as a grid of half-block pictures; 2-D toy sets as a decision-boundary map with
the points; regression targets as a predicted-versus-true scatter. Wrong predictions are shown in
red, and `e` shows only them.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tui_trainer.ui.pixels import boundary_lines, boundary_wrong_mask, class_rgb, half_block_lines, image_to_rgb

RIGHT = Style(color="black", bgcolor="green")
WRONG = Style(color="white", bgcolor="red", bold=True)


def _name(names: list[str], index) -> str:
    if isinstance(index, int) and 0 <= index < len(names):
        return names[index]
    return str(index)


class SampleGrid(Widget):
    """Renders the current evaluation's samples laid out for the widget's width."""

    DEFAULT_CSS = "SampleGrid { height: auto; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.evaluation = None
        self.meta = None
        self.mistakes_only = False
        self._cache: tuple[int, list[Text]] | None = None

    def show(self, evaluation, meta) -> None:
        self.evaluation, self.meta = evaluation, meta
        self._cache = None
        self.refresh(layout=True)

    def set_mistakes_only(self, value: bool) -> None:
        self.mistakes_only = value
        self._cache = None
        self.refresh(layout=True)

    def visible_samples(self) -> list:
        samples = self.evaluation.samples if self.evaluation is not None else []
        return [s for s in samples if not s.correct] if self.mistakes_only else list(samples)

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(1, len(self._lines(width)))

    def render(self):
        lines = self._lines(self.size.width)
        return Text("\n").join(lines) if lines else Text("")

    def _lines(self, width: int) -> list[Text]:
        if self._cache is not None and self._cache[0] == width:
            return self._cache[1]
        lines = self._build(max(width, 10))
        self._cache = (width, lines)
        return lines

    def _build(self, width: int) -> list[Text]:
        ev, meta = self.evaluation, self.meta
        if ev is None or meta is None:
            return list(Text("No predictions yet: they appear after the first epoch.", style="dim").wrap(
                self.app.console, width))
        lines: list[Text] = []
        if ev.boundary is not None:
            lines += boundary_lines(ev.boundary, width, boundary_wrong_mask(ev.boundary))
            legend = Text("classes: ")
            for k, name in enumerate(meta.class_names or [str(i) for i in range(meta.n_classes)]):
                legend.append(f"■ {name}  ", Style(color="rgb({},{},{})".format(*class_rgb(k))))
            legend.append("✗ = misclassified", "bold")
            lines += [legend, Text("")]
        samples = self.visible_samples()
        if not samples:
            lines.append(Text("No mistakes among the shown samples." if self.mistakes_only else "No samples."))
            return lines
        if meta.is_image:
            lines += self._image_grid(samples, width)
        else:
            lines += [self._sample_row(s, meta, width) for s in samples]
        return lines

    def _image_grid(self, samples, width: int) -> list[Text]:
        names = self.meta.class_names
        images = [image_to_rgb(s.input, self.meta.pixel_max) for s in samples]
        # Tiny images (8×8 digits) are drawn twice as large when the pane has room.
        if width >= 100 and max(images[0].shape[:2]) <= 12:
            images = [im.repeat_interleave(2, dim=0).repeat_interleave(2, dim=1) for im in images]
        pictures = [half_block_lines(im) for im in images]
        tile = max(max(len(p[0]) for p in pictures if p), 7)
        per_row = max(1, (width + 1) // (tile + 1))
        out: list[Text] = []
        for start in range(0, len(samples), per_row):
            row = list(zip(samples[start : start + per_row], pictures[start : start + per_row]))
            height = max(len(p) for _, p in row)
            for line in range(height):
                text = Text()
                for s, picture in row:
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

    def _sample_row(self, sample, meta, width: int) -> Text:
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
            text.append(f" true {float(sample.target):.4g} · pred {float(sample.predicted):.4g} (err {error:+.3g}) ")
        text.append(f" x=({features})", "dim")
        text.truncate(width)
        return text


class RegressionScatter(PlotextPlot):
    DEFAULT_CSS = "RegressionScatter { height: 16; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.pairs = None
        self.split = "val"

    def show(self, pairs, split: str) -> None:
        self.pairs, self.split = pairs, split
        self.refresh()

    def render(self):
        plt = self.plt
        plt.clear_figure()
        if self.pairs is not None:
            true = self.pairs.targets.tolist()
            pred = self.pairs.predictions.tolist()
            plt.title(f"predicted vs true ({self.split})")
            plt.scatter(true, pred, marker="dot", color="cyan", label="samples")
            low, high = min(true + pred), max(true + pred)
            plt.plot([low, high], [low, high], color="gray", label="y = x")
            plt.xlabel("true")
        return super().render()


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
        if ev.accuracy is not None:
            text += f", {wrong} wrong · showing {mode} (e toggles)"
        self.query_one("#samples-status", Static).update(text)
