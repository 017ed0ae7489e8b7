"""The local, content-addressed store for captured data: `snapshots/sha256/ab/abcdef…`.

Captures never live next to the original (an nginx `conf.d/x.conf.bak` gets loaded); they live here, on the
operator's machine, named by their sha256, written to a temporary file and renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path


class BlobError(Exception):
    """A blob that is missing or whose content no longer matches its name."""


class BlobStore:
    def __init__(self, snapshots_dir: Path) -> None:
        self.root = snapshots_dir / "sha256"

    def path_for(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def _commit(self, temp: Path, digest: str) -> str:
        final = self.path_for(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)
        return digest

    def put_bytes(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        self.root.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return self._commit(Path(temp), digest)

    async def put_stream(self, chunks: AsyncIterator[bytes], *, limit: int | None = None) -> tuple[str, int]:
        """Store a stream; returns (sha256, size). Raises `BlobError` past `limit` bytes, keeping nothing."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        hasher = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                async for chunk in chunks:
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise BlobError(f"capture exceeded the size cap of {limit} bytes")
                    hasher.update(chunk)
                    handle.write(chunk)
        except BaseException:
            os.unlink(temp)
            raise
        return self._commit(Path(temp), hasher.hexdigest()), size

    def read_bytes(self, digest: str) -> bytes:
        path = self.path_for(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BlobError(f"captured data {digest[:12]} is missing from {self.root}") from None
        if hashlib.sha256(data).hexdigest() != digest:
            raise BlobError(f"captured data {digest[:12]} in {self.root} is corrupt (checksum mismatch)")
        return data
