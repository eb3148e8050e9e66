"""tui-trainer against what its users would otherwise write or pick, on the same data.

Workloads (classification, Adam lr 1e-3, validation accuracy at the end):
  mnist-like  60,000 × 784 synthetic uint8 images (10 classes), 48,000 train / 12,000 val,
              MLP 256-128, batch 128, 3 epochs
  table       1,000 × 13 features (3 classes), MLP 64-32, batch 32, 100 epochs
  digits      the built-in digits set with the default config (MLP 64-32, batch 64, 10 epochs)

The two synthetic sets are written once as CSV files (so the console script reads them too) and
every in-process contender trains on the engine's own split and normalisation of that file, with
the engine's model built under the same seed (same initial weights). Contenders:
  console       `python -m tui_trainer --batch` end to end (imports, CSV load, run directory)
  engine        `Trainer.run()` on the loaded data, run directory on
  loop          a plain PyTorch DataLoader loop, default Adam, validation each epoch
  loop-fused    the same with Adam(fused=True)
  lightning (its defaults), lightning-lean (progress bar, logger, checkpointing and summary off),
  keras (torch backend), skorch: only when installed (`pip install -e ".[bench]"`);
                skipped with a note otherwise.
Each contender runs in its own process (peak RSS is that process's), in interleaved rounds;
the table shows the median seconds, the range, the validation accuracy and the peak RSS.
For the in-process contenders, seconds are the training call (data already loaded); for the
console script, the whole process. Run by hand:

    python bench/peers.py --rounds 3                 # all workloads
    python bench/peers.py --rounds 1 --workload table
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKLOADS = {
    "mnist-like": {
        "rows": 60_000,
        "features": 784,
        "classes": 10,
        "hidden": "256,128",
        "batch": 128,
        "epochs": 3,
        "val": 0.2,
    },
    "table": {
        "rows": 1_000,
        "features": 13,
        "classes": 3,
        "hidden": "64,32",
        "batch": 32,
        "epochs": 100,
        "val": 0.2,
    },
    "digits": None,  # the built-in set and the default config
}
PEERS = {"lightning": "lightning", "lightning-lean": "lightning", "keras": "keras", "skorch": "skorch"}
CONTENDERS = ["console", "engine", "loop", "loop-fused", *PEERS]


def settings(workload: str, csv_path: Path | None) -> list[str]:
    spec = WORKLOADS[workload]
    if spec is None:
        return ["dataset.name=digits", "train.device=cpu"]
    return [
        f"dataset.name=csv:{csv_path}",
        "dataset.target=label",
        f"dataset.val_fraction={spec['val']}",
        "dataset.test_fraction=0",
        f"dataset.batch_size={spec['batch']}",
        f"model.hidden={spec['hidden']}",
        f"train.epochs={spec['epochs']}",
        "train.device=cpu",
    ]


def write_csv(workload: str, folder: Path) -> Path | None:
    """The workload's synthetic data as a CSV: class prototypes plus noise, so it can be learnt."""
    spec = WORKLOADS[workload]
    if spec is None:
        return None
    path = folder / f"{workload}.csv"
    if path.exists():
        return path
    import numpy as np

    rng = np.random.default_rng(0)
    labels = rng.integers(0, spec["classes"], spec["rows"])
    prototypes = rng.normal(0, 1, (spec["classes"], spec["features"]))
    x = prototypes[labels] + rng.normal(0, 1.5, (spec["rows"], spec["features"]))
    if spec["features"] == 784:  # image-like: uint8 pixels
        x = np.clip(x * 40 + 128, 0, 255).astype(np.uint8)
        fmt = "%d"
    else:
        fmt = "%.5g"
    header = ",".join([f"f{i}" for i in range(spec["features"])] + ["label"])
    table = np.column_stack([x, labels])
    formats = [fmt] * spec["features"] + ["%d"]
    np.savetxt(path, table, fmt=formats, delimiter=",", header=header, comments="")
    return path


def csv_in_child(workload: str, folder: Path) -> Path | None:
    """write_csv in a process of its own: building the 60,000-row table in this one would grow it
    to ~1 GB, and each contender's peak RSS (read by wait4) would start from that."""
    if WORKLOADS[workload] is None:
        return None
    command = [sys.executable, __file__, "--write-csv", workload, "--data-dir", str(folder)]
    subprocess.run(command, check=True, cwd=REPO)
    return folder / f"{workload}.csv"


