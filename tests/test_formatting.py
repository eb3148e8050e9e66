"""The numbers people read, written one way by --batch, the sweep and the app."""

from tui_trainer.formatting import (
    compact_rate,
    format_clock,
    format_duration,
    format_loss,
    format_number,
    format_percent,
    format_rate,
)


def test_percentages_losses_and_missing_values():
    assert format_percent(0.97314) == "97.31%"
    assert format_percent(0.97314, 0) == "97%"
    assert format_percent(None) == format_loss(None) == format_number(None) == "-"
    assert format_loss(0.123456) == "0.1235"
    assert format_number(12345.678) == "1.235e+04"


def test_durations_and_clock_times():
    assert format_duration(12.34) == "12.3s"
    assert format_duration(125) == "2:05"
    assert format_duration(3725.9) == "1:02:05"
    assert format_clock(59.9) == "0:59"
    assert format_clock(None) == format_duration(None) == "-"


def test_rates():
    assert format_rate(12345.4) == "12,345 samples/s"
    assert (compact_rate(950), compact_rate(12_400), compact_rate(1_250_000)) == ("950", "12k", "1.2M")
