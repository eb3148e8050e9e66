"""What the UI needs to know about a dataset, free of torch so the setup screen loads instantly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class DatasetMeta:
    name: str
    task: str  # "classification" or "regression"
    input_shape: tuple[int, ...]  # one sample, e.g. (1, 28, 28) or (2,)
    n_classes: int = 0  # 0 for regression
    class_names: list[str] = field(default_factory=list)
    is_image: bool = False
    feature_names: list[str] = field(default_factory=list)
    # Raw pixel range of stored images, so views can map them to [0, 1] for display.
    pixel_max: float = 1.0
    description: str = ""
    n_train: int = 0
    n_val: int = 0
    n_test: int = 0
    # Choices the loader made for the user (target column picked, columns dropped); shown as log lines.
    notes: list[str] = field(default_factory=list)
    # Regression targets the network trains on are (y - target_mean) / target_scale; None when
    # the target is used as it is (classification, dataset.target_normalization=none, old runs).
    target_mean: float | None = None
    target_scale: float | None = None

    @property
    def n_inputs(self) -> int:
        n = 1
        for dim in self.input_shape:
            n *= dim
        return n

    def summary(self) -> str:
        shape = "×".join(str(d) for d in self.input_shape)
        target = f"{self.n_classes} classes" if self.task == "classification" else "regression"
        return (
            f"{self.name}: {self.n_train} train / {self.n_val} val / {self.n_test} test, "
            f"input {shape}, {target}"
        )


# Progress callback for slow loads (downloads): (what, done, total or None).
LoadProgress = Callable[[str, int, int | None], None]
