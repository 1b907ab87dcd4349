"""S3-compatible storage: uploads and downloads go through SigV4-presigned URLs."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from libs.shared.clock import now_utc
from libs.shared.settings import Settings
from services.ledger.tax_forms.adapters.sigv4 import Credentials, presign

UPLOAD_URL_SECONDS = 60


@dataclass(frozen=True, slots=True)
class S3Storage:
    endpoint: str  # https://nyc3.digitaloceanspaces.com (path-style: endpoint/bucket/key)
    bucket: str
    creds: Credentials

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        return cls(settings.storage_s3_endpoint.rstrip("/"), settings.storage_s3_bucket,
                   Credentials(settings.storage_s3_access_key, settings.storage_s3_secret_key,
                               settings.storage_s3_region))

    def _url(self, method: str, key: str, expires: int) -> str:
        parts = urlsplit(self.endpoint)
        return presign(method, scheme=parts.scheme, host=parts.netloc,
                       path=f"{parts.path}/{self.bucket}/{key}", creds=self.creds,
                       expires=expires, now=now_utc())

    def presigned_get(self, key: str, expires_in: int) -> str:
        return self._url("GET", key, expires_in)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        url = self._url("PUT", key, UPLOAD_URL_SECONDS)
        async with aiohttp.ClientSession() as session, session.put(
                url, data=data, headers={"Content-Type": content_type}) as response:
            response.raise_for_status()
