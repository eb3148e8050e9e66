"""MNIST, Fashion-MNIST, KMNIST, CIFAR-10 and CIFAR-100 through `torchvision.datasets`.

The torchvision classes read the real files (IDX for the MNIST family, pickled batches for CIFAR)
with `download=False`; missing files are fetched first by `download.fetch` so progress reaches the
UI. Their `.data`/`.targets` arrays are taken whole as uint8 (N, C, H, W) tensors: no PIL images
and no per-sample transforms, ever. Normalisation happens per batch on the device, with
per-channel statistics fitted on the training split (see `Normalizer.fit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from tui_trainer.engine.config import DatasetConfig
from tui_trainer.engine.datasets.meta import DatasetMeta, LoadProgress

if TYPE_CHECKING:  # the registry imports this module to list the sets, before torch is loaded
    import torch

    from tui_trainer.engine.datasets.base import LoadedData
from tui_trainer.engine.datasets.download import DatasetUnavailable, RemoteFile, extract, fetch


@dataclass(frozen=True)
class VisionSet:
    name: str  # registry name
    class_name: str  # attribute of torchvision.datasets
    family: str  # "mnist" (IDX files) or "cifar" (pickled batches)
    description: str
    shape: tuple[int, int, int]
    n_train: int
    n_test: int

    @property
    def nbytes(self) -> int:
        c, h, w = self.shape
        return (self.n_train + self.n_test) * c * h * w


VISION_SETS = (
    VisionSet("mnist", "MNIST", "mnist", "handwritten digits 0-9, 28×28 grey", (1, 28, 28), 60000, 10000),
    VisionSet(
        "fashion_mnist",
        "FashionMNIST",
        "mnist",
        "Zalando clothing, 10 classes, 28×28 grey",
        (1, 28, 28),
        60000,
        10000,
    ),
    VisionSet(
        "kmnist",
        "KMNIST",
        "mnist",
        "Kuzushiji (cursive Japanese) characters, 10 classes, 28×28 grey",
        (1, 28, 28),
        60000,
        10000,
    ),
    VisionSet(
        "cifar10", "CIFAR10", "cifar", "tiny colour photos, 10 classes, 32×32 RGB", (3, 32, 32), 50000, 10000
    ),
    VisionSet(
        "cifar100",
        "CIFAR100",
        "cifar",
        "tiny colour photos, 100 classes, 32×32 RGB",
        (3, 32, 32),
        50000,
        10000,
    ),
)


def _dataset_class(vision: VisionSet):
    import torchvision.datasets

    return getattr(torchvision.datasets, vision.class_name)


def data_root(cfg: DatasetConfig) -> Path:
    from tui_trainer.engine.datasets.paths import data_dir

    return data_dir(cfg)


# ---- files on disk ---------------------------------------------------------------------------


def _mnist_ready(cls, root: Path) -> bool:
    raw = root / cls.__name__ / "raw"
    return all((raw / Path(name).stem).is_file() for name, _ in cls.resources)


def _cifar_ready(cls, root: Path) -> bool:
    folder = root / cls.base_folder
    names = [name for name, _ in cls.train_list + cls.test_list] + [cls.meta["filename"]]
    return all((folder / name).is_file() for name in names)


def _ensure_mnist(cls, root: Path, progress: LoadProgress | None) -> None:
    raw = root / cls.__name__ / "raw"
    for name, md5 in cls.resources:
        if (raw / Path(name).stem).is_file():
            continue
        remote = RemoteFile(name, md5, tuple(f"{mirror}{name}" for mirror in cls.mirrors))
        extract(fetch(remote, raw, progress), raw)


def _ensure_cifar(cls, root: Path, progress: LoadProgress | None) -> None:
    archive = fetch(RemoteFile(cls.filename, cls.tgz_md5, (cls.url,)), root, progress)
    if progress is not None:
        progress(f"unpacking {cls.filename}", 0, 1)
    extract(archive, root)
    if progress is not None:
        progress(f"unpacking {cls.filename}", 1, 1)


def offline_help(vision: VisionSet, root: Path) -> str:
    """Where to put the files by hand on a machine without internet, in one line."""
    cls = _dataset_class(vision)
    if vision.family == "mnist":
        names = ", ".join(name for name, _ in cls.resources)
        return (
            f"place {names} (from {cls.mirrors[0]}; gunzipped copies work too) in "
            f"{root / cls.__name__ / 'raw'}"
        )
    return f"place {cls.filename} (from {cls.url}) in {root}, or its unpacked {cls.base_folder}/ folder"


def ensure_files(vision: VisionSet, root: Path, progress: LoadProgress | None) -> None:
    cls = _dataset_class(vision)
    ready = _mnist_ready if vision.family == "mnist" else _cifar_ready
    if ready(cls, root):
        return
    try:
        if vision.family == "mnist":
            _ensure_mnist(cls, root, progress)
        else:
            _ensure_cifar(cls, root, progress)
    except OSError as exc:
        reason = " ".join(str(exc).split("; ")[0].split())
        raise DatasetUnavailable(
            f"cannot download {vision.name} ({reason}); on a machine without internet, "
            f"{offline_help(vision, root)}"
        ) from None


# ---- reading -------------------------------------------------------------------------------------


def _as_tensors(vision: VisionSet, split) -> tuple[torch.Tensor, torch.Tensor]:
    import torch

    data = split.data
    if vision.family == "mnist":
        x = torch.as_tensor(data, dtype=torch.uint8).unsqueeze(1)
    else:
        # CIFAR arrays are (N, H, W, C); the model and the samples view want (N, C, H, W).
        x = torch.from_numpy(data).permute(0, 3, 1, 2)
    y = torch.as_tensor(split.targets, dtype=torch.long)
    return x.contiguous(), y


def load_vision(
    vision: VisionSet, cfg: DatasetConfig, seed: int, progress: LoadProgress | None = None
) -> LoadedData:
    root = data_root(cfg)
    ensure_files(vision, root, progress)
    cls = _dataset_class(vision)
    what = f"reading {vision.name}"
    if progress is not None:
        progress(what, 0, 2)
    try:
        train = cls(str(root), train=True, download=False)
        if progress is not None:
            progress(what, 1, 2)
        test = cls(str(root), train=False, download=False)
    except (RuntimeError, ValueError, EOFError, OSError) as exc:
        raise DatasetUnavailable(
            f"{vision.name} files in {root} are incomplete or corrupted ({' '.join(str(exc).split())}); "
            f"delete them to download again, or {offline_help(vision, root)}"
        ) from None
    if progress is not None:
        progress(what, 2, 2)
    from tui_trainer.engine.datasets.base import LoadedData

    x, y = _as_tensors(vision, train)
    x_test, y_test = _as_tensors(vision, test)
    classes = [str(c) for c in train.classes]
    meta = DatasetMeta(
        name=vision.name,
        task="classification",
        input_shape=tuple(x.shape[1:]),
        n_classes=len(classes),
        class_names=classes,
        is_image=True,
        pixel_max=255.0,
        description=f"torchvision {vision.class_name}: {vision.description}",
    )
    return LoadedData(x, y, meta, x_test=x_test, y_test=y_test)


def register_all(register, spec_type) -> None:
    for vision in VISION_SETS:
        loader = partial(load_vision, vision)
        size = f"{vision.nbytes / 1e6:.0f} MB as uint8"
        register(
            spec_type(
                vision.name,
                loader,
                "torchvision",
                f"{vision.description}; {vision.n_train:,} train + {vision.n_test:,} test, {size}",
                needs_download=True,
                # Photos stay photos when mirrored or shifted; digits and letters do not.
                recommended={"dataset.augment": "flip+crop"} if vision.family == "cifar" else {},
            )
        )


def on_disk(name: str, cfg: DatasetConfig) -> bool:
    """Whether a torchvision set's files are already in the data directory (no download needed);
    for the UI's dataset list. Checks file presence only, not checksums."""
    vision = next(v for v in VISION_SETS if v.name == name)
    ready = _mnist_ready if vision.family == "mnist" else _cifar_ready
    return ready(_dataset_class(vision), data_root(cfg))
