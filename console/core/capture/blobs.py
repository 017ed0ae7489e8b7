"""The local, content-addressed store for captured data: `snapshots/sha256/ab/abcdef…`.

Captures never live next to the original (an nginx `conf.d/x.conf.bak` gets loaded); they live here, on the
operator's machine, named by their sha256, written to a temporary file (0600) and renamed into place, in
directories created 0700.

A store that runs out of room (a full disk, a quota: ENOSPC, EDQUOT) or cannot write at all raises `BlobError`
saying so and keeps nothing half-written; the capture layer turns it into a refusal, so the command does not
run without its capture. `check_room` refuses up front when the free space is already short of what a capture
will take.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from console.core.private_files import make_private_dir

# Room kept free beyond a capture's own size (tar headers, the database growing with the rollback point).
HEADROOM = 1024 * 1024


class BlobError(Exception):
    """A blob that is missing or whose content no longer matches its name."""


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KiB"


def _discard(temp: str) -> None:
    """Remove a half-written temporary file (a file in our own store: not worth a thread)."""
    with suppress(FileNotFoundError):
        os.unlink(temp)


class BlobStore:
    def __init__(self, snapshots_dir: Path) -> None:
        self.root = snapshots_dir / "sha256"

    def path_for(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn a failing write into a `BlobError` that says why; ENOSPC and EDQUOT say the store is full."""
        try:
            yield
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EDQUOT):
                raise BlobError(f"no space left for the capture in {self.root} ({error.strerror})") from None
            raise BlobError(f"cannot write the capture to {self.root}: {error.strerror or error}") from None

    def check_room(self, size: int) -> None:
        """Raise `BlobError` when the store's file system has less free space than `size` plus some headroom."""
        with self._writing():
            make_private_dir(self.root)
            stats = os.statvfs(self.root)
        free = stats.f_bavail * stats.f_frsize
        if free < size + HEADROOM:
            raise BlobError(
                f"no space left for the capture in {self.root}: it needs about {_human(size + HEADROOM)}, "
                f"{_human(free)} is free"
            )

    def _commit(self, temp: Path, digest: str) -> str:
        final = self.path_for(digest)
        make_private_dir(final.parent)
        os.replace(temp, final)
        return digest

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        with self._writing():
            make_private_dir(self.root)
            fd, temp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                return self._commit(Path(temp), digest)
            except BaseException:
                _discard(temp)
                raise

    async def put_stream(self, chunks: AsyncIterator[bytes], *, limit: int | None = None) -> tuple[str, int]:
        """Store a stream; returns (sha256, size). Raises `BlobError` past `limit` bytes, keeping nothing."""
        with self._writing():
            make_private_dir(self.root)
            fd, temp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        hasher = hashlib.sha256()
        size = 0
        try:
            with self._writing(), os.fdopen(fd, "wb") as handle:
                async for chunk in chunks:
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise BlobError(f"capture exceeded the size cap of {limit} bytes")
                    hasher.update(chunk)
                    handle.write(chunk)
            with self._writing():
                return self._commit(Path(temp), hasher.hexdigest()), size
        except BaseException:
            _discard(temp)
            raise

    def read_bytes(self, digest: str) -> bytes:
        path = self.path_for(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobError(f"captured data {digest[:12]} is missing from {self.root}") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise BlobError(f"captured data {digest[:12]} in {self.root} is corrupt (checksum mismatch)")
        return data
