"""The plots' axes: round ticks on the rows they name, and a diverged loss's axis cut below it."""

import math

import pytest

from tui_trainer.formatting import format_ticks
from tui_trainer.ui.plot_axes import clip_top, row_axis, span_axis
from tui_trainer.ui.strip_plot import LegendEntry, legend_lines


def plotext_row(value: float, low: float, high: float, rows: int) -> int:
    """The canvas row plotext draws `value` on (plotext._utility.get_matrix_data)."""
    return math.floor(round(0.5 + (rows - 1) * (value - low) / (high - low), 8))


@pytest.mark.parametrize("rows", [1, 2, 3, 6, 7, 10, 13, 25, 40])
@pytest.mark.parametrize(("low", "high"), [(0.01, 2.28), (0.3, 0.97), (-0.2, 1.0), (5.0, 5.0), (1e3, 4.5e3)])
def test_each_tick_labels_its_own_row_and_the_data_fits(rows, low, high):
    axis = row_axis(low, high, rows)
    assert axis.low <= low and axis.high >= high
    if rows == 1:
        return
    pitch = (axis.high - axis.low) / (rows - 1)
    steps = {round(b - a, 9) for a, b in zip(axis.ticks, axis.ticks[1:], strict=False)}
    assert len(steps) == 1  # evenly spaced, at a round step
    for tick in axis.ticks:
        row = plotext_row(tick, axis.low, axis.high, rows)
        assert abs(axis.low + row * pitch - tick) < pitch * 1e-6  # the row's value is the label's
    shown = [plotext_row(t, axis.low, axis.high, rows) for t in axis.ticks]
    assert len(set(shown)) == len(shown)  # no two labels on one row
    assert 2 <= len(axis.ticks) <= 10


@pytest.mark.parametrize("rows", [3, 6, 10, 25])
def test_an_accuracy_axis_stops_at_one(rows):
    axis = row_axis(0.31, 0.97, rows, most=1.0)
    assert axis.low <= 0.31 and 0.97 <= axis.high <= 1.0


def test_integer_axes_have_whole_ticks_and_span_the_data():
    axis = span_axis(1, 200, 40, integer=True)
    assert (axis.low, axis.high) == (1, 200)
    assert all(t == int(t) and 1 <= t <= 200 for t in axis.ticks) and len(axis.ticks) >= 2
    assert 3 in span_axis(3, 3, 40, integer=True).ticks  # one epoch: an axis around it


def test_tick_labels_are_short_and_tell_ticks_apart():
    assert format_ticks([0.0, 0.5, 1.0, 1.5]) == ["0.0", "0.5", "1.0", "1.5"]
    assert format_ticks([-0.2, 1e-17, 0.2]) == ["-0.2", "0.0", "0.2"]
    assert format_ticks([50.0, 100.0, 150.0]) == ["50", "100", "150"]
    huge = format_ticks([1e15, 2e15, 3e15])  # a diverged loss's axis: no 16-digit labels
    assert len(set(huge)) == 3 and max(map(len, huge)) <= 6


def test_only_a_divergence_clips_the_axis():
    falling = [2.3 * 0.9**i for i in range(200)]  # a loss falling over 9 orders of magnitude
    per_epoch = falling[19::20]  # each epoch's mean, the first already far below the first step
    assert clip_top([falling, per_epoch]) is None
    steps = [0.7, 3.0, 34.0, 3e4, 4e21]  # diverged within a few steps
    smoothed = [0.7, 1.0, 4.3, 3e3, 4e20]
    epochs = [1e10]  # the epoch's mean: huge from its start
    assert clip_top([steps, smoothed, epochs]) == 34.0


def test_the_legend_shortens_its_labels_then_wraps_to_fit():
    entries = [
        LegendEntry("━", "gray", "train loss per step", "step"),
        LegendEntry("●", "orange", "val loss", "val"),
    ]
    assert [e.label for e in legend_lines(entries, 80)[0]] == ["train loss per step", "val loss"]
    assert [e.label for e in legend_lines(entries, 20)[0]] == ["step", "val"]
    lines = legend_lines(entries, 6)
    assert [[e.label for e in line] for line in lines] == [["step"], ["val"]]
