"""Where Currents files come from: a local folder (or one file), or a bucket URL through fsspec.

Every file gets a ``key`` that names it in the manifest: its path from the ``dataexport.``
segment on when there is one (so moving or re-mounting the prefix does not reload everything),
else its path relative to the source. Braze says the layout may change, so everything under the
source is listed and the event type is read from the ``event_type=`` segment when present.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from looker_braze.errors import FailRun

AVRO_SUFFIX = ".avro"
_REMOTE_PREFIXES = ("s3://", "gs://", "gcs://", "az://", "abfs://", "memory://", "file://")


@dataclass(frozen=True)
class SourceFile:
    key: str
    size: int
    version: str  # mtime or ETag: how we notice a file that changed under the same key
    read: Callable[[], bytes]

    @property
    def event_type(self) -> str | None:
        """From the ``event_type=`` key segment, or None (then the Avro record name decides)."""
        for part in self.key.split("/"):
            if part.startswith("event_type=") and len(part) > len("event_type="):
                return part.removeprefix("event_type=")
        return None


@dataclass(frozen=True)
class Listing:
    files: list[SourceFile]  # Avro files, sorted by key
    ignored: int  # files under the source that are not .avro


def manifest_key(relative: str) -> str:
    parts = [part for part in relative.split("/") if part not in ("", ".")]
    for index, part in enumerate(parts):
        if part.startswith("dataexport."):
            return "/".join(parts[index:])
    return "/".join(parts)


def list_source(source: str | Path) -> Listing:
    text = str(source)
    if text.startswith(_REMOTE_PREFIXES):
        return _list_remote(text)
    return _list_local(Path(text))


def _list_local(root: Path) -> Listing:
    if root.is_file():
        return _listing([_local_file(root, root.name)])
    if not root.is_dir():
        raise FailRun(f"Currents source {str(root)!r} is neither a folder nor a file.")
    found = []
    for folder, _, names in os.walk(root):
        relative_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in names:
            found.append(_local_file(Path(folder, name), f"{relative_folder}/{name}"))
    return _listing(found)


def _local_file(path: Path, relative: str) -> tuple[str, SourceFile]:
    stat = path.stat()
    return relative, SourceFile(
        key=manifest_key(relative),
        size=stat.st_size,
        version=str(stat.st_mtime_ns),
        read=path.read_bytes,
    )


def _list_remote(url: str) -> Listing:
    try:
        import fsspec
    except ImportError:
        raise FailRun(
            f"Reading {url.split('://')[0]}:// sources needs the bucket extras: "
            "pip install 'looker-braze[buckets]'."
        ) from None
    try:
        fs, root = fsspec.core.url_to_fs(url)
        infos = fs.find(root, detail=True)
    except ImportError as exc:
        raise FailRun(f"Cannot read {url}: {exc} (pip install 'looker-braze[buckets]').") from None
    except OSError as exc:
        raise FailRun(f"Cannot list {url}: {exc}") from None
    prefix = root.rstrip("/") + "/"
    return _listing(_remote_file(fs, path, info, prefix) for path, info in infos.items())


def _remote_file(fs, path: str, info: dict, prefix: str) -> tuple[str, SourceFile]:
    relative = path.removeprefix(prefix) if path.startswith(prefix) else PurePosixPath(path).name
    version = info.get("ETag") or info.get("etag") or info.get("md5Hash") or info.get("mtime")
    return relative, SourceFile(
        key=manifest_key(relative),
        size=int(info.get("size") or 0),
        version=str(version or ""),
        read=lambda: fs.cat_file(path),
    )


def _listing(found: Iterator[tuple[str, SourceFile]] | list) -> Listing:
    files, ignored = [], 0
    for relative, file in found:
        if relative.endswith(AVRO_SUFFIX):
            files.append(file)
        else:
            ignored += 1
    return Listing(sorted(files, key=lambda f: f.key), ignored)