# ---- children: one contender, one run, one JSON line -------------------------------------


def child(contender: str, workload: str, csv_path: Path | None, output_dir: str) -> dict:
    import torch

    from tui_trainer.engine.config import TrainConfig
    from tui_trainer.engine.run_data import prepare_run_data

    config = TrainConfig().with_overrides([*settings(workload, csv_path), f"train.output_dir={output_dir}"])
    # The data as a run loads it, and the config with its `auto` settings (epochs...) decided for it.
    prepared = prepare_run_data(config)
    config, data = prepared.config, prepared.data
    if contender == "engine":
        from tui_trainer.engine.trainer import Trainer

        started = time.perf_counter()
        finished = Trainer(config, data=data).run()
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "val_accuracy": finished.metrics.get("val_accuracy")}
    from tui_trainer.engine.model import build_model

    torch.manual_seed(config.train.seed)
    model = build_model(config, data.meta)  # the engine's model and initial weights
    norm = data.normalizer
    x_train, y_train = norm(data.train.x), data.train.y
    x_val, y_val = norm(data.val.x), data.val.y
    epochs, batch, lr = config.train.epochs, config.dataset.batch_size, config.optimizer.lr
    runner = {
        "loop": plain_loop,
        "loop-fused": plain_loop,
        "lightning": lightning_run,
        "lightning-lean": lightning_lean_run,
        "keras": keras_run,
        "skorch": skorch_run,
    }[contender]
    # Lightning's defaults write logs and checkpoints under the working directory: the child's
    # own output folder, so they are removed with it and never land in the repository.
    os.chdir(output_dir)
    started = time.perf_counter()
    fused = contender == "loop-fused"
    accuracy = runner(model, x_train, y_train, x_val, y_val, epochs, batch, lr, fused=fused)
    return {"seconds": time.perf_counter() - started, "val_accuracy": accuracy}


def accuracy_of(model, x, y) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def plain_loop(model, x_train, y_train, x_val, y_val, epochs, batch, lr, fused=False):
    """What the PyTorch tutorial teaches: DataLoader(TensorDataset, shuffle=True), validation per epoch."""
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    optimizer = torch.optim.Adam(model.parameters(), lr=lr, **({"fused": True} if fused else {}))
    loss_fn = torch.nn.CrossEntropyLoss()
    loader = DataLoader(
        TensorDataset(x_train, y_train),
        batch_size=batch,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    accuracy = 0.0
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        accuracy = accuracy_of(model, x_val, y_val)
    return accuracy


def lightning_run(model, x_train, y_train, x_val, y_val, epochs, batch, lr, fused=False, lean=False):
    import lightning as L
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = model

        def training_step(self, batch_, _):
            xb, yb = batch_
            return torch.nn.functional.cross_entropy(self.net(xb), yb)

        def validation_step(self, batch_, _):
            xb, yb = batch_
            self.log("val_loss", torch.nn.functional.cross_entropy(self.net(xb), yb))

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=lr)

    train = DataLoader(TensorDataset(x_train, y_train), batch_size=batch, shuffle=True)
    val = DataLoader(TensorDataset(x_val, y_val), batch_size=1024)
    options = {"max_epochs": epochs, "accelerator": "cpu", "devices": 1}  # the defaults users get
    if lean:  # what a user tuning for speed turns off
        options |= {
            "enable_progress_bar": False,
            "logger": False,
            "enable_checkpointing": False,
            "enable_model_summary": False,
        }
    trainer = L.Trainer(**options)
    trainer.fit(Module(), train, val)
    return accuracy_of(model, x_val, y_val)


def lightning_lean_run(model, x_train, y_train, x_val, y_val, epochs, batch, lr, fused=False):
    return lightning_run(model, x_train, y_train, x_val, y_val, epochs, batch, lr, lean=True)


