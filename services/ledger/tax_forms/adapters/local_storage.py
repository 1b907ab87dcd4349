"""File-backed storage for development and tests. Its URLs really serve the file until they
expire: ``{base}/api/p/files/{token}?exp=<unix>&sig=<hex>`` where ``token`` is the key in
base64url and ``sig`` an HMAC-SHA256 of ``key\\nexp`` with ``REKOMI_STORAGE_SIGNING_SECRET``.
The gateway serves that route by asking the ledger (``storage.fetch``) to check and read."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from libs.shared.settings import Settings
from services.ledger.domain.errors import FileNotFound, SignedUrlExpired, SignedUrlInvalid

FILES_PATH = "/api/p/files"


def _token(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _key(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise SignedUrlInvalid("this link is not valid") from None


@dataclass(frozen=True, slots=True)
class LocalFileStorage:
    root: Path
    base_url: str
    secret: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalFileStorage:
        base = (settings.storage_local_base_url
                or f"http://{settings.gateway_host}:{settings.gateway_port}")
        return cls(Path(settings.storage_local_dir).resolve(), base.rstrip("/"),
                   settings.storage_signing_secret.encode())

    def _sign(self, key: str, exp: int) -> str:
        return hmac.new(self.secret, f"{key}\n{exp}".encode(), hashlib.sha256).hexdigest()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise SignedUrlInvalid("this link is not valid")
        return path

    def presigned_get(self, key: str, expires_in: int) -> str:
        exp = int(time.time()) + expires_in
        query = urlencode({"exp": exp, "sig": self._sign(key, exp)})
        return f"{self.base_url}{FILES_PATH}/{_token(key)}?{query}"

    def verified_key(self, token: str, exp: int, sig: str, *, now: float | None = None) -> str:
        """The key a signed URL names, or 403 when tampered with or expired."""
        key = _key(token)
        if not hmac.compare_digest(self._sign(key, exp), sig):
            raise SignedUrlInvalid("this link is not valid")
        if (time.time() if now is None else now) > exp:
            raise SignedUrlExpired("this link has expired; ask for a new one")
        return key

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
