"""Generated 2-D classification and 1-D regression sets, seeded and instant.

They are the playground sets: small enough that the decision boundary can be drawn and a model
learns them in seconds.
"""

from __future__ import annotations

import math

import torch

from tui_trainer.engine.config import DatasetConfig
from tui_trainer.engine.datasets.base import DatasetMeta, LoadedData


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _classification(name: str, x: torch.Tensor, y: torch.Tensor, n_classes: int, text: str) -> LoadedData:
    meta = DatasetMeta(
        name=name,
        task="classification",
        input_shape=(2,),
        n_classes=n_classes,
        class_names=[str(c) for c in range(n_classes)],
        feature_names=["x1", "x2"],
        description=text,
    )
    return LoadedData(x.float(), y.long(), meta)


def spirals(cfg: DatasetConfig, seed: int) -> LoadedData:
    g, n_classes = _generator(seed), 3
    per_class = max(cfg.n_samples // n_classes, 2)
    xs, ys = [], []
    for c in range(n_classes):
        r = torch.linspace(0.05, 1.0, per_class)
        theta = (
            torch.linspace(c * 4.0, (c + 1) * 4.0, per_class)
            + torch.randn(per_class, generator=g) * cfg.noise * 2
        )
        xs.append(torch.stack([r * torch.sin(theta), r * torch.cos(theta)], dim=1))
        ys.append(torch.full((per_class,), c))
    return _classification(
        "spirals", torch.cat(xs), torch.cat(ys), n_classes, "three interleaved spiral arms"
    )


def moons(cfg: DatasetConfig, seed: int) -> LoadedData:
    g = _generator(seed)
    n_out = cfg.n_samples // 2
    n_in = cfg.n_samples - n_out
    t_out = torch.rand(n_out, generator=g) * math.pi
    t_in = torch.rand(n_in, generator=g) * math.pi
    outer = torch.stack([torch.cos(t_out), torch.sin(t_out)], dim=1)
    inner = torch.stack([1 - torch.cos(t_in), 0.5 - torch.sin(t_in)], dim=1)
    x = torch.cat([outer, inner]) + torch.randn(cfg.n_samples, 2, generator=g) * cfg.noise
    y = torch.cat([torch.zeros(n_out), torch.ones(n_in)])
    return _classification("moons", x, y, 2, "two interleaving half circles")


def circles(cfg: DatasetConfig, seed: int) -> LoadedData:
    g = _generator(seed)
    n_out = cfg.n_samples // 2
    n_in = cfg.n_samples - n_out
    t = torch.rand(cfg.n_samples, generator=g) * 2 * math.pi
    radius = torch.cat([torch.ones(n_out), torch.full((n_in,), 0.5)])
    x = torch.stack([radius * torch.cos(t), radius * torch.sin(t)], dim=1)
    x = x + torch.randn(cfg.n_samples, 2, generator=g) * cfg.noise
    y = torch.cat([torch.zeros(n_out), torch.ones(n_in)])
    return _classification("circles", x, y, 2, "a small circle inside a large one")


def xor(cfg: DatasetConfig, seed: int) -> LoadedData:
    g = _generator(seed)
    x = torch.rand(cfg.n_samples, 2, generator=g) * 2 - 1
    # Keep points off the axes so the classes are separable at zero noise.
    x = x + torch.sign(x) * 0.05
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).long()
    x = x + torch.randn(cfg.n_samples, 2, generator=g) * cfg.noise
    return _classification("xor", x, y, 2, "points labelled by the sign of x1·x2")


def blobs(cfg: DatasetConfig, seed: int) -> LoadedData:
    g, n_classes = _generator(seed), 4
    centres = torch.tensor([[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
    y = torch.arange(cfg.n_samples) % n_classes
    x = centres[y] + torch.randn(cfg.n_samples, 2, generator=g) * (0.3 + cfg.noise)
    return _classification("blobs", x, y, n_classes, "four Gaussian clusters")


def _regression(name: str, x: torch.Tensor, y: torch.Tensor, text: str) -> LoadedData:
    meta = DatasetMeta(name=name, task="regression", input_shape=(1,), feature_names=["x"], description=text)
    return LoadedData(x.float().view(-1, 1), y.float().view(-1, 1), meta)


def linear(cfg: DatasetConfig, seed: int) -> LoadedData:
    g = _generator(seed)
    low, high = cfg.x_min, cfg.x_max
    if cfg.x_spacing == "even":
        x = torch.linspace(low, high, cfg.n_samples)
    else:
        x = torch.rand(cfg.n_samples, generator=g) * (high - low) + low
    y = cfg.slope * x + cfg.intercept + torch.randn(cfg.n_samples, generator=g) * cfg.noise
    line = f"y = {cfg.slope:g}x {'-' if cfg.intercept < 0 else '+'} {abs(cfg.intercept):g}"
    noise = f" + noise ({cfg.noise:g})" if cfg.noise > 0 else ""
    return _regression("linear", x, y, f"{line}{noise}, x in [{low:g}, {high:g}]")


def sine(cfg: DatasetConfig, seed: int) -> LoadedData:
    g = _generator(seed)
    x = torch.rand(cfg.n_samples, generator=g) * 2 * math.pi - math.pi
    y = torch.sin(x) + torch.randn(cfg.n_samples, generator=g) * cfg.noise
    return _regression("sine", x, y, "y = sin(x) + noise")