def keras_run(model, x_train, y_train, x_val, y_val, epochs, batch, lr, fused=False):
    os.environ["KERAS_BACKEND"] = "torch"
    import keras

    hidden = [m.out_features for m in model.modules() if hasattr(m, "out_features")][:-1]
    layers = [keras.layers.Dense(h, activation="relu") for h in hidden]
    n_classes = int(y_train.max()) + 1
    features = int(x_train[0].numel())  # images come as C×H×W: the MLP takes them flat
    net = keras.Sequential([keras.Input((features,)), *layers, keras.layers.Dense(n_classes)])
    net.compile(
        optimizer=keras.optimizers.Adam(lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    flat = x_train.reshape(len(x_train), -1).numpy(), x_val.reshape(len(x_val), -1).numpy()
    history = net.fit(
        flat[0],
        y_train.numpy(),
        batch_size=batch,
        epochs=epochs,
        verbose=0,
        validation_data=(flat[1], y_val.numpy()),
    )
    return float(history.history["val_accuracy"][-1])


def skorch_run(model, x_train, y_train, x_val, y_val, epochs, batch, lr, fused=False):
    import torch
    from skorch import NeuralNetClassifier
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split

    net = NeuralNetClassifier(
        model,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=lr,
        max_epochs=epochs,
        batch_size=batch,
        train_split=predefined_split(Dataset(x_val, y_val)),
        verbose=0,
    )
    net.fit(x_train, y_train)
    return accuracy_of(model, x_val, y_val)


# ---- parent: rounds, processes, the table -------------------------------------------------


def run_contender(
    contender: str, workload: str, csv_path: Path | None, output_dir: str, threads: int
) -> dict:
    paths = [str(REPO), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)  # torch's intra-op threads in every contender
    if contender == "console":
        args = [sys.executable, "-m", "tui_trainer", "--batch", "--output-dir", output_dir]
        for setting in settings(workload, csv_path):
            args += ["--set", setting]
    else:
        args = [
            sys.executable,
            __file__,
            "--child",
            contender,
            "--workload",
            workload,
            "--csv",
            str(csv_path or ""),
            "--output-dir",
            output_dir,
        ]
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out_file, stderr=err_file, text=True, env=env, cwd=REPO)
        _, status, usage = os.wait4(process.pid, 0)  # this process's own peak RSS
        wall = time.perf_counter() - started
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{contender} on {workload} failed: {(err or out).strip().splitlines()[-1:]}")
    if contender == "console":
        newest = max(Path(output_dir).iterdir(), key=lambda p: p.stat().st_mtime)
        summary = json.loads((newest / "summary.json").read_text())
        result = {"seconds": wall, "val_accuracy": summary["final"]["val_accuracy"]}
    else:
        result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workload", choices=["all", *WORKLOADS], default="all")
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch threads per process (0: torch's default); 1 steadies a shared machine",
    )
    parser.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "tui-trainer-peers"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--output-dir", help=argparse.SUPPRESS)
    parser.add_argument("--write-csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_csv:
        write_csv(args.write_csv, Path(args.data_dir))
        return
    if args.child:
        result = child(args.child, args.workload, Path(args.csv) if args.csv else None, args.output_dir)
        print(json.dumps(result))
        return
    folder = Path(args.data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    contenders = []
    for name in args.contenders.split(","):
        if name in PEERS and importlib.util.find_spec(PEERS[name]) is None:
            print(f"note: {name} is not installed; skipped (pip install -e '.[bench]')")
        else:
            contenders.append(name)
    for workload in WORKLOADS if args.workload == "all" else [args.workload]:
        csv_path = csv_in_child(workload, folder)
        results: dict[str, list[dict]] = {c: [] for c in contenders}
        with tempfile.TemporaryDirectory() as output_dir:
            for round_index in range(args.rounds):
                shift = round_index % len(contenders)
                for contender in contenders[shift:] + contenders[:shift]:
                    result = run_contender(contender, workload, csv_path, output_dir, args.threads)
                    results[contender].append(result)
        print(
            f"\n{workload}: median seconds of {args.rounds} interleaved rounds (range), "
            "validation accuracy, peak RSS",
            flush=True,
        )
        for contender in contenders:
            seconds = [r["seconds"] for r in results[contender]]
            accuracy = statistics.median(r["val_accuracy"] for r in results[contender])
            rss = max(r["peak_rss_mb"] for r in results[contender])
            spread = f"({min(seconds):.2f}–{max(seconds):.2f})"
            print(
                f"  {contender:11} {statistics.median(seconds):8.2f} s {spread}  val acc {accuracy:.4f}"
                f"  {rss:6.0f} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()
