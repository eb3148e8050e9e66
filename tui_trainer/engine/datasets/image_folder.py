"""`folder:path/`: images in one sub-folder per class, read once by torchvision's ImageFolder.

Each image is decoded, resized to `dataset.image_size` square and made grey or RGB by
`dataset.grayscale` exactly once, into one uint8 (N, C, H, W) tensor; training then never touches
PIL again.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import torch

from tui_trainer.engine.config import ConfigError, DatasetConfig
from tui_trainer.engine.datasets.base import DatasetMeta, LoadedData, LoadProgress


def _check_layout(root: Path, given: str) -> list[str]:
    from torchvision.datasets.folder import IMG_EXTENSIONS

    if not root.exists():
        raise ConfigError(f"image folder not found: {given}")
    if not root.is_dir():
        raise ConfigError(f"{given} is a file; folder: needs a directory with one sub-folder per class")
    classes = sorted(
        entry.name for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith(".")
    )
    if not classes:
        raise ConfigError(
            f"{given} has no class sub-folders; put each class's images in its own folder, "
            f"e.g. {given.rstrip('/')}/cat/1.png"
        )
    empty = [
        name
        for name in classes
        if not any(p.suffix.lower() in IMG_EXTENSIONS for p in (root / name).rglob("*") if p.is_file())
    ]
    if len(empty) == len(classes):
        raise ConfigError(f"{given} contains no images ({', '.join(IMG_EXTENSIONS)}) in its class folders")
    if empty:
        raise ConfigError(
            f"class folder(s) {', '.join(empty)} in {given} contain no images; add images or remove them"
        )
    return classes


def _plain_reason(exc: OSError) -> str:
    """PIL's errors for a damaged file ("image file is truncated (3 bytes not processed)") or the
    system's, without Python object reprs; and what to do."""
    reason = exc.strerror or " ".join(str(exc).split()) or type(exc).__name__
    reason = re.sub(r"<_io\.\w+ name=('[^']*'|\d+)>", "the file", reason)
    return f"{reason}; fix or remove it"


def too_large_message(file: str, exc: Exception, limit: int | None) -> str:
    pixels = re.search(r"\((\d+) pixels\)", str(exc))
    size = f"{int(pixels[1]):,} pixels" if pixels else "too many pixels"
    return (
        f"image {file} is too large to decode ({size}, over the limit of {limit or 0:,}; "
        "it may be a decompression bomb); shrink or remove it"
    )


def load_image_folder(
    cfg: DatasetConfig, seed: int, path: str, progress: LoadProgress | None = None
) -> LoadedData:
    from PIL import Image, UnidentifiedImageError
    from torchvision import transforms
    from torchvision.datasets import ImageFolder

    from tui_trainer.engine.datasets.paths import resolve_path

    root = resolve_path(cfg, path)
    _check_layout(root, path)  # before ImageFolder, whose own errors are less clear
    size = cfg.image_size
    steps = [transforms.Resize((size, size))]
    if cfg.grayscale:
        steps.append(transforms.Grayscale(num_output_channels=1))
    steps.append(transforms.PILToTensor())

    class VisibleFolders(ImageFolder):
        # Hidden folders (.ipynb_checkpoints, .git) are not classes.
        def find_classes(self, directory):
            classes = _check_layout(Path(directory), path)
            return classes, {name: i for i, name in enumerate(classes)}

    folder = VisibleFolders(str(root), transform=transforms.Compose(steps))
    channels = 1 if cfg.grayscale else 3
    n = len(folder)
    x = torch.empty((n, channels, size, size), dtype=torch.uint8)
    y = torch.as_tensor(folder.targets, dtype=torch.long)
    what = f"reading images in {path}"
    every = max(n // 100, 1)
    with warnings.catch_warnings():
        # PIL only warns between 1x and 2x its pixel limit and refuses above: refuse both, by name.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        for i in range(n):
            try:
                x[i] = folder[i][0]
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                message = too_large_message(folder.samples[i][0], exc, Image.MAX_IMAGE_PIXELS)
                raise ConfigError(message) from None
            except UnidentifiedImageError:
                raise ConfigError(
                    f"{folder.samples[i][0]} is not an image that can be read (its name ends like one, "
                    "its content is not a PNG, JPEG or other picture); fix or remove it"
                ) from None
            except OSError as exc:
                raise ConfigError(f"cannot read image {folder.samples[i][0]}: {_plain_reason(exc)}") from None
            if progress is not None and (i % every == 0 or i == n - 1):
                progress(what, i + 1, n)
    name = root.name or str(root)
    colour = "grey" if cfg.grayscale else "RGB"
    meta = DatasetMeta(
        name=name,
        task="classification",
        input_shape=(channels, size, size),
        n_classes=len(folder.classes),
        class_names=list(folder.classes),
        is_image=True,
        pixel_max=255.0,
        description=f"image folder {path}: {n} images, {len(folder.classes)} classes, {size}×{size} {colour}",
    )
    return LoadedData(x, y, meta)
