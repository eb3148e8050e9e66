"""The Try tab: ask the model about inputs of your own, during training and after it.

Its model is the one of the latest evaluation: the app asks the run for a `ModelSnapshot` after
each epoch (TrainingControl.request_model_snapshots) and the tab builds a `Predictor` from it on a
worker thread. What it shows depends on the data: image sets get a drawing canvas at the set's
resolution (try_canvas.py), 2-D toys a cursor over the decision-boundary map (try_map.py), 1-D
regression the fitted curve ŷ(x) with a cursor along x (try_curve.py), and tables a form of their
columns (try_form.py). Beside each, the prediction for
what is there now (try_predict.py). `n` starts from a sample of the latest evaluation (the
validation split while training, the test split at the end).
"""

from __future__ import annotations

import contextlib
import random
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from tui_trainer.ui.fitted_curve import curve_grid, curve_range
from tui_trainer.ui.try_canvas import DrawingCanvas
from tui_trainer.ui.try_curve import FittedCurveCursor
from tui_trainer.ui.try_form import RowForm
from tui_trainer.ui.try_map import BoundaryCursor
from tui_trainer.ui.try_predict import LatestPrediction, TryResult, result_text

RESULT_WIDTH = 34  # cells of the result panel's text
WAITING = "Nothing to try yet: the model of each evaluation appears here after the run's first epoch."
HINTS = {  # the lines beside the result, at most 34 cells each (the map's: above it)
    "canvas": "drag paints · right button erases\narrows move · space paints\n"
    "x erases · [ ] brush · del clears\nn a test image · esc leaves",
    "map": "arrows (shift: 5 cells) or the mouse move the cursor · n a sample's point · esc leaves",
    "curve": "← → (shift: 10 steps) or a click move the cursor along x · n a sample's x · esc leaves",
    "form": "type in the fields · Tab moves\nn another sample row\nesc leaves a field",
}


