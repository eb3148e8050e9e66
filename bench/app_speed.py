"""The app's own speed: start-up, training inside the TUI versus --batch, key latency, plot cost.

Each figure is measured in fresh processes where start-up matters, repeated, and reported as a
median. The app runs headless through `App.run_test` (Textual's real compositor and widgets, no
terminal), on the real engine and the built-in `digits` set.

    python bench/app_speed.py                  # everything (about 3-4 minutes on 2 cores)
    python bench/app_speed.py --part startup   # --help, first screen, first training step
    python bench/app_speed.py --part speed     # samples/s: app vs --batch, same config
    python bench/app_speed.py --part keys      # tab-switch latency while training
    python bench/app_speed.py --part plot      # one loss-plot redraw after 1k / 100k / 1M steps

Targets (issue 6): --help < 0.5 s; first screen < 3 s; first step < 2 s after `s`;
app/batch samples/s >= 0.9; key p95 < 100 ms; plot render flat in the history length.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE = (160, 48)  # a large terminal: the plot and the panes cost the most to draw


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def speed_config(output_dir: str, epochs: int):
    """spirals with 50,000 points: ~1 s epochs, so per-epoch rates are not noise, and the app
    draws everything it can (loss plot, confusion matrix, decision-boundary map)."""
    from tui_trainer.engine.config import TrainConfig

    config = TrainConfig()
    config.dataset.name = "spirals"
    config.dataset.n_samples = 50_000
    config.model.hidden = [256, 256]
    config.dataset.batch_size = 32
    config.train.epochs = epochs
    config.train.device = os.environ.get("TUI_TRAINER_BENCH_DEVICE", "cpu")  # set by --device
    config.train.output_dir = output_dir
    return config


# ---- children: one fresh process per start-up measurement ---------------------------------------
async def _child_startup(press_after: float, output_dir: str, launched: float) -> None:
    """Prints PAINTED and the seconds since the parent launched this process once the first
    screen has been drawn, then presses `s` after `press_after` seconds (or once the preload is
    done if negative) and prints the time from the key to the first BatchEnd."""
    from tui_trainer.engine.config import TrainConfig
    from tui_trainer.ui.app import TrainerApp

    class TimedApp(TrainerApp):
        CSS_PATH = str(Path(sys.modules[TrainerApp.__module__].__file__).with_name("app.tcss"))

        def on_mount(self) -> None:
            super().on_mount()
            # Runs after the first refresh of the screen (perf_counter is CLOCK_MONOTONIC on
            # Linux, shared with the parent process).
            self.call_after_refresh(
                lambda: print(f"PAINTED {time.perf_counter() - launched:.3f}", flush=True)
            )

    config = TrainConfig()
    config.train.output_dir = output_dir
    config.train.device = "cpu"
    app = TimedApp(config)
    first_step: list[float] = []
    put = app.events.put

    def record(event) -> None:
        if not first_step and type(event).__name__ == "BatchEnd":
            first_step.append(time.perf_counter())
        put(event)

    app.events.put = record
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        if press_after >= 0:
            await asyncio.sleep(press_after)
        else:
            while any(w.is_running for w in app.workers) or app.setup.meta is None:
                await asyncio.sleep(0.02)
        pressed = time.perf_counter()
        await pilot.press("s")
        while not first_step:
            await asyncio.sleep(0.005)
        print(f"FIRST_STEP {first_step[0] - pressed:.3f}", flush=True)
        await app.stop_run()


async def _child_app_run(output_dir: str, epochs: int) -> None:
    """Trains `speed_config` inside the app (headless) until it finishes."""
    from tui_trainer.ui.app import TrainerApp

    app = TrainerApp(speed_config(output_dir, epochs))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("s")
        while app.view.finished is None:
            await asyncio.sleep(0.1)


# ---- measurements --------------------------------------------------------------------------------
def time_help() -> float:
    """The installed console script when there is one (its entry-point lookup counts too)."""
    script = shutil.which("tui-trainer")
    command = [script] if script else [sys.executable, "-m", "tui_trainer"]
    start = time.perf_counter()
    subprocess.run(command + ["--help"], env=child_env(), check=True, capture_output=True)
    return time.perf_counter() - start


def time_startup(press_after: float) -> tuple[float, float]:
    """(seconds from process launch to the first screen, seconds from `s` to the first step)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                "startup",
                "--press-after",
                str(press_after),
                "--out",
                tmp,
                "--launched",
                repr(start),
            ],
            env=child_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        painted = first = None
        for line in proc.stdout:
            if line.startswith("PAINTED"):
                painted = float(line.split()[1])
            elif line.startswith("FIRST_STEP"):
                first = float(line.split()[1])
        if proc.wait() != 0 or painted is None or first is None:
            raise SystemExit("start-up child failed")
        return painted, first


