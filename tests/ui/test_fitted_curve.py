"""The arithmetic of the Try tab's cursor along x (no app)."""

from tui_trainer.ui.fitted_curve import cursor_x, step_at, x_at_column


def test_the_cursor_steps_across_the_range_at_shown_precision_and_clamps():
    assert cursor_x(-1.0, 1.0, 0, steps=100) == -1.0
    assert cursor_x(-1.0, 1.0, 100, steps=100) == 1.0
    assert cursor_x(-1.0, 1.0, 150, steps=100) == 1.0
    assert cursor_x(0.0, 1.0, 1, steps=3) == 0.3333  # four significant digits, as shown
    assert step_at(-1.0, 1.0, 0.0, steps=100) == 50
    assert step_at(-1.0, 1.0, 5.0, steps=100) == 100
    assert step_at(2.0, 2.0, 5.0) == 0  # one x: one position


def test_a_column_of_the_canvas_is_an_x_on_its_axis():
    assert x_at_column(10, 10, 11, 0.0, 10.0) == 0.0
    assert x_at_column(20, 10, 11, 0.0, 10.0) == 10.0
    assert x_at_column(15, 10, 11, 0.0, 10.0) == 5.0
