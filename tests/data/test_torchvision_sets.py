"""MNIST, Fashion-MNIST, KMNIST and CIFAR-10 through torchvision's own dataset classes, reading
small files written here in the published formats; plus the download and offline paths."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import socket
import threading
from functools import partial

import pytest
import torch
from batch_cli import batch_args, run_cli, single_run_dir, summary
from dataset_files import cifar10_checksum_patch, write_cifar10, write_mnist_family
from rich.console import Console

from tui_trainer.batch import run_batch
from tui_trainer.engine.config import TrainConfig
from tui_trainer.engine.datasets import load_dataset
from tui_trainer.engine.datasets.download import DatasetUnavailable, RemoteFile, fetch
from tui_trainer.engine.datasets.registry import find_spec

MNIST_FAMILY = [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST"), ("kmnist", "KMNIST")]


@pytest.mark.slow
@pytest.mark.parametrize("name,class_name", MNIST_FAMILY)
def test_mnist_family_trains_one_epoch_in_batch_mode(tmp_path, name, class_name):
    data_dir, out = tmp_path / "data", tmp_path / "runs"
    write_mnist_family(data_dir, class_name, n_train=300, n_test=100)
    if name == "mnist":  # the console script once; its siblings differ only in their loader
        result = run_cli(*batch_args(name, data_dir, out, "dataset.batch_size=32"))
        assert result.returncode == 0, result.stderr
    else:
        settings = [f"dataset.name={name}", f"dataset.data_dir={data_dir}", f"train.output_dir={out}"]
        config = TrainConfig().with_overrides(
            [*settings, "train.epochs=1", "model.hidden=16", "train.device=cpu", "dataset.batch_size=32"]
        )
        assert run_batch(config, console=Console(file=io.StringIO(), width=120)) == 0
    run = single_run_dir(out)
    info = summary(run)
    assert info["status"] == "completed"
    assert info["dataset"].startswith(f"{name}: 240 train / 60 val / 100 test, input 1×28×28, 10 classes")
    assert 0.0 <= info["metrics"]["test_accuracy"] <= 1.0


def test_mnist_loader_keeps_uint8_images_and_dataset_class_names(tmp_path):
    import torchvision.datasets

    write_mnist_family(tmp_path, "FashionMNIST", n_train=200, n_test=50)
    cfg = TrainConfig().dataset
    cfg.name, cfg.data_dir = "fashion_mnist", str(tmp_path)
    splits = load_dataset(cfg, seed=0)
    meta = splits.meta
    assert splits.train.x.dtype == torch.uint8 and splits.train.x.shape[1:] == (1, 28, 28)
    assert (meta.is_image, meta.input_shape, meta.pixel_max) == (True, (1, 28, 28), 255.0)
    assert meta.class_names == torchvision.datasets.FashionMNIST.classes
    assert (meta.n_train, meta.n_val, meta.n_test) == (160, 40, 50)
    # Per-channel statistics fitted on the training split, one mean and scale for the grey channel.
    expected = splits.train.x.float()
    assert splits.normalizer.mean.shape == (1, 1, 1)
    assert torch.allclose(splits.normalizer.mean.flatten(), expected.mean().view(1), rtol=1e-4)
    assert torch.allclose(splits.normalizer.scale.flatten(), expected.std().view(1), rtol=1e-4)


@pytest.mark.slow
def test_cifar10_trains_one_epoch_in_batch_mode(tmp_path):
    data_dir, out, patch = tmp_path / "data", tmp_path / "runs", tmp_path / "patch"
    digests = write_cifar10(data_dir, per_batch=40, n_test=60)
    patch.mkdir()
    (patch / "sitecustomize.py").write_text(cifar10_checksum_patch(digests))
    result = run_cli(*batch_args("cifar10", data_dir, out), extra_path=patch)
    assert result.returncode == 0, result.stderr
    info = summary(single_run_dir(out))
    assert info["status"] == "completed"
    assert info["dataset"].startswith("cifar10: 160 train / 40 val / 60 test, input 3×32×32, 10 classes")


def test_cifar10_loader_gives_channels_first_uint8(tmp_path, monkeypatch):
    import torchvision.datasets

    digests = write_cifar10(tmp_path, per_batch=10, n_test=20)
    cls = torchvision.datasets.CIFAR10
    monkeypatch.setattr(
        cls, "train_list", [[f"data_batch_{i}", digests[f"data_batch_{i}"]] for i in range(1, 6)]
    )
    monkeypatch.setattr(cls, "test_list", [["test_batch", digests["test_batch"]]])
    monkeypatch.setattr(cls, "meta", dict(cls.meta, md5=digests["batches.meta"]))
    cfg = TrainConfig().dataset
    cfg.name, cfg.data_dir = "cifar10", str(tmp_path)
    spec, _ = find_spec("cifar10")
    raw = spec.loader(cfg, 0)
    reference = cls(str(tmp_path), train=True, download=False)
    assert raw.x.shape == (50, 3, 32, 32) and raw.x.dtype == torch.uint8
    # Channels-first view of torchvision's HWC array, pixel for pixel.
    assert torch.equal(raw.x.permute(0, 2, 3, 1), torch.from_numpy(reference.data))
    assert raw.x_test.shape == (20, 3, 32, 32)
    assert raw.meta.class_names[:2] == ["airplane", "automobile"] and raw.meta.pixel_max == 255.0


def test_corrupted_cifar_files_give_one_line_error(tmp_path):
    write_cifar10(tmp_path, per_batch=5, n_test=5)  # real torchvision digests will not match
    cfg = TrainConfig().dataset
    cfg.name, cfg.data_dir = "cifar10", str(tmp_path)
    with pytest.raises(DatasetUnavailable, match="incomplete or corrupted.*cifar-10-python.tar.gz") as info:
        load_dataset(cfg, seed=0)
    assert "\n" not in str(info.value)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_offline_machine_gets_one_line_error_naming_files_and_folder(tmp_path):
    # Every request goes to a proxy on a closed local port: refused at once, no real network used.
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = {
        "http_proxy": proxy,
        "https_proxy": proxy,
        "HTTP_PROXY": proxy,
        "HTTPS_PROXY": proxy,
        "no_proxy": "",
        "NO_PROXY": "",
    }
    data_dir, out = tmp_path / "empty", tmp_path / "runs"
    result = run_cli(*batch_args("kmnist", data_dir, out), env=env)
    assert result.returncode == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("tui-trainer: error:")]
    assert len(error) == 1 and "Traceback" not in result.stderr
    assert "cannot download kmnist" in error[0]
    assert "train-images-idx3-ubyte.gz" in error[0] and str(data_dir / "KMNIST" / "raw") in error[0]
    assert not out.exists() or not any(out.iterdir())


def test_damaged_file_placed_by_hand_is_named_offline(tmp_path):
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env = {
        "http_proxy": proxy,
        "https_proxy": proxy,
        "HTTP_PROXY": proxy,
        "HTTPS_PROXY": proxy,
        "no_proxy": "",
        "NO_PROXY": "",
    }
    data_dir, out = tmp_path / "data", tmp_path / "runs"
    raw = data_dir / "MNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte.gz").write_bytes(b"not the real file")  # e.g. a cut-off copy
    result = run_cli(*batch_args("mnist", data_dir, out), env=env)
    assert result.returncode == 2
    error = [line for line in result.stderr.splitlines() if line.startswith("tui-trainer: error:")]
    assert len(error) == 1 and "Traceback" not in result.stderr
    assert f"{raw / 'train-images-idx3-ubyte.gz'} is there but fails torchvision's MD5 check" in error[0]
    assert "replace it with an intact copy" in error[0]


@pytest.fixture
def file_server(tmp_path):
    """A local HTTP server over a folder, standing in for a dataset mirror."""
    served = tmp_path / "mirror"
    served.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_fetch_reports_byte_progress_and_rejects_bad_checksums(tmp_path, file_server):
    served, url = file_server
    payload = bytes(range(256)) * 4000  # 1 MB: several chunks
    (served / "blob.bin").write_bytes(payload)
    calls = []
    good = RemoteFile("blob.bin", hashlib.md5(payload).hexdigest(), (url + "blob.bin",))
    path = fetch(good, tmp_path / "dest", lambda *a: calls.append(a))
    assert path.read_bytes() == payload
    assert calls[0] == ("downloading blob.bin", 0, len(payload)) and calls[-1][1] == len(payload)
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)
    with pytest.raises(OSError, match="checksum mismatch"):
        fetch(RemoteFile("blob.bin", "0" * 32, (url + "blob.bin",)), tmp_path / "other", None)
    assert not any((tmp_path / "other").iterdir())  # no partial file left behind


def test_first_use_downloads_with_progress_shown_in_batch_output(tmp_path, file_server, monkeypatch):
    import torchvision.datasets

    served, url = file_server
    raw = write_mnist_family(served, "KMNIST", n_train=120, n_test=40, gz=True)
    resources = []
    for path in sorted(raw.iterdir()):
        resources.append((path.name, hashlib.md5(path.read_bytes()).hexdigest()))
    # The mirror list and published digests point at the local server's files instead.
    monkeypatch.setattr(torchvision.datasets.KMNIST, "mirrors", [url + "KMNIST/raw/"])
    monkeypatch.setattr(torchvision.datasets.KMNIST, "resources", resources)
    config = TrainConfig().with_overrides(
        [
            "dataset.name=kmnist",
            f"dataset.data_dir={tmp_path / 'cache'}",
            "train.epochs=1",
            "train.device=cpu",
            f"train.output_dir={tmp_path / 'runs'}",
            "model.hidden=8",
        ]
    )
    buffer = io.StringIO()
    assert run_batch(config, console=Console(file=buffer, width=200)) == 0
    text = buffer.getvalue()
    assert "downloading train-images-idx3-ubyte.gz: 100% (" in text
    assert "reading kmnist: 100% (2/2)" in text
    extracted = tmp_path / "cache" / "KMNIST" / "raw" / "train-images-idx3-ubyte"
    assert extracted.read_bytes() == gzip.decompress((raw / "train-images-idx3-ubyte.gz").read_bytes())
    # Second use: files on disk, no download (the server is gone from the mirror list).
    monkeypatch.setattr(torchvision.datasets.KMNIST, "mirrors", ["http://127.0.0.1:1/"])
    buffer = io.StringIO()
    assert run_batch(config, console=Console(file=buffer, width=200)) == 0
    assert "downloading" not in buffer.getvalue()


def test_on_disk_tells_whether_a_download_is_needed(tmp_path):
    from tui_trainer.engine.datasets.torchvision_sets import on_disk

    cfg = TrainConfig().dataset
    cfg.data_dir = str(tmp_path)
    assert not on_disk("mnist", cfg)
    write_mnist_family(tmp_path, "MNIST", n_train=20, n_test=10)
    assert on_disk("mnist", cfg) and not on_disk("kmnist", cfg)


def test_cifar100_reads_fine_labels_and_names(tmp_path, monkeypatch):
    import pickle

    import numpy as np
    import torchvision.datasets

    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, n in (("train", 60), ("test", 20)):
        entry = {
            "data": rng.integers(0, 255, (n, 3072), dtype=np.uint8),
            "fine_labels": [i % 100 for i in range(n)],
            "coarse_labels": [i % 20 for i in range(n)],
        }
        (folder / name).write_bytes(pickle.dumps(entry, protocol=2))
    names = [f"class{i:02d}" for i in range(100)]
    (folder / "meta").write_bytes(
        pickle.dumps({"fine_label_names": names, "coarse_label_names": []}, protocol=2)
    )
    digest = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    cls = torchvision.datasets.CIFAR100
    # Only the expected digests change (the published ones cannot match tiny test files).
    monkeypatch.setattr(cls, "train_list", [["train", digest["train"]]])
    monkeypatch.setattr(cls, "test_list", [["test", digest["test"]]])
    monkeypatch.setattr(cls, "meta", dict(cls.meta, md5=digest["meta"]))
    cfg = TrainConfig().dataset
    cfg.name, cfg.data_dir = "cifar100", str(tmp_path)
    splits = load_dataset(cfg, seed=0)
    assert splits.meta.n_classes == 100 and splits.meta.class_names == names
    assert splits.train.x.shape[1:] == (3, 32, 32) and splits.test.y.tolist() == [i % 100 for i in range(20)]
