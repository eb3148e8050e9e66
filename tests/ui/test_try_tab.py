"""The Try tab driven as a user drives it (keys and mouse): what it predicts equals the saved
model's prediction on the same input, read independently from the run directory's model.pt."""

from __future__ import annotations

import re

import pytest
import torch
from textual.widgets import Static

from tests.predict.predict_data import write_fruit_csv
from tests.ui.conftest import train_to_the_end, wait_for
from tui_trainer.engine import Predictor, TrainConfig
from tui_trainer.formatting import format_number
from tui_trainer.ui.app import TrainerApp
from tui_trainer.ui.setup import SetupColumn
from tui_trainer.ui.try_canvas import DrawingCanvas
from tui_trainer.ui.try_curve import FittedCurveCursor
from tui_trainer.ui.try_form import RowForm
from tui_trainer.ui.try_map import BoundaryCursor
from tui_trainer.ui.try_view import TryPane


async def open_try_tab(pilot, mode: str) -> TryPane:
    await pilot.press("y")
    pane = pilot.app.query_one(TryPane)
    await wait_for(pilot, lambda: pane.mode == mode and pane.result is not None, what=f"the Try {mode}")
    return pane


async def settled(pilot, pane: TryPane) -> None:
    await wait_for(pilot, lambda: pane.predictions.settled, what="the prediction of the newest input")


def saved_probabilities(app, raw) -> torch.Tensor:
    predictor = Predictor.load(app.view.finished.run_dir)
    return predictor.predict_raw(raw).probabilities[0]


@pytest.mark.slow  # about a hundred keys and a few mouse strokes
async def test_a_digit_drawn_pixel_by_pixel_and_by_mouse_is_predicted_as_the_model_predicts_it(tmp_path):
    config = TrainConfig()  # digits, 8×8 with pixel values 0..16
    config.train.output_dir = str(tmp_path / "runs")
    config.train.epochs = 1
    config.train.device = "cpu"
    app = TrainerApp(config)
    async with app.run_test(size=(110, 34)) as pilot:
        await train_to_the_end(pilot, "digits")
        pane = await open_try_tab(pilot, "canvas")
        canvas = app.query_one(DrawingCanvas)
        assert app.focused is canvas
        sample = app.view.last_eval.samples[0].input
        known = torch.where(sample > 8, 16.0, 0.0)  # the canvas paints full ink or nothing

        await pilot.press("delete", *["up"] * 8, *["left"] * 8)
        assert canvas.cursor == (0, 0)
        await pilot.press(*snake_keys(known[0].tolist()))
        await settled(pilot, pane)
        assert torch.equal(torch.tensor(canvas.image), known)
        expected = saved_probabilities(app, known)
        assert torch.allclose(torch.tensor(pane.result.probabilities), expected, atol=1e-6)
        assert pane.result.predictions.label(0) == config_class(app, int(expected.argmax()))

        # The mouse: a drag paints the pixels it crosses, the right button erases one.
        await pilot.press("delete")
        scale = canvas.scale
        await pilot.mouse_down(canvas, offset=(0, 0))
        await pilot.hover(canvas, offset=(3 * scale, 0))
        await pilot.mouse_up(canvas, offset=(3 * scale, 0))
        await pilot.mouse_down(canvas, offset=(scale, 0), button=3)
        await pilot.mouse_up(canvas, offset=(scale, 0))
        await settled(pilot, pane)
        drawn = torch.tensor(canvas.image)
        assert drawn[0, 0, :5].tolist() == [16.0, 0.0, 16.0, 16.0, 0.0]
        assert drawn[0, 2:].sum() == 0  # one mouse row covers pixel rows 0 and (at scale 1) 1 only
        assert torch.allclose(
            torch.tensor(pane.result.probabilities), saved_probabilities(app, drawn), atol=1e-6
        )

        # A test image to start from, then a larger brush paints 2×2.
        await pilot.press("n")
        await settled(pilot, pane)
        assert any(
            torch.equal(torch.tensor(canvas.image), s.input.float()) for s in app.view.last_eval.samples
        )
        await pilot.press("delete", "right_square_bracket", "space")
        assert int((torch.tensor(canvas.image) > 0).sum()) == 4


def snake_keys(pixels: list[list[float]]) -> list[str]:
    """Keys that paint the lit pixels, row by row from the top-left corner, left to right on even
    rows and back on odd ones."""
    keys = []
    for r, row in enumerate(pixels):
        cols = range(len(row)) if r % 2 == 0 else reversed(range(len(row)))
        step = "right" if r % 2 == 0 else "left"
        for i, c in enumerate(cols):
            keys += (["space"] if row[c] else []) + ([step] if i < len(row) - 1 else [])
        keys.append("down")
    return keys


