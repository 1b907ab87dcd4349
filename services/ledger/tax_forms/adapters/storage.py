"""Object storage for private files (tax forms): a small interface, an S3-compatible
implementation for production and a file-backed one for development and tests, picked by
``REKOMI_STORAGE_BACKEND``. Clients download through single-use links (``signed_links``)."""

from __future__ import annotations

from typing import Protocol

from libs.shared.settings import Settings
from services.ledger.tax_forms.adapters.local_storage import LocalFileStorage
from services.ledger.tax_forms.adapters.s3_storage import S3Storage


class ObjectStorage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key`` (overwriting)."""

    async def read(self, key: str) -> bytes:
        """The bytes under ``key``; ``FileNotFound`` when there are none."""


def storage_from(settings: Settings) -> LocalFileStorage | S3Storage:
    if settings.storage_backend == "s3":
        return S3Storage.from_settings(settings)
    return LocalFileStorage.from_settings(settings)
