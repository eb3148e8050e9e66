"""The live training plot: smoothed per-step train loss and per-epoch train/val loss, or per-epoch
accuracy (R² for a regression target).

The data is decimated to the widget's width when it is drawn, so a redraw costs the same after a
million steps as after a thousand; it is drawn only after the app refreshes the widget, which the
app spaces by what the last redraws cost (`RunView.plot_interval`). A diverged loss does not
flatten the rest of the curve: the axis is clipped below it (▲ marks the values off the axis) and
a failed run is marked ✗ where it stopped, and a step where settings changed mid-run (changed
while paused, `ui/paused_changes.py`) by a vertical line │.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tui_trainer.ui.plot_axes import clip_top
from tui_trainer.ui.plot_history import Ema, StepHistory, decimate
from tui_trainer.ui.strip_plot import Curve, LegendEntry, StripPlot

STEP, SMOOTH, TRAIN, VAL, FAILED, CHANGED = "gray", "cyan", "green", "orange", "red", "magenta"
# each with the short label used where the legend would not fit on one line
STEP_LOSS = LegendEntry("━", STEP, "train loss per step", "step")
SMOOTHED = LegendEntry("━", SMOOTH, "smoothed", "smoothed")
TRAIN_LOSS = LegendEntry("━", TRAIN, "train loss per epoch", "train")
VAL_LOSS = LegendEntry("●", VAL, "val loss per epoch", "val")
SETTINGS_CHANGED = LegendEntry("│", CHANGED, "settings changed", "changed")


@dataclass
class EpochPoint:
    epoch: int  # 1-based
    step: int  # the global step at the epoch's end
    train_loss: float
    val_loss: float
    train_accuracy: float | None
    val_accuracy: float | None
    val_r2: float | None = None  # regression only


class LossPlot(StripPlot):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.raw = StepHistory()
        self.smooth = StepHistory()
        self.ema = Ema(0.1)
        self.epochs: list[EpochPoint] = []
        self.show_accuracy = False
        self.failure: str | None = None  # why the run failed, marked where it stopped
        self.changed_at: list[int] = []  # steps after which settings changed, each a vertical line
        # what the next drawing shows, gathered by `prepare`
        self._series: list[Curve] = []
        self._title = ""
        self._top: float | None = None  # where a diverged loss's axis is cut

    def reset(self) -> None:
        self.raw.clear()
        self.smooth.clear()
        self.ema = Ema(0.1)
        self.epochs = []
        self.failure = None
        self.changed_at = []
        self.refresh()

    def add_steps(self, first_step: int, losses: list[float]) -> None:
        for offset, loss in enumerate(losses):
            if not math.isfinite(loss):
                continue  # the engine stops at a non-finite loss; none is drawn
            step = first_step + offset
            self.raw.add(step, loss)
            self.smooth.add(step, self.ema.update(loss))

    def add_epoch(self, point: EpochPoint) -> None:
        self.epochs.append(point)

    def mark_change(self, step: int) -> None:
        self.changed_at.append(step)
        self.refresh()

    def mark_failure(self, what: str) -> None:
        self.failure = what
        self.refresh()

    def toggle_metric(self) -> str:
        self.show_accuracy = not self.show_accuracy
        self.refresh()
        if not self.show_accuracy:
            return "loss"
        if self.epochs and self.epochs[-1].val_accuracy is None:
            return "R² (accuracy does not apply to a regression target)"
        return "accuracy"

    @property
    def has_data(self) -> bool:
        return bool(self.raw.count or self.epochs)

    @property
    def last_step(self) -> float | None:
        xs, _ = self.raw.points()
        steps = [*xs[-1:], *(p.step for p in self.epochs[-1:])]
        return max(steps) if steps else None

    def _epoch_series(self, width: int) -> list[EpochPoint]:
        if len(self.epochs) <= width:
            return self.epochs
        stride = len(self.epochs) / width
        return [self.epochs[int(i * stride)] for i in range(width)] + [self.epochs[-1]]

    def prepare(self) -> None:
        width = max(self.size.width - 12, 10)  # columns left for data after the y-axis labels
        epochs = self._epoch_series(width)
        if self.show_accuracy:
            self._title, self._series = _metric_series(epochs)
        else:
            self._title, self._series = "loss by step (a: accuracy)", self._loss_series(epochs, width)
        if not self.has_data:
            self._title = "loss — press s to start training"
        self._top = None if self.show_accuracy else clip_top([s.ys for s in self._series])

    def _loss_series(self, epochs: list[EpochPoint], width: int) -> list[Curve]:
        series = []
        xs, ys = decimate(*self.raw.points(), width)
        if xs:
            series.append(Curve(xs, ys, STEP, STEP_LOSS))
        xs, ys = decimate(*self.smooth.points(), width)
        if xs:
            series.append(Curve(xs, ys, SMOOTH, SMOOTHED))
        if epochs:
            steps = [float(p.step) for p in epochs]
            train, val = [p.train_loss for p in epochs], [p.val_loss for p in epochs]
            series.append(Curve(steps, train, TRAIN, TRAIN_LOSS))
            series.append(Curve(steps, val, VAL, VAL_LOSS, points=True))
        return series

    def legend(self) -> list[LegendEntry]:
        entries = [s.entry for s in self._series]
        entries += self.clipped_entry(self._series, self._top)
        if self.changed_at and self._series:
            entries.append(SETTINGS_CHANGED)
        if self.failure:
            entries.append(LegendEntry("✗", FAILED, self.failure))
        return entries

    def draw_figure(self, plt) -> None:
        plt.title(self._title)
        xs = [x for s in self._series for x in s.xs]
        ys = [y for s in self._series for y in s.ys]
        most = 1.0 if self.show_accuracy else None  # neither accuracy nor R² goes above 1
        changes = [float(step) for step in self.changed_at] if xs else []
        axis = self.set_axes(plt, xs + changes, ys, integer_x=True, y_top=self._top, y_most=most)
        if axis is None:
            return
        for changed in changes:  # drawn first: the curves cross over it
            plt.vline(changed, CHANGED)
        self.plot_clamped(plt, axis, self._series)
        if self.failure and (step := self.last_step) is not None:
            plt.scatter([step], [axis.high], marker="✗", color=FAILED)


def _metric_series(epochs: list[EpochPoint]) -> tuple[str, list[Curve]]:
    """Accuracy per epoch, or R² for a regression target (where accuracy does not apply)."""
    with_accuracy = [p for p in epochs if p.val_accuracy is not None]
    if with_accuracy:
        steps = [float(p.step) for p in with_accuracy]
        series = []
        if all(p.train_accuracy is not None for p in with_accuracy):
            train = [float(p.train_accuracy or 0.0) for p in with_accuracy]
            series.append(Curve(steps, train, SMOOTH, LegendEntry("━", SMOOTH, "train accuracy", "train")))
        val = [float(p.val_accuracy or 0.0) for p in with_accuracy]
        series.append(Curve(steps, val, VAL, LegendEntry("●", VAL, "val accuracy", "val"), points=True))
        return "accuracy per epoch (a: loss)", series
    with_r2 = [p for p in epochs if p.val_r2 is not None]
    if with_r2:
        steps = [float(p.step) for p in with_r2]
        r2 = [float(p.val_r2 or 0.0) for p in with_r2]
        entry = LegendEntry("●", VAL, "val R² (1 = perfect fit; accuracy does not apply)", "val R²")
        return "R² per epoch (a: loss)", [Curve(steps, r2, VAL, entry, points=True)]
    if epochs:
        return "no accuracy for this target (a: loss)", []
    return "accuracy: after the first epoch (a: loss)", []
