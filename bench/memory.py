"""Memory: MNIST held in memory versus its raw uint8 size, and growth over a long run.

1. Writes full-size MNIST IDX files (60,000 + 10,000 random 28×28 images) to a temp root, loads
   them through the real loader (`torchvision.datasets.MNIST`, download=False) and the engine's
   placement, and compares the resident-set growth with the raw uint8 size plus the model.
   Target: ≤ 1.2× raw + model.
2. Trains a tiny model for many steps inside the real app (headless `App.run_test`) and reports
   RSS every 100,000 steps. Target: a few MB of growth at most.

    python bench/memory.py [--steps 1000000] [--part mnist|long]
"""

from __future__ import annotations

import argparse
import gc
import struct
import tempfile
from pathlib import Path

import numpy as np


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no /proc/self/status: this benchmark needs Linux")


def write_idx(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def write_mnist(root: Path) -> None:
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 60_000), ("t10k", 10_000)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", (np.arange(n) % 10).astype(np.uint8))


def mnist_memory() -> None:
    import torch

    from tui_trainer.engine.config import TrainConfig
    from tui_trainer.engine.data_placement import place_data
    from tui_trainer.engine.datasets import load_dataset
    from tui_trainer.engine.model import build_model, count_parameters

    with tempfile.TemporaryDirectory() as tmp:
        write_mnist(Path(tmp))
        config = TrainConfig()
        config.dataset.name = "mnist"
        config.dataset.data_dir = tmp
        config.model.hidden = [256]
        # Import the reader's code first: its modules' memory is not the data's.
        import torchvision.datasets  # noqa: F401

        from tui_trainer.engine.datasets import base, torchvision_sets  # noqa: F401

        gc.collect()
        before = rss_mb()
        data = load_dataset(config.dataset, seed=0)
        placed = place_data(data, torch.device("cpu"), config.dataset)
        model = build_model(config, data.meta)
        del data
        gc.collect()
        after = rss_mb()
        after_trim = rss_after_trim()
    trimmed = after_trim - before if after_trim is not None else None
    raw = 70_000 * 28 * 28 / 2**20 + 70_000 * 8 / 2**20  # uint8 pixels + int64 labels
    params = count_parameters(model) * 4 / 2**20
    splits = [placed.train, placed.val] + ([placed.test] if placed.test is not None else [])
    live = sum(t.untyped_storage().nbytes() for s in splits for t in (s.x, s.y)) / 2**20
    grown = after - before
    budget = raw + params
    print(
        f"MNIST in memory (raw uint8 images + int64 labels {raw:.1f} MB, model {params:.1f} MB; "
        f"train x dtype {placed.train.x.dtype}); target <= 1.2x:"
    )
    print(f"  tensors held {live:.1f} MB + model -> {(live + params) / budget:.2f}x")
    print(f"  RSS growth {grown:.1f} MB -> {grown / budget:.2f}x")
    if trimmed is not None:
        print(
            f"  RSS growth after malloc_trim (freed heap handed back) {trimmed:.1f} MB -> "
            f"{trimmed / budget:.2f}x"
        )


def rss_after_trim() -> float | None:
    """glibc keeps freed heap pages; malloc_trim hands them back so RSS shows live memory.
    The RSS afterwards, or None off glibc."""
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        return None
    return rss_mb()


def long_run_config(steps: int, output_dir: str):
    from tui_trainer.engine.config import TrainConfig

    config = TrainConfig()
    config.dataset.name = "xor"
    # Long epochs of tiny batches: a million steps without thousands of per-epoch evaluations.
    config.dataset.n_samples = 20_000
    config.dataset.batch_size = 2
    config.model.hidden = [4]
    d = config.dataset
    steps_per_epoch = round(d.n_samples * (1 - d.val_fraction - d.test_fraction)) // d.batch_size
    config.train.epochs = max(1, -(-steps // steps_per_epoch))
    config.train.device = "cpu"
    config.train.output_dir = output_dir
    return config


async def _app_long_run(steps: int) -> None:
    """The real app, headless, training `steps` steps: the plot, the log, the event buffer and
    the run view all keep what they keep in a terminal."""
    import asyncio
    import time

    from tui_trainer.ui.app import TrainerApp

    with tempfile.TemporaryDirectory() as tmp:
        app = TrainerApp(long_run_config(steps, tmp))
        samples: list[tuple[int, float]] = []
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            await pilot.press("s")
            started = time.perf_counter()
            while app.view.finished is None:
                await asyncio.sleep(0.5)
                batch = app.view.last_batch
                if batch is not None and batch.step // 100_000 > len(samples):
                    gc.collect()
                    samples.append((batch.step, rss_mb()))
            seconds = time.perf_counter() - started
            gc.collect()
            end = rss_mb()
            plot = app.query_one("#plot")
            kept = len(plot.raw.xs) + len(plot.smooth.xs)
            step = app.view.last_batch.step
    print(f"app, {step:,} steps in {seconds:.0f} s ({app.view.finished.status}); plot keeps {kept} points")
    if samples:
        first_step, first_mb = samples[0]
        print(
            f"  RSS at step {first_step:,}: {first_mb:.1f} MB; at the end: {end:.1f} MB "
            f"-> growth {end - first_mb:+.1f} MB over the last {step - first_step:,} steps (target: a few MB)"
        )
    for at, mb in samples:
        print(f"  at step {at:>9,}: {mb:.1f} MB")


def long_run_growth(steps: int) -> None:
    import asyncio

    asyncio.run(_app_long_run(steps))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--part", choices=["all", "mnist", "long"], default="all")
    args = parser.parse_args()
    if args.part in ("all", "mnist"):
        mnist_memory()
    if args.part in ("all", "long"):
        long_run_growth(args.steps)


if __name__ == "__main__":
    main()
