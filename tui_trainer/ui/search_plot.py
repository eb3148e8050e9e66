"""The Runs screen's view of a search: each trial's objective (its best validation loss) over the
trial number, finished trials ● and pruned ones ×, the best so far as a line, the highlighted
run's trial marked ◆ (`KEY` says so beside the plot: a legend would cover the first trials)."""

from __future__ import annotations

from tui_trainer.engine import SearchRecord
from tui_trainer.ui.strip_plot import StripPlot

FINISHED = ("completed", "early_stopped")
# A log axis once the objective spans more than this factor: a few bad trials would flatten the rest.
LOG_SPAN = 20.0
CURRENT = "◆"
KEY = f"plot: ● finished  × pruned  {CURRENT} this run  line: best so far"


class SearchPlot(StripPlot):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.search: SearchRecord | None = None
        self.current: int | None = None

    def show(self, search: SearchRecord | None, current: int | None) -> None:
        self.search, self.current = search, current
        self.refresh()

    def points(self, statuses: tuple[str, ...]) -> tuple[list[int], list[float]]:
        trials = self.search.trials if self.search else []
        pairs = [(t.number, t.value) for t in trials if t.status in statuses and t.value is not None]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def best_so_far(self) -> tuple[list[int], list[float]]:
        xs, ys = self.points(FINISHED)
        best: list[float] = []
        for value in ys:
            best.append(min(value, best[-1]) if best else value)
        return xs, best

    def draw_figure(self, plt) -> None:
        xs, ys = self.points(FINISHED)
        pruned_xs, pruned_ys = self.points(("pruned",))
        if not xs and not pruned_xs:
            plt.title("no trial has a result yet")
            return
        values = ys + pruned_ys
        if min(values) > 0 and max(values) / min(values) > LOG_SPAN:
            plt.yscale("log")
        best_xs, best_ys = self.best_so_far()
        if best_xs:
            plt.plot(best_xs, best_ys, color="green", marker="braille")
        if xs:
            plt.scatter(xs, ys, marker="●", color="cyan")
        if pruned_xs:
            plt.scatter(pruned_xs, pruned_ys, marker="×", color="orange")
        here = [(x, y) for x, y in zip(xs + pruned_xs, values, strict=True) if x == self.current]
        if here:
            plt.scatter([here[0][0]], [here[0][1]], marker=CURRENT, color="red")
        numbers = sorted(xs + pruned_xs)
        step = max(1, (numbers[-1] - numbers[0]) // 8 + 1)
        plt.xticks(list(range(numbers[0], numbers[-1] + 1, step)))
        plt.title("best validation loss per trial")
        plt.xlabel("trial")
