"""Prediction speed after start-up: 10,000 CSV rows and 1,000 MNIST-sized images.

    python3 bench/predict.py [--rounds 5]

In a temporary folder it trains two small runs for one epoch: a `csv:` table (8 numeric columns
with missing cells, 2 text columns, a text target; MLP 64,32) and a `folder:` of 28×28 grey PNG
images in 10 class folders (MLP 64,32 and `simple-cnn`). It then writes 10,000 new table rows
(with the target column, so they are scored too) and 1,000 new 28×28 PNG files in class folders,
and times, in this process once everything is imported and warmed up:
- `predict_files`: reading and encoding the inputs, the model, probabilities and the score;
- the whole `--predict ... --out FILE` command (`predict_and_report`): that plus writing the CSV.
Prints the median of each over the rounds. Target (issue 18): under 2 s each on the 2-core test
machine.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui_trainer.engine import TrainConfig, Trainer, predict_files  # noqa: E402
from tui_trainer.predict_command import predict_and_report  # noqa: E402

CLASSES = ("alpha", "beta", "gamma")


def write_table(path: Path, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 3, rows)
    numbers = rng.normal(size=(rows, 8)) + label[:, None] * 0.8
    colour = np.array(["red", "green", "blue", ""])[rng.integers(0, 4, rows)]
    shape = np.array(["round", "flat"])[(label + rng.integers(0, 2, rows)) % 2]
    lines = [",".join([f"n{i}" for i in range(8)] + ["colour", "shape", "kind"])]
    for r in range(rows):
        cells = ["" if (r + i) % 29 == 0 else f"{numbers[r, i]:.4f}" for i in range(8)]
        lines.append(",".join(cells + [colour[r], shape[r], CLASSES[label[r]]]))
    path.write_text("\n".join(lines) + "\n")


def write_images(root: Path, per_class: int, seed: int) -> None:
    from PIL import Image

    rng = np.random.default_rng(seed)
    for digit in range(10):
        folder = root / str(digit)
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 60, size=(28, 28), dtype=np.uint8)
            pixels[digit * 2 : digit * 2 + 4, :] = 250
            Image.fromarray(pixels, "L").save(folder / f"{i}.png")


def train(work: Path, *overrides: str) -> str:
    base = ["train.epochs=1", "train.device=cpu", "train.n_samples_shown=0"]
    config = TrainConfig().with_overrides([*base, f"train.output_dir={work / 'runs'}", *overrides])
    result = Trainer(config).run()
    if result.status != "completed" or result.run_dir is None:
        raise SystemExit(f"training failed: {result.reason}")
    return result.run_dir


def median_seconds(rounds: int, action) -> float:
    action()  # warm-up: first calls page in code and allocate caches
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        write_table(work / "train.csv", 2000, seed=0)
        write_table(work / "new.csv", 10_000, seed=1)
        write_images(work / "train_images", 30, seed=0)
        write_images(work / "new_images", 100, seed=1)
        table_run = train(work, f"dataset.name=csv:{work / 'train.csv'}", "dataset.target=kind")
        image = [f"dataset.name=folder:{work / 'train_images'}", "dataset.image_size=28"]
        mlp_run = train(work, *image)
        cnn_run = train(work, *image, "model.layers=simple-cnn")
        out = str(work / "predictions.csv")
        cases = [
            ("10,000 CSV rows (MLP 64,32)", str(work / "new.csv"), table_run),
            ("1,000 28×28 images (MLP 64,32)", str(work / "new_images"), mlp_run),
            ("1,000 28×28 images (simple-cnn)", str(work / "new_images"), cnn_run),
        ]
        print(f"median of {args.rounds} rounds after start-up, seconds")
        print(f"{'inputs':34} {'predict_files':>14} {'--predict --out':>16}")
        for name, inputs, run in cases:
            engine = median_seconds(args.rounds, lambda i=inputs, r=run: predict_files([i], r))

            def command(i: str = inputs, r: str = run) -> None:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                    predict_and_report([i, r], out, "final", 3)

            whole = median_seconds(args.rounds, command)
            print(f"{name:34} {engine:14.3f} {whole:16.3f}")


if __name__ == "__main__":
    main()
