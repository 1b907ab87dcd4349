"""File-backed storage for development and tests: objects are files under
``REKOMI_STORAGE_LOCAL_DIR``. Like the S3 backend, its files reach a client only through the
gateway's single-use download links (``signed_links``)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from libs.shared.settings import Settings
from services.ledger.domain.errors import FileNotFound, SignedUrlInvalid


@dataclass(frozen=True, slots=True)
class LocalFileStorage:
    root: Path

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalFileStorage:
        return cls(Path(settings.storage_local_dir).resolve())

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise SignedUrlInvalid("this link is not valid")
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def read(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError:
            raise FileNotFound("file not found") from None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
