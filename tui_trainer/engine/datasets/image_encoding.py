"""How an image file becomes a sample of an image run, the way its training images did.

A `folder:` run's images were decoded, made RGB (torchvision's ImageFolder loader), resized to
`dataset.image_size` square (torchvision's Resize on a PIL image: PIL's bilinear resize) and made
grey by `dataset.grayscale` (PIL's "L" conversion): `ImageEncoding` takes the same PIL steps, so a
training image gives the very tensor training had. MNIST-like sets and CIFAR were never files;
their images are resized to the set's size the same way. Pixel values are then put in the set's
stored range: 0..255, or 0..16 for scikit-learn's 8×8 digits.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tui_trainer.engine.config import ConfigError
from tui_trainer.engine.datasets.image_folder import too_large_message

# torchvision's IMG_EXTENSIONS, which the folder: loader reads.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")
FILE_PIXEL_MAX = 255.0


@dataclass
class ImageEncoding:
    channels: int  # 1 (grey) or 3 (RGB)
    height: int
    width: int
    pixel_max: float = FILE_PIXEL_MAX  # the stored value of full brightness

    def to_dict(self) -> dict[str, Any]:
        return {
            "channels": self.channels,
            "height": self.height,
            "width": self.width,
            "pixel_max": self.pixel_max,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ImageEncoding:
        shape = int(data["channels"]), int(data["height"]), int(data["width"])
        encoding = cls(*shape, pixel_max=float(data["pixel_max"]))
        if encoding.channels not in (1, 3) or min(encoding.height, encoding.width) < 1:
            raise ValueError(f"image shape {encoding.channels}×{encoding.height}×{encoding.width}")
        return encoding

    @property
    def size_text(self) -> str:
        return f"{self.width}×{self.height} {'grey' if self.channels == 1 else 'RGB'}"

    def pixels(self, image: Any) -> np.ndarray:
        """One PIL image as (C, H, W) uint8, converted as training converted its images."""
        from PIL import Image

        image = image.convert("RGB")
        if image.size != (self.width, self.height):
            image = image.resize((self.width, self.height), Image.Resampling.BILINEAR)
        if self.channels == 1:
            return np.asarray(image.convert("L"))[None]
        return np.asarray(image).transpose(2, 0, 1)

    def encode(self, images: Sequence[Any]) -> torch.Tensor:
        """(N, C, H, W) stored values of PIL images: uint8, or float32 when the set's range is not
        0..255."""
        batch = torch.from_numpy(np.stack([self.pixels(image) for image in images]))
        return self.stored_range(batch)

    def stored_range(self, batch: torch.Tensor) -> torch.Tensor:
        if self.pixel_max == FILE_PIXEL_MAX:
            return batch
        return batch.float() * (self.pixel_max / FILE_PIXEL_MAX)

    def read(self, paths: Sequence[Path], shown: Sequence[str]) -> tuple[torch.Tensor, int]:
        """(stored values of the image files, how many were resized). `shown` names each file in
        messages; an unreadable one is a ConfigError naming it."""
        out = np.empty((len(paths), self.channels, self.height, self.width), dtype=np.uint8)
        resized = 0
        for i, (path, name) in enumerate(zip(paths, shown, strict=True)):
            image = read_image(path, name)
            resized += image.size != (self.width, self.height)
            out[i] = self.pixels(image)
        return self.stored_range(torch.from_numpy(out)), resized


def read_image(path: Path, shown: str) -> Any:
    """A decoded PIL image; ConfigError (one line naming the file) when it cannot be read."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        # As the folder: loader: PIL only warns between 1x and 2x its pixel limit; refuse both.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                return image.convert("RGB")  # as torchvision's loader does, before any other step
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ConfigError(too_large_message(shown, exc, Image.MAX_IMAGE_PIXELS)) from None
        except UnidentifiedImageError:
            raise ConfigError(
                f"cannot read image {shown}: not an image file PIL can decode; fix or remove it"
            ) from None
        except (OSError, ValueError, SyntaxError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ConfigError(f"cannot read image {shown}: {reason}; fix or remove it") from None


def image_files(folder: Path) -> list[Path]:
    """The image files under `folder`, at any depth, sorted; hidden files and folders left out."""
    found = []
    for path in folder.rglob("*"):
        if path.suffix.lower() not in IMAGE_EXTENSIONS or not path.is_file():
            continue
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        found.append(path)
    return sorted(found)
