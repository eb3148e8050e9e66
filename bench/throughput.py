"""Training throughput: the engine versus a bare PyTorch loop versus the tutorial DataLoader loop.

Trains the same network on random MNIST-shaped data three ways, interleaved and repeated, and
prints training samples/s (median of the repeats) and the ratios. Run by hand:

    python bench/throughput.py                       # 784-256-10, batch 128, CPU (issue 2)
    python bench/throughput.py --grid                # both MLPs × batch 128 and 1024 (issue 6)
    python bench/throughput.py --conv                # and simple-cnn (model.layers), batch 128 (issue 17)
    python bench/throughput.py --conv-only --samples 6000   # the conv row alone, on fewer samples
    python bench/throughput.py --device cuda --grid --conv  # on a GPU
    python bench/throughput.py --amp bf16            # the engine with train.amp=bf16 (or --compile)

Targets: engine >= 0.95x the bare loop and >= 3x the DataLoader loop.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.datasets.base import DatasetMeta, DatasetSplits, Normalizer, Split
from tui_trainer.engine.device import resolve_device, synchronize
from tui_trainer.engine.events import EpochEnd
from tui_trainer.engine.trainer import Trainer

ENGINE_OPTIONS = {"amp": "auto", "compile": False}  # set from the command line


def make_data(n: int, seed: int = 0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    if dtype == torch.uint8:
        x = torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8)
    else:
        x = torch.randn(n, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (n,), generator=g)
    return x, y


# A network: the MLP's hidden sizes, or the name of a layer stack the engine builds (model.layers).
Arch = list[int] | str


def network(arch: Arch) -> nn.Sequential:
    return simple_cnn() if arch == "simple-cnn" else mlp(list(arch))


def arch_name(arch: Arch) -> str:
    return arch if isinstance(arch, str) else "784-" + "-".join(map(str, arch)) + "-10"


def simple_cnn() -> nn.Sequential:
    """The engine's `simple-cnn` (model.layers, no batch norm) written out by hand for 1×28×28."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 128),
        nn.ReLU(),
        nn.Linear(128, 10),
    )


