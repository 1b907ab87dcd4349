"""The outbound HTTP client: one POST per attempt, signed, never following redirects, through
the safe resolver, with a total timeout and a capped read of the response body."""

from __future__ import annotations

import time
from dataclasses import dataclass

import aiohttp
from aiohttp.abc import AbstractResolver

from services.webhooks.adapters.safe_resolver import SafeResolver
from services.webhooks.domain.addresses import check_url
from services.webhooks.domain.deliveries import Outcome
from services.webhooks.domain.errors import UrlRefused

USER_AGENT = "Rekomi-Webhooks/1.0 (+https://github.com/rekomi/rekomi)"
_CHECKED_MAX = 10_000


@dataclass(frozen=True, slots=True)
class Request:
    url: str
    body: bytes
    delivery_id: str
    event_type: str
    signature: str


class Sender:
    def __init__(self, *, allow_loopback: bool, timeout: float, body_limit: int,
                 connections: int, resolver: AbstractResolver | None = None) -> None:
        self.allow_loopback = allow_loopback
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.body_limit = body_limit
        self._resolver = resolver or SafeResolver(allow_loopback=allow_loopback)
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None
        # URLs that passed the static policy (pure, so cached; bounded by a reset).
        self._checked: set[tuple[str, bool]] = set()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._connections, limit_per_host=0,
                                             resolver=self._resolver, ttl_dns_cache=10)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self.timeout, auto_decompress=False,
                headers={"User-Agent": USER_AGENT})
        return self._session

    async def send(self, request: Request) -> tuple[Outcome, int]:
        """The outcome and how long it took (ms); never raises for the receiver's faults."""
        started = time.monotonic()
        outcome = await self._attempt(request)
        return outcome, int((time.monotonic() - started) * 1000)

    async def _attempt(self, request: Request) -> Outcome:
        key = (request.url, self.allow_loopback)
        if key not in self._checked:
            try:
                # IP literals never reach the resolver, so the policy is applied here too.
                check_url(request.url, allow_loopback=self.allow_loopback)
            except UrlRefused as exc:
                return Outcome(None, f"refused: {exc.message}", None)
            if len(self._checked) >= _CHECKED_MAX:
                self._checked.clear()
            self._checked.add(key)
        headers = {"Content-Type": "application/json", "X-Rekomi-Event": request.event_type,
                   "X-Rekomi-Delivery-Id": request.delivery_id,
                   "X-Rekomi-Signature": request.signature}
        try:
            async with self._client().post(request.url, data=request.body, headers=headers,
                                           allow_redirects=False) as response:
                body = await _read_capped(response, self.body_limit)
                return Outcome(response.status, None if response.status < 300 else
                               f"HTTP {response.status}", body)
        except TimeoutError:
            return Outcome(None, f"timeout after {self.timeout.total:g}s", None)
        except (aiohttp.ClientError, OSError) as exc:
            return Outcome(None, f"{type(exc).__name__}: {exc}"[:500], None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> str:
    chunks, size = [], 0
    while size < limit:
        chunk = await response.content.read(limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")