def part_startup(repeats: int) -> None:
    helps = [time_help() for _ in range(repeats)]
    print(
        f"tui-trainer --help: median {statistics.median(helps):.2f} s of "
        f"{[round(h, 2) for h in helps]} (target < 0.5)"
    )
    for label, press_after in (
        ("s pressed 0.5 s after the first paint", 0.5),
        ("s pressed once the preload finished", -1.0),
        ("s pressed at once on the first paint", 0.0),
    ):
        runs = [time_startup(press_after) for _ in range(repeats)]
        paints = [r[0] for r in runs]
        firsts = [r[1] for r in runs]
        print(
            f"{label}: first screen median {statistics.median(paints):.2f} s "
            f"{[round(p, 2) for p in paints]}; "
            f"s -> first step median {statistics.median(firsts):.2f} s {[round(f, 2) for f in firsts]}"
        )
    print("targets: first screen < 3 s, first step < 2 s after s")


def epoch_rates(run_root: Path) -> list[float]:
    (run_dir,) = [p for p in run_root.iterdir() if p.is_dir()]
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line]
    return [r["samples_per_sec"] for r in records[1:]]  # epoch 1 includes warm-up


def part_speed(repeats: int, epochs: int) -> None:
    """Pairs of runs, one in --batch and one in the app, back to back; the order alternates, so
    a shared machine whose speed drifts over minutes (±10% here) favours neither."""
    app_rates, batch_rates = [], []
    for repeat in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            config_path = Path(tmp) / "speed.toml"
            speed_config(str(Path(tmp) / "batch"), epochs).save(config_path)

            def run_batch(config_path: Path = config_path) -> None:
                subprocess.run(
                    [sys.executable, "-m", "tui_trainer", "--batch", str(config_path)],
                    env=child_env(),
                    check=True,
                    capture_output=True,
                )
                batch_rates.append(statistics.median(epoch_rates(Path(tmp) / "batch")))

            def run_app() -> None:
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        "app-run",
                        "--out",
                        str(Path(tmp) / "app"),
                        "--epochs",
                        str(epochs),
                    ],
                    env=child_env(),
                    check=True,
                )
                app_rates.append(statistics.median(epoch_rates(Path(tmp) / "app")))

            for run in (run_batch, run_app) if repeat % 2 == 0 else (run_app, run_batch):
                run()
    app, batch = statistics.median(app_rates), statistics.median(batch_rates)
    print(
        f"spirals 50,000 points, MLP 2-256-256-3, batch 32, {epochs} epochs, "
        f"{os.environ.get('TUI_TRAINER_BENCH_DEVICE', 'cpu')}; median over epochs 2.. "
        f"of each run, {repeats} pairs of runs"
    )
    print(f"  --batch: {batch:,.0f} samples/s {[round(r) for r in batch_rates]}")
    print(f"  app    : {app:,.0f} samples/s {[round(r) for r in app_rates]}")
    pairs = [a / b for a, b in zip(app_rates, batch_rates, strict=False)]
    print(
        f"  app / batch = {statistics.median(pairs):.2f}, median of the pairs (target >= 0.9); "
        f"pair by pair {[round(p, 2) for p in pairs]}; ratio of the medians {app / batch:.2f}"
    )


