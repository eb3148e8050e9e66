"""The Runs screen's plot: the per-epoch loss curves of several runs overlaid, one colour per run,
with the legend under the figure so that no run's curve is hidden behind it."""

from __future__ import annotations

import math

from tui_trainer.engine import RunCurves
from tui_trainer.ui.plot_axes import clip_top
from tui_trainer.ui.strip_plot import Curve, LegendEntry, StripPlot, legend_lines

COLORS = ("cyan", "orange", "green", "magenta", "red", "blue", "yellow", "white")


def _points(epochs: list[int], values: list[float | None]) -> tuple[list[float], list[float]]:
    pairs = [(float(e), v) for e, v in zip(epochs, values, strict=True) if v is not None and math.isfinite(v)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


class ComparePlot(StripPlot):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.runs: list[tuple[str, RunCurves]] = []
        self.hint = ""
        self._curves: list[Curve] = []  # what the next drawing shows, gathered by `prepare`
        self._top: float | None = None  # where a diverged run's axis is cut

    def show(self, runs: list[tuple[str, RunCurves]], hint: str = "") -> None:
        self.runs = runs
        self.hint = hint
        self.refresh()

    @property
    def labels(self) -> list[str]:
        """The series' names, in drawing order."""
        out = []
        for label, curves in self.runs:
            if any(v is not None for v in curves.train_loss):
                out.append(f"{label} train")
            if any(v is not None for v in curves.val_loss):
                out.append(f"{label} val")
        return out

    def prepare(self) -> None:
        self._curves = []
        for i, (label, curves) in enumerate(self.runs):
            color = COLORS[i % len(COLORS)]
            # Train first, so the validation curve (the one to compare) is drawn on top.
            xs, ys = _points(curves.epochs, curves.train_loss)
            if xs:
                self._curves.append(Curve(xs, ys, color, LegendEntry("·", color, f"{label} train"), "dot"))
            xs, ys = _points(curves.epochs, curves.val_loss)
            if xs:
                entry = LegendEntry("●", color, f"{label} val")
                self._curves.append(Curve(xs, ys, color, entry, points=True))
        self._top = clip_top([curve.ys for curve in self._curves])

    def legend(self) -> list[LegendEntry]:
        """Each series by name where one line holds them all, else one entry per run (the title
        says which marker is which)."""
        per_series = [curve.entry for curve in self._curves]
        per_run = [LegendEntry("●", COLORS[i % len(COLORS)], label) for i, (label, _) in enumerate(self.runs)]
        entries = per_series if len(legend_lines(per_series, self.size.width)) <= 1 else per_run
        return entries + self.clipped_entry(self._curves, self._top)

    def draw_figure(self, plt) -> None:
        title = "loss per epoch: val ● and train ·" if self._curves else "no finished epochs to plot"
        if self.hint and len(title) + len(self.hint) + 3 <= self.figure_size[0] - 10:
            title = f"{title} — {self.hint}"
        plt.title(title)
        xs = [x for curve in self._curves for x in curve.xs]
        ys = [y for curve in self._curves for y in curve.ys]
        axis = self.set_axes(plt, xs, ys, integer_x=True, y_top=self._top)
        if axis is not None:
            self.plot_clamped(plt, axis, self._curves)
