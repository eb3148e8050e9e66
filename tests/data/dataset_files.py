"""Writers for small but genuine dataset files: IDX (MNIST family), CIFAR pickles, PNG folders."""

from __future__ import annotations

import gzip
import hashlib
import pickle
import struct
from pathlib import Path

import numpy as np

MNIST_FILES = {
    "images": ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte"),
    "labels": ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"),
}


def _patterned_images(labels: np.ndarray, channels: int, size: int, rng) -> np.ndarray:
    """Noise plus a bright band whose row depends on the label, so a model can learn something."""
    images = rng.integers(0, 60, size=(len(labels), channels, size, size), dtype=np.uint8)
    band = size // 10
    for i, label in enumerate(labels):
        row = int(label) * band
        images[i, :, row : row + band, :] = 250
    return images


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX format: zero, zero, type 0x08 (ubyte), ndim, big-endian dims, then the bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_mnist_family(
    root: Path, class_name: str, n_train: int = 300, n_test: int = 100, gz: bool = False, seed: int = 0
) -> Path:
    """Write <root>/<class_name>/raw/ the way torchvision's MNIST reads it; returns the raw folder."""
    rng = np.random.default_rng(seed)
    raw = root / class_name / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for split, n in ((0, n_train), (1, n_test)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = _patterned_images(labels, 1, 28, rng)[:, 0]
        for kind, array in (("images", images), ("labels", labels)):
            name = MNIST_FILES[kind][split]
            data = idx_bytes(array)
            if gz:
                (raw / f"{name}.gz").write_bytes(gzip.compress(data))
            else:
                (raw / name).write_bytes(data)
    return raw


CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def write_cifar10(root: Path, per_batch: int = 40, n_test: int = 60, seed: int = 0) -> dict[str, str]:
    """Write cifar-10-batches-py/ (data_batch_1..5, test_batch, batches.meta) as the published
    pickles are laid out; returns each file's MD5 so torchvision's integrity check can be told."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)

    def batch(name: str, n: int) -> None:
        labels = (np.arange(n) % 10).astype(np.int64)
        images = _patterned_images(labels, 3, 32, rng).reshape(n, 3072)
        entry = {
            "batch_label": name,
            "labels": labels.tolist(),
            "data": images,
            "filenames": [f"{i}.png" for i in range(n)],
        }
        (folder / name).write_bytes(pickle.dumps(entry, protocol=2))

    for i in range(1, 6):
        batch(f"data_batch_{i}", per_batch)
    batch("test_batch", n_test)
    meta = {"label_names": CIFAR10_CLASSES, "num_cases_per_batch": per_batch, "num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def cifar10_checksum_patch(digests: dict[str, str]) -> str:
    """Source of a sitecustomize module that registers the test files' MD5s with CIFAR10.

    torchvision verifies every CIFAR file against the digest of the published batches, which tiny
    test batches cannot match. Only the expected digests change; the reading code is torchvision's.
    """
    train = [[f"data_batch_{i}", digests[f"data_batch_{i}"]] for i in range(1, 6)]
    return (
        "import torchvision.datasets as _d\n"
        f"_d.CIFAR10.train_list = {train!r}\n"
        f"_d.CIFAR10.test_list = [['test_batch', {digests['test_batch']!r}]]\n"
        f"_d.CIFAR10.meta = dict(_d.CIFAR10.meta, md5={digests['batches.meta']!r})\n"
    )


def write_png_folder(
    root: Path, classes: dict[str, int], size: int = 12, mode: str = "RGB", seed: int = 0
) -> Path:
    from PIL import Image

    rng = np.random.default_rng(seed)
    for c, (name, count) in enumerate(classes.items()):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            channels = 3 if mode == "RGB" else 1
            pixels = rng.integers(0, 80, size=(size, size, channels), dtype=np.uint8)
            pixels[:, c * 3 : c * 3 + 3] = 240
            image = Image.fromarray(pixels if channels == 3 else pixels[:, :, 0], mode)
            image.save(folder / f"{i}.png")
    return root


def write_sklearn_csv(folder: Path, loader_name: str) -> Path:
    """One of scikit-learn's bundled tables (load_wine, load_diabetes, load_breast_cancer) as a CSV
    with its feature names as header and the target as a last column named `target`."""
    import sklearn.datasets

    frame = getattr(sklearn.datasets, loader_name)(as_frame=True).frame
    path = folder / f"{loader_name.removeprefix('load_')}.csv"
    frame.to_csv(path, index=False)
    return path


def write_wide_csv(path: Path, columns: int, rows: int = 3) -> Path:
    """A table with `columns` numeric columns named feature_0 ... and a few rows."""
    with open(path, "w") as handle:
        handle.write(",".join(f"feature_{i}" for i in range(columns)) + "\n")
        handle.writelines(",".join(str((i * 7 + r) % 10) for i in range(columns)) + "\n" for r in range(rows))
    return path