class TryPane(Vertical):
    DEFAULT_CSS = """
    TryPane { height: 1fr; }
    TryPane #try-status { height: auto; color: $text-muted; }
    TryPane #try-body { height: 1fr; }
    TryPane #try-body.-stacked { layout: vertical; }
    TryPane #try-side { width: 36; height: auto; padding: 0 1; }  /* RESULT_WIDTH + padding */
    TryPane #try-keys { color: $text-muted; margin: 1 0 0 0; }
    """
    # Not in the footer: at 80 columns it pushed "q Quit" off; the tab's own hint line names `n`.
    BINDINGS = [
        Binding(
            "n", "sample", "Sample", show=False, tooltip="Try: start from a sample of the latest evaluation"
        )
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mode: str | None = None  # "canvas", "map", "curve" or "form" once a model has arrived
        self.predictions = LatestPrediction(self, self._show_result)
        self.result: TryResult | None = None
        self.epoch: int | None = None  # the epoch whose weights predict (0-based)
        self.samples: list[Any] = []  # the latest evaluation's SamplePredictions
        self.split = ""
        self._next_sample = 0
        self._boundary = None
        self._points: tuple[tuple[list[float], list[float]], str] | None = (
            None  # 1-D regression: ((x, y), split)
        )
        self._x_ranges: list[tuple[float, float]] = []  # 1-D regression: the x range of each split seen
        self._building = 0  # the version of the newest snapshot handed to a worker
        self._pending = None  # the newest ModelSnapshot, kept while the tab is hidden
        self._result_rows = 0  # the height of the result panel's text
        self._focus_wanted = False  # `y` was pressed before the first model came

    def compose(self) -> ComposeResult:
        yield Static(WAITING, id="try-status")
        with Horizontal(id="try-body"):
            yield DrawingCanvas(id="try-canvas")
            yield BoundaryCursor(id="try-map")
            yield FittedCurveCursor(id="try-curve")
            yield RowForm(id="try-form")
            with Vertical(id="try-side"):
                yield Static("", id="try-result")
                yield Static("", id="try-keys")

    def on_mount(self) -> None:
        self._show_mode()

    @property
    def predictor(self) -> Any:
        return self.predictions.predictor

    def reset(self) -> None:
        """A new run: nothing to predict with until its first evaluation."""
        self.predictions.predictor = self.predictions.raw = None
        self.mode = None
        self._show_mode()
        self.epoch, self.samples, self._boundary, self._pending = None, [], None, None
        self._points, self._x_ranges = None, []
        self._building += 1
        self.query_one("#try-status", Static).update(WAITING)

    # ---- what the run sends -----------------------------------------------------------------
    def offer_snapshot(self, snapshot) -> None:
        """New weights: used at once while the tab is shown, else when it is (building a model
        takes UI-side work that training would wait for, and nobody would see it)."""
        scheduled = self._pending is not None
        self._pending = snapshot
        if not scheduled and self.parent is not None and self.parent.display:  # the tab is shown
            self.call_later(self.shown, None)  # once for all the epochs one drain brings

    def shown(self, evaluation: tuple[Any, Any] | None) -> None:
        """The tab is being shown: take the newest weights and evaluation it has not had."""
        if self._pending is not None:
            self.show_snapshot(self._pending)
            self._pending = None
        if evaluation is not None:
            self.show_evaluation(*evaluation)

    def show_snapshot(self, snapshot) -> None:
        """Predict with these weights from now on; the model is built off the UI thread."""
        self._building += 1
        version, app, epoch = self._building, self.app, snapshot.epoch

        def build() -> None:
            from tui_trainer.engine import Predictor

            predictor = Predictor.from_snapshot(snapshot)
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                app.call_from_thread(self.call_later, self._predictor_built, version, predictor, epoch)

        self.run_worker(build, thread=True, group="try-build", exit_on_error=False)

    def show_evaluation(self, evaluation, meta) -> None:
        """The latest evaluation's samples (what `n` starts from) and decision-boundary map."""
        first = not self.samples
        self.samples, self.split = list(evaluation.samples), evaluation.split
        if evaluation.boundary is not None:
            self._boundary = evaluation.boundary
            if self.mode == "map":
                self.query_one(BoundaryCursor).show(self._boundary)
        if (pairs := evaluation.regression) is not None and pairs.inputs is not None and len(pairs.inputs):
            self._points = ((pairs.inputs.tolist(), pairs.targets.tolist()), evaluation.split)
            x_range = (float(pairs.inputs.min()), float(pairs.inputs.max()))
            wider = curve_range([*self._x_ranges, x_range]) != self._curve_range()
            self._x_ranges.append(x_range)
            if self.mode == "curve":
                self.query_one(FittedCurveCursor).show_points(*self._points)
                if wider:
                    self._fit_curve()
        if first and self.mode == "form":
            self.action_sample()
        self._status()

    async def _predictor_built(self, version: int, predictor, epoch: int) -> None:
        if version != self._building:
            return  # a newer snapshot (or a new run) came meanwhile
        changed = await self._set_mode(predictor)
        self.epoch = epoch
        self.predictions.set_predictor(predictor)  # the input shown now, predicted again
        if self.mode == "curve":
            self._fit_curve()
        if changed:  # a new kind of input: start from a sample (a form) or the drawing
            if self.mode == "form" and self.samples:
                self.action_sample()
            elif self.mode == "canvas":
                self.predictions.request(self.query_one(DrawingCanvas).copy())
        self._status()

    async def _set_mode(self, predictor) -> bool:
        """Show the input that fits the run's data; True when it is not the one shown before."""
        prep, meta, new_columns = predictor.preprocessing, predictor.meta, False
        if prep.image is not None:
            mode, image = "canvas", prep.image
            shape = (image.channels, image.height, image.width)
            self.query_one(DrawingCanvas).set_format(*shape, image.pixel_max)
        elif meta.task == "classification" and tuple(meta.input_shape) == (2,):
            mode = "map"
            # Under the map: the point, the predicted class and a bar per class (five at most).
            self.query_one(BoundaryCursor).reserved_lines = 4 + min(5, len(meta.class_names))
            if self._boundary is not None:
                self.query_one(BoundaryCursor).show(self._boundary)
        elif self._one_number(predictor):
            mode = "curve"
            if self._points is not None:
                self.query_one(FittedCurveCursor).show_points(*self._points)
        else:
            mode = "form"
            assert prep.table is not None  # not images: a table
            columns = [(column.name, list(column.categories)) for column in prep.table.columns]
            new_columns = await self.query_one(RowForm).set_columns(columns)
        if mode == self.mode and not (mode == "form" and new_columns):
            return False
        self.mode = mode
        self._show_mode()
        if self._focus_wanted:
            self.call_after_refresh(self.focus_input)
        return True

    @staticmethod
    def _one_number(predictor) -> bool:
        """A regression on one numeric input (a 1-D toy, a CSV of one number column): a curve."""
        meta, table = predictor.meta, predictor.preprocessing.table
        if meta.task != "regression" or tuple(meta.input_shape) != (1,):
            return False
        return table is None or (len(table.columns) == 1 and not table.columns[0].categories)

    def _curve_range(self) -> tuple[float, float] | None:
        return curve_range(self._x_ranges) if self._x_ranges else None

    def _fit_curve(self) -> None:
        """The model's ŷ over the x range of the splits seen, predicted off the UI thread."""
        x_range, predictor, app = self._curve_range(), self.predictor, self.app
        if x_range is None or predictor is None:
            return
        xs = curve_grid(*x_range)

        def fit() -> None:
            import torch

            table = predictor.preprocessing.table
            raw = (
                torch.tensor([[x] for x in xs])
                if table is None
                else [{table.columns[0].name: repr(x)} for x in xs]
            )
            ys = [float(y) for y in predictor.predict_raw(raw).predicted]
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                app.call_from_thread(self._fitted, predictor, x_range, (xs, ys))

        self.run_worker(fit, thread=True, group="try-fit", exclusive=True, exit_on_error=False)

    def _fitted(self, predictor, x_range: tuple[float, float], fit: tuple[list[float], list[float]]) -> None:
        # Else newer weights or a wider range came meanwhile (their curve is on its way).
        if predictor is self.predictor and x_range == self._curve_range() and self.mode == "curve":
            self.query_one(FittedCurveCursor).show_fit(x_range, fit)

    def _curve_input(self, x: float) -> Any:
        """The model's input at x, as the form would give it (a row of the table's one column)."""
        table = self.predictor.preprocessing.table if self.predictor is not None else None
        return [[x]] if table is None else {table.columns[0].name: repr(x)}

    def _show_mode(self) -> None:
        self.query_one(DrawingCanvas).display = self.mode == "canvas"
        self.query_one(BoundaryCursor).display = self.mode == "map"
        self.query_one(FittedCurveCursor).display = self.mode == "curve"
        self.query_one(RowForm).display = self.mode == "form"
        self.query_one("#try-side").display = self.mode is not None
        # The map and the curve are drawn as wide as the pane with the result under them; the
        # rest beside theirs.
        wide = self.mode in ("map", "curve")
        self.query_one("#try-body").set_class(wide, "-stacked")
        self.query_one("#try-keys", Static).display = not wide
        self.query_one("#try-keys", Static).update(HINTS.get(self.mode or "", ""))

    def _status(self) -> None:
        if self.epoch is None or self.mode is None:
            return
        samples = f" · n: one of {len(self.samples)} {self.split} samples" if self.samples else ""
        text = Text(f"weights of epoch {self.epoch + 1}{samples}", "bold")
        if self.mode in ("map", "curve"):  # the plot takes the width: its keys go up here
            text.append(f"\n{HINTS[self.mode]}", "dim")
        self.query_one("#try-status", Static).update(text)

    def focus_input(self) -> None:
        """Give the keys to the tab's input (the `y` key does this)."""
        widget = {
            "canvas": DrawingCanvas,
            "map": BoundaryCursor,
            "curve": FittedCurveCursor,
            "form": RowForm,
        }.get(self.mode or "")
        self._focus_wanted = widget is None
        if widget is not None:
            self.query_one(widget).focus()

    # ---- inputs ---------------------------------------------------------------------------
    def action_sample(self) -> None:
        if not self.samples or self.predictor is None:
            self.notify("No samples yet: they come with the first evaluation.", severity="warning", timeout=3)
            return
        if self.mode == "canvas":
            sample = random.choice(self.samples)
            self.query_one(DrawingCanvas).load(sample.input.float().tolist())
            return
        sample = self.samples[self._next_sample % len(self.samples)]
        self._next_sample += 1
        if self.mode == "form":
            self.query_one(RowForm).fill(self.predictor.preprocessing.table_row(sample.input))
        elif self.mode == "map":
            self.query_one(BoundaryCursor).go_to(*sample.input.tolist())
        elif self.mode == "curve":  # the sample's x as the form would show it (a table's cell)
            prep = self.predictor.preprocessing
            x = (
                sample.input.reshape(-1)[0]
                if prep.table is None
                else prep.table_row(sample.input)[prep.table.columns[0].name]
            )
            with contextlib.suppress(ValueError):  # an empty cell (a missing value): nowhere to go
                self.query_one(FittedCurveCursor).go_to(float(x))

    @on(DrawingCanvas.Changed)
    def drawn(self, message: DrawingCanvas.Changed) -> None:
        self.predictions.request(message.image)

    @on(BoundaryCursor.Moved)
    def moved(self, message: BoundaryCursor.Moved) -> None:
        self.predictions.request([list(message.point)])

    @on(FittedCurveCursor.Moved)
    def moved_along_x(self, message: FittedCurveCursor.Moved) -> None:
        self.predictions.request(self._curve_input(message.x))

    @on(RowForm.Changed)
    def edited(self, message: RowForm.Changed) -> None:
        self.predictions.request(message.row)

    def _show_result(self, result: TryResult) -> None:
        self.result = result
        text = result_text(result)
        if self.mode == "map" and (point := self.query_one(BoundaryCursor).point) is not None:
            text = Text(f"at x1={point[0]:.3g}, x2={point[1]:.3g}\n", "dim") + text
        if self.mode == "curve" and (x := self.query_one(FittedCurveCursor).x) is not None:
            text = Text(f"x = {x:.4g}  ", "bold") + text
        # A layout pass redoes the whole screen (tens of milliseconds, longer than the prediction):
        # only when the panel's height changes.
        rows = len(text.wrap(self.app.console, RESULT_WIDTH))
        self.query_one("#try-result", Static).update(text, layout=rows != self._result_rows)
        self._result_rows = rows

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        event.stop()
        if event.state == WorkerState.ERROR:  # a bug, not bad input: say so, keep what is shown
            error = event.worker.error
            self.notify(f"{type(error).__name__}: {error}", title="Try tab", severity="error")
