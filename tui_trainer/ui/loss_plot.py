"""The live training plot: smoothed per-step train loss and per-epoch train/val loss or accuracy.

The data is decimated to the widget's width when it is drawn, so a redraw costs the same after a
million steps as after a thousand; it is drawn only after the app refreshes the widget, which the
app spaces by what the last redraws cost (`RunView.plot_interval`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui_trainer.ui.plot_history import Ema, StepHistory, decimate
from tui_trainer.ui.strip_plot import StripPlot


@dataclass
class EpochPoint:
    epoch: int  # 1-based
    step: int
    train_loss: float
    val_loss: float
    train_accuracy: float | None
    val_accuracy: float | None


class LossPlot(StripPlot):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.raw = StepHistory()
        self.smooth = StepHistory()
        self.ema = Ema(0.1)
        self.epochs: list[EpochPoint] = []
        self.show_accuracy = False

    def reset(self) -> None:
        self.raw.clear()
        self.smooth.clear()
        self.ema = Ema(0.1)
        self.epochs = []
        self.refresh()

    def add_steps(self, first_step: int, losses: list[float]) -> None:
        for offset, loss in enumerate(losses):
            step = first_step + offset
            self.raw.add(step, loss)
            self.smooth.add(step, self.ema.update(loss))

    def add_epoch(self, point: EpochPoint) -> None:
        self.epochs.append(point)

    def toggle_metric(self) -> str:
        self.show_accuracy = not self.show_accuracy
        self.refresh()
        return "accuracy" if self.show_accuracy else "loss"

    @property
    def has_data(self) -> bool:
        return bool(self.raw.count or self.epochs)

    def _epoch_series(self, width: int) -> list[EpochPoint]:
        if len(self.epochs) <= width:
            return self.epochs
        stride = len(self.epochs) / width
        return [self.epochs[int(i * stride)] for i in range(width)] + [self.epochs[-1]]

    def draw_figure(self, plt) -> None:
        width = max(self.size.width - 12, 10)  # columns left for data after the y-axis labels
        epochs = self._epoch_series(width)
        if self.show_accuracy:
            plt.title("accuracy per epoch (a: show loss)")
            pairs = [(p.step, p.train_accuracy, p.val_accuracy) for p in epochs if p.val_accuracy is not None]
            if pairs:
                steps = [p[0] for p in pairs]
                if all(p[1] is not None for p in pairs):
                    plt.plot(steps, [p[1] for p in pairs], label="train", marker="braille", color="cyan")
                plt.plot(steps, [p[2] for p in pairs], label="val", marker="braille", color="orange")
                plt.scatter(steps, [p[2] for p in pairs], marker="●", color="orange")
            elif epochs:
                plt.title("no accuracy for a regression target (a: show loss)")
        else:
            plt.title("loss (a: show accuracy)")
            xs, ys = decimate(*self.raw.points(), width)
            if xs:
                plt.plot(xs, ys, label="train/step", marker="braille", color="gray")
            sx, sy = decimate(*self.smooth.points(), width)
            if sx:
                plt.plot(sx, sy, label="smoothed", marker="braille", color="cyan")
            if epochs:
                steps = [p.step for p in epochs]
                train = [p.train_loss for p in epochs]
                plt.plot(steps, train, label="train/epoch", marker="braille", color="green")
                val = [p.val_loss for p in epochs]
                plt.plot(steps, val, label="val/epoch", marker="braille", color="orange")
                plt.scatter(steps, [p.val_loss for p in epochs], marker="●", color="orange")
        if not self.has_data:
            plt.title("loss — press s to start training")
        plt.xlabel("step")
