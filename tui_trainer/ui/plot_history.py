"""Bounded loss history for the live plot: memory and redraw cost stay flat however long a run is.

`StepHistory` keeps at most `capacity` points. When full, neighbouring points are averaged in
pairs and later points are averaged into buckets twice as wide, so the history always spans the
whole run at a resolution that halves as it grows. `decimate` then reduces it to about one point
per plot column.
"""

from __future__ import annotations


class StepHistory:
    def __init__(self, capacity: int = 2048) -> None:
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.capacity = capacity
        self._reset()

    def _reset(self) -> None:
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.span = 1  # raw points per stored point
        self._pending_x = 0.0
        self._pending_y = 0.0
        self._pending_n = 0
        self.count = 0  # raw points ever added

    def add(self, x: float, y: float) -> None:
        self.count += 1
        self._pending_x += x
        self._pending_y += y
        self._pending_n += 1
        if self._pending_n < self.span:
            return
        self.xs.append(self._pending_x / self._pending_n)
        self.ys.append(self._pending_y / self._pending_n)
        self._pending_x = self._pending_y = 0.0
        self._pending_n = 0
        if len(self.xs) > self.capacity:
            self._compact()

    def _compact(self) -> None:
        n = len(self.xs) // 2 * 2
        xs = [(self.xs[i] + self.xs[i + 1]) / 2 for i in range(0, n, 2)]
        ys = [(self.ys[i] + self.ys[i + 1]) / 2 for i in range(0, n, 2)]
        if len(self.xs) > n:  # an odd leftover stays as it is
            xs.append(self.xs[-1])
            ys.append(self.ys[-1])
        self.xs, self.ys = xs, ys
        self.span *= 2

    def points(self) -> tuple[list[float], list[float]]:
        """Stored points plus the partly filled bucket, so the newest steps show at once."""
        if self._pending_n:
            return (
                self.xs + [self._pending_x / self._pending_n],
                self.ys + [self._pending_y / self._pending_n],
            )
        return list(self.xs), list(self.ys)

    def clear(self) -> None:
        self._reset()


def decimate(xs: list[float], ys: list[float], buckets: int) -> tuple[list[float], list[float]]:
    """Mean of consecutive runs of points so that at most `buckets` remain."""
    n = len(xs)
    if buckets < 1 or n <= buckets:
        return list(xs), list(ys)
    out_x, out_y = [], []
    for b in range(buckets):
        start, stop = b * n // buckets, (b + 1) * n // buckets
        if stop <= start:
            continue
        k = stop - start
        out_x.append(sum(xs[start:stop]) / k)
        out_y.append(sum(ys[start:stop]) / k)
    return out_x, out_y


class Ema:
    """Exponential moving average, for the smoothed loss line."""

    def __init__(self, alpha: float = 0.1) -> None:
        self.alpha = alpha
        self.value: float | None = None

    def update(self, x: float) -> float:
        self.value = x if self.value is None else self.value + self.alpha * (x - self.value)
        return self.value
