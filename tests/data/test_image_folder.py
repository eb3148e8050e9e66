"""`folder:` datasets: PNG files in one sub-folder per class, read by torchvision's ImageFolder."""

from __future__ import annotations

import warnings

import pytest
import torch
from batch_cli import batch_args, run_cli, single_run_dir, summary
from dataset_files import write_png_folder

from tui_trainer.engine.config import ConfigError, TrainConfig
from tui_trainer.engine.datasets import load_dataset


def _cfg(path, size=8, grayscale=True):
    cfg = TrainConfig().dataset
    cfg.name, cfg.image_size, cfg.grayscale = f"folder:{path}", size, grayscale
    return cfg


@pytest.mark.slow
def test_png_folder_trains_one_epoch_in_batch_mode(tmp_path):
    root = write_png_folder(tmp_path / "shapes", {"circle": 20, "square": 20, "star": 20})
    out = tmp_path / "runs"
    result = run_cli(
        *batch_args(
            f"folder:{root}",
            tmp_path,
            out,
            "dataset.image_size=10",
            "dataset.grayscale=false",
            "dataset.batch_size=8",
        )
    )
    assert result.returncode == 0, result.stderr
    info = summary(single_run_dir(out))
    assert info["status"] == "completed"
    assert info["dataset"].startswith("shapes: 42 train / 12 val / 6 test, input 3×10×10, 3 classes")


@pytest.mark.parametrize("grayscale,channels", [(True, 1), (False, 3)])
def test_images_are_resized_once_into_uint8_tensors(tmp_path, grayscale, channels):
    root = write_png_folder(tmp_path / "pics", {"a": 6, "b": 4}, size=12)
    (tmp_path / "pics" / ".ipynb_checkpoints").mkdir()  # hidden folders are not classes
    splits = load_dataset(_cfg(root, size=8, grayscale=grayscale), seed=0)
    meta = splits.meta
    assert splits.train.x.dtype == torch.uint8 and splits.train.x.shape[1:] == (channels, 8, 8)
    assert (meta.is_image, meta.input_shape, meta.pixel_max) == (True, (channels, 8, 8), 255.0)
    assert meta.class_names == ["a", "b"] and meta.n_train + meta.n_val + meta.n_test == 10


def test_progress_is_reported_while_decoding(tmp_path):
    root = write_png_folder(tmp_path / "pics", {"a": 3, "b": 3})
    calls = []
    load_dataset(_cfg(root), seed=0, progress=lambda *a: calls.append(a))
    assert calls[-1] == (f"reading images in {root}", 6, 6)


def test_layout_errors(tmp_path):
    with pytest.raises(ConfigError, match="image folder not found: .*missing"):
        load_dataset(_cfg(tmp_path / "missing"), seed=0)
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "x.png").write_bytes(b"")
    with pytest.raises(ConfigError, match="has no class sub-folders"):
        load_dataset(_cfg(flat), seed=0)
    no_images = tmp_path / "noimages"
    (no_images / "a").mkdir(parents=True)
    (no_images / "b").mkdir()
    (no_images / "a" / "notes.txt").write_text("hi")
    with pytest.raises(ConfigError, match="contains no images"):
        load_dataset(_cfg(no_images), seed=0)
    one_empty = write_png_folder(tmp_path / "oneempty", {"a": 2})
    (one_empty / "b").mkdir()
    with pytest.raises(ConfigError, match=r"class folder\(s\) b in .* contain no images"):
        load_dataset(_cfg(one_empty), seed=0)


def test_unreadable_image_names_the_file(tmp_path):
    root = write_png_folder(tmp_path / "pics", {"a": 2, "b": 2})
    (root / "b" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(
        ConfigError, match=r"broken\.png is not an image that can be read.*fix or remove it"
    ) as caught:
        load_dataset(_cfg(root), seed=0)
    assert "_io." not in str(caught.value) and "BufferedReader" not in str(caught.value)


def test_truncated_image_is_named_in_plain_words(tmp_path):
    root = write_png_folder(tmp_path / "pics", {"a": 2, "b": 2})
    whole = next((root / "b").iterdir()).read_bytes()
    (root / "b" / "cut.png").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ConfigError, match=r"cannot read image .*cut\.png: .*; fix or remove it") as caught:
        load_dataset(_cfg(root), seed=0)
    assert "<" not in str(caught.value)


def write_bomb_png(path, width: int, height: int) -> None:
    """A few-byte PNG whose header claims width × height pixels: what a decompression bomb looks like."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("width,height", [(20_000, 10_000), (10_000, 10_000)])  # PIL errors / only warns
def test_decompression_bomb_names_the_file(tmp_path, width, height):
    root = write_png_folder(tmp_path / "pics", {"a": 2, "b": 2})
    write_bomb_png(root / "b" / "bomb.png", width, height)
    with warnings.catch_warnings(record=True) as leaked, pytest.raises(ConfigError) as info:
        warnings.simplefilter("always")
        load_dataset(_cfg(root), seed=0)
    assert not [w for w in leaked if "decompression bomb" in str(w.message)]
    message = str(info.value)
    assert message.startswith(
        f"image {root / 'b' / 'bomb.png'} is too large to decode ({width * height:,} pixels"
    )
    assert message.endswith("shrink or remove it")


@pytest.mark.slow
def test_decompression_bomb_in_batch_mode_is_one_line(tmp_path):
    root = write_png_folder(tmp_path / "pics", {"a": 2, "b": 2})
    write_bomb_png(root / "a" / "bomb.png", 20_000, 10_000)
    result = run_cli(*batch_args(f"folder:{root}", tmp_path, tmp_path / "runs", "dataset.image_size=8"))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bomb.png is too large to decode" in lines[0], result.stderr