async def _key_latency(presses: int) -> list[tuple[str, float]]:
    from textual import events
    from textual.widgets import TabbedContent

    from tui_trainer.ui.app import TrainerApp

    with tempfile.TemporaryDirectory() as tmp:
        app = TrainerApp(speed_config(tmp, epochs=1000))
        latencies: list[tuple[str, float]] = []
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("s")
            while app.view.last_epoch is None:  # training, with evaluations filling every tab
                await asyncio.sleep(0.1)
            tabs = app.query_one(TabbedContent)
            keys = {"t": "tab-train", "c": "tab-confusion", "v": "tab-samples"}
            order = ["c", "v", "t"]
            for i in range(presses):
                key = order[i % 3]
                # Pilot.press waits for the process to go idle, which it never does while
                # training: send the key as the terminal driver would, then wait for the tab to
                # change and for the screen refresh that follows it.
                event = events.Key(key, key)
                event.set_sender(app)
                start = time.perf_counter()
                app._driver.send_message(event)
                while tabs.active != keys[key]:
                    await asyncio.sleep(0.001)
                painted = asyncio.Event()
                app.call_after_refresh(painted.set)
                await painted.wait()
                latencies.append((key, time.perf_counter() - start))
                await asyncio.sleep(0.15)  # a human's pace; training keeps both cores busy
            await app.stop_run()
    return latencies


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000, ordered[-1] * 1000


def part_keys(presses: int) -> None:
    measured = asyncio.run(_key_latency(presses))
    p50, p95, worst = percentiles([seconds for _, seconds in measured])
    print(
        f"tab switch (t/c/v) while training, {presses} presses: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"max {worst:.1f} ms (target p95 < 100)"
    )
    for key, tab in (("t", "Training"), ("c", "Confusion"), ("v", "Samples")):
        p50, p95, worst = percentiles([seconds for k, seconds in measured if k == key])
        print(f"  {key} ({tab}): p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms")


async def _plot_costs(counts: list[int], repeats: int) -> list[tuple[int, float, int]]:
    from textual.app import App

    from tui_trainer.ui.loss_plot import EpochPoint, LossPlot

    class PlotApp(App):
        def compose(self):
            yield LossPlot(id="plot")

    out = []
    app = PlotApp()
    async with app.run_test(size=SIZE) as pilot:
        plot = app.query_one(LossPlot)
        for count in counts:
            plot.reset()
            chunk = 1000
            for first in range(1, count + 1, chunk):
                n = min(chunk, count + 1 - first)
                plot.add_steps(first, [1.0 / (1 + (first + i) * 1e-4) for i in range(n)])
            for epoch in range(10):
                plot.add_epoch(EpochPoint(epoch + 1, count * (epoch + 1) // 10, 0.5, 0.6, None, None))
            await pilot.pause()
            times = []
            for _ in range(repeats):
                plot.refresh()
                start = time.perf_counter()
                plot.render_line(0)  # draws every line of the plot
                times.append(time.perf_counter() - start)
            out.append((count, statistics.median(times), len(plot.raw.xs)))
    return out


def part_plot(repeats: int) -> None:
    counts = [1_000, 100_000, 1_000_000]
    print(f"loss plot redraw at {SIZE[0]}×{SIZE[1]}, median of {repeats}:")
    for count, seconds, kept in asyncio.run(_plot_costs(counts, repeats)):
        print(
            f"  {count:>9,} steps recorded: {seconds * 1000:6.1f} ms per redraw (history keeps "
            f"{kept:,} points)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--part", choices=["all", "startup", "speed", "keys", "plot"], default="all")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs per figure (pairs of runs for --part speed)"
    )
    parser.add_argument("--device", default="cpu", help="train.device for the speed and keys parts")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per speed run")
    parser.add_argument("--presses", type=int, default=150)
    parser.add_argument("--child", choices=["startup", "app-run"], help=argparse.SUPPRESS)
    parser.add_argument("--press-after", type=float, default=0.5, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--launched", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is None:
        os.environ["TUI_TRAINER_BENCH_DEVICE"] = args.device  # children inherit it
    if args.child == "startup":
        asyncio.run(_child_startup(args.press_after, args.out, args.launched))
        return
    if args.child == "app-run":
        asyncio.run(_child_app_run(args.out, args.epochs))
        return
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    if args.part in ("all", "startup"):
        part_startup(args.repeats)
    if args.part in ("all", "speed"):
        part_speed(args.repeats, args.epochs)
    if args.part in ("all", "keys"):
        part_keys(args.presses)
    if args.part in ("all", "plot"):
        part_plot(args.repeats)


if __name__ == "__main__":
    main()