def mlp(hidden: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Flatten()]
    width = 784
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def bare_loop(x, y, arch: Arch, batch_size, device, fused: bool = False) -> float:
    """What a careful user writes by hand: device tensors, randperm, index, step. With `fused`,
    Adam's single-kernel update (which the engine uses where PyTorch has it): the loop's floor."""
    torch.manual_seed(0)
    model = network(arch).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, **({"fused": True} if fused else {}))
    loss_fn = nn.CrossEntropyLoss()
    x, y = x.to(device), y.to(device)
    n = x.shape[0]
    synchronize(device)
    start = time.perf_counter()
    perm = torch.randperm(n, device=device)
    for i in range(0, n, batch_size):
        idx = perm[i : i + batch_size]
        loss = loss_fn(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    synchronize(device)
    return n / (time.perf_counter() - start)


def dataloader_loop(x, y, arch: Arch, batch_size, device) -> float:
    """The tutorial loop: DataLoader(TensorDataset, shuffle=True), batches moved each step."""
    torch.manual_seed(0)
    model = network(arch).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    synchronize(device)
    start = time.perf_counter()
    for xb, yb in loader:
        xb, yb = xb.to(device), yb.to(device)
        loss = loss_fn(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    synchronize(device)
    return x.shape[0] / (time.perf_counter() - start)


def loader_fetch_only(x, y, batch_size) -> float:
    """Seconds per epoch the tutorial DataLoader spends producing batches (per-sample indexing
    and collation), with no training: the most the engine can save over the DataLoader loop."""
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    start = time.perf_counter()
    for _ in loader:
        pass
    return time.perf_counter() - start


def engine_config(arch: Arch, batch_size, device, uint8: bool = False, loader: str = "tensor") -> TrainConfig:
    config = TrainConfig()
    config.dataset.loader = loader
    if isinstance(arch, str):
        config.model.layers = [arch]
    else:
        config.model.hidden = list(arch)
    config.dataset.batch_size = batch_size
    config.dataset.normalization = "standardize" if uint8 else "none"
    config.train.epochs = 1
    config.train.device = str(device)
    config.train.n_samples_shown = 0
    config.train.amp = ENGINE_OPTIONS["amp"]
    config.train.compile = ENGINE_OPTIONS["compile"]
    return config


def mnist_splits(x, y, uint8: bool = False) -> DatasetSplits:
    meta = DatasetMeta(
        "random-mnist",
        "classification",
        (1, 28, 28),
        n_classes=10,
        class_names=[str(i) for i in range(10)],
        is_image=True,
        pixel_max=255.0 if uint8 else 1.0,
        n_train=x.shape[0],
        n_val=1000,
    )
    val_x, val_y = make_data(1000, seed=1, dtype=x.dtype)
    normalizer = Normalizer.fit(x, "standardize", True) if uint8 else Normalizer.identity()
    return DatasetSplits(Split(x, y), Split(val_x, val_y), None, meta, normalizer)


def engine_run(x, y, arch: Arch, batch_size, device, uint8: bool = False, loader: str = "tensor") -> float:
    """The real Trainer for one epoch; its EpochEnd reports training-only samples/s. `loader`:
    "tensor" (device-resident, index slicing) or "dataloader" (the engine's streaming path for
    sets too large for the device: 2 workers, pinned memory on CUDA)."""
    config = engine_config(arch, batch_size, device, uint8, loader)
    epochs: list[EpochEnd] = []
    result = Trainer(
        config,
        lambda e: epochs.append(e) if isinstance(e, EpochEnd) else None,
        data=mnist_splits(x, y, uint8),
        write_run_dir=False,
    ).run()
    if result.status != "completed":
        raise SystemExit(f"engine run failed: {result.reason}")
    return epochs[-1].samples_per_sec


def measure(arch: Arch, batch_size, device, n, repeats) -> dict[str, float]:
    x, y = make_data(n)
    x8, _ = make_data(n, dtype=torch.uint8)
    results: dict[str, list[float]] = {
        "engine": [],
        "engine_uint8": [],
        "engine_stream": [],
        "bare": [],
        "bare_fused": [],
        "dataloader": [],
        "fetch_s": [],
    }
    bare_loop(x[:4096], y[:4096], arch, batch_size, device)  # warm-up: allocator, kernels, threads
    for _ in range(repeats):
        results["engine"].append(engine_run(x, y, arch, batch_size, device))
        results["bare"].append(bare_loop(x, y, arch, batch_size, device))
        results["bare_fused"].append(bare_loop(x, y, arch, batch_size, device, fused=True))
        results["dataloader"].append(dataloader_loop(x, y, arch, batch_size, device))
        results["engine_uint8"].append(engine_run(x8, y, arch, batch_size, device, uint8=True))
        results["engine_stream"].append(engine_run(x, y, arch, batch_size, device, loader="dataloader"))
        results["fetch_s"].append(loader_fetch_only(x, y, batch_size))
    return {k: statistics.median(v) for k, v in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--grid", action="store_true", help="784-256-10 and 784-512-512-10 × batch 128, 1024")
    parser.add_argument("--amp", default="auto", help="train.amp for the engine runs")
    parser.add_argument("--compile", action="store_true", help="train.compile=true for the engine runs")
    parser.add_argument("--conv", action="store_true", help="also simple-cnn (model.layers), batch 128")
    parser.add_argument("--conv-only", action="store_true", help="only the simple-cnn row")
    args = parser.parse_args()
    ENGINE_OPTIONS.update(amp=args.amp, compile=args.compile)
    device = resolve_device(args.device)
    check_simple_cnn_matches_the_engine()
    cases: list[tuple[Arch, int]] = [([256], 128)]
    if args.grid:
        cases = [([256], 128), ([256], 1024), ([512, 512], 128), ([512, 512], 1024)]
    if args.conv_only:
        cases = []
    if args.conv or args.conv_only:
        cases.append(("simple-cnn", 128))
    print(
        f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{args.samples} samples, median of {args.repeats}; engine train.amp={args.amp} "
        f"train.compile={args.compile}"
    )
    header = (
        f"{'model':<16}{'batch':>6}{'engine':>11}{'uint8':>11}{'stream':>11}{'bare':>11}{'fused':>11}{'loader':>11}{'eng/bare':>10}"
        f"{'eng/fused':>10}{'eng/loader':>11}{'fetch%':>8}{'ceiling':>9}"
    )
    print(header)
    for arch, bs in cases:
        r = measure(arch, bs, device, args.samples, args.repeats)
        name = arch_name(arch)
        # Share of the DataLoader loop's epoch spent fetching batches, and the best engine/loader
        # ratio any loop could reach by removing that fetching entirely (compute is the rest).
        loader_epoch = args.samples / r["dataloader"]
        fetch_share = min(r["fetch_s"] / loader_epoch, 1.0)
        ceiling = 1 / (1 - fetch_share) if fetch_share < 1 else float("inf")
        print(
            f"{name:<16}{bs:>6}{r['engine']:>11,.0f}{r['engine_uint8']:>11,.0f}{r['engine_stream']:>11,.0f}"
            f"{r['bare']:>11,.0f}"
            f"{r['bare_fused']:>11,.0f}{r['dataloader']:>11,.0f}{r['engine'] / r['bare']:>10.2f}"
            f"{r['engine'] / r['bare_fused']:>10.2f}{r['engine'] / r['dataloader']:>11.2f}"
            f"{fetch_share * 100:>7.0f}%{ceiling:>9.2f}"
        )
    print(
        "samples/s; 'bare' is the hand-written loop with PyTorch's default Adam, 'fused' the same\n"
        "loop with Adam(fused=True) as the engine uses (eng/fused: the engine's own overhead);\n"
        "'uint8' is the engine on uint8 images normalised per batch (how MNIST is held);\n"
        "'stream' is the engine's DataLoader path (dataset.loader=dataloader: workers, pinned memory);\n"
        "fetch% is the share of the DataLoader loop's time spent producing batches (measured alone);\n"
        "ceiling = 1 / (1 - fetch%): the engine/loader ratio of a loop with zero data cost."
    )


def check_simple_cnn_matches_the_engine() -> None:
    """The hand-written network is the engine's: the same layers and parameter shapes."""
    from tui_trainer.engine.model import build_model

    config = TrainConfig()
    config.model.layers = ["simple-cnn"]
    meta = DatasetMeta("random-mnist", "classification", (1, 28, 28), n_classes=10, is_image=True)
    engine = [tuple(p.shape) for p in build_model(config, meta).parameters()]
    if engine != [tuple(p.shape) for p in simple_cnn().parameters()]:
        raise SystemExit("bench/throughput.py: simple_cnn() no longer matches the engine's simple-cnn")


if __name__ == "__main__":
    main()
