"""The Runs screen's plot: the per-epoch loss curves of several runs overlaid, one colour per run."""

from __future__ import annotations

from tui_trainer.engine import RunCurves
from tui_trainer.ui.strip_plot import StripPlot

COLORS = ("cyan", "orange", "green", "magenta", "red", "blue", "yellow", "white")


def _points(epochs: list[int], values: list[float | None]) -> tuple[list[int], list[float]]:
    pairs = [(e, v) for e, v in zip(epochs, values, strict=True) if v is not None]
    return [p[0] for p in pairs], [p[1] for p in pairs]


class ComparePlot(StripPlot):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.runs: list[tuple[str, RunCurves]] = []
        self.hint = ""

    def show(self, runs: list[tuple[str, RunCurves]], hint: str = "") -> None:
        self.runs = runs
        self.hint = hint
        self.refresh()

    @property
    def labels(self) -> list[str]:
        """The legend entries, in drawing order."""
        out = []
        for label, curves in self.runs:
            if any(v is not None for v in curves.train_loss):
                out.append(f"{label} train")
            if any(v is not None for v in curves.val_loss):
                out.append(f"{label} val")
        return out

    def draw_figure(self, plt) -> None:
        drawn = False
        for i, (label, curves) in enumerate(self.runs):
            color = COLORS[i % len(COLORS)]
            # Train first, so the validation curve (the one to compare) is drawn on top.
            xs, ys = _points(curves.epochs, curves.train_loss)
            if xs:
                plt.plot(xs, ys, label=f"{label} train", marker="dot", color=color)
                drawn = True
            xs, ys = _points(curves.epochs, curves.val_loss)
            if xs:
                plt.plot(xs, ys, label=f"{label} val", marker="braille", color=color)
                plt.scatter(xs, ys, marker="●", color=color)
                drawn = True
        title = "loss per epoch: val ● and train ·" if drawn else "no finished epochs to plot"
        plt.title(f"{title} — {self.hint}" if self.hint else title)
        plt.xlabel("epoch")
