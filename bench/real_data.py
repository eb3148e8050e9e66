"""Default settings on real tables and the built-in toys: does a run with only the dataset name
(and target) learn, and how long does it take end to end through the console script?

    PYTHONPATH=$PWD python3 bench/real_data.py [--toys]

Targets (issue 15): diabetes validation R² >= 0.40 and wine accuracy >= 0.90, each under 30 s
wall; the 2-D toys >= 95% validation accuracy on their defaults.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TABLES = (
    ("diabetes", "progression", "val_r2", 0.40),
    ("wine", "label", "val_accuracy", 0.90),
    ("breast_cancer", "label", "val_accuracy", 0.90),
)
TOYS = ("spirals", "moons", "circles", "xor", "blobs")


def run(workdir: Path, dataset: str, *extra: str) -> tuple[dict, float]:
    out = workdir / "runs" / dataset.replace(":", "_")
    args = ["--batch", "--set", f"dataset.name={dataset}", *extra, "--set", f"train.output_dir={out}"]
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tui_trainer", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{dataset} failed: {done.stderr[-500:]}")
    (run_dir,) = out.iterdir()
    return json.loads((run_dir / "summary.json").read_text())["metrics"], wall


def main() -> None:
    from sklearn import datasets

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for name, target, metric, floor in TABLES:
            frame = getattr(datasets, f"load_{name}")(as_frame=True).frame.rename(columns={"target": target})
            frame.to_csv(workdir / f"{name}.csv", index=False)
            metrics, wall = run(workdir, f"csv:{name}.csv", "--set", f"dataset.target={target}")
            verdict = "ok" if metrics[metric] >= floor and wall < 30 else "MISSED"
            print(
                f"{name:14s} {metric} {metrics[metric]:.3f} (>= {floor})  epochs {metrics['epoch']:>3}  "
                f"wall {wall:5.1f}s  {verdict}",
                flush=True,
            )
        if "--toys" in sys.argv:
            for toy in TOYS:
                metrics, wall = run(workdir, toy)
                verdict = "ok" if metrics["val_accuracy"] >= 0.95 else "MISSED"
                print(
                    f"{toy:14s} val_accuracy {metrics['val_accuracy']:.3f} (>= 0.95)  epochs "
                    f"{metrics['epoch']:>3}  wall {wall:5.1f}s  {verdict}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
