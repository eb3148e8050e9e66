"""CSV loading: the project's `csv:` loader against `pandas.read_csv` on the same file.

    python3 bench/csv_load.py [--rounds 3] [--rows 60000] [--columns 785]

Writes MNIST-as-a-table (a label column plus 784 random uint8 pixel columns) to a temporary
folder, then times, in interleaved rounds so both meet the same machine load, each in a fresh
subprocess: `pandas.read_csv(file)` alone, and `load_csv` (which also ends with the float32
tensor). Prints the medians, their ratio, and each one's peak RSS above the interpreter's RSS
after its imports, next to the size of the float32 data. Then a 100,000-column header with three
rows, through the loader. Targets (issue 15): loader <= 1.5x pandas, peak <= 2x the float32 data,
the wide header in seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
which, path, target = sys.argv[1:4]
import numpy, pandas, torch
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.datasets.csv_file import load_csv
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if which == "pandas":
    frame = pandas.read_csv(path)
    shape = list(frame.shape)
elif which == "pyarrow":
    import pyarrow.csv
    frame = pyarrow.csv.read_csv(path)
    shape = [frame.num_rows, frame.num_columns]
else:
    cfg = TrainConfig().dataset
    cfg.target = target
    data = load_csv(cfg, 0, path)
    shape = list(data.x.shape)
seconds = time.perf_counter() - start
peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) * 1024
print(json.dumps({"seconds": seconds, "peak_bytes": peak, "shape": shape}))
"""


def write_table(path: Path, rows: int, columns: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(rows, columns), dtype=np.uint8)
    names = ["label"] + [f"pixel{i}" for i in range(columns - 1)]
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        pacsv.write_csv(pa.table({n: data[:, i] for i, n in enumerate(names)}), str(path))
    except ImportError:
        import pandas as pd

        pd.DataFrame(data, columns=names).to_csv(path, index=False)


def write_wide_header(path: Path, columns: int = 100_000, rows: int = 3) -> None:
    with open(path, "w") as handle:
        handle.write(",".join(f"feature_{i}" for i in range(columns)) + "\n")
        handle.writelines(",".join(str((i * 7 + r) % 10) for i in range(columns)) + "\n" for r in range(rows))


def run_child(which: str, path: Path, target: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, which, str(path), target],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{which} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--columns", type=int, default=785)
    parser.add_argument("--pyarrow", action="store_true", help="also time pyarrow.csv.read_csv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "mnist.csv"
        write_table(table, args.rows, args.columns)
        print(f"{table.name}: {args.rows} x {args.columns}, {table.stat().st_size / 1e6:.0f} MB")
        contenders = ["pandas", "loader"] + (["pyarrow"] if args.pyarrow else [])
        runs: dict[str, list[dict]] = {which: [] for which in contenders}
        for round_number in range(args.rounds):
            for which in contenders if round_number % 2 == 0 else contenders[::-1]:
                result = run_child(which, table, "label")
                runs[which].append(result)
                print(
                    f"  round {round_number + 1} {which:7s} {result['seconds']:6.2f} s  "
                    f"peak +{result['peak_bytes'] / 2**20:5.0f} MiB"
                )
        data_bytes = args.rows * (args.columns - 1) * 4
        median = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
        peak = {k: statistics.median(r["peak_bytes"] for r in v) for k, v in runs.items()}
        print(
            f"median: pandas.read_csv {median['pandas']:.2f} s, loader {median['loader']:.2f} s, "
            f"ratio {median['loader'] / median['pandas']:.2f} (target <= 1.5)"
        )
        if args.pyarrow:
            print(f"median: pyarrow.csv.read_csv {median['pyarrow']:.2f} s")
        print(
            f"peak RSS above imports: pandas {peak['pandas'] / 2**20:.0f} MiB, loader "
            f"{peak['loader'] / 2**20:.0f} MiB = {peak['loader'] / data_bytes:.2f}x the float32 data "
            f"({data_bytes / 2**20:.0f} MiB; target <= 2)"
        )
        wide = Path(tmp) / "wide.csv"
        write_wide_header(wide)
        result = run_child("loader", wide, "feature_0")
        print(f"100,000-column header, 3 rows: loader {result['seconds']:.2f} s, shape {result['shape']}")


if __name__ == "__main__":
    main()
