"""The Try tab's update time: from a pixel painted on the canvas to its new probabilities.

    python3 bench/try_tab.py [--updates 40]

For the 8×8 digits MLP (64,32), the MNIST MLP (256,128) and `simple-cnn` on 28×28 grey images,
each with random weights (speed does not depend on them), it mounts the Try tab in a headless
Textual app with the app's thread-per-worker executor, hands it the model as a training run would
(a `ModelSnapshot`), and times, each as a median in milliseconds:
- update: a pixel painted (the canvas's paint action) until the new drawing's probabilities are
  in the result panel: the canvas's message, a worker thread started, the prediction, the result
  handed back to the UI thread and its bars made;
- draw: drawing the canvas's lines and the result panel once (what the next frame adds);
- predict: the prediction alone (encode, normalise, the model, probabilities) on a fresh thread.
Target (issue 18): an update under 50 ms on the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from textual.app import App  # noqa: E402
from textual.widgets import Static  # noqa: E402

from tui_trainer.engine import DatasetMeta, ModelSnapshot, Preprocessing, TrainConfig  # noqa: E402
from tui_trainer.engine.datasets.base import Normalizer  # noqa: E402
from tui_trainer.engine.datasets.image_encoding import ImageEncoding  # noqa: E402
from tui_trainer.engine.model import build_model  # noqa: E402
from tui_trainer.ui.threads import ThreadPerTaskExecutor  # noqa: E402
from tui_trainer.ui.try_canvas import DrawingCanvas  # noqa: E402
from tui_trainer.ui.try_predict import run_prediction  # noqa: E402
from tui_trainer.ui.try_view import TryPane  # noqa: E402

CASES = [
    ("digits MLP 64,32 (8×8)", "digits", 8, 16.0, ["model.hidden=64,32"]),
    ("MNIST MLP 256,128 (28×28)", "mnist", 28, 255.0, ["model.hidden=256,128"]),
    ("simple-cnn (28×28)", "mnist", 28, 255.0, ["model.layers=simple-cnn"]),
]


def snapshot(dataset: str, side: int, pixel_max: float, overrides: list[str]) -> ModelSnapshot:
    config = TrainConfig().with_overrides([f"dataset.name={dataset}", *overrides])
    names = [str(i) for i in range(10)]
    meta = DatasetMeta(dataset, "classification", (1, side, side), 10, names, True, pixel_max=pixel_max)
    model = build_model(config, meta)
    normalizer = Normalizer(torch.full((1, 1, 1), pixel_max / 3), torch.full((1, 1, 1), pixel_max / 3))
    prep = Preprocessing(dataset, "classification", names, meta.input_shape, normalizer)
    prep.image = ImageEncoding(1, side, side, pixel_max)
    return ModelSnapshot(0, config, meta, model.state_dict(), prep)


class TryApp(App):
    def on_load(self) -> None:
        asyncio.get_running_loop().set_default_executor(ThreadPerTaskExecutor())  # as TrainerApp

    def compose(self):
        yield TryPane()


async def time_updates(snap: ModelSnapshot, updates: int) -> tuple[list[float], list[float], object]:
    app = TryApp()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.query_one(TryPane)
        pane.show_snapshot(snap)
        while pane.result is None or not pane.predictions.settled:
            await pilot.pause(0.01)
        canvas, result = app.query_one(DrawingCanvas), app.query_one("#try-result", Static)
        update, draw = [], []
        for i in range(updates):
            canvas.action_move(1 if i % 2 else 0, 0 if i % 2 else 1)
            shown = pane.result
            started = time.perf_counter()
            canvas.action_paint()
            while pane.result is shown or not pane.predictions.settled:
                await asyncio.sleep(0.0002)
            update.append(time.perf_counter() - started)
            started = time.perf_counter()
            canvas.render_lines(canvas.region.reset_offset)
            result.render_lines(result.region.reset_offset)
            draw.append(time.perf_counter() - started)
            await pilot.pause()
        return update, draw, pane.predictor


def time_predictions(predictor, side: int, rounds: int) -> list[float]:
    image = [[[float((r * side + c) % 7) for c in range(side)] for r in range(side)]]
    seconds = []
    for _ in range(rounds):
        started = time.perf_counter()
        thread = threading.Thread(target=run_prediction, args=(predictor, image))
        thread.start()
        thread.join()
        seconds.append(time.perf_counter() - started)
    return seconds


def ms(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1000:5.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=40)
    args = parser.parse_args()
    print(f"torch threads {torch.get_num_threads()}; medians of {args.updates} updates")
    for label, dataset, side, pixel_max, overrides in CASES:
        snap = snapshot(dataset, side, pixel_max, overrides)
        update, draw, predictor = asyncio.run(time_updates(snap, args.updates))
        predict = time_predictions(predictor, side, args.updates)
        print(
            f"{label:<28} update {ms(update)} · draw {ms(draw)} · predict {ms(predict)}"
            f" (slowest update {max(update) * 1000:.0f} ms)"
        )


if __name__ == "__main__":
    main()
