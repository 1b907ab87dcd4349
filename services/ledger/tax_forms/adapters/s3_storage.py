"""S3-compatible storage: the ledger's own uploads and downloads go through short SigV4-presigned
URLs. Clients never get one (a presigned URL works until it expires, however often it is
used); they download through the gateway's single-use links (``signed_links``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from libs.shared.clock import now_utc
from libs.shared.settings import Settings
from services.ledger.domain.errors import FileNotFound
from services.ledger.tax_forms.adapters.sigv4 import Credentials, presign

REQUEST_URL_SECONDS = 60
# A download runs inside the transaction that uses up its link: bounded.
READ_TIMEOUT = aiohttp.ClientTimeout(total=30)


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

    def _url(self, method: str, key: str) -> str:
        parts = urlsplit(self.endpoint)
        return presign(method, scheme=parts.scheme, host=parts.netloc,
                       path=f"{parts.path}/{self.bucket}/{key}", creds=self.creds,
                       expires=REQUEST_URL_SECONDS, now=now_utc())

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        async with aiohttp.ClientSession() as session, session.put(
                self._url("PUT", key), data=data,
                headers={"Content-Type": content_type}) as response:
            response.raise_for_status()

    async def read(self, key: str) -> bytes:
        async with aiohttp.ClientSession(timeout=READ_TIMEOUT) as session, session.get(
                self._url("GET", key)) as response:
            if response.status == 404:
                raise FileNotFound("file not found")
            response.raise_for_status()
            return await response.read()
