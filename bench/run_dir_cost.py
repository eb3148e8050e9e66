"""What the run directory costs: `Trainer.run()` with it (write_run_dir=True) against without.

Interleaved rounds on the same pre-loaded data, median and range of the wall time of `run()` and
of its training batches alone (`progress.train_seconds`), and two ratios to "off": of the medians,
and the median of each round's own ratio ("paired"). Workloads: spirals
1,000 rows × 100 epochs (MLP 64-32, batch 32: the small-data case where per-epoch writes used to
cost as much as training) and the digits default. A third contender writes a checkpoint every
epoch (`train.checkpoint_every_s=0`, the old behaviour) for comparison.

Every contender has an event listener, as every run of the app, `--batch`, a sweep or a search
has: a listener makes the trainer collect the model statistics of the Inside tab, which a run
without listener or run directory skips. Their cost is the same with or without the run directory
and is measured by bench/model_stats_cost.py; `--no-listener` leaves it out of "off" only (the
engine API used bare). Run by hand:

    python bench/run_dir_cost.py                 # 5 rounds
    python bench/run_dir_cost.py --rounds 9 --workload spirals

Target: run directory on / off <= 1.10 on both workloads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.datasets import load_dataset
from tui_trainer.engine.trainer import Trainer
from tui_trainer.engine.training_state import capture_epoch_state

WORKLOADS = {
    "spirals 1000×100ep": [
        "dataset.name=spirals",
        "dataset.n_samples=1000",
        "dataset.batch_size=32",
        "model.hidden=64,32",
        "train.epochs=100",
    ],
    "digits default": ["dataset.name=digits"],
}
CONTENDERS = {
    "off": (False, []),
    "on": (True, []),
    "on, every epoch": (True, ["train.checkpoint_every_s=0"]),
}
# --diagnose: why training batches ran slower with per-epoch writes: the same writes without
# their fsyncs (a diagnostic only: os.fsync is a no-op during that run).
NO_FSYNC = "every epoch, no fsync"


def ignore(event: object) -> None:
    """The listener every contender has (see the module's docstring)."""


def one_run(
    settings: list[str], data, write_run_dir: bool, output_dir: str, fsync: bool = True, listen: bool = True
) -> tuple[float, float, Trainer]:
    config = TrainConfig().with_overrides([*settings, "train.device=cpu", f"train.output_dir={output_dir}"])
    trainer = Trainer(config, ignore if listen else None, data=data, write_run_dir=write_run_dir)
    real_fsync = os.fsync
    if not fsync:
        os.fsync = lambda fd: None
    try:
        started = time.perf_counter()
        finished = trainer.run()
        wall = time.perf_counter() - started
    finally:
        os.fsync = real_fsync
    assert finished.status == "completed", finished.reason
    return wall, trainer.progress.train_seconds, trainer


def snapshot_cost(trainer: Trainer, repeats: int = 200) -> float:
    """Seconds for one in-memory copy of the training state (what an unwritten epoch costs)."""
    started = time.perf_counter()
    for _ in range(repeats):
        capture_epoch_state(trainer, copy=True)
    return (time.perf_counter() - started) / repeats


def describe(values: list[float]) -> str:
    return f"{statistics.median(values):7.3f} s ({min(values):.3f}–{max(values):.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workload", choices=["all", "spirals", "digits"], default="all")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads per process (0: torch's default); 1 steadies a shared machine",
    )
    parser.add_argument("--diagnose", action="store_true", help=f"add the contender '{NO_FSYNC}'")
    parser.add_argument(
        "--no-listener", action="store_true", help="no event listener for 'off' (no model statistics there)"
    )
    args = parser.parse_args()
    contenders = dict(CONTENDERS)
    if args.diagnose:
        contenders[NO_FSYNC] = (True, ["train.checkpoint_every_s=0"])
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    for name, settings in WORKLOADS.items():
        if args.workload != "all" and not name.startswith(args.workload):
            continue
        config = TrainConfig().with_overrides(settings)
        data = load_dataset(config.dataset, config.train.seed)
        walls: dict[str, list[float]] = {c: [] for c in contenders}
        trains: dict[str, list[float]] = {c: [] for c in contenders}
        with tempfile.TemporaryDirectory() as output_dir:
            one_run(settings, data, True, output_dir)  # warm-up: first-call costs out of the rounds
            last = None
            for round_index in range(args.rounds):
                # Interleaved, in a rotating order, so drift of the shared machine hits all alike.
                names = list(contenders)
                shift = round_index % len(names)
                for contender in names[shift:] + names[:shift]:
                    write, extra = contenders[contender]
                    fsync = contender != NO_FSYNC
                    listen = write or not args.no_listener
                    run = one_run([*settings, *extra], data, write, output_dir, fsync, listen)
                    wall, train_seconds, last = run
                    walls[contender].append(wall)
                    trains[contender].append(train_seconds)
        print(f"\n{name}  ({args.rounds} interleaved rounds; median (min–max))")
        header = (
            f"{'run directory':18} {'run() wall':>26} {'training batches':>26}  {'to off':>7}  {'paired':>7}"
        )
        print(f"  {header}")
        off = statistics.median(walls["off"])
        for contender in contenders:
            ratio = statistics.median(walls[contender]) / off
            # The median of each round's own ratio: a round's runs follow each other closely, so
            # the machine's drift from round to round cancels out of it.
            paired = statistics.median(w / o for w, o in zip(walls[contender], walls["off"], strict=True))
            wall, batches = describe(walls[contender]), describe(trains[contender])
            print(f"  {contender:18} {wall:>26} {batches:>26}  {ratio:6.3f}×  {paired:6.3f}×", flush=True)
        if last is not None:
            print(f"  in-memory copy of the training state: {snapshot_cost(last) * 1e6:.0f} µs per epoch")


if __name__ == "__main__":
    main()
