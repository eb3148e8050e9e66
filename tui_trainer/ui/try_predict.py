"""The Try tab's predictions: one at a time off the UI thread, always for the newest input, and
what the result panel shows of them (the top classes as bars, or ŷ).

Each prediction runs on a worker thread of its own (ui/threads.py): the UI thread never runs a
torch kernel, which would keep an OpenMP thread team alive beside the training thread's and slow
training down. Inputs that arrive while a prediction runs replace each other; when it ends the
newest one is predicted next, so a mouse drag costs one prediction at a time, never a queue.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widget import Widget

from tui_trainer.engine import ConfigError
from tui_trainer.formatting import format_number, format_percent

TOP_CLASSES = 5
BAR_WIDTH = 12
MAX_NAME = 12  # cells of a class name beside its bar
BAR_EIGHTHS = " ▏▎▍▌▋▊▉█"


@dataclass
class TryResult:
    """One prediction, as the result panel shows it; `version` names the input it answers."""

    version: int
    predictions: Any = None  # engine Predictions for one input, or None after an error
    error: str | None = None

    @property
    def probabilities(self) -> list[float] | None:
        if self.predictions is None or self.predictions.probabilities is None:
            return None
        return [float(p) for p in self.predictions.probabilities[0]]


def run_prediction(predictor: Any, raw: Any) -> Any:
    """The predictor's Predictions for one raw input: a mapping of cells (a form's row), or a
    nested list of stored values (a canvas image, a point of the map) made a tensor here, on
    the worker thread."""
    if isinstance(raw, list):
        import torch

        raw = torch.tensor(raw, dtype=torch.float32)
    return predictor.predict_raw(raw)


class LatestPrediction:
    """Predicts the newest input with the newest predictor, one prediction at a time."""

    def __init__(self, owner: Widget, show: Callable[[TryResult], None]) -> None:
        self.owner, self.show = owner, show
        self.predictor: Any = None
        self.raw: Any = None
        self.requested = 0  # the version of the newest input (or predictor)
        self.shown = 0  # the version of the result on screen
        self._running = False

    def set_predictor(self, predictor: Any) -> None:
        self.predictor = predictor
        if self.raw is not None:
            self.request(self.raw)

    def request(self, raw: Any) -> None:
        self.raw = raw
        self.requested += 1
        if not self._running and self.predictor is not None:
            self._start()

    @property
    def settled(self) -> bool:
        """The newest input's result is on screen (tests wait for this)."""
        return self.shown == self.requested and not self._running

    def _start(self) -> None:
        self._running = True
        predictor, raw, version = self.predictor, self.raw, self.requested
        app = self.owner.app

        def work() -> None:
            try:
                result = TryResult(version, run_prediction(predictor, raw))
            except ConfigError as exc:  # a form's cell that is not a number, a missing value
                result = TryResult(version, error=str(exc))
            except Exception as exc:  # a bug, not bad input: said on the panel, the app goes on
                result = TryResult(version, error=f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                app.call_from_thread(self._done, result)

        self.owner.run_worker(work, thread=True, group="try-predict", exit_on_error=False)

    def _done(self, result: TryResult) -> None:
        self._running = False
        if result.version != self.requested:
            if self.predictor is not None and self.raw is not None:
                self._start()  # a newer input arrived meanwhile: predict that one
            return
        self.shown = result.version
        self.show(result)


def probability_bar(p: float, width: int = BAR_WIDTH) -> str:
    """A bar of `width` cells filled in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, p)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (BAR_EIGHTHS[part] if part else "")).ljust(width)


def result_text(result: TryResult) -> Text:
    """The result panel: the predicted class with its top classes as bars, or the value ŷ."""
    if result.error is not None:
        return Text(result.error, style="bold red")
    predictions = result.predictions
    text = Text()
    if predictions.probabilities is None:
        text.append("ŷ = ", "bold")
        text.append(f"{format_number(float(predictions.predicted[0]))}\n", "bold green")
    else:
        text.append("predicted ", "bold")
        text.append(f"{predictions.label(0)}\n\n", "bold green")
        top = predictions.top(0, TOP_CLASSES)
        names_width = min(MAX_NAME, max(len(name) for name, _ in top))
        for name, p in top:
            text.append(f"{name[:names_width]:>{names_width}} ")
            text.append(probability_bar(p), "green")
            text.append(f" {format_percent(p, 1):>6}\n")
    for warning in predictions.warnings:
        text.append(f"\n{warning}", "yellow")
    return text
