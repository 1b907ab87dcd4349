"""Download links, served by our gateway whatever the storage backend:
``{base}/api/p/files/{token}?exp=<unix>&sig=<hex>``. ``token`` is the id of a link row the
ledger stored when it handed the link out (that row is what makes a link single use, see
``service_layer/handlers.fetch_file``); ``sig`` is an HMAC-SHA256 of ``token\\nexp`` with
``REKOMI_STORAGE_SIGNING_SECRET``. The signature and the expiry are checked before any database
read, so a forged or stale link costs nothing. A storage provider's own presigned URL cannot be
used up (it works until it expires), which is why links do not point at the provider."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from libs.shared.settings import Settings
from services.ledger.domain.errors import SignedUrlExpired, SignedUrlInvalid

FILES_PATH = "/api/p/files"


@dataclass(frozen=True, slots=True)
class LinkSigner:
    base_url: str
    secret: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkSigner:
        base = (settings.storage_local_base_url
                or f"http://{settings.gateway_host}:{settings.gateway_port}")
        return cls(base.rstrip("/"), settings.storage_signing_secret.encode())

    def _sign(self, token: str, exp: int) -> str:
        return hmac.new(self.secret, f"{token}\n{exp}".encode(), hashlib.sha256).hexdigest()

    def url(self, token: str, exp: int) -> str:
        query = urlencode({"exp": exp, "sig": self._sign(token, exp)})
        return f"{self.base_url}{FILES_PATH}/{token}?{query}"

    def verify(self, token: str, exp: int, sig: str, *, now: float | None = None) -> None:
        """403 when the link was tampered with or its time is up."""
        if not hmac.compare_digest(self._sign(token, exp), sig):
            raise SignedUrlInvalid("this link is not valid")
        if (time.time() if now is None else now) > exp:
            raise SignedUrlExpired("this link has expired; ask for a new one")
