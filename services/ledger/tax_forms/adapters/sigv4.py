"""AWS Signature Version 4 query-string presigning (S3 and S3-compatible stores such as
DigitalOcean Spaces or MinIO), written from the AWS specification with hashlib and hmac."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED = "UNSIGNED-PAYLOAD"


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key: str
    secret_key: str
    region: str
    service: str = "s3"


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _encode(value: str, safe: str = "-_.~") -> str:
    return quote(value, safe=safe)


def signing_key(secret_key: str, date: str, region: str, service: str) -> bytes:
    key = _hmac(f"AWS4{secret_key}".encode(), date)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def presign(method: str, *, scheme: str, host: str, path: str, creds: Credentials,
            expires: int, now: datetime) -> str:
    """A URL that lets anyone ``method`` the object at ``path`` until ``now + expires``.
    ``host`` includes a non-default port; ``path`` is unencoded (``/bucket/key``)."""
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{amz_date[:8]}/{creds.region}/{creds.service}/aws4_request"
    query = {"X-Amz-Algorithm": ALGORITHM, "X-Amz-Credential": f"{creds.access_key}/{scope}",
             "X-Amz-Date": amz_date, "X-Amz-Expires": str(expires),
             "X-Amz-SignedHeaders": "host"}
    canonical_query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(query.items()))
    canonical_path = _encode(path, safe="/-_.~")
    canonical_request = "\n".join(
        [method, canonical_path, canonical_query, f"host:{host}", "", "host", UNSIGNED])
    to_sign = "\n".join([ALGORITHM, amz_date, scope,
                         hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = signing_key(creds.secret_key, amz_date[:8], creds.region, creds.service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (f"{scheme}://{host}{canonical_path}?{canonical_query}"
            f"&X-Amz-Signature={signature}")
