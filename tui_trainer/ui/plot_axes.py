"""Axis limits and ticks for the plots: round numbers, each label on the row it names.

plotext puts a tick at canvas row `floor(0.5 + (rows - 1) * (v - low) / (high - low))`, so left to
itself (ticks evenly spread over the data's range) two ticks can share a row at small heights and
labels then name rows up to half a step away from their own. Here the y axis is chosen the other
way round: a round step, a whole number of rows per tick, and limits that make each tick's value
exactly the value of its row. A diverged run's loss would squeeze everything else into the
bottom row, so the axis can be cut below it (`clip_top`) and the values above marked.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

NICE_MANTISSAS = (1.0, 2.0, 2.5, 5.0)
CLIP_RATIO = 100.0  # values this many times a loss's start are a divergence, not a curve to show


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    ticks: list[float]


def finite(values: list[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def nice_steps(at_least: float):
    """Round steps (1, 2, 2.5, 5 × 10^k) from the smallest that is at least `at_least`."""
    exponent = math.floor(math.log10(at_least)) if at_least > 0 else 0
    while True:
        for mantissa in NICE_MANTISSAS:
            step = mantissa * 10.0**exponent
            if step >= at_least * (1 - 1e-9):
                yield step
        exponent += 1


def _padded(low: float, high: float) -> tuple[float, float]:
    if high > low:
        return low, high
    pad = abs(low) * 0.5 or 1.0  # one value: an axis around it
    return low - pad, high + pad


def row_axis(low: float, high: float, rows: int, most: float | None = None) -> Axis:
    """Limits and ticks for a y axis of `rows` canvas rows covering [low, high], not above `most`
    where it can (an accuracy's 1.0).

    Ticks sit every `every` rows from the bottom at multiples of a round step, and the limits are
    set so that row r has the value low + r × step / every: each label names its own row. Of the
    spacings that leave at least one unlabelled row between labels (a label on every row of a
    short plot) and give at most about nine labels, the one whose axis the data fills best wins
    (with a handicap for only two labels).
    """
    low, high = _padded(low, high)
    intervals = rows - 1
    if intervals < 1:
        return Axis(low, high, [low])
    best: tuple[float, Axis] | None = None
    for every in range(1 if rows <= 8 else max(2, rows // 8), intervals + 1):
        raw = (high - low) * every / intervals
        for step in itertools.islice(nice_steps(raw), 8):
            span = step / every * intervals
            base = _multiple_below(low, step)
            if most is not None and base + span > most >= high:
                base = _multiple_below(most - span, step)  # as high as fits under `most`
            if base <= low and base + span >= high - abs(high) * 1e-12:
                break
        else:
            continue  # no round step of this spacing fits
        ticks = [base + i * step for i in range(intervals // every + 1)]
        fill = (high - low) / span
        score = fill if len(ticks) >= 3 else fill * 0.8  # two labels say little about the scale
        if best is None or score > best[0] + 1e-9:
            best = (score, Axis(base, base + span, ticks))
        if intervals // every < 2:
            break  # fewer than three labels from here on
    # No round step fits (two rows around zero): label the data's own ends, each on its row.
    return best[1] if best is not None else Axis(low, high, [low, high])


def _multiple_below(value: float, step: float) -> float:
    """The largest multiple of `step` not above `value` (a value a hair under a multiple counts as it)."""
    base = math.floor(value / step) * step
    return base + step if value - base >= step * (1 - 1e-9) else base


def span_axis(low: float, high: float, columns: int, integer: bool = False) -> Axis:
    """An x axis over exactly [low, high] with round ticks about every 10 columns."""
    low, high = _padded(low, high)
    wanted = max(2, columns // 10)
    raw = (high - low) / wanted
    step = next(nice_steps(max(raw, 1.0) if integer else raw))
    first = math.ceil(low / step - 1e-9) * step
    count = int((high - first) / step + 1e-9) + 1
    return Axis(low, high, [first + i * step for i in range(count)])


def clip_top(curves: list[list[float]]) -> float | None:
    """Where to cut the y axis of a diverged loss, or None when nothing needs cutting.

    A loss starts near its largest healthy value, so the lowest of the curves' first values sets
    the scale (a run can diverge within a few steps): values over CLIP_RATIO times it are a
    divergence, and the axis stops at the largest value under that.
    """
    starts = [curve[0] for curve in curves if curve and math.isfinite(curve[0])]
    if not starts or min(starts) <= 0:
        return None
    limit = min(starts) * CLIP_RATIO
    values = [v for curve in curves for v in curve if math.isfinite(v)]
    if max(values) <= limit:
        return None
    return max(v for v in values if v <= limit)
