"""The LR finder screen (`L`): the learning-rate range test (`engine.find_lr`) on a copy of the
setup's config, run in a worker thread; progress while it runs, then the smoothed loss against
the learning rate (log x, `lr_plot`, the plot `--find-lr` prints) with both suggestions marked.
`a` or Enter dismisses with the suggested rate (the minimum ÷ 10), which the app puts into the
Optimizer panel's lr field; Esc closes (stopping a test still running). Nothing of the setup or a
run changes: the test builds its own model from the copy and puts every random state back."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import var
from textual.screen import ModalScreen
from textual.widgets import Static

from tui_trainer.engine import TrainConfig, TrainingControl
from tui_trainer.formatting import format_lr
from tui_trainer.lr_plot import lr_finder_plot, suggestion_lines

if TYPE_CHECKING:  # the engine's lr_finder imports torch; the worker imports it when it runs
    from tui_trainer.engine import LRFinderResult

PROGRESS_INTERVAL = 0.1  # seconds: the progress line is redrawn at most 10 times a second
CHROME_ROWS = 9  # the box's border, title, progress, two suggestion lines, the key line, a spare
MAX_PLOT_ROWS = 20
MIN_PLOT_ROWS = 6
APPLY = "apply the suggested learning rate (minimum ÷ 10) to the Optimizer panel"


class LRFinderScreen(ModalScreen[float | None]):
    """Dismisses with the learning rate to use, or None when closed without applying one."""

    BINDINGS = [
        Binding("a", "apply", "Apply", tooltip=APPLY),
        Binding("enter", "apply", "Apply", show=False, tooltip=APPLY),
        Binding("escape", "close", "Close", tooltip="close the LR finder (stops a test still running)"),
    ]
    DEFAULT_CSS = """
    LRFinderScreen { align: center middle; }
    #lr-box { width: 96%; max-width: 120; height: auto; max-height: 100%;
              border: round $accent; background: $surface; padding: 0 1; }
    #lr-title { text-style: bold; }
    #lr-plot { height: auto; }
    #lr-error { color: $error; }
    """

    # what the screen shows: the progress line until the result (or the error) comes
    progress: var[str] = var("loading the data…")
    result: var[LRFinderResult | None] = var(None, always_update=True)
    error: var[str] = var("")

    def __init__(self, config: TrainConfig) -> None:
        super().__init__()
        self.config = config
        self.control = TrainingControl()  # Esc stops the test through it
        self._progress_at = 0.0

    def compose(self):
        with Vertical(id="lr-box"):
            yield Static(
                f"LR finder: {self.config.dataset.name}, lr 1e-07 → 10 on a copy of the model", id="lr-title"
            )
            yield Static(self.progress, id="lr-progress", classes="info")
            yield Static("", id="lr-plot")
            yield Static("", id="lr-suggestions")
            yield Static("", id="lr-error")
            yield Static("a / Enter puts the suggestion in the lr field · Esc closes", classes="info")

    def on_mount(self) -> None:
        self.query_one("#lr-error").display = False
        self.run_range_test()

    def on_unmount(self) -> None:
        self.control.stop()

    # ---- the test, in a worker thread -------------------------------------------------
    def run_range_test(self) -> None:
        self.run_worker(self._range_test, thread=True, group="lr-finder", exit_on_error=False)

    def _range_test(self) -> None:
        from tui_trainer.engine import ConfigError, RangeTestFailed, find_lr

        try:
            result = find_lr(
                self.config,
                on_step=self._step_done,
                control=self.control,
                data_progress=lambda what, done, total: self._report(f"loading {what}… {done}/{total}"),
            )
        except (ConfigError, RangeTestFailed) as exc:
            self._report_error(" ".join(str(exc).split()))
        except Exception as exc:  # anything else is one line too, never a traceback
            self._report_error(f"{type(exc).__name__}: {' '.join(str(exc).split())}")
        else:
            self._call(self._finished, result)

    def _step_done(self, step: int, planned: int, lr: float, loss: float) -> None:
        now = time.monotonic()
        if now - self._progress_at >= PROGRESS_INTERVAL:
            self._progress_at = now
            self._report(f"step {step}/{planned} · lr {format_lr(lr)} · smoothed loss {loss:.4g}")

    def _report(self, text: str) -> None:
        self._call(self._set_progress, text)

    def _report_error(self, text: str) -> None:
        self._call(self._set_error, text)

    def _call(self, callback, *args) -> None:
        with contextlib.suppress(RuntimeError):  # the app closed while the test ran
            self.app.call_from_thread(callback, *args)

    def _set_progress(self, text: str) -> None:
        self.progress = text

    def _set_error(self, text: str) -> None:
        self.error = text

    def _finished(self, result: LRFinderResult) -> None:
        steps = f"{len(result.lrs)} of {result.steps_planned} steps"
        self.progress = f"done: {steps}; ended: {result.stop_reason}"
        self.result = result

    # ---- what is shown ----------------------------------------------------------------
    def watch_progress(self, text: str) -> None:
        if self._composed():
            self.query_one("#lr-progress", Static).update(text)

    def watch_error(self, text: str) -> None:
        if self._composed() and text:
            error = self.query_one("#lr-error", Static)
            error.update(f"the range test failed: {text}")
            error.display = True
            self.progress = "failed"

    def watch_result(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        result = self.result
        if result is None or not self._composed():
            return
        width = max(self.query_one("#lr-box").content_size.width, 30)
        rows = min(MAX_PLOT_ROWS, max(MIN_PLOT_ROWS, self.app.size.height - CHROME_ROWS))
        plot = lr_finder_plot(result, width, rows)
        self.query_one("#lr-plot", Static).update(
            Text.from_ansi(plot.rstrip("\n")) if plot else "no points to plot"
        )
        lines = suggestion_lines(result)
        if result.suggested_lr is None:
            lines.append("no suggestion: the smoothed loss never fell (check the data and loss.name)")
        self.query_one("#lr-suggestions", Static).update("\n".join(lines))

    def _composed(self) -> bool:
        return self.is_attached and bool(self.query("#lr-plot"))

    # ---- keys -------------------------------------------------------------------------
    def action_apply(self) -> None:
        if self.result is None:
            running = "the range test is still running"
            message = "the range test failed: nothing to apply" if self.error else running
            self.notify(message, severity="warning", timeout=3)
        elif self.result.suggested_lr is None:
            self.notify("the range test suggests no learning rate", severity="warning", timeout=3)
        else:
            self.dismiss(self.result.suggested_lr)

    def action_close(self) -> None:
        self.control.stop()
        self.dismiss(None)
