"""Fetching dataset archives with byte progress, checksum checks and a one-line offline error.

torchvision's own `download=True` prints a tqdm bar to stderr, which neither the Textual app nor
the batch reporter can show. So the bytes are fetched here, reported through the loader's progress
callback, verified against torchvision's published MD5 sums, and unpacked with torchvision's
`extract_archive`; the torchvision dataset class then reads the files with `download=False`.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tui_trainer.engine.config import ConfigError
from tui_trainer.engine.datasets.meta import LoadProgress

CHUNK_BYTES = 1 << 18
TIMEOUT_SECONDS = 30


class DatasetUnavailable(ConfigError):
    """The data is neither on disk nor downloadable; the message says which files go where."""


@dataclass(frozen=True)
class RemoteFile:
    filename: str
    md5: str | None
    urls: tuple[str, ...]  # mirrors, tried in order


def _md5_ok(path: Path, md5: str | None) -> bool:
    from torchvision.datasets.utils import check_integrity

    return check_integrity(str(path), md5)


def fetch(remote: RemoteFile, folder: Path, progress: LoadProgress | None) -> Path:
    """Download one file into `folder` (unless a verified copy is there) and return its path.

    Raises OSError (network failures, or downloads that failed their checksum) when no good
    copy can be had, and DatasetUnavailable when a copy placed by hand is damaged and cannot be
    replaced: the user then has a file to fix, not a download to arrange.
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / remote.filename
    if target.exists() and _md5_ok(target, remote.md5):
        return target
    damaged = target.exists()
    errors: list[str] = []
    for url in remote.urls:
        partial = target.with_name(target.name + ".part")
        try:
            _stream(url, partial, remote.filename, progress)
        except (TimeoutError, OSError, urllib.error.URLError) as exc:
            partial.unlink(missing_ok=True)
            errors.append(_reason(exc))
            continue
        if not _md5_ok(partial, remote.md5):
            partial.unlink(missing_ok=True)
            errors.append(f"checksum mismatch for {url}")
            continue
        os.replace(partial, target)
        return target
    if damaged:
        raise DatasetUnavailable(
            f"{target} is there but fails torchvision's MD5 check ({remote.md5}), and no good copy "
            f"could be downloaded ({errors[0] if errors else 'no mirror'}): replace it with an intact "
            "copy (see docs/datasets.md for the sources)"
        )
    raise OSError("; ".join(errors))


def _stream(url: str, dest: Path, label: str, progress: LoadProgress | None) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "tui-trainer"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response, open(dest, "wb") as out:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        what = f"downloading {label}"
        if progress is not None:
            progress(what, 0, total)
        while True:
            chunk = response.read(CHUNK_BYTES)
            if not chunk:
                break
            out.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(what, done, total)
        if progress is not None and total != done:
            progress(what, done, done)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__


def extract(archive: Path, into: Path) -> None:
    from torchvision.datasets.utils import extract_archive

    extract_archive(str(archive), str(into))