def config_class(app, index: int) -> str:
    return app.view.started.meta.class_names[index]


async def test_the_map_cursor_shows_the_models_probabilities_at_its_point(make_config):
    app = TrainerApp(make_config(epochs=3))  # moons
    async with app.run_test(size=(110, 34)) as pilot:
        await pilot.press("y")  # open while it trains: each epoch's weights come in
        await train_to_the_end(pilot, "moons")
        pane = await open_try_tab(pilot, "map")
        await wait_for(pilot, lambda: pane.epoch == 2, what="the last epoch's weights")
        cursor = app.query_one(BoundaryCursor)
        start = cursor.cursor
        await pilot.press("right", "right", "down", "shift+left")
        assert cursor.cursor == (start[0] + 1, start[1] - 3)
        await settled(pilot, pane)
        expected = saved_probabilities(app, torch.tensor([cursor.point]))
        assert torch.allclose(torch.tensor(pane.result.probabilities), expected, atol=1e-6)

        await pilot.click(cursor, offset=(2, 1))
        assert cursor.cursor == (1, 2)
        await settled(pilot, pane)
        x, y = cursor.point
        boundary = app.view.last_eval.boundary
        assert boundary.x_range[0] < x < boundary.x_range[1] and boundary.y_range[0] < y < boundary.y_range[1]
        expected = saved_probabilities(app, torch.tensor([[x, y]]))
        assert torch.allclose(torch.tensor(pane.result.probabilities), expected, atol=1e-6)


@pytest.mark.slow  # a CSV run, then typing in the fields
async def test_the_form_predicts_a_test_row_and_an_edited_one_as_the_model_does(make_config, tmp_path):
    path = write_fruit_csv(tmp_path / "fruit.csv")
    app = TrainerApp(make_config(epochs=2, dataset__name=f"csv:{path}", dataset__target="fruit"))
    async with app.run_test(size=(110, 34)) as pilot:
        await wait_for(
            pilot, lambda: app.query_one(SetupColumn).meta is not None, what="the table's metadata"
        )
        await pilot.press("s")
        await wait_for(pilot, lambda: app.view.finished is not None, what="the run")
        pane = await open_try_tab(pilot, "form")
        form = app.query_one(RowForm)
        await settled(pilot, pane)
        row = form.row()
        assert list(row) == ["size", "weight", "colour"] and row["weight"]
        expected = saved_probabilities(app, row)
        assert torch.allclose(torch.tensor(pane.result.probabilities), expected, atol=1e-6)

        await pilot.press("n")  # another sample row
        await settled(pilot, pane)
        assert torch.allclose(
            torch.tensor(pane.result.probabilities), saved_probabilities(app, form.row()), atol=1e-6
        )

        await pilot.press("tab", "tab", "end", "x")  # the weight field: a word in a numeric column
        await settled(pilot, pane)
        assert pane.result.error is not None and "weight" in pane.result.error
        await pilot.press("ctrl+u", *"5", "tab", "ctrl+u", *"green")  # `n` types in a field
        await settled(pilot, pane)
        assert form.row()["weight"] == "5" and form.row()["colour"] == "green"
        assert pane.result.predictions.warnings == []
        await pilot.press("ctrl+u", *"purple")
        await settled(pilot, pane)
        row = form.row()
        assert any("never saw" in warning for warning in pane.result.predictions.warnings)
        assert torch.allclose(
            torch.tensor(pane.result.probabilities), saved_probabilities(app, row), atol=1e-6
        )


async def test_a_1d_regression_curve_gives_y_hat_at_the_cursor_x(make_config):
    app = TrainerApp(make_config(epochs=2, dataset__name="linear", loss__name="mse"))
    async with app.run_test(size=(110, 34)) as pilot:
        await train_to_the_end(pilot, "linear")
        pane = await open_try_tab(pilot, "curve")
        curve = app.query_one(FittedCurveCursor)
        start = curve.x
        await pilot.press("right", "right", "right")
        await settled(pilot, pane)
        assert curve.x is not None and curve.x > start
        shown = str(app.query_one("#try-result", Static).render())
        match = re.search(r"x = (\S+)\s+ŷ = (\S+)", shown)
        assert match, shown
        x, y_hat = float(match[1]), match[2]
        predictor = Predictor.load(app.view.finished.run_dir)
        assert y_hat == format_number(float(predictor.predict_raw({"x": repr(x)}).predicted[0]))
        assert any(line.strip() for line in curve.text_lines())
