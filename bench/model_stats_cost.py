"""The cost of the model statistics (`ModelStatsCollector`, issue 18): whole epochs (training,
evaluation, epoch-end callbacks) with and without it, on MNIST-shaped MLPs and on a toy whose
epochs last milliseconds. Run by hand:

    python bench/model_stats_cost.py [--samples 20000] [--repeats 3] [--device cpu]

Target: the collector at most 3% of whole epochs ("collector share": the time inside its hooks and
epoch-end work; with/without, the same measured by difference, needs a quiet machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import engine_config, make_data, mnist_splits  # noqa: E402

from tui_trainer.engine.callbacks import ModelStatsCollector  # noqa: E402
from tui_trainer.engine.config import TrainConfig  # noqa: E402
from tui_trainer.engine.datasets import DatasetSplits  # noqa: E402
from tui_trainer.engine.events import EpochEnd, RunStarted  # noqa: E402
from tui_trainer.engine.trainer import Trainer  # noqa: E402

CASES = [((256, 128), 128), ((64, 32), 64)]


class TimedCollector(ModelStatsCollector):
    """The collector, timing its own work (hooks included): its share of a run's wall time is
    its cost, and unlike a with/without ratio it stays readable on a busy machine."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0

    def _timed(self, method, *args):
        started = time.perf_counter()
        try:
            return method(*args)
        finally:
            self.seconds += time.perf_counter() - started

    def on_run_start(self, trainer) -> None:
        self._timed(super().on_run_start, trainer)

    def _before_step(self, *args) -> None:
        self._timed(super()._before_step, *args)

    def _after_step(self, *args) -> None:
        self._timed(super()._after_step, *args)

    def on_epoch_end(self, trainer, epoch) -> None:
        self._timed(super().on_epoch_end, trainer, epoch)


def whole_epochs(config: TrainConfig, data: DatasetSplits | None, stats: bool) -> tuple[float, float]:
    """Samples/s from RunStarted to the last EpochEnd (training, evaluation and every epoch-end
    callback) with or without the model statistics collector, and the collector's share of that
    time."""
    marks: list[float] = []

    def listen(event) -> None:
        if isinstance(event, (RunStarted, EpochEnd)):
            marks.append(time.perf_counter())

    trainer = Trainer(config, listen, data=data, write_run_dir=False)
    timed = TimedCollector()
    kept = [c for c in trainer.callbacks if not isinstance(c, ModelStatsCollector)]
    trainer.callbacks = [*kept[:-1], timed, kept[-1]] if stats else kept
    result = trainer.run()
    if result.status != "completed":
        raise SystemExit(f"engine run failed: {result.reason}")
    seconds = marks[-1] - marks[0]
    return trainer.placed.samples_per_epoch * (len(marks) - 1) / seconds, timed.seconds / seconds


def stats_cost(config: TrainConfig, data: DatasetSplits | None, repeats: int) -> tuple[float, float, float]:
    """(with, without) whole-epoch samples/s, interleaved, and the collector's share; medians."""
    with_stats, without, shares = [], [], []
    for _ in range(repeats):
        rate, share = whole_epochs(config, data, True)
        with_stats.append(rate)
        shares.append(share)
        without.append(whole_epochs(config, data, False)[0])
    return statistics.median(with_stats), statistics.median(without), statistics.median(shares)


def toy_config(device) -> TrainConfig:
    """The moons toy (1,000 samples, 16-16 MLP, 100 epochs of a few milliseconds): where a
    collection every epoch would cost most."""
    return TrainConfig().with_overrides(
        [
            "dataset.name=moons",
            "dataset.n_samples=1000",
            "model.hidden=16,16",
            "train.epochs=100",
            f"train.device={device}",
            "train.n_samples_shown=0",
        ]
    )


def print_stats_cost(cases, device, n, repeats) -> None:
    print(f"\nmodel statistics cost: whole epochs, samples/s, median of {repeats}")
    print(f"{'case':<34}{'with':>11}{'without':>11}{'with/without':>14}{'collector share':>17}")
    rows = []
    for hidden, bs in cases:
        x, y = make_data(n)
        config = engine_config(hidden, bs, device)
        config.train.epochs = 2
        name = f"{'-'.join(map(str, [784, *hidden, 10]))}, batch {bs}, 2 epochs"
        rows.append((name, config, mnist_splits(x, y)))
    rows.append(("moons 16-16, 1000, 100 epochs", toy_config(device), None))
    for name, config, data in rows:
        with_stats, without, share = stats_cost(config, data, repeats)
        print(
            f"{name:<34}{with_stats:>11,.0f}{without:>11,.0f}{with_stats / without:>14.3f}"
            f"{share * 100:>16.2f}%"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    print_stats_cost(CASES, args.device, args.samples, args.repeats)


if __name__ == "__main__":
    main()
